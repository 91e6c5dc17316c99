package store_test

import (
	"context"
	"fmt"
	"github.com/jmoiron/sqlx"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

// pageIDs lists the ids of a page of users.
func pageIDs(us []model.User) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}

// prepareUsersPage lists the first page through a store whose pools hold one connection, and
// returns the page's ids and the statement it ran prepared.
func prepareUsersPage(t *testing.T, s *store.Store, tr *store.Tracer) ([]int64, string) {
	t.Helper()
	tr.Start()
	page, err := s.ListUsers(context.Background(), model.Operator{Name: "t", Role: model.RoleSupport}, store.UserQuery{Limit: 5})
	stmts := tr.Stop()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if q.Prepared {
			return pageIDs(page.Users), q.SQL
		}
	}
	t.Fatalf("the Users page was not prepared: %v", stmts)
	return nil, ""
}

// preparedOnConn returns how many times the statement was executed by the prepared
// statement the one connection of the prepared statements' pool holds (0: none holds it).
func preparedOnConn(t *testing.T, s *store.Store, sqlText string) int {
	t.Helper()
	var n []int
	if err := store.PreparedDB(s).Select(&n, `SELECT generic_plans + custom_plans FROM pg_prepared_statements
		WHERE statement = $1`, sqlText); err != nil {
		t.Fatal(err)
	}
	if len(n) > 1 {
		t.Fatalf("the statement is prepared %d times on one connection", len(n))
	}
	if len(n) == 0 {
		return 0
	}
	return n[0]
}

// TestPreparedStatementsSurviveResetAndMigration holds the prepared statements to what the
// server knows: a connection whose statements were deallocated (DISCARD ALL, a pooler), a
// connection that was terminated, and a migration that changes a column the page returns
// ("cached plan must not change result type") each leave the next page right.
func TestPreparedStatementsSurviveResetAndMigration(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr; c.MaxOpenConns = 1 })
	for i := range 8 {
		storetest.User(t, s, fmt.Sprintf("PREP-%03d", i), fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("User %c", 'A'+i), time.Time{})
	}
	want, sqlText := prepareUsersPage(t, s, tr)
	if len(want) != 5 {
		t.Fatalf("first page %v", want)
	}
	pdb := store.PreparedDB(s)

	// Deallocated under the store: the statement is prepared again.
	pdb.MustExec(`DEALLOCATE ALL`)
	if n := preparedOnConn(t, s, sqlText); n != 0 {
		t.Fatalf("DEALLOCATE ALL left the statement (%d)", n)
	}
	got, again := prepareUsersPage(t, s, tr)
	if !slices.Equal(got, want) || again != sqlText {
		t.Fatalf("after DEALLOCATE ALL: %v, want %v", got, want)
	}
	if n := preparedOnConn(t, s, sqlText); n != 1 {
		t.Fatalf("after DEALLOCATE ALL the statement ran %d times prepared anew, want 1", n)
	}

	// The connection terminated: the next page is prepared on a new one.
	var pid int
	if err := pdb.Get(&pid, `SELECT pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	s.DB().MustExec(`SELECT pg_terminate_backend($1)`, pid)
	got, _ = prepareUsersPage(t, s, tr)
	if !slices.Equal(got, want) {
		t.Fatalf("after the connection was terminated: %v, want %v", got, want)
	}
	if err := pdb.Get(&pid, `SELECT pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if n := preparedOnConn(t, s, sqlText); n != 1 {
		t.Fatalf("on the new connection the statement ran %d times prepared, want 1", n)
	}

	// A migration changes the type of a column the page returns.
	s.DB().MustExec(`ALTER TABLE users ALTER COLUMN lang TYPE varchar(16)`)
	got, _ = prepareUsersPage(t, s, tr)
	if !slices.Equal(got, want) {
		t.Fatalf("after the migration: %v, want %v", got, want)
	}
	if n := preparedOnConn(t, s, sqlText); n != 1 {
		t.Fatalf("after the migration the statement ran %d times prepared anew, want 1", n)
	}
}

// TestPreparedStatementsAreBounded holds the statement cache to its size: past PreparedMax
// texts, the least recently used are closed on the server too.
func TestPreparedStatementsAreBounded(t *testing.T) {
	s := storetest.New(t, func(c *store.Config) { c.MaxOpenConns = 1 })
	ctx := context.Background()
	for i := range store.PreparedMax + 20 {
		n, err := store.QueryPrepared(ctx, s, fmt.Sprintf(`SELECT g FROM generate_series(1, %d) g WHERE g > $1`, i+1), 0)
		if err != nil || n != i+1 {
			t.Fatalf("statement %d: %d rows, %v", i, n, err)
		}
	}
	if n := store.PreparedKept(s); n != store.PreparedMax {
		t.Fatalf("%d statements kept, want %d", n, store.PreparedMax)
	}
	var onServer int
	if err := store.PreparedDB(s).Get(&onServer, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT g FROM generate_series%'`); err != nil {
		t.Fatal(err)
	}
	if onServer != store.PreparedMax {
		t.Fatalf("%d statements prepared on the server, want %d", onServer, store.PreparedMax)
	}
	// The most recent is still prepared, the first is not.
	var first, last int
	must2 := func(q string, dest *int) {
		if err := store.PreparedDB(s).Get(dest, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, q); err != nil {
			t.Fatal(err)
		}
	}
	must2(`SELECT g FROM generate_series(1, 1) g WHERE g > $1`, &first)
	must2(fmt.Sprintf(`SELECT g FROM generate_series(1, %d) g WHERE g > $1`, store.PreparedMax+20), &last)
	if first != 0 || last != 1 {
		t.Fatalf("the oldest statement prepared: %d, the newest: %d", first, last)
	}
}

// Every pool of the store runs without JIT compiling or parallel workers: the console's
// statements are small and many, and compiling one or starting workers for it cost more than
// running it.
func TestPoolsRunWithoutJITOrParallelWorkers(t *testing.T) {
	s := storetest.New(t)
	for name, db := range map[string]*sqlx.DB{"read/write": s.DB(), "prepared": store.PreparedDB(s)} {
		var jit, mode, workers string
		if err := db.QueryRowx(`SELECT current_setting('jit'), current_setting('plan_cache_mode'),
			current_setting('max_parallel_workers_per_gather')`).Scan(&jit, &mode, &workers); err != nil {
			t.Fatal(err)
		}
		if jit != "off" {
			t.Errorf("%s pool: jit = %q, want off", name, jit)
		}
		if workers != "0" {
			t.Errorf("%s pool: max_parallel_workers_per_gather = %q, want 0", name, workers)
		}
		if want := map[string]string{"read/write": "auto", "prepared": "force_generic_plan"}[name]; mode != want {
			t.Errorf("%s pool: plan_cache_mode = %q, want %q", name, mode, want)
		}
	}
}

// A search whose plan hangs on its patterns (short words, another sort than the name) runs
// prepared with its patterns written as literals: planned once per term, the same statement
// for its next calls, and quotes, backslashes, % and _ in a term stay literal text.
func TestSearchesPlannedForTheirPatternsArePreparedOncePerTerm(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr; c.MaxOpenConns = 1 })
	ctx := context.Background()
	op := model.Operator{Name: "t", Role: model.RoleSupport}
	quote := storetest.User(t, s, "LIT-001", "obrien@example.com", `Seán O'Brien`, time.Time{})
	slash := storetest.User(t, s, "LIT-002", "back@example.com", `Back\Slash 100%_x`, time.Time{})
	storetest.User(t, s, "LIT-003", "plain@example.com", "Plain Person", time.Time{})
	storetest.User(t, s, "LIT-004", "other@example.com", "Obrien Without Quote", time.Time{})
	cases := []struct {
		q    store.UserQuery
		want []int64
	}{
		{store.UserQuery{Search: "o'", Limit: 10}, []int64{quote}},
		{store.UserQuery{Search: `k\`, Limit: 10}, []int64{slash}},
		{store.UserQuery{Search: "0%", Limit: 10}, []int64{slash}},
		{store.UserQuery{Search: "%_", Limit: 10}, []int64{slash}},
		{store.UserQuery{Search: "o'brien", Sort: store.SortCreated, Limit: 10}, []int64{quote}},
		{store.UserQuery{Search: `'; DROP TABLE users; --`, Sort: store.SortCreated, Limit: 10}, []int64{}},
	}
	for _, c := range cases {
		var statements []string
		for run := range 2 {
			tr.Start()
			page, err := s.ListUsers(ctx, op, c.q)
			log := tr.Stop()
			if err != nil {
				t.Fatalf("%q: %v", c.q.Search, err)
			}
			if got := pageIDs(page.Users); !slices.Equal(got, c.want) {
				t.Fatalf("%q (run %d): ids %v, want %v", c.q.Search, run, got, c.want)
			}
			for _, l := range log {
				if !l.Prepared {
					t.Fatalf("%q: a statement sent unprepared: %.120s", c.q.Search, l.SQL)
				}
				for _, a := range l.Args {
					if str, ok := a.(string); ok && strings.Contains(str, "%") {
						t.Fatalf("%q: a pattern sent as a parameter (%q): its plan would not be made for it", c.q.Search, str)
					}
				}
			}
			statements = append(statements, log[len(log)-1].SQL)
		}
		if statements[0] != statements[1] {
			t.Fatalf("%q: two texts for one term", c.q.Search)
		}
		var onServer int
		if err := store.PreparedDB(s).Get(&onServer, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, statements[0]); err != nil {
			t.Fatal(err)
		}
		if onServer != 1 {
			t.Fatalf("%q: the page statement is prepared %d times on the server, want once", c.q.Search, onServer)
		}
	}
	var users int
	if err := s.DB().Get(&users, `SELECT count(*) FROM users`); err != nil || users != 4 {
		t.Fatalf("users: %d, %v", users, err)
	}
}
