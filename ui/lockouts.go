package ui

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	registerScreen("lockouts", func(c *common, _ any) Screen { return newLockouts(c) })
}

// lockedPage is how many locked accounts the screen lists (the most recently locked; the
// total is counted apart).
const lockedPage = 300

// lockoutsRefresh is how often the live panes ask again.
const lockoutsRefresh = 3 * time.Second

// lockoutWindows are the time windows the failures and the IP grouping look back over.
var lockoutWindows = []time.Duration{15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

type lockPane int

const (
	paneLocked lockPane = iota
	paneFailures
	paneIPs
	paneTimeline
	paneCount
)

// lockoutKeys are the Lockouts screen's own bindings (built per session, in its language).
type lockoutKeys struct {
	Pane, Drill, Unlock, UnlockReset, Window, User key.Binding
}

// lockoutsScreen is what on-call looks at first: who is locked now, the failures as they
// happen, the failures grouped by source IP (an attack shows as one IP on many accounts), and
// one user's timeline. Panes refresh every few seconds, keeping their rows until the new ones
// arrive; refreshing pauses while the operator has moved down a list, selected rows or is
// typing a reason.
type lockoutsScreen struct {
	c      *common
	keys   lockoutKeys
	width  int
	height int
	ctx    context.Context
	cancel context.CancelFunc

	pane     lockPane
	prevPane lockPane // where esc from the timeline goes back to
	cursor   [paneCount]int
	offset   [paneCount]int
	seq      [paneCount]int
	loaded   [paneCount]bool
	inflight [paneCount]bool

	locked      []store.LockedAccount
	lockedTotal int // all locked now (the list shows the lockedPage most recent)
	failures    []store.Failure
	ips         []store.IPFailures
	timeline    []model.AuthEvent
	window      int          // index in lockoutWindows
	ipFilter    netip.Prefix // failures pane: only this source
	who         struct {     // the timeline's user
		id          int64
		name, login string
	}

	sel map[int64]bool

	prompting  bool
	prompt     textinput.Model
	promptIDs  []int64
	sendReset  bool
	promptNote string

	tickGen int
}

type (
	loLockedMsg struct {
		seq   int
		rows  []store.LockedAccount
		total int
		err   error
	}
	loFailuresMsg struct {
		seq  int
		rows []store.Failure
		err  error
	}
	loIPsMsg struct {
		seq  int
		rows []store.IPFailures
		err  error
	}
	loTimelineMsg struct {
		seq  int
		rows []model.AuthEvent
		err  error
	}
	loTickMsg     struct{ gen int }
	loUnlockedMsg struct {
		res store.UnlockResult
		err error
	}
)

func newLockouts(c *common) *lockoutsScreen {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	ctx, cancel := context.WithCancel(c.ctx)
	in := newInput()
	in.CharLimit = 500
	s := &lockoutsScreen{
		c: c, ctx: ctx, cancel: cancel, sel: map[int64]bool{}, prompt: in, window: 1,
		keys: lockoutKeys{
			Pane:        b("tab", "key.lo.pane", "tab", "shift+tab"),
			Drill:       b("enter", "key.lo.timeline", "enter"),
			Unlock:      b("u", "key.lo.unlock", "u"),
			UnlockReset: b("U", "key.lo.unlockrs", "U"),
			Window:      b("w", "key.lo.window", "w"),
			User:        b("o", "key.lo.user", "o"),
		},
	}
	// From the action policy: oncall unlocks but sends no reset link; read-only does neither.
	s.keys.Unlock.SetEnabled(c.may(model.ActionUnlock))
	s.keys.UnlockReset.SetEnabled(c.may(model.ActionUnlock) && c.may(model.ActionSendReset))
	return s
}

func (s *lockoutsScreen) Title() string { return s.c.t("lo.title") }

func (s *lockoutsScreen) Init() tea.Cmd {
	return tea.Batch(s.load(paneLocked), s.load(paneFailures), s.load(paneIPs), s.startTicking())
}

// Close cancels the screen's queries.
func (s *lockoutsScreen) Close() { s.cancel() }

// Busy tells the app to show the spinner.
func (s *lockoutsScreen) Busy() bool { return s.inflight[s.pane] }

func (s *lockoutsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.prompt.Width = max(10, w-40)
}

func (s *lockoutsScreen) InputFocused() bool { return s.prompting }

// paused: the operator is reading or acting, so the rows must not move under them.
func (s *lockoutsScreen) paused() bool {
	return s.prompting || len(s.sel) > 0 || s.cursor[s.pane] > 0 || s.offset[s.pane] > 0
}

func (s *lockoutsScreen) startTicking() tea.Cmd {
	s.tickGen++
	return s.tick()
}

func (s *lockoutsScreen) tick() tea.Cmd {
	gen := s.tickGen
	return s.c.tick(lockoutsRefresh, func(time.Time) tea.Msg { return loTickMsg{gen} })
}

func (s *lockoutsScreen) since() time.Time { return s.c.now().Add(-lockoutWindows[s.window]) }

// load asks the store for one pane's rows. The rows on screen stay until the answer arrives;
// an answer to an older request is dropped.
func (s *lockoutsScreen) load(p lockPane) tea.Cmd {
	s.seq[p]++
	s.inflight[p] = true
	seq, st, op, ctx := s.seq[p], s.c.st, s.c.op, s.ctx
	org, since := s.c.scopeOrg, s.since()
	switch p {
	case paneLocked:
		return func() tea.Msg {
			rows, err := st.ListLocked(ctx, op, store.LockedQuery{OrgID: org, Limit: lockedPage})
			total := len(rows)
			if err == nil && len(rows) == lockedPage {
				total, err = st.CountLocked(ctx, op, org)
			}
			return loLockedMsg{seq, rows, total, err}
		}
	case paneFailures:
		ip := s.ipFilter
		return func() tea.Msg {
			rows, err := st.RecentFailures(ctx, op, store.FailureQuery{Since: since, Source: ip, OrgID: org, Limit: 500})
			return loFailuresMsg{seq, rows, err}
		}
	case paneIPs:
		return func() tea.Msg {
			rows, err := st.FailuresByIP(ctx, op, since, 200)
			return loIPsMsg{seq, rows, err}
		}
	case paneTimeline:
		id := s.who.id
		return func() tea.Msg {
			rows, err := st.UserTimeline(ctx, op, id, 0, 200)
			return loTimelineMsg{seq, rows, err}
		}
	}
	return nil
}

func loErrCmd(err error) tea.Cmd { return func() tea.Msg { return errMsg{err} } }

func (s *lockoutsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case loLockedMsg:
		if msg.seq != s.seq[paneLocked] {
			return s, nil
		}
		s.inflight[paneLocked] = false
		if msg.err != nil {
			return s, loErrCmd(msg.err)
		}
		s.locked, s.lockedTotal, s.loaded[paneLocked] = msg.rows, msg.total, true
		// Selected accounts that are no longer locked drop out of the selection.
		still := map[int64]bool{}
		for _, a := range s.locked {
			still[a.ID] = true
		}
		for id := range s.sel {
			if !still[id] {
				delete(s.sel, id)
			}
		}
		s.clamp(paneLocked, len(s.locked))
	case loFailuresMsg:
		if msg.seq != s.seq[paneFailures] {
			return s, nil
		}
		s.inflight[paneFailures] = false
		if msg.err != nil {
			return s, loErrCmd(msg.err)
		}
		s.failures, s.loaded[paneFailures] = msg.rows, true
		s.clamp(paneFailures, len(s.failures))
	case loIPsMsg:
		if msg.seq != s.seq[paneIPs] {
			return s, nil
		}
		s.inflight[paneIPs] = false
		if msg.err != nil {
			return s, loErrCmd(msg.err)
		}
		s.ips, s.loaded[paneIPs] = msg.rows, true
		s.clamp(paneIPs, len(s.ips))
	case loTimelineMsg:
		if msg.seq != s.seq[paneTimeline] {
			return s, nil
		}
		s.inflight[paneTimeline] = false
		if msg.err != nil {
			return s, loErrCmd(msg.err)
		}
		s.timeline, s.loaded[paneTimeline] = msg.rows, true
		s.clamp(paneTimeline, len(s.timeline))
	case loTickMsg:
		if msg.gen != s.tickGen {
			return s, nil // a tick of an older loop
		}
		var cmds []tea.Cmd
		if !s.paused() && !s.inflight[s.pane] {
			cmds = append(cmds, s.load(s.pane))
			if s.pane != paneLocked && !s.inflight[paneLocked] {
				cmds = append(cmds, s.load(paneLocked)) // the count in the tab stays right
			}
		}
		return s, tea.Batch(append(cmds, s.tick())...)
	case loUnlockedMsg:
		if msg.err != nil {
			return s, tea.Batch(loErrCmd(msg.err), s.load(paneLocked))
		}
		for _, id := range msg.res.Unlocked {
			delete(s.sel, id)
		}
		text := s.c.t("lo.unlocked", len(msg.res.Unlocked))
		if len(msg.res.ResetsSent) > 0 {
			text = s.c.t("lo.unlocked.reset", len(msg.res.Unlocked), len(msg.res.ResetsSent))
		}
		cmds := []tea.Cmd{flashCmd(flashInfo, text), s.load(paneLocked)}
		if s.pane == paneTimeline {
			cmds = append(cmds, s.load(paneTimeline))
		}
		return s, tea.Batch(cmds...)
	case reconnectedMsg, scopeChangedMsg:
		// Back on this screen (or the database is back): refresh, and restart the live loop
		// (its ticks went to another screen meanwhile).
		cmds := []tea.Cmd{s.load(paneLocked), s.startTicking()}
		if s.pane != paneLocked {
			cmds = append(cmds, s.load(s.pane))
		}
		return s, tea.Batch(cmds...)
	case tea.KeyMsg:
		if s.prompting {
			return s.updatePrompt(msg)
		}
		return s.updateKeys(msg)
	}
	return s, nil
}

func (s *lockoutsScreen) rowCount(p lockPane) int {
	switch p {
	case paneLocked:
		return len(s.locked)
	case paneFailures:
		return len(s.failures)
	case paneIPs:
		return len(s.ips)
	case paneTimeline:
		return len(s.timeline)
	}
	return 0
}

// visibleRows is how many rows the table of the current pane shows.
func (s *lockoutsScreen) visibleRows() int {
	n := s.height - 3 // pane bar, column header, status line
	if s.pane == paneTimeline {
		n--
	}
	return max(1, n)
}

func (s *lockoutsScreen) clamp(p lockPane, n int) {
	if s.cursor[p] >= n {
		s.cursor[p] = n - 1
	}
	if s.cursor[p] < 0 {
		s.cursor[p] = 0
	}
	s.scroll(p)
}

// scroll keeps the cursor's row on screen.
func (s *lockoutsScreen) scroll(p lockPane) {
	vis := s.visibleRows()
	if s.cursor[p] < s.offset[p] {
		s.offset[p] = s.cursor[p]
	}
	if s.cursor[p] >= s.offset[p]+vis {
		s.offset[p] = s.cursor[p] - vis + 1
	}
	if s.offset[p] < 0 {
		s.offset[p] = 0
	}
}

func (s *lockoutsScreen) switchPane(p lockPane) tea.Cmd {
	s.pane = p
	if !s.loaded[p] || !s.paused() {
		return s.load(p)
	}
	return nil
}

func (s *lockoutsScreen) openTimeline(id int64, name, login string) tea.Cmd {
	if s.pane != paneTimeline {
		s.prevPane = s.pane
	}
	s.who.id, s.who.name, s.who.login = id, name, login
	s.timeline, s.loaded[paneTimeline] = nil, false
	s.cursor[paneTimeline], s.offset[paneTimeline] = 0, 0
	s.pane = paneTimeline
	return s.load(paneTimeline)
}

// targets are the accounts an unlock applies to: the selection, else the row under the cursor
// (the locked pane), or the timeline's user.
func (s *lockoutsScreen) targets() []int64 {
	switch s.pane {
	case paneLocked:
		if len(s.sel) > 0 {
			ids := make([]int64, 0, len(s.sel))
			for id := range s.sel {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			return ids
		}
		if len(s.locked) > 0 {
			return []int64{s.locked[s.cursor[paneLocked]].ID}
		}
	case paneTimeline:
		if s.who.id != 0 {
			return []int64{s.who.id}
		}
	case paneFailures:
		if len(s.failures) > 0 && s.failures[s.cursor[paneFailures]].UserID != nil {
			return []int64{*s.failures[s.cursor[paneFailures]].UserID}
		}
	}
	return nil
}

func (s *lockoutsScreen) updateKeys(msg tea.KeyMsg) (Screen, tea.Cmd) {
	k, lk := s.c.keys, s.keys
	p := s.pane
	n := s.rowCount(p)
	switch {
	case key.Matches(msg, lk.Pane):
		if p == paneTimeline {
			return s, s.switchPane(s.prevPane)
		}
		next := (p + 1) % paneTimeline
		if msg.String() == "shift+tab" {
			next = (p + paneTimeline - 1) % paneTimeline
		}
		return s, s.switchPane(next)
	case msg.String() == "1", msg.String() == "2", msg.String() == "3":
		return s, s.switchPane(lockPane(msg.Runes[0] - '1'))
	case key.Matches(msg, k.Down):
		if s.cursor[p] < n-1 {
			s.cursor[p]++
		}
	case key.Matches(msg, k.Up):
		if s.cursor[p] > 0 {
			s.cursor[p]--
		}
	case key.Matches(msg, k.Top):
		s.cursor[p] = 0
	case key.Matches(msg, k.Bottom):
		s.cursor[p] = max(0, n-1)
	case key.Matches(msg, k.NextPage):
		s.cursor[p] = min(max(0, n-1), s.cursor[p]+s.visibleRows())
	case key.Matches(msg, k.PrevPage):
		s.cursor[p] = max(0, s.cursor[p]-s.visibleRows())
	case key.Matches(msg, k.Select):
		if p == paneLocked && n > 0 {
			id := s.locked[s.cursor[p]].ID
			if s.sel[id] {
				delete(s.sel, id)
			} else {
				s.sel[id] = true
			}
			if s.cursor[p] < n-1 {
				s.cursor[p]++
			}
		}
	case key.Matches(msg, k.SelectAll):
		if p == paneLocked {
			all := len(s.sel) == len(s.locked)
			s.sel = map[int64]bool{}
			if !all {
				for _, a := range s.locked {
					s.sel[a.ID] = true
				}
			}
		}
	case key.Matches(msg, lk.Drill):
		return s, s.drill()
	case key.Matches(msg, lk.User):
		if ids := s.rowUser(); ids != 0 {
			return s, navigate("user", ids)
		}
	case key.Matches(msg, lk.Window):
		if p == paneFailures || p == paneIPs {
			s.window = (s.window + 1) % len(lockoutWindows)
			s.cursor[paneFailures], s.offset[paneFailures], s.cursor[paneIPs], s.offset[paneIPs] = 0, 0, 0, 0
			return s, tea.Batch(s.load(paneFailures), s.load(paneIPs))
		}
	case key.Matches(msg, lk.Unlock), key.Matches(msg, lk.UnlockReset):
		ids := s.targets()
		if len(ids) == 0 {
			return s, flashCmd(flashWarn, s.c.t("lo.nothing"))
		}
		s.prompting, s.promptIDs, s.promptNote = true, ids, ""
		s.sendReset = key.Matches(msg, lk.UnlockReset)
		s.prompt.Prompt = s.c.t("lo.prompt.unlock", len(ids)) + " "
		s.prompt.SetValue("")
		return s, s.prompt.Focus()
	case key.Matches(msg, k.Refresh):
		return s, s.load(p)
	case key.Matches(msg, k.Back):
		switch {
		case p == paneTimeline:
			return s, s.switchPane(s.prevPane)
		case len(s.sel) > 0:
			s.sel = map[int64]bool{}
		case p == paneFailures && s.ipFilter.IsValid():
			s.ipFilter = netip.Prefix{}
			s.cursor[p], s.offset[p] = 0, 0
			return s, s.load(p)
		case s.cursor[p] > 0 || s.offset[p] > 0:
			s.cursor[p], s.offset[p] = 0, 0 // back to the top: live again
			return s, s.load(p)
		default:
			return s, back
		}
	default:
		if no := s.c.refused(msg, actionKey{lk.Unlock, model.ActionUnlock}, actionKey{lk.UnlockReset, model.ActionUnlock},
			actionKey{lk.UnlockReset, model.ActionSendReset}); no != nil {
			return s, no
		}
	}
	s.scroll(p)
	return s, nil
}

// rowUser is the account of the row under the cursor (0 if none).
func (s *lockoutsScreen) rowUser() int64 {
	c := s.cursor[s.pane]
	switch s.pane {
	case paneLocked:
		if c < len(s.locked) {
			return s.locked[c].ID
		}
	case paneFailures:
		if c < len(s.failures) && s.failures[c].UserID != nil {
			return *s.failures[c].UserID
		}
	case paneTimeline:
		return s.who.id
	}
	return 0
}

// drill opens what the row under the cursor leads to: an account's timeline, or an IP's
// failures.
func (s *lockoutsScreen) drill() tea.Cmd {
	c := s.cursor[s.pane]
	switch s.pane {
	case paneLocked:
		if c < len(s.locked) {
			a := s.locked[c]
			return s.openTimeline(a.ID, a.Name, a.Login)
		}
	case paneFailures:
		if c < len(s.failures) && s.failures[c].UserID != nil {
			f := s.failures[c]
			return s.openTimeline(*f.UserID, f.UserName, f.Login)
		}
	case paneIPs:
		if c < len(s.ips) {
			s.ipFilter = s.ips[c].Source
			s.pane = paneFailures
			s.cursor[paneFailures], s.offset[paneFailures] = 0, 0
			return s.load(paneFailures)
		}
	}
	return nil
}

func (s *lockoutsScreen) updatePrompt(msg tea.KeyMsg) (Screen, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		s.prompting = false
		s.prompt.Blur()
		s.prompt.SetValue("")
		return s, nil
	case tea.KeyTab:
		if no := s.c.refusedAction(model.ActionSendReset); no != nil {
			return s, no // oncall unlocks without a reset link
		}
		s.sendReset = !s.sendReset
		return s, nil
	case tea.KeyEnter:
		reason := strings.TrimSpace(s.prompt.Value())
		if reason == "" {
			s.promptNote = s.c.t("lo.reason.needed")
			return s, nil
		}
		if no := s.c.refusedAction(model.ActionUnlock); no != nil {
			return s, no
		}
		if s.sendReset {
			if no := s.c.refusedAction(model.ActionSendReset); no != nil {
				return s, no
			}
		}
		s.prompting = false
		s.prompt.Blur()
		s.prompt.SetValue("")
		st, op, ctx, ids, reset := s.c.st, s.c.op, s.ctx, s.promptIDs, s.sendReset
		return s, func() tea.Msg {
			res, err := st.UnlockUsers(ctx, op, ids, reason, reset)
			return loUnlockedMsg{res, err}
		}
	}
	var cmd tea.Cmd
	s.prompt, cmd = s.prompt.Update(msg)
	return s, cmd
}

func (s *lockoutsScreen) ShortHelp() []key.Binding {
	k, lk := s.c.keys, s.keys
	return []key.Binding{lk.Pane, lk.Drill, k.Select, lk.Unlock, lk.UnlockReset, lk.Window, k.Back}
}

func (s *lockoutsScreen) FullHelp() [][]key.Binding {
	k, lk := s.c.keys, s.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.NextPage, k.PrevPage},
		{lk.Pane, lk.Drill, lk.User, lk.Window, k.Refresh},
		{k.Select, k.SelectAll, lk.Unlock, lk.UnlockReset},
	}
}

// --- drawing ---

// loCol is one column: title, width, and whether it may grow to fill the line.
type loCol struct {
	title string
	width int
	flex  int // share of the room left (0: fixed)
	maxw  int // widest a flexible column grows (0: no limit)
}

// loLayout fits the columns to the width: fixed ones keep their width, flexible ones share the
// rest (at least 6 cells each).
func loLayout(width int, cols []loCol) []loCol {
	used, shares := 2, 0
	for _, c := range cols {
		used += c.width + 1
		shares += c.flex
	}
	rest := width - used
	out := append([]loCol(nil), cols...)
	for i := range out {
		if out[i].flex > 0 {
			out[i].width = max(6, out[i].width+rest*out[i].flex/max(1, shares))
			if out[i].maxw > 0 {
				out[i].width = min(out[i].width, out[i].maxw)
			}
		}
	}
	return out
}

func loRow(cols []loCol, cells ...string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(safe.Pad(safe.Line(cells[i]), c.width))
	}
	return b.String()
}

// loStamp is a short UTC time for the tables.
func loStamp(t time.Time) string { return t.UTC().Format("01-02 15:04") }

func loStampPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return loStamp(*t)
}

func (s *lockoutsScreen) paneBar() string {
	c, st := s.c, s.c.styles
	tabs := []string{
		"1 " + c.t("lo.pane.locked", max(s.lockedTotal, len(s.locked))),
		"2 " + c.t("lo.pane.failures"),
		"3 " + c.t("lo.pane.ips"),
	}
	var parts []string
	for i, t := range tabs {
		if lockPane(i) == s.pane || (s.pane == paneTimeline && lockPane(i) == s.prevPane) {
			parts = append(parts, st.Section.Render("["+t+"]"))
		} else {
			parts = append(parts, st.Dim.Render(" "+t+" "))
		}
	}
	line := strings.Join(parts, " ")
	if s.pane == paneFailures || s.pane == paneIPs {
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
	if s.prompting {
		return s.promptView()
	}
	var b strings.Builder
	b.WriteString(s.paneBar())
	b.WriteByte('\n')
	switch s.pane {
	case paneLocked:
		s.viewLocked(&b)
	case paneFailures:
		s.viewFailures(&b)
	case paneIPs:
		s.viewIPs(&b)
	case paneTimeline:
		s.viewTimeline(&b)
	}
	return b.String()
}

// table writes the header, the visible rows (cursor and selection marked), blank lines up to
// the height, and the status line.
func (s *lockoutsScreen) table(b *strings.Builder, cols []loCol, n int, empty string, cells func(i int) []string, selected func(i int) bool, status string) {
	st := s.c.styles
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	b.WriteString(st.TableHeader.Render("  " + loRow(cols, titles...)))
	b.WriteByte('\n')
	vis := s.visibleRows()
	p := s.pane
	drawn := 0
	if s.loaded[p] && n == 0 {
		b.WriteString(st.Dim.Render("  " + empty))
		b.WriteByte('\n')
		drawn++
	}
	for i := s.offset[p]; i < n && i < s.offset[p]+vis; i++ {
		mark := "  "
		if selected != nil && selected(i) {
			mark = "● "
		}
		line := mark + loRow(cols, cells(i)...)
		switch {
		case i == s.cursor[p]:
			line = st.RowCursor.Render(line)
		case selected != nil && selected(i):
			line = st.RowSelected.Render(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
		drawn++
	}
	for ; drawn < vis; drawn++ {
		b.WriteByte('\n')
	}
	b.WriteString(st.Dim.Render(status))
}

func (s *lockoutsScreen) status(n int) string {
	line := s.c.t("lo.rows", n)
	if len(s.sel) > 0 {
		line += "  ·  " + s.c.t("lo.selected", len(s.sel))
	}
	return line
}

func (s *lockoutsScreen) viewLocked(b *strings.Builder) {
	c := s.c
	wide := s.width >= 120
	cols := []loCol{
		{c.t("lo.col.name"), 8, 3, 40}, {c.t("lo.col.login"), 11, 0, 0}, {c.t("lo.col.org"), 6, 2, 30},
		{c.t("lo.col.since"), 12, 0, 0}, {c.t("lo.col.fails"), 6, 0, 0},
	}
	if wide {
		cols = append(cols, loCol{c.t("lo.col.lastfail"), 13, 0, 0})
	}
	cols = append(cols, loCol{c.t("lo.col.ip"), 15, 1, 39}, loCol{c.t("lo.col.unlocks"), 11, 0, 0})
	if wide {
		cols = append(cols, loCol{c.t("lo.col.mode"), 16, 0, 0})
	}
	cols = loLayout(s.width, cols)
	s.table(b, cols, len(s.locked), c.t("lo.empty.locked"), func(i int) []string {
		a := s.locked[i]
		unlocks := c.t("lo.until.reset")
		mode := c.t("lo.mode.reset")
		if a.LockedUntil != nil {
			unlocks, mode = loStamp(*a.LockedUntil), c.t("lo.mode.temporary", a.LockCount)
		}
		cells := []string{a.Name, a.Login, strings.Join(a.Organizations, ","), loStamp(a.LockedAt), strconv.Itoa(a.FailedAttempts)}
		if wide {
			cells = append(cells, loStampPtr(a.LastFailedAt))
		}
		cells = append(cells, a.LastFailedIP, unlocks)
		if wide {
			cells = append(cells, mode)
		}
		return cells
	}, func(i int) bool { return s.sel[s.locked[i].ID] }, s.lockedStatus())
}

func (s *lockoutsScreen) lockedStatus() string {
	line := s.status(len(s.locked))
	if s.lockedTotal > len(s.locked) {
		line += "  ·  " + s.c.t("lo.more", len(s.locked), s.lockedTotal)
	}
	return line
}

func (s *lockoutsScreen) reason(r string) string {
	if r == "" {
		return ""
	}
	return s.c.t("why." + r)
}

func (s *lockoutsScreen) viewFailures(b *strings.Builder) {
	c := s.c
	cols := loLayout(s.width, []loCol{
		{c.t("lo.col.time"), 11, 0, 0}, {c.t("lo.col.typed"), 8, 2, 40}, {c.t("lo.col.name"), 6, 2, 40},
		{c.t("lo.col.srcip"), 15, 1, 39}, {c.t("lo.col.reason"), 14, 0, 0}, {c.t("lo.col.ua"), 6, 3, 0},
	})
	status := s.status(len(s.failures))
	if s.ipFilter.IsValid() {
		status += "  ·  " + c.t("lo.filter.ip", store.SourceText(s.ipFilter))
	}
	s.table(b, cols, len(s.failures), c.t("lo.empty.failures"), func(i int) []string {
		f := s.failures[i]
		name := f.UserName
		if f.UserID == nil {
			name = c.t("lo.unknown")
		}
		ip := ""
		if f.IP.IsValid() {
			ip = f.IP.String()
		}
		return []string{loStamp(f.At), f.Login, name, ip, s.reason(f.Reason), f.UserAgent}
	}, nil, status)
}

func (s *lockoutsScreen) viewIPs(b *strings.Builder) {
	c := s.c
	st := c.styles
	cols := loLayout(s.width, []loCol{
		{c.t("lo.col.flag"), 9, 0, 0}, {c.t("lo.col.srcip"), 15, 1, 39}, {c.t("lo.col.accounts"), 8, 0, 0},
		{c.t("lo.col.attempts"), 8, 0, 0}, {c.t("lo.col.first"), 11, 0, 0}, {c.t("lo.col.last"), 11, 0, 0},
	})
	s.table(b, cols, len(s.ips), c.t("lo.empty.ips"), func(i int) []string {
		g := s.ips[i]
		flag := ""
		if g.LikelyAttack {
			flag = c.t("lo.attack")
		}
		return []string{flag, store.SourceText(g.Source), strconv.Itoa(g.Accounts), strconv.Itoa(g.Attempts), loStamp(g.FirstSeen), loStamp(g.LastSeen)}
	}, func(i int) bool { return false }, s.status(len(s.ips)))
	_ = st
}

func (s *lockoutsScreen) viewTimeline(b *strings.Builder) {
	c := s.c
	b.WriteString(c.styles.Section.Render(safe.Truncate(c.t("lo.timeline.of", safe.Line(s.who.name), safe.Line(s.who.login)), s.width)))
	b.WriteByte('\n')
	cols := loLayout(s.width, []loCol{
		{c.t("lo.col.time"), 19, 0, 0}, {c.t("lo.col.event"), 16, 0, 0}, {c.t("lo.col.reason"), 18, 0, 0},
		{c.t("lo.col.srcip"), 15, 0, 0}, {c.t("lo.col.ua"), 6, 1, 0},
	})
	s.table(b, cols, len(s.timeline), c.t("lo.empty.timeline"), func(i int) []string {
		e := s.timeline[i]
		ip := ""
		if e.IP.IsValid() {
			ip = e.IP.String()
		}
		return []string{e.At.UTC().Format("2006-01-02 15:04:05"), c.t("ev." + e.Kind), s.reason(e.Reason), ip, e.UserAgent}
	}, nil, s.status(len(s.timeline)))
}

func (s *lockoutsScreen) promptView() string {
	c, st := s.c, s.c.styles
	var b strings.Builder
	b.WriteString(s.paneBar() + "\n\n")
	// Who is about to be unlocked (names, so the operator sees it is not the attacker's list).
	names := map[int64]string{}
	for _, a := range s.locked {
		names[a.ID] = a.Name + " (" + a.Login + ")"
	}
	if s.who.id != 0 {
		names[s.who.id] = s.who.name + " (" + s.who.login + ")"
	}
	room := max(1, s.height-8)
	for i, id := range s.promptIDs {
		if i == room-1 && len(s.promptIDs) > room {
			b.WriteString(st.Dim.Render(fmt.Sprintf("  … +%d", len(s.promptIDs)-i)) + "\n")
			break
		}
		n := names[id]
		if n == "" {
			n = "#" + strconv.FormatInt(id, 10)
		}
		b.WriteString("  " + safe.Truncate(safe.Line(n), s.width-4) + "\n")
	}
	b.WriteString("\n" + s.prompt.View() + "\n")
	yes := c.t("lo.no")
	if s.sendReset {
		yes = c.t("lo.yes")
	}
	b.WriteString(st.Label.Render(c.t("lo.prompt.reset", yes)) + "\n")
	if s.promptNote != "" {
		b.WriteString(st.Fail.Render(s.promptNote) + "\n")
	}
	b.WriteString(st.Dim.Render(c.t("lo.prompt.hint")))
	return b.String()
}
