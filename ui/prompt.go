package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model/safe"
)

// The prompt is the console's one question line, the same on every screen:
//   - askYesNo: one key answers. y (or o, "oui") or enter confirms; n or esc cancels.
//   - askText: a value typed and sent with enter (an organization, a number of days); an
//     empty answer is allowed and means "none".
//   - askReason: like askText, but an answer is required (it goes to the audit log).
//   - askTyped: the operator types a given text to confirm a destructive action (the account's
//     e-mail before a delete); any other answer keeps the prompt open with the reason shown.
//
// A typed question too long to leave its answer room on the line wraps, and the answer's
// field goes on the line under it: what is typed is always in view, at 80 columns too.
//
// A typed question may carry an option (Offer): a yes/no choice beside the answer ("and send
// a reset link"), flipped with tab, shown on the line under the question.
//
// esc always cancels and says that nothing changed. The answer goes to the callback the
// question was asked with; the prompt keeps nothing after it closes (a reason typed is not
// left in a field for the next question).

type promptKind int

const (
	askYesNo promptKind = iota
	askText
	askReason
	askTyped
)

// promptKeys are the prompt's own bindings.
type promptKeys struct{ Yes, No, Submit, Cancel, Toggle key.Binding }

// promptOption is a yes/no choice offered with a typed question; the answer's callback reads
// on. refused, when set, is why the session may not turn it on: tab then says so.
type promptOption struct {
	label   string
	on      bool
	refused string
}

type prompt struct {
	c      *common
	keys   promptKeys
	kind   promptKind
	active bool
	label  string
	want   string // askTyped: the text that confirms
	input  textinput.Model
	answer func(value string) tea.Cmd
	opt    *promptOption // nil: the question has no option
	width  int           // the screen's width (0: not known yet)
}

// promptRoom is the least room a typed answer is given beside its question; a longer
// question wraps and the field goes on the line under it, so what is typed is always seen.
const promptRoom = 24

func newPrompt(c *common) *prompt {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	in := newInput()
	in.CharLimit = 500
	return &prompt{c: c, input: in, keys: promptKeys{
		Yes:    b(c.t("prompt.yes.key"), "prompt.yes", "y", "Y", "o", "O", "enter"),
		No:     b(c.t("prompt.no.key"), "prompt.no", "n", "N", "esc"),
		Submit: b("enter", "prompt.submit", "enter"),
		Cancel: b("esc", "prompt.cancel", "esc"),
		Toggle: key.NewBinding(key.WithKeys("tab")), // its help is the option's label (Offer)
	}}
}

// Ask opens a question. value prefills a text answer; want is the text an askTyped question
// expects. answer receives the (trimmed) answer, "y" for a yes.
func (p *prompt) Ask(kind promptKind, label, value, want string, answer func(string) tea.Cmd) tea.Cmd {
	p.kind, p.active, p.label, p.want, p.answer = kind, true, label, want, answer
	p.input.SetValue(value)
	p.input.CursorEnd()
	if kind == askYesNo {
		p.input.Blur()
		return nil
	}
	p.input.Prompt = ""
	p.fit()
	return p.input.Focus()
}

// SetPlaceholder is the hint an empty text answer shows (the syntax of a filter), for every
// question this prompt asks.
func (p *prompt) SetPlaceholder(text string) { p.input.Placeholder = text }

// Offer adds an option to the typed question just asked; tab flips o.on until the question
// closes.
func (p *prompt) Offer(o *promptOption) {
	if !p.Typing() {
		return
	}
	p.opt = o
	p.keys.Toggle.SetHelp("tab", o.label)
}

// Confirm asks a yes/no question.
func (p *prompt) Confirm(label string, onYes func() tea.Cmd) tea.Cmd {
	return p.Ask(askYesNo, label, "", "", func(string) tea.Cmd { return onYes() })
}

// Active reports whether a question is open (the screen then gives it every key).
func (p *prompt) Active() bool { return p.active }

// Typing reports whether the prompt takes text (global keys are then ignored).
func (p *prompt) Typing() bool { return p.active && p.kind != askYesNo }

func (p *prompt) close() {
	p.active, p.answer, p.opt = false, nil, nil
	p.input.Blur()
	p.input.SetValue("")
}

// Cancel closes the question without answering it.
func (p *prompt) Cancel() { p.close() }

// Update takes a key while the prompt is open.
func (p *prompt) Update(msg tea.KeyMsg) tea.Cmd {
	if !p.active {
		return nil
	}
	if p.kind == askYesNo {
		switch {
		case key.Matches(msg, p.keys.Yes):
			answer := p.answer
			p.close()
			return answer("y")
		case key.Matches(msg, p.keys.No):
			p.close()
			return flashCmd(flashWarn, p.c.t("bulk.cancelled"))
		}
		return nil
	}
	switch {
	case key.Matches(msg, p.keys.Cancel):
		p.close()
		return flashCmd(flashWarn, p.c.t("bulk.cancelled"))
	case p.opt != nil && key.Matches(msg, p.keys.Toggle):
		if p.opt.refused != "" {
			return flashCmd(flashWarn, p.opt.refused)
		}
		p.opt.on = !p.opt.on
		return nil
	case key.Matches(msg, p.keys.Submit):
		v := strings.TrimSpace(p.input.Value())
		switch {
		case p.kind == askReason && v == "":
			return flashCmd(flashError, p.c.t("bulk.reason.needed"))
		case p.kind == askTyped && !strings.EqualFold(v, strings.TrimSpace(p.want)):
			return flashCmd(flashError, p.c.t("prompt.typed.mismatch"))
		}
		answer := p.answer
		p.close()
		return answer(v)
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// SetWidth is the screen's width: the question and the typed answer's field fit in it.
func (p *prompt) SetWidth(w int) {
	p.width = w
	p.fit()
}

// stacked reports whether the typed answer goes under its question (the question leaves it
// less than promptRoom cells).
func (p *prompt) stacked() bool {
	return p.Typing() && p.width > 0 && safe.Width(safe.Line(p.label))+1+promptRoom > p.width
}

// fit sizes the answer's field for the question asked: beside it, or the whole line under it.
func (p *prompt) fit() {
	switch {
	case p.width == 0: // no width yet: the field is not bounded
		return
	case p.stacked():
		p.input.Width = max(10, p.width-4)
	default:
		p.input.Width = max(10, p.width-safe.Width(safe.Line(p.label))-4)
	}
}

// View is the question line (and an option's line under it). An answer refused (no reason
// given, the wrong text typed) is said on the flash line, and the question stays open.
func (p *prompt) View() string {
	if !p.active {
		return ""
	}
	st := p.c.styles
	line := st.FlashWarn.Render(safe.Line(p.label)) + " "
	switch {
	case p.stacked():
		var lines []string
		for _, l := range strings.Split(ansi.Wrap(safe.Line(p.label), p.width, ""), "\n") {
			lines = append(lines, st.FlashWarn.Render(l))
		}
		line = strings.Join(lines, "\n") + "\n" + p.input.View()
	case p.kind != askYesNo:
		line += p.input.View()
	}
	if p.opt != nil {
		state := p.c.t("prompt.no")
		if p.opt.on {
			state = p.c.t("prompt.yes")
		}
		line += "\n" + st.Label.Render(p.c.t("prompt.option", "tab", safe.Line(p.opt.label), state))
	}
	return line
}

// ShortHelp and FullHelp are the keys that answer the open question.
func (p *prompt) ShortHelp() []key.Binding {
	if p.kind == askYesNo {
		return []key.Binding{p.keys.Yes, p.keys.No}
	}
	keys := []key.Binding{p.keys.Submit, p.keys.Cancel}
	if p.opt != nil && p.opt.refused == "" {
		keys = append(keys, p.keys.Toggle)
	}
	return keys
}

func (p *prompt) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
