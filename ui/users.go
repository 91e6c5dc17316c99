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

// usersScreen is the home screen: a keyset-paged, searchable, filterable table of users.
type usersScreen struct {
	c      *common
	width  int
	height int

	search    textinput.Model
	searching bool
	prompt    textinput.Model
	promptFor string  // "", "org", "inactive", "unlock", "reset", "disable"
	bulkIDs   []int64 // the users a bulk prompt is about

	q       store.UserQuery
	orgSlug string
	page    store.UserPage
	offset  int // index of the page's first row in the whole result (for "1–50 of ~N")
	cursor  int
	sel     map[int64]bool
	loaded  bool
	busy    bool
	seq     int
	cancel  context.CancelFunc
	// the request that produced the current page, to reload it in place
	curAfter, curBefore *store.Cursor
	curOffset           int
	limit               int // page size of the last request
}

type pendingMove int

const (
	moveNone pendingMove = iota
	moveTop
	moveBottom
)

type usersPageMsg struct {
	seq    int
	after  *store.Cursor
	before *store.Cursor
	page   store.UserPage
	offset int
	move   pendingMove
	err    error
}

type searchDebounceMsg struct{ seq int }

type orgResolvedMsg struct {
	id   int64
	slug string
}

func newUsers(c *common) *usersScreen {
	si := newInput()
	si.Prompt = "/ "
	si.Placeholder = c.t("users.search.ph")
	si.CharLimit = 256
	pi := newInput()
	pi.CharLimit = 64
	return &usersScreen{c: c, search: si, prompt: pi, sel: map[int64]bool{}, q: store.UserQuery{Sort: store.SortName}}
}

func (s *usersScreen) Title() string { return s.c.t("users.title") }

func (s *usersScreen) Init() tea.Cmd { return s.load(nil, nil, 0, moveTop) }

// Busy tells the app to show the spinner.
func (s *usersScreen) Busy() bool { return s.busy }

// Close cancels the in-flight query.
func (s *usersScreen) Close() {
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *usersScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.search.Width = 32
	if w >= 160 {
		s.search.Width = 48
	}
}

func (s *usersScreen) InputFocused() bool { return s.searching || s.promptFor != "" }

// pageSize is how many rows fit: the body minus the filter bar, table header and counts line.
func (s *usersScreen) pageSize() int {
	n := s.height - 3
	if n < 1 {
		n = 1
	}
	return n
}

// load asks the store for a page; the previous request is cancelled and its answer dropped.
func (s *usersScreen) load(after, before *store.Cursor, offset int, move pendingMove) tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	s.seq++
	s.busy = true
	q := s.q
	q.After, q.Before, q.Limit = after, before, s.pageSize()
	s.limit = q.Limit
	if s.c.scopeOrg != 0 && q.OrgID == 0 {
		q.OrgID = s.c.scopeOrg
	}
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	st, op, seq := s.c.st, s.c.op, s.seq
	return func() tea.Msg {
		page, err := st.ListUsers(ctx, op, q)
		return usersPageMsg{seq: seq, after: after, before: before, page: page, offset: offset, move: move, err: err}
	}
}

// reload asks again for the page on screen (after an action, a reconnect, a scope change).
func (s *usersScreen) reload() tea.Cmd {
	return s.load(s.curAfter, s.curBefore, s.curOffset, moveNone)
}

func (s *usersScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case usersPageMsg:
		if msg.seq != s.seq {
			return s, nil // a late answer to an older request
		}
		s.busy = false
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.page, s.offset, s.loaded = msg.page, msg.offset, true
		s.curAfter, s.curBefore, s.curOffset = msg.after, msg.before, msg.offset
		switch msg.move {
		case moveTop:
			s.cursor = 0
		case moveBottom:
			s.cursor = len(s.page.Users) - 1
		}
		if s.cursor >= len(s.page.Users) {
			s.cursor = len(s.page.Users) - 1
		}
		if s.cursor < 0 {
			s.cursor = 0
		}
		return s, nil
	case searchDebounceMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		return s, s.load(nil, nil, 0, moveTop)
	case bulkDoneMsg:
		s.busy = false
		c := s.c
		var flash tea.Cmd
		switch {
		case msg.err != nil && msg.done == 0:
			flash = func() tea.Msg { return errMsg{msg.err} }
		case msg.err != nil:
			flash = flashCmd(flashWarn, c.t("bulk.partial", msg.done, msg.failed, c.errText(msg.err)))
		default:
			key := map[string]string{"unlock": "bulk.unlocked", "reset": "bulk.reset.sent", "disable": "bulk.disabled"}[msg.what]
			flash = flashCmd(flashInfo, c.t(key, msg.done))
			s.sel = map[int64]bool{}
		}
		return s, tea.Batch(flash, s.reload())
	case orgResolvedMsg:
		s.q.OrgID, s.orgSlug = msg.id, msg.slug
		return s, s.load(nil, nil, 0, moveTop)
	case reconnectedMsg, scopeChangedMsg:
		return s, s.reload()
	case tea.WindowSizeMsg:
		if s.limit != 0 && s.pageSize() != s.limit {
			return s, s.reload()
		}
	case tea.KeyMsg:
		if s.searching {
			return s.updateSearch(msg)
		}
		if s.promptFor != "" {
			return s.updatePrompt(msg)
		}
		return s.updateKeys(msg)
	}
	return s, nil
}

func (s *usersScreen) updateSearch(msg tea.KeyMsg) (Screen, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter, tea.KeyDown, tea.KeyTab:
		s.searching = false
		s.search.Blur()
		return s, nil
	case tea.KeyEsc:
		s.searching = false
		s.search.Blur()
		if s.search.Value() != "" {
			s.search.SetValue("")
			s.q.Search = ""
			return s, s.load(nil, nil, 0, moveTop)
		}
		return s, nil
	}
	var cmd tea.Cmd
	s.search, cmd = s.search.Update(msg)
	if v := s.search.Value(); v != s.q.Search {
		s.q.Search = v
		if s.cancel != nil {
			s.cancel() // the previous search is stale now
		}
		s.seq++
		seq := s.seq
		return s, tea.Batch(cmd, s.c.tick(searchDebounce, func(time.Time) tea.Msg { return searchDebounceMsg{seq} }))
	}
	return s, cmd
}

func (s *usersScreen) updatePrompt(msg tea.KeyMsg) (Screen, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		s.promptFor = ""
		s.prompt.Blur()
		return s, nil
	case tea.KeyEnter:
		what, v := s.promptFor, strings.TrimSpace(s.prompt.Value())
		s.promptFor = ""
		s.prompt.Blur()
		switch what {
		case "org":
			if v == "" {
				s.q.OrgID, s.orgSlug = 0, ""
				return s, s.load(nil, nil, 0, moveTop)
			}
			c := s.c
			st, ctx, op := c.st, c.ctx, c.op
			return s, func() tea.Msg {
				o, err := st.OrganizationBySlug(ctx, op, v)
				if err != nil {
					return flashMsg{Level: flashError, Text: c.t("cmd.org.unknown", safe.Line(v))}
				}
				return orgResolvedMsg{id: o.ID, slug: o.Slug}
			}
		case "unlock", "reset", "disable":
			return s, s.bulk(what, v)
		case "inactive":
			if v == "" {
				s.q.InactiveDays = 0
				return s, s.load(nil, nil, 0, moveTop)
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 36500 {
				return s, flashCmd(flashError, s.c.t("users.prompt.bad.number"))
			}
			s.q.InactiveDays = n
			return s, s.load(nil, nil, 0, moveTop)
		}
		return s, nil
	}
	var cmd tea.Cmd
	s.prompt, cmd = s.prompt.Update(msg)
	return s, cmd
}

func (s *usersScreen) openPrompt(what, label, value string) tea.Cmd {
	s.promptFor = what
	s.prompt.Prompt = label + " "
	s.prompt.SetValue(value)
	s.prompt.CursorEnd()
	return s.prompt.Focus()
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

func (s *usersScreen) updateKeys(msg tea.KeyMsg) (Screen, tea.Cmd) {
	k := s.c.keys
	n := len(s.page.Users)
	switch {
	case key.Matches(msg, k.Search):
		s.searching = true
		return s, s.search.Focus()
	case key.Matches(msg, k.Down):
		if s.cursor < n-1 {
			s.cursor++
		} else if s.page.HasNext {
			return s, s.nextPage()
		}
	case key.Matches(msg, k.Up):
		if s.cursor > 0 {
			s.cursor--
		} else if s.page.HasPrev {
			return s, s.prevPage(moveBottom)
		}
	case key.Matches(msg, k.Top):
		s.cursor = 0
	case key.Matches(msg, k.Bottom):
		s.cursor = n - 1
	case key.Matches(msg, k.NextPage):
		if s.page.HasNext {
			return s, s.nextPage()
		}
		s.cursor = n - 1
	case key.Matches(msg, k.PrevPage):
		if s.page.HasPrev {
			return s, s.prevPage(moveTop)
		}
		s.cursor = 0
	case key.Matches(msg, k.Select):
		if n > 0 {
			id := s.page.Users[s.cursor].ID
			if s.sel[id] {
				delete(s.sel, id)
			} else {
				s.sel[id] = true
			}
			if s.cursor < n-1 {
				s.cursor++
			}
		}
	case key.Matches(msg, k.SelectAll):
		all := true
		for _, u := range s.page.Users {
			all = all && s.sel[u.ID]
		}
		for _, u := range s.page.Users {
			if all {
				delete(s.sel, u.ID)
			} else {
				s.sel[u.ID] = true
			}
		}
	case key.Matches(msg, k.Open):
		if n > 0 {
			return s, navigate("user", s.page.Users[s.cursor].ID)
		}
	case key.Matches(msg, k.Back):
		if len(s.sel) > 0 {
			s.sel = map[int64]bool{}
			return s, nil
		}
		if s.q.Search != "" {
			s.search.SetValue("")
			s.q.Search = ""
			return s, s.load(nil, nil, 0, moveTop)
		}
	case key.Matches(msg, k.Status):
		s.q.Status = nextStatus(s.q.Status)
		return s, s.load(nil, nil, 0, moveTop)
	case key.Matches(msg, k.Locked):
		if s.q.Locked == nil {
			t := true
			s.q.Locked = &t
		} else {
			s.q.Locked = nil
		}
		return s, s.load(nil, nil, 0, moveTop)
	case key.Matches(msg, k.TOTP):
		s.q.TOTP = boolCycle(s.q.TOTP)
		return s, s.load(nil, nil, 0, moveTop)
	case key.Matches(msg, k.MustChange):
		s.q.MustChange = boolCycle(s.q.MustChange)
		return s, s.load(nil, nil, 0, moveTop)
	case key.Matches(msg, k.Org):
		return s, s.openPrompt("org", s.c.t("users.prompt.org"), s.orgSlug)
	case key.Matches(msg, k.Inactive):
		v := ""
		if s.q.InactiveDays > 0 {
			v = strconv.Itoa(s.q.InactiveDays)
		}
		return s, s.openPrompt("inactive", s.c.t("users.prompt.inactive"), v)
	case key.Matches(msg, k.Sort):
		for i, so := range store.UserSorts {
			if so == s.q.Sort {
				s.q.Sort = store.UserSorts[(i+1)%len(store.UserSorts)]
				break
			}
		}
		return s, s.load(nil, nil, 0, moveTop)
	case key.Matches(msg, k.Clear):
		s.q = store.UserQuery{Sort: s.q.Sort}
		s.orgSlug = ""
		s.search.SetValue("")
		return s, tea.Batch(s.load(nil, nil, 0, moveTop), flashCmd(flashInfo, s.c.t("users.cleared")))
	case key.Matches(msg, k.Refresh):
		return s, s.reload()
	// The action keys are enabled from the session's policy (KeyMap.enableFrom).
	case key.Matches(msg, k.BulkUnlock):
		return s, s.openBulk("unlock", "bulk.unlock.prompt")
	case key.Matches(msg, k.BulkReset):
		return s, s.openBulk("reset", "bulk.reset.prompt")
	case key.Matches(msg, k.BulkDisable):
		return s, s.openBulk("disable", "bulk.disable.prompt")
	case key.Matches(msg, k.Lockouts):
		if _, ok := screens["lockouts"]; ok {
			return s, navigate("lockouts", nil)
		}
	case key.Matches(msg, k.Invite):
		if _, ok := screens["invite"]; ok {
			return s, navigate("invite", nil)
		}
	default:
		return s, s.c.refused(msg, actionKey{k.BulkUnlock, model.ActionUnlock}, actionKey{k.BulkReset, model.ActionSendReset},
			actionKey{k.BulkDisable, model.ActionDisable}, actionKey{k.Invite, model.ActionInvite})
	}
	return s, nil
}

// bulkAction is the action of a bulk prompt.
func bulkAction(what string) model.Action {
	switch what {
	case "unlock":
		return model.ActionUnlock
	case "reset":
		return model.ActionSendReset
	case "disable":
		return model.ActionDisable
	}
	return 0
}

// targets are the selected users, or the cursor row when nothing is selected.
func (s *usersScreen) targets() []int64 {
	if len(s.sel) > 0 {
		return s.SelectedIDs()
	}
	if len(s.page.Users) > 0 {
		return []int64{s.page.Users[s.cursor].ID}
	}
	return nil
}

func (s *usersScreen) openBulk(what, promptKey string) tea.Cmd {
	ids := s.targets()
	if len(ids) == 0 {
		return nil
	}
	s.bulkIDs = ids
	return s.openPrompt(what, s.c.t(promptKey, len(ids)), "")
}

type bulkDoneMsg struct {
	what   string
	done   int
	failed int
	err    error
}

// bulk runs a bulk action on the prompted users. Every check (scope, role) is the store's.
func (s *usersScreen) bulk(what, answer string) tea.Cmd {
	c := s.c
	ids := s.bulkIDs
	s.bulkIDs = nil
	if no := c.refusedAction(bulkAction(what)); no != nil {
		return no
	}
	if what != "unlock" && !isYes(answer) {
		return flashCmd(flashWarn, c.t("bulk.cancelled"))
	}
	if what == "unlock" && answer == "" {
		return flashCmd(flashError, c.t("bulk.reason.needed"))
	}
	versions := map[int64]int{}
	for _, u := range s.page.Users {
		versions[u.ID] = u.Version
	}
	st, ctx, op := c.st, c.ctx, c.op
	s.busy = true
	return func() tea.Msg {
		switch what {
		case "unlock":
			res, err := st.UnlockUsers(ctx, op, ids, answer, false)
			return bulkDoneMsg{what: what, done: len(res.Unlocked), err: err}
		}
		m := bulkDoneMsg{what: what}
		for _, id := range ids {
			var err error
			if what == "reset" {
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

func isYes(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "y" || s == "yes" || s == "o" || s == "oui"
}

func (s *usersScreen) nextPage() tea.Cmd {
	return s.load(s.page.Last, nil, s.offset+len(s.page.Users), moveTop)
}

func (s *usersScreen) prevPage(move pendingMove) tea.Cmd {
	off := s.offset - s.pageSize()
	if off < 0 {
		off = 0
	}
	return s.load(nil, s.page.First, off, move)
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
func (s *usersScreen) SelectedIDs() []int64 {
	ids := make([]int64, 0, len(s.sel))
	for id := range s.sel {
		ids = append(ids, id)
	}
	return ids
}

func (s *usersScreen) ShortHelp() []key.Binding {
	k := s.c.keys
	return []key.Binding{k.Search, k.Open, k.Select, k.Status, k.Locked, k.Sort, k.NextPage}
}

func (s *usersScreen) FullHelp() [][]key.Binding {
	k := s.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.NextPage, k.PrevPage},
		{k.Search, k.Open, k.Select, k.SelectAll, k.Refresh},
		{k.Status, k.Locked, k.TOTP, k.MustChange, k.Org, k.Inactive, k.Sort, k.Clear},
		{k.BulkUnlock, k.BulkReset, k.BulkDisable},
		{k.Lockouts, k.Invite},
	}
}

func (s *usersScreen) columns() []column[model.User] {
	c := s.c
	wide := s.width >= 140
	fixed := []column[model.User]{
		{c.t("users.col.login"), 12, func(u model.User) string { return u.Login }},
		{c.t("users.col.status"), 12, func(u model.User) string { return c.t("status." + u.Badge(c.now())) }},
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
	last := column[model.User]{c.t("users.col.lastlogin"), lastW, func(u model.User) string {
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
	rest := s.width - used
	if rest < 30 {
		rest = 30
	}
	nameW, emailW := rest*36/100, rest*40/100
	orgW := rest - nameW - emailW - 2
	return []column[model.User]{
		{c.t("users.col.name"), nameW, func(u model.User) string { return u.Name }},
		fixed[0],
		{c.t("users.col.email"), emailW, func(u model.User) string { return u.Email }},
		{c.t("users.col.orgs"), orgW, func(u model.User) string { return strings.Join(u.Organizations, ",") }},
		fixed[1], fixed[2], last,
	}
}

func (s *usersScreen) filterBar() string {
	c := s.c
	st := c.styles
	if s.promptFor != "" {
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
	c := s.c
	st := c.styles
	var b strings.Builder
	b.WriteString(s.filterBar())
	b.WriteByte('\n')
	cols := s.columns()
	b.WriteString(tableHeader(cols, st.TableHeader))
	b.WriteByte('\n')
	users := s.page.Users
	if s.loaded && len(users) == 0 {
		b.WriteString(st.Dim.Render("  " + c.t("users.empty")))
		b.WriteByte('\n')
	}
	for i, u := range users {
		mark := "  "
		if s.sel[u.ID] {
			mark = "● "
		}
		line := tableRow(cols, u, mark, func(j int, cell string) string {
			if j == 4 && i != s.cursor { // status badge colour
				return st.Badge(u.Badge(c.now())).Render(cell)
			}
			return cell
		})
		switch {
		case i == s.cursor:
			line = st.RowCursor.Render(line)
		case s.sel[u.ID]:
			line = st.RowSelected.Render(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for i := len(users); i < s.pageSize(); i++ {
		if !(s.loaded && len(users) == 0 && i == 0) {
			b.WriteByte('\n')
		}
	}
	b.WriteString(st.Dim.Render(s.countLine()))
	return b.String()
}

func (s *usersScreen) countLine() string {
	c := s.c
	n := len(s.page.Users)
	if n == 0 {
		return ""
	}
	from, to := s.offset+1, s.offset+n
	var line string
	if !s.page.HasNext && !s.page.HasPrev {
		line = c.t("users.rows.exact", from, to, n)
	} else {
		est := s.page.Estimated
		if est < int64(to) {
			est = int64(to)
		}
		line = c.t("users.rows", from, to, humanCount(est))
	}
	if len(s.sel) > 0 {
		line += "  ·  " + c.t("users.selected", len(s.sel))
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
