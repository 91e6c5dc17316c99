package ui

import (
	"context"
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
