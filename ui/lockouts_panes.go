package ui

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// The Lockouts screen's panes. Each is a list pane with its own loader (its rows, cursor,
// scrolling and request), plus what the screen asks of the row under its cursor. The live
// panes load everything at once (a few hundred rows at most): their loaders never say
// HasNext, so the pane scrolls within its rows.

// lockoutPane is what the screen asks of every pane.
type lockoutPane interface {
	Update(tea.Msg) tea.Cmd
	HandleKey(tea.KeyMsg) (tea.Cmd, bool)
	SetSize(w, h int)
	View() string
	First() tea.Cmd
	Reload() tea.Cmd
	Home()
	Stop()
	Busy() bool
	Loaded() bool
	Scrolled() bool
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// account is the account of the row under the cursor (a timeline: its user).
	account() (lockoutUser, bool)
	// count is the rows the pane holds; note what its status line adds after the selection.
	count() int
	note() string
}

// lockoutUser is an account a pane leads to (a timeline, the User screen, an unlock).
type lockoutUser struct {
	id          int64
	name, login string
}

// label is "name (login)" in at most width cells; the login code is never the part cut.
func (u lockoutUser) label(width int) string {
	login, name := "", safe.Line(u.name)
	if u.login != "" {
		login = " (" + safe.Line(u.login) + ")"
	}
	if room := width - safe.Width(login); safe.Width(name) > room {
		name = safe.Truncate(name, max(1, room))
	}
	return name + login
}

// lockedPage is how many locked accounts the screen lists (the most recently locked; the
// total is counted apart).
const lockedPage = 300

// loginMinWidth is the narrowest the login code column gets, so that a screen of usual codes
// keeps one layout whatever its codes' lengths.
const loginMinWidth = 11

// loStamp is a short UTC time for the tables.
func loStamp(t time.Time) string { return t.UTC().Format("01-02 15:04") }

func loStampPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return loStamp(*t)
}

// whyText is the catalog's words for an authentication event's reason.
func whyText(c *common, r string) string {
	if r == "" {
		return ""
	}
	return c.t("why." + r)
}

func ipText(ip netip.Addr) string {
	if ip.IsValid() {
		return ip.String()
	}
	return ""
}

// --- locked now ---

// lockedPane lists the accounts locked now; its rows are selectable (the unlock's targets).
type lockedPane struct {
	*listPane[store.LockedAccount]
	c     *common
	width int
}

func newLockedPane(c *common) *lockedPane {
	p := &lockedPane{c: c}
	p.listPane = newListPane(c, p.loader, p.columns).selectable(func(a store.LockedAccount) int64 { return a.ID })
	p.empty = c.t("lo.empty.locked")
	return p
}

// loader asks for the lockedPage most recently locked accounts, and counts them all when
// there are more.
func (p *lockedPane) loader(pageRequest) func(context.Context) (listPage[store.LockedAccount], error) {
	st, op, org := p.c.st, p.c.op, p.c.scopeOrg
	return func(ctx context.Context) (listPage[store.LockedAccount], error) {
		rows, err := st.ListLocked(ctx, op, store.LockedQuery{OrgID: org, Limit: lockedPage})
		total := len(rows)
		if err == nil && len(rows) == lockedPage {
			total, err = st.CountLocked(ctx, op, org)
		}
		return listPage[store.LockedAccount]{Rows: rows, Estimated: int64(total)}, err
	}
}

// total is every account locked now (the list shows the lockedPage most recent).
func (p *lockedPane) total() int { return max(int(p.Page().Estimated), len(p.Rows())) }

func (p *lockedPane) columns(width int) []column[store.LockedAccount] {
	c := p.c
	wide := width >= 120
	type col = flexColumn[store.LockedAccount]
	fixed := func(title string, w int, cell func(store.LockedAccount) string) col {
		return col{column: column[store.LockedAccount]{title, w, cell}}
	}
	grow := func(title string, w, flex, maxw int, cell func(store.LockedAccount) string) col {
		return col{column[store.LockedAccount]{title, w, cell}, flex, maxw}
	}
	// The login code is how the caller names the account: its column is as wide as the
	// widest code shown, taken before the flexible columns share the rest.
	loginTitle := c.t("lo.col.login")
	loginW := max(loginMinWidth, safe.Width(loginTitle))
	for _, a := range p.Rows() {
		loginW = max(loginW, safe.Width(a.Login))
	}
	cols := []col{
		grow(c.t("lo.col.name"), 8, 3, 40, func(a store.LockedAccount) string { return a.Name }),
		fixed(loginTitle, loginW, func(a store.LockedAccount) string { return a.Login }),
		grow(c.t("lo.col.org"), 6, 2, 30, func(a store.LockedAccount) string { return strings.Join(a.Organizations, ",") }),
		fixed(c.t("lo.col.since"), 12, func(a store.LockedAccount) string { return loStamp(a.LockedAt) }),
		fixed(c.t("lo.col.fails"), 6, func(a store.LockedAccount) string { return strconv.Itoa(a.FailedAttempts) }),
	}
	if wide {
		cols = append(cols, fixed(c.t("lo.col.lastfail"), 13, func(a store.LockedAccount) string { return loStampPtr(a.LastFailedAt) }))
	}
	// Accounts whose last failure came from a likely attack: the by-IP pane's flag in a column
	// of its own when the line has room to spare, else a mark before the address (the status
	// line says what it means).
	ip := func(a store.LockedAccount) string { return a.LastFailedIP }
	if flagWords(width) {
		flag := c.t("lo.attack")
		title := c.t("lo.col.flag")
		cols = append(cols, fixed(title, max(safe.Width(flag), safe.Width(title)), func(a store.LockedAccount) string {
			if a.LikelyAttack {
				return flag
			}
			return ""
		}))
	} else {
		mark := c.t("lo.attack.mark")
		ip = func(a store.LockedAccount) string {
			if a.LikelyAttack {
				return mark + " " + a.LastFailedIP
			}
			return a.LastFailedIP
		}
	}
	cols = append(cols,
		grow(c.t("lo.col.ip"), 15, 1, 39, ip),
		fixed(c.t("lo.col.unlocks"), 11, func(a store.LockedAccount) string {
			if a.LockedUntil != nil {
				return loStamp(*a.LockedUntil)
			}
			return c.t("lo.until.reset")
		}))
	if wide {
		cols = append(cols, fixed(c.t("lo.col.mode"), 16, func(a store.LockedAccount) string {
			if a.LockedUntil != nil {
				return c.t("lo.mode.temporary", a.LockCount)
			}
			return c.t("lo.mode.reset")
		}))
	}
	return fitColumns(width, cols...)
}

func (p *lockedPane) account() (lockoutUser, bool) {
	a, ok := p.Current()
	return lockoutUser{a.ID, a.Name, a.Login}, ok
}

// targets are the selected accounts (by id), else the one under the cursor.
func (p *lockedPane) targets() []lockoutUser {
	byID := map[int64]store.LockedAccount{}
	for _, a := range p.Rows() {
		byID[a.ID] = a
	}
	ids := p.Targets()
	slices.Sort(ids)
	out := make([]lockoutUser, len(ids))
	for i, id := range ids {
		a := byID[id]
		out[i] = lockoutUser{id, a.Name, a.Login}
		if a.ID == 0 {
			out[i].name = "#" + strconv.FormatInt(id, 10)
		}
	}
	return out
}

func (p *lockedPane) count() int { return len(p.Rows()) }

func (p *lockedPane) note() string {
	var notes []string
	if n := p.total(); n > len(p.Rows()) {
		notes = append(notes, p.c.t("lo.more", len(p.Rows()), n))
	}
	if !flagWords(p.width) && slices.ContainsFunc(p.Rows(), func(a store.LockedAccount) bool { return a.LikelyAttack }) {
		notes = append(notes, p.c.t("lo.attack.legend", p.c.t("lo.attack.mark")))
	}
	return strings.Join(notes, "  ·  ")
}

// flagWords: a line this wide has room for the locked accounts' flag in words.
func flagWords(width int) bool { return width >= 160 }

// SetSize remembers the width: the flag's mark is explained below a narrow table.
func (p *lockedPane) SetSize(w, h int) {
	p.width = w
	p.listPane.SetSize(w, h)
}

// --- recent failures ---

// failuresPane lists the failed logins of the time window, newest first, optionally from one
// source only (an address, or an IPv6 /64).
type failuresPane struct {
	*listPane[store.Failure]
	c      *common
	since  func() time.Time
	source netip.Prefix // only the failures from this source (the zero prefix: all)
}

func newFailuresPane(c *common, since func() time.Time) *failuresPane {
	p := &failuresPane{c: c, since: since}
	p.listPane = newListPane(c, p.loader, p.columns)
	p.empty = c.t("lo.empty.failures")
	return p
}

func (p *failuresPane) loader(pageRequest) func(context.Context) (listPage[store.Failure], error) {
	st, op := p.c.st, p.c.op
	q := store.FailureQuery{Since: p.since(), Source: p.source, OrgID: p.c.scopeOrg, Limit: 500}
	return func(ctx context.Context) (listPage[store.Failure], error) {
		rows, err := st.RecentFailures(ctx, op, q)
		return listPage[store.Failure]{Rows: rows}, err
	}
}

// filter shows only the failures from a source (the zero prefix: from everywhere).
func (p *failuresPane) filter(source netip.Prefix) tea.Cmd {
	p.source = source
	return p.First()
}

func (p *failuresPane) columns(width int) []column[store.Failure] {
	c := p.c
	type col = flexColumn[store.Failure]
	cell := func(title string, w, flex, maxw int, f func(store.Failure) string) col {
		return col{column[store.Failure]{title, w, f}, flex, maxw}
	}
	return fitColumns(width,
		cell(c.t("lo.col.time"), 11, 0, 0, func(f store.Failure) string { return loStamp(f.At) }),
		cell(c.t("lo.col.typed"), 8, 2, 40, func(f store.Failure) string { return f.Login }),
		cell(c.t("lo.col.name"), 6, 2, 40, func(f store.Failure) string {
			if f.UserID == nil {
				return c.t("lo.unknown")
			}
			return f.UserName
		}),
		cell(c.t("lo.col.srcip"), 15, 1, 39, func(f store.Failure) string { return ipText(f.IP) }),
		cell(c.t("lo.col.reason"), 14, 0, 0, func(f store.Failure) string { return whyText(c, f.Reason) }),
		cell(c.t("lo.col.ua"), 6, 3, 0, func(f store.Failure) string { return f.UserAgent }),
	)
}

// account is the failure's account when the login typed was a known one.
func (p *failuresPane) account() (lockoutUser, bool) {
	f, ok := p.Current()
	if !ok || f.UserID == nil {
		return lockoutUser{}, false
	}
	return lockoutUser{*f.UserID, f.UserName, f.Login}, true
}

func (p *failuresPane) count() int { return len(p.Rows()) }

func (p *failuresPane) note() string {
	if p.source.IsValid() {
		return p.c.t("lo.filter.ip", store.SourceText(p.source))
	}
	return ""
}

// --- failures by IP ---

// ipsPane groups the window's failures by source (an IPv4 address, an IPv6 /64), the likely
// attacks first. An operator of some organizations counts their accounts only, and the flag
// counts every organization's: its mark says so, and the status line what the mark means.
type ipsPane struct {
	*listPane[store.IPFailures]
	c     *common
	since func() time.Time
}

func newIPsPane(c *common, since func() time.Time) *ipsPane {
	p := &ipsPane{c: c, since: since}
	p.listPane = newListPane(c, p.loader, p.columns)
	p.empty = c.t("lo.empty.ips")
	return p
}

func (p *ipsPane) loader(pageRequest) func(context.Context) (listPage[store.IPFailures], error) {
	st, op, since := p.c.st, p.c.op, p.since()
	return func(ctx context.Context) (listPage[store.IPFailures], error) {
		rows, err := st.FailuresByIP(ctx, op, since, 200)
		return listPage[store.IPFailures]{Rows: rows}, err
	}
}

func (p *ipsPane) columns(width int) []column[store.IPFailures] {
	c := p.c
	type col = flexColumn[store.IPFailures]
	cell := func(title string, w, flex, maxw int, f func(store.IPFailures) string) col {
		return col{column[store.IPFailures]{title, w, f}, flex, maxw}
	}
	flag := p.flag()
	return fitColumns(width,
		cell(c.t("lo.col.flag"), max(9, safe.Width(flag)), 0, 0, func(g store.IPFailures) string {
			if g.LikelyAttack {
				return flag
			}
			return ""
		}),
		cell(c.t("lo.col.srcip"), 15, 1, 39, func(g store.IPFailures) string { return store.SourceText(g.Source) }),
		cell(c.t("lo.col.accounts"), 8, 0, 0, func(g store.IPFailures) string { return strconv.Itoa(g.Accounts) }),
		cell(c.t("lo.col.attempts"), 8, 0, 0, func(g store.IPFailures) string { return strconv.Itoa(g.Attempts) }),
		cell(c.t("lo.col.first"), 11, 0, 0, func(g store.IPFailures) string { return loStamp(g.FirstSeen) }),
		cell(c.t("lo.col.last"), 11, 0, 0, func(g store.IPFailures) string { return loStamp(g.LastSeen) }),
	)
}

// flag is what a flagged row says: for an operator of some organizations, that it counts the
// whole installation.
func (p *ipsPane) flag() string {
	if p.c.op.AllOrgs() {
		return p.c.t("lo.attack")
	}
	return p.c.t("lo.attack.wide")
}

// source is the source of the row under the cursor.
func (p *ipsPane) source() (netip.Prefix, bool) {
	g, ok := p.Current()
	return g.Source, ok
}

// account: an address is no account.
func (p *ipsPane) account() (lockoutUser, bool) { return lockoutUser{}, false }

func (p *ipsPane) count() int { return len(p.Rows()) }

func (p *ipsPane) note() string {
	if !p.c.op.AllOrgs() && slices.ContainsFunc(p.Rows(), func(g store.IPFailures) bool { return g.LikelyAttack }) {
		return p.c.t("lo.attack.wide.note")
	}
	return ""
}

// --- one user's timeline ---

// timelinePane is one account's authentication events, newest first, under a line naming
// the account.
type timelinePane struct {
	*listPane[model.AuthEvent]
	c     *common
	who   lockoutUser
	width int
}

func newTimelinePane(c *common) *timelinePane {
	p := &timelinePane{c: c}
	p.listPane = newListPane(c, p.loader, p.columns)
	p.empty = c.t("lo.empty.timeline")
	return p
}

// open shows the timeline of u (the rows of the previous account go at once).
func (p *timelinePane) open(u lockoutUser) tea.Cmd {
	p.who = u
	p.Reset()
	return p.First()
}

func (p *timelinePane) loader(pageRequest) func(context.Context) (listPage[model.AuthEvent], error) {
	st, op, id := p.c.st, p.c.op, p.who.id
	return func(ctx context.Context) (listPage[model.AuthEvent], error) {
		rows, err := st.UserTimeline(ctx, op, id, 0, 200)
		return listPage[model.AuthEvent]{Rows: rows}, err
	}
}

func (p *timelinePane) columns(width int) []column[model.AuthEvent] {
	c := p.c
	type col = flexColumn[model.AuthEvent]
	cell := func(title string, w, flex int, f func(model.AuthEvent) string) col {
		return col{column[model.AuthEvent]{title, w, f}, flex, 0}
	}
	return fitColumns(width,
		cell(c.t("lo.col.time"), 19, 0, func(e model.AuthEvent) string { return e.At.UTC().Format("2006-01-02 15:04:05") }),
		cell(c.t("lo.col.event"), 16, 0, func(e model.AuthEvent) string { return c.t("ev." + e.Kind) }),
		cell(c.t("lo.col.reason"), 18, 0, func(e model.AuthEvent) string { return whyText(c, e.Reason) }),
		cell(c.t("lo.col.srcip"), 15, 0, func(e model.AuthEvent) string { return ipText(e.IP) }),
		cell(c.t("lo.col.ua"), 6, 1, func(e model.AuthEvent) string { return e.UserAgent }),
	)
}

// SetSize keeps the first line for the account's name.
func (p *timelinePane) SetSize(w, h int) {
	p.width = w
	p.listPane.SetSize(w, max(2, h-1))
}

// View is the line naming the account, then the events. The name is cut before the login
// code is.
func (p *timelinePane) View() string {
	c := p.c
	head := c.t("lo.timeline.of", safe.Line(p.who.name), safe.Line(p.who.login))
	if over := safe.Width(head) - p.width; over > 0 {
		name := safe.Truncate(p.who.name, max(1, safe.Width(p.who.name)-over))
		head = c.t("lo.timeline.of", name, safe.Line(p.who.login))
	}
	return c.styles.Section.Render(safe.Truncate(head, p.width)) + "\n" + p.listPane.View()
}

func (p *timelinePane) account() (lockoutUser, bool) { return p.who, p.who.id != 0 }

func (p *timelinePane) count() int { return len(p.Rows()) }

func (p *timelinePane) note() string { return "" }
