package ui

import (
	"context"
	"strings"
	"testing"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
)

// An admin replaces Jean's identifier from his User screen: R asks the new e-mail (a bad one
// is said and asked again with what was typed), then the name, then shows what is carried and
// what is left out (the right the admin may not grant) before sending; y sends the
// replacement invitation.
func TestUserReplaceIdentifierShowsWhatIsLeftOutAndSends(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'billing.manage')`, f.id, f.acme)
	if _, err := f.st.AddOperator(context.Background(), model.Operator{Name: "test"}, store.NewOperator{Name: "adam", Role: model.RoleAdmin,
		OrgSlugs: []string{"acme"}, Rights: []string{"billing.view", "users.manage"}}); err != nil {
		t.Fatal(err)
	}
	admin, err := f.st.OperatorByName(context.Background(), "adam")
	if err != nil {
		t.Fatal(err)
	}
	h, uv := f.open(admin, 100, 40)
	before := tableSums(t, f.st)
	h.keys("R")
	h.mustShow("New e-mail address of Jean Dupont (the replacement is sent there):")
	h.typeText("jean.dupont@")
	h.keys("enter")
	if !uv.prompt.Active() || uv.prompt.input.Value() != "jean.dupont@" {
		t.Fatalf("a bad e-mail closed the question or lost what was typed:\n%s", h.view())
	}
	h.typeText("new.example.org")
	h.keys("enter")
	h.mustShow("Name on the new identifier:")
	if uv.prompt.input.Value() != "Jean Dupont" {
		t.Errorf("the name is not prefilled: %q", uv.prompt.input.Value())
	}
	h.keys("enter")
	// The question wraps at the screen's width: read it as one line.
	if q := strings.Join(strings.Fields(h.view()), " "); !strings.Contains(q, "Invite Jean Dupont <jean.dupont@new.example.org> with: Acme Industries: billing.view. "+
		"Left out: Acme Industries: billing.manage (not yours to grant). ACME-7K2Q9 is deleted when the invitation is accepted. Send? (y/n)") {
		t.Fatalf("the question:\n%s", h.view())
	}
	if ch := changedSums(before, tableSums(t, f.st)); len(ch) > 0 {
		t.Fatalf("asking changed %s", strings.Join(ch, ", "))
	}
	h.keys("y")
	h.mustShow("Replacement sent to jean.dupont@new.example.org (login code ACME-")
	if n := f.count(`SELECT count(*) FROM invitations i JOIN invitation_membership_rights r ON r.invitation_id = i.id
		WHERE i.replaces_user_id = $1 AND lower(i.email) = 'jean.dupont@new.example.org'`, f.id); n != 1 {
		t.Errorf("the replacement carries %d rights, want billing.view alone", n)
	}
	if n := f.count(`SELECT count(*) FROM outbox WHERE recipient = 'jean.dupont@new.example.org' AND kind = 'invitation'`); n != 1 {
		t.Error("the invitation e-mail was not queued")
	}
	// A second replacement while this one is open: refused with the reason.
	h.clearFlash()
	h.keys("R")
	h.typeText("jean@other.example.org")
	h.keys("enter", "enter")
	h.mustShow("A replacement of this account is already open (invitation #")
	if uv.prompt.Active() {
		t.Error("asked to send a second replacement")
	}
}

// R on an account the admin does not wholly hold says why before asking anything.
func TestUserReplaceIdentifierOnASharedAccountSaysWhy(t *testing.T) {
	f := newUserFixture(t)
	globex := f.org("globex", "Globex")
	f.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, f.id, globex)
	admin := registered(t, f.st, "adam", model.RoleAdmin, "acme")
	h, uv := f.open(admin, 100, 40)
	h.keys("R")
	if uv.prompt.Active() {
		t.Fatal("asked before saying why")
	}
	h.mustShow("This account also belongs to another organization: ask support.")
}

// Support brings back a deleted account from its User screen with U and a reason; an admin's
// U says it is support's; a refusal says why (the e-mail is someone else's now; too old).
func TestUserUndelete(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	f.exec(`UPDATE users SET status = 'deleted', deleted_at = $2::timestamptz - interval '2 days', password_hash = NULL WHERE id = $1`, f.id, testNow)

	admin := registered(t, f.st, "adam", model.RoleAdmin, "acme")
	ha, _ := f.open(admin, 100, 40)
	ha.keys("U")
	ha.mustShow("Only support operators may do this.")

	h, uv := f.open(op, 100, 40)
	h.keys("d")
	h.mustShow("This account is deleted: nothing can be changed.")
	h.clearFlash()
	taken := f.user("ACME-99999", "jean.dupont@example.org", "Other Jean", f.acme)
	h.keys("U")
	h.mustShow("Undelete Jean Dupont (it comes back disabled, without a password). Reason:")
	h.typeText("deleted by mistake, ticket 77")
	h.keys("enter")
	h.mustShow("Not undeleted: another account uses its e-mail address now.")
	f.exec(`UPDATE users SET status = 'deleted', deleted_at = $2 WHERE id = $1`, taken, testNow)
	f.exec(`UPDATE users SET deleted_at = $2::timestamptz - interval '31 days' WHERE id = $1`, f.id, testNow)
	h.keys("U")
	h.typeText("deleted by mistake, ticket 77")
	h.keys("enter")
	h.mustShow("Not undeleted: deleted on 2026-10-20, more than 30 days ago.")
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.undelete'`); n != 0 {
		t.Fatal("a refused undelete was audited")
	}
	f.exec(`UPDATE users SET deleted_at = $2::timestamptz - interval '29 days' WHERE id = $1`, f.id, testNow)
	h.keys("U")
	h.typeText("deleted by mistake, ticket 77")
	h.keys("enter")
	h.mustShow("Jean Dupont is back, disabled: set a temporary password (t), then enable it (e).", "[disabled]")
	if uv.user.Status != model.StatusDisabled {
		t.Errorf("the screen reads %s", uv.user.Status)
	}
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.undelete' AND operator_name = 'alice'
		AND summary LIKE '%reason: deleted by mistake, ticket 77'`); n != 1 {
		t.Error("the undelete is not audited with its reason")
	}
	h.clearFlash()
	h.keys("U")
	h.mustShow("This account is not deleted.")
}

// At 80×24 the User screen has no empty bottom line: the flash after a replacement (the new
// address, the new login code, the old code deleted at acceptance) takes the lines it needs
// from the page, which scrolls, and is read whole, in English and in French.
func TestUserReplaceFlashReadWholeAt80x24(t *testing.T) {
	for _, lang := range []i18n.Lang{i18n.EN, i18n.FR} {
		t.Run(string(lang), func(t *testing.T) {
			f := newUserFixture(t)
			globex := f.org("clinique-ste-therese", "Clinique Sainte-Thérèse")
			f.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, f.id, globex)
			f.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'reports.view')`, f.id, globex)
			op := registered(t, f.st, "claire", model.RoleSupport)
			app := NewApp(context.Background(), f.st, op, Options{Lang: string(lang), DBLabel: "test"}, asciiRenderer())
			h := &harness{t: t, app: app, st: f.st, hl: newHeadless(app, 80, 24)}
			h.send(navigateMsg{Screen: "user", Arg: f.id})
			lines := strings.Split(h.view(), "\n")
			if strings.TrimSpace(lines[len(lines)-3]) == "" {
				t.Fatalf("the page has an empty bottom line: the test proves nothing:\n%s", h.view())
			}
			h.keys("R")
			h.typeText("z.belanger@groupe-sante.fr")
			h.keys("enter", "enter", "y")
			var login string
			if err := f.st.DB().Get(&login, `SELECT u.login_code FROM invitations i JOIN users u ON u.id = i.user_id
				WHERE i.replaces_user_id = $1`, f.id); err != nil {
				t.Fatalf("no replacement invitation: %v\n%s", err, h.view())
			}
			sizeCheck(t, h, "after the replacement")
			want := i18n.T(lang, "user.replace.link", "z.belanger@groupe-sante.fr", login, "ACME-7K2Q9")
			lines = strings.Split(h.view(), "\n")
			if got := flat(strings.Join(lines[len(lines)-4:len(lines)-1], " ")); !strings.Contains(got, flat(want)) {
				t.Fatalf("the flash is not read whole above the footer: want %q\n%s", want, h.view())
			}
			h.mustShow(i18n.T(lang, "user.title") + " · Jean Dupont (ACME-7K2Q9)")
		})
	}
}
