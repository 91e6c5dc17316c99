package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// tabs is a row of pane titles with one active: tab and shift+tab step through them, a tab's
// number goes straight to it. The screen lists the bindings in its actions table (so help and
// dispatch come from one place), calls Next, Prev or Select from their handlers and shows the
// pane of Active. A pane opened on top of the tabs (a drill-down) leaves the active tab
// marked, as where going back leads.
type tabs struct {
	c      *common
	keys   tabKeys
	titles []string
	active int
}

// tabKeys are the bindings of a tabs row: Jump[i] selects tab i.
type tabKeys struct {
	Next, Prev key.Binding
	Jump       []key.Binding
}

// newTabs builds a row of tabs; names are what help calls each tab (and its first title).
func newTabs(c *common, names ...string) *tabs {
	t := &tabs{c: c, titles: append([]string(nil), names...), keys: tabKeys{
		Next: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", c.t("key.tabs.next"))),
		Prev: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", c.t("key.tabs.prev"))),
	}}
	for i, name := range names {
		n := strconv.Itoa(i + 1)
		t.keys.Jump = append(t.keys.Jump, key.NewBinding(key.WithKeys(n), key.WithHelp(n, name)))
	}
	return t
}

// Active is the index of the active tab.
func (t *tabs) Active() int { return t.active }

// Select makes tab i active (an index out of range is ignored).
func (t *tabs) Select(i int) {
	if i >= 0 && i < len(t.titles) {
		t.active = i
	}
}

// Next and Prev step to the following or preceding tab, round the row.
func (t *tabs) Next() { t.active = (t.active + 1) % len(t.titles) }

func (t *tabs) Prev() { t.active = (t.active + len(t.titles) - 1) % len(t.titles) }

// SetTitle changes what tab i shows (a count that changed).
func (t *tabs) SetTitle(i int, title string) {
	if i >= 0 && i < len(t.titles) {
		t.titles[i] = title
	}
}

// View draws the row: each tab's number and title, the active one bracketed.
func (t *tabs) View() string {
	st := t.c.styles
	parts := make([]string, len(t.titles))
	for i, title := range t.titles {
		label := strconv.Itoa(i+1) + " " + title
		if i == t.active {
			parts[i] = st.Section.Render("[" + label + "]")
		} else {
			parts[i] = st.Dim.Render(" " + label + " ")
		}
	}
	return strings.Join(parts, " ")
}
