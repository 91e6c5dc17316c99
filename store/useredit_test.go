package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

func TestTwoOperatorsEditTheSameUserOneWins(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme")
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	alice := a.operator("alice", model.RoleSupport, nil)
	bob := a.operator("bob", model.RoleSupport, nil)
	read := a.get(alice, id) // both opened the screen on the same version
	disabled := model.StatusDisabled
	edits := []struct {
		op model.Operator
		e  store.UserEdit
	}{
		{alice, store.UserEdit{Name: "Jean Dupont-Martin", Email: "jean.martin@example.org", Base: &read}},
		{bob, store.UserEdit{Name: "Jean Dupont (Lyon)", Email: "jean.dupont@example.org", Status: &disabled, Base: &read}},
	}
	// Round after round, both save at once: exactly one wins each time.
	for round := 0; round < 5; round++ {
		read = a.get(alice, id)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, ed := range edits {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				e := ed.e
				base := read
				e.Base = &base
				if round%2 == 1 { // swap who asks what
					e.Status = nil
				}
				_, errs[i] = a.s.UpdateUser(a.ctx, ed.op, id, read.Version, e)
			}()
		}
		close(start)
		wg.Wait()
		var wins int
		var ce *store.ConflictError
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.As(err, &ce):
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if wins != 1 || ce == nil {
			t.Fatalf("round %d: %d saves won (errors %v)", round, wins, errs)
		}
		cur := ce.Current.(model.User)
		if cur.Version != read.Version+1 {
			t.Errorf("conflict shows version %d, want %d", cur.Version, read.Version+1)
		}
		if len(ce.Changed) == 0 {
			t.Errorf("round %d: the conflict names no field", round)
		}
		if !strings.Contains(ce.Error(), ce.Changed[0]) {
			t.Errorf("conflict message %q", ce.Error())
		}
		// Reset for the next round (enable again, original name/e-mail).
		a.exec(`UPDATE users SET status = 'active', name = 'Jean Dupont', email = 'jean.dupont@example.org' WHERE id = $1`, id)
	}
	// Sequentially, with names: bob saves a new e-mail; alice, still on the old version,
	// saves a name and learns that the e-mail changed meanwhile.
	read = a.get(alice, id)
	if _, err := a.s.UpdateUser(a.ctx, bob, id, read.Version, store.UserEdit{Name: read.Name, Email: "jd@example.org", Status: &disabled}); err != nil {
		t.Fatal(err)
	}
	_, err := a.s.UpdateUser(a.ctx, alice, id, read.Version, store.UserEdit{Name: "Jean D.", Email: read.Email, Base: &read})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || strings.Join(ce.Changed, ",") != "email,status" {
		t.Fatalf("conflict: %v", err)
	}
	if got := a.get(alice, id); got.Name != "Jean Dupont" {
		t.Errorf("the stale save changed the name to %q", got.Name)
	}
}

func TestUpdateUserValidatesAndNotifiesEmailChange(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	a.user("ACME-3HF8M", "anna@example.org", "Anna")
	op := a.operator("alice", model.RoleSupport, nil)
	u := a.get(op, id)
	_, err := a.s.UpdateUser(a.ctx, op, id, u.Version, store.UserEdit{Name: "Jean", Email: " ANNA@example.org "})
	var fe *store.FieldError
	if !errors.As(err, &fe) || fe.Field != store.FieldEmail || !errors.Is(err, store.ErrDuplicate) || !errors.Is(err, store.ErrEmailTaken) {
		t.Errorf("duplicate e-mail: %v", err)
	}
	_, err = a.s.UpdateUser(a.ctx, op, id, u.Version, store.UserEdit{Name: "Jean", Email: "not-an-address"})
	if !errors.As(err, &fe) || fe.Field != store.FieldEmail || !errors.Is(err, model.ErrInvalidEmail) {
		t.Errorf("bad e-mail: %v", err)
	}
	_, err = a.s.UpdateUser(a.ctx, op, id, u.Version, store.UserEdit{Name: "  ", Email: u.Email})
	if !errors.As(err, &fe) || fe.Field != store.FieldName || !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	got, err := a.s.UpdateUser(a.ctx, op, id, u.Version, store.UserEdit{Name: " Jean Dupont ", Email: " Jean.Martin@Example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "jean.martin@example.org" || got.Name != "Jean Dupont" || got.Version != u.Version+1 {
		t.Errorf("saved %+v", got)
	}
	var to []string
	if err := a.s.DB().Select(&to, `SELECT recipient FROM outbox WHERE user_id = $1 AND kind = 'notice' ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	if strings.Join(to, ",") != "jean.dupont@example.org,jean.martin@example.org" {
		t.Errorf("notices to %v, want the old and the new address", to)
	}
	// Saving without a change writes nothing.
	again, err := a.s.UpdateUser(a.ctx, op, id, got.Version, store.UserEdit{Name: got.Name, Email: got.Email})
	if err != nil || again.Version != got.Version {
		t.Errorf("no-op save: %v, version %d → %d", err, got.Version, again.Version)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.update'`); n != 1 {
		t.Errorf("%d audit rows, want 1", n)
	}
}

func TestDisableEnableEndsSessions(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme")
	globex := a.org("globex", "Globex")
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	shared := a.user("ACME-3HF8M", "anna@example.org", "Anna", acme, globex)
	a.session(id)
	op := a.operator("alice", model.RoleSupport, nil)
	u, err := a.s.DisableUser(a.ctx, op, id, a.get(op, id).Version)
	if err != nil || u.Status != model.StatusDisabled {
		t.Fatalf("disable: %v %v", err, u.Status)
	}
	if n := a.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id); n != 0 {
		t.Errorf("%d sessions open after disable", n)
	}
	if _, err := a.s.DisableUser(a.ctx, op, id, u.Version); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("disable twice: %v", err)
	}
	u, err = a.s.EnableUser(a.ctx, op, id, u.Version)
	if err != nil || u.Status != model.StatusActive {
		t.Fatalf("enable: %v %v", err, u.Status)
	}
	// An admin of acme alone may not disable a user globex also relies on.
	admin := a.operator("adam", model.RoleAdmin, []string{"acme"})
	if _, err := a.s.DisableUser(a.ctx, admin, shared, a.get(op, shared).Version); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("admin disabling a shared user: %v", err)
	}
	if _, err := a.s.DisableUser(a.ctx, admin, id, u.Version); err != nil {
		t.Errorf("admin disabling their own user: %v", err)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action IN ('user.disable', 'user.enable')`); n != 3 {
		t.Errorf("%d audit rows, want 3", n)
	}
}

func TestDeleteFreesEmailAndKeepsAudit(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme")
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	a.session(id)
	op := a.operator("alice", model.RoleSupport, nil)
	u := a.get(op, id)
	if err := a.s.DeleteUser(a.ctx, op, id, u.Version, "jean.dupond@example.org"); !errors.Is(err, store.ErrEmailMismatch) {
		t.Fatalf("wrong confirmation: %v", err)
	}
	if err := a.s.DeleteUser(a.ctx, op, id, u.Version, "  JEAN.DUPONT@example.org "); err != nil {
		t.Fatal(err)
	}
	var row struct {
		Status  string `db:"status"`
		Deleted bool   `db:"deleted"`
		Hash    bool   `db:"hash"`
		Members int    `db:"members"`
	}
	if err := a.s.DB().Get(&row, `SELECT status, deleted_at IS NOT NULL AS deleted, password_hash IS NOT NULL AS hash,
		(SELECT count(*) FROM memberships WHERE user_id = u.id) AS members FROM users u WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if row.Status != "deleted" || !row.Deleted || row.Hash || row.Members != 1 {
		t.Errorf("deleted row: %+v", row)
	}
	if n := a.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id); n != 0 {
		t.Errorf("%d sessions open after delete", n)
	}
	// The e-mail and the login code are free for a new account.
	a.user("ACME-7K2Q9", "Jean.Dupont@example.org", "Jean Dupont (new)", acme)
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.delete' AND target_user_id = $1`, id); n != 1 {
		t.Errorf("delete audit rows: %d", n)
	}
	if _, err := a.s.GetUser(a.ctx, op, id); err != nil {
		t.Errorf("the deleted row is gone: %v", err)
	}
	if _, err := a.s.SetPassword(a.ctx, op, id, u.Version+1, goodPassword, goodPassword, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("set password on a deleted user: %v", err)
	}
	if n, brk, err := a.s.VerifyAudit(a.ctx); err != nil || brk != nil || n == 0 {
		t.Errorf("audit chain: %d %v %v", n, brk, err)
	}
}

func TestResetTOTPAndSendLoginCode(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	a.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP', totp_last_step = 42 WHERE id = $1`, id)
	a.session(id)
	op := a.operator("alice", model.RoleSupport, nil)
	u, err := a.s.ResetTOTP(a.ctx, op, id, a.get(op, id).Version, "lost her phone; called from the front desk")
	if err != nil || u.TOTPEnabled {
		t.Fatalf("reset 2FA: %v %v", err, u.TOTPEnabled)
	}
	var summary string
	if err := a.s.DB().Get(&summary, `SELECT summary FROM audit_entries WHERE action = 'user.totp_reset' AND target_user_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(summary, "; reason: lost her phone; called from the front desk") || !strings.Contains(summary, "ACME-7K2Q9") {
		t.Errorf("the audit row does not hold the reason: %q", summary)
	}
	if n := a.count(`SELECT count(*) FROM users WHERE id = $1 AND totp_secret IS NULL AND totp_last_step IS NULL`, id); n != 1 {
		t.Error("the TOTP secret is still stored")
	}
	if n := a.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'totp_reset'`, id); n != 1 {
		t.Errorf("totp_reset events: %d", n)
	}
	if n := a.count(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'notice'`, id); n != 1 {
		t.Errorf("notices: %d", n)
	}
	if err := a.s.SendLoginCode(a.ctx, op, id); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := a.s.DB().Get(&body, `SELECT body FROM outbox WHERE user_id = $1 AND kind = 'login_code'`, id); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "ACME-7K2Q9") {
		t.Errorf("login code mail: %q", body)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action IN ('user.totp_reset', 'user.login_code')`); n != 2 {
		t.Errorf("audit rows: %d", n)
	}
	if hits := secretHits(t, a.s.DB(), "JBSWY3DPEHPK3PXP"); len(hits) > 0 {
		t.Errorf("the TOTP secret survives: %v", hits)
	}
}
