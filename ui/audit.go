package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
	"gatehouse/ui/table"
)

func init() {
	registerScreen("audit", func(c *common, arg any) Screen {
		text, _ := arg.(string)
		return newAudit(c, text)
	})
}

// auditScreen is the audit log: who did what to whom and when, newest first, in a list pane
// paged by keyset (each page asks for rows older than the last one seen), filtered by
// operator, user, action and time through the shared prompt. enter shows one row in full.
type auditScreen struct {
	c      *common
	width  int
	height int

	filterText string // the filter in force, as typed
	q          store.AuditQuery
	resolve    request // the store's lookup of a filter's user

	list   *listPane[model.AuditEntry]
	rows   *listDetail[model.AuditEntry] // the list, or the row under the cursor in full
	prompt *prompt
	short  []*action
}

// auditFilterMsg carries a filter whose user the store resolved (or did not find).
type auditFilterMsg struct {
	seq    int
	text   string
	q      store.AuditQuery
	nouser string // the user named but not found in the operator's scope
	err    error
}

func newAudit(c *common, initial string) *auditScreen {
	s := &auditScreen{c: c, prompt: newPrompt(c), filterText: strings.TrimSpace(initial)}
	s.prompt.SetPlaceholder(c.t("audit.filter.ph"))
	s.list = newListPane(c, s.loader, s.columns)
	s.list.empty = c.t("audit.empty")
	s.rows = newListDetail(c, s.list, c.keys.Open, s.noRow)
	s.buildActions()
	return s
}

// loader captures the filter for one page request; the store is asked for one row more than
// fits, to know whether older rows follow.
func (s *auditScreen) loader(r pageRequest) func(context.Context) (listPage[model.AuditEntry], error) {
	at := forwardFrom[int64](r)
	q := s.q
	q.BeforeID, q.Limit = at.at, r.Limit+1
	st, op, limit := s.c.st, s.c.op, r.Limit
	return func(ctx context.Context) (listPage[model.AuditEntry], error) {
		rows, err := st.ListAudit(ctx, op, q)
		more := len(rows) > limit
		if more {
			rows = rows[:limit]
		}
		var last int64
		if len(rows) > 0 {
			last = rows[len(rows)-1].ID
		}
		return forwardPage(at, rows, more, last), err
	}
}

func (s *auditScreen) buildActions() {
	k := s.c.keys
	filter := &action{binding: s.filterKey(), group: 1, run: s.askFilter}
	open := s.rows.open
	clear := &action{binding: k.Clear, group: 1, run: s.clearFilter}
	leave := &action{binding: k.Back, group: 1, run: func() tea.Cmd { return back }}
	s.rows.setActions([]*action{filter, clear, open,
		{binding: k.Refresh, group: 1, run: func() tea.Cmd { return s.list.Reload() }},
		leave})
	s.short = []*action{filter, open, clear, leave}
}

func (s *auditScreen) noRow() string {
	if len(s.list.Rows()) == 0 {
		return s.c.t("audit.empty")
	}
	return ""
}

func (s *auditScreen) Title() string { return s.c.t("audit.title") }

// Init loads the newest page, or applies the filter given with ":audit FILTER".
func (s *auditScreen) Init() tea.Cmd {
	if s.filterText != "" {
		text := s.filterText
		s.filterText = ""
		return s.applyFilter(text)
	}
	return s.list.First()
}

func (s *auditScreen) Busy() bool { return s.list.Busy() || s.resolve.inflight }

func (s *auditScreen) Close() {
	s.list.Stop()
	s.resolve.stop()
}

func (s *auditScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.prompt.SetWidth(w)
	s.list.SetSize(w, max(2, h-2)) // the filter bar above, the count line below
}

func (s *auditScreen) InputFocused() bool { return s.prompt.Typing() }

// askFilter opens the filter line with the filter in force.
func (s *auditScreen) askFilter() tea.Cmd {
	return s.prompt.Ask(askText, "/", s.filterText, "", s.applyFilter)
}

// refuseFilter asks again for a filter that was refused, what was typed kept, after the
// reason (a flash, or the app's answer to a failed lookup). The rows on screen stay as they
// were: the newest page when the screen was opened with that filter.
func (s *auditScreen) refuseFilter(text string, why tea.Cmd) tea.Cmd {
	cmd := tea.Batch(why, s.prompt.Ask(askText, "/", text, "", s.applyFilter))
	if !s.list.Loaded() && !s.list.Busy() {
		cmd = tea.Batch(cmd, s.list.First())
	}
	return cmd
}

// applyFilter parses a filter line; a user named by login code or e-mail is resolved by the
// store within the operator's scope before the filter takes effect.
func (s *auditScreen) applyFilter(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	f, ferr := ParseAuditFilter(text, s.c.now())
	if ferr != nil {
		return s.refuseFilter(text, flashCmd(flashError, s.c.t(ferr.Key, ferr.Arg)))
	}
	if f.User == "" {
		s.resolve.invalidate()
		return s.setFilter(text, f.Query)
	}
	ctx, seq := s.resolve.start(s.c.ctx)
	st, op, ident, q := s.c.st, s.c.op, f.User, f.Query
	return func() tea.Msg {
		u, err := st.FindUser(ctx, op, ident)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return auditFilterMsg{seq: seq, text: text, nouser: ident}
		case err != nil:
			return auditFilterMsg{seq: seq, text: text, err: err}
		}
		q.UserID = u.ID
		return auditFilterMsg{seq: seq, text: text, q: q}
	}
}

// setFilter puts a filter in force and shows its newest page.
func (s *auditScreen) setFilter(text string, q store.AuditQuery) tea.Cmd {
	s.filterText, s.q = text, q
	return s.list.First()
}

// clearFilter drops the filter in force (and a lookup still running for a new one).
func (s *auditScreen) clearFilter() tea.Cmd {
	s.resolve.invalidate()
	if s.filterText == "" {
		return nil
	}
	return s.setFilter("", store.AuditQuery{})
}

func (s *auditScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case listPageMsg[model.AuditEntry]:
		return s, s.rows.Update(msg)
	case auditFilterMsg:
		return s, s.filterResolved(msg)
	case reconnectedMsg, scopeChangedMsg:
		return s, s.list.Reload()
	case tea.WindowSizeMsg:
		if s.list.NeedsReload() {
			return s, s.list.Reload()
		}
	case tea.KeyMsg:
		return s, s.updateKeys(msg)
	}
	return s, nil
}

func (s *auditScreen) filterResolved(msg auditFilterMsg) tea.Cmd {
	if !s.resolve.done(msg.seq) {
		return nil // a lookup for a filter since replaced or cleared
	}
	switch {
	case msg.err != nil:
		return s.refuseFilter(msg.text, errCmd(msg.err))
	case msg.nouser != "":
		return s.refuseFilter(msg.text, flashCmd(flashError, s.c.t("audit.filter.nouser", safe.Line(msg.nouser))))
	}
	return s.setFilter(msg.text, msg.q)
}

func (s *auditScreen) updateKeys(msg tea.KeyMsg) tea.Cmd {
	if s.prompt.Active() {
		return s.prompt.Update(msg)
	}
	return s.rows.HandleKey(msg)
}

func (s *auditScreen) ShortHelp() []key.Binding {
	k := s.c.keys
	switch {
	case s.prompt.Active():
		return s.prompt.ShortHelp()
	case s.rows.Shown():
		return s.rows.DetailShortHelp()
	}
	a, t := s.short, s.rows.actions
	out := append(t.short(a[0], a[1]), k.NextPage, k.PrevPage)
	return append(out, t.short(a[2:]...)...)
}

func (s *auditScreen) FullHelp() [][]key.Binding {
	return append(s.list.FullHelp(), s.rows.actions.full()...)
}

// filterKey is "/" described as the audit filter.
func (s *auditScreen) filterKey() key.Binding {
	b := s.c.keys.Search
	b.SetHelp("/", s.c.t("audit.key.filter"))
	return b
}

// target names whom a row is about: the user's login code, else the organization.
func (s *auditScreen) target(e model.AuditEntry) string {
	switch {
	case e.TargetLogin != "":
		return e.TargetLogin
	case e.TargetUserID != nil:
		return "#" + strconv.FormatInt(*e.TargetUserID, 10)
	case e.TargetOrg != "":
		return s.c.t("audit.target.org", e.TargetOrg)
	case e.TargetOrgID != nil:
		return s.c.t("audit.target.org", "#"+strconv.FormatInt(*e.TargetOrgID, 10))
	}
	return "—"
}

// columns lays the list out within width: the operator, action and target columns as wide as
// the rows on the page need (the target whole where the line allows: "initech
// (établissement)"), each within its cap at this width; the summary takes the rest, at least
// auditSummaryMin cells.
func (s *auditScreen) columns(width int) []column[model.AuditEntry] {
	c := s.c
	cols := []column[model.AuditEntry]{
		{c.t("audit.col.when"), 16, func(e model.AuditEntry) string { return fmtTime(&e.At, true) }},
		{c.t("audit.col.operator"), 12, func(e model.AuditEntry) string { return e.OperatorName }},
		{c.t("audit.col.action"), 18, func(e model.AuditEntry) string { return model.ActionIn(c.lang, e.Action) }},
		{c.t("audit.col.target"), 12, s.target},
	}
	switch {
	case width >= 140:
		cols[1].width, cols[2].width, cols[3].width = 16, 22, 32
	case width < 100:
		cols[1].width, cols[2].width, cols[3].width = 10, 14, 24
	}
	// The sized columns' cells: their titles and the page's rows.
	rows := [][]string{{cols[1].title, cols[2].title, cols[3].title}}
	for _, e := range s.list.Rows() {
		rows = append(rows, []string{cols[1].cell(e), cols[2].cell(e), cols[3].cell(e)})
	}
	fit := table.Widths(rows, []int{cols[1].width, cols[2].width, cols[3].width})
	cols[1].width, cols[2].width = fit[0], fit[1]
	used := 2
	for _, col := range cols[:3] {
		used += col.width + 1
	}
	cols[3].width = max(1, min(fit[2], width-used-1-auditSummaryMin))
	used += cols[3].width + 1
	rest := max(10, width-used)
	return append(cols, column[model.AuditEntry]{c.t("audit.col.summary"), rest, func(e model.AuditEntry) string { return e.SummaryIn(c.lang) }})
}

// auditSummaryMin is the least the summary column keeps on a narrow line.
const auditSummaryMin = 12

func (s *auditScreen) View() string {
	if e, ok := s.list.Current(); ok && s.rows.Shown() {
		return s.detailView(e)
	}
	var b strings.Builder
	b.WriteString(s.filterBar())
	b.WriteByte('\n')
	b.WriteString(s.list.View())
	b.WriteByte('\n')
	b.WriteString(s.c.styles.Dim.Render(s.countLine()))
	return b.String()
}

// filterBar is the open filter question, the filter in force, or the filter's syntax.
func (s *auditScreen) filterBar() string {
	st := s.c.styles
	switch {
	case s.prompt.Active():
		return s.prompt.View()
	case s.filterText != "":
		return st.Label.Render("/ ") + safe.Truncate(safe.Line(s.filterText), s.width-4)
	}
	return st.Dim.Render(safe.Pad("/ "+s.c.t("audit.filter.ph"), s.width-4))
}

func (s *auditScreen) countLine() string {
	page := s.list.Page()
	if len(page.Rows) == 0 {
		return ""
	}
	line := s.c.tn("audit.page", len(page.Rows), forwardNumber[model.AuditEntry, int64](page))
	if page.HasNext {
		line += "  ·  " + s.c.t("audit.more")
	}
	return line
}

// detailView shows one row in full: every field, the summary wrapped to the window.
func (s *auditScreen) detailView(e model.AuditEntry) string {
	c := s.c
	st := c.styles
	var b strings.Builder
	lw := max(14, c.widestOf("audit.f.id", "audit.f.at", "audit.f.operator", "audit.f.action", "audit.f.user", "audit.f.org"))
	field := func(label, value string) {
		b.WriteString("  " + st.Label.Render(safe.Pad(label, lw)) + " " + safe.Line(value) + "\n")
	}
	field(c.t("audit.f.id"), strconv.FormatInt(e.ID, 10))
	field(c.t("audit.f.at"), e.At.UTC().Format("2006-01-02 15:04:05.000000 MST"))
	field(c.t("audit.f.operator"), e.OperatorName)
	action := e.Action
	if name := model.ActionIn(c.lang, e.Action); name != e.Action {
		action = name + " (" + e.Action + ")"
	}
	field(c.t("audit.f.action"), action)
	user := "—"
	if e.TargetUserID != nil {
		user = "#" + strconv.FormatInt(*e.TargetUserID, 10)
		if e.TargetLogin != "" {
			user = e.TargetLogin + " (" + user + ")"
		}
	}
	field(c.t("audit.f.user"), user)
	org := "—"
	if e.TargetOrgID != nil {
		org = "#" + strconv.FormatInt(*e.TargetOrgID, 10)
		if e.TargetOrg != "" {
			org = e.TargetOrg + " (" + org + ")"
		}
	}
	field(c.t("audit.f.org"), org)
	b.WriteString("\n  " + st.Section.Render(c.t("audit.f.summary")) + "\n")
	for _, line := range wrapCells(safe.Text(e.SummaryIn(c.lang)), s.width-4) {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("\n  " + st.Dim.Render(c.t("audit.detail.hint")))
	return b.String()
}

// wrapCells breaks sanitized text into lines of at most w cells, at spaces when it can. A
// word longer than a line is cut into pieces, every character kept, in one pass (a summary
// can be a 1 MB word).
func wrapCells(text string, w int) []string {
	if w < 10 {
		w = 10
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		// Broken at spaces and tabs only: a no-break space (French "connexion ;") holds.
		for _, word := range strings.FieldsFunc(para, func(r rune) bool { return r == ' ' || r == '\t' }) {
			ww := safe.Width(word)
			for ww > w { // a word longer than the line: cut it
				if line != "" {
					out = append(out, line)
					line = ""
				}
				head, hw := cutCells(word, w)
				out = append(out, head)
				word, ww = word[len(head):], ww-hw
			}
			switch {
			case word == "":
			case line == "":
				line = word
			case safe.Width(line)+1+ww <= w:
				line += " " + word
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return out
}

// cutCells returns the longest prefix of s (sanitized, one line) of at most w cells, never
// splitting a grapheme cluster, and its width; at least one cluster, so a caller advances.
func cutCells(s string, w int) (string, int) {
	i, width := 0, 0
	for i < len(s) {
		cl, _ := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		cw := ansi.StringWidth(cl)
		if width+cw > w && i > 0 {
			break
		}
		i, width = i+len(cl), width+cw
	}
	return s[:i], width
}

// AuditFilter is a parsed audit filter line.
type AuditFilter struct {
	Query store.AuditQuery // operator, action, since, until
	User  string           // id, login code or e-mail; the caller resolves it in its scope
}

// FilterError names the catalog message for a filter the parser refused.
type FilterError struct {
	Key string
	Arg string
}

func (e *FilterError) Error() string { return e.Key + ": " + e.Arg }

// ParseAuditFilter reads "op:NAME user:LOGIN action:PREFIX since:24h until:2026-11-01";
// a bare word is an action prefix. Times are durations back from now (90m, 24h, 7d, 2w) or
// dates (2026-11-01, 2026-11-01T14:30, RFC 3339) in UTC; until a date means until the end of
// that day.
func ParseAuditFilter(text string, now time.Time) (AuditFilter, *FilterError) {
	var f AuditFilter
	for _, tok := range strings.Fields(text) {
		name, val, ok := strings.Cut(tok, ":")
		if !ok {
			name, val = "action", tok
		}
		if val == "" {
			return f, &FilterError{"audit.filter.empty", name}
		}
		switch strings.ToLower(name) {
		case "op", "operator":
			f.Query.Operator = val
		case "user", "u":
			f.User = val
		case "action", "a":
			f.Query.Action = strings.ToLower(val)
		case "since", "from":
			t, err := ParseAuditTime(val, now, false)
			if err != nil {
				return f, &FilterError{"audit.filter.badtime", val}
			}
			f.Query.Since = t
		case "until", "to":
			t, err := ParseAuditTime(val, now, true)
			if err != nil {
				return f, &FilterError{"audit.filter.badtime", val}
			}
			f.Query.Until = t
		default:
			return f, &FilterError{"audit.filter.unknown", name}
		}
	}
	if !f.Query.Since.IsZero() && !f.Query.Until.IsZero() && !f.Query.Since.Before(f.Query.Until) {
		return f, &FilterError{"audit.filter.order", text}
	}
	return f, nil
}

// ParseAuditTime reads a duration back from now ("90m", "24h", "7d", "2w") or a UTC date or
// time ("2026-11-01", "2026-11-01T14:30", RFC 3339). endOfDay moves a bare date to the start
// of the next day, so "until 2026-11-01" includes that day.
func ParseAuditTime(s string, now time.Time, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n >= 2 {
		unit := s[n-1]
		if v, err := strconv.Atoi(s[:n-1]); err == nil && v >= 0 && v <= 100000 {
			switch unit {
			case 'd':
				return now.Add(-time.Duration(v) * 24 * time.Hour), nil
			case 'w':
				return now.Add(-time.Duration(v) * 7 * 24 * time.Hour), nil
			}
		}
		if d, err := time.ParseDuration(s); err == nil && d >= 0 {
			return now.Add(-d), nil
		}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a time: use 24h, 7d, 2w or 2026-11-01")
}
