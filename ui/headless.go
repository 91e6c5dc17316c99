package ui

import (
	"context"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"gatehouse/model"
	"gatehouse/store"
)

// Headless runs the console without a terminal: messages go into Update, the commands they
// return run synchronously, View renders a frame. The benchmarks use it to measure the
// console's memory and per-keystroke cost exactly as a session would run it.
type Headless struct {
	app *App
}

// NewHeadless builds a console of w×h cells for the operator.
func NewHeadless(ctx context.Context, st *store.Store, op model.Operator, w, h int) *Headless {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	return newHeadless(NewApp(ctx, st, op, Options{Lang: "en", DBLabel: "headless"}, r), w, h)
}

func newHeadless(app *App, w, h int) *Headless {
	// Short timers (the search debounce) fire at once; long ones (flash expiry, reconnect
	// polling) never do: nothing waits on a clock.
	app.c.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		if d > time.Second {
			return nil
		}
		return func() tea.Msg { return fn(app.c.now()) }
	}
	hl := &Headless{app: app}
	hl.Send(tea.WindowSizeMsg{Width: w, Height: h})
	hl.run(app.Init())
	return hl
}

// Send delivers a message (a key: tea.KeyMsg{Type: tea.KeyPgDown}) and runs what it causes.
// Timers (debounce, flash expiry) are not waited for.
func (h *Headless) Send(msg tea.Msg) {
	_, cmd := h.app.Update(msg)
	h.run(cmd)
}

// View renders the current frame.
func (h *Headless) View() string { return h.app.View() }

// RowsShown is how many users the Users screen shows now (0 on other screens).
func (h *Headless) RowsShown() int {
	if u, ok := h.app.active().(*usersScreen); ok {
		return len(u.list.Rows())
	}
	return 0
}

func (h *Headless) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case nil, spinner.TickMsg, tea.QuitMsg:
		case tea.BatchMsg:
			queue = append(queue, m...)
		default:
			_, next := h.app.Update(m)
			queue = append(queue, next)
		}
	}
}
