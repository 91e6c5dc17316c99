package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gatehouse/model"
	"gatehouse/portal"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/ui"
)

// demoPortalListen is where the demo's portal listens unless told otherwise (another free
// port when it is taken).
const demoPortalListen = "127.0.0.1:8080"

// demoSeed is the demo's data set: small enough to generate in a few seconds.
var demoSeed = demodata.Options{Users: 300, Events: 3000, Orgs: 12, Seed: 1}

func init() {
	register(&command{
		name:    "demo",
		args:    "[flags]",
		summary: "open the console on a demo database (embedded PostgreSQL, generated data), with the portal beside it",
		help: `The demo always uses its own database (gatehouse_demo) in the embedded cluster of the data
directory, never DATABASE_URL. The first run generates demo data (300 users, 3,000 auth events,
12 organizations), prints a few sample accounts with their passwords (demo data only), and
registers your OS user as a support operator of the demo.

The portal's account pages run beside the console, on http://127.0.0.1:8080 (another free port
when 8080 is taken; --portal-listen): every link the demo e-mails points there. The demo needs
no mail server: its e-mails go to an SMTP server of its own that writes them to a maildir in
the data directory (<data dir>/demo-mail), and the portal's /demo/mail page shows them. Invite
someone in the console (i), open the e-mail's link, choose a password, set up 2FA, sign in.

Before the console opens, the demo waits for Enter (on a terminal); --portal-only serves the
portal and its mailbox without the console, --no-console prepares the database and exits.
A later run finds the data prepared and says so, with the sample accounts the first run
printed. Every other command reaches the demo's database with --demo (or GATEHOUSE_DEMO=1, or
demo = true in the config file): gatehouse users list --demo; gatehouse mail --demo --once
delivers its e-mails into the demo's mailbox, as the running demo does.`,
		examples: []string{
			"gatehouse demo",
			"gatehouse demo --lang fr",
			"gatehouse demo --data-dir /tmp/gatehouse-demo",
			"gatehouse demo --portal-only   # the portal and its mailbox, no console",
			"gatehouse demo --no-console    # prepare the database (or say what it holds), then exit",
		},
		run: runDemo,
	})
}

func runDemo(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	readOnly := f.Bool("read-only", false, "change nothing: action keys disabled, every change refused by the store (any role)")
	noConsole := f.Bool("no-console", false, "prepare the demo database, then exit")
	portalOnly := f.Bool("portal-only", false, "serve the demo portal and mailbox without the console, until interrupted")
	portalListen := f.String("portal-listen", demoPortalListen, "the demo portal's listen `ADDR` (another free port when it is taken)")
	if code, ok := f.parseNone(e, args); !ok {
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
	// The portal's address comes first: every link the demo e-mails starts with it.
	var ln net.Listener
	if !*noConsole {
		if ln, err = listenDemoPortal(*portalListen); err != nil {
			return fail(e, err)
		}
		defer ln.Close()
		cfg.PortalURL = "http://" + localURLHost(ln.Addr().String())
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
		if err := saveDemoAccounts(cfg, sum.Samples); err != nil {
			fmt.Fprintf(e.stderr, "gatehouse demo: the sample accounts could not be kept for the next runs: %s\n", oneLine(err.Error()))
		}
	} else if err := printDemoPrepared(e, cfg, st, op, label); err != nil {
		return fail(e, err)
	}
	if err := printDemoReach(e.stdout, cfg); err != nil {
		return fail(e, err)
	}
	if *noConsole {
		fmt.Fprintf(e.stdout, "\nportal:   %s/login while the demo runs (gatehouse demo, or\n"+
			"          gatehouse demo --portal-only without the console)\n", demoPortalURL(*portalListen))
		return exitOK
	}
	stop, err := startDemoPortal(e, cfg, st, ln)
	if err != nil {
		return fail(e, err)
	}
	defer stop()
	if *portalOnly {
		fmt.Fprintln(e.stdout, "serving the demo portal until interrupted (ctrl+c)")
		<-e.ctx.Done()
		return exitOK
	}
	if !demoPrompt(e) {
		return exitOK // interrupted at the prompt: the portal stops with the demo
	}
	op.ReadOnly = *readOnly // every store call of the session carries it: the store refuses changes
	return console(e, st, op, ui.Options{Lang: cfg.Lang, DBLabel: label, ReadOnly: *readOnly})
}

// demoPromptText is what the demo says before it opens the console: what Enter does, and how
// to run the demo without this step.
const demoPromptText = `
Enter opens the console on the demo's database. The portal keeps running beside
it until you quit the console (q); ctrl+c here stops the demo. Without this step:
gatehouse demo --portal-only (the portal and its mailbox, no console), or
gatehouse demo --no-console (prepare the database, then exit).
Press Enter to open the console… `

// demoPrompt waits for Enter on a terminal (elsewhere it returns at once). It returns false
// when the demo is interrupted meanwhile.
func demoPrompt(e *env) bool {
	if !isTerminal(e.stdin) || !isTerminal(e.stdout) {
		return true
	}
	fmt.Fprint(e.stdout, demoPromptText)
	line := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(e.stdin).ReadString('\n')
		close(line)
	}()
	select {
	case <-line:
		return true
	case <-e.ctx.Done():
		fmt.Fprintln(e.stdout)
		return false
	}
}

// printDemoPrepared is the summary of a run that finds the demo database already prepared:
// what it holds, who you are in it, and the sample accounts the first run printed.
func printDemoPrepared(e *env, cfg *Config, st *store.Store, op model.Operator, label string) error {
	var n struct{ Users, Orgs, Events int64 }
	err := st.DB().GetContext(e.ctx, &n, `SELECT (SELECT count(*) FROM users) AS users,
		(SELECT count(*) FROM organizations) AS orgs, (SELECT count(*) FROM auth_events) AS events`)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo data prepared by an earlier run: %s users, %s organizations, %s auth events (%s)\n",
		thousands(n.Users), thousands(n.Orgs), thousands(n.Events), label)
	fmt.Fprintf(e.stdout, "you are the demo's support operator %q\n", sanitizeLine(op.Name))
	samples, err := loadDemoAccounts(cfg)
	if err != nil || len(samples) == 0 {
		fmt.Fprintf(e.stdout, "\nSample accounts: printed by the first run (every account: gatehouse users list --demo).\n"+
			"Each demo account's password is one of: %s.\n", strings.Join(demodata.Passwords[:], ", "))
		return nil
	}
	printSamples(e.stdout, samples)
	fmt.Fprintln(e.stdout, "  (as the first run printed them: a password changed on the portal since is not shown)")
	return nil
}

// printDemoReach says how other commands, psql and scripts reach the demo's database.
func printDemoReach(w io.Writer, cfg *Config) error {
	cl, err := store.NewCluster(cfg.dataDir())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\ndatabase: %s in the embedded cluster of %s\n", demoDB, cl.StateDir)
	fmt.Fprintf(w, "          other commands reach it with --demo (or GATEHOUSE_DEMO=1), e.g.\n")
	fmt.Fprintf(w, "          gatehouse users list --demo, gatehouse mail --demo --once\n")
	fmt.Fprintf(w, "          psql %s\n", shellQuote(clusterURL(cl, demoDB)))
	return nil
}

// demoPortalURL is the portal's URL for a listen address (before it listens: 8080 may be
// taken then, and another port chosen).
func demoPortalURL(listen string) string { return "http://" + localURLHost(listen) }

// demoAccountsFile keeps the sample accounts of the first run (demo passwords only: public),
// for the summary of the next runs.
func demoAccountsFile(cfg *Config) string { return filepath.Join(cfg.dataDir(), "demo-accounts.json") }

func saveDemoAccounts(cfg *Config, samples []demodata.Sample) error {
	b, err := json.Marshal(samples)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.dataDir(), 0o700); err != nil {
		return err
	}
	return os.WriteFile(demoAccountsFile(cfg), b, 0o600)
}

func loadDemoAccounts(cfg *Config) ([]demodata.Sample, error) {
	b, err := os.ReadFile(demoAccountsFile(cfg))
	if err != nil {
		return nil, err
	}
	var samples []demodata.Sample
	if err := json.Unmarshal(b, &samples); err != nil {
		return nil, fmt.Errorf("%s: %w", demoAccountsFile(cfg), err)
	}
	return samples, nil
}

// listenDemoPortal listens on addr, or on another free port of its host when addr is taken.
func listenDemoPortal(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	host, _, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return nil, fmt.Errorf("--portal-listen %s: %w", addr, err)
	}
	ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, fmt.Errorf("--portal-listen %s: %w", addr, err)
	}
	return ln, nil
}

// startDemoPortal serves the portal on ln with the demo's mailbox: an SMTP server writing to a
// maildir in the data directory, the outbox delivered to it every second, and /demo/mail
// showing it. The portal's request log goes to a file (the console owns the terminal).
func startDemoPortal(e *env, cfg *Config, st *store.Store, ln net.Listener) (stop func(), err error) {
	maildir := demoMaildir(cfg)
	mb, err := startDemoMailbox(maildir)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(cfg.dataDir(), "demo-portal.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		mb.close()
		return nil, fmt.Errorf("demo portal log: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(logFile, nil))
	h := portal.New(st, portal.Config{PublicURL: cfg.PortalURL, Logger: logger, Mailbox: maildir, Issuer: "gatehouse demo"})
	ps := startPortal(h, ln, logger)
	ctx, cancel := context.WithCancel(e.ctx)
	mailerDone := make(chan struct{})
	go func() {
		defer close(mailerDone)
		mc := mb.mailerConfig()
		mc.Interval = time.Second
		mc.Logf = func(format string, a ...any) { logger.Info("mail", "msg", oneLine(fmt.Sprintf(format, a...))) }
		err := st.RunMailer(ctx, mc)
		if err != nil {
			logger.Error("demo mailer", "err", err.Error())
		}
	}()
	fmt.Fprintf(e.stdout, "\nportal:  %s/login\n", cfg.PortalURL)
	fmt.Fprintf(e.stdout, "mailbox: %s/demo/mail (every e-mail the demo sends; maildir %s)\n", cfg.PortalURL, maildir)
	fmt.Fprintf(e.stdout, "log:     %s\n", logPath)
	return func() {
		cancel()
		ps.stop()
		<-mailerDone
		mb.close()
		logFile.Close()
	}, nil
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
