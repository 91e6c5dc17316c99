package store_test

import (
	"errors"
	"strings"
	"testing"

	"gatehouse/model"
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
