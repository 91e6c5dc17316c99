package store_test

import (
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

// The store side of the portal: pending sign-ins (2FA code, forced change, enrolment),
// sessions rotated at every privilege change, recovery requests and their limits.

func (e *authEnv) supportOp() model.Operator {
	e.t.Helper()
	var id int64
	if err := e.s.DB().Get(&id, `INSERT INTO operators (name, role) VALUES ('portal-support', 'support')
		ON CONFLICT (name) DO UPDATE SET role = 'support' RETURNING id`); err != nil {
		e.t.Fatal(err)
	}
	return model.Operator{ID: id, Name: "portal-support", Role: model.RoleSupport}
}

func (e *authEnv) version(id int64) int { return e.int(`SELECT version FROM users WHERE id = $1`, id) }

func (e *authEnv) sessions(id int64) int {
	return e.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id)
}

func TestSignInTOTPCodeFollowsWithATicket(t *testing.T) {
	e := newAuthEnv(t, 0)
	id := e.user("ACME-TIK01", "tik@example.com")
	secret := model.NewTOTPSecret()
	e.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, id, secret)

	res, err := e.login("acme-tik01", authPassword)
	if !errors.Is(err, store.ErrTOTPRequired) || res.Ticket == "" || res.Pending != store.StepTOTP || res.SessionToken != "" {
		t.Fatalf("no code: want ErrTOTPRequired with a ticket, got %+v, %v", res, err)
	}
	if n := e.int(`SELECT count(*) FROM signin_tickets WHERE token_hash = $1`, model.HashToken(res.Ticket)); n != 1 {
		t.Fatal("the ticket is not stored by its hash")
	}
	ticket := res.Ticket
	_, err = e.s.ContinueSignIn(e.ctx, ticket, store.StepInput{TOTP: "000000", IP: e.attIP})
	if err != store.ErrAuthFailed {
		t.Fatalf("wrong code: %v", err)
	}
	if e.failed(id) != 1 {
		t.Fatal("a wrong code at the code step must count in the lockout")
	}
	code, _ := model.TOTPCode(secret, e.clk.Now())
	res, err = e.s.ContinueSignIn(e.ctx, ticket, store.StepInput{TOTP: code, IP: e.attIP})
	if err != nil || res.SessionToken == "" || res.Pending != "" {
		t.Fatalf("right code: %+v, %v", res, err)
	}
	if e.failed(id) != 0 || e.sessions(id) != 1 {
		t.Fatal("success must clear the counter and open one session")
	}
	if res.OrgID == nil || *res.OrgID != e.org {
		t.Fatal("an account of one organization works there without choosing")
	}
	if _, err := e.s.ContinueSignIn(e.ctx, ticket, store.StepInput{TOTP: code}); !errors.Is(err, store.ErrSignInExpired) {
		t.Fatalf("a used ticket: %v", err)
	}
}

func TestSignInTicketLockoutAndExpiry(t *testing.T) {
	e := newAuthEnv(t, 0)
	id := e.user("ACME-TIK02", "tik2@example.com")
	e.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, id, model.NewTOTPSecret())
	res, _ := e.login("ACME-TIK02", authPassword)
	for i := 0; i < 5; i++ {
		if _, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{TOTP: "999999"}); err != store.ErrAuthFailed {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if e.int(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NOT NULL`, id) != 1 {
		t.Fatal("five wrong codes must lock the account")
	}
	if _, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{TOTP: "123456"}); err != store.ErrAuthFailed {
		t.Fatalf("after the lock: %v", err)
	}
	if _, err := e.s.PendingSignIn(e.ctx, res.Ticket); !errors.Is(err, store.ErrSignInExpired) {
		t.Fatalf("the lock must void the ticket: %v", err)
	}

	id3 := e.user("ACME-TIK03", "tik3@example.com")
	e.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, id3, model.NewTOTPSecret())
	res, _ = e.login("ACME-TIK03", authPassword)
	e.clk.Advance(store.TicketTTL + 1)
	if _, err := e.s.PendingSignIn(e.ctx, res.Ticket); !errors.Is(err, store.ErrSignInExpired) {
		t.Fatalf("an old ticket: %v", err)
	}
}

func TestForcedChangeOpensNoSessionUntilChanged(t *testing.T) {
	e := newAuthEnv(t, 0)
	op := e.supportOp()
	id := e.user("ACME-FRC01", "forced@example.com")
	temp, _, err := e.s.SetTemporaryPassword(e.ctx, op, id, e.version(id))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.login("ACME-FRC01", temp)
	if err != nil || res.Pending != store.StepPassword || res.SessionToken != "" || e.sessions(id) != 0 {
		t.Fatalf("temporary password: %+v, %v (sessions %d)", res, err, e.sessions(id))
	}
	p, err := e.s.PendingSignIn(e.ctx, res.Ticket)
	if err != nil || p.Step != store.StepPassword || p.Login != "ACME-FRC01" || p.Policy.MinLength1FA == 0 {
		t.Fatalf("pending: %+v, %v", p, err)
	}
	_, err = e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{Password: "short", Confirm: "short"})
	var pe *model.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("a weak password: %v", err)
	}
	_, err = e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{Password: temp, Confirm: temp})
	if !errors.As(err, &pe) {
		t.Fatalf("the temporary password again must be refused (reuse): %v", err)
	}
	own := "tidal marble orchard ninety"
	done, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{Password: own, Confirm: own, IP: e.attIP})
	if err != nil || done.SessionToken == "" {
		t.Fatalf("own password: %+v, %v", done, err)
	}
	if e.int(`SELECT count(*) FROM users WHERE id = $1 AND NOT must_change_password AND password_expires_at IS NULL`, id) != 1 {
		t.Fatal("must change and the temporary expiry must be cleared")
	}
	if e.int(`SELECT count(*) FROM outbox WHERE user_id = $1 AND subject = 'Votre mot de passe a été modifié'`, id) != 1 {
		t.Fatal("the user must be told of the change")
	}
	if e.events(id, "password_changed", "self") != 1 || e.events(id, "login_success", "must_change_password") != 1 {
		t.Fatal("the timeline must show the sign-in waiting for the change, and the change")
	}
	if _, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{Password: own + "x", Confirm: own + "x"}); !errors.Is(err, store.ErrSignInExpired) {
		t.Fatalf("a used ticket: %v", err)
	}
	e.mustLogin("ACME-FRC01", own)
}

func TestTicketVoidedByAnOperatorMeanwhile(t *testing.T) {
	e := newAuthEnv(t, 0)
	op := e.supportOp()
	id := e.user("ACME-VOI01", "void@example.com")
	temp, _, err := e.s.SetTemporaryPassword(e.ctx, op, id, e.version(id))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := e.login("ACME-VOI01", temp)
	if _, err := e.s.DisableUser(e.ctx, op, id, e.version(id)); err != nil {
		t.Fatal(err)
	}
	own := "tidal marble orchard ninety"
	if _, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{Password: own, Confirm: own}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("disabled meanwhile: %v", err)
	}
	if e.sessions(id) != 0 {
		t.Fatal("no session for a disabled account")
	}
}

func TestEnrolmentAfterAnOperatorsTOTPReset(t *testing.T) {
	e := newAuthEnv(t, 0)
	op := e.supportOp()
	id := e.user("ACME-ENR01", "enrol@example.com")
	e.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, id, model.NewTOTPSecret())
	if _, err := e.s.ResetTOTP(e.ctx, op, id, e.version(id), "lost phone"); err != nil {
		t.Fatal(err)
	}
	res, err := e.login("ACME-ENR01", authPassword)
	if err != nil || res.Pending != store.StepEnrol || e.sessions(id) != 0 {
		t.Fatalf("after a 2FA reset: %+v, %v", res, err)
	}
	s1, err := e.s.EnrolmentSecret(e.ctx, res.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := e.s.EnrolmentSecret(e.ctx, res.Ticket)
	if s1 != s2 || len(s1) < 32 {
		t.Fatal("a reloaded enrolment page must show the same secret")
	}
	if _, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{TOTP: "000000"}); !errors.Is(err, store.ErrTOTPCode) {
		t.Fatalf("a wrong confirmation code: %v", err)
	}
	code, _ := model.TOTPCode(s1, e.clk.Now())
	done, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{TOTP: code})
	if err != nil || done.SessionToken == "" {
		t.Fatalf("enrol: %+v, %v", done, err)
	}
	if e.int(`SELECT count(*) FROM users WHERE id = $1 AND totp_enabled AND totp_secret = $2 AND NOT must_enrol_totp`, id, s1) != 1 {
		t.Fatal("2FA must be on with the new secret, the flag cleared")
	}
	if e.int(`SELECT count(*) FROM signin_tickets WHERE totp_secret IS NOT NULL`) != 0 {
		t.Fatal("a used ticket must forget the secret")
	}
	if _, err := e.login("ACME-ENR01", authPassword); !errors.Is(err, store.ErrTOTPRequired) {
		t.Fatalf("the next sign-in asks for the code: %v", err)
	}
}

func TestEnrolmentAttemptsAreBounded(t *testing.T) {
	e := newAuthEnv(t, 0)
	id := e.user("ACME-ENR02", "enrol2@example.com")
	e.exec(`UPDATE users SET must_enrol_totp = true WHERE id = $1`, id)
	res, _ := e.login("ACME-ENR02", authPassword)
	if _, err := e.s.EnrolmentSecret(e.ctx, res.Ticket); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := e.s.ContinueSignIn(e.ctx, res.Ticket, store.StepInput{TOTP: "000000"}); !errors.Is(err, store.ErrTOTPCode) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := e.s.PendingSignIn(e.ctx, res.Ticket); !errors.Is(err, store.ErrSignInExpired) {
		t.Fatalf("five wrong codes end the enrolment: %v", err)
	}
	if e.failed(id) != 0 {
		t.Fatal("enrolment codes are not sign-in failures")
	}
}

func TestOrganizationRequiring2FA(t *testing.T) {
	e := newAuthEnv(t, 0)
	op := e.supportOp()
	e.user("ACME-REQ01", "req@example.com")
	if err := e.s.SetOrganizationTOTPRequired(e.ctx, model.Operator{Name: "oc", Role: model.RoleOncall}, e.org, true); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("oncall: %v", err)
	}
	if err := e.s.SetOrganizationTOTPRequired(e.ctx, op, e.org, true); err != nil {
		t.Fatal(err)
	}
	res, err := e.login("ACME-REQ01", authPassword)
	if err != nil || res.Pending != store.StepEnrol {
		t.Fatalf("member of an organization requiring 2FA: %+v, %v", res, err)
	}
	if p, _ := e.s.PendingSignIn(e.ctx, res.Ticket); !p.TOTPRequired {
		t.Fatal("the enrolment page must say the organization requires it")
	}
	if err := e.s.SetOrganizationTOTPRequired(e.ctx, op, e.org, false); err != nil {
		t.Fatal(err)
	}
	e.mustLogin("ACME-REQ01", authPassword)
}

func TestChooseOrganizationRotatesTheSession(t *testing.T) {
	e := newAuthEnv(t, 0)
	var other int64
	if err := e.s.DB().Get(&other, `INSERT INTO organizations (slug, name) VALUES ('beta', 'Beta') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	id := e.user("ACME-ORG01", "orgs@example.com")
	e.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, id, other)
	res := e.mustLogin("ACME-ORG01", authPassword)
	if res.OrgID != nil {
		t.Fatal("an account of several organizations chooses one")
	}
	acct, err := e.s.PortalSession(e.ctx, res.SessionToken)
	if err != nil || len(acct.Organizations) != 2 || acct.Org != nil {
		t.Fatalf("account: %+v, %v", acct, err)
	}
	var stranger int64
	if err := e.s.DB().Get(&stranger, `INSERT INTO organizations (slug, name) VALUES ('gamma', 'Gamma') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.ChooseOrganization(e.ctx, res.SessionToken, stranger, e.attIP, "ua"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an organization of others: %v", err)
	}
	next, err := e.s.ChooseOrganization(e.ctx, res.SessionToken, other, e.attIP, "ua")
	if err != nil || next.SessionToken == "" || next.SessionToken == res.SessionToken || !next.ExpiresAt.Equal(res.ExpiresAt) {
		t.Fatalf("choose: %+v, %v", next, err)
	}
	if _, err := e.s.PortalSession(e.ctx, res.SessionToken); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the old token must stop working")
	}
	acct, err = e.s.PortalSession(e.ctx, next.SessionToken)
	if err != nil || acct.Org == nil || acct.Org.ID != other {
		t.Fatalf("the session must record the organization: %+v, %v", acct, err)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	e := newAuthEnv(t, 0)
	id := e.user("ACME-OWN01", "own@example.com")
	res := e.mustLogin("ACME-OWN01", authPassword)
	other := e.mustLogin("ACME-OWN01", authPassword)
	newPw := "lantern meadow copper seventy"
	if _, err := e.s.ChangeOwnPassword(e.ctx, res.SessionToken, "wrong", newPw, newPw, e.attIP, "ua"); err != store.ErrAuthFailed {
		t.Fatalf("wrong current: %v", err)
	}
	if e.failed(id) != 1 {
		t.Fatal("a wrong current password counts in the lockout")
	}
	_, err := e.s.ChangeOwnPassword(e.ctx, res.SessionToken, authPassword, "short", "short", e.attIP, "ua")
	var pe *model.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("a weak password: %v", err)
	}
	done, err := e.s.ChangeOwnPassword(e.ctx, res.SessionToken, authPassword, newPw, newPw, e.attIP, "ua")
	if err != nil || done.SessionToken == "" || done.SessionToken == res.SessionToken {
		t.Fatalf("change: %+v, %v", done, err)
	}
	for _, tok := range []string{res.SessionToken, other.SessionToken} {
		if _, err := e.s.PortalSession(e.ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("every previous session must end")
		}
	}
	if _, err := e.s.PortalSession(e.ctx, done.SessionToken); err != nil {
		t.Fatal(err)
	}
	e.mustLogin("ACME-OWN01", newPw)

	// Five wrong current passwords lock the account and end its sessions.
	s2 := e.mustLogin("ACME-OWN01", newPw)
	for i := 0; i < 5; i++ {
		if _, err := e.s.ChangeOwnPassword(e.ctx, s2.SessionToken, "nope", newPw+"!", newPw+"!", e.attIP, "ua"); err != store.ErrAuthFailed {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if e.sessions(id) != 0 || e.int(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NOT NULL`, id) != 1 {
		t.Fatal("the lock must end the sessions")
	}
}

func TestStartTOTPEnrolmentReplacesTheSession(t *testing.T) {
	e := newAuthEnv(t, 0)
	id := e.user("ACME-VOL01", "vol@example.com")
	res := e.mustLogin("ACME-VOL01", authPassword)
	pend, err := e.s.StartTOTPEnrolment(e.ctx, res.SessionToken, e.attIP, "ua")
	if err != nil || pend.Pending != store.StepEnrol {
		t.Fatalf("start: %+v, %v", pend, err)
	}
	secret, _ := e.s.EnrolmentSecret(e.ctx, pend.Ticket)
	code, _ := model.TOTPCode(secret, e.clk.Now())
	done, err := e.s.ContinueSignIn(e.ctx, pend.Ticket, store.StepInput{TOTP: code})
	if err != nil || done.SessionToken == "" || !done.ExpiresAt.Equal(res.ExpiresAt) {
		t.Fatalf("confirm: %+v, %v", done, err)
	}
	if _, err := e.s.PortalSession(e.ctx, res.SessionToken); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the session the enrolment started from must end")
	}
	if e.sessions(id) != 1 || e.events(id, "totp_enrolled", "self") != 1 {
		t.Fatal("one session, one enrolment event")
	}
	if _, err := e.s.StartTOTPEnrolment(e.ctx, done.SessionToken, e.attIP, "ua"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("already on: %v", err)
	}
}

func TestRecoveryRequestsAnswerAlikeAndAreLimited(t *testing.T) {
	e := newAuthEnv(t, 0)
	id := e.user("ACME-REC01", "rec@example.com")
	ip := netip.MustParseAddr("198.51.100.20")
	req := func(ident string, from netip.Addr) error {
		return e.s.RequestPasswordReset(e.ctx, store.RecoveryRequest{Identifier: ident, IP: from, UserAgent: "ua"})
	}
	if err := req("  rec@EXAMPLE.com ", ip); err != nil {
		t.Fatal(err)
	}
	if err := req("nobody@example.com", ip); err != nil {
		t.Fatalf("unknown identifier: %v", err)
	}
	mails := func() int {
		return e.int(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'reset_link' AND status = 'pending'`, id)
	}
	if mails() != 1 || e.int(`SELECT count(*) FROM outbox WHERE kind = 'reset_link'`) != 1 {
		t.Fatal("one reset link for the known account, none otherwise")
	}
	if e.int(`SELECT count(*) FROM reset_tokens WHERE user_id = $1 AND requested_by = 'self'`, id) != 1 {
		t.Fatal("the token must record who asked")
	}
	// Per account: three a window; further requests answer the same and send nothing.
	for i := 0; i < 4; i++ {
		if err := req("ACME-REC01", netip.MustParseAddr("198.51.100.21")); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.int(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'reset_link'`, id); n != store.RecoveryPerAccount {
		t.Fatalf("%d reset e-mails, want %d", n, store.RecoveryPerAccount)
	}
	// Per address: the same refusal for known and unknown identifiers.
	spam := netip.MustParseAddr("2001:db8:1:2::7")
	for i := 0; i < store.RecoveryPerAddress; i++ {
		if err := req("someone@example.com", spam); err != nil {
			t.Fatal(err)
		}
	}
	if err := req("rec@example.com", netip.MustParseAddr("2001:db8:1:2::8")); !errors.Is(err, store.ErrRateLimited) {
		t.Fatalf("known identifier from a busy /64: %v", err)
	}
	if err := req("nobody@example.com", spam); !errors.Is(err, store.ErrRateLimited) {
		t.Fatalf("unknown identifier from a busy address: %v", err)
	}
	// The other page has its own counts.
	if err := e.s.RequestLoginCode(e.ctx, store.RecoveryRequest{Identifier: "rec@example.com", IP: ip}); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := e.s.DB().Get(&body, `SELECT body FROM outbox WHERE user_id = $1 AND kind = 'login_code'`, id); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "ACME-REC01") {
		t.Fatal("the login code e-mail must hold the code")
	}
}

func TestRecoveryRequestsCountExactlyAcrossConnections(t *testing.T) {
	e := newAuthEnv(t, 8)
	id := e.user("ACME-REC02", "rec2@example.com")
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.s.RequestPasswordReset(e.ctx, store.RecoveryRequest{Identifier: "ACME-REC02", IP: netip.MustParseAddr("192.0.2.77")})
		}()
	}
	wg.Wait()
	if n := e.int(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'reset_link'`, id); n != store.RecoveryPerAccount {
		t.Fatalf("12 concurrent requests sent %d e-mails, want %d", n, store.RecoveryPerAccount)
	}
}
