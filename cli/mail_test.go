package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/store/smtptest"
)

// Two OS users share a database: each has its own default outbox.key. The second one's
// commands queue nothing (the whole change refused, with how to set the key), its mailer
// delivers nothing; given the installation's key, it works.
func TestOutboxKeyOfAnotherOSUserQueuesNothing(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	acme := h.org("acme", "Acme")
	for _, login := range []string{"ACME-LCK01", "ACME-LCK02"} {
		id := h.loUser(login, strings.ToLower(login)+"@example.com", acme)
		h.exec(`UPDATE users SET locked_at = now(), lock_reason = 'threshold', failed_attempts = 6 WHERE id = $1`, id)
	}
	aliceDir := t.TempDir()
	t.Setenv("GATEHOUSE_DATA_DIR", aliceDir)
	h.mustRun("users", "unlock", "ACME-LCK01", "--reason", "ticket 1", "--send-reset")

	bobDir := t.TempDir()
	t.Setenv("GATEHOUSE_DATA_DIR", bobDir)
	code, _, errOut := h.run("users", "unlock", "ACME-LCK02", "--reason", "ticket 2", "--send-reset")
	if code != exitUsage {
		t.Fatalf("unlock with another OS user's key: exit %d, want %d\n%s", code, exitUsage, errOut)
	}
	for _, want := range []string{"outbox key", "nothing was queued", "GATEHOUSE_OUTBOX_KEY", "outbox_key_file", filepath.Join(bobDir, "outbox.key")} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("the refusal does not say %q:\n%s", want, errOut)
		}
	}
	if n := h.loCount(`SELECT count(*) FROM users WHERE login_code = 'ACME-LCK02' AND locked_at IS NOT NULL AND failed_attempts = 6`); n != 1 {
		t.Fatal("the refused unlock was applied")
	}
	if n := h.loCount(`SELECT count(*) FROM outbox`); n != 2 {
		t.Fatalf("%d e-mails queued, want alice's 2", n)
	}
	addr := smtptest.FreeAddr(t)
	code, _, errOut = h.run("mail", "--once", "--smtp-url", "smtp://"+addr)
	if code != exitUsage || !strings.Contains(errOut, "nothing was delivered") || !strings.Contains(errOut, "GATEHOUSE_OUTBOX_KEY") {
		t.Fatalf("mail with another OS user's key: exit %d\n%s", code, errOut)
	}
	if n := h.loCount(`SELECT count(*) FROM outbox WHERE attempts = 0`); n != 2 {
		t.Fatal("the mailer with another key touched the queue")
	}

	// Given the installation's key (the key file alice's commands created), bob's commands work.
	t.Setenv("GATEHOUSE_OUTBOX_KEY_FILE", filepath.Join(aliceDir, "outbox.key"))
	h.mustRun("users", "unlock", "ACME-LCK02", "--reason", "ticket 2", "--send-reset")
	sink := smtptest.Start(t, smtptest.Options{Addr: addr})
	code, out, errOut := h.run("mail", "--once", "--smtp-url", "smtp://"+addr)
	if code != exitOK || !strings.Contains(out, "sent 4, to retry 0, failed 0") || len(sink.Recipients()) != 4 {
		t.Fatalf("mail with the installation's key: exit %d\n%s\n%s\nreceived %v", code, out, errOut, sink.Recipients())
	}
}

// mail --once exits 0 only when nothing is left pending and nothing failed in its pass; else
// 1, saying how many are left and why.
func TestMailOnceExitsNonZeroWhileMessagesArePending(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	acme := h.org("acme", "Acme")
	for _, login := range []string{"ACME-ONC01", "ACME-ONC02"} {
		id := h.loUser(login, strings.ToLower(login)+"@example.com", acme)
		h.exec(`UPDATE users SET locked_at = now(), lock_reason = 'threshold', failed_attempts = 6 WHERE id = $1`, id)
		h.mustRun("users", "unlock", login, "--reason", "ticket", "--send-reset") // a notice and a reset link each
	}
	addr := smtptest.FreeAddr(t)
	t.Setenv("GATEHOUSE_SMTP_URL", "smtp://"+addr)

	// The server is down: every attempt fails.
	code, out, errOut := h.run("mail", "--once")
	if code != exitRefused || !strings.Contains(out, "to retry 4") ||
		!strings.Contains(errOut, "4 e-mail(s) still pending: 4 to retry after a failed attempt (last error: SMTP connect") {
		t.Fatalf("server down: exit %d\n%s\n%s", code, out, errOut)
	}
	// Run again at once: nothing is due (backoff), nothing was tried, but nothing left either.
	code, out, errOut = h.run("mail", "--once")
	if code != exitRefused || !strings.Contains(out, "sent 0, to retry 0, failed 0; outbox now: 4 pending") ||
		!strings.Contains(errOut, "4 e-mail(s) still pending") || !strings.Contains(errOut, "next attempt 20") {
		t.Fatalf("nothing due, 4 pending: exit %d, want %d\n%s\n%s", code, exitRefused, out, errOut)
	}

	// The server is back and refuses one recipient for good.
	sink := smtptest.Start(t, smtptest.Options{Addr: addr, Refuse: []string{"acme-onc02@example.com"}})
	h.exec(`UPDATE outbox SET next_attempt_at = now() - interval '1 second'`) // the backoff has passed
	code, out, errOut = h.run("mail", "--once")
	if code != exitRefused || !strings.Contains(out, "sent 2, to retry 0, failed 2; outbox now: 0 pending, 2 failed") ||
		!strings.Contains(errOut, "2 e-mail(s) failed for good in this pass") || strings.Contains(errOut, "still pending") {
		t.Fatalf("one recipient refused: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := sink.Recipients(); len(got) != 2 || got[0] != "acme-onc01@example.com" {
		t.Fatalf("received %v", got)
	}
	// Nothing left pending, nothing failed in this pass: 0 (the earlier failures are counted).
	code, out, errOut = h.run("mail", "--once")
	if code != exitOK || !strings.Contains(out, "0 pending, 2 failed") {
		t.Fatalf("nothing left: exit %d\n%s\n%s", code, out, errOut)
	}
}
