package ui

import (
	"context"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
)

// The database stops while a save is in flight in the User screen: the save's command is built, the server stopped, then the command run.
// The banner shows, what the operator typed stays in the form, nothing is half-written; the
// server comes back, the console recovers by itself (its ping tick), and the save pressed
// again is applied exactly once. Runs on a private cluster (never the shared one).

type saveFaultCounts struct {
	version, audits, history, outbox, events int
}

func saveFaultCount(t *testing.T, f fixture, id int64) saveFaultCounts {
	t.Helper()
	var c saveFaultCounts
	q := func(dst *int, sql string, args ...any) {
		if err := f.st.DB().Get(dst, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(&c.version, `SELECT version FROM users WHERE id = $1`, id)
	q(&c.audits, `SELECT count(*) FROM audit_entries`)
	q(&c.history, `SELECT count(*) FROM password_history`)
	q(&c.outbox, `SELECT count(*) FROM outbox`)
	q(&c.events, `SELECT count(*) FROM auth_events`)
	return c
}

// pendingSave presses ctrl+s and returns the save's command without running it.
func pendingSave(t *testing.T, h *harness) tea.Cmd {
	t.Helper()
	_, cmd := h.app.Update(keyMsg("ctrl+s"))
	if cmd == nil {
		t.Fatalf("ctrl+s started no command:\n%s", h.view())
	}
	return cmd
}

func TestUserPasswordSaveDuringOutageKeptAndAppliedOnce(t *testing.T) {
	c, st := privateCluster(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Industries")
	id := f.user("ACME-SF001", "save.fault@example.org", "Save Fault", acme)
	op := registered(t, st, "alice", model.RoleSupport)
	h := newHarness(t, st, op, 100, 40)
	h.send(navigateMsg{Screen: "user", Arg: id})
	uv, ok := h.app.active().(*userView)
	if !ok || !uv.loaded {
		t.Fatalf("user screen not loaded:\n%s", h.view())
	}
	h.keys("p")
	h.typeText(userTestPassword)
	h.keys("tab")
	h.typeText(userTestPassword)
	h.mustShow("✓ the two passwords match")
	before := saveFaultCount(t, f, id)

	pending := pendingSave(t, h)
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.run(pending)
	h.mustShow("Database unreachable")
	if uv.pw.inputs[0].Value() != userTestPassword || uv.pw.inputs[1].Value() != userTestPassword {
		t.Fatal("the typed password was lost when the save failed")
	}
	if uv.mode() != modePassword {
		t.Fatal("the password panel closed although nothing was saved")
	}
	h.send(pingTickMsg{}) // still down
	h.mustShow("Database unreachable")

	if err := c.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := saveFaultCount(t, f, id); got != before {
		t.Fatalf("half-written during the outage: %+v, before %+v", got, before)
	}
	h.send(pingTickMsg{})
	h.mustNotShow("Database unreachable")
	if uv.pw.inputs[0].Value() != userTestPassword {
		t.Fatal("the typed password was lost on reconnect")
	}
	h.run(pendingSave(t, h))
	h.mustShow("Password set for Save Fault")
	got := saveFaultCount(t, f, id)
	if got.version != before.version+1 || got.audits != before.audits+1 || got.history != before.history+1 {
		t.Fatalf("after the retried save: %+v, before %+v (want version, audit and history +1)", got, before)
	}
	if n := saveFaultCount(t, f, id); n != got {
		t.Fatal("counts moved after the save")
	}
	var audits int
	if err := st.DB().Get(&audits, `SELECT count(*) FROM audit_entries WHERE action = 'user.password_set' AND target_user_id = $1`, id); err != nil || audits != 1 {
		t.Fatalf("%d password audit rows (%v), want 1", audits, err)
	}
}

func TestUserFormSaveDuringOutageKeptAndAppliedOnce(t *testing.T) {
	c, st := privateCluster(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Industries")
	id := f.user("ACME-SF002", "form.fault@example.org", "Form Fault", acme)
	op := registered(t, st, "alice", model.RoleSupport)
	h := newHarness(t, st, op, 100, 40)
	h.send(navigateMsg{Screen: "user", Arg: id})
	uv, ok := h.app.active().(*userView)
	if !ok || !uv.loaded {
		t.Fatalf("user screen not loaded:\n%s", h.view())
	}
	// The screen is open when the server stops: a reload shows the banner, typing still works.
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.keys("ctrl+r")
	h.mustShow("Database unreachable")
	h.keys("tab")
	h.typeText(" Jr")
	h.mustShow("Form Fault Jr")
	if err := c.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.send(pingTickMsg{})
	h.mustNotShow("Database unreachable")
	before := saveFaultCount(t, f, id)

	// Now the save is in flight when the server stops again.
	pending := pendingSave(t, h)
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.run(pending)
	h.mustShow("Database unreachable", "Form Fault Jr")
	if uv.form.name.Value() != "Form Fault Jr" {
		t.Fatalf("the typed name was lost: %q", uv.form.name.Value())
	}
	if err := c.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := saveFaultCount(t, f, id); got != before {
		t.Fatalf("half-written during the outage: %+v, before %+v", got, before)
	}
	h.send(pingTickMsg{})
	h.mustNotShow("Database unreachable")
	if uv.form.name.Value() != "Form Fault Jr" {
		t.Fatalf("the reconnect reload lost the typed name: %q", uv.form.name.Value())
	}
	h.run(pendingSave(t, h))
	h.mustShow("Saved.")
	got := saveFaultCount(t, f, id)
	if got.version != before.version+1 || got.audits != before.audits+1 || got.history != before.history {
		t.Fatalf("after the retried save: %+v, before %+v (want version and audit +1)", got, before)
	}
	var name string
	if err := st.DB().Get(&name, `SELECT name FROM users WHERE id = $1`, id); err != nil || name != "Form Fault Jr" {
		t.Fatalf("stored name %q (%v)", name, err)
	}
}
