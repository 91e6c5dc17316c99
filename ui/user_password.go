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

// The password panel (seed 003: "Nouveau mot de passe" + "Confirmez le mot de passe", then
// Save): two masked fields, the rules ticking pass / fail as you type, a strength estimate,
// "must change at next login" checked by default. Hashing runs in a command; the screen keeps
// answering keys meanwhile. A refusal saves nothing and keeps the fields; success clears them.

// passwordPanel is the state of the panel.
type passwordPanel struct {
	inputs     [2]textinput.Model // new, confirm
	mustChange bool
	focus      int // 0 new, 1 confirm, 2 the must-change checkbox
	busy       bool
	refused    []model.RuleResult // the rules the last attempt failed
}

// passwordCharLimit bounds the fields (a 1 MB paste is cut here and then refused by the
// 128-character rule: never silently accepted shorter).
const passwordCharLimit = 1024

func newPasswordPanel() passwordPanel {
	var p passwordPanel
	for i := range p.inputs {
		in := newInput()
		in.Prompt = ""
		in.EchoMode = textinput.EchoPassword
		in.EchoCharacter = '•'
		in.CharLimit = passwordCharLimit
		p.inputs[i] = in
	}
	p.mustChange = true
	return p
}

func (p *passwordPanel) setWidth(w int) {
	for i := range p.inputs {
		p.inputs[i].Width = w
	}
}

// open shows the panel empty, must-change checked, focus on the new password.
func (p *passwordPanel) open() tea.Cmd {
	p.clear()
	p.mustChange = true
	p.focus = 0
	return p.applyFocus()
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

func (s *userView) updatePassword(msg tea.KeyMsg) tea.Cmd {
	p, k := &s.pw, &s.keys
	switch {
	case key.Matches(msg, s.c.keys.Back):
		p.clear()
		s.mode = modeForm
		return nil
	case key.Matches(msg, k.Save, k.Confirm):
		return s.submitPassword()
	case key.Matches(msg, k.Reload):
		return s.load()
	case key.Matches(msg, k.Next, k.Down):
		p.focus = (p.focus + 1) % 3
		return p.applyFocus()
	case key.Matches(msg, k.Prev, k.Up):
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

// submitPassword checks the rules the screen can check (everything but the reuse of an old
// password, which needs the hashes): a failure shows the reasons and sends nothing. Then the
// store hashes and saves in a command.
func (s *userView) submitPassword() tea.Cmd {
	p := &s.pw
	if p.busy || !s.keys.Password.Enabled() {
		return nil
	}
	pw, confirm := p.inputs[0].Value(), p.inputs[1].Value()
	var pe *model.PolicyError
	if err := s.policy.Validate(pw, confirm, s.pctx); errors.As(err, &pe) {
		p.refused = pe.Failed
		return nil
	}
	p.busy, p.refused = true, nil
	ctx, st, op, id, version, must := s.c.ctx, s.c.st, s.c.op, s.id, s.user.Version, p.mustChange
	return func() tea.Msg {
		u, err := st.SetPassword(ctx, op, id, version, pw, confirm, must)
		return passwordSetMsg{user: u, err: err}
	}
}

func (s *userView) passwordSet(m passwordSetMsg) tea.Cmd {
	p := &s.pw
	p.busy = false
	var pe *model.PolicyError
	switch {
	case errors.As(m.err, &pe):
		p.refused = pe.Failed
		return nil
	case m.err != nil:
		return s.actionErr(m.err)
	}
	p.clear()
	if s.mode == modePassword {
		s.mode = modeForm
	}
	return tea.Batch(flashCmd(flashInfo, s.c.t("user.pw.done", safe.Line(s.user.Name))), s.load())
}

// passwordView draws the panel.
func (s *userView) passwordView() string {
	c, st, p := s.c, s.c.styles, &s.pw
	var b strings.Builder
	b.WriteString(st.Section.Render(c.t("user.pw.title", safe.Line(s.user.Name)+" ("+safe.Line(s.user.Login)+")")) + "\n\n")
	marker := func(i int) string {
		if p.focus == i {
			return "› "
		}
		return "  "
	}
	for i, label := range []string{c.t("user.pw.new"), c.t("user.pw.confirm")} {
		b.WriteString(marker(i) + st.Label.Render(safe.Pad(label, 22)) + " " + p.inputs[i].View() + "\n")
	}
	b.WriteString("\n")
	pw, confirm := p.inputs[0].Value(), p.inputs[1].Value()
	msg := func(r model.RuleResult) string {
		if c.lang == "fr" {
			return r.MessageFR
		}
		return r.Message
	}
	for _, r := range s.policy.Check(pw, s.pctx) {
		b.WriteString(s.wrapped("  "+s.mark(r.OK)+" ", msg(r)))
	}
	if s.policy.HistoryDepth > 0 {
		b.WriteString("  " + st.Dim.Render("• "+c.t("user.pw.reuse", s.policy.HistoryDepth)) + "\n")
	}
	if confirm == "" {
		b.WriteString("  " + st.Dim.Render("• "+c.t("user.pw.match")) + "\n")
	} else {
		b.WriteString("  " + s.mark(model.NormalizePassword(pw) == model.NormalizePassword(confirm)) + " " + c.t("user.pw.match") + "\n")
	}
	score, label := s.policy.Strength(pw, s.pctx) // 0 for a password the rules refuse
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
			b.WriteString(s.wrapped("  "+st.Fail.Render("✗")+" ", msg(r)))
		}
	}
	if p.busy {
		b.WriteString("\n" + st.Dim.Render(c.t("user.pw.saving")) + "\n")
	}
	if s.conflict != nil {
		b.WriteString("\n" + st.FlashWarn.Width(max(20, s.width)).Render(s.conflictText()) + "\n")
	}
	b.WriteString("\n" + st.Dim.Render(c.t("user.pw.hint")))
	return b.String()
}

func (s *userView) mark(ok bool) string {
	if ok {
		return s.c.styles.OK.Render("✓")
	}
	return s.c.styles.Fail.Render("✗")
}

// wrapped writes text after prefix (4 cells wide), wrapped to the screen's width with the
// continuation lines indented under the text.
func (s *userView) wrapped(prefix, text string) string {
	w := max(20, s.width-4)
	lines := strings.Split(s.c.styles.Value.Width(w).Render(text), "\n")
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

// RawInput tells the app to pass typed text unfiltered while the password panel is open.
func (s *userView) RawInput() bool { return s.mode == modePassword }
