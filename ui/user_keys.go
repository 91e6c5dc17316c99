package ui

import (
	"github.com/charmbracelet/bubbles/key"

	"gatehouse/model"
)

// userKeys are the User screen's own bindings (built per screen, in the session's language).
// The screen's actions table pairs each with what it does and the action it needs; the table
// disables the keys the session may not use and says why.
type userKeys struct {
	Save, Next, Prev, Toggle, Reload                        key.Binding
	Password, Temp, ResetLink, LoginCode, Unlock, ResetTOTP key.Binding
	Disable, Enable, Delete, EndSession, EndAll             key.Binding
	Replace, Undelete                                       key.Binding
}

func newUserKeys(c *common) userKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	return userKeys{
		Save:       b("ctrl+s", "user.key.save", "ctrl+s"),
		Next:       b("tab", "user.key.next", "tab", "down"),
		Prev:       b("shift+tab", "user.key.prev", "shift+tab", "up"),
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
		Replace:    b("R", "user.key.replace", "R"),
		Undelete:   b("U", "user.key.undelete", "U"),
	}
}

// unlockAction is what `u` does to the account: end its lock, or only clear its counter.
func unlockAction(u model.User) model.Action {
	if u.LockedAt != nil {
		return model.ActionUnlock
	}
	return model.ActionResetFailures
}

// needsWholeAccount lists the actions an admin may take only on an account all of whose
// organizations are theirs: disabling or deleting it (a replacement deletes it once
// accepted) would cut another organization's access, and its credentials (passwords, 2FA,
// sessions) are that organization's too. The store
// refuses them on such an account; the screen says so before asking anything.
func needsWholeAccount(a model.Action) bool {
	switch a {
	case model.ActionDisable, model.ActionDelete, model.ActionSetPassword, model.ActionTempPassword,
		model.ActionResetTOTP, model.ActionEndSessions, model.ActionReplaceIdentifier:
		return true
	}
	return false
}
