package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
)

// An action is one key of a screen together with what it does: its binding (keys and help
// text), the policy action it needs (none for reading, moving and navigating), whether it is
// dangerous (its handler then asks first, through the prompt), the help group it is listed
// in, and the handler. A screen's actions are one table: dispatch and help are both built
// from it, so they cannot disagree. An action this session may not take (its role, a
// read-only session) is disabled: the footer leaves it out, the full help shows it dimmed
// with the reason, and pressing it says why instead of doing anything. The store refuses
// the same actions anyway; the table only keeps the console honest about it.
type action struct {
	binding   key.Binding
	needs     model.Action   // 0: always available
	needsAlso []model.Action // further actions it takes (unlock and send a reset link)
	dangerous bool
	group     int // full help column; actions of one group are listed together
	// unavailable, when set, says why the action cannot run now (nothing under the cursor,
	// the account is deleted…): a sentence for the flash line, "" when it can.
	unavailable func() string
	run         func() tea.Cmd
	refused     string // the policy's reason, in the session's language ("" when allowed)

	// when, when set, says whether the key is the action's in the screen's present state (a
	// key that the focused field types, or moves in, otherwise): while it reports false,
	// dispatch leaves the key to the screen, and neither the footer nor the help offers it.
	when func() bool
}

// reasonSep separates a disabled action's description from the reason in the help page.
const reasonSep = " — "

// actions is a screen's table of actions, in the order help lists them.
type actions struct {
	c    *common
	list []*action
}

// newActions builds a screen's table and enables each binding from the session's policy.
func newActions(c *common, list ...*action) *actions {
	t := &actions{c: c, list: list}
	for _, a := range list {
		a.refused = ""
		for _, need := range append([]model.Action{a.needs}, a.needsAlso...) {
			if need == 0 {
				continue
			}
			if ok, reason := c.op.May(need); !ok {
				a.refused = c.t(reason)
				break
			}
		}
		a.binding.SetEnabled(a.refused == "")
	}
	return t
}

// matches reports whether msg is one of b's keys, enabled or not (a disabled action is still
// answered: it says why it does nothing).
func matches(msg tea.KeyMsg, b key.Binding) bool {
	s := msg.String()
	for _, k := range b.Keys() {
		if k == s {
			return true
		}
	}
	return false
}

// dispatch runs the action bound to msg. It reports whether some action took the key.
func (t *actions) dispatch(msg tea.KeyMsg) (tea.Cmd, bool) {
	for _, a := range t.list {
		if !matches(msg, a.binding) || !a.now() {
			continue
		}
		if why := a.whyNot(); why != "" {
			return flashCmd(flashWarn, why), true
		}
		return a.run(), true
	}
	return nil, false
}

// whyNot is the reason the action cannot run now, "" when it can.
func (a *action) whyNot() string {
	if a.refused != "" {
		return a.refused
	}
	if a.unavailable != nil {
		return a.unavailable()
	}
	return ""
}

// now reports whether the key is the action's in the present state (see when).
func (a *action) now() bool { return a.when == nil || a.when() }

// allowed reports whether the session's policy offers the action (whatever the cursor).
func (a *action) allowed() bool { return a.refused == "" }

// short is the footer's bindings: the first action of each of the given keys' actions that
// the session may take, in table order.
func (t *actions) short(only ...*action) []key.Binding {
	var out []key.Binding
	for _, a := range only {
		if a.allowed() && a.now() {
			out = append(out, a.binding)
		}
	}
	return out
}

// full is the help page's groups, every action of the table listed (but those whose key is
// not theirs in the present state); disabled ones carry the reason in their description.
func (t *actions) full() [][]key.Binding {
	var groups [][]key.Binding
	index := map[int]int{}
	for _, a := range t.list {
		if !a.now() {
			continue
		}
		b := a.binding
		if a.refused != "" {
			h := b.Help()
			b = key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(h.Key, h.Desc+reasonSep+a.refused), key.WithDisabled())
		}
		i, ok := index[a.group]
		if !ok {
			i = len(groups)
			index[a.group] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], b)
	}
	return groups
}
