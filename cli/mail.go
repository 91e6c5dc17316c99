package cli

import (
	"fmt"
	"strings"
	"time"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "mail",
		args:    "[--smtp-url URL] [--once] [--from ADDR]",
		summary: "deliver the outbox over SMTP (retries with backoff; --once or continuous)",
		help: `Delivers the queued e-mails (invitations, reset links, notices) to an SMTP server: STARTTLS
when the server offers it, AUTH PLAIN when the URL has credentials (only over TLS, or to a
loopback server). The link of an e-mail is unsealed only at sending time, and dropped from the
database once the e-mail is sent. A failed attempt is recorded (attempts, last error) and
retried later: 30 s, then doubling up to an hour. A recipient the server refuses for good
(5xx) is marked failed. Each e-mail carries its outbox Message-ID: a message sent again after
a crash is recognizable as the same. Several mailers may run at once: each message is taken
by one of them.

The SMTP URL comes from --smtp-url, else GATEHOUSE_SMTP_URL, else smtp_url in the config file
(prefer the environment or the file: a password on the command line is visible to other local
users); the sender from --from, else GATEHOUSE_MAIL_FROM, else mail_from. With --demo and no
SMTP server configured, the demo's outbox goes to the demo's own mailbox (the maildir <data
dir>/demo-mail that the demo portal's /demo/mail page shows), as the running demo delivers
it. The links in the e-mails start with the portal URL (--portal-url, GATEHOUSE_PORTAL_URL or
portal_url) of the process that queued them. The installation has one outbox key, recorded
(as a fingerprint) by the database the first time a key is used: every process must hold it
(GATEHOUSE_OUTBOX_KEY, or outbox_key_file in the config file; by default each OS user has its
own <data dir>/outbox.key). A mailer with another key delivers nothing and exits 2, saying so.

With --once: delivers what is due now, then exits 0 if nothing is left pending and nothing
failed in this pass; 1 if messages are still pending (waiting for a retry after a failure,
being sent by another mailer, or queued meanwhile) or failed for good in this pass, with how
many and why on stderr; 2 on a usage, key or database problem. Messages that failed in an
earlier pass are counted, not a reason to exit 1 again. Without --once: runs until
interrupted.`,
		examples: []string{
			"GATEHOUSE_SMTP_URL=smtp://mailer:secret@smtp.example.com:587 gatehouse mail",
			"gatehouse mail --once --smtp-url smtp://127.0.0.1:2525 --from portal@example.com",
			"gatehouse mail --demo --once   # the demo's e-mails, into the demo's mailbox",
		},
		run: runMail,
	})
}

func runMail(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	smtpURL := f.String("smtp-url", "", "SMTP server `URL`: smtp://user:pass@host:port (or smtps://)")
	once := f.Bool("once", false, "deliver what is due now, then exit")
	from := f.String("from", "", "sender `ADDR` (default: GATEHOUSE_MAIL_FROM or mail_from, else noreply@ the portal's host)")
	interval := f.Duration("interval", 5*time.Second, "pause between rounds when nothing is due")
	batch := f.Int("batch", 20, "messages taken per round")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	if *interval <= 0 || *batch <= 0 {
		return f.usageError(e, "--interval and --batch must be positive")
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	if *smtpURL == "" {
		*smtpURL = cfg.SMTPURL
	}
	if *from == "" {
		*from = cfg.MailFrom
	}
	if *smtpURL == "" && !cfg.Demo {
		return f.usageError(e, "no SMTP server: give --smtp-url, or set GATEHOUSE_SMTP_URL or smtp_url in the config file (the demo's e-mails: gatehouse mail --demo)")
	}
	st, _, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if *smtpURL == "" {
		// The demo's database without a mail server: its own mailbox, as the running demo does.
		maildir := demoMaildir(cfg)
		mb, err := startDemoMailbox(maildir)
		if err != nil {
			return fail(e, err)
		}
		defer mb.close()
		dm := mb.mailerConfig()
		*smtpURL = dm.SMTPURL
		if *from == "" {
			*from = dm.From
		}
		fmt.Fprintf(e.stderr, "gatehouse mail: no SMTP server configured: the demo's e-mails go to its maildir %s (the demo portal's /demo/mail page shows them)\n", maildir)
	}
	mc := store.MailerConfig{SMTPURL: *smtpURL, From: *from, Interval: *interval, Batch: *batch,
		Logf: func(format string, a ...any) {
			fmt.Fprintf(e.stderr, "%s %s\n", time.Now().UTC().Format(time.RFC3339), oneLine(fmt.Sprintf(format, a...)))
		}}
	if !*once {
		if err := st.RunMailer(e.ctx, mc); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	rep, err := st.DeliverDue(e.ctx, mc)
	if err != nil {
		return fail(e, err)
	}
	counts, err := st.OutboxCounts(e.ctx)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "sent %d, to retry %d, failed %d; outbox now: %d pending, %d failed\n",
		rep.Sent, rep.Retry, rep.Failed, counts["pending"], counts["failed"])
	left, err := st.OutboxBacklog(e.ctx)
	if err != nil {
		return fail(e, err)
	}
	code := exitOK
	if left.Pending > 0 {
		code = exitRefused
		fmt.Fprintf(e.stderr, "gatehouse mail: %d e-mail(s) still pending: %s\n", left.Pending, pendingReasons(left))
	}
	if rep.Failed > 0 {
		code = exitRefused
		fmt.Fprintf(e.stderr, "gatehouse mail: %d e-mail(s) failed for good in this pass (the server refused them, or they can never be sent: see above); %d failed in all\n",
			rep.Failed, left.Failed)
	}
	return code
}

// pendingReasons says why messages are still pending after a pass.
func pendingReasons(b store.OutboxBacklog) string {
	var parts []string
	if b.Retrying > 0 {
		p := fmt.Sprintf("%d to retry after a failed attempt", b.Retrying)
		if b.LastError != "" {
			p += " (last error: " + oneLine(b.LastError) + ")"
		}
		parts = append(parts, p)
	}
	if b.Held > 0 {
		parts = append(parts, fmt.Sprintf("%d being sent by another mailer", b.Held))
	}
	if b.Due > 0 {
		parts = append(parts, fmt.Sprintf("%d due now (queued while this pass ran, or left by another mailer)", b.Due))
	}
	s := strings.Join(parts, "; ")
	if b.NextAttempt != nil {
		s += "; next attempt " + b.NextAttempt.UTC().Format(time.RFC3339)
	}
	return s
}
