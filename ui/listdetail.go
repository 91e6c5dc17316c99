package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// listDetail is a list pane whose row under the cursor can be shown in full: the open action
// (enter) shows it, esc or the open key again go back to the list, and ↑/↓ move to the
// previous or next row meanwhile (the pane pages as it does in the list). The detail closes
// by itself when the rows are gone. The screen gives the list's actions (the open action
// among them) and the detail's own; it draws the list and the row in full.
type listDetail[T any] struct {
	c       *common
	list    *listPane[T]
	shown   bool
	open    *action  // shows the row under the cursor in full (the screen puts it in its table)
	actions *actions // the list's keys
	detail  *actions // the keys of one row shown in full
}

// newListDetail wraps a pane; open is the key that shows a row in full, noRow why it cannot
// now.
func newListDetail[T any](c *common, list *listPane[T], open key.Binding, noRow func() string) *listDetail[T] {
	d := &listDetail[T]{c: c, list: list}
	d.open = &action{binding: open, group: 1, unavailable: noRow, run: func() tea.Cmd {
		d.shown = true
		return nil
	}}
	return d
}

// setActions takes the list's table (which holds the open action where help lists it) and
// the detail's actions after its own (back, and the open key, which goes back too).
func (d *listDetail[T]) setActions(list []*action, detail ...*action) {
	d.actions = newActions(d.c, list...)
	back := func() tea.Cmd {
		d.shown = false
		return nil
	}
	own := []*action{{binding: d.c.keys.Back, run: back}, {binding: d.open.binding, run: back}}
	d.detail = newActions(d.c, append(own, detail...)...)
}

// Shown reports whether a row is shown in full.
func (d *listDetail[T]) Shown() bool {
	_, ok := d.list.Current()
	return d.shown && ok
}

// Update takes the pane's pages: the detail closes when no row is left.
func (d *listDetail[T]) Update(msg listPageMsg[T]) tea.Cmd {
	cmd := d.list.Update(msg)
	if len(d.list.Rows()) == 0 {
		d.shown = false
	}
	return cmd
}

// HandleKey: a row shown in full takes ↑/↓ (the previous or next row) and its table's keys;
// the list, the pane's keys and then its table's.
func (d *listDetail[T]) HandleKey(msg tea.KeyMsg) tea.Cmd {
	if d.shown {
		if k := d.c.keys; key.Matches(msg, k.Up, k.Down) {
			cmd, _ := d.list.HandleKey(msg)
			return cmd
		}
		cmd, _ := d.detail.dispatch(msg)
		return cmd
	}
	if cmd, ok := d.list.HandleKey(msg); ok {
		return cmd
	}
	cmd, _ := d.actions.dispatch(msg)
	return cmd
}

// DetailShortHelp is the footer of a row shown in full: back, ↑/↓, then the given actions
// that can run.
func (d *listDetail[T]) DetailShortHelp(only ...*action) []key.Binding {
	k := d.c.keys
	out := []key.Binding{k.Back, k.Up, k.Down}
	if len(only) == 0 {
		return out
	}
	return append(out, d.detail.short(only...)...)
}
