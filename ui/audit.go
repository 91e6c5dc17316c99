package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	registerScreen("audit", func(c *common, arg any) Screen {
		text, _ := arg.(string)
		return newAudit(c, text)
	})
}

// auditScreen is the audit log: who did what to whom and when, newest first, keyset paged
// (each page asks for rows older than the last one seen), filtered by operator, user, action
// and time. enter shows one row in full.
type auditScreen struct {
	c      *common
	width  int
	height int

	filter     textinput.Model
	filtering  bool
	filterErr  string // inline, under the filter field
	filterText string // the filter in force, as typed
	q          store.AuditQuery

	rows    []model.AuditEntry
	hasNext bool
	before  int64   // BeforeID of the page on screen (0 = newest)
	history []int64 // BeforeIDs of the pages before it, to go back
	page    int     // 1-based page number
	cursor  int
	detail  bool // showing rows[cursor] in full
	loaded  bool
	busy    bool
	seq     int
	cancel  context.CancelFunc
}

type auditPageMsg struct {
	seq     int
	before  int64
	rows    []model.AuditEntry
	hasNext bool
	err     error
}

// auditFilterMsg carries a parsed filter whose user was resolved (or not) by the store.
type auditFilterMsg struct {
	seq  int
	text string
	q    store.AuditQuery
	err  string // inline error text
}

func newAudit(c *common, initial string) *auditScreen {
	in := newInput()
	in.Prompt = "/ "
	in.Placeholder = c.t("audit.filter.ph")
	in.CharLimit = 300
	s := &auditScreen{c: c, filter: in, page: 1}
	s.filter.SetValue(strings.TrimSpace(initial))
	return s
}

func (s *auditScreen) Title() string { return s.c.t("audit.title") }

// Init loads the newest page, or applies the filter given with ":audit FILTER".
func (s *auditScreen) Init() tea.Cmd {
	if v := s.filter.Value(); v != "" {
		return s.applyFilter(v)
	}
	return s.load(0)
}

func (s *auditScreen) Busy() bool { return s.busy }

func (s *auditScreen) Close() {
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *auditScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.filter.Width = w - 4
}

func (s *auditScreen) InputFocused() bool { return s.filtering }

// pageSize is how many rows fit: the body minus the filter bar, table header and count line.
func (s *auditScreen) pageSize() int {
	n := s.height - 3
	if s.filterErr != "" {
		n--
	}
	if n < 1 {
		n = 1
	}
	return n
}

// load asks for the page of rows older than before (0: the newest); a request still running
// is cancelled and its answer dropped.
func (s *auditScreen) load(before int64) tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	s.seq++
	s.busy = true
	q := s.q
	q.BeforeID, q.Limit = before, s.pageSize()+1
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	st, op, seq, limit := s.c.st, s.c.op, s.seq, s.pageSize()
	return func() tea.Msg {
		rows, err := st.ListAudit(ctx, op, q)
		more := len(rows) > limit
		if more {
			rows = rows[:limit]
		}
		return auditPageMsg{seq: seq, before: before, rows: rows, hasNext: more, err: err}
	}
}

// applyFilter parses the filter line; a user named by login code or e-mail is resolved by the
// store within the operator's scope before the filter takes effect.
func (s *auditScreen) applyFilter(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	f, err := ParseAuditFilter(text, s.c.now())
	if err != nil {
		s.filterErr = s.c.t(err.Key, err.Arg)
		s.filtering = true
		s.filter.SetValue(text)
		s.filter.CursorEnd()
		return s.filter.Focus()
	}
	s.seq++
	seq := s.seq
	q := f.Query
	if f.User == "" {
		return func() tea.Msg { return auditFilterMsg{seq: seq, text: text, q: q} }
	}
	c := s.c
	st, ctx, op, ident := c.st, c.ctx, c.op, f.User
	s.busy = true
	return func() tea.Msg {
		u, err := st.FindUser(ctx, op, ident)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return auditFilterMsg{seq: seq, text: text, err: c.t("audit.filter.nouser", safe.Line(ident))}
		case err != nil:
			return errMsg{err}
		}
		q.UserID = u.ID
		return auditFilterMsg{seq: seq, text: text, q: q}
	}
}

func (s *auditScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case auditPageMsg:
		if msg.seq != s.seq {
			return s, nil // a late answer to an older request
		}
		s.busy = false
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.rows, s.hasNext, s.before, s.loaded = msg.rows, msg.hasNext, msg.before, true
		if s.cursor >= len(s.rows) {
			s.cursor = len(s.rows) - 1
		}
		if s.cursor < 0 {
			s.cursor = 0
		}
		if len(s.rows) == 0 {
			s.detail = false
		}
		return s, nil
	case auditFilterMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.busy = false
		if msg.err != "" {
			s.filterErr = msg.err
			s.filtering = true
			s.filter.SetValue(msg.text)
			s.filter.CursorEnd()
			return s, s.filter.Focus()
		}
		s.filterErr, s.filterText, s.q = "", msg.text, msg.q
		s.filter.SetValue(msg.text)
		return s, s.first()
	case reconnectedMsg, scopeChangedMsg:
		return s, s.load(s.before)
	case tea.KeyMsg:
		if s.filtering {
			return s.updateFilter(msg)
		}
		if s.detail {
			return s.updateDetail(msg)
		}
		return s.updateKeys(msg)
	}
	return s, nil
}

// first goes back to the newest page under the current filter.
func (s *auditScreen) first() tea.Cmd {
	s.history, s.page, s.cursor = nil, 1, 0
	return s.load(0)
}

func (s *auditScreen) updateFilter(msg tea.KeyMsg) (Screen, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		s.filtering = false
		s.filter.Blur()
		return s, s.applyFilter(s.filter.Value())
	case tea.KeyEsc:
		// Leave the field; the filter in force stays (what was typed is dropped).
		s.filtering = false
		s.filterErr = ""
		s.filter.Blur()
		s.filter.SetValue(s.filterText)
		return s, nil
	}
	var cmd tea.Cmd
	s.filter, cmd = s.filter.Update(msg)
	return s, cmd
}

func (s *auditScreen) updateDetail(msg tea.KeyMsg) (Screen, tea.Cmd) {
	k := s.c.keys
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Open):
		s.detail = false
	case key.Matches(msg, k.Down):
		if s.cursor < len(s.rows)-1 {
			s.cursor++
		}
	case key.Matches(msg, k.Up):
		if s.cursor > 0 {
			s.cursor--
		}
	}
	return s, nil
}

func (s *auditScreen) updateKeys(msg tea.KeyMsg) (Screen, tea.Cmd) {
	k := s.c.keys
	n := len(s.rows)
	switch {
	case key.Matches(msg, k.Search):
		s.filtering = true
		s.filter.CursorEnd()
		return s, s.filter.Focus()
	case key.Matches(msg, k.Down):
		if s.cursor < n-1 {
			s.cursor++
		} else if s.hasNext {
			return s, s.nextPage()
		}
	case key.Matches(msg, k.Up):
		if s.cursor > 0 {
			s.cursor--
		} else if len(s.history) > 0 {
			s.cursor = s.pageSize() - 1
			return s, s.prevPage()
		}
	case key.Matches(msg, k.Top):
		if len(s.history) > 0 {
			return s, s.first()
		}
		s.cursor = 0
	case key.Matches(msg, k.Bottom):
		s.cursor = n - 1
	case key.Matches(msg, k.NextPage):
		if s.hasNext {
			return s, s.nextPage()
		}
		s.cursor = n - 1
	case key.Matches(msg, k.PrevPage):
		if len(s.history) > 0 {
			return s, s.prevPage()
		}
		s.cursor = 0
	case key.Matches(msg, k.Open):
		if n > 0 {
			s.detail = true
		}
	case key.Matches(msg, k.Clear):
		if s.filterText != "" {
			s.filterText, s.q, s.filterErr = "", store.AuditQuery{}, ""
			s.filter.SetValue("")
			return s, s.first()
		}
	case key.Matches(msg, k.Refresh):
		return s, s.load(s.before)
	case key.Matches(msg, k.Back):
		return s, back
	}
	return s, nil
}

func (s *auditScreen) nextPage() tea.Cmd {
	if len(s.rows) == 0 {
		return nil
	}
	s.history = append(s.history, s.before)
	s.page++
	s.cursor = 0
	return s.load(s.rows[len(s.rows)-1].ID)
}

func (s *auditScreen) prevPage() tea.Cmd {
	prev := s.history[len(s.history)-1]
	s.history = s.history[:len(s.history)-1]
	s.page--
	return s.load(prev)
}

func (s *auditScreen) ShortHelp() []key.Binding {
	k := s.c.keys
	if s.detail {
		return []key.Binding{k.Back, k.Up, k.Down}
	}
	return []key.Binding{s.filterKey(), k.Open, k.NextPage, k.PrevPage, k.Clear, k.Back}
}

func (s *auditScreen) FullHelp() [][]key.Binding {
	k := s.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.NextPage, k.PrevPage},
		{s.filterKey(), k.Clear, k.Open, k.Refresh},
	}
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
		return "org:" + e.TargetOrg
	case e.TargetOrgID != nil:
		return "org:#" + strconv.FormatInt(*e.TargetOrgID, 10)
	}
	return "—"
}

func (s *auditScreen) columns() []column[model.AuditEntry] {
	c := s.c
	cols := []column[model.AuditEntry]{
		{c.t("audit.col.when"), 16, func(e model.AuditEntry) string { return fmtTime(&e.At, true) }},
		{c.t("audit.col.operator"), 12, func(e model.AuditEntry) string { return e.OperatorName }},
		{c.t("audit.col.action"), 18, func(e model.AuditEntry) string { return e.Action }},
		{c.t("audit.col.target"), 12, s.target},
	}
	switch {
	case s.width >= 140:
		cols[1].width, cols[2].width, cols[3].width = 16, 22, 16
	case s.width < 100:
		cols[1].width, cols[2].width, cols[3].width = 10, 14, 11
	}
	used := 2
	for _, col := range cols {
		used += col.width + 1
	}
	rest := s.width - used
	if rest < 10 {
		rest = 10
	}
	return append(cols, column[model.AuditEntry]{c.t("audit.col.summary"), rest, func(e model.AuditEntry) string { return e.Summary }})
}

func (s *auditScreen) View() string {
	if s.detail && s.cursor < len(s.rows) {
		return s.detailView(s.rows[s.cursor])
	}
	c := s.c
	st := c.styles
	var b strings.Builder
	b.WriteString(s.filterBar())
	b.WriteByte('\n')
	if s.filterErr != "" {
		b.WriteString(st.Fail.Render("  " + safe.Truncate(s.filterErr, s.width-2)))
		b.WriteByte('\n')
	}
	cols := s.columns()
	b.WriteString(tableHeader(cols, st.TableHeader))
	b.WriteByte('\n')
	shown := 0
	if s.loaded && len(s.rows) == 0 {
		b.WriteString(st.Dim.Render("  " + c.t("audit.empty")))
		b.WriteByte('\n')
		shown = 1
	}
	for i, e := range s.rows {
		line := tableRow(cols, e, "  ", nil)
		if i == s.cursor {
			line = st.RowCursor.Render(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
		shown++
	}
	for ; shown < s.pageSize(); shown++ {
		b.WriteByte('\n')
	}
	b.WriteString(st.Dim.Render(s.countLine()))
	return b.String()
}

func (s *auditScreen) filterBar() string {
	if s.filtering || s.filterText == "" {
		return s.filter.View()
	}
	return s.c.styles.Label.Render("/ ") + safe.Truncate(safe.Line(s.filterText), s.width-4)
}

func (s *auditScreen) countLine() string {
	if len(s.rows) == 0 {
		return ""
	}
	line := s.c.t("audit.page", s.page, len(s.rows))
	if s.hasNext {
		line += "  ·  " + s.c.t("audit.more")
	}
	return line
}

// detailView shows one row in full: every field, the summary wrapped to the window.
func (s *auditScreen) detailView(e model.AuditEntry) string {
	c := s.c
	st := c.styles
	var b strings.Builder
	field := func(label, value string) {
		b.WriteString("  " + st.Label.Render(safe.Pad(label, 14)) + " " + safe.Line(value) + "\n")
	}
	field(c.t("audit.f.id"), strconv.FormatInt(e.ID, 10))
	field(c.t("audit.f.at"), e.At.UTC().Format("2006-01-02 15:04:05.000000 MST"))
	field(c.t("audit.f.operator"), e.OperatorName)
	field(c.t("audit.f.action"), e.Action)
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
	for _, line := range wrapCells(safe.Text(e.Summary), s.width-4) {
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
		for _, word := range strings.Fields(para) {
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
