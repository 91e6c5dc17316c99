package store_test

import (
	"context"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"gatehouse/store"
	"gatehouse/store/storetest"
)

// emptyStore opens a store on a database without any table (the runner not run).
func emptyStore(t *testing.T, opts ...func(*store.Config)) *store.Store {
	t.Helper()
	cfg := store.Config{DatabaseURL: storetest.NewDSN(t), SkipMigrate: true}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.DB().Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	return s
}

func migrations(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, body := range files {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

func tableExists(t *testing.T, s *store.Store, name string) bool {
	t.Helper()
	var ok bool
	if err := s.DB().Get(&ok, `SELECT to_regclass($1) IS NOT NULL`, name); err != nil {
		t.Fatal(err)
	}
	return ok
}

func checksums(t *testing.T, s *store.Store) map[int]string {
	t.Helper()
	var rows []struct {
		Version  int
		Checksum *string
	}
	if err := s.DB().Select(&rows, `SELECT version, checksum FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, r := range rows {
		if r.Checksum == nil || len(*r.Checksum) != 64 {
			t.Fatalf("migration %d: checksum %v, want 64 hex digits", r.Version, r.Checksum)
		}
		out[r.Version] = *r.Checksum
	}
	return out
}

func TestMigrateRefusesAnEditedMigration(t *testing.T) {
	s := emptyStore(t)
	ctx := context.Background()
	files := migrations(map[string]string{
		"0001_a.sql": "CREATE TABLE a (id int);\n",
		"0002_b.sql": "-- b holds the bees\nCREATE TABLE b (id int);\n",
	})
	if applied, err := s.MigrateFrom(ctx, files); err != nil || !reflect.DeepEqual(applied, []int{1, 2}) {
		t.Fatalf("applied %v, %v", applied, err)
	}
	before := checksums(t, s)

	// Comments and layout are not what a migration does: rewording them is fine.
	files["0002_b.sql"].Data = []byte("-- b: one row per bee\n\nCREATE TABLE b\n    (id int) ;   -- the bees\n")
	if applied, err := s.MigrateFrom(ctx, files); err != nil || len(applied) != 0 {
		t.Fatalf("after a comment edit: applied %v, %v", applied, err)
	}
	// A changed statement is refused, and nothing else runs (not even a new migration).
	files["0002_b.sql"].Data = []byte("-- b holds the bees\nCREATE TABLE b (id bigint);\n")
	files["0003_c.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE c (id int);")}
	_, err := s.MigrateFrom(ctx, files)
	if err == nil || !strings.Contains(err.Error(), "migration 0002_b.sql was changed after it was applied") ||
		!strings.Contains(err.Error(), "new migration") {
		t.Fatalf("edited migration: %v", err)
	}
	if tableExists(t, s, "c") {
		t.Fatal("a migration ran after the refusal")
	}
	if got := checksums(t, s); !reflect.DeepEqual(got, before) {
		t.Fatalf("checksums changed: %v, were %v", got, before)
	}
}

// TestMigrateRecordsChecksumsOfOldDatabases: a database migrated before checksums were
// recorded gets them on its first run, and is held to them afterwards.
func TestMigrateRecordsChecksumsOfOldDatabases(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	want := checksums(t, s)
	if _, err := s.DB().Exec(`ALTER TABLE schema_migrations DROP COLUMN checksum`); err != nil {
		t.Fatal(err)
	}
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("applied %v, %v", applied, err)
	}
	if got := checksums(t, s); !reflect.DeepEqual(got, want) || len(got) < 8 {
		t.Fatalf("checksums %v, want %v", got, want)
	}
	files := fstest.MapFS{}
	real := os.DirFS("migrations")
	names, err := fs.Glob(real, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations: %v %v", names, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(real, name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: b}
	}
	files["0001_schema.sql"].Data = append(files["0001_schema.sql"].Data, "\nCREATE TABLE sneaked_in (id int);\n"...)
	if _, err := s.MigrateFrom(ctx, files); err == nil || !strings.Contains(err.Error(), "0001_schema.sql was changed") {
		t.Fatalf("edited 0001: %v", err)
	}
}

func TestMigrateRefusesANewerDatabase(t *testing.T) {
	s := emptyStore(t)
	ctx := context.Background()
	newer := migrations(map[string]string{
		"0001_a.sql": "CREATE TABLE a (id int);",
		"0002_b.sql": "CREATE TABLE b (id int);",
	})
	if _, err := s.MigrateFrom(ctx, newer); err != nil {
		t.Fatal(err)
	}
	older := migrations(map[string]string{
		"0001_a.sql": "CREATE TABLE a (id int);",
		"0003_c.sql": "CREATE TABLE c (id int);", // pending here, but nothing runs
	})
	_, err := s.MigrateFrom(ctx, older)
	if err == nil || !strings.Contains(err.Error(), "migrated by a newer gatehouse") ||
		!strings.Contains(err.Error(), "0002_b.sql (applied ") {
		t.Fatalf("newer database: %v", err)
	}
	if tableExists(t, s, "c") {
		t.Fatal("a migration ran against a newer database")
	}
}

func TestMigrateOutsideATransaction(t *testing.T) {
	// One connection: the one the runner used is the one the checks below get.
	s := emptyStore(t, func(c *store.Config) { c.MaxOpenConns = 1 })
	ctx := context.Background()
	const index = "-- gatehouse: no transaction\n" +
		"-- Built without locking writers out.\n" +
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n" +
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_y ON t ((y || ';'));\n"
	files := migrations(map[string]string{
		"0001_t.sql":       "CREATE TABLE t (x int, y text); INSERT INTO t SELECT g, g::text FROM generate_series(1, 1000) g;",
		"0002_t_index.sql": strings.Replace(index, "-- gatehouse: no transaction\n", "", 1),
	})
	// Without the marker, PostgreSQL refuses CONCURRENTLY in the runner's transaction.
	_, err := s.MigrateFrom(ctx, files)
	if err == nil || !strings.Contains(err.Error(), "0002_t_index.sql") || !strings.Contains(err.Error(), "transaction block") {
		t.Fatalf("CONCURRENTLY in a transaction: %v", err)
	}
	files["0002_t_index.sql"].Data = []byte(index)
	if applied, err := s.MigrateFrom(ctx, files); err != nil || !reflect.DeepEqual(applied, []int{2}) {
		t.Fatalf("applied %v, %v", applied, err)
	}
	var valid []string
	if err := s.DB().Select(&valid, `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 't'::regclass AND i.indisvalid ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(valid, []string{"t_x", "t_y"}) {
		t.Fatalf("valid indexes %v", valid)
	}
	if got := checksums(t, s); len(got) != 2 {
		t.Fatalf("recorded %v", got)
	}
	var timeout string
	if err := s.DB().Get(&timeout, `SHOW statement_timeout`); err != nil || timeout != "5s" {
		t.Fatalf("the connection went back to the pool with statement_timeout %q (%v)", timeout, err)
	}

	// A failure in the middle names the statement; the ones before it stay, and the
	// migration stays pending until it is fixed.
	files["0003_t_more.sql"] = &fstest.MapFile{Data: []byte("-- gatehouse: no transaction\n" +
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_z ON t (x, y);\nCREATE INDEX CONCURRENTLY t_w ON t (nope);\n")}
	if _, err := s.MigrateFrom(ctx, files); err == nil || !strings.Contains(err.Error(), "0003_t_more.sql: statement 2 of 2") {
		t.Fatalf("failing statement: %v", err)
	}
	if !tableExists(t, s, "t_z") {
		t.Fatal("the first statement was undone")
	}
	files["0003_t_more.sql"].Data = []byte("-- gatehouse: no transaction\n" +
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_z ON t (x, y);\nCREATE INDEX CONCURRENTLY t_w ON t (y);\n")
	if applied, err := s.MigrateFrom(ctx, files); err != nil || !reflect.DeepEqual(applied, []int{3}) {
		t.Fatalf("after the fix: applied %v, %v", applied, err)
	}
}

// TestMigrationsApplyStatementByStatement: the splitter that the no-transaction migrations
// use cuts every real migration into statements that build the same schema.
func TestMigrationsApplyStatementByStatement(t *testing.T) {
	ctx := context.Background()
	real := os.DirFS("migrations")
	names, err := fs.Glob(real, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	for _, name := range names {
		b, err := fs.ReadFile(real, name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: append([]byte("-- gatehouse: no transaction\n"), b...)}
	}
	split := emptyStore(t)
	if _, err := split.MigrateFrom(ctx, files); err != nil {
		t.Fatal(err)
	}
	const schema = `SELECT
		(SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') || ' ' || coalesce(generation_expression, ''), E'\n' ORDER BY table_name, ordinal_position)
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations') || E'\n' ||
		(SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public') || E'\n' ||
		(SELECT string_agg(p.proname || ' ' || pg_get_functiondef(p.oid), E'\n' ORDER BY p.proname, p.oid::regprocedure::text)
			FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')) || E'\n' ||
		(SELECT string_agg(conrelid::regclass || ' ' || pg_get_constraintdef(oid), E'\n' ORDER BY conrelid::regclass::text, conname)
			FROM pg_constraint WHERE connamespace = 'public'::regnamespace) || E'\n' ||
		(SELECT string_agg(tgrelid::regclass || ' ' || pg_get_triggerdef(oid), E'\n' ORDER BY tgrelid::regclass::text, tgname)
			FROM pg_trigger WHERE NOT tgisinternal)`
	var got, want string
	if err := split.DB().Get(&got, schema); err != nil {
		t.Fatal(err)
	}
	if err := storetest.New(t).DB().Get(&want, schema); err != nil {
		t.Fatal(err)
	}
	if got != want || len(want) < 1000 {
		t.Fatalf("statement by statement, the schema differs:\n%s\n\nin transactions:\n%s", got, want)
	}
}

func TestSQLStatements(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"-- only a comment\n", nil},
		{"SELECT 1;SELECT  2 ;\n\n\tSELECT\n3", []string{"SELECT 1", "SELECT 2", "SELECT 3"}},
		{"SELECT 'a;b -- c', \"x;\"\"y\" -- d;\n;", []string{`SELECT 'a;b -- c', "x;""y"`}},
		{"SELECT 'it''s; here' /* a; /* nested; */ comment */ , 2;", []string{"SELECT 'it''s; here' , 2"}},
		{`SELECT E'\'; still' ; SELECT 'a\'; SELECT 1`, []string{`SELECT E'\'; still'`, `SELECT 'a\'`, "SELECT 1"}},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; -- kept\n $$;\nSELECT $1, a$b$c;",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; -- kept\n $$", "SELECT $1, a$b$c"}},
		{"DO $body$ BEGIN PERFORM '$$;'; END $body$; SELECT 2", []string{"DO $body$ BEGIN PERFORM '$$;'; END $body$", "SELECT 2"}},
		{"CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b); SELECT 1",
			[]string{"CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b)", "SELECT 1"}},
		{"SELECT 'unterminated; ", []string{"SELECT 'unterminated; "}},
	} {
		if got := store.SQLStatements(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
