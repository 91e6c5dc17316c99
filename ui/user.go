package ui

import (
	"context"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/ui/safe"
)

func init() {
	registerScreen("user", func(c *common, arg any) Screen { return newUserView(c, userArg(arg)) })
}

// userArg accepts an id (navigation) or text (":user 42").
func userArg(arg any) int64 {
	switch v := arg.(type) {
	case int64:
		return v
	case string:
		id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return id
	}
	return 0
}

// userView shows one user: profile, organizations and rights, recent authentication events.
type userView struct {
	c      *common
	id     int64
	width  int
	height int
	user   model.User
	events []model.AuthEvent
	loaded bool
	busy   bool
	err    error
	cancel context.CancelFunc
}

type userLoadedMsg struct {
	id     int64
	user   model.User
	events []model.AuthEvent
	err    error
}

func newUserView(c *common, id int64) *userView { return &userView{c: c, id: id} }

func (s *userView) Title() string {
	if s.loaded {
		return s.c.t("user.title") + " · " + safe.Line(s.user.Name)
	}
	return s.c.t("user.title")
}

func (s *userView) Init() tea.Cmd      { return s.load() }
func (s *userView) Busy() bool         { return s.busy }
func (s *userView) SetSize(w, h int)   { s.width, s.height = w, h }
func (s *userView) InputFocused() bool { return false }

func (s *userView) Close() {
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *userView) load() tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	s.busy = true
	st, op, id := s.c.st, s.c.op, s.id
	return func() tea.Msg {
		u, err := st.GetUser(ctx, op, id)
		if err != nil {
			return userLoadedMsg{id: id, err: err}
		}
		ev, err := st.UserTimeline(ctx, op, id, 0, 20)
		return userLoadedMsg{id: id, user: u, events: ev, err: err}
	}
}

func (s *userView) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case userLoadedMsg:
		if msg.id != s.id {
			return s, nil
		}
		s.busy = false
		if msg.err != nil {
			s.err = msg.err
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.user, s.events, s.loaded, s.err = msg.user, msg.events, true, nil
	case reconnectedMsg:
		return s, s.load()
	case tea.KeyMsg:
		k := s.c.keys
		switch {
		case key.Matches(msg, k.Back):
			return s, back
		case key.Matches(msg, k.Refresh):
			return s, s.load()
		}
	}
	return s, nil
}

func (s *userView) ShortHelp() []key.Binding {
	k := s.c.keys
	return []key.Binding{k.Back, k.Refresh}
}

func (s *userView) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

func (s *userView) View() string {
	c := s.c
	st := c.styles
	if !s.loaded {
		if s.err != nil {
			return st.FlashError.Render(c.errText(s.err))
		}
		return st.Dim.Render(c.t("loading"))
	}
	u := s.user
	now := c.now()
	var b strings.Builder
	field := func(label, value string) {
		b.WriteString("  " + st.Label.Render(safe.Pad(label, 14)) + " " + safe.Line(value) + "\n")
	}
	b.WriteString(st.Section.Render(c.t("user.profile")) + "\n")
	field(c.t("user.field.name"), u.Name)
	field(c.t("user.field.email"), u.Email)
	field(c.t("user.field.login"), u.Login)
	field(c.t("user.field.status"), c.t("status."+u.Badge(now)))
	pw := c.t("user.password.none")
	if u.HasPassword {
		pw = c.t("user.password.set", fmtTime(u.PasswordChangedAt, false))
		if u.MustChangePassword {
			pw += c.t("user.password.mustchange")
		}
	}
	field(c.t("user.field.password"), pw)
	totp := c.t("users.no")
	if u.TOTPEnabled {
		totp = c.t("users.yes")
	}
	field(c.t("user.field.totp"), totp)
	field(c.t("user.field.failures"), strconv.Itoa(u.FailedAttempts))
	locked := c.t("user.no")
	if u.Locked {
		if u.LockedUntil != nil {
			locked = c.t("user.locked.until", fmtTime(u.LockedAt, true), fmtTime(u.LockedUntil, true))
		} else {
			locked = c.t("user.locked.reset", fmtTime(u.LockedAt, true))
		}
	}
	field(c.t("user.field.locked"), locked)
	last := c.t("users.never")
	if u.LastLoginAt != nil {
		last = fmtTime(u.LastLoginAt, true) + "  " + u.LastLoginIP
	}
	field(c.t("user.field.lastlogin"), last)
	field(c.t("user.field.created"), fmtTime(&u.CreatedAt, true))
	b.WriteString("\n" + st.Section.Render(c.t("user.memberships")) + "\n")
	if len(u.Memberships) == 0 {
		b.WriteString("  " + st.Dim.Render(c.t("user.no.memberships")) + "\n")
	}
	for _, m := range u.Memberships {
		b.WriteString("  " + safe.Pad(safe.Line(m.OrgName)+" ("+safe.Line(m.OrgSlug)+")", 40) + " " +
			st.Dim.Render(safe.Line(strings.Join(m.Rights, ", "))) + "\n")
	}
	b.WriteString("\n" + st.Section.Render(c.t("user.events")) + "\n")
	if len(s.events) == 0 {
		b.WriteString("  " + st.Dim.Render(c.t("user.no.events")) + "\n")
	}
	for _, e := range s.events {
		at := e.At
		ip := ""
		if e.IP.IsValid() {
			ip = e.IP.String()
		}
		line := "  " + fmtTime(&at, true) + "  " + safe.Pad(e.Kind, 14) + " " + safe.Pad(e.Reason, 16) + " " +
			safe.Pad(ip, 16) + " " + safe.Line(e.UserAgent)
		if e.Kind == "login_failure" || e.Kind == "lock" {
			line = st.Fail.Render(safe.Truncate(line, s.width))
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
