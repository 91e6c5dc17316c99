package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/charmbracelet/ssh"

	"gatehouse/store"
	"gatehouse/ui"
)

func init() {
	registerSetting("ssh_listen", "GATEHOUSE_SSH_LISTEN")
	registerSetting("ssh_host_key", "GATEHOUSE_SSH_HOST_KEY")
	register(&command{
		name:    "serve",
		args:    "[--listen ADDR] [--host-key PATH] [flags]",
		summary: "serve the console over SSH (public keys of registered operators only)",
		help: `Each SSH session gets its own console, as the operator who owns the key the client proved
(gatehouse operator add NAME --key FILE; several keys per operator). Only public-key
authentication exists: no password, no keyboard-interactive. A session needs a terminal
(ssh -t); commands, subsystems (sftp) and port forwarding are refused. The host key is
created on first start (ed25519, mode 0600) and kept: its fingerprint is logged at start.

Connections idle for --idle-timeout are closed, every connection after --max-timeout. Beyond
--max-sessions open consoles, a new session is told so and closed.

The outbox (invitations, reset links, notices) is delivered from the same process when an
SMTP server is configured (--smtp-url, GATEHOUSE_SMTP_URL or smtp_url in the config file).

Logs (log/slog, to stderr) record connections, refused keys with their fingerprints, and each
session's start and end with the operator and duration — never a secret.

SIGTERM or SIGINT stops the server gracefully: no new session is accepted, each console
quits (the client's terminal leaves the alternate screen and shows its cursor again, then a
"server shutting down" line), and after at most 5 seconds the connections left are closed.
Listen address and host key may also come from GATEHOUSE_SSH_LISTEN / ssh_listen and
GATEHOUSE_SSH_HOST_KEY / ssh_host_key.`,
		examples: []string{
			"gatehouse serve",
			"gatehouse serve --listen :2222 --host-key /var/lib/gatehouse/ssh_host_ed25519",
			"gatehouse serve --max-sessions 20 --idle-timeout 15m --log-format json",
			"ssh -p 2222 gatehouse.example.com",
		},
		run: runServe,
	})
}

// serveReady is called with the address the server listens on (tests use it).
var serveReady = func(addr string) {}

// shutdownGrace bounds how long serve waits, once told to stop, for its consoles to quit.
const shutdownGrace = 5 * time.Second

// SignalContext is the context of a gatehouse process: cancelled at SIGINT or SIGTERM, which
// for serve means a graceful shutdown (each console quits and restores its client's
// terminal). stop restores the signals' default behaviour.
func SignalContext() (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runServe(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	listen := f.String("listen", "", "listen `ADDR` (default :2222)")
	hostKey := f.String("host-key", "", "host key `PATH` (default <data dir>/ssh_host_ed25519)")
	maxSessions := f.Int("max-sessions", 50, "open console sessions at once, at most `N`")
	idle := f.Duration("idle-timeout", 10*time.Minute, "close a connection idle for `D`")
	maxTimeout := f.Duration("max-timeout", 12*time.Hour, "close every connection after `D`")
	smtpURL := f.String("smtp-url", "", "deliver the outbox to the SMTP server `URL` (default: GATEHOUSE_SMTP_URL or the config file)")
	from := f.String("from", "", "sender `ADDR` of the e-mails (default: GATEHOUSE_MAIL_FROM or mail_from, else noreply@ the portal's host)")
	logFormat := f.String("log-format", "text", "log `FORMAT`: text or json")
	verbose := f.Bool("verbose", false, "log debug lines too (accepted keys)")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	if *maxSessions <= 0 || *idle <= 0 || *maxTimeout <= 0 {
		return f.usageError(e, "--max-sessions, --idle-timeout and --max-timeout must be positive")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	var logger *slog.Logger
	switch *logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	case "json":
		logger = slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	default:
		return f.usageError(e, "--log-format must be text or json")
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	if *listen == "" {
		*listen = cfg.Get("ssh_listen")
	}
	if *listen == "" {
		*listen = ":2222"
	}
	if *hostKey == "" {
		*hostKey = expandHome(cfg.Get("ssh_host_key"))
	}
	if *hostKey == "" {
		*hostKey = filepath.Join(cfg.dataDir(), "ssh_host_ed25519")
	}
	if *smtpURL == "" {
		*smtpURL = cfg.SMTPURL
	}
	if *from == "" {
		*from = cfg.MailFrom
	}
	st, label, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	srv, err := ui.NewSSHServer(st, ui.SSHConfig{
		Addr: *listen, HostKeyPath: expandHome(*hostKey), MaxSessions: *maxSessions,
		IdleTimeout: *idle, MaxTimeout: *maxTimeout, Lang: cfg.Lang, DBLabel: label, Logger: logger,
	})
	if err != nil {
		return fail(e, err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(e, fmt.Errorf("listen %s: %w", *listen, err))
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(ln) }()
	mailerDone := make(chan struct{})
	if *smtpURL != "" {
		mc := store.MailerConfig{SMTPURL: *smtpURL, From: *from, Logf: func(format string, a ...any) {
			logger.Info("mail", "msg", oneLine(fmt.Sprintf(format, a...)))
		}}
		go func() {
			defer close(mailerDone)
			if err := st.RunMailer(ctx, mc); err != nil {
				errs <- fmt.Errorf("outbox delivery: %w", err)
			}
		}()
		logger.Info("outbox delivery on")
	} else {
		close(mailerDone)
		logger.Warn("outbox delivery off: no SMTP server (--smtp-url, GATEHOUSE_SMTP_URL or smtp_url); run `gatehouse mail` elsewhere")
	}
	logger.Info("serving the console over SSH", "addr", ln.Addr().String(), "max_sessions", *maxSessions,
		"idle_timeout", idle.String(), "max_timeout", maxTimeout.String(), "db", label)
	serveReady(ln.Addr().String())
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	cancel()
	// Each console is told to quit (its client's terminal restored, the shutdown line shown),
	// for at most shutdownGrace; then the connections left are closed.
	logger.Info("stopping: ending the sessions", "grace", shutdownGrace.String())
	sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("stopping: sessions closed after the grace period", "grace", shutdownGrace.String())
	}
	<-mailerDone // the mailer stops before the store closes
	if runErr != nil && !errors.Is(runErr, ssh.ErrServerClosed) {
		return fail(e, runErr)
	}
	return exitOK
}
