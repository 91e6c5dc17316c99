package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

const loginTestPassword = "a long and right passphrase"

// loUser makes an active account of the organization whose password is loginTestPassword.
func (h *harness) loUser(login, email string, org int64) int64 {
	h.t.Helper()
	id := h.user(login, email, "Name "+login, "active", org)
	hash, err := store.HashPassword(context.Background(), loginTestPassword)
	if err != nil {
		h.t.Fatal(err)
	}
	h.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash)
	return id
}

func (h *harness) loCount(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.Get(&n, q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestLoginCommandExitCodes(t *testing.T) {
	h := newHarness(t)
	acme := h.org("acme", "Acme")
	id := h.loUser("ACME-LOG01", "log01@example.com", acme)

	code, out, errOut := h.runIn(loginTestPassword+"\n", "login", " acme-log01 ", "--ip", "198.51.100.7", "--user-agent", "curl/8.5")
	if code != 0 {
		t.Fatalf("login: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || len(lines[0]) != 43 {
		t.Fatalf("stdout %q: want the session token alone", out)
	}
	if n := h.loCount(`SELECT count(*) FROM sessions WHERE user_id = $1 AND token_hash = $2`, id, model.HashToken(lines[0])); n != 1 {
		t.Fatal("printed token is not the session's")
	}
	if n := h.loCount(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'login_success' AND ip = '198.51.100.7' AND user_agent = 'curl/8.5'`, id); n != 1 {
		t.Fatal("attempt not recorded with its IP and user agent")
	}
	// Windows line ending on stdin is not part of the password.
	if code, _, errOut := h.runIn(loginTestPassword+"\r\n", "login", "log01@EXAMPLE.com"); code != 0 {
		t.Fatalf("CRLF: exit %d: %s", code, errOut)
	}

	// Must change: no session (and no token) until the password is changed on the portal.
	h.exec(`UPDATE users SET must_change_password = true WHERE id = $1`, id)
	code, out, errOut = h.runIn(loginTestPassword, "login", "ACME-LOG01")
	if code != 1 || out != "" || !strings.Contains(errOut, "password change required") {
		t.Fatalf("must change: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := h.loCount(`SELECT count(*) FROM sessions WHERE user_id = $1`, id); n != 2 {
		t.Fatalf("%d sessions: the must-change sign-in opened one", n)
	}

	// Every refusal: exit 1, the same message, nothing on stdout.
	_, _, generic := h.runIn("wrong\n", "login", "ACME-LOG01")
	if !strings.Contains(generic, "login failed") {
		t.Fatalf("message %q", generic)
	}
	for name, c := range map[string]struct{ stdin, login string }{
		"wrong password":   {"wrong\n", "ACME-LOG01"},
		"trimmed password": {" " + loginTestPassword + "\n", "ACME-LOG01"},
		"unknown login":    {loginTestPassword + "\n", "nobody@example.com"},
	} {
		code, out, errOut := h.runIn(c.stdin, "login", c.login)
		if code != 1 || out != "" || errOut != generic {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1 and %q", name, code, out, errOut, generic)
		}
	}
	// Two more failures make five: locked; the right password now gets the very same answer.
	for i := 0; i < 2; i++ {
		h.runIn("wrong\n", "login", "ACME-LOG01")
	}
	if code, out, errOut := h.runIn(loginTestPassword+"\n", "login", "ACME-LOG01"); code != 1 || out != "" || errOut != generic {
		t.Fatalf("locked: exit %d, %q, %q", code, out, errOut)
	}
	if n := h.loCount(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND reason = 'locked'`, id); n != 1 {
		t.Fatal("attempt on the locked account not recorded")
	}

	// 2FA: the password alone asks for the code.
	id2 := h.loUser("ACME-TOT02", "tot02@example.com", acme)
	secret := model.NewTOTPSecret()
	h.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, id2, secret)
	if code, _, errOut := h.runIn(loginTestPassword+"\n", "login", "ACME-TOT02"); code != 1 || !strings.Contains(errOut, "--totp") {
		t.Fatalf("no code: exit %d, %q", code, errOut)
	}

	// Usage and infrastructure: exit 2.
	for name, args := range map[string][]string{
		"no login":    {"login"},
		"two logins":  {"login", "a", "b"},
		"bad ip":      {"login", "ACME-LOG01", "--ip", "not-an-ip"},
		"bad flag":    {"login", "ACME-LOG01", "--nope"},
		"empty stdin": {"login", "ACME-LOG01"},
	} {
		stdin := "x\n"
		if name == "empty stdin" {
			stdin = ""
		}
		if code, _, _ := h.runIn(stdin, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
	var o, e strings.Builder
	code = Main(context.Background(), []string{"login", "ACME-LOG01", "--database-url", "postgres://gatehouse@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"},
		strings.NewReader(loginTestPassword+"\n"), &o, &e)
	if code != 2 {
		t.Fatalf("database down: exit %d (%s)", code, e.String())
	}
}

func TestUnlockAndLockoutsCommands(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	acme, globex := h.org("acme", "Acme"), h.org("globex", "Globex")
	h.mustRun("operator", "add", "bob", "--role", "admin", "--org", "globex")
	_ = globex
	id := h.loUser("ACME-LCK01", "lck01@example.com", acme)
	h.exec(`UPDATE users SET locked_at = now() - interval '1 hour', lock_reason = 'threshold', failed_attempts = 7,
		last_failed_at = now(), last_failed_ip = '203.0.113.66', lock_count = 1 WHERE id = $1`, id)

	out := h.mustRun("lockouts")
	for _, want := range []string{"ACME-LCK01", "acme", "7", "203.0.113.66", "until reset", "1 locked"} {
		if !strings.Contains(out, want) {
			t.Fatalf("lockouts lacks %q:\n%s", want, out)
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(h.mustRun("lockouts", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["login"] != "ACME-LCK01" || rows[0]["failed_attempts"] != 7.0 ||
		rows[0]["last_failed_ip"] != "203.0.113.66" || rows[0]["mode"] != "until-reset" {
		t.Fatalf("json %v", rows)
	}

	if code, _, errOut := h.run("users", "unlock", "ACME-LCK01"); code != 2 || !strings.Contains(errOut, "--reason") {
		t.Fatalf("no reason: exit %d %s", code, errOut)
	}
	// An admin of another organization: not found, nothing changed.
	asOSUser(t, "bob")
	if code, _, errOut := h.run("users", "unlock", "ACME-LCK01", "--reason", "x"); code != 1 || !strings.Contains(errOut, "no user") {
		t.Fatalf("admin of globex: exit %d %s", code, errOut)
	}
	if out := h.mustRun("lockouts"); !strings.Contains(out, "no account is locked") {
		t.Fatalf("admin of globex sees:\n%s", out)
	}
	// On-call: --send-reset is not theirs; the whole command is refused, nothing changed.
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "night", "--role", "oncall")
	asOSUser(t, "night")
	code, out, errOut := h.run("users", "unlock", "ACME-LCK01", "--reason", "night shift", "--send-reset")
	if code != 1 || !strings.Contains(errOut, "do not send reset links") || !strings.Contains(errOut, "nothing was changed") ||
		!strings.Contains(errOut, "without --send-reset") || strings.Contains(out, "unlocked") {
		t.Fatalf("oncall --send-reset: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := h.loCount(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NOT NULL AND failed_attempts = 7`, id); n != 1 {
		t.Fatal("the refused unlock changed the account")
	}
	if n := h.loCount(`SELECT count(*) FROM reset_tokens`) + h.loCount(`SELECT count(*) FROM outbox`); n != 0 {
		t.Fatal("the refused unlock queued a reset link")
	}
	asOSUser(t, "alice")
	out = h.mustRun("users", "unlock", " lck01@EXAMPLE.com ", "--reason", "ticket 4711", "--send-reset")
	if !strings.Contains(out, "unlocked ACME-LCK01") || !strings.Contains(out, "7 failures") || !strings.Contains(out, "reset link queued") {
		t.Fatalf("unlock output:\n%s", out)
	}
	if n := h.loCount(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NULL AND failed_attempts = 0`, id); n != 1 {
		t.Fatal("not unlocked")
	}
	if n := h.loCount(`SELECT count(*) FROM audit_entries WHERE action = 'user.unlock' AND operator_name = 'alice' AND summary LIKE '%ticket 4711%'`); n != 1 {
		t.Fatal("unlock not audited")
	}
	if out := h.mustRun("lockouts", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("json after unlock: %q", out)
	}
	if code, out, _ := h.runIn(loginTestPassword+"\n", "login", "ACME-LCK01"); code != 0 || out == "" {
		t.Fatal("login after unlock failed")
	}
}

func TestPruneCommand(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "night", "--role", "oncall")
	h.exec(`INSERT INTO auth_events (at, login, kind, reason)
		SELECT now() - g * interval '1 day', 'x', 'login_failure', 'unknown_login' FROM generate_series(0, 199) g ORDER BY random()`)
	for name, args := range map[string][]string{
		"missing age": {"prune"},
		"bad age":     {"prune", "--older-than", "ninety days"},
		"bad batch":   {"prune", "--older-than", "90d", "--batch", "0"},
	} {
		if code, _, _ := h.run(args...); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
	asOSUser(t, "night")
	if code, _, _ := h.run("prune", "--older-than", "90d"); code != 1 {
		t.Fatalf("oncall prunes: exit %d", code)
	}
	asOSUser(t, "alice")
	out := h.mustRun("prune", "--older-than", "90d", "--batch", "7", "--pause", "0s")
	// Days 90..199 are older than 90 days (day 90 by the milliseconds between insert and prune).
	if !strings.Contains(out, "deleted 110 auth events") {
		t.Fatalf("prune output %q", out)
	}
	if n := h.loCount(`SELECT count(*) FROM auth_events`); n != 90 {
		t.Fatalf("%d events left, want 90", n)
	}
}

func TestReindexCommand(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "night", "--role", "oncall")
	h.exec(`INSERT INTO users (login_code, email, name, status)
		SELECT 'RIX-' || g, 'rix' || g || '@example.org', 'Reindex ' || g, 'invited' FROM generate_series(1, 100) g`)
	h.exec(`DELETE FROM search_blocks`)
	if code, _, _ := h.run("reindex", "extra"); code != 2 {
		t.Fatalf("reindex with an argument: exit %d, want 2", code)
	}
	asOSUser(t, "night")
	if code, _, _ := h.run("reindex"); code != 1 {
		t.Fatalf("oncall reindexes: exit %d", code)
	}
	if n := h.loCount(`SELECT count(*) FROM search_blocks`); n != 0 {
		t.Fatalf("refused reindex wrote %d blocks", n)
	}
	asOSUser(t, "alice")
	out := h.mustRun("reindex")
	// 100 users (and whatever the harness made) in blocks of 32.
	if !strings.Contains(out, "rebuilt 4 search blocks") {
		t.Fatalf("reindex output %q", out)
	}
	if n := h.loCount(`SELECT count(*) FROM search_blocks WHERE summary LIKE '%rix57@example.org%'`); n != 1 {
		t.Fatalf("rix57 is in %d blocks, want 1", n)
	}
}
