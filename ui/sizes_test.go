package ui

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model/safe"
)

// Terminal sizes (issue 8 item 8): every screen, its panes, dialogs and steps at 1×1, 20×5,
// 80×24 and 300×100, and a storm of resizes interleaved with keys: no panic, never more lines
// than the window's height nor a line wider than its width, and from 80×24 the screen's title.

// sizeCheck checks one frame against the window.
func sizeCheck(t *testing.T, h *harness, what string) {
	t.Helper()
	w, ht := h.app.c.width, h.app.c.height
	v := h.view()
	lines := strings.Split(v, "\n")
	if len(lines) > max(1, ht) {
		t.Fatalf("%s at %d×%d: %d lines:\n%s", what, w, ht, len(lines), v)
	}
	for i, l := range lines {
		if cw := safe.Width(l); cw > max(1, w) {
			t.Fatalf("%s at %d×%d: line %d is %d cells: %q", what, w, ht, i, cw, l)
		}
	}
	if w >= minWidth && ht >= minHeight && !h.app.showHelp && !h.app.dbDown {
		title := safe.Truncate(h.app.active().Title(), w)
		if len(lines) < 2 || !strings.Contains(lines[1], title) {
			t.Fatalf("%s at %d×%d: title %q not shown:\n%s", what, w, ht, title, v)
		}
	}
}

func TestEveryScreenAtFixedSizes(t *testing.T) {
	w := seedHostile(t)
	for _, size := range [][2]int{{1, 1}, {20, 5}, {80, 24}, {300, 100}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, w.st, w.op, size[0], size[1])
			hostileTour(h, w, func(stop string, _ ...string) {
				t.Helper()
				sizeCheck(t, h, stop)
			})
		})
	}
}

// stormKeys are keys that move around a screen without leaving it for good.
var stormKeys = []string{"j", "k", "down", "up", "pgdown", "pgup", "g", "G", "tab", "shift+tab", "?", "?", "1", "2", "3", "enter", "esc"}

func TestResizeStormOnEveryScreen(t *testing.T) {
	w := seedHostile(t)
	rng := rand.New(rand.NewSource(8))
	// Each entry opens one screen state from the Users screen.
	opens := map[string]func(h *harness){
		"users":       func(h *harness) {},
		"user":        func(h *harness) { h.send(navigateMsg{Screen: "user", Arg: w.victim}) },
		"password":    func(h *harness) { h.send(navigateMsg{Screen: "user", Arg: w.victim}); h.keys("p") },
		"lockouts":    func(h *harness) { h.keys(":"); h.typeText("lockouts"); h.keys("enter") },
		"invitations": func(h *harness) { h.keys(":"); h.typeText("invitations"); h.keys("enter") },
		"invite":      func(h *harness) { h.keys(":"); h.typeText("invite"); h.keys("enter", "shift+tab", "space") },
		"audit":       func(h *harness) { h.keys(":"); h.typeText("audit"); h.keys("enter") },
		"audit detail": func(h *harness) {
			h.keys(":")
			h.typeText("audit")
			h.keys("enter", "enter")
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, w.st, w.op, 100, 30)
			open(h)
			sizeCheck(t, h, name)
			for i := 0; i < 200; i++ {
				ww, hh := 1+rng.Intn(300), 1+rng.Intn(100)
				h.send(tea.WindowSizeMsg{Width: ww, Height: hh})
				sizeCheck(t, h, fmt.Sprintf("%s, resize %d", name, i))
				if i%2 == 1 {
					k := stormKeys[rng.Intn(len(stormKeys))]
					h.keys(k)
					sizeCheck(t, h, fmt.Sprintf("%s, resize %d then %q", name, i, k))
				}
			}
		})
	}
}
