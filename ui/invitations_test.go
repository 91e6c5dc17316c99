package ui

import (
	"context"
	"strings"
	"testing"

	"gatehouse/store"
)

// The Invitations screen's search finds the person as the caller spells them, as the Users
// search does: no accents, any case, the words in any order, a word begun.
func TestInvitationsSearchAsTheCallerSpellsIt(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	for _, p := range [][2]string{
		{"Amélie Rousseau", "a.rousseau@example.fr"},
		{"Élodie Côté", "ecote@example.fr"},
		{"Élodie Lefèvre", "elefevre@example.fr"},
		{"Zoé Roy", "zoe@example.fr"},
	} {
		if _, _, err := st.CreateInvitation(context.Background(), support, store.NewInvitation{OrgID: acme, Name: p[0], Email: p[1], Rights: []string{"billing.view"}}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, st, support, 120, 24)
	h.keys(":")
	h.typeText("invitations")
	h.keys("enter")
	if _, ok := h.app.active().(*invitationsScreen); !ok {
		t.Fatalf(":invitations opened %T", h.app.active())
	}
	h.mustShow("Amélie Rousseau", "Élodie Côté", "Élodie Lefèvre", "Zoé Roy")

	h.keys("/")
	h.typeText("amelie")
	h.mustShow("Amélie Rousseau <a.ro")
	h.mustNotShow("Élodie", "Zoé Roy")
	h.keys("esc")
	h.mustShow("Zoé Roy", "Élodie Côté")

	h.keys("/")
	h.typeText("rousseau AMELIE")
	h.mustShow("Amélie Rousseau")
	h.mustNotShow("Élodie", "Zoé Roy")
	h.keys("esc")

	h.keys("/")
	h.typeText("elodie")
	h.mustShow("Élodie Côté", "Élodie Lefèvre")
	h.mustNotShow("Amélie Rousseau", "Zoé Roy")
	h.typeText(" lef")
	h.mustShow("Élodie Lefèvre")
	h.mustNotShow("Élodie Côté")
	h.keys("enter") // the search stays in force, the list has the keys again
	h.mustShow("Élodie Lefèvre")
	h.mustNotShow("Élodie Côté", "Amélie Rousseau")
}

// The invitation wizard's organization picker lists the organizations in the order people
// expect: "Élan" between "Eagle" and "Zoé", not after them as their bytes would.
func TestInviteWizardOrganizationsInNameOrder(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("zoe", "Zoé")
	f.org("elan", "Élan")
	f.org("eagle", "Eagle")
	f.org("cadre", "cadre bleu")
	h := newHarness(t, st, support, 100, 30)
	h.keys("i")
	if _, ok := h.app.active().(*inviteScreen); !ok {
		t.Fatalf("i from Users opened %T", h.app.active())
	}
	view := h.view()
	order := []string{"cadre bleu (cadre)", "Eagle (eagle)", "Élan (elan)", "Zoé (zoe)"}
	last := -1
	for _, o := range order {
		i := strings.Index(view, o)
		if i < 0 || i < last {
			t.Fatalf("the picker does not list %q in order %q:\n%s", o, order, view)
		}
		last = i
	}
}
