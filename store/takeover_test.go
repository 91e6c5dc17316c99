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
			_, err := e.s.ResetTOTP(e.ctx, adm, id, version(id))
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
