package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
)

// newHarnessFR is a console in French.
func newHarnessFR(t *testing.T, st *store.Store, op model.Operator, w, h int) *harness {
	t.Helper()
	app := NewApp(context.Background(), st, op, Options{Lang: "fr", DBLabel: "test"}, asciiRenderer())
	return &harness{t: t, app: app, st: st, hl: newHeadless(app, w, h)}
}

// openFR opens the fixture's user screen in a French console.
func (f userFixture) openFR(op model.Operator, w, h int) *harness {
	f.t.Helper()
	hs := newHarnessFR(f.t, f.st, op, w, h)
	hs.send(navigateMsg{Screen: "user", Arg: f.id})
	if uv, ok := hs.app.active().(*userView); !ok || !uv.loaded {
		f.t.Fatalf("user screen not loaded:\n%s", hs.view())
	}
	return hs
}

// The User screen's authentication events read as words in the session's language, never as
// the stored codes.
func TestUserScreenEventsInWords(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES
		($2, $1, 'ACME-7K2Q9', 'login_failure', 'bad_password', '198.51.100.4'),
		($3, $1, 'ACME-7K2Q9', 'login_success', NULL, '198.51.100.4')`,
		f.id, testNow.Add(-30*time.Minute), testNow.Add(-20*time.Minute))
	op := registered(t, f.st, "alice", model.RoleSupport)

	fr := f.openFR(op, 120, 40)
	fr.mustShow("Événements d'authentification récents", "échec", "mauvais mot de passe", "connexion")
	fr.mustNotShow("login_failure", "bad_password", "login_success")

	en, _ := f.open(op, 120, 40)
	en.mustShow("failed login", "wrong password", "login ")
	en.mustNotShow("login_failure", "bad_password", "login_success")
}

// The Audit screen in French: the columns say who acted and whom the row is about, actions
// and summaries are French (rendered from each row's structured part), a row without one
// shows its English summary, and ":journal" opens it.
func TestAuditScreenInFrench(t *testing.T) {
	st, sue, ids := auditWorld(t, 2)
	fixture{t, st}.exec(`INSERT INTO audit_entries (operator_name, action, target_user_id, summary) VALUES
		('bob', 'user.unlock', $1, 'unlocked GLBX-55555 (was locked: true, failures: 3); reason: before')`, ids["GLBX-55555"])
	h := newHarnessFR(t, st, sue, 160, 30)
	h.keys(":")
	h.typeText("journal")
	h.keys("enter")
	if _, ok := h.app.active().(*auditScreen); !ok {
		t.Fatalf("`:journal` opened %T:\n%s", h.app.active(), h.view())
	}
	h.mustShow("Opérateur", "Concerne", "déverrouillage", "ACME-7K2Q9 déverrouillé (était verrouillé\u00a0: non, échecs\u00a0: 0)\u00a0; motif\u00a0: ticket 000",
		"page 1 · 4 entrées", "unlocked GLBX-55555 (was locked: true, failures: 3); reason: before")
	h.mustNotShow("Qui ", "sue              user.unlock")
	// The detail names the action in French beside its code.
	h.keys("j", "enter")
	h.mustShow("déverrouillage (user.unlock)", "ACME-3HF8M déverrouillé")
}

// The rights are named in the session's language on the User screen.
func TestUserScreenRightsInFrench(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	fr := f.openFR(op, 120, 40)
	fr.mustShow("billing.view      Consulter la facturation", "Gérer les réservations")
	fr.mustNotShow("View billing", "Manage bookings")
	en, _ := f.open(op, 120, 40)
	en.mustShow("billing.view      View billing")
}

// The invite wizard in French: its steps, the rights with their French labels and
// descriptions, the review.
func TestInviteWizardInFrench(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	h := newHarnessFR(t, st, support, 100, 30)
	h.keys("i")
	h.mustShow("Personne et établissement", "Établissement")
	h.typeText("Marie Dupont")
	h.keys("tab")
	h.typeText("marie@example.org")
	h.keys("tab", "enter")
	h.mustShow("Droits d'accès dans", "Gérer la facturation", "Payer les factures", "Consulter la facturation", "Voir les factures")
	h.mustNotShow("Manage billing", "View billing")
	h.keys("space", "space")
	h.keys("enter")
	h.mustShow("Vérifier et envoyer", "Personne invitée", "Gérer la facturation (billing.manage)")
}

// Labels are laid out for the session's language: at 120 columns no French label of the User
// screen or of its password panel is cut ("Code d'usag…", "Confirmez le mot de p…").
func TestFrenchLabelsAreNotCut(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h := f.openFR(op, 120, 40)
	h.mustShow("Code d'usager ", "Dernière connexion ", "Mot de passe ", "Verrouillé ", "Échecs\u00a0: 0")
	h.mustNotShow("…  ")
	h.keys("p")
	h.mustShow("Nouveau mot de passe pour Jean Dupont", "Confirmez le mot de passe ", "Changement obligatoire à la prochaine connexion (recommandé)",
		"tab\u00a0: champ suivant", "échap\u00a0: annuler")
	h.mustNotShow("Confirmez le mot de p…")
	// The labels' column holds the longest label and a space before the field.
	for _, line := range strings.Split(h.view(), "\n") {
		if strings.Contains(line, "Nouveau mot de passe  ") && !strings.Contains(line, "Nouveau mot de passe      ") {
			t.Errorf("the new password's label is not padded to the confirmation's: %q", line)
		}
	}
}

// The header, the footer's keys and the command line in French.
func TestFrenchFrameAndCommandLine(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	admin := registered(t, st, "ana", model.RoleAdmin, "acme")
	h := newHarnessFR(t, st, admin, 120, 30)
	h.mustShow("périmètre\u00a0: 1 établissement", "base\u00a0: test", "? aide", "q quitter")
	h.mustNotShow("org(s)", "scope:")
	h.keys(":")
	h.mustShow("aller à l'écran (", "verrouillages", "utilisateurs", "journal", "établissement CODE", "quitter)\u00a0:")
	h.typeText("verrouillages")
	h.keys("enter")
	if _, ok := h.app.active().(*lockoutsScreen); !ok {
		t.Fatalf("`:verrouillages` opened %T", h.app.active())
	}
	h.keys(":")
	h.typeText("Etablissement acme")
	h.keys("enter")
	h.mustShow("Périmètre\u00a0: acme.")
	h.keys(":")
	h.typeText("nulle-part")
	h.keys("enter")
	h.mustShow("Écran inconnu \"nulle-part\". Essayez\u00a0: ", "verrouillages")
	h.keys("?")
	h.mustShow("Touches", "échap     retour", "échap/? fermer")
	h.mustNotShow(" esc ", " enter ")
}
