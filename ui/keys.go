package ui

import (
	"github.com/charmbracelet/bubbles/key"

	"gatehouse/model/i18n"
)

// KeyMap holds every binding of the console; built once per session (help texts in its language).
type KeyMap struct {
	Up, Down, Top, Bottom, NextPage, PrevPage                                        key.Binding
	Search, Command, Open, Back, Select, Help, Quit, ForceQuit                       key.Binding
	Status, Locked, TOTP, MustChange, Org, Inactive, Sort, Clear, Refresh, SelectAll key.Binding
	Lockouts, Invite                                                                 key.Binding
	BulkUnlock, BulkReset, BulkDisable                                               key.Binding
}

// NewKeyMap builds the key map in the given language.
func NewKeyMap(lang i18n.Lang) *KeyMap {
	t := func(k string) string { return i18n.T(lang, k) }
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, t(desc)))
	}
	return &KeyMap{
		Up:          b("↑/k", "key.up", "up", "k"),
		Down:        b("↓/j", "key.down", "down", "j"),
		Top:         b("g", "key.top", "g", "home"),
		Bottom:      b("G", "key.bottom", "G", "end"),
		NextPage:    b("pgdn/]", "key.nextpage", "pgdown", "]", "ctrl+f"),
		PrevPage:    b("pgup/[", "key.prevpage", "pgup", "[", "ctrl+b"),
		Search:      b("/", "key.search", "/"),
		Command:     b(":", "key.command", ":"),
		Open:        b("enter", "key.open", "enter"),
		Back:        b("esc", "key.back", "esc"),
		Select:      b("space", "key.select", " "),
		Help:        b("?", "key.help", "?"),
		Quit:        b("q", "key.quit", "q"),
		ForceQuit:   b("ctrl+c", "key.quit", "ctrl+c"),
		Status:      b("s", "key.status", "s"),
		Locked:      b("L", "key.locked", "L"),
		TOTP:        b("2", "key.totp", "2"),
		MustChange:  b("m", "key.mustchange", "m"),
		Org:         b("o", "key.org", "o"),
		Inactive:    b("n", "key.inactive", "n"),
		Sort:        b("S", "key.sort", "S"),
		Clear:       b("x", "key.clear", "x"),
		Refresh:     b("ctrl+r", "key.refresh", "ctrl+r"),
		SelectAll:   b("A", "key.selectall", "A"),
		Lockouts:    b("l", "key.lockouts", "l"),
		Invite:      b("i", "key.invite", "i"),
		BulkUnlock:  b("u", "key.bulk.unlock", "u"),
		BulkReset:   b("r", "key.bulk.reset", "r"),
		BulkDisable: b("d", "key.bulk.disable", "d"),
	}
}
