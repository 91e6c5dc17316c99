package store_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/smtptest"
)

// The secrets sweep: a whole scripted session through the
// store — an operator sets a password, then a temporary one; the user logs in with it; a reset
// link is sent and redeemed; a new person is invited and accepts; the user enrolls TOTP and
// logs in with a code; wrong passwords, wrong and replayed codes, used and mangled tokens,
// refused passwords — with logging at debug level captured (slog's default logger, the
// standard logger, the mailer's log) and the outbox delivered to an SMTP server (once failing,
// once accepting). Then every secret used is searched for in the logs, in every column of
// every table, and in every error message returned: zero hits.
//
// One place is allowed by design: users.totp_secret holds the TOTP secret, which the verifier
// needs in clear (RFC 6238 is a shared secret; the portal enrolls it in the shared schema). The
// secret must be found nowhere else (not in the audit, auth events, outbox, logs, errors).

// secretsWorld records every secret used and every error returned.
type secretsWorld struct {
	*acct
	secrets map[string]string // value → what it is
	errs    []string
}

func (w *secretsWorld) secret(what, v string) string {
	if len(v) < 6 {
		w.t.Fatalf("secret %s %q too short to search for", what, v)
	}
	w.secrets[v] = what
	return v
}

// refused records an error the session expects.
func (w *secretsWorld) refused(what string, err error) {
	w.t.Helper()
	if err == nil {
		w.t.Fatalf("%s: no error", what)
	}
	w.errs = append(w.errs, what+": "+err.Error()+" | "+fmt.Sprintf("%+v %#v", err, err))
}

func (w *secretsWorld) ok(what string, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func randomPart(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

func TestSecretsNeverInLogsTablesOrErrors(t *testing.T) {
	// Debug logging everywhere, into buffers.
	var logs bytes.Buffer
	oldSlog := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	oldOut, oldFlags := log.Writer(), log.Flags()
	log.SetOutput(&logs)
	t.Cleanup(func() {
		slog.SetDefault(oldSlog)
		log.SetOutput(oldOut)
		log.SetFlags(oldFlags)
	})
	mailLog := func(f string, args ...any) { slog.Debug("mailer", "line", fmt.Sprintf(f, args...)) }

	w := &secretsWorld{acct: newAcct(t), secrets: map[string]string{}}
	ctx := w.ctx
	acme := w.org("acme", "Acme Industries")
	op := w.operator("sec-support", model.RoleSupport, nil)
	id := w.user("ACME-SEC01", "secret.person@example.org", "Secret Person", acme)
	ip := netip.MustParseAddr("203.0.113.9")
	login := func(pw, code string) (store.AuthResult, error) {
		return w.s.Authenticate(ctx, store.AuthRequest{Login: "ACME-SEC01", Password: pw, TOTP: code, IP: ip, UserAgent: "secrets-test/1"})
	}
	version := func() int {
		u, err := w.s.GetUser(ctx, op, id)
		w.ok("get user", err)
		return u.Version
	}
	rnd := randomPart(t)

	// 1. An operator sets a password (after a mismatch and a weak one are refused).
	pw1 := w.secret("operator-set password", "orchid falcon "+rnd+" velvet")
	typo := w.secret("mistyped confirmation", "orchid falcon "+rnd+" velvt")
	_, err := w.s.SetPassword(ctx, op, id, version(), pw1, typo, true)
	w.refused("set password, confirmation differs", err)
	weak := w.secret("refused password", "ACME-SEC01-"+rnd)
	_, err = w.s.SetPassword(ctx, op, id, version(), weak, weak, true)
	w.refused("set password containing the login", err)
	_, err = w.s.SetPassword(ctx, op, id, version(), pw1, pw1, true)
	w.ok("set password", err)
	_, err = w.s.SetPassword(ctx, op, id, version()-1, pw1+"x", pw1+"x", true)
	w.refused("set password on a stale version", err)

	// 2. A temporary password; the user logs in with it (and fails once with a near miss).
	temp, _, err := w.s.SetTemporaryPassword(ctx, op, id, version())
	w.ok("temporary password", err)
	w.secret("temporary password", temp)
	_, err = login(temp[:len(temp)-1], "")
	w.refused("login with a truncated temporary password", err)
	res, err := login(temp, "")
	w.ok("login with the temporary password", err)
	if !res.MustChangePassword || res.SessionToken != "" {
		t.Error("a temporary password must be changed at the next login, before any session")
	}
	w.secret("sign-in ticket (temporary password)", res.Ticket)
	own := w.secret("password chosen at sign-in", "harvest lagoon "+rnd+" pepper")
	res, err = w.s.ContinueSignIn(ctx, res.Ticket, store.StepInput{Password: own, Confirm: own, IP: ip})
	w.ok("choose a password at sign-in", err)
	w.secret("session token (after the forced change)", res.SessionToken)
	_, err = w.s.TouchSession(ctx, res.SessionToken)
	w.ok("touch session", err)

	// 3. A reset link: sent, redeemed after a refused password, then refused when used again.
	w.ok("send reset link", w.s.SendResetLink(ctx, op, id))
	var sealed []byte
	w.ok("sealed link", w.s.DB().Get(&sealed, `SELECT sealed_secret FROM outbox WHERE user_id = $1 AND kind = 'reset_link' ORDER BY id DESC LIMIT 1`, id))
	link, err := w.s.OpenSealed(sealed)
	w.ok("open sealed", err)
	resetTok := w.secret("reset token", linkToken(t, link))
	w.secret("reset link", link)
	short := w.secret("short reset password", "short"+rnd[:4])
	_, err = w.s.RedeemResetToken(ctx, resetTok, short, short)
	w.refused("redeem with a short password", err)
	pw2 := w.secret("reset password", "meadow quartz "+rnd+" lantern")
	_, err = w.s.RedeemResetToken(ctx, resetTok, pw2, pw2)
	w.ok("redeem reset token", err)
	_, err = w.s.RedeemResetToken(ctx, resetTok, pw2+"!", pw2+"!")
	w.refused("redeem a used token", err)
	_, err = w.s.RedeemResetToken(ctx, resetTok[:len(resetTok)-2], pw2, pw2)
	w.refused("redeem a mangled token", err)
	wrong := w.secret("wrong password", "meadow quartz "+rnd+" lanterm")
	for range 2 {
		_, err = login(wrong, "")
		w.refused("login with a wrong password", err)
	}

	// 4. TOTP enrolled (as the portal does, in SQL); log in with a code; wrong and replayed codes.
	totpSecret := w.secret("TOTP secret", model.NewTOTPSecret())
	w.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, id, totpSecret)
	res, err = login(pw2, "")
	w.refused("login without the 2FA code", err)
	w.secret("sign-in ticket (2FA code to follow)", res.Ticket)
	code, err := model.TOTPCode(totpSecret, w.clock())
	w.ok("totp code", err)
	bad, err := model.TOTPCode(totpSecret, w.clock().Add(-time.Hour))
	w.ok("totp code an hour ago", err)
	if bad == code {
		t.Skip("the old and the current code are equal (one chance in a million)")
	}
	_, err = login(pw2, bad)
	w.refused("login with a wrong 2FA code", err)
	res, err = login(pw2, code)
	w.ok("login with password and 2FA code", err)
	w.secret("session token (2FA login)", res.SessionToken)
	_, err = login(pw2, code)
	w.refused("login replaying the 2FA code", err)
	// The 6-digit codes are searched apart (below): alone they are too short to be unique.

	// 5. A new person is invited and accepts (after a mismatch); accepting again is refused.
	inv, invLink, err := w.s.CreateInvitation(ctx, op, store.NewInvitation{OrgID: acme, Name: "Invited Person",
		Email: "invited.person@example.org", Rights: []string{"reports.view"}, Lang: "en"})
	w.ok("create invitation", err)
	invTok := w.secret("invitation token", linkToken(t, invLink))
	w.secret("invitation link", invLink)
	w.ok("sealed invitation", w.s.DB().Get(&sealed, `SELECT sealed_secret FROM outbox WHERE invitation_id = $1`, inv.ID))
	if opened, err := w.s.OpenSealed(sealed); err != nil || opened != invLink {
		t.Fatalf("the sealed invitation link is %q (%v), want the link returned", opened, err)
	}
	pw3 := w.secret("invitee password", "copper willow "+rnd+" harbor")
	_, err = w.s.AcceptInvitation(ctx, invTok, store.Acceptance{Password: pw3, Confirm: pw3 + "?"})
	w.refused("accept with a mismatched confirmation", err)
	_, err = w.s.AcceptInvitation(ctx, invTok, store.Acceptance{Password: pw3, Confirm: pw3})
	w.ok("accept invitation", err)
	_, err = w.s.AcceptInvitation(ctx, invTok, store.Acceptance{Password: pw3, Confirm: pw3})
	w.refused("accept again", err)
	_, err = w.s.InspectInvitation(ctx, invTok)
	w.refused("inspect a used invitation", err)

	// 6. The outbox is delivered: once to a server that refuses, then to one that accepts.
	sink := smtptest.Start(t, smtptest.Options{})
	sink.SetFault(smtptest.Data4xx)
	cfg := store.MailerConfig{SMTPURL: sink.URL(), From: "portal@example.com", Hostname: "test",
		Timeout: 5 * time.Second, Logf: mailLog}
	rep, err := w.s.DeliverDue(ctx, cfg)
	w.ok("delivery round (refused)", err)
	if rep.Retry == 0 {
		t.Fatalf("the refusing server: %+v", rep)
	}
	sink.SetFault(smtptest.NoFault)
	w.advance(time.Hour)
	rep, err = w.s.DeliverDue(ctx, cfg)
	w.ok("delivery round", err)
	if rep.Sent == 0 || rep.Retry != 0 {
		t.Fatalf("delivery: %+v", rep)
	}

	// The search.
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the capture does not work")
	}
	if len(w.errs) < 12 {
		t.Fatalf("only %d refusals recorded", len(w.errs))
	}
	for secret, what := range w.secrets {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold the %s", what)
		}
		for _, e := range w.errs {
			if strings.Contains(e, secret) {
				t.Errorf("an error message holds the %s: %s", what, e)
			}
		}
		allowTOTPColumn := what == "TOTP secret"
		if hits := everyColumnHits(t, w.acct, secret, allowTOTPColumn); len(hits) > 0 {
			t.Errorf("the %s is stored in %v", what, hits)
		}
	}
	// The 2FA codes: not in the logs, the errors, the audit, the auth events or the outbox.
	for _, c := range []string{code, bad} {
		if strings.Contains(logs.String(), c) {
			t.Errorf("the logs hold a 2FA code")
		}
		for _, e := range w.errs {
			if strings.Contains(e, c) {
				t.Errorf("an error message holds a 2FA code: %s", e)
			}
		}
		for _, tb := range []string{"audit_entries", "auth_events", "outbox"} {
			if n := w.count(`SELECT count(*) FROM `+tb+` t WHERE strpos(t::text, $1) > 0`, c); n > 0 {
				t.Errorf("%s: %d row(s) hold a 2FA code", tb, n)
			}
		}
	}
	// The only clear copy of the TOTP secret is the users column the verifier reads.
	if n := w.count(`SELECT count(*) FROM users WHERE totp_secret = $1`, totpSecret); n != 1 {
		t.Errorf("users.totp_secret holds the secret %d times, want 1", n)
	}
}

// everyColumnHits counts, per table, the rows whose text (every column) holds s. With
// allowTOTPColumn the users.totp_secret column is left out (the one place it must be).
func everyColumnHits(t *testing.T, a *acct, s string, allowTOTPColumn bool) map[string]int {
	t.Helper()
	var tables []string
	if err := a.s.DB().Select(&tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	hits := map[string]int{}
	for _, tb := range tables {
		row := "t::text"
		if tb == "users" && allowTOTPColumn {
			row = "(to_jsonb(t) - 'totp_secret')::text"
		}
		var n int
		if err := a.s.DB().Get(&n, `SELECT count(*) FROM `+tb+` t WHERE strpos(`+row+`, $1) > 0`, s); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			hits[tb] = n
		}
	}
	return hits
}
