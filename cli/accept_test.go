package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/smtptest"
)

const (
	acceptPassword = "plum orchard lantern 2041"
	testOutboxKey  = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
)

// runIn runs a command against the harness's database with the given standard input.
func (h *harness) runIn(stdin string, args ...string) (int, string, string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append(args, "--database-url", h.dsn), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// store opens the harness's database with the outbox key the commands use.
func (h *harness) store() *store.Store {
	h.t.Helper()
	h.t.Setenv("GATEHOUSE_OUTBOX_KEY", testOutboxKey)
	key, _ := decodeKey(testOutboxKey)
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: h.dsn, OutboxKey: key})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	return st
}

func (h *harness) invite(st *store.Store, n store.NewInvitation) string {
	h.t.Helper()
	_, link, err := st.CreateInvitation(context.Background(), model.Operator{Name: "alice", Role: model.RoleSupport}, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return link
}

// mailedLink opens the sealed link of the latest invitation e-mail to an address.
func (h *harness) mailedLink(st *store.Store, to string) string {
	h.t.Helper()
	var sealed []byte
	if err := h.db.Get(&sealed, `SELECT sealed_secret FROM outbox WHERE kind = 'invitation' AND recipient = $1
		AND sealed_secret IS NOT NULL ORDER BY id DESC LIMIT 1`, to); err != nil {
		h.t.Fatalf("no invitation e-mail to %s: %v", to, err)
	}
	link, err := st.OpenSealed(sealed)
	if err != nil {
		h.t.Fatal(err)
	}
	return link
}

func TestAcceptCommand(t *testing.T) {
	h := newHarness(t)
	st := h.store()
	acme := h.org("acme", "Acme Corp")
	link := h.invite(st, store.NewInvitation{OrgID: acme, Name: "Nina New", Email: "nina@example.org", Rights: []string{"billing.view"}})

	code, _, errOut := h.runIn("short\nshort\n", "accept", link)
	if code != exitRefused || !strings.Contains(errOut, "password refused") || !strings.Contains(errOut, "✗") {
		t.Fatalf("weak password: exit %d, %s", code, errOut)
	}
	code, out, errOut := h.runIn(acceptPassword+"\n"+acceptPassword+"\n", "accept", link)
	if code != exitOK || !strings.Contains(out, "is active with access to Acme Corp") || !strings.Contains(errOut, "Invitation to Acme Corp") {
		t.Fatalf("accept: exit %d\n%s\n%s", code, out, errOut)
	}
	var status string
	if err := h.db.Get(&status, `SELECT status FROM users WHERE email = 'nina@example.org'`); err != nil || status != "active" {
		t.Fatalf("status %q %v", status, err)
	}
	code, _, errOut = h.runIn(acceptPassword+"\n"+acceptPassword+"\n", "accept", link)
	if code != exitRefused || !strings.Contains(errOut, "already accepted") {
		t.Fatalf("second use: exit %d %s", code, errOut)
	}
	if code, _, errOut := h.runIn("", "accept", "bogus-token"); code != exitRefused || !strings.Contains(errOut, "no invitation has this token") {
		t.Fatalf("unknown token: exit %d %s", code, errOut)
	}
	if !tokenLike("-ENw3SEGj4UsQPrabqZZ-Odjx1rDDMauQOnbhyrUfIA") || tokenLike("--json") {
		t.Fatal("tokenLike")
	}
	if code, _, errOut := h.runIn("", "accept", "-ENw3SEGj4UsQPrabqZZ-Odjx1rDDMauQOnbhyrUfIA"); code != exitRefused || !strings.Contains(errOut, "no invitation has this token") {
		t.Fatalf("a token starting with '-': exit %d %s", code, errOut)
	}
	if code, _, _ := h.runIn("", "accept"); code != exitUsage {
		t.Fatalf("no token: exit %d", code)
	}

	// An existing account: its current password is read, and nothing is granted without it.
	globex := h.org("globex", "Globex")
	var nina int64
	if err := h.db.Get(&nina, `SELECT id FROM users WHERE email = 'nina@example.org'`); err != nil {
		t.Fatal(err)
	}
	if link = h.invite(st, store.NewInvitation{OrgID: globex, ExistingUserID: nina, Rights: []string{"reports.view"}}); link != "" {
		t.Fatalf("an existing account's link was returned to the operator: %q", link)
	}
	link = h.mailedLink(st, "nina@example.org")
	bare := strings.TrimPrefix(link, "https://portal.example.com/accept?token=")
	members := func() int {
		t.Helper()
		var n int
		if err := h.db.Get(&n, `SELECT count(*) FROM memberships WHERE user_id = $1`, nina); err != nil {
			t.Fatal(err)
		}
		return n
	}
	code, out, errOut = h.runIn("", "accept", bare)
	if code != exitUsage || !strings.Contains(errOut, "existing account") || !strings.Contains(errOut, "current password") || members() != 1 {
		t.Fatalf("existing, no password given: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = h.runIn("not my password at all\n", "accept", bare)
	if code != exitRefused || !strings.Contains(errOut, "not accepted") || members() != 1 {
		t.Fatalf("existing, wrong password: exit %d\n%s\n%s", code, out, errOut)
	}
	var failures int
	if err := h.db.Get(&failures, `SELECT failed_attempts FROM users WHERE id = $1`, nina); err != nil || failures != 1 {
		t.Fatalf("the wrong password was not counted: %d %v", failures, err)
	}
	code, out, errOut = h.runIn(acceptPassword+"\n", "accept", bare)
	if code != exitOK || !strings.Contains(out, "now has access to Globex") || members() != 2 {
		t.Fatalf("existing: exit %d\n%s\n%s", code, out, errOut)
	}

	// With 2FA: the code on the line after the password.
	initech := h.org("initech", "Initech")
	secret := model.NewTOTPSecret()
	h.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, nina, secret)
	h.invite(st, store.NewInvitation{OrgID: initech, ExistingUserID: nina, Rights: []string{"reports.view"}})
	link = h.mailedLink(st, "nina@example.org")
	code, out, errOut = h.runIn(acceptPassword+"\n", "accept", link)
	if code != exitRefused || !strings.Contains(errOut, "a 2FA code is required") || members() != 2 {
		t.Fatalf("2FA, no code: exit %d\n%s\n%s", code, out, errOut)
	}
	totp, err := model.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = h.runIn(acceptPassword+"\n"+totp+"\n", "accept", link)
	if code != exitOK || !strings.Contains(out, "now has access to Initech") || members() != 3 {
		t.Fatalf("2FA with the code: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestRightsCommands(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "root")
	out := h.mustRun("rights", "list")
	if !strings.Contains(out, "users.manage") || !strings.Contains(out, "Manage billing") {
		t.Fatalf("list:\n%s", out)
	}
	h.mustRun("rights", "add", "docs.view", "--label", "View documents", "--description", "Read shared documents")
	if code, _, errOut := h.run("rights", "add", "docs.view", "--label", "Again"); code != exitRefused {
		t.Fatalf("twice: %d %s", code, errOut)
	}
	if code, _, _ := h.run("rights", "add", "docs.edit"); code != exitUsage {
		t.Fatalf("no label: %d", code)
	}
	out = h.mustRun("rights", "list", "--json")
	if !strings.Contains(out, `"code":"docs.view"`) {
		t.Fatalf("json:\n%s", out)
	}
	acme := h.org("acme", "Acme")
	uid := h.user("ACME-22222", "a@example.org", "A", "active", acme)
	h.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'docs.view')`, uid, acme)
	if code, _, errOut := h.run("rights", "remove", "docs.view"); code != exitRefused || !strings.Contains(errOut, "in use") {
		t.Fatalf("in use: %d %s", code, errOut)
	}
	out = h.mustRun("rights", "remove", "docs.view", "--force")
	if !strings.Contains(out, "taken away from 1 membership") {
		t.Fatalf("forced: %s", out)
	}
}

func TestMailCommandOnce(t *testing.T) {
	h := newHarness(t)
	st := h.store()
	acme := h.org("acme", "Acme Corp")
	h.invite(st, store.NewInvitation{OrgID: acme, Name: "Mia", Email: "mia@example.org", Rights: []string{"billing.view"}})
	addr := smtptest.FreeAddr(t)

	code, out, errOut := h.run("mail", "--once", "--smtp-url", "smtp://"+addr, "--from", "portal@example.com")
	if code != exitRefused || !strings.Contains(out, "to retry 1") || !strings.Contains(errOut, "attempt 1 failed") {
		t.Fatalf("server down: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := h.run("mail", "--once"); code != exitUsage {
		t.Fatalf("no SMTP URL: exit %d", code)
	}

	sink := smtptest.Start(t, smtptest.Options{Addr: addr})
	h.exec(`UPDATE outbox SET next_attempt_at = now() - interval '1 second'`) // the backoff has passed
	t.Setenv("GATEHOUSE_SMTP_URL", "smtp://"+addr)
	code, out, errOut = h.run("mail", "--once")
	if code != exitOK || !strings.Contains(out, "sent 1, to retry 0, failed 0") {
		t.Fatalf("server back: exit %d\n%s\n%s", code, out, errOut)
	}
	got := sink.Messages()
	if len(got) != 1 || !strings.Contains(string(got[0].Raw), "Acme Corp") || !strings.Contains(string(got[0].Raw), "accept?token=3D") {
		t.Fatalf("received %v", got)
	}
}
