package ui

import (
	"fmt"
	"strings"
	"testing"

	"gatehouse/model/i18n"
)

// The ":" command line's help lists every name it accepts, in the operator's language, with
// the argument each takes, written from the command table (a screen registered later is
// listed too), readable whole at 80×24: broken between commands, never inside one.
func TestCommandLineHelpListsEveryCommand(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	for _, c := range []struct {
		lang  i18n.Lang
		shows []string
	}{
		{i18n.EN, []string{"go to screen (", "audit", "invitations", "invite", "lockouts", "outbox", "users", "user LOGIN|EMAIL|ID", "org SLUG", "quit):"}},
		{i18n.FR, []string{"aller à l'écran (", "journal", "invitations", "inviter", "verrouillages", "courriels", "utilisateurs",
			"utilisateur CODE-D'USAGER|COURRIEL|ID", "établissement CODE", "quitter)\u00a0:"}},
	} {
		for _, size := range [][2]int{{80, 24}, {200, 60}} {
			h := newHarness(t, st, support, size[0], size[1])
			if c.lang == i18n.FR {
				h = newHarnessFR(t, st, support, size[0], size[1])
			}
			h.keys(":")
			h.mustShow(c.shows...)
			// Every screen the table holds, by its name in the session's language.
			for name := range screens {
				h.mustShow(screenName(c.lang, name))
			}
			for _, l := range strings.Split(h.view(), "\n") {
				if w := len([]rune(l)); w > size[0] {
					t.Fatalf("%s %dx%d: a line of %d cells: %q", c.lang, size[0], size[1], w, l)
				}
			}
			h.keys("esc")
			h.mustNotShow(c.shows[0])
		}
	}
}

// What the help lists, the command line opens: each screen by its name in either language,
// :user by login code, :org and an unknown name (which lists the commands again).
func TestCommandLineOpensWhatItsHelpLists(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	h := newHarnessFR(t, st, support, 120, 30)
	for typed, want := range map[string]string{"courriels": "*ui.outboxScreen", "outbox": "*ui.outboxScreen", "journal": "*ui.auditScreen",
		"verrouillages": "*ui.lockoutsScreen", "invitations": "*ui.invitationsScreen", "utilisateur acme-7k2q9": "*ui.userView"} {
		h.keys(":")
		h.typeText(typed)
		h.keys("enter")
		if got := typeName(h.app.active()); got != want {
			t.Fatalf(":%s opened %s, want %s", typed, got, want)
		}
		h.keys(":")
		h.typeText("accueil")
		h.keys("enter")
		if _, ok := h.app.active().(*usersScreen); ok {
			t.Fatalf(":accueil is not a command, yet opened Users")
		}
		h.mustShow("Écran inconnu \"accueil\". Essayez\u00a0: courriels, ")
		h.keys(":")
		h.typeText("home")
		h.keys("enter")
		if _, ok := h.app.active().(*usersScreen); !ok || len(h.app.stack) != 1 {
			t.Fatalf(":home left %T (%d screens)", h.app.active(), len(h.app.stack))
		}
	}
	h.keys(":")
	h.typeText("établissement acme")
	h.keys("enter")
	h.mustShow("Périmètre\u00a0: acme.")
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
