package cli

import (
	"fmt"

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
		summary: "tell whether the embedded PostgreSQL cluster is running, and where it lives",
		help:    `Exit status 0 when the cluster is running, 1 when it is not.`,
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
	if cfg.DatabaseURL != "" {
		fmt.Fprintf(e.stdout, "note: the configured database is %s (%s), not the embedded cluster\n",
			redactDSN(cfg.DatabaseURL), cfg.Source("database_url"))
	}
	if !running {
		return exitRefused
	}
	return exitOK
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
