package store

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// noTransaction, as the first line of a migration, runs it outside a transaction, one
// statement at a time: what CREATE INDEX CONCURRENTLY needs. Statements end at semicolons
// outside quotes, comments and parentheses. A failure in the middle leaves the first
// statements applied and the migration pending, so such a migration must be safe to run again
// from its start (IF NOT EXISTS, an index left invalid dropped first).
const noTransaction = "-- gatehouse: no transaction"

// A migration is one file of the migrations directory, named <version>_<what>.sql.
type migration struct {
	version    int
	name, body string
	statements []string // comments removed, whitespace outside quotes collapsed
	checksum   string   // SHA-256 of the statements and of the no-transaction marker
	noTx       bool
}

// Migrate applies the binary's pending migrations and returns the versions applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	files, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	return s.migrate(ctx, files)
}

// migrate applies the pending migrations of files in version order, each in its own
// transaction unless marked noTransaction, under an advisory lock so that concurrent starts
// do not race. It records each migration's checksum and refuses, before changing anything, a
// database holding a migration that files do not have (a newer gatehouse migrated it) or an
// applied migration changed since. The checksum covers what a migration executes, not its
// comments or layout, so a comment can be reworded. Migrations applied before checksums were
// recorded get the checksum of their file as it is.
func (s *Store) migrate(ctx context.Context, files fs.FS) ([]int, error) {
	ms, err := readMigrations(files)
	if err != nil {
		return nil, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7160451294)`); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7160451294)`) //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
		ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text`); err != nil {
		return nil, err
	}
	var done []struct {
		Version   int
		Name      string
		AppliedAt time.Time `db:"applied_at"`
		Checksum  *string
	}
	if err := conn.SelectContext(ctx, &done, `SELECT version, name, applied_at, checksum
		FROM schema_migrations ORDER BY version`); err != nil {
		return nil, err
	}
	byVersion := map[int]*migration{}
	for i := range ms {
		byVersion[ms[i].version] = &ms[i]
	}
	var unknown []string
	var unrecorded []*migration
	applied := map[int]bool{}
	for _, d := range done {
		m := byVersion[d.Version]
		switch {
		case m == nil:
			unknown = append(unknown, fmt.Sprintf("%s (applied %s)", d.Name, d.AppliedAt.UTC().Format("2006-01-02 15:04 UTC")))
			continue
		case d.Checksum == nil:
			unrecorded = append(unrecorded, m)
		case *d.Checksum != m.checksum:
			return nil, fmt.Errorf("migration %s was changed after it was applied to this database (on %s): "+
				"an applied migration must stay as it was; restore it and put the change in a new migration",
				m.name, d.AppliedAt.UTC().Format("2006-01-02"))
		}
		applied[d.Version] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("this database was migrated by a newer gatehouse: this one does not have migration %s; "+
			"use a gatehouse at least as new as the one that migrated it", strings.Join(unknown, ", "))
	}
	for _, m := range unrecorded {
		if _, err := conn.ExecContext(ctx, `UPDATE schema_migrations SET checksum = $1 WHERE version = $2`,
			m.checksum, m.version); err != nil {
			return nil, err
		}
	}
	var now []int
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.name, err)
		}
		now = append(now, m.version)
	}
	return now, nil
}

// applyMigration runs m and records it. A migration rewrites or indexes whole tables: the
// pool's statement timeout (meant for the console's queries) does not apply to it.
func applyMigration(ctx context.Context, conn *sqlx.Conn, m migration) error {
	record := `INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`
	if m.noTx {
		if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
			return err
		}
		defer func() {
			if _, err := conn.ExecContext(context.Background(), `RESET statement_timeout`); err != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // the pool drops it
			}
		}()
		for i, st := range m.statements {
			if _, err := conn.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("statement %d of %d (outside a transaction; the ones before it stay applied): %w",
					i+1, len(m.statements), err)
			}
		}
		_, err := conn.ExecContext(ctx, record, m.version, m.name, m.checksum)
		return err
	}
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, record, m.version, m.name, m.checksum); err != nil {
		return err
	}
	return tx.Commit()
}

// readMigrations reads the migrations of files (*.sql at its root) in version order.
func readMigrations(files fs.FS) ([]migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a version number", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same version %d", other, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		m := migration{version: v, name: name, body: string(b), statements: sqlStatements(string(b))}
		first, _, _ := strings.Cut(m.body, "\n")
		m.noTx = strings.TrimSpace(first) == noTransaction
		h := sha256.New()
		if m.noTx {
			h.Write([]byte(noTransaction + "\n"))
		}
		for _, st := range m.statements {
			h.Write([]byte(st + ";\n"))
		}
		m.checksum = hex.EncodeToString(h.Sum(nil))
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// sqlStatements splits SQL text into its statements as PostgreSQL reads them: comments
// removed, each run of whitespace (or comment) outside quotes one space, and quoted text
// (strings, quoted identifiers, dollar-quoted bodies) as written. Statements end at the
// semicolons outside quotes and parentheses.
func sqlStatements(text string) []string {
	var out []string
	var b strings.Builder
	space, depth := false, 0
	token := func(s string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(s)
	}
	for i := 0; i < len(text); {
		c, rest := text[i], text[i:]
		j := i + 1 // the end of this token
		switch {
		case strings.HasPrefix(rest, "--"):
			if j = strings.IndexByte(rest, '\n'); j < 0 {
				j = len(rest)
			}
			i, space = i+j, true
			continue
		case strings.HasPrefix(rest, "/*"): // they nest
			n := 0
			for j = i; j < len(text); j++ {
				if strings.HasPrefix(text[j:], "/*") {
					n, j = n+1, j+1
				} else if strings.HasPrefix(text[j:], "*/") {
					if n, j = n-1, j+1; n == 0 {
						break
					}
				}
			}
			i, space = j+1, true
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i, space = j, true
			continue
		case c == ';' && depth == 0:
			if b.Len() > 0 {
				out = append(out, b.String())
			}
			b.Reset()
			i, space = j, false
			continue
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '\'' || c == '"':
			// E'…' strings take backslash escapes; in all, a doubled quote is one quote.
			escapes := c == '\'' && i > 0 && (text[i-1] == 'E' || text[i-1] == 'e') && (i < 2 || !identChar(text[i-2]))
			for j < len(text) {
				if escapes && text[j] == '\\' {
					j += 2
				} else if text[j] != c {
					j++
				} else if j+1 < len(text) && text[j+1] == c {
					j += 2
				} else {
					j++
					break
				}
			}
		case c == '$' && (i == 0 || !identChar(text[i-1])):
			if tag := dollarTag(rest); tag != "" {
				if end := strings.Index(rest[len(tag):], tag); end >= 0 {
					j = i + len(tag) + end + len(tag)
				} else {
					j = len(text)
				}
			}
		}
		j = min(j, len(text))
		token(text[i:j])
		i = j
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// dollarTag returns the $tag$ (or $$) that s starts with, or "" ($1 is a parameter).
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1]
		case j == 1 && c >= '0' && c <= '9', !identChar(c):
			return ""
		}
	}
	return ""
}

func identChar(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
