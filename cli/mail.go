package cli

import (
	"fmt"
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
users); the sender from --from, else GATEHOUSE_MAIL_FROM, else mail_from. The links in the
e-mails start with the portal URL (--portal-url, GATEHOUSE_PORTAL_URL or portal_url) of the
process that queued them. The outbox key (GATEHOUSE_OUTBOX_KEY or the data directory's outbox.key) must be the
one the console used.

With --once: delivers what is due now and exits 0 if everything was sent, 1 if some messages
are still queued or failed, 2 on a usage or database problem. Without: runs until interrupted.`,
		examples: []string{
			"GATEHOUSE_SMTP_URL=smtp://mailer:secret@smtp.example.com:587 gatehouse mail",
			"gatehouse mail --once --smtp-url smtp://127.0.0.1:2525 --from portal@example.com",
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
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
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
	if *smtpURL == "" {
		return f.usageError(e, "no SMTP server: give --smtp-url, or set GATEHOUSE_SMTP_URL or smtp_url in the config file")
	}
	st, _, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
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
	if rep.Retry+rep.Failed > 0 {
		return exitRefused
	}
	return exitOK
}
