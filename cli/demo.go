package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/ui"
)

// demoSeed is the demo's data set: small enough to generate in a few seconds.
var demoSeed = demodata.Options{Users: 300, Events: 3000, Orgs: 12, Seed: 1}

func init() {
	register(&command{
		name:    "demo",
		args:    "[flags]",
		summary: "open the console on a demo database (embedded PostgreSQL, generated data)",
		help: `The demo always uses its own database (gatehouse_demo) in the embedded cluster of the data
directory, never DATABASE_URL. The first run generates demo data (300 users, 3,000 auth events,
12 organizations), prints a few sample accounts with their passwords (demo data only), and
registers your OS user as a support operator of the demo.`,
		examples: []string{
			"gatehouse demo",
			"gatehouse demo --lang fr",
			"gatehouse demo --data-dir /tmp/gatehouse-demo",
		},
		run: runDemo,
	})
}

func runDemo(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	readOnly := f.Bool("read-only", false, "change nothing: action keys disabled, every change refused by the store (any role)")
	noConsole := f.Bool("no-console", false, "prepare the demo database, then exit")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
		return code
	}
	for _, name := range []string{"database-url", "read-database-url"} {
		if v, given := f.global.given(name); given && v != "" {
			return f.usageError(e, "--%s: the demo always uses its own embedded database", name)
		}
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	st, label, cleanup, err := openEmbedded(e.ctx, cfg, demoDB)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	op, sum, seeded, err := prepareDemo(e.ctx, st, e.stderr)
	if err != nil {
		return fail(e, err)
	}
	if seeded {
		fmt.Fprintf(e.stdout, "demo data ready: %s users, %s organizations, %s auth events (%s)\n",
			thousands(sum.Users), thousands(sum.Orgs), thousands(sum.Events), label)
		fmt.Fprintf(e.stdout, "you are the demo's support operator %q\n", sanitizeLine(op.Name))
		printSamples(e.stdout, sum.Samples)
	}
	if *noConsole {
		return exitOK
	}
	if seeded {
		waitForEnter(e, "\nPress Enter to open the console… ")
	}
	op.ReadOnly = *readOnly // every store call of the session carries it: the store refuses changes
	return console(e, st, op, ui.Options{Lang: cfg.Lang, DBLabel: label, ReadOnly: *readOnly})
}

// prepareDemo generates the demo data once (when the database has no user yet) and registers
// the local OS user as a support operator. Concurrent first runs are serialized by an
// advisory lock: one seeds, the other finds the data.
func prepareDemo(ctx context.Context, st *store.Store, progress io.Writer) (op model.Operator, sum demodata.Summary, seeded bool, err error) {
	name, err := currentOSUser()
	if err != nil {
		return op, sum, false, err
	}
	conn, err := st.DB().Connx(ctx)
	if err != nil {
		return op, sum, false, err
	}
	defer conn.Close()
	const demoLock = 7160451295
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, demoLock); err != nil {
		return op, sum, false, err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, demoLock) //nolint:errcheck
	var has bool
	if err := conn.GetContext(ctx, &has, `SELECT EXISTS (SELECT 1 FROM users)`); err != nil {
		return op, sum, false, err
	}
	if !has {
		sum, err = seedWithProgress(ctx, st, demoSeed, progress, "preparing the demo")
		if err != nil {
			return op, sum, false, fmt.Errorf("demo data: %w", err)
		}
		seeded = true
	}
	op, err = st.OperatorByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		admin := model.Operator{ID: 0, Name: "cli:" + name}
		_, err = st.AddOperator(ctx, admin, store.NewOperator{Name: name, Role: model.RoleSupport})
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			return op, sum, seeded, fmt.Errorf("registering %s as the demo's operator: %w", sanitizeLine(name), explainOperatorErr(err))
		}
		op, err = st.OperatorByName(ctx, name)
	}
	return op, sum, seeded, err
}
