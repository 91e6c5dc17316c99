package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

// runWithStdin calls Main with stdin and the harness's database.
func (h *harness) runWithStdin(stdin string, args ...string) (int, string, string) {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append(args, "--database-url", h.dsn), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// resetLink stores a reset token for the user, valid for the given SQL interval from now.
func (h *harness) resetLink(userID int64, validFor string) string {
	h.t.Helper()
	tok, hash := model.NewToken()
	h.exec(`INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at)
		VALUES ($1, $2, now() - interval '2 hours', now() + $3::interval)`, userID, hash, validFor)
	return tok
}

func TestResetCommand(t *testing.T) {
	h := newHarness(t)
	acme := h.org("acme", "Acme")
	id := h.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", "active", acme)
	h.exec(`UPDATE users SET locked_at = now(), lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, id)
	tok := h.resetLink(id, "1 hour")
	const pw = "a river of quiet lanterns"

	// Refused by the rules: exit 1, every reason, the link still works.
	code, _, errOut := h.runWithStdin("short\nshorter\n", "reset", tok)
	if code != 1 || !strings.Contains(errOut, "at least 15 characters") || !strings.Contains(errOut, "match") {
		t.Errorf("refused password: exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(errOut, "short") && strings.Contains(errOut, "shorter") {
		t.Errorf("stderr repeats the password: %q", errOut)
	}
	// Done: exit 0, from the whole link, CRLF line ends.
	code, out, errOut := h.runWithStdin(pw+"\r\n"+pw+"\r\n", "reset", "https://portal.example.com/reset?token="+tok)
	if code != 0 || !strings.Contains(out, "ACME-7K2Q9") {
		t.Fatalf("reset: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	var row struct {
		Hash     string `db:"password_hash"`
		Locked   bool   `db:"locked"`
		Failures int    `db:"failed_attempts"`
	}
	if err := h.db.Get(&row, `SELECT password_hash, locked_at IS NOT NULL AS locked, failed_attempts FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := store.VerifyPassword(context.Background(), row.Hash, pw); !ok || row.Locked || row.Failures != 0 {
		t.Errorf("after reset: verifies %v, locked %v, failures %d", ok, row.Locked, row.Failures)
	}
	// Used once: refused with the reason.
	code, _, errOut = h.runWithStdin(pw+"\n"+pw+"\n", "reset", tok)
	if code != 1 || !strings.Contains(errOut, "already used") {
		t.Errorf("second use: exit %d, stderr %q", code, errOut)
	}
	// Expired, unknown.
	expired := h.resetLink(id, "-1 minute")
	code, _, errOut = h.runWithStdin(pw+"\n"+pw+"\n", "reset", expired)
	if code != 1 || !strings.Contains(errOut, "expired") {
		t.Errorf("expired: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = h.runWithStdin(pw+"\n"+pw+"\n", "reset", "no-such-token")
	if code != 1 || !strings.Contains(errOut, "not valid") {
		t.Errorf("unknown: exit %d, stderr %q", code, errOut)
	}
	// Usage: no token, or a single line of input.
	if code, _, _ := h.runWithStdin("", "reset"); code != 2 {
		t.Errorf("no token: exit %d", code)
	}
	if code, _, errOut := h.runWithStdin(pw+"\n", "reset", h.resetLink(id, "1 hour")); code != 2 || !strings.Contains(errOut, "twice") {
		t.Errorf("one line: exit %d, %q", code, errOut)
	}
	// The database is unreachable: exit 2.
	var out2, err2 bytes.Buffer
	code = Main(context.Background(), []string{"reset", tok, "--database-url", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"},
		strings.NewReader(pw+"\n"+pw+"\n"), &out2, &err2)
	if code != 2 {
		t.Errorf("unreachable database: exit %d, %q", code, err2.String())
	}
	if got := tokenFromArg("  " + tok + " "); got != tok {
		t.Errorf("tokenFromArg: %q", got)
	}
}
