package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// Drawing the User screen: the open panel or box, else one page (the form, the sessions
// pane, the events pane, the e-mails pane, the focused pane's cursor row whole under it)
// scrolled so that the focus is in view, with the open question under it. Every string from
// the database goes through model/safe (the form, the panes).

func (s *userView) View() string { return s.ViewIn(s.height) }

// ViewIn draws the screen in height lines: the page scrolls to keep the focus and the open
// question in view (the app takes lines from it for a long flash).
func (s *userView) ViewIn(height int) string {
	c, st := s.c, s.c.styles
	if !s.loaded {
		if s.err != nil {
			return st.FlashError.Render(c.errText(s.err))
		}
		return st.Dim.Render(c.t("loading"))
	}
	switch s.mode() {
	case modePassword:
		return s.pw.View()
	case modeTemp:
		return s.temp.View()
	}
	w := max(20, s.width)
	var top, bottom []string
	if s.conflict != nil {
		top = append(top, strings.Split(st.FlashWarn.Width(w).Render(s.conflictText()), "\n")...)
	} else if s.form.Dirty() {
		top = append(top, st.FlashWarn.Render(c.t("user.dirty")))
	}
	if s.prompt.Active() {
		line := s.prompt.View()
		if !s.prompt.Typing() { // a long question wraps rather than losing its end
			line = lipgloss.NewStyle().Width(w).Render(line)
		}
		bottom = append(bottom, "")
		bottom = append(bottom, strings.Split(line, "\n")...)
	}

	lines, focusLine := s.form.Lines()
	lo, hi := focusLine, focusLine+2 // the focused line and one of context under it
	// The focused pane shows under it the row under its cursor whole (its columns cut long
	// cells at a narrow width: a French reason, a browser, the server's answer).
	pane := func(zone focusZone, title, view string, whole func(int) []string) {
		mark := ""
		if s.zone == zone {
			mark = "› "
			lo = len(lines) + 1
		}
		lines = append(lines, "", mark+st.Section.Render(title))
		lines = append(lines, strings.Split(view, "\n")...)
		if s.zone == zone {
			for _, l := range whole(w - 4) {
				lines = append(lines, "    "+st.Dim.Render(l))
			}
			hi = len(lines)
		}
	}
	pane(focusSessions, c.t("user.sessions", len(s.sessions.Rows())), s.sessions.View(), s.sessions.Whole)
	pane(focusEvents, c.t("user.events"), s.events.View(), s.events.Whole)
	pane(focusMail, c.t("mailpane.title"), s.mail.View(), s.mail.Whole)

	h := max(1, height-len(top)-len(bottom))
	start := 0
	if lo >= 0 {
		if hi > h {
			start = hi - h
		}
		start = max(0, min(start, lo, len(lines)-h))
	}
	end := min(len(lines), start+h)
	out := append(append(top, lines[start:end]...), bottom...)
	return strings.Join(out, "\n")
}
