package ui

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	registerScreen("lockouts", func(c *common, _ any) Screen { return newLockouts(c) })
}

// lockoutsRefresh is how often the live panes ask again.
const lockoutsRefresh = 3 * time.Second

// lockoutWindows are the time windows the failures and the IP grouping look back over.
var lockoutWindows = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// lockPane names a pane: the three tabs, in their order, then the timeline, which opens on top
// of them.
type lockPane int

const (
	paneLocked lockPane = iota
	paneFailures
	paneIPs
	paneTimeline
)

// lockoutKeys are the Lockouts screen's own bindings (built per session, in its language).
type lockoutKeys struct {
	Drill, Unlock, UnlockReset, Window, User key.Binding
}

func newLockoutKeys(c *common) lockoutKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	return lockoutKeys{
		Drill:       b("enter", "key.lo.timeline", "enter"),
		Unlock:      b("u", "key.lo.unlock", "u"),
		UnlockReset: b("U", "key.lo.unlockrs", "U"),
		Window:      b("w", "key.lo.window", "w"),
		User:        b("o", "key.lo.user", "o"),
	}
}

// lockoutsScreen is what on-call looks at first: who is locked now, the failures as they
// happen, the failures grouped by source IP (an attack shows as one IP on many accounts), and
// one user's timeline. It is a row of tabs over three panes, the timeline pane opened on top
// of them, the shared prompt for the unlock's reason, and its actions table. Panes refresh
// every few seconds, keeping their rows until the new ones arrive; refreshing pauses while the
// operator has moved down a list, selected rows or is typing a reason.
type lockoutsScreen struct {
	c      *common
	keys   lockoutKeys
	width  int
	height int

	tabs       *tabs
	locked     *lockedPane
	failures   *failuresPane
	ips        *ipsPane
	timeline   *timelinePane
	onTimeline bool // the timeline is open over the active tab's pane
	window     int  // index in lockoutWindows

	prompt    *prompt
	unlocking []lockoutUser // whom the open question would unlock
	actions   *actions
	shortActs []*action // the footer's actions, in the order they are offered

	tickGen int
}

type (
	loTickMsg     struct{ gen int }
	loUnlockedMsg struct {
		res store.UnlockResult
		err error
	}
)

func newLockouts(c *common) *lockoutsScreen {
	s := &lockoutsScreen{c: c, keys: newLockoutKeys(c), prompt: newPrompt(c), window: 1}
	s.tabs = newTabs(c, c.t("lo.tab.locked"), c.t("lo.pane.failures"), c.t("lo.pane.ips"))
	s.tabs.SetTitle(int(paneLocked), c.t("lo.pane.locked", 0))
	s.locked = newLockedPane(c)
	s.failures = newFailuresPane(c, s.since)
	s.ips = newIPsPane(c, s.since)
	s.timeline = newTimelinePane(c)
	s.buildActions()
	return s
}

func (s *lockoutsScreen) buildActions() {
	c, k, lk, tk := s.c, s.c.keys, s.keys, s.tabs.keys
	nothing := func() string {
		if len(s.unlockTargets()) == 0 {
			return c.t("lo.nothing")
		}
		return ""
	}
	next := &action{binding: tk.Next, group: 1, run: func() tea.Cmd { return s.step(s.tabs.Next) }}
	drill := &action{binding: lk.Drill, group: 2, run: s.drill}
	unlock := &action{binding: lk.Unlock, needs: model.ActionUnlock, group: 3, unavailable: nothing,
		run: func() tea.Cmd { return s.askUnlock(false) }}
	// From the action policy: oncall unlocks but sends no reset link; read-only does neither.
	unlockReset := &action{binding: lk.UnlockReset, needs: model.ActionUnlock, needsAlso: []model.Action{model.ActionSendReset},
		group: 3, unavailable: nothing, run: func() tea.Cmd { return s.askUnlock(true) }}
	window := &action{binding: lk.Window, group: 2, run: s.nextWindow}
	escape := &action{binding: k.Back, group: 2, run: s.escape}
	list := []*action{next, {binding: tk.Prev, group: 1, run: func() tea.Cmd { return s.step(s.tabs.Prev) }}}
	for i, b := range tk.Jump {
		list = append(list, &action{binding: b, group: 1, run: func() tea.Cmd { return s.show(lockPane(i)) }})
	}
	list = append(list, drill,
		&action{binding: lk.User, group: 2, run: s.openUser},
		window,
		&action{binding: k.Refresh, group: 2, run: func() tea.Cmd { return s.current().Reload() }},
		escape, unlock, unlockReset)
	s.actions = newActions(c, list...)
	s.shortActs = []*action{next, drill, unlock, unlockReset, window, escape}
}

func (s *lockoutsScreen) Title() string { return s.c.t("lo.title") }

func (s *lockoutsScreen) Init() tea.Cmd {
	return tea.Batch(s.locked.First(), s.failures.First(), s.ips.First(), s.startTicking())
}

// Close cancels the screen's queries.
func (s *lockoutsScreen) Close() {
	for _, p := range s.panes() {
		p.Stop()
	}
}

// Busy tells the app to show the spinner.
func (s *lockoutsScreen) Busy() bool { return s.current().Busy() }

func (s *lockoutsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.prompt.SetWidth(w)
	for _, p := range s.panes() {
		p.SetSize(w, max(2, h-2)) // the tabs above, the status line below
	}
}

func (s *lockoutsScreen) InputFocused() bool { return s.prompt.Typing() }

func (s *lockoutsScreen) panes() []lockoutPane {
	return []lockoutPane{s.locked, s.failures, s.ips, s.timeline}
}

// shown is the pane on screen: the timeline when it is open, else the active tab's.
func (s *lockoutsScreen) shown() lockPane {
	if s.onTimeline {
		return paneTimeline
	}
	return lockPane(s.tabs.Active())
}

func (s *lockoutsScreen) current() lockoutPane { return s.panes()[s.shown()] }

// paused: the operator is reading or acting, so the rows must not move under them.
func (s *lockoutsScreen) paused() bool {
	return s.prompt.Active() || s.locked.HasSelection() || s.current().Scrolled()
}

func (s *lockoutsScreen) since() time.Time { return s.c.now().Add(-lockoutWindows[s.window]) }

func (s *lockoutsScreen) startTicking() tea.Cmd {
	s.tickGen++
	return s.tick()
}

func (s *lockoutsScreen) tick() tea.Cmd {
	gen := s.tickGen
	return s.c.tick(lockoutsRefresh, func(time.Time) tea.Msg { return loTickMsg{gen} })
}

func (s *lockoutsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case listPageMsg[store.LockedAccount], listPageMsg[store.Failure], listPageMsg[store.IPFailures], listPageMsg[model.AuthEvent]:
		var cmds []tea.Cmd
		for _, p := range s.panes() {
			cmds = append(cmds, p.Update(msg))
		}
		s.tabs.SetTitle(int(paneLocked), s.c.t("lo.pane.locked", s.locked.total()))
		return s, tea.Batch(cmds...)
	case loTickMsg:
		if msg.gen != s.tickGen {
			return s, nil // a tick of an older loop
		}
		return s, tea.Batch(s.refresh(), s.tick())
	case loUnlockedMsg:
		return s, s.unlocked(msg)
	case reconnectedMsg, scopeChangedMsg:
		// Back on this screen (or the database is back): refresh, and restart the live loop
		// (its ticks went to another screen meanwhile).
		cmds := []tea.Cmd{s.locked.Reload(), s.startTicking()}
		if s.shown() != paneLocked {
			cmds = append(cmds, s.current().Reload())
		}
		return s, tea.Batch(cmds...)
	case tea.KeyMsg:
		if s.prompt.Active() {
			return s, s.prompt.Update(msg)
		}
		if cmd, ok := s.current().HandleKey(msg); ok {
			return s, cmd
		}
		cmd, _ := s.actions.dispatch(msg)
		return s, cmd
	}
	return s, nil
}

// refresh is one beat of the live loop: the pane on screen asks again (and the locked
// accounts, so that the tab's count stays right), unless the operator holds the rows still.
func (s *lockoutsScreen) refresh() tea.Cmd {
	cur := s.current()
	if s.paused() || cur.Busy() {
		return nil
	}
	cmds := []tea.Cmd{cur.Reload()}
	if s.shown() != paneLocked && !s.locked.Busy() {
		cmds = append(cmds, s.locked.Reload())
	}
	return tea.Batch(cmds...)
}

// show brings a tab's pane forward (closing the timeline); its rows are asked again unless
// the operator holds them still.
func (s *lockoutsScreen) show(p lockPane) tea.Cmd {
	s.onTimeline = false
	s.tabs.Select(int(p))
	if cur := s.current(); !cur.Loaded() || !s.paused() {
		return cur.Reload()
	}
	return nil
}

// step moves to the next or previous tab; from the timeline it goes back to the tab the
// timeline was opened from.
func (s *lockoutsScreen) step(move func()) tea.Cmd {
	if !s.onTimeline {
		move()
	}
	return s.show(lockPane(s.tabs.Active()))
}

func (s *lockoutsScreen) openTimeline(u lockoutUser) tea.Cmd {
	s.onTimeline = true
	return s.timeline.open(u)
}

// drill opens what the row under the cursor leads to: an account's timeline, or a source's
// failures (an address's, or every address's of an IPv6 /64).
func (s *lockoutsScreen) drill() tea.Cmd {
	switch s.shown() {
	case paneIPs:
		if src, ok := s.ips.source(); ok {
			s.tabs.Select(int(paneFailures))
			return s.failures.filter(src)
		}
	case paneLocked, paneFailures:
		if u, ok := s.current().account(); ok {
			return s.openTimeline(u)
		}
	}
	return nil
}

func (s *lockoutsScreen) openUser() tea.Cmd {
	if u, ok := s.current().account(); ok {
		return navigate("user", u.id)
	}
	return nil
}

// nextWindow widens the failures' and the IP grouping's time window (round the list).
func (s *lockoutsScreen) nextWindow() tea.Cmd {
	if p := s.shown(); p != paneFailures && p != paneIPs {
		return nil
	}
	s.window = (s.window + 1) % len(lockoutWindows)
	return tea.Batch(s.failures.First(), s.ips.First())
}

// escape steps back one level: out of the timeline, the selection, the IP filter, back to the
// top of the list (live again), and at last off the screen.
func (s *lockoutsScreen) escape() tea.Cmd {
	cur := s.current()
	switch {
	case s.onTimeline:
		return s.show(lockPane(s.tabs.Active()))
	case s.locked.ClearSelection():
		return nil
	case s.shown() == paneFailures && s.failures.source.IsValid():
		return s.failures.filter(netip.Prefix{})
	case cur.Scrolled():
		cur.Home()
		return cur.Reload()
	}
	return back
}

// unlockTargets are the accounts an unlock applies to: on the locked pane the selection, else
// the row under the cursor; elsewhere the account of the row (a failure of a known account,
// the timeline's user).
func (s *lockoutsScreen) unlockTargets() []lockoutUser {
	if s.shown() == paneLocked {
		return s.locked.targets()
	}
	if u, ok := s.current().account(); ok {
		return []lockoutUser{u}
	}
	return nil
}

// askUnlock asks the reason for unlocking the targets, with the option of sending each a
// reset link (on from the start for U).
func (s *lockoutsScreen) askUnlock(reset bool) tea.Cmd {
	c := s.c
	who := s.unlockTargets()
	ids := make([]int64, len(who))
	for i, u := range who {
		ids[i] = u.id
	}
	s.unlocking = who
	opt := &promptOption{label: c.t("lo.option.reset"), on: reset}
	if ok, why := c.op.May(model.ActionSendReset); !ok {
		opt.refused = c.t(why) // oncall unlocks without a reset link
	}
	st, op, ctx := c.st, c.op, c.ctx
	cmd := s.prompt.Ask(askReason, c.tn("lo.prompt.unlock", len(ids)), "", "", func(reason string) tea.Cmd {
		sendReset := opt.on
		return func() tea.Msg {
			res, err := st.UnlockUsers(ctx, op, ids, reason, sendReset)
			return loUnlockedMsg{res, err}
		}
	})
	s.prompt.Offer(opt)
	s.prompt.SetWidth(s.width) // the field fits beside this question
	return cmd
}

func (s *lockoutsScreen) unlocked(msg loUnlockedMsg) tea.Cmd {
	if msg.err != nil {
		return tea.Batch(errCmd(msg.err), s.locked.Reload())
	}
	s.locked.Deselect(msg.res.Unlocked)
	text := s.c.tn("lo.unlocked", len(msg.res.Unlocked))
	if len(msg.res.ResetsSent) > 0 {
		text = s.c.tn("lo.unlocked.reset", len(msg.res.Unlocked), len(msg.res.ResetsSent))
	}
	cmds := []tea.Cmd{flashCmd(flashInfo, text), s.locked.Reload()}
	if s.onTimeline {
		cmds = append(cmds, s.timeline.Reload())
	}
	return tea.Batch(cmds...)
}

func (s *lockoutsScreen) ShortHelp() []key.Binding {
	if s.prompt.Active() {
		return s.prompt.ShortHelp()
	}
	a := s.shortActs
	out := append(s.actions.short(a[0], a[1]), s.current().ShortHelp()...)
	return append(out, s.actions.short(a[2:]...)...)
}

func (s *lockoutsScreen) FullHelp() [][]key.Binding {
	return append(s.current().FullHelp(), s.actions.full()...)
}

// --- drawing ---

func (s *lockoutsScreen) paneBar() string {
	c, st := s.c, s.c.styles
	line := s.tabs.View()
	if p := s.shown(); p == paneFailures || p == paneIPs {
		line += "  " + st.Label.Render(c.t("lo.window", loWindow(lockoutWindows[s.window])))
	}
	if s.paused() {
		line += "  " + st.FlashWarn.Render(c.t("lo.paused"))
	} else {
		line += "  " + st.OK.Render(c.t("lo.live"))
	}
	return line
}

func loWindow(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d >= time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}

func (s *lockoutsScreen) View() string {
	if s.prompt.Active() {
		return s.askingView()
	}
	cur := s.current()
	return s.paneBar() + "\n" + cur.View() + "\n" + s.c.styles.Dim.Render(s.status(cur))
}

// status is the count line under a pane: its rows, the selection, and the pane's note.
func (s *lockoutsScreen) status(p lockoutPane) string {
	line := s.c.tn("lo.rows", p.count())
	if n := len(s.locked.Selected()); n > 0 {
		line += "  ·  " + s.c.tn("lo.selected", n)
	}
	if note := p.note(); note != "" {
		line += "  ·  " + note
	}
	return line
}

// askingView shows whom the open question would unlock (names and login codes, so the
// operator sees it is not the attacker's list), then the question.
func (s *lockoutsScreen) askingView() string {
	st := s.c.styles
	var b strings.Builder
	b.WriteString(s.paneBar() + "\n\n")
	room := max(1, s.height-6)
	for i, u := range s.unlocking {
		if i == room-1 && len(s.unlocking) > room {
			b.WriteString(st.Dim.Render("  … +"+strconv.Itoa(len(s.unlocking)-i)) + "\n")
			break
		}
		b.WriteString("  " + u.label(s.width-4) + "\n")
	}
	b.WriteString("\n" + s.prompt.View())
	return b.String()
}
