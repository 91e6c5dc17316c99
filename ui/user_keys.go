package ui

import (
	"github.com/charmbracelet/bubbles/key"

	"gatehouse/model"
)

// userKeys are the User screen's own bindings (built per screen, in the session's language).
// Keys whose action the session does not have (the action policy: role and read-only flag)
// are disabled, so help never offers them and they match nothing; the store refuses them
// anyway.
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

// refreshKeys enables the actions this session has (the action policy: role and read-only
// flag) that apply to this account in its state.
func (s *userView) refreshKeys() {
	c, u, k := s.c, s.user, &s.keys
	live := s.loaded && u.Status != model.StatusDeleted
	may := func(a model.Action) bool { return live && c.may(a) }
	k.Save.SetEnabled(may(model.ActionEditProfile))
	k.Toggle.SetEnabled(may(model.ActionEditProfile))
	k.Password.SetEnabled(may(model.ActionSetPassword))
	k.Temp.SetEnabled(may(model.ActionTempPassword))
	k.ResetLink.SetEnabled(may(model.ActionSendReset))
	k.LoginCode.SetEnabled(may(model.ActionSendLoginCode))
	k.Unlock.SetEnabled(may(unlockAction(u)) && (u.LockedAt != nil || u.FailedAttempts > 0))
	k.ResetTOTP.SetEnabled(may(model.ActionResetTOTP) && u.TOTPEnabled)
	k.Disable.SetEnabled(may(model.ActionDisable) && u.Status != model.StatusDisabled)
	k.Enable.SetEnabled(may(model.ActionEnable) && u.Status == model.StatusDisabled)
	k.Delete.SetEnabled(may(model.ActionDelete))
	k.EndSession.SetEnabled(may(model.ActionEndSessions) && len(s.sessions) > 0)
	k.EndAll.SetEnabled(may(model.ActionEndSessions) && len(s.sessions) > 0)
}

// unlockAction is what `u` does to the account: end its lock, or only clear its counter.
func unlockAction(u model.User) model.Action {
	if u.LockedAt != nil {
		return model.ActionUnlock
	}
	return model.ActionResetFailures
}

// actionKeys pairs the screen's action keys with their actions (for the flash that says why
// a key the session lacks does nothing).
func (s *userView) actionKeys() []actionKey {
	k := &s.keys
	return []actionKey{
		{k.Save, model.ActionEditProfile}, {k.Password, model.ActionSetPassword}, {k.Temp, model.ActionTempPassword},
		{k.ResetLink, model.ActionSendReset}, {k.LoginCode, model.ActionSendLoginCode}, {k.Unlock, unlockAction(s.user)},
		{k.ResetTOTP, model.ActionResetTOTP}, {k.Disable, model.ActionDisable}, {k.Enable, model.ActionEnable},
		{k.Delete, model.ActionDelete}, {k.EndSession, model.ActionEndSessions}, {k.EndAll, model.ActionEndSessions},
	}
}

// userAction is the action of one of the screen's account actions (act's what).
func userAction(what string) model.Action {
	switch what {
	case "resetlink":
		return model.ActionSendReset
	case "logincode":
		return model.ActionSendLoginCode
	case "unlock":
		return model.ActionUnlock
	case "totp":
		return model.ActionResetTOTP
	case "disable":
		return model.ActionDisable
	case "enable":
		return model.ActionEnable
	case "delete":
		return model.ActionDelete
	case "endsession", "endall":
		return model.ActionEndSessions
	}
	return 0
}
