package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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
someone in the console (i), open the e-mail's link, choose a password, set up 2FA, sign in.`,
		examples: []string{
			"gatehouse demo",
			"gatehouse demo --lang fr",
			"gatehouse demo --data-dir /tmp/gatehouse-demo",
			"gatehouse demo --portal-only   # the portal and its mailbox, no console",
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
	}
	if *noConsole {
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
	waitForEnter(e, "\nPress Enter to open the console (the portal keeps running beside it)… ")
	op.ReadOnly = *readOnly // every store call of the session carries it: the store refuses changes
	return console(e, st, op, ui.Options{Lang: cfg.Lang, DBLabel: label, ReadOnly: *readOnly})
}

// demoPortalURL is the portal's URL for a listen address (before it listens: 8080 may be
// taken then, and another port chosen).
func demoPortalURL(listen string) string { return "http://" + localURLHost(listen) }

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
