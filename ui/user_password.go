package ui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
)

// The password panel sets a chosen password: "New password" and "Confirm password" (two
// masked fields), the rules ticking pass / fail as you type, a strength estimate, "must
// change at next login" ticked by default. It is a component of its own: it owns its fields,
// checks the rules it can check here and sends nothing when one fails, hashes and saves in a
// command (the screen keeps answering keys meanwhile), and reports the store's answer to the
// screen with a passwordDoneMsg. A refusal saves nothing and keeps the fields; success, esc
// and closing the screen empty them.

// passwordKeys are the panel's own bindings.
type passwordKeys struct{ Save, Next, Prev, Toggle, Cancel key.Binding }

type passwordPanel struct {
	c    *common
	keys passwordKeys

	// what the password is set on (the screen hands over every new read)
	user   model.User
	policy model.PasswordPolicy
	pctx   model.PasswordContext

	active     bool
	inputs     [2]textinput.Model // new, confirm
	mustChange bool
	focus      int // 0 new, 1 confirm, 2 the must-change checkbox
	busy       bool
	refused    []model.RuleResult // the rules the last attempt failed
	notice     string             // the screen's word on the last answer (a conflict)
	width      int
}

type (
	// passwordSetMsg is the store's answer, to the panel.
	passwordSetMsg struct {
		id   int64
		user model.User
		err  error
	}
	// passwordDoneMsg is the panel's report to the screen: the password set (err nil), or a
	// failure the panel does not show itself (a conflict, an outage). A rule refused is the
	// panel's own business and is not reported.
	passwordDoneMsg struct {
		user model.User
		err  error
	}
)

// passwordCharLimit bounds the fields (a 1 MB paste is cut here and then refused by the
// 128-character rule: never silently accepted shorter).
const passwordCharLimit = 1024

func newPasswordPanel(c *common) *passwordPanel {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	p := &passwordPanel{c: c, mustChange: true, keys: passwordKeys{
		Save:   b("enter", "user.key.save", "enter", "ctrl+s"),
		Next:   b("tab", "user.key.next", "tab", "down"),
		Prev:   b("shift+tab", "user.key.prev", "shift+tab", "up"),
		Toggle: b("space", "user.key.toggle", " "),
		Cancel: b("esc", "key.back", "esc"),
	}}
	for i := range p.inputs {
		in := newInput()
		in.Prompt = ""
		in.EchoMode = textinput.EchoPassword
		in.EchoCharacter = '•'
		in.CharLimit = passwordCharLimit
		p.inputs[i] = in
	}
	return p
}

// SetTarget gives the panel the account as last read (its version, name, login) and the
// password rules that apply to it.
func (p *passwordPanel) SetTarget(u model.User, policy model.PasswordPolicy, pctx model.PasswordContext) {
	p.user, p.policy, p.pctx = u, policy, pctx
}

// labelWidth is the width of the fields' labels: the longest in the session's language
// ("Confirmez le mot de passe"), 22 cells at least.
func (p *passwordPanel) labelWidth() int {
	return max(22, p.c.widestOf("user.pw.new", "user.pw.confirm"))
}

func (p *passwordPanel) SetSize(w, _ int) {
	p.width = w
	for i := range p.inputs {
		p.inputs[i].Width = max(20, min(60, w-p.labelWidth()))
	}
}

// Active reports whether the panel is open (it then takes the screen's keys).
func (p *passwordPanel) Active() bool { return p.active }

// Busy reports whether a save is running.
func (p *passwordPanel) Busy() bool { return p.busy }

// SetNotice shows the screen's word on the last answer ("" clears it).
func (p *passwordPanel) SetNotice(text string) { p.notice = text }

// Open shows the panel empty, must-change ticked, focus on the new password.
func (p *passwordPanel) Open() tea.Cmd {
	p.clear()
	p.active, p.mustChange, p.focus = true, true, 0
	return p.applyFocus()
}

// Close empties and closes the panel.
func (p *passwordPanel) Close() {
	p.clear()
	p.active = false
}

// clear forgets the typed passwords.
func (p *passwordPanel) clear() {
	for i := range p.inputs {
		p.inputs[i].SetValue("")
		p.inputs[i].Blur()
	}
	p.refused = nil
}

func (p *passwordPanel) applyFocus() tea.Cmd {
	var cmd tea.Cmd
	for i := range p.inputs {
		if i == p.focus {
			cmd = p.inputs[i].Focus()
		} else {
			p.inputs[i].Blur()
		}
	}
	return cmd
}

// Update takes the panel's keys and the store's answer.
func (p *passwordPanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case passwordSetMsg:
		if msg.id != p.user.ID {
			return nil
		}
		return p.answered(msg)
	case tea.KeyMsg:
		if p.active {
			return p.updateKeys(msg)
		}
	}
	return nil
}

func (p *passwordPanel) updateKeys(msg tea.KeyMsg) tea.Cmd {
	k := &p.keys
	switch {
	case key.Matches(msg, k.Cancel):
		p.Close()
		return nil
	case key.Matches(msg, k.Save):
		return p.submit()
	case key.Matches(msg, k.Next):
		p.focus = (p.focus + 1) % 3
		return p.applyFocus()
	case key.Matches(msg, k.Prev):
		p.focus = (p.focus + 2) % 3
		return p.applyFocus()
	case p.focus == 2:
		if key.Matches(msg, k.Toggle) {
			p.mustChange = !p.mustChange
		}
		return nil
	}
	var cmd tea.Cmd
	p.inputs[p.focus], cmd = p.inputs[p.focus].Update(msg)
	p.refused = nil
	return cmd
}

// submit checks the rules the panel can check (everything but the reuse of an old password,
// which needs the hashes): a failure shows the reasons and sends nothing. Then the store
// hashes and saves in a command, on the version last read.
func (p *passwordPanel) submit() tea.Cmd {
	if p.busy {
		return nil
	}
	pw, confirm := p.inputs[0].Value(), p.inputs[1].Value()
	var pe *model.PolicyError
	if err := p.policy.Validate(pw, confirm, p.pctx); errors.As(err, &pe) {
		p.refused = pe.Failed
		return nil
	}
	p.busy, p.refused = true, nil
	ctx, st, op, id, version, must := p.c.ctx, p.c.st, p.c.op, p.user.ID, p.user.Version, p.mustChange
	return func() tea.Msg {
		u, err := st.SetPassword(ctx, op, id, version, pw, confirm, must)
		return passwordSetMsg{id: id, user: u, err: err}
	}
}

func (p *passwordPanel) answered(m passwordSetMsg) tea.Cmd {
	p.busy = false
	var pe *model.PolicyError
	switch {
	case errors.As(m.err, &pe):
		p.refused = pe.Failed
		return nil
	case m.err == nil:
		p.Close()
	}
	done := passwordDoneMsg{user: m.user, err: m.err}
	return func() tea.Msg { return done }
}

// View draws the panel.
func (p *passwordPanel) View() string {
	c, st := p.c, p.c.styles
	var b strings.Builder
	b.WriteString(st.Section.Render(c.t("user.pw.title", safe.Line(p.user.Name)+" ("+safe.Line(p.user.Login)+")")) + "\n\n")
	marker := func(i int) string {
		if p.focus == i {
			return "› "
		}
		return "  "
	}
	for i, label := range []string{c.t("user.pw.new"), c.t("user.pw.confirm")} {
		b.WriteString(marker(i) + st.Label.Render(safe.Pad(label, p.labelWidth())) + " " + p.inputs[i].View() + "\n")
	}
	b.WriteString("\n")
	pw, confirm := p.inputs[0].Value(), p.inputs[1].Value()
	msg := func(r model.RuleResult) string {
		if c.lang == "fr" {
			return r.MessageFR
		}
		return r.Message
	}
	for _, r := range p.policy.Check(pw, p.pctx) {
		b.WriteString(p.wrapped("  "+p.mark(r.OK)+" ", msg(r)))
	}
	if p.policy.HistoryDepth > 0 {
		b.WriteString("  " + st.Dim.Render("• "+c.t("user.pw.reuse", p.policy.HistoryDepth)) + "\n")
	}
	if confirm == "" {
		b.WriteString("  " + st.Dim.Render("• "+c.t("user.pw.match")) + "\n")
	} else {
		b.WriteString("  " + p.mark(model.NormalizePassword(pw) == model.NormalizePassword(confirm)) + " " + c.t("user.pw.match") + "\n")
	}
	score, label := p.policy.Strength(pw, p.pctx) // 0 for a password the rules refuse
	if c.lang == "fr" {
		label = model.StrengthLabelFR(score)
	}
	bar := strings.Repeat("█", score+1) + strings.Repeat("░", 4-score)
	b.WriteString("  " + c.t("user.pw.strength", bar+" "+label) + "\n\n")
	box := "[ ]"
	if p.mustChange {
		box = "[x]"
	}
	b.WriteString(marker(2) + box + " " + c.t("user.pw.mustchange") + "\n")
	if len(p.refused) > 0 {
		b.WriteString("\n" + st.FlashError.Render(c.t("user.pw.refused")) + "\n")
		for _, r := range p.refused {
			b.WriteString(p.wrapped("  "+st.Fail.Render("✗")+" ", msg(r)))
		}
	}
	if p.busy {
		b.WriteString("\n" + st.Dim.Render(c.t("user.pw.saving")) + "\n")
	}
	if p.notice != "" {
		b.WriteString("\n" + st.FlashWarn.Width(max(20, p.width)).Render(p.notice) + "\n")
	}
	b.WriteString("\n" + st.Dim.Render(c.t("user.pw.hint")))
	return b.String()
}

func (p *passwordPanel) mark(ok bool) string {
	if ok {
		return p.c.styles.OK.Render("✓")
	}
	return p.c.styles.Fail.Render("✗")
}

// wrapped writes text after prefix (4 cells wide), wrapped to the panel's width with the
// continuation lines indented under the text.
func (p *passwordPanel) wrapped(prefix, text string) string {
	w := max(20, p.width-4)
	lines := strings.Split(p.c.styles.Value.Width(w).Render(text), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = "    " + lines[i]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// ShortHelp and FullHelp are the panel's keys.
func (p *passwordPanel) ShortHelp() []key.Binding {
	k := p.keys
	return []key.Binding{k.Save, k.Next, k.Toggle, k.Cancel}
}

func (p *passwordPanel) FullHelp() [][]key.Binding {
	k := p.keys
	return [][]key.Binding{{k.Save, k.Next, k.Prev, k.Toggle, k.Cancel}}
}
