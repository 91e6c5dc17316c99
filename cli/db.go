package cli

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "migrate",
		summary: "apply pending schema migrations and print the schema version",
		help: `Migrations are also applied by every command that opens the database; this one only
migrates. Running it again changes nothing.`,
		examples: []string{
			"gatehouse migrate",
			"gatehouse migrate --database-url postgres://gatehouse@db.internal/gatehouse",
		},
		run: runMigrate,
	})
	register(&command{
		name:    "db status",
		summary: "tell whether the embedded PostgreSQL cluster is running, where it lives, and how to reach its databases",
		help: `Prints the cluster's directories, which database the commands use, and the URL of every
gatehouse database in the cluster (gatehouse, the default; gatehouse_demo, made by gatehouse
demo; any other gatehouse_* one). Each URL works as it is with psql and with --database-url
(the host parameter is the cluster's socket directory):

  psql 'postgres://gatehouse@/gatehouse_demo?host=/home/me/.local/state/gatehouse/pg/run&port=5432'

Exit status 0 when the cluster is running, 1 when it is not.`,
		examples: []string{
			"gatehouse db status",
			"gatehouse db status --data-dir /srv/gatehouse",
		},
		run: runDBStatus,
	})
	register(&command{
		name:     "db start",
		summary:  "start the embedded PostgreSQL cluster (created on first use)",
		help:     `Every command starts the cluster when it needs it; this only does it ahead of time.`,
		examples: []string{"gatehouse db start"},
		run:      runDBStart,
	})
	register(&command{
		name:    "db stop",
		summary: "stop the embedded PostgreSQL cluster cleanly",
		help: `Open sessions are ended (fast shutdown); the data is safe. The next command that needs
the database starts the cluster again.`,
		examples: []string{"gatehouse db stop", "gatehouse db stop --data-dir /srv/gatehouse"},
		run:      runDBStop,
	})
}

func runMigrate(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	_, st, _, cleanup, code, ok := f.openStore(e, args, 0, "") // store.Open applies the migrations
	if !ok {
		return code
	}
	defer cleanup()
	if _, err := st.Migrate(e.ctx); err != nil { // idempotent; reports a concurrent start's failure
		return fail(e, err)
	}
	v, err := st.SchemaVersion(e.ctx)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "schema version %d\n", v)
	return exitOK
}

// clusterFor describes the embedded cluster of the configured data directory.
func clusterFor(e *env, f *flags, args []string) (*store.Cluster, *Config, int, bool) {
	pos, code, ok := f.parse(e, args)
	if !ok {
		return nil, nil, code, false
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
		return nil, nil, code, false
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return nil, nil, fail(e, err), false
	}
	cl, err := store.NewCluster(cfg.dataDir())
	if err != nil {
		return nil, nil, fail(e, err), false
	}
	return cl, cfg, exitOK, true
}

func runDBStatus(e *env, c *command, args []string) int {
	cl, cfg, code, ok := clusterFor(e, newFlags(e, c, true), args)
	if !ok {
		return code
	}
	running := cl.Running(e.ctx)
	state := "stopped"
	if running {
		state = "running"
	}
	fmt.Fprintf(e.stdout, "embedded PostgreSQL: %s\n", state)
	fmt.Fprintf(e.stdout, "state directory:     %s\n", cl.StateDir)
	fmt.Fprintf(e.stdout, "data directory:      %s\n", cl.DataDir())
	fmt.Fprintf(e.stdout, "socket directory:    %s\n", cl.SocketDir())
	switch {
	case cfg.DatabaseURL != "":
		fmt.Fprintf(e.stdout, "note: the configured database is %s (%s), not the embedded cluster\n",
			redactDSN(cfg.DatabaseURL), cfg.Source("database_url"))
	case cfg.Demo:
		fmt.Fprintf(e.stdout, "commands use:        %s, the demo's (%s)\n", demoDB, cfg.Source("demo"))
	default:
		fmt.Fprintf(e.stdout, "commands use:        %s, the default (--demo: %s)\n", embeddedDB, demoDB)
	}
	if !running {
		fmt.Fprintf(e.stdout, "\nthe cluster is stopped: `gatehouse db start` starts it (every command does it too)\n")
		fmt.Fprintf(e.stdout, "its default database, once running: %s\n", clusterURL(cl, embeddedDB))
		return exitRefused
	}
	names, err := gatehouseDatabases(e, cl)
	if err != nil {
		return fail(e, err)
	}
	printDatabaseURLs(e.stdout, cl, names)
	return exitOK
}

// gatehouseDatabases lists the cluster's gatehouse databases: gatehouse, gatehouse_demo, and
// any other gatehouse_* one (benchmarks), by name.
func gatehouseDatabases(e *env, cl *store.Cluster) ([]string, error) {
	db, err := sqlx.Open("postgres", cl.DSN("postgres"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var names []string
	err = db.SelectContext(e.ctx, &names, `SELECT datname FROM pg_database
		WHERE NOT datistemplate AND (datname = $1 OR datname LIKE 'gatehouse\_%') ORDER BY datname`, embeddedDB)
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL in %s: %w", cl.StateDir, err)
	}
	return names, nil
}

// printDatabaseURLs lists each database with the URL that psql and --database-url accept,
// then one psql line to copy (the demo's database when there is one).
func printDatabaseURLs(w io.Writer, cl *store.Cluster, names []string) {
	fmt.Fprintln(w, "\ndatabases (each URL works with psql and with --database-url):")
	if len(names) == 0 {
		fmt.Fprintf(w, "  none yet: the first command creates %s (gatehouse demo creates %s)\n", embeddedDB, demoDB)
		return
	}
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	example := names[0]
	for _, n := range names {
		what := ""
		switch n {
		case embeddedDB:
			what = "  (the default)"
		case demoDB:
			what, example = "  (the demo's: --demo)", n
		}
		fmt.Fprintf(w, "  %-*s  %s%s\n", width, sanitizeLine(n), clusterURL(cl, n), what)
	}
	fmt.Fprintf(w, "for example:\n  psql %s\n", shellQuote(clusterURL(cl, example)))
}

// clusterURL is the postgres:// URL of a database of the embedded cluster, made from the
// store's own connection string: the socket directory is the host parameter (a URL's host
// part cannot hold a path), which psql and --database-url both read.
func clusterURL(cl *store.Cluster, dbname string) string {
	params := map[string]string{}
	for _, field := range strings.Fields(cl.DSN(dbname)) {
		k, v, _ := strings.Cut(field, "=")
		params[k] = v
	}
	u := "postgres://" + url.PathEscape(params["user"]) + "@/" + url.PathEscape(params["dbname"]) +
		"?host=" + queryValue(params["host"])
	if p := params["port"]; p != "" {
		u += "&port=" + queryValue(p)
	}
	return u
}

// queryValue escapes a URL query value, leaving '/' as it is (a socket path stays readable).
// '+' is escaped too: Go reads it as a space in a query, libpq as a plus.
func queryValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || c == '-' || c == '.' || c == '_' || c == '~' ||
			'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func runDBStart(e *env, c *command, args []string) int {
	cl, _, code, ok := clusterFor(e, newFlags(e, c, true), args)
	if !ok {
		return code
	}
	if err := cl.Ensure(e.ctx); err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "embedded PostgreSQL running in %s\n", cl.StateDir)
	return exitOK
}

func runDBStop(e *env, c *command, args []string) int {
	cl, _, code, ok := clusterFor(e, newFlags(e, c, true), args)
	if !ok {
		return code
	}
	if !cl.Running(e.ctx) {
		fmt.Fprintf(e.stdout, "embedded PostgreSQL in %s is not running\n", cl.StateDir)
		return exitOK
	}
	if err := cl.Stop(e.ctx); err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "embedded PostgreSQL in %s stopped\n", cl.StateDir)
	return exitOK
}
