package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
	"gatehouse/store/smtptest"
)

// The password rules speak to the account's owner when they choose their password (a reset
// link, the portal) and about the user when an operator chooses it: "contient : son nom", not
// "votre nom", to the operator who typed someone else's name.
func TestPasswordRulesSpeakOfTheUserToAnOperator(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme Industries")
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	alice := model.Operator{Name: "alice", Role: model.RoleSupport}
	pw := "JeanDupont-" + goodPassword

	// The operator's refusal.
	u := a.get(alice, id)
	_, err := a.s.SetPassword(a.ctx, alice, id, u.Version, pw, pw, true)
	var pe *model.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("a password holding the user's name: %v", err)
	}
	fr, en := pe.ErrorFR(), pe.Error()
	if !strings.Contains(fr, "son nom") || strings.Contains(fr, "votre") {
		t.Errorf("to the operator, in French: %q", fr)
	}
	if !strings.Contains(en, "their name") || strings.Contains(en, "your") {
		t.Errorf("to the operator, in English: %q", en)
	}
	// The live check of the console's password panel reads the same rules.
	p, pc, err := a.s.PasswordRules(a.ctx, alice, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Check(pw, pc) {
		if r.Rule == model.RuleContext && (!strings.Contains(r.MessageFR, "le nom de l'utilisateur") || strings.Contains(r.MessageFR, "votre")) {
			t.Errorf("the panel's rule: %q", r.MessageFR)
		}
	}

	// The owner's refusal (a reset link).
	tok := a.resetToken(id)
	_, err = a.s.RedeemResetToken(a.ctx, tok, pw, pw)
	if !errors.As(err, &pe) {
		t.Fatalf("the owner's password holding their name: %v", err)
	}
	if fr := pe.ErrorFR(); !strings.Contains(fr, "votre nom") || strings.Contains(fr, "son nom") {
		t.Errorf("to the owner, in French: %q", fr)
	}
	// The confirmation, refused, says what it requires.
	_, err = a.s.RedeemResetToken(a.ctx, tok, goodPassword, goodPassword+"x")
	if !errors.As(err, &pe) || !strings.Contains(pe.ErrorFR(), "les deux mots de passe doivent être identiques") {
		t.Errorf("a confirmation that differs: %v", err)
	}
}

// An operator's action writes its audit row with a structured part beside the English
// summary; the row reads in the reader's language, the chain covers the structured part, and
// a row without one (written before) still verifies and shows its summary.
func TestAuditRowsReadInTheReadersLanguage(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme Industries")
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	a.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, id, a.clock())
	alice := model.Operator{Name: "alice", Role: model.RoleSupport}
	// A row from before: no structured part.
	a.exec(`INSERT INTO audit_entries (operator_name, action, target_user_id, summary) VALUES ('bob', 'user.unlock', $1, 'unlocked ACME-7K2Q9 (was locked: true, failures: 1); reason: old')`, id)
	if _, err := a.s.UnlockUsers(a.ctx, alice, []int64{id}, "appel du 12", false); err != nil {
		t.Fatal(err)
	}
	u := a.get(alice, id)
	if _, err := a.s.DisableUser(a.ctx, alice, id, u.Version); err != nil {
		t.Fatal(err)
	}
	inv, _, err := a.s.CreateInvitation(a.ctx, alice, store.NewInvitation{OrgID: acme, Name: "Amélie Rousseau", Email: "amelie@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.s.RevokeInvitation(a.ctx, alice, inv.ID); err != nil {
		t.Fatal(err)
	}

	rows, err := a.s.ListAudit(a.ctx, alice, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]model.AuditEntry{}
	for _, e := range rows {
		got[e.Action] = append(got[e.Action], e)
	}
	want := map[string]string{
		"user.disable":      "ACME-7K2Q9 désactivé (0 session fermée)",
		"invitation.create": "invitation d'amelie@example.org (nouvelle personne ",
		"invitation.revoke": "révoquée",
	}
	for action, text := range want {
		if len(got[action]) != 1 || !strings.Contains(got[action][0].SummaryIn(i18n.FR), text) {
			t.Errorf("%s in French: %+v", action, got[action])
		}
	}
	unlocks := got["user.unlock"]
	if len(unlocks) != 2 || unlocks[0].Detail == nil || unlocks[1].Detail != nil {
		t.Fatalf("unlock rows: %+v", unlocks)
	}
	if fr := unlocks[0].SummaryIn(i18n.FR); fr != "ACME-7K2Q9 déverrouillé (était verrouillé\u00a0: oui, échecs\u00a0: 5)\u00a0; motif\u00a0: appel du 12" {
		t.Errorf("the unlock in French: %q", fr)
	}
	if unlocks[0].Summary != "unlocked ACME-7K2Q9 (was locked: yes, failures: 5); reason: appel du 12" {
		t.Errorf("the English record: %q", unlocks[0].Summary)
	}
	if old := unlocks[1].SummaryIn(i18n.FR); old != unlocks[1].Summary {
		t.Errorf("a row without its structured part: %q", old)
	}

	// The chain holds, the row from before hashing as it did before the structured part.
	if n, brk, err := a.s.VerifyAudit(a.ctx); err != nil || brk != nil || n != int64(len(rows)) {
		t.Fatalf("verify: %d of %d rows, break %+v, %v", n, len(rows), brk, err)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE detail IS NULL AND hash = audit_row_hash(prev_hash, id, at,
		operator_id, operator_name, action, target_user_id, target_org_id, summary)`); n != 1 {
		t.Errorf("%d rows without a structured part hash as before, want 1", n)
	}
	// An edited structured part (what a French reader reads) breaks the chain there.
	tx := a.s.DB().MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE audit_entries SET detail = jsonb_set(detail, '{reason}', '"rien"') WHERE id = $1`, unlocks[0].ID)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, brk, err := a.s.VerifyAudit(a.ctx); err != nil || brk == nil || brk.ID != unlocks[0].ID || brk.Reason != "edited" {
		t.Fatalf("an edited structured part: %+v %v", brk, err)
	}
}

// The rights an invitation e-mail lists are named in the recipient's language, and the
// console's catalog carries both languages.
func TestRightsNamedInTheRecipientsLanguage(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme Industries")
	alice := model.Operator{Name: "alice", Role: model.RoleSupport}
	for _, c := range []struct{ lang, email, want, not string }{
		{"fr", "amelie@example.org", "Vos droits\u00a0: Consulter la facturation (billing.view), Gérer les réservations (bookings.manage)", "View billing"},
		{"en", "anna@example.org", "Your rights: View billing (billing.view), Manage bookings (bookings.manage)", "Consulter"},
	} {
		if _, _, err := a.s.CreateInvitation(a.ctx, alice, store.NewInvitation{OrgID: acme, Name: "Invitée", Email: c.email,
			Rights: []string{"billing.view", "bookings.manage"}, Lang: c.lang}); err != nil {
			t.Fatal(err)
		}
		var body string
		if err := a.s.DB().Get(&body, `SELECT body FROM outbox WHERE kind = 'invitation' AND recipient = $1`, c.email); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("the %s invitation lists its rights so:\n%s", c.lang, body)
		}
	}

	rights, err := a.s.ListRights(a.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rights {
		if r.LabelFR == "" || r.DescriptionFR == "" || r.LabelIn(i18n.FR) == r.LabelIn(i18n.EN) {
			t.Errorf("a default right without its French texts: %+v", r)
		}
	}
	// Set in French, then emptied: the English text is shown again.
	fr := "Voir les factures"
	if err := a.s.SetRightText(a.ctx, alice, "billing.view", i18n.FR, store.RightText{Label: &fr}); err != nil {
		t.Fatal(err)
	}
	empty := ""
	if err := a.s.SetRightText(a.ctx, alice, "reports.view", i18n.FR, store.RightText{Label: &empty, Description: &empty}); err != nil {
		t.Fatal(err)
	}
	admin := model.Operator{Name: "adm", Role: model.RoleAdmin, OrgIDs: []int64{acme}}
	if err := a.s.SetRightText(a.ctx, admin, "billing.view", i18n.FR, store.RightText{Label: &fr}); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("an admin edits the catalog: %v", err)
	}
	rights, _ = a.s.ListRights(a.ctx)
	for _, r := range rights {
		switch r.Code {
		case "billing.view":
			if r.LabelIn(i18n.FR) != fr || r.LabelIn(i18n.EN) != "View billing" {
				t.Errorf("billing.view: %+v", r)
			}
		case "reports.view":
			if r.LabelIn(i18n.FR) != "View reports" || r.DescriptionIn(i18n.FR) != r.Description {
				t.Errorf("reports.view without French: %+v", r)
			}
		}
	}
}

// The dates of an e-mail are written for its recipient: in their language and in the time
// zone of the organization it is about (Europe/Paris for French and UTC for English when the
// organization has none), as the SMTP server receives them.
func TestMailDatesInTheRecipientsLanguageAndZone(t *testing.T) {
	a := newAcct(t) // the clock: 2026-11-20 09:30 UTC
	acme := a.org("acme", "Acme Industries")
	quebec := a.org("quebec", "Québec Inc.")
	fr := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	en := a.user("ACME-3HF8M", "anna@example.org", "Anna Kowalska", acme)
	a.exec(`UPDATE users SET lang = 'en' WHERE id = $1`, en)
	qc := a.user("QC-00001", "eloise@example.ca", "Éloïse Tremblay", quebec)
	alice := model.Operator{Name: "alice", Role: model.RoleSupport}
	if err := a.s.SetOrganizationTimeZone(a.ctx, alice, "quebec", "America/Montreal"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Europe/Nowhere", "Local", "../etc"} {
		if err := a.s.SetOrganizationTimeZone(a.ctx, alice, "quebec", bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("time zone %q: %v", bad, err)
		}
	}
	if err := a.s.SetOrganizationTimeZone(a.ctx, model.Operator{ID: 7, Name: "adm", Role: model.RoleAdmin, OrgIDs: []int64{quebec}}, "quebec", "UTC"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("an admin sets the zone: %v", err)
	}
	for _, id := range []int64{fr, en, qc} {
		if err := a.s.SendResetLink(a.ctx, alice, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := a.s.CreateInvitation(a.ctx, alice, store.NewInvitation{OrgID: quebec, Name: "Marc Gagnon", Email: "marc@example.ca",
		Rights: []string{"billing.view"}, Lang: "fr", TTL: 7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}

	sink := smtptest.Start(t, smtptest.Options{})
	cfg := store.MailerConfig{SMTPURL: sink.URL(), From: "portal@example.com", Hostname: "test", Timeout: 5 * time.Second}
	if rep, err := a.s.DeliverDue(a.ctx, cfg); err != nil || rep.Sent != 4 {
		t.Fatalf("delivery: %+v %v", rep, err)
	}
	got := map[string]string{}
	for _, m := range sink.Messages() {
		got[m.To] = m.Body
	}
	for to, want := range map[string]string{
		"jean.dupont@example.org": "pour votre compte (ACME-7K2Q9) le 20 novembre 2026 à 10:30 (heure de Paris).",
		"anna@example.org":        "for your account (ACME-3HF8M) on November 20, 2026 at 09:30 (UTC).",
		"eloise@example.ca":       "le 20 novembre 2026 à 04:30 (heure de Montréal).",
		"marc@example.ca":         "valable jusqu'au 27 novembre 2026 à 04:30 (heure de Montréal)\u00a0:",
	} {
		if !strings.Contains(got[to], want) || strings.Contains(got[to], " UTC.") {
			t.Errorf("to %s, want %q in:\n%s", to, want, got[to])
		}
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'org.time_zone'`); n != 1 {
		t.Errorf("%d org.time_zone audit rows, want 1", n)
	}
}
