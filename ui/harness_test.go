package ui

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// testNow is the fixed clock of UI tests.
var testNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// harness drives the console as a person would: key messages into Update, the commands it
// returns run (synchronously, in order), their messages fed back, and View() read.
type harness struct {
	t   *testing.T
	app *App
	st  *store.Store
	hl  *Headless
}

func newStore(t *testing.T) *store.Store { return newStoreB(t) }

func newStoreB(t testing.TB) *store.Store {
	return storetest.New(t, func(c *store.Config) { c.Now = func() time.Time { return testNow } })
}

func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

func newHarness(t *testing.T, st *store.Store, op model.Operator, w, h int) *harness {
	t.Helper()
	app := NewApp(context.Background(), st, op, Options{Lang: "en", DBLabel: "test"}, asciiRenderer())
	return &harness{t: t, app: app, st: st, hl: newHeadless(app, w, h)}
}

// send delivers one message and runs everything it causes.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	h.hl.Send(msg)
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	h.hl.run(cmd)
}

// keys types text as key presses ("enter", "esc", "space"... are named keys; anything else is runes).
func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

// typeText types each rune as a key press (as a person would), or the whole string as one
// paste-like message when paste is true.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(k string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
		"backspace": tea.KeyBackspace, "ctrl+s": tea.KeyCtrlS, "ctrl+r": tea.KeyCtrlR, "ctrl+c": tea.KeyCtrlC,
		"home": tea.KeyHome, "end": tea.KeyEnd, "left": tea.KeyLeft, "right": tea.KeyRight, "ctrl+y": tea.KeyCtrlY,
	}
	if t, ok := named[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	if k == "space" {
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func (h *harness) view() string { return h.app.View() }

func (h *harness) mustShow(subs ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range subs {
		if !strings.Contains(v, s) {
			h.t.Fatalf("screen does not show %q:\n%s", s, v)
		}
	}
}

func (h *harness) mustNotShow(subs ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range subs {
		if strings.Contains(v, s) {
			h.t.Fatalf("screen shows %q but should not:\n%s", s, v)
		}
	}
}

// fixture inserts organizations and users directly (fast, deterministic).
type fixture struct {
	t  *testing.T
	st *store.Store
}

func (f fixture) org(slug, name string) int64 { return storetest.Org(f.t, f.st, slug, name) }

// user inserts an active user in the given organizations, created at a distinct time.
func (f fixture) user(login, email, name string, orgs ...int64) int64 {
	created := testNow.Add(-time.Duration(len(login)+len(email)) * time.Hour)
	return storetest.User(f.t, f.st, login, email, name, created, orgs...)
}

func (f fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.st.DB().Exec(q, args...); err != nil {
		f.t.Fatal(err)
	}
}

var support = model.Operator{ID: 0, Name: "alice", Role: model.RoleSupport}

// registered returns an operator stored in the database (audit rows need nothing more).
func registered(t *testing.T, st *store.Store, name string, role model.Role, orgSlugs ...string) model.Operator {
	t.Helper()
	if _, err := st.AddOperator(context.Background(), model.Operator{Name: "test"}, store.NewOperator{Name: name, Role: role, OrgSlugs: orgSlugs}); err != nil {
		t.Fatal(err)
	}
	op, err := st.OperatorByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return op
}
