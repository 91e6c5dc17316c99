package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// A picker is a text field over a short list of choices that the text filters or searches (an
// organization by a part of its name, a user by a part of their login code). The list is a
// list pane drawn inline under the field: while the field has focus the arrow keys move in the
// list and every other key edits the text, so letters such as j and k are typed. What enter
// does with the row under the cursor (Current) is the screen's.
//
// The pane's loader reads Value when it is asked for rows. A picker over the store is
// debounced: it asks again once typing pauses, and an answer to an older text is dropped; a
// picker over rows already in memory asks at once.
type picker[T any] struct {
	c        *common
	keys     pickerKeys
	input    textinput.Model
	list     *listPane[T]
	debounce bool
}

// pickerKeys are the keys a picker takes from its field for its list.
type pickerKeys struct{ Up, Down key.Binding }

// pickerSearchMsg is a debounced picker's pause in typing: still current when seq is its
// pane's latest request.
type pickerSearchMsg struct{ pane, seq int }

// newPicker builds a picker: its field's placeholder and length limit, the loader of its list,
// and how a row is drawn (current: the cursor's row, while the field has focus). empty is said
// when nothing matches.
func newPicker[T any](c *common, placeholder string, limit int, load listLoader[T], draw func(item T, current bool) string, empty string) *picker[T] {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	in := newInput()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = limit
	p := &picker[T]{c: c, input: in, keys: pickerKeys{
		Up:   b("↑", "key.up", "up", "pgup"),
		Down: b("↓", "key.down", "down", "pgdown"),
	}}
	p.list = newListPane(c, load, nil)
	p.list.draw = func(item T, current, _ bool) string { return draw(item, current && p.input.Focused()) }
	p.list.empty = empty
	return p
}

// debounced makes the picker ask its loader only once typing pauses (a search in the store).
func (p *picker[T]) debounced() *picker[T] {
	p.debounce = true
	return p
}

// SetSize gives the field its width and the list the rows it shows.
func (p *picker[T]) SetSize(fieldWidth, rows int) {
	p.input.Width = fieldWidth
	p.list.SetSize(fieldWidth, rows)
}

func (p *picker[T]) Focus()            { p.input.Focus() }
func (p *picker[T]) Blur()             { p.input.Blur() }
func (p *picker[T]) Focused() bool     { return p.input.Focused() }
func (p *picker[T]) Value() string     { return p.input.Value() }
func (p *picker[T]) SetValue(v string) { p.input.SetValue(v) }

// Current is the row under the list's cursor.
func (p *picker[T]) Current() (T, bool) { return p.list.Current() }

// First asks the loader for the rows of the present text (on opening, or when the rows it
// filters have changed).
func (p *picker[T]) First() tea.Cmd { return p.list.First() }

// Stop cancels the search in flight.
func (p *picker[T]) Stop() { p.list.Stop() }

// Busy reports whether the list waits for its loader.
func (p *picker[T]) Busy() bool { return p.list.Busy() }

// Update takes the list's pages and the picker's pauses in typing; other messages are ignored.
func (p *picker[T]) Update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(pickerSearchMsg); ok {
		if m.pane != p.list.id || !p.list.Latest(m.seq) {
			return nil
		}
		return p.list.First()
	}
	return p.list.Update(msg)
}

// HandleKey takes a key while the field has focus: the arrows move in the list, the rest edits
// the text (and a changed text asks for its rows).
func (p *picker[T]) HandleKey(msg tea.KeyMsg) tea.Cmd {
	if matches(msg, p.keys.Up) || matches(msg, p.keys.Down) {
		cmd, _ := p.list.HandleKey(msg)
		return cmd
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() == before {
		return cmd
	}
	if !p.debounce {
		return tea.Batch(cmd, p.list.First())
	}
	seq, id := p.list.Invalidate(), p.list.id // the rows of the old text are stale now
	return tea.Batch(cmd, p.c.tick(searchDebounce, func(time.Time) tea.Msg { return pickerSearchMsg{pane: id, seq: seq} }))
}

// FieldView is the text field; View is the list under it.
func (p *picker[T]) FieldView() string { return p.input.View() }
func (p *picker[T]) View() string      { return p.list.View() }

// ShortHelp and FullHelp are the keys the picker takes from its field.
func (p *picker[T]) ShortHelp() []key.Binding  { return []key.Binding{p.keys.Up, p.keys.Down} }
func (p *picker[T]) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
