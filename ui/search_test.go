package ui

import (
	"testing"
)

// TestFindTheCallerAsTheySpellIt: a help-desk agent types what they hear — no accents, the
// words in any order, a word begun — and sees the accented user, in the order people
// expect; then opens a user by the login code the caller reads out (the console never
// shows the internal id).
func TestFindTheCallerAsTheySpellIt(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.user("ACME-AMR42", "a.rousseau@example.fr", "Amélie Rousseau", acme)
	f.user("ACME-ELC01", "ecote@example.fr", "Élodie Côté", acme)
	f.user("ACME-ELL02", "elefevre@example.fr", "Élodie Lefèvre", acme)
	f.user("ACME-ZOE03", "zoe@example.fr", "Zoé Roy", acme)
	f.user("ACME-CON04", "csilva@example.pt", "Conceição Silva", acme)
	f.user("ACME-CED05", "cfaure@example.fr", "Cédric Faure", acme)
	h := newHarness(t, st, support, 100, 24)

	// Names as a phone book has them: Cédric before Conceição, Élodie before Zoé.
	var names []string
	for _, u := range h.app.active().(*usersScreen).list.Rows() {
		names = append(names, u.Name)
	}
	want := []string{"Amélie Rousseau", "Cédric Faure", "Conceição Silva", "Élodie Côté", "Élodie Lefèvre", "Zoé Roy"}
	if len(names) != len(want) {
		t.Fatalf("rows %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("rows %q, want %q", names, want)
		}
	}

	h.keys("/")
	h.typeText("rousseau amelie")
	h.mustShow("Amélie Rousseau", "ACME-AMR42")
	h.mustNotShow("Élodie", "Zoé Roy")
	h.keys("esc")

	h.keys("/")
	h.typeText("elodie")
	h.mustShow("Élodie Côté", "Élodie Lefèvre")
	h.mustNotShow("Amélie Rousseau", "Zoé Roy")
	h.typeText(" lef")
	h.mustShow("Élodie Lefèvre")
	h.mustNotShow("Élodie Côté")
	h.keys("esc")

	// :user with the login code the caller reads out (any case), then with an e-mail.
	h.keys(":")
	h.typeText("user acme-amr42")
	h.keys("enter")
	u, ok := h.app.active().(*userView)
	if !ok || !u.loaded || u.user.Login != "ACME-AMR42" {
		t.Fatalf(":user acme-amr42 opened %T (%+v)", h.app.active(), u)
	}
	h.mustShow("Amélie Rousseau", "a.rousseau@example.fr")
	h.keys("esc")
	h.keys(":")
	h.typeText("user zoe@example.fr")
	h.keys("enter")
	if u, ok := h.app.active().(*userView); !ok || u.user.Login != "ACME-ZOE03" {
		t.Fatalf(":user zoe@example.fr opened %T", h.app.active())
	}
	h.keys("esc")

	// Nobody by that identifier: said so, and the console stays where it was.
	h.keys(":")
	h.typeText("user ACME-NOPE")
	h.keys("enter")
	h.mustShow(`No user in your scope has the login code, e-mail or id "ACME-NOPE".`)
	if _, ok := h.app.active().(*usersScreen); !ok {
		t.Fatalf(":user ACME-NOPE left Users for %T", h.app.active())
	}
}
