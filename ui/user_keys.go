package ui

import (
	"github.com/charmbracelet/bubbles/key"

	"gatehouse/model"
)

// userKeys are the User screen's own bindings (built per screen, in the session's language).
// Keys the operator's role forbids are disabled, so help never offers them; the store refuses
// them anyway.
type userKeys struct {
	Save, Next, Prev, Up, Down, Toggle, Reload                          key.Binding
	Password, Temp, ResetLink, LoginCode, Unlock, ResetTOTP             key.Binding
	Disable, Enable, Delete, EndSession, EndAll, Copy, Yes, No, Confirm key.Binding
}

func newUserKeys(c *common) userKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	return userKeys{
		Save:       b("ctrl+s", "user.key.save", "ctrl+s"),
		Next:       b("tab", "user.key.next", "tab"),
		Prev:       b("shift+tab", "user.key.prev", "shift+tab"),
		Up:         b("↑", "user.key.prev", "up"),
		Down:       b("↓", "user.key.next", "down"),
		Toggle:     b("space", "user.key.toggle", " "),
		Reload:     b("ctrl+r", "user.key.reload", "ctrl+r"),
		Password:   b("p", "user.key.password", "p"),
		Temp:       b("t", "user.key.temp", "t"),
		ResetLink:  b("r", "user.key.resetlink", "r"),
		LoginCode:  b("c", "user.key.logincode", "c"),
		Unlock:     b("u", "user.key.unlock", "u"),
		ResetTOTP:  b("2", "user.key.totp", "2"),
		Disable:    b("d", "user.key.disable", "d"),
		Enable:     b("e", "user.key.enable", "e"),
		Delete:     b("D", "user.key.delete", "D"),
		EndSession: b("x", "user.key.endsession", "x"),
		EndAll:     b("X", "user.key.endall", "X"),
		Copy:       b("c", "user.key.copy", "c", "y"),
		Yes:        b("y", "user.key.yes", "y", "Y", "o", "O"),
		No:         b("n", "user.key.no", "n", "N"),
		Confirm:    b("enter", "user.key.save", "enter"),
	}
}

// refreshKeys enables the actions this operator may take on this account in its state.
func (s *userView) refreshKeys() {
	c, u, k := s.c, s.user, &s.keys
	write := s.canWrite()
	// oncall is read-only in the console except for unlocking.
	unlock := c.op.CanUnlock() && (!c.readOnly || c.op.Role == model.RoleOncall)
	live := s.loaded && u.Status != model.StatusDeleted
	for _, b := range []*key.Binding{&k.Save, &k.Password, &k.Temp, &k.ResetLink, &k.LoginCode} {
		b.SetEnabled(write && live)
	}
	k.Unlock.SetEnabled(unlock && live && (u.LockedAt != nil || u.FailedAttempts > 0))
	k.ResetTOTP.SetEnabled(write && live && u.TOTPEnabled)
	k.Disable.SetEnabled(write && live && u.Status != model.StatusDisabled)
	k.Enable.SetEnabled(write && live && u.Status == model.StatusDisabled)
	k.Delete.SetEnabled(write && live)
	k.EndSession.SetEnabled(write && live && len(s.sessions) > 0)
	k.EndAll.SetEnabled(write && live && len(s.sessions) > 0)
	k.Toggle.SetEnabled(write && live)
}
