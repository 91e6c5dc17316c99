package ui

import (
	"context"
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
	registerScreen("users", func(c *common, _ any) Screen { return newUsers(c) })
}

// searchDebounce is how long typing must pause before a search is sent.
const searchDebounce = 150 * time.Millisecond

// usersScreen is the home screen: a search box and filters over a keyset-paged list pane of
// users, the shared prompt for filter values and bulk actions, and its actions table.
type usersScreen struct {
	c      *common
	width  int
	height int

	search    textinput.Model
	searching bool
	q         store.UserQuery // search, filters and sort (the pane asks for its pages)
	orgSlug   string

	list    *listPane[model.User]
	prompt  *prompt
	actions *actions
	// the footer's actions, in the order they are offered
	shortActs []*action
	busy      bool // a bulk action is running
}

// usersAt is the keyset position of a Users page request.
type usersAt struct{ after, before *store.Cursor }

type (
	searchDebounceMsg struct{ seq int }
	orgResolvedMsg    struct {
		id   int64
		slug string
	}
	bulkDoneMsg struct {
		what   bulkAction
		done   int
		failed int
		err    error
	}
)

// bulkAction is what a bulk action does to the target users.
type bulkAction int

const (
	bulkUnlock bulkAction = iota
	bulkReset
	bulkDisable
)

func newUsers(c *common) *usersScreen {
	si := newInput()
	si.Prompt = "/ "
	si.Placeholder = c.t("users.search.ph")
	si.CharLimit = 256
	s := &usersScreen{c: c, search: si, prompt: newPrompt(c), q: store.UserQuery{Sort: store.SortName}}
	s.list = newListPane(c, s.loader, s.columns).selectable(func(u model.User) int64 { return u.ID })
	s.list.empty = c.t("users.empty")
	s.list.styled = func(u model.User, j int, cell string) string {
		if j == 4 { // the status badge's colour
			return c.styles.Badge(u.Badge(c.now())).Render(cell)
		}
		return cell
	}
	s.buildActions()
	return s
}

// loader captures the search and filters for one page request.
func (s *usersScreen) loader(r pageRequest) func(context.Context) (listPage[model.User], error) {
	q := s.q
	q.Limit = r.Limit
	q.Brief = true // what the list shows and acts on; the User screen reads the whole row
	if at, ok := r.Cursor.(usersAt); ok {
		q.After, q.Before = at.after, at.before
	}
	if s.c.scopeOrg != 0 && q.OrgID == 0 {
		q.OrgID = s.c.scopeOrg
	}
	st, op := s.c.st, s.c.op
	return func(ctx context.Context) (listPage[model.User], error) {
		page, err := st.ListUsers(ctx, op, q)
		return listPage[model.User]{Rows: page.Users, HasPrev: page.HasPrev, HasNext: page.HasNext,
			Prev: usersAt{before: page.First}, Next: usersAt{after: page.Last},
			At: usersAt{after: q.After, before: q.Before}, Estimated: page.Estimated}, err
	}
}

func (s *usersScreen) buildActions() {
	c, k := s.c, s.c.keys
	do := func(f func()) func() tea.Cmd { return func() tea.Cmd { f(); return s.list.First() } }
	noRow := func() string {
		if len(s.list.Rows()) == 0 {
			return c.t("users.empty")
		}
		return ""
	}
	open := &action{binding: k.Open, group: 1, unavailable: noRow, run: func() tea.Cmd {
		u, _ := s.list.Current()
		return navigate("user", u.ID)
	}}
	searchAct := &action{binding: k.Search, group: 1, run: func() tea.Cmd {
		s.searching = true
		return s.search.Focus()
	}}
	status := &action{binding: k.Status, group: 2, run: do(func() { s.q.Status = nextStatus(s.q.Status) })}
	locked := &action{binding: k.Locked, group: 2, run: do(func() {
		if s.q.Locked == nil {
			t := true
			s.q.Locked = &t
		} else {
			s.q.Locked = nil
		}
	})}
	sortAct := &action{binding: k.Sort, group: 2, run: do(func() {
		for i, so := range store.UserSorts {
			if so == s.q.Sort {
				s.q.Sort = store.UserSorts[(i+1)%len(store.UserSorts)]
				break
			}
		}
	})}
	unlock := &action{binding: k.BulkUnlock, needs: model.ActionUnlock, group: 3, unavailable: noRow,
		run: func() tea.Cmd { return s.askBulk(bulkUnlock) }}
	reset := &action{binding: k.BulkReset, needs: model.ActionSendReset, group: 3, unavailable: noRow,
		run: func() tea.Cmd { return s.askBulk(bulkReset) }}
	disable := &action{binding: k.BulkDisable, needs: model.ActionDisable, dangerous: true, group: 3, unavailable: noRow,
		run: func() tea.Cmd { return s.askBulk(bulkDisable) }}
	s.actions = newActions(c,
		searchAct, open,
		&action{binding: k.Refresh, group: 1, run: func() tea.Cmd { return s.list.Reload() }},
		&action{binding: k.Back, group: 1, run: s.escape},
		status, locked,
		&action{binding: k.TOTP, group: 2, run: do(func() { s.q.TOTP = boolCycle(s.q.TOTP) })},
		&action{binding: k.MustChange, group: 2, run: do(func() { s.q.MustChange = boolCycle(s.q.MustChange) })},
		&action{binding: k.Org, group: 2, run: func() tea.Cmd {
			return s.prompt.Ask(askText, c.t("users.prompt.org"), s.orgSlug, "", s.setOrg)
		}},
		&action{binding: k.Inactive, group: 2, run: func() tea.Cmd {
			v := ""
			if s.q.InactiveDays > 0 {
				v = strconv.Itoa(s.q.InactiveDays)
			}
			return s.prompt.Ask(askText, c.t("users.prompt.inactive"), v, "", s.setInactive)
		}},
		sortAct,
		&action{binding: k.Clear, group: 2, run: func() tea.Cmd {
			s.q = store.UserQuery{Sort: store.SortName}
			s.orgSlug = ""
			s.search.SetValue("")
			return tea.Batch(s.list.First(), flashCmd(flashInfo, c.t("users.cleared")))
		}},
		unlock, reset, disable,
		&action{binding: k.Lockouts, group: 4, run: func() tea.Cmd { return navigate("lockouts", nil) }},
		&action{binding: k.Invite, needs: model.ActionInvite, group: 4, run: func() tea.Cmd { return navigate("invite", nil) }},
	)
	s.shortActs = []*action{searchAct, open, status, locked, sortAct}
}

func (s *usersScreen) Title() string { return s.c.t("users.title") }

func (s *usersScreen) Init() tea.Cmd { return s.list.First() }

// Busy tells the app to show the spinner.
func (s *usersScreen) Busy() bool { return s.busy || s.list.Busy() }

// Close cancels the in-flight query.
func (s *usersScreen) Close() { s.list.Stop() }

func (s *usersScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.search.Width = 32
	if w >= 160 {
		s.search.Width = 48
	}
	s.prompt.SetWidth(w)
	s.list.SetSize(w, max(2, h-2)) // the filter bar above, the counts line below
}

func (s *usersScreen) InputFocused() bool { return s.searching || s.prompt.Typing() }

func (s *usersScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case listPageMsg[model.User]:
		return s, s.list.Update(msg)
	case searchDebounceMsg:
		if !s.list.Latest(msg.seq) {
			return s, nil
		}
		return s, s.list.First()
	case bulkDoneMsg:
		return s, s.bulkDone(msg)
	case orgResolvedMsg:
		s.q.OrgID, s.orgSlug = msg.id, msg.slug
		return s, s.list.First()
	case reconnectedMsg, scopeChangedMsg:
		return s, s.list.Reload()
	case tea.WindowSizeMsg:
		if s.list.NeedsReload() {
			return s, s.list.Reload()
		}
	case tea.KeyMsg:
		switch {
		case s.prompt.Active():
			return s, s.prompt.Update(msg)
		case s.searching:
			return s, s.updateSearch(msg)
		}
		if cmd, ok := s.list.HandleKey(msg); ok {
			return s, cmd
		}
		cmd, _ := s.actions.dispatch(msg)
		return s, cmd
	}
	return s, nil
}

// escape clears the selection, then the search.
func (s *usersScreen) escape() tea.Cmd {
	if s.list.ClearSelection() {
		return nil
	}
	if s.q.Search != "" {
		s.search.SetValue("")
		s.q.Search = ""
		return s.list.First()
	}
	return nil
}

func (s *usersScreen) updateSearch(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEnter, tea.KeyDown, tea.KeyTab:
		s.searching = false
		s.search.Blur()
		return nil
	case tea.KeyEsc:
		s.searching = false
		s.search.Blur()
		if s.search.Value() != "" {
			s.search.SetValue("")
			s.q.Search = ""
			return s.list.First()
		}
		return nil
	}
	var cmd tea.Cmd
	s.search, cmd = s.search.Update(msg)
	if v := s.search.Value(); v != s.q.Search {
		s.q.Search = v
		seq := s.list.Invalidate() // the previous search is stale now
		return tea.Batch(cmd, s.c.tick(searchDebounce, func(time.Time) tea.Msg { return searchDebounceMsg{seq} }))
	}
	return cmd
}

func (s *usersScreen) setOrg(v string) tea.Cmd {
	if v == "" {
		s.q.OrgID, s.orgSlug = 0, ""
		return s.list.First()
	}
	c := s.c
	st, ctx, op := c.st, c.ctx, c.op
	return func() tea.Msg {
		o, err := st.OrganizationBySlug(ctx, op, v)
		if err != nil {
			return flashMsg{Level: flashError, Text: c.t("cmd.org.unknown", safe.Line(v))}
		}
		return orgResolvedMsg{id: o.ID, slug: o.Slug}
	}
}

func (s *usersScreen) setInactive(v string) tea.Cmd {
	if v == "" {
		s.q.InactiveDays = 0
		return s.list.First()
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 36500 {
		return flashCmd(flashError, s.c.t("users.prompt.bad.number"))
	}
	s.q.InactiveDays = n
	return s.list.First()
}

func boolCycle(v *bool) *bool {
	switch {
	case v == nil:
		t := true
		return &t
	case *v:
		f := false
		return &f
	}
	return nil
}

// askBulk asks about a bulk action on the selection (or the cursor row): a reason for an
// unlock, a yes for the others.
func (s *usersScreen) askBulk(what bulkAction) tea.Cmd {
	ids := s.list.Targets()
	c := s.c
	run := func(answer string) tea.Cmd { return s.bulk(what, ids, answer) }
	switch what {
	case bulkUnlock:
		return s.prompt.Ask(askReason, c.tn("bulk.unlock.prompt", len(ids)), "", "", run)
	case bulkReset:
		return s.prompt.Ask(askYesNo, c.tn("bulk.reset.prompt", len(ids)), "", "", run)
	}
	return s.prompt.Ask(askYesNo, c.tn("bulk.disable.prompt", len(ids)), "", "", run)
}

// bulk runs a bulk action on the users asked about. Every check (scope, role) is the store's.
func (s *usersScreen) bulk(what bulkAction, ids []int64, reason string) tea.Cmd {
	versions := map[int64]int{}
	for _, u := range s.list.Rows() {
		versions[u.ID] = u.Version
	}
	st, ctx, op := s.c.st, s.c.ctx, s.c.op
	s.busy = true
	return func() tea.Msg {
		if what == bulkUnlock {
			res, err := st.UnlockUsers(ctx, op, ids, reason, false)
			return bulkDoneMsg{what: what, done: len(res.Unlocked), err: err}
		}
		m := bulkDoneMsg{what: what}
		for _, id := range ids {
			var err error
			if what == bulkReset {
				err = st.SendResetLink(ctx, op, id)
			} else {
				v, ok := versions[id]
				if !ok { // selected on another page: read its current version
					u, gerr := st.GetUser(ctx, op, id)
					v, err = u.Version, gerr
				}
				if err == nil {
					_, err = st.DisableUser(ctx, op, id, v)
				}
			}
			if err != nil {
				m.failed++
				m.err = err
			} else {
				m.done++
			}
		}
		return m
	}
}

func (s *usersScreen) bulkDone(msg bulkDoneMsg) tea.Cmd {
	s.busy = false
	c := s.c
	var flash tea.Cmd
	switch {
	case msg.err != nil && msg.done == 0:
		flash = errCmd(msg.err)
	case msg.err != nil:
		flash = flashCmd(flashWarn, c.t("bulk.partial", msg.done, msg.failed, c.errText(msg.err)))
	default:
		done := [...]string{bulkUnlock: "bulk.unlocked", bulkReset: "bulk.reset.sent", bulkDisable: "bulk.disabled"}
		flash = flashCmd(flashInfo, c.tn(done[msg.what], msg.done))
		s.list.ClearSelection()
	}
	return tea.Batch(flash, s.list.Reload())
}

func nextStatus(cur model.Status) model.Status {
	order := []model.Status{"", model.StatusActive, model.StatusInvited, model.StatusDisabled, model.StatusDeleted}
	for i, st := range order {
		if st == cur {
			return order[(i+1)%len(order)]
		}
	}
	return ""
}

// SelectedIDs returns the selected users (for bulk actions).
func (s *usersScreen) SelectedIDs() []int64 { return s.list.Selected() }

func (s *usersScreen) ShortHelp() []key.Binding {
	if s.prompt.Active() {
		return s.prompt.ShortHelp()
	}
	a, k := s.shortActs, s.c.keys
	out := append(s.actions.short(a[0], a[1]), k.Select)
	return append(append(out, s.actions.short(a[2:]...)...), k.NextPage)
}

func (s *usersScreen) FullHelp() [][]key.Binding {
	return append(s.list.FullHelp(), s.actions.full()...)
}

func (s *usersScreen) columns(width int) []column[model.User] {
	c := s.c
	wide := width >= 140
	fixed := []column[model.User]{
		// As wide as its title in the session's language ("Code d'usager"), never cut.
		{c.t("users.col.login"), max(12, safe.Width(c.t("users.col.login"))), func(u model.User) string { return u.Login }},
		// As wide as its longest badge in the session's language.
		{c.t("users.col.status"), c.widestOf("users.col.status", "status.active", "status.invited", "status.disabled",
			"status.deleted", "status.locked", "status.must-change"),
			func(u model.User) string { return c.t("status." + u.Badge(c.now())) }},
		{c.t("users.col.totp"), 4, func(u model.User) string {
			if u.TOTPEnabled {
				return c.t("users.yes")
			}
			return c.t("users.no")
		}},
	}
	lastW := 10
	if wide {
		lastW = 16
	}
	// The sorted column says so in its header: names A→Z, last logins most recent first (the
	// creation order has no column: the filter bar names it).
	nameTitle, lastTitle := c.t("users.col.name"), c.t("users.col.lastlogin")
	switch s.q.Sort {
	case store.SortName, "":
		nameTitle += " ▲"
	case store.SortLastLogin:
		lastTitle += " ▼"
		lastW = max(lastW, safe.Width(lastTitle))
	}
	last := column[model.User]{lastTitle, lastW, func(u model.User) string {
		if u.LastLoginAt == nil {
			return c.t("users.never")
		}
		return fmtTime(u.LastLoginAt, wide)
	}}
	used := 2 // selection mark
	for _, f := range fixed {
		used += f.width + 1
	}
	used += last.width + 1
	rest := width - used
	if rest < 30 {
		rest = 30
	}
	nameW, emailW := rest*36/100, rest*40/100
	if width < 100 { // a narrow window keeps the name whole first: it is what a caller gives
		nameW, emailW = rest*45/100, rest*35/100
	}
	orgW := rest - nameW - emailW - 2
	return []column[model.User]{
		{nameTitle, nameW, func(u model.User) string {
			if u.MailFailed { // the account's latest e-mail failed (the count line says so)
				return c.t("users.mail.failed.mark") + u.Name
			}
			return u.Name
		}},
		fixed[0],
		{c.t("users.col.email"), emailW, func(u model.User) string { return u.Email }},
		{c.t("users.col.orgs"), orgW, func(u model.User) string { return strings.Join(u.Organizations, ",") }},
		fixed[1], fixed[2], last,
	}
}

func (s *usersScreen) filterBar() string {
	c := s.c
	st := c.styles
	if s.prompt.Active() {
		return s.prompt.View()
	}
	var parts []string
	if s.searching || s.q.Search != "" {
		parts = append(parts, s.search.View())
	} else {
		parts = append(parts, st.Dim.Render("/ "+c.t("users.search")))
	}
	status := c.t("users.filter.any")
	if s.q.Status != "" {
		status = c.t("status." + string(s.q.Status))
	}
	parts = append(parts, st.Label.Render(c.t("users.filter.status")+":")+status)
	if s.orgSlug != "" {
		parts = append(parts, st.Label.Render(c.t("users.filter.org")+":")+safe.Line(s.orgSlug))
	}
	if s.q.Locked != nil {
		parts = append(parts, st.BadgeLocked.Render(c.t("users.filter.locked")))
	}
	if s.q.TOTP != nil {
		v := c.t("users.no")
		if *s.q.TOTP {
			v = c.t("users.yes")
		}
		parts = append(parts, st.Label.Render(c.t("users.filter.totp")+":")+v)
	}
	if s.q.MustChange != nil {
		v := c.t("users.no")
		if *s.q.MustChange {
			v = c.t("users.yes")
		}
		parts = append(parts, st.Label.Render(c.t("users.filter.mustchange")+":")+v)
	}
	if s.q.InactiveDays > 0 {
		parts = append(parts, c.t("users.filter.inactive", s.q.InactiveDays))
	}
	parts = append(parts, st.Label.Render(c.t("users.filter.sort")+":")+c.t("users.sort."+string(s.q.Sort)))
	return strings.Join(parts, "  ")
}

func (s *usersScreen) View() string {
	var b strings.Builder
	b.WriteString(s.filterBar())
	b.WriteByte('\n')
	b.WriteString(s.list.View())
	b.WriteByte('\n')
	b.WriteString(s.c.styles.Dim.Render(s.countLine()))
	return b.String()
}

func (s *usersScreen) countLine() string {
	c := s.c
	page := s.list.Page()
	n := len(page.Rows)
	if n == 0 {
		return ""
	}
	from, to := s.list.Offset()+1, s.list.Offset()+n
	var line string
	if !page.HasNext && !page.HasPrev {
		line = c.t("users.rows.exact", from, to, n)
	} else {
		est := max(page.Estimated, int64(to))
		line = c.t("users.rows", from, to, humanCount(est))
	}
	if k := len(s.list.Selected()); k > 0 {
		line += "  ·  " + c.tn("users.selected", k)
	}
	for _, u := range page.Rows {
		if u.MailFailed {
			line += "  ·  " + c.t("users.mail.failed.legend")
			break
		}
	}
	return line
}

// humanCount writes 1234567 as "1,234,567".
func humanCount(n int64) string {
	str := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range str {
		if i > 0 && (len(str)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
