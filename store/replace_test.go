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

// replaceWorld: Julie Martin, active in acme with three rights and two open sessions, and
// an admin of acme who may grant two of them.
type replaceWorld struct {
	*invEnv
	old int64
	ann model.Operator
}

func newReplaceWorld(t *testing.T) replaceWorld {
	t.Helper()
	e := newInvEnv(t)
	old := e.user("ACME-40001", "julie.martin@old.example.org", "Julie Martin", e.acme)
	for _, r := range []string{"billing.manage", "billing.view", "users.manage"} {
		e.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, $3)`, old, e.acme, r)
	}
	now := e.clk.now()
	for i := range 2 {
		e.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at)
			VALUES ($1, $2, $3, $3, $4, $4)`, old, model.HashToken(fmt.Sprint("julie-session-", i)), now, now.Add(time.Hour))
	}
	return replaceWorld{invEnv: e, old: old, ann: e.admin("ann", []string{"billing.view", "users.manage"}, "acme")}
}

func (w replaceWorld) version(id int64) int {
	w.t.Helper()
	return w.count(`SELECT version FROM users WHERE id = $1`, id)
}

func (w replaceWorld) status(id int64) string {
	w.t.Helper()
	var s string
	if err := w.s.DB().Get(&s, `SELECT status FROM users WHERE id = $1`, id); err != nil {
		w.t.Fatal(err)
	}
	return s
}

// rightsOf lists "slug:right" of every right the account holds (memberships without rights as
// "slug:").
func (w replaceWorld) rightsOf(id int64) string {
	w.t.Helper()
	var out []string
	if err := w.s.DB().Select(&out, `SELECT o.slug || ':' || coalesce(r.right_code, '') FROM memberships m
		JOIN organizations o ON o.id = m.org_id
		LEFT JOIN membership_rights r ON r.user_id = m.user_id AND r.org_id = m.org_id
		WHERE m.user_id = $1 ORDER BY 1`, id); err != nil {
		w.t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func leftOutText(l []store.LeftOutRight) string {
	var out []string
	for _, x := range l {
		out = append(out, x.OrgSlug+":"+x.Right+" ("+x.Reason+")")
	}
	return strings.Join(out, " ")
}

func carriedText(ms []model.Membership) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.OrgSlug+":"+strings.Join(m.Rights, ","))
	}
	return strings.Join(out, " ")
}

// An admin's replacement carries the rights they may grant of those the account holds (grantable
// ∩ held), says before sending what is left out, and the acceptance — the new person choosing a
// password — grants exactly that and deletes the old account in the same transaction, audited,
// its sessions ended.
func TestReplaceIdentifierCarriesWhatTheAdminMayGrantAndDeletesTheOldAccountOnAcceptance(t *testing.T) {
	w := newReplaceWorld(t)
	rows0 := w.count(`SELECT count(*) FROM invitations`) + w.count(`SELECT count(*) FROM audit_entries`)
	plan, err := w.s.PlanReplacement(w.ctx, w.ann, w.old)
	if err != nil {
		t.Fatal(err)
	}
	if got := carriedText(plan.Carried); got != "acme:billing.view,users.manage" {
		t.Errorf("carried: %s", got)
	}
	if got := leftOutText(plan.LeftOut); got != "acme:billing.manage (not_grantable)" {
		t.Errorf("left out: %s", got)
	}
	if n := w.count(`SELECT count(*) FROM invitations`) + w.count(`SELECT count(*) FROM audit_entries`); n != rows0 {
		t.Fatalf("the plan wrote %d rows", n-rows0)
	}

	sent, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, plan.Old.Version, store.ReplaceRequest{Email: "Julie.Martin@New.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if got := leftOutText(sent.LeftOut); got != "acme:billing.manage (not_grantable)" {
		t.Errorf("left out as sent: %s", got)
	}
	inv := sent.Invitation
	if inv.Email != "julie.martin@new.example.org" || inv.Name != "Julie Martin" || inv.OrgSlug != "acme" ||
		strings.Join(inv.Rights, ",") != "billing.view,users.manage" || sent.Link == "" {
		t.Fatalf("invitation %+v link %q", inv, sent.Link)
	}
	if n := w.count(`SELECT count(*) FROM invitations WHERE id = $1 AND replaces_user_id = $2`, inv.ID, w.old); n != 1 {
		t.Fatal("the invitation does not record the account it replaces")
	}
	var summary string
	if err := w.s.DB().Get(&summary, `SELECT summary FROM audit_entries WHERE action = 'user.replace' AND target_user_id = $1 AND operator_name = 'ann'`, w.old); err != nil {
		t.Fatalf("no replace audit row: %v", err)
	}
	for _, want := range []string{"ACME-40001", "julie.martin@new.example.org", "acme: billing.view, users.manage", "left out (not this operator's to grant): acme: billing.manage"} {
		if !strings.Contains(summary, want) {
			t.Errorf("audit %q lacks %q", summary, want)
		}
	}
	var body string
	if err := w.s.DB().Get(&body, `SELECT body FROM outbox WHERE recipient = 'julie.martin@new.example.org' AND kind = 'invitation'`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Acme Corp") || !strings.Contains(body, "(billing.view)") || strings.Contains(body, "billing.manage") ||
		!strings.Contains(body, "ancien compte") {
		t.Errorf("the e-mail:\n%s", body)
	}
	// Nothing is deleted before the acceptance.
	if w.status(w.old) != "active" || w.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, w.old) != 2 {
		t.Fatal("the old account changed before the acceptance")
	}

	p, err := w.s.InspectInvitation(w.ctx, tokenOf(t, sent.Link))
	if err != nil || !p.Replaces || carriedText(p.Memberships) != "acme:billing.view,users.manage" {
		t.Fatalf("preview %+v %v", p, err)
	}
	res, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, sent.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword})
	if err != nil {
		t.Fatal(err)
	}
	if res.OldAccount != store.ReplacedDeleted || !res.NewAccount {
		t.Fatalf("accepted %+v", res)
	}
	if got := w.rightsOf(res.UserID); got != "acme:billing.view acme:users.manage" {
		t.Errorf("the new account holds %s", got)
	}
	if w.status(res.UserID) != "active" {
		t.Error("the new account is not active")
	}
	var hash *string
	var deletedAt *time.Time
	if err := w.s.DB().QueryRow(`SELECT password_hash, deleted_at FROM users WHERE id = $1 AND status = 'deleted'`, w.old).Scan(&hash, &deletedAt); err != nil {
		t.Fatalf("the old account is not deleted: %v", err)
	}
	if hash != nil || deletedAt == nil || !deletedAt.Equal(w.clk.now()) {
		t.Errorf("deleted as DeleteUser deletes? hash %v deleted_at %v", hash, deletedAt)
	}
	if n := w.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, w.old); n != 0 {
		t.Errorf("%d sessions of the old account still open", n)
	}
	if err := w.s.DB().Get(&summary, `SELECT summary FROM audit_entries WHERE action = 'user.delete' AND target_user_id = $1`, w.old); err != nil {
		t.Fatalf("no delete audit row: %v", err)
	}
	if !strings.Contains(summary, "2 sessions ended") || !strings.Contains(summary, "replaced by "+res.Login) {
		t.Errorf("delete audit: %s", summary)
	}
	// The admin reads the deletion in their organization's audit.
	rows, err := w.s.ListAudit(w.ctx, w.ann, store.AuditQuery{UserID: w.old, Action: "user.delete"})
	if err != nil || len(rows) != 1 {
		t.Errorf("the admin reads %d delete rows: %v", len(rows), err)
	}
	// The new identifier logs in; the old one does not.
	if _, err := w.s.Authenticate(w.ctx, store.AuthRequest{Login: "julie.martin@new.example.org", Password: invitePassword}); err != nil {
		t.Errorf("the new identifier: %v", err)
	}
}

// Support carries every membership of an account of two organizations; the acceptance gives
// both and deletes the old account. An existing account at the new e-mail accepts with its own
// password (AcceptInvitation's rule), and gets every carried organization.
func TestReplaceIdentifierBySupportCarriesEveryOrganization(t *testing.T) {
	w := newReplaceWorld(t)
	w.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, w.old, w.glob)
	w.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'reports.view')`, w.old, w.glob)
	target := w.user("GLOB-40002", "julie@new.example.org", "Julie M.", w.glob)
	const pw = "the owner's own passphrase 8812"
	w.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, target, w.hash(pw))

	sent, err := w.s.ReplaceIdentifier(w.ctx, supportOp, w.old, w.version(w.old), store.ReplaceRequest{Email: "julie@new.example.org"})
	var ae *store.AccountExistsError
	if !errors.As(err, &ae) || ae.UserID != target {
		t.Fatalf("support replacing with a visible account's e-mail: %v", err)
	}
	// Support sees the account: an existing account is not a new identifier. A fresh e-mail is.
	sent, err = w.s.ReplaceIdentifier(w.ctx, supportOp, w.old, w.version(w.old), store.ReplaceRequest{Email: "julie.m@new.example.org", Name: "Julie Martin-Durand"})
	if err != nil {
		t.Fatal(err)
	}
	if got := carriedText(sent.Carried); got != "acme:billing.manage,billing.view,users.manage globex:reports.view" || len(sent.LeftOut) != 0 {
		t.Fatalf("carried %s left out %s", got, leftOutText(sent.LeftOut))
	}
	res, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, sent.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.rightsOf(res.UserID); got != "acme:billing.manage acme:billing.view acme:users.manage globex:reports.view" {
		t.Errorf("the new account holds %s", got)
	}
	if strings.Join(res.AlsoOrgs, ",") != "globex" || res.OldAccount != store.ReplacedDeleted || w.status(w.old) != "deleted" {
		t.Errorf("accepted %+v; old %s", res, w.status(w.old))
	}
	var name string
	if err := w.s.DB().Get(&name, `SELECT name FROM users WHERE id = $1`, res.UserID); err != nil || name != "Julie Martin-Durand" {
		t.Errorf("the new account's name %q %v", name, err)
	}
}

// The acceptance is one transaction: when deleting the old account fails midway (a trigger
// refuses it, after the new account and its memberships were written), nothing of the
// acceptance remains — the new account still invited without a password or membership, the
// invitation open, the old account active with its sessions — and the link works once the
// fault is gone.
func TestReplaceIdentifierAcceptanceFailingMidwayLeavesBothUnchanged(t *testing.T) {
	w := newReplaceWorld(t)
	sent, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "julie@new.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	newID := int64(w.count(`SELECT user_id FROM invitations WHERE id = $1`, sent.Invitation.ID))
	w.exec(`CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected fault: the delete fails'; END $$`)
	w.exec(`CREATE TRIGGER refuse_delete BEFORE UPDATE ON users FOR EACH ROW
		WHEN (NEW.status = 'deleted' AND OLD.status <> 'deleted') EXECUTE FUNCTION refuse_delete()`)
	type snap struct{ old, new, inv, audit, sessions string }
	take := func() snap {
		t.Helper()
		var s snap
		q := func(dst *string, sql string, args ...any) {
			if err := w.s.DB().Get(dst, sql, args...); err != nil {
				t.Fatal(err)
			}
		}
		q(&s.old, `SELECT u::text FROM users u WHERE id = $1`, w.old)
		q(&s.new, `SELECT u::text || ' ' || (SELECT count(*) FROM memberships WHERE user_id = u.id) FROM users u WHERE id = $1`, newID)
		q(&s.inv, `SELECT i::text FROM invitations i WHERE id = $1`, sent.Invitation.ID)
		q(&s.audit, `SELECT count(*)::text FROM audit_entries`)
		q(&s.sessions, `SELECT string_agg(s::text, ',' ORDER BY id) FROM sessions s WHERE user_id = $1`, w.old)
		return s
	}
	before := take()
	if _, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, sent.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err == nil ||
		!strings.Contains(err.Error(), "injected fault") {
		t.Fatalf("the acceptance with the delete failing: %v", err)
	}
	if after := take(); after != before {
		t.Fatalf("a failed acceptance changed rows:\nbefore %+v\nafter  %+v", before, after)
	}
	if w.status(newID) != "invited" || w.rightsOf(newID) != "" || w.status(w.old) != "active" {
		t.Fatal("the accounts changed")
	}
	w.exec(`DROP TRIGGER refuse_delete ON users`)
	res, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, sent.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword})
	if err != nil || res.OldAccount != store.ReplacedDeleted || w.status(w.old) != "deleted" {
		t.Fatalf("after the fault: %+v %v", res, err)
	}
}

// An admin may not replace an account they do not wholly hold (deleting it would cut another
// organization's access): refused with the reason before and when sending, nothing written.
// Every other refusal writes nothing either.
func TestReplaceIdentifierRefusals(t *testing.T) {
	w := newReplaceWorld(t)
	shared := w.user("ACME-40003", "shared@example.org", "Shared Person", w.acme, w.glob)
	globOnly := w.user("GLOB-40004", "glob@example.org", "Glob Person", w.glob)
	lonely := w.user("ACME-40005", "lonely@example.org", "No Org", w.acme)
	w.exec(`DELETE FROM memberships WHERE user_id = $1`, lonely)
	oncall := model.Operator{Name: "night", Role: model.RoleOncall}
	ro := supportOp
	ro.ReadOnly = true
	before := w.count(`SELECT count(*) FROM invitations`) + w.count(`SELECT count(*) FROM audit_entries`) + w.count(`SELECT count(*) FROM outbox`)
	req := store.ReplaceRequest{Email: "somebody.new@example.org"}
	for _, c := range []struct {
		what string
		op   model.Operator
		id   int64
		want error
	}{
		{"an account also in globex", w.ann, shared, store.ErrSharedAccount},
		{"an account of globex alone", w.ann, globOnly, store.ErrNotFound},
		{"oncall", oncall, w.old, store.ErrForbidden},
		{"read-only", ro, w.old, store.ErrReadOnly},
		{"no membership", supportOp, lonely, store.ErrNothingToCarry},
	} {
		if _, err := w.s.PlanReplacement(w.ctx, c.op, c.id); !errors.Is(err, c.want) {
			t.Errorf("plan, %s: %v, want %v", c.what, err, c.want)
		}
		if _, err := w.s.ReplaceIdentifier(w.ctx, c.op, c.id, w.version(c.id), req); !errors.Is(err, c.want) {
			t.Errorf("replace, %s: %v, want %v", c.what, err, c.want)
		}
	}
	if _, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old)-1, req); !errors.As(err, new(*store.ConflictError)) {
		t.Errorf("a stale version: %v", err)
	}
	if _, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "JULIE.MARTIN@old.example.org"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("the account's own e-mail: %v", err)
	}
	if _, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "not an address"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a bad e-mail: %v", err)
	}
	var ae *store.AccountExistsError
	if _, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "shared@example.org"}); !errors.As(err, &ae) || ae.UserID != shared {
		t.Errorf("the e-mail of one of the admin's users: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM invitations`) + w.count(`SELECT count(*) FROM audit_entries`) + w.count(`SELECT count(*) FROM outbox`); n != before {
		t.Fatalf("refusals wrote %d rows", n-before)
	}
	// One open replacement per account.
	sent, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), req)
	if err != nil {
		t.Fatal(err)
	}
	var oe *store.OpenReplacementError
	if _, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "other.new@example.org"}); !errors.As(err, &oe) || oe.InvitationID != sent.Invitation.ID {
		t.Errorf("a second replacement: %v", err)
	}
	if _, err := w.s.PlanReplacement(w.ctx, w.ann, w.old); !errors.As(err, &oe) {
		t.Errorf("planning a second replacement: %v", err)
	}
	// An admin who may not grant what a support-made replacement carries does not resend it.
	if _, err := w.s.RevokeInvitation(w.ctx, w.ann, sent.Invitation.ID); err != nil {
		t.Fatal(err)
	}
	sent, err = w.s.ReplaceIdentifier(w.ctx, supportOp, w.old, w.version(w.old), store.ReplaceRequest{Email: "third.new@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.s.ResendInvitation(w.ctx, w.ann, sent.Invitation.ID); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("the admin resends a replacement carrying billing.manage: %v", err)
	}
	if _, _, err := w.s.ResendInvitation(w.ctx, supportOp, sent.Invitation.ID); err != nil {
		t.Errorf("support resends it: %v", err)
	}
	var body string
	if err := w.s.DB().Get(&body, `SELECT body FROM outbox WHERE recipient = 'third.new@example.org' AND status = 'pending'`); err != nil ||
		!strings.Contains(body, "(billing.manage)") || !strings.Contains(body, "ancien compte") {
		t.Errorf("the resent e-mail (%v):\n%s", err, body)
	}
}

// An account that joined an organization the replacement does not carry, between the
// invitation and its acceptance, is kept (deleting it would cut that organization's access):
// the acceptance grants what it carries and the audit says why the old account stays.
func TestReplaceIdentifierKeepsAnAccountThatJoinedAnotherOrganization(t *testing.T) {
	w := newReplaceWorld(t)
	sent, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "julie@new.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	w.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, w.old, w.glob)
	res, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, sent.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword})
	if err != nil {
		t.Fatal(err)
	}
	if res.OldAccount != store.ReplacedKept || w.status(w.old) != "active" || w.rightsOf(res.UserID) != "acme:billing.view acme:users.manage" {
		t.Fatalf("accepted %+v; old %s; new holds %s", res, w.status(w.old), w.rightsOf(res.UserID))
	}
	var summary string
	if err := w.s.DB().Get(&summary, `SELECT summary FROM audit_entries WHERE action = 'user.replace_kept' AND target_user_id = $1`, w.old); err != nil ||
		!strings.Contains(summary, "1 organization the replacement does not carry") || strings.Contains(summary, "globex") {
		t.Errorf("kept audit %q %v", summary, err)
	}
}

// The new e-mail of an account the admin cannot see is answered as a new person's (no
// existence oracle): the admin's link grants nothing and deletes nothing; the real invitation
// goes to that account's address, and only its owner's password accepts it — then the old
// account is deleted.
func TestReplaceIdentifierWithAnotherOrganizationsAccountNeedsItsOwner(t *testing.T) {
	w := newReplaceWorld(t)
	hidden := w.user("GLOB-40006", "julie.private@example.org", "Hidden Julie", w.glob)
	const pw = "the owner's own passphrase 5521"
	w.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, hidden, w.hash(pw))

	fresh, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "nobody.yet@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.RevokeInvitation(w.ctx, w.ann, fresh.Invitation.ID); err != nil {
		t.Fatal(err)
	}
	taken, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "julie.private@example.org"})
	if err != nil {
		t.Fatalf("refused, which tells the e-mail has an account: %v", err)
	}
	if shape(t, fresh.Invitation, fresh.Link) != shape(t, taken.Invitation, taken.Link) {
		t.Fatalf("the answers differ:\n%s\n%s", shape(t, fresh.Invitation, fresh.Link), shape(t, taken.Invitation, taken.Link))
	}
	for _, leak := range []string{"GLOB-40006", "Hidden Julie", "globex"} {
		if strings.Contains(fmt.Sprintf("%+v", taken), leak) {
			t.Errorf("the answer names %q", leak)
		}
	}
	if _, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, taken.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err == nil {
		t.Fatal("the stand-in link was accepted")
	}
	real := w.mailedLink("julie.private@example.org")
	if _, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, real), store.Acceptance{Password: "not the owner's password 1234"}); err == nil {
		t.Fatal("accepted without the owner's password")
	}
	if w.status(w.old) != "active" || w.rightsOf(hidden) != "globex:" {
		t.Fatalf("a refused acceptance deleted the old account or gave rights: %s %s", w.status(w.old), w.rightsOf(hidden))
	}
	res, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, real), store.Acceptance{Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if res.UserID != hidden || res.OldAccount != store.ReplacedDeleted || w.rightsOf(hidden) != "acme:billing.view acme:users.manage globex:" {
		t.Fatalf("accepted %+v; holds %s", res, w.rightsOf(hidden))
	}
}

// Support undeletes within 30 days when the e-mail and the login code are free: the account
// comes back disabled with its memberships, audited with the reason. Each refusal says why and
// writes nothing.
func TestUndeleteUser(t *testing.T) {
	w := newReplaceWorld(t)
	if err := w.s.DeleteUser(w.ctx, supportOp, w.old, w.version(w.old), "julie.martin@old.example.org"); err != nil {
		t.Fatal(err)
	}
	gone := w.user("ACME-40007", "gone@example.org", "Gone Person", w.acme)
	if err := w.s.DeleteUser(w.ctx, supportOp, gone, w.version(gone), "gone@example.org"); err != nil {
		t.Fatal(err)
	}
	clash := w.user("ACME-40008", "clash@example.org", "Clash Person", w.acme)
	if err := w.s.DeleteUser(w.ctx, supportOp, clash, w.version(clash), "clash@example.org"); err != nil {
		t.Fatal(err)
	}
	w.user("ACME-40008", "someone.else@example.org", "Took The Code", w.acme)
	w.user("ACME-40009", "gone@example.org", "Took The Address", w.acme)
	live := w.user("ACME-40010", "live@example.org", "Live Person", w.acme)

	audits := func() int { return w.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.undelete'`) }
	refused := func(what string, op model.Operator, id int64, want string) {
		t.Helper()
		_, err := w.s.UndeleteUser(w.ctx, op, id, "called back")
		var ur *store.UndeleteRefusal
		if !errors.As(err, &ur) || ur.Reason != want || !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v, want %s", what, err, want)
		}
	}
	if _, err := w.s.UndeleteUser(w.ctx, w.ann, w.old, "called back"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("an admin: %v", err)
	}
	if _, err := w.s.UndeleteUser(w.ctx, supportOp, live, "called back"); !errors.Is(err, store.ErrNotDeleted) || !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a live account: %v", err)
	}
	if _, err := w.s.UndeleteUser(w.ctx, supportOp, w.old, "  "); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("no reason: %v", err)
	}
	refused("the e-mail taken", supportOp, gone, store.UndeleteEmailTaken)
	refused("the login code taken", supportOp, clash, store.UndeleteLoginTaken)
	if audits() != 0 {
		t.Fatal("a refusal was audited as an undelete")
	}

	w.clk.add(29 * 24 * time.Hour)
	u, err := w.s.UndeleteUser(w.ctx, supportOp, w.old, "ticket 4711: deleted by mistake")
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != model.StatusDisabled || u.HasPassword || w.rightsOf(w.old) != "acme:billing.manage acme:billing.view acme:users.manage" {
		t.Fatalf("undeleted: %+v, holds %s", u, w.rightsOf(w.old))
	}
	if n := w.count(`SELECT count(*) FROM users WHERE id = $1 AND deleted_at IS NULL`, w.old); n != 1 {
		t.Error("deleted_at kept")
	}
	var summary, opName string
	if err := w.s.DB().QueryRow(`SELECT summary, operator_name FROM audit_entries WHERE action = 'user.undelete' AND target_user_id = $1`, w.old).Scan(&summary, &opName); err != nil {
		t.Fatal(err)
	}
	if opName != "alice" || !strings.Contains(summary, "ACME-40001") || !strings.Contains(summary, "reason: ticket 4711: deleted by mistake") {
		t.Errorf("audit %s: %s", opName, summary)
	}
	if _, err := w.s.FindDeletedUser(w.ctx, supportOp, "julie.martin@old.example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the account is still found as deleted: %v", err)
	}
	// Back in, the usual way: a temporary password, then enable.
	pw, _, err := w.s.SetTemporaryPassword(w.ctx, supportOp, w.old, u.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.EnableUser(w.ctx, supportOp, w.old, w.version(w.old)); err != nil || w.status(w.old) != "active" {
		t.Fatalf("enable: %v %s", err, w.status(w.old))
	}
	if _, err := w.s.Authenticate(w.ctx, store.AuthRequest{Login: "ACME-40001", Password: pw}); err != nil {
		t.Errorf("login after undelete: %v", err)
	}

	// Past 30 days: too old.
	if err := w.s.DeleteUser(w.ctx, supportOp, live, w.version(live), "live@example.org"); err != nil {
		t.Fatal(err)
	}
	w.clk.add(30*24*time.Hour + time.Minute)
	refused("deleted 30 days and a minute ago", supportOp, live, store.UndeleteTooOld)
	if d, err := w.s.FindDeletedUser(w.ctx, supportOp, "ACME-40010"); err != nil || d.ID != live {
		t.Errorf("FindDeletedUser: %+v %v", d, err)
	}
	if _, err := w.s.FindDeletedUser(w.ctx, w.admin("gus", nil, "globex"), "ACME-40010"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an admin of globex finds acme's deleted account: %v", err)
	}
	if audits() != 1 {
		t.Errorf("%d undelete audit rows, want 1", audits())
	}
}

// The account a replacement deleted can be brought back (its e-mail and login code are free:
// the new account has others).
func TestUndeleteAReplacedAccount(t *testing.T) {
	w := newReplaceWorld(t)
	sent, err := w.s.ReplaceIdentifier(w.ctx, w.ann, w.old, w.version(w.old), store.ReplaceRequest{Email: "julie@new.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.AcceptInvitation(w.ctx, tokenOf(t, sent.Link), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.UndeleteUser(w.ctx, supportOp, w.old, "the person still uses the old address"); err != nil || w.status(w.old) != "disabled" {
		t.Fatalf("undelete: %v %s", err, w.status(w.old))
	}
}
