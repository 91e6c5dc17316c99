package ui

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"gatehouse/model"
)

// TestWholeFlowInARealProgram runs the console in a real Bubble Tea program (its renderer,
// its goroutines, real timers) and drives it as a person would: search, open a user, unlock
// them with a reason, come back, quit. The database says the user is unlocked.
func TestWholeFlowInARealProgram(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme")
	for i := 0; i < 30; i++ {
		f.user(fmt.Sprintf("FLOW-%05d", i), fmt.Sprintf("flow%d@example.org", i), fmt.Sprintf("Flow Person %02d", i), acme)
	}
	f.exec(`UPDATE users SET locked_at = $1, lock_reason = 'threshold', failed_attempts = 5 WHERE login_code = 'FLOW-00017'`, testNow.Add(-time.Hour))
	op := registered(t, st, "erin", model.RoleSupport)
	app := NewApp(context.Background(), st, op, Options{Lang: "en", DBLabel: "flow"}, asciiRenderer())
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(120, 32))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("Flow Person 00")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("person 17")})
	waitFor("1–1 of 1")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) // leave the search box
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) // open the user
	waitFor("FLOW-00017")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("u")})
	waitFor("Reason for unlocking")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("called the desk")})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	deadline := time.Now().Add(10 * time.Second)
	for {
		var locked bool
		if err := st.DB().Get(&locked, `SELECT locked_at IS NOT NULL FROM users WHERE login_code = 'FLOW-00017'`); err != nil {
			t.Fatal(err)
		}
		if !locked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the user is still locked in the database")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	var audits int
	if err := st.DB().Get(&audits, `SELECT count(*) FROM audit_entries WHERE action = 'user.unlock' AND operator_name = 'erin'`); err != nil {
		t.Fatal(err)
	}
	if audits != 1 {
		t.Fatalf("%d unlock audit rows, want 1", audits)
	}
}
