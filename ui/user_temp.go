package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model/safe"
)

// tempBox shows a temporary password once: copied to the operator's clipboard on request
// (OSC 52), forgotten when the box closes.
type tempBox struct {
	c      *common
	keys   struct{ Copy, Close key.Binding }
	name   string // whose password it is
	secret string // "" when closed; never kept after
	width  int    // the screen's width: the box and its texts fit in it
}

func newTempBox(c *common) *tempBox {
	t := &tempBox{c: c}
	t.keys.Copy = key.NewBinding(key.WithKeys("c", "y"), key.WithHelp("c", c.t("user.key.copy")))
	t.keys.Close = key.NewBinding(key.WithKeys("esc", "enter"), key.WithHelp("esc", c.t("key.back")))
	return t
}

// SetWidth fits the box to the screen's width.
func (t *tempBox) SetWidth(w int) { t.width = w }

// Show opens the box with the password.
func (t *tempBox) Show(name, secret string) { t.name, t.secret = name, secret }

// Open reports whether the box is shown (it then takes the screen's keys).
func (t *tempBox) Open() bool { return t.secret != "" }

// Clear closes the box and forgets the password.
func (t *tempBox) Clear() { t.name, t.secret = "", "" }

func (t *tempBox) Update(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.keys.Copy):
		return copyCmd(t.c.out, t.secret)
	case key.Matches(msg, t.keys.Close):
		t.Clear()
	}
	return nil
}

// View is the box: its title, the password, the note; the texts wrap within the window (the
// border and padding take 4 cells), the password never does (16 characters).
func (t *tempBox) View() string {
	c, st := t.c, t.c.styles
	wrap := func(text string, w int) string {
		if t.width <= 0 {
			return text
		}
		return ansi.Wrap(text, max(20, w), "")
	}
	body := st.Section.Render(wrap(c.t("user.temp.title", safe.Line(t.name)), t.width-4)) + "\n\n" +
		"    " + st.Key.Render(t.secret) + "\n\n" + wrap(c.t("user.temp.note"), t.width-4)
	return st.Box.Render(body) + "\n\n" + st.Dim.Render(wrap(c.t("user.temp.hint"), t.width))
}

func (t *tempBox) ShortHelp() []key.Binding { return []key.Binding{t.keys.Copy, t.keys.Close} }

func (t *tempBox) FullHelp() [][]key.Binding { return [][]key.Binding{t.ShortHelp()} }
