package portal_test

import (
	"net/http"
	"strings"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

// Whole flows over HTTP (the browser journeys run the same in Chromium: browser_test.go).

const goodPassword = "velvet harbour lantern 42"

func TestSignInAndOut(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-AB12CD", "marie@example.com", "Marie Dupont", goodPassword)
	b := w.browser()
	p := b.get("/")
	w.mustSee(p, "Sign in", "Login code or e-mail")
	p = b.signIn("  acme-ab12cd ", goodPassword)
	if p.status != http.StatusOK || !strings.HasSuffix(p.url, "/account") {
		t.Fatalf("after sign-in: %d %s", p.status, p.url)
	}
	w.mustSee(p, "Marie Dupont", "ACME-AB12CD", "Acme Industries")
	if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND org_id = $2`, id, w.org) != 1 {
		t.Fatal("one session, in the account's only organization")
	}
	p = b.post("/logout")
	w.mustSee(p, "You are signed out.")
	if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id) != 0 {
		t.Fatal("sign-out must end the session")
	}
	if p := b.get("/account"); !strings.HasSuffix(p.url, "/login") {
		t.Fatalf("signed out, /account must send to sign-in: %s", p.url)
	}
}

func TestLockedOutThenResetByEmail(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-LK12CD", "paul@example.com", "Paul Martin", goodPassword)
	b := w.browser()
	var first string
	for i := 0; i < 5; i++ {
		p := b.signIn("ACME-LK12CD", "not the password")
		if i == 0 {
			first = p.body
		}
		w.mustSee(p, "Sign-in refused")
	}
	if w.int(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NOT NULL`, id) != 1 {
		t.Fatal("five failures must lock")
	}
	// Locked: the right password gets the very same answer.
	if p := b.signIn("ACME-LK12CD", goodPassword); p.body != first {
		t.Fatal("a locked account must answer like a wrong password")
	}
	w.mustSee(b.post("/forgot", "username", "paul@example.com"), "If this login code or e-mail matches an account")
	link := w.lastLink("paul@example.com")
	p := b.get(link)
	if !strings.HasSuffix(p.url, "/reset") {
		t.Fatalf("the link must land on /reset without its token: %s", p.url)
	}
	w.mustSee(p, "Choose a new password", "Rules for the new password:", "at least 15 characters")
	p = b.post("/reset", "password", "short", "confirm", "short")
	w.mustSee(p, "This password was refused", "at least 15 characters (5 so far)")
	newPw := "copper meadow lantern ninety"
	p = b.post("/reset", "password", newPw, "confirm", newPw)
	if !strings.HasSuffix(p.url, "/account?done=reset") {
		t.Fatalf("a completed reset signs in: %s", p.url)
	}
	w.mustSee(p, "Your new password is saved and your account is unlocked.", "Paul Martin")
	if w.int(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NULL AND failed_attempts = 0`, id) != 1 {
		t.Fatal("the reset must unlock")
	}
}

func TestForcedChangeAfterATemporaryPassword(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-TP12CD", "temp@example.com", "Tina Temp", goodPassword)
	temp, _, err := w.st.SetTemporaryPassword(w.ctx, w.op, id, w.version(id))
	if err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	p := b.signIn("temp@example.com", temp)
	if !strings.HasSuffix(p.url, "/password") {
		t.Fatalf("a temporary password leads to the forced change: %s", p.url)
	}
	w.mustSee(p, "Choose your own password")
	if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1`, id) != 0 {
		t.Fatal("no session before the change")
	}
	if p := b.get("/account"); !strings.HasSuffix(p.url, "/login") && !strings.HasSuffix(p.url, "/password") {
		t.Fatalf("the account page is closed before the change: %s", p.url)
	}
	newPw := "orchard velvet granite sixty"
	p = b.post("/password", "password", newPw, "confirm", newPw+"x")
	w.mustSee(p, "This password was refused", "the two passwords must match")
	p = b.post("/password", "password", newPw, "confirm", newPw)
	if !strings.HasSuffix(p.url, "/account?done=password") {
		t.Fatalf("after the change: %s", p.url)
	}
	if w.int(`SELECT count(*) FROM users WHERE id = $1 AND NOT must_change_password`, id) != 1 {
		t.Fatal("must change cleared")
	}
}

func TestTOTPSignInAndEnrolment(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-TO12CD", "otp@example.com", "Olga Tp", goodPassword)
	b := w.browser()
	p := b.signIn("ACME-TO12CD", goodPassword)
	p = b.get("/totp")
	w.mustSee(p, "Two-factor authentication is off")
	p = b.post("/totp", "step", "start")
	w.mustSee(p, "Scan this QR code")
	if !strings.Contains(p.body, "<svg") {
		t.Fatal("no QR code")
	}
	secret := strings.ReplaceAll(betweenTag(p.body, `<code class="secret">`, "</code>"), " ", "")
	p = b.post("/totp", "step", "confirm", "code", "000000")
	w.mustSee(p, "This code does not match")
	code, err := model.TOTPCode(secret, w.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	p = b.post("/totp", "step", "confirm", "code", code)
	w.mustSee(p, "Two-factor authentication is on.")
	if w.int(`SELECT count(*) FROM users WHERE id = $1 AND totp_enabled`, id) != 1 {
		t.Fatal("2FA not on")
	}
	b.post("/logout")
	// Signing in now asks for the code, alone.
	p = b.signIn("ACME-TO12CD", goodPassword)
	w.mustSee(p, "Authentication code")
	p = b.post("/login", "step", "code", "code", "123456")
	w.mustSee(p, "This code was not accepted")
	w.clk.Advance(30 * 1e9)
	code, _ = model.TOTPCode(secret, w.clk.Now())
	p = b.post("/login", "step", "code", "code", code)
	if !strings.HasSuffix(p.url, "/account") {
		t.Fatalf("after the code: %s", p.url)
	}
	_ = store.StepTOTP
}

func betweenTag(body, open, close string) string {
	i := strings.Index(body, open)
	if i < 0 {
		return ""
	}
	rest := body[i+len(open):]
	j := strings.Index(rest, close)
	if j < 0 {
		return ""
	}
	return rest[:j]
}
