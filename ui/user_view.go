package ui

import (
	"strconv"
	"strings"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Drawing the User screen. Every string from the database goes through model/safe.

func (s *userView) View() string {
	c := s.c
	st := c.styles
	if !s.loaded {
		if s.err != nil {
			return st.FlashError.Render(c.errText(s.err))
		}
		return st.Dim.Render(c.t("loading"))
	}
	switch s.mode {
	case modePassword:
		return s.passwordView()
	case modeTemp:
		return s.tempView()
	}
	var top, bottom []string
	w := max(20, s.width)
	if s.conflict != nil {
		top = append(top, strings.Split(st.FlashWarn.Width(w).Render(s.conflictText()), "\n")...)
	} else if s.dirty() {
		top = append(top, st.FlashWarn.Render(c.t("user.dirty")))
	}
	switch s.mode {
	case modeConfirm:
		bottom = append(bottom, "", st.FlashWarn.Width(w).Render(s.ask))
	case modePrompt:
		bottom = append(bottom, "", s.prompt.View())
		if s.promptErr != "" {
			bottom = append(bottom, st.Fail.Render(s.promptErr))
		}
		bottom = append(bottom, st.Dim.Render(c.t("user.prompt.hint")))
	}
	lines, focusLine := s.formLines()
	h := s.height - len(top) - len(bottom)
	if h < 1 {
		h = 1
	}
	// Keep the focused line in view (with a line of context above it).
	start := 0
	if focusLine >= 0 && focusLine+2 > h {
		start = min(focusLine+2-h, max(0, len(lines)-h))
	}
	end := min(len(lines), start+h)
	out := append(append(top, lines[start:end]...), bottom...)
	return strings.Join(out, "\n")
}

// formLines draws the form; focusLine is the index of the focused item's line (-1: none).
func (s *userView) formLines() ([]string, int) {
	c, st, u := s.c, s.c.styles, s.user
	now := c.now()
	var lines []string
	focusLine := -1
	cur, hasFocus := s.focused()
	isFocus := func(it formItem) bool { return hasFocus && cur == it }
	marker := func(it formItem) string {
		if isFocus(it) {
			focusLine = len(lines)
			return "›"
		}
		return " "
	}
	field := func(m, label, value string) {
		lines = append(lines, m+" "+st.Label.Render(safe.Pad(label, 14))+" "+value)
	}
	inlineErr := func(f string) {
		if e, ok := s.fieldErr[f]; ok {
			lines = append(lines, strings.Repeat(" ", 17)+st.Fail.Render(safe.Line(e)))
		}
	}

	lines = append(lines, st.Section.Render(c.t("user.profile")))
	if s.canWrite() {
		it := formItem{kind: itemName}
		m := marker(it)
		v := safe.Line(s.name.Value())
		if isFocus(it) {
			v = s.name.View()
		}
		field(m, c.t("user.field.name"), v)
	} else {
		field(" ", c.t("user.field.name"), safe.Line(u.Name))
	}
	inlineErr(store.FieldName)
	if s.canEditEmail() {
		it := formItem{kind: itemEmail}
		m := marker(it)
		v := safe.Line(s.email.Value())
		if isFocus(it) {
			v = s.email.View()
		}
		field(m, c.t("user.field.email"), v)
	} else {
		field(" ", c.t("user.field.email"), safe.Line(u.Email)+"  "+st.Dim.Render(c.t("user.email.supportonly")))
	}
	inlineErr(store.FieldEmail)
	field(" ", c.t("user.field.login"), safe.Line(u.Login))
	badge := u.Badge(now)
	if s.status != u.Status {
		badge = string(s.status)
	}
	status := st.Badge(badge).Render(c.t("status." + badge))
	if s.canWrite() {
		it := formItem{kind: itemStatus}
		m := marker(it)
		field(m, c.t("user.field.status"), "["+status+"]  "+st.Dim.Render(c.t("user.status.hint")))
	} else {
		field(" ", c.t("user.field.status"), status)
	}
	inlineErr(store.FieldStatus)
	pw := c.t("user.password.none")
	if u.HasPassword {
		pw = c.t("user.password.setnodate")
		if u.PasswordChangedAt != nil {
			pw = c.t("user.password.set", fmtTime(u.PasswordChangedAt, true))
		}
		if u.MustChangePassword {
			pw += c.t("user.password.mustchange")
		}
	}
	field(" ", c.t("user.field.password"), pw)
	totp := c.t("users.no")
	if u.TOTPEnabled {
		totp = c.t("users.yes")
	}
	field(" ", c.t("user.field.totp"), totp)
	locked := c.t("user.no")
	if u.Locked {
		if u.LockedUntil != nil {
			locked = c.t("user.locked.until", fmtTime(u.LockedAt, true), fmtTime(u.LockedUntil, true))
		} else {
			locked = c.t("user.locked.reset", fmtTime(u.LockedAt, true))
		}
		locked = st.BadgeLocked.Render(locked)
	}
	field(" ", c.t("user.field.locked"), locked+"  "+c.t("user.field.failures")+": "+strconv.Itoa(u.FailedAttempts))
	last := c.t("users.never")
	if u.LastLoginAt != nil {
		last = fmtTime(u.LastLoginAt, true) + "  " + safe.Line(u.LastLoginIP)
	}
	field(" ", c.t("user.field.lastlogin"), last)
	field(" ", c.t("user.field.created"), fmtTime(&u.CreatedAt, true))

	lines = append(lines, "", st.Section.Render(c.t("user.memberships")))
	if len(u.Memberships) == 0 {
		lines = append(lines, "  "+st.Dim.Render(c.t("user.no.memberships")))
	}
	if s.canWrite() && s.c.op.Role != model.RoleSupport && len(u.Memberships) > 0 {
		lines = append(lines, "  "+st.Dim.Render(c.t("user.rights.readonly")))
	}
	for _, m := range u.Memberships {
		lines = append(lines, "  "+safe.Line(m.OrgName)+" "+st.Dim.Render("("+safe.Line(m.OrgSlug)+")"))
		for _, r := range s.catalog {
			box := "[ ]"
			if s.rights[m.OrgID][r.Code] {
				box = "[x]"
			}
			text := box + " " + safe.Pad(safe.Line(r.Code), 17) + " " + safe.Line(r.Label)
			if s.canWrite() && c.op.CanGrant(r.Code) {
				it := formItem{kind: itemRight, org: m.OrgID, right: r.Code}
				lines = append(lines, marker(it)+"   "+text)
			} else {
				lines = append(lines, "    "+st.Dim.Render(text))
			}
		}
	}

	lines = append(lines, "", st.Section.Render(c.t("user.sessions", len(s.sessions))))
	if len(s.sessions) == 0 {
		lines = append(lines, "  "+st.Dim.Render(c.t("user.no.sessions")))
	}
	for _, x := range s.sessions {
		created, seen := x.CreatedAt, x.LastSeenAt
		ip := ""
		if x.IP.IsValid() {
			ip = x.IP.String()
		}
		text := fmtTime(&created, true) + "  " + fmtTime(&seen, true) + "  " + safe.Pad(ip, 16) + " " + safe.Line(x.UserAgent)
		m := " "
		if s.canWrite() {
			m = marker(formItem{kind: itemSession, session: x.ID})
		}
		lines = append(lines, m+" "+safe.Truncate(text, max(10, s.width-3)))
	}

	lines = append(lines, "", st.Section.Render(c.t("user.events")))
	if len(s.events) == 0 {
		lines = append(lines, "  "+st.Dim.Render(c.t("user.no.events")))
	}
	for _, e := range s.events {
		at := e.At
		ip := ""
		if e.IP.IsValid() {
			ip = e.IP.String()
		}
		line := "  " + fmtTime(&at, true) + "  " + safe.Pad(safe.Line(e.Kind), 16) + " " + safe.Pad(safe.Line(e.Reason), 16) + " " +
			safe.Pad(ip, 16) + " " + safe.Line(e.UserAgent)
		line = safe.Truncate(line, max(10, s.width))
		if e.Kind == "login_failure" || e.Kind == "lock" {
			line = st.Fail.Render(line)
		}
		lines = append(lines, line)
	}
	return lines, focusLine
}

// tempView is the box that shows the temporary password once.
func (s *userView) tempView() string {
	c, st := s.c, s.c.styles
	body := st.Section.Render(c.t("user.temp.title", safe.Line(s.user.Name))) + "\n\n" +
		"    " + st.Key.Render(s.temp) + "\n\n" + c.t("user.temp.note")
	return st.Box.Render(body) + "\n\n" + st.Dim.Render(c.t("user.temp.hint"))
}
