package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
)

// Audit rows stay in the organizations they were written in: an admin of A reads what was
// done about a user of A and B in A (by A's admins), never what B's operators or support did
// about that user, nor what was done before the user joined A.
func TestAuditRowsOfOtherOrganizationsStayInvisible(t *testing.T) {
	e := newInvEnv(t)
	both := e.user("ACME-50001", "both@example.org", "Both Orgs", e.acme, e.glob)
	onlyA := e.user("ACME-50002", "only.a@example.org", "Only Acme", e.acme)
	admA := e.admin("ann", nil, "acme")
	admA2 := e.admin("arthur", nil, "acme")
	admB := e.admin("bea", nil, "globex")
	unlock := func(op model.Operator, id int64, reason string) {
		t.Helper()
		if _, err := e.s.UnlockUsers(e.ctx, op, []int64{id}, reason, false); err != nil {
			t.Fatal(err)
		}
	}
	unlock(admB, both, "written in globex")
	unlock(supportOp, both, "written by support about a user of two organizations")
	unlock(admA, both, "written in acme")
	unlock(supportOp, onlyA, "written by support about a user of acme alone")

	read := func(op model.Operator, q store.AuditQuery) []string {
		t.Helper()
		rows, err := e.s.ListAudit(e.ctx, op, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Summary[strings.Index(r.Summary, "reason: ")+len("reason: "):])
		}
		return out
	}
	for _, op := range []model.Operator{admA, admA2} {
		got := strings.Join(read(op, store.AuditQuery{}), " | ")
		if got != "written by support about a user of acme alone | written in acme" {
			t.Errorf("%s reads: %s", op.Name, got)
		}
		if got := strings.Join(read(op, store.AuditQuery{UserID: both}), " | "); got != "written in acme" {
			t.Errorf("%s reads about the shared user: %s", op.Name, got)
		}
	}
	if got := strings.Join(read(admB, store.AuditQuery{UserID: both}), " | "); got != "written in globex" {
		t.Errorf("bea reads about the shared user: %s", got)
	}
	if got := read(supportOp, store.AuditQuery{UserID: both}); len(got) != 3 {
		t.Errorf("support reads %v", got)
	}
}

// Credential actions need the whole account in scope: an admin of A may set a password, a
// temporary password, reset 2FA, change the e-mail or end the sessions of a user of A alone,
// never of a user who also belongs to B — refused with the reason, nothing changed.
func TestCredentialActionsNeedTheWholeAccount(t *testing.T) {
	e := newInvEnv(t)
	both := e.user("ACME-60001", "both@example.org", "Both Orgs", e.acme, e.glob)
	mine := e.user("ACME-60002", "mine@example.org", "Only Acme", e.acme)
	adm := e.admin("ann", nil, "acme")
	now := e.clk.now()
	for _, id := range []int64{both, mine} {
		e.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, id)
		e.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at)
			VALUES ($1, $2, $3, $3, $4, $4)`, id, model.HashToken(fmt.Sprint("session-", id)), now, now.Add(time.Hour))
	}
	version := func(id int64) int {
		t.Helper()
		return e.count(`SELECT version FROM users WHERE id = $1`, id)
	}
	session := func(id int64) int64 {
		t.Helper()
		return int64(e.count(`SELECT id FROM sessions WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, id))
	}
	pw := "a chosen passphrase for the user 73"
	actions := map[string]func(id int64) error{
		"set a password": func(id int64) error {
			_, err := e.s.SetPassword(e.ctx, adm, id, version(id), pw, pw, true)
			return err
		},
		"set a temporary password": func(id int64) error {
			_, _, err := e.s.SetTemporaryPassword(e.ctx, adm, id, version(id))
			return err
		},
		"reset 2FA": func(id int64) error {
			_, err := e.s.ResetTOTP(e.ctx, adm, id, version(id), "lost phone")
			return err
		},
		"end a session": func(id int64) error { return e.s.EndSession(e.ctx, adm, session(id)) },
		"end all sessions": func(id int64) error {
			_, err := e.s.EndAllSessions(e.ctx, adm, id)
			return err
		},
		"disable": func(id int64) error {
			_, err := e.s.DisableUser(e.ctx, adm, id, version(id))
			return err
		},
	}
	before := e.count(`SELECT count(*) FROM audit_entries`)
	for name, act := range actions {
		err := act(both)
		if !errors.Is(err, store.ErrSharedAccount) || !errors.Is(err, store.ErrForbidden) {
			t.Errorf("%s for a user of two organizations: %v", name, err)
		}
	}
	if _, err := e.s.UpdateUser(e.ctx, adm, both, version(both), store.UserEdit{Name: "Both Orgs", Email: "elsewhere@example.org"}); !errors.Is(err, store.ErrSharedAccount) {
		t.Errorf("change the e-mail of a user of two organizations: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM audit_entries`); n != before {
		t.Fatalf("refusals wrote %d audit rows", n-before)
	}
	var hash string
	var totp bool
	if err := e.s.DB().QueryRow(`SELECT password_hash, totp_enabled FROM users WHERE id = $1`, both).Scan(&hash, &totp); err != nil || hash != "x" || !totp {
		t.Fatalf("the shared account changed: hash %q totp %v %v", hash, totp, err)
	}
	if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, both); n != 1 {
		t.Fatal("the shared account's session was ended")
	}
	// The same actions on a user of A alone are the admin's to do (sessions last: the others end them).
	for _, name := range []string{"set a password", "set a temporary password", "reset 2FA", "disable"} {
		if name == "disable" {
			e.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at)
				VALUES ($1, $2, $3, $3, $4, $4)`, mine, model.HashToken("again"), now, now.Add(time.Hour))
			if err := actions["end a session"](mine); err != nil {
				t.Errorf("end a session of a user of A alone: %v", err)
			}
			if err := actions["end all sessions"](mine); err != nil {
				t.Errorf("end all sessions of a user of A alone: %v", err)
			}
		}
		if err := actions[name](mine); err != nil {
			t.Errorf("%s for a user of A alone: %v", name, err)
		}
	}
}

// TestNoCrossOrganizationTakeover replays, as an admin of A, the sequence that took over an
// account of B: invite U (a user of B alone) by e-mail, read the result, accept the link
// without U's password, then set U a temporary password and log in with it, and read U's
// audit rows written by B's operators. No step may reveal U or give the admin any hold on U.
func TestNoCrossOrganizationTakeover(t *testing.T) {
	e := newInvEnv(t)
	const uPassword = "the owner's own passphrase 4711"
	u := e.user("GLOB-77777", "ulysse@example.org", "Ulysse Globex", e.glob)
	e.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, u, e.hash(uPassword))
	admA := e.admin("mallory", []string{"billing.view", "users.manage"}, "acme")
	admB := e.admin("bea", nil, "globex")
	if _, err := e.s.UnlockUsers(e.ctx, admB, []int64{u}, "globex internal: called from the Lyon office", false); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"GLOB-77777", "Ulysse Globex", "globex", "Lyon"}
	leak := func(step string, v any) {
		t.Helper()
		text := fmt.Sprintf("%+v", v)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("step %s shows %q: %s", step, s, text)
			}
		}
	}
	memberOfA := func() bool {
		t.Helper()
		return e.count(`SELECT count(*) FROM memberships WHERE user_id = $1 AND org_id = $2`, u, e.acme) == 1
	}

	// 1. The wizard's "new person" with U's e-mail: no word of an account elsewhere.
	a, err := e.s.LookupEmail(e.ctx, admA, "ulysse@example.org")
	if err != nil || a.Exists {
		t.Fatalf("step 1: LookupEmail tells the admin the e-mail has an account: %+v %v", a, err)
	}
	inv, link, err := e.s.CreateInvitation(e.ctx, admA, store.NewInvitation{OrgID: e.acme, Name: "Ulysse", Email: "ulysse@example.org", Rights: []string{"users.manage"}})
	if err != nil {
		t.Fatalf("step 1: the new person invitation is refused, which tells the e-mail has an account: %v", err)
	}
	// ... nor through the existing-user path, even with U's login code and e-mail right.
	if _, _, err := e.s.CreateInvitation(e.ctx, admA, store.NewInvitation{OrgID: e.glob, ExistingLogin: "GLOB-77777", Email: "ulysse@example.org", Rights: []string{"users.manage"}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("step 1: inviting into B: %v", err)
	}

	// 2. The result: neither U's name, nor U's login code, nor the link that reaches U.
	leak("2 (result)", inv)
	page, err := e.s.ListInvitations(e.ctx, admA, store.InvitationQuery{})
	if err != nil {
		t.Fatal(err)
	}
	leak("2 (invitations)", page)
	real := e.mailedLink("ulysse@example.org")
	if link == real || tokenOf(t, link) == tokenOf(t, real) {
		t.Fatal("step 2: the admin holds the link that reaches U's account")
	}

	// 3. Accepting without U's password: with the link the admin holds, and even with the
	// real one (had it leaked), no password, a password of the admin's choosing, or U's
	// login code as a guess: nothing joins U to A.
	for _, try := range []struct {
		link string
		a    store.Acceptance
	}{
		{link, store.Acceptance{}},
		{link, store.Acceptance{Password: "mallory's choice 123456", Confirm: "mallory's choice 123456"}},
		{real, store.Acceptance{}},
		{real, store.Acceptance{Password: "mallory's choice 123456", Confirm: "mallory's choice 123456"}},
		{real, store.Acceptance{Password: "GLOB-77777"}},
	} {
		if res, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, try.link), try.a); err == nil {
			t.Fatalf("step 3: accepted without the owner's password: %+v", res)
		}
		if memberOfA() {
			t.Fatal("step 3: U is now a member of A")
		}
	}

	// 4. U is not in A's scope: no temporary password, no password, no login with either.
	if _, _, err := e.s.SetTemporaryPassword(e.ctx, admA, u, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("step 4: temporary password for U: %v", err)
	}
	if _, err := e.s.SetPassword(e.ctx, admA, u, 1, "mallory's choice 123456", "mallory's choice 123456", false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("step 4: password for U: %v", err)
	}
	if _, err := e.s.Authenticate(e.ctx, store.AuthRequest{Login: "GLOB-77777", Password: "mallory's choice 123456"}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("step 4: login as U: %v", err)
	}
	rows, err := e.s.ListAudit(e.ctx, admA, store.AuditQuery{UserID: u})
	if err != nil {
		t.Fatal(err)
	}
	leak("4 (audit)", rows)

	// Once U accepts for real, with U's own password, U belongs to A and B: the admin of A
	// still holds nothing of U's credentials, and still reads nothing B wrote.
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, real), store.Acceptance{Password: uPassword}); err != nil {
		t.Fatalf("the owner accepts: %v", err)
	}
	if !memberOfA() {
		t.Fatal("the owner's acceptance did not add A")
	}
	v := e.count(`SELECT version FROM users WHERE id = $1`, u)
	if _, pw, err := e.s.SetTemporaryPassword(e.ctx, admA, u, v); !errors.Is(err, store.ErrSharedAccount) {
		t.Fatalf("temporary password for U of A and B: %v %v", pw, err)
	}
	if _, err := e.s.ResetTOTP(e.ctx, admA, u, v, "lost phone"); !errors.Is(err, store.ErrSharedAccount) {
		t.Fatalf("2FA reset for U of A and B: %v", err)
	}
	if _, err := e.s.EndAllSessions(e.ctx, admA, u); !errors.Is(err, store.ErrSharedAccount) {
		t.Fatalf("ending U's sessions: %v", err)
	}
	rows, err = e.s.ListAudit(e.ctx, admA, store.AuditQuery{UserID: u})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if strings.Contains(r.Summary, "Lyon") || r.OperatorName == "bea" {
			t.Fatalf("the admin of A reads B's audit row about U: %+v", r)
		}
	}
	if _, err := e.s.Authenticate(e.ctx, store.AuthRequest{Login: "GLOB-77777", Password: uPassword}); err != nil {
		t.Fatalf("U's own password no longer works: %v", err)
	}
}
