package ui

import (
	"context"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model/safe"
)

// A list pane is the one table component of the console: it owns its rows, the cursor, the
// scroll position, the selection, the column layout and its own loader. A screen composes
// panes and gives each a loader; it never moves a cursor or pages itself.
//
// Paging is keyset paging driven by the loader: the pane asks for the first page, the next or
// previous one (handing back the opaque cursors the loader returned with the current page),
// or the same page again (after an action, a reconnect, a resize). A loader that returns
// everything at once (a live pane of a few hundred rows) just never says HasNext: the pane
// then scrolls within its rows.

// pageDir says which page a pane asks its loader for.
type pageDir int

const (
	pageFirst pageDir = iota
	pageNext
	pagePrev
	pageSame
)

// pageRequest is what a loader is asked: a direction, the rows that fit, and the keyset
// cursor for that direction (nil for the first page).
type pageRequest struct {
	Dir    pageDir
	Limit  int
	Cursor any
}

// listPage is a loader's answer. Prev, Next and At are opaque cursors the pane hands back
// for the previous, next and same page.
type listPage[T any] struct {
	Rows             []T
	HasPrev, HasNext bool
	Prev, Next, At   any
	Estimated        int64 // the (estimated) total, 0 when unknown
}

// listLoader prepares a page request. It is called in Update, where it reads the screen's
// state (the search, the filters) and captures it; the function it returns runs in a command
// and must use only what was captured.
type listLoader[T any] func(r pageRequest) func(ctx context.Context) (listPage[T], error)

// forwardAt is the keyset position of a page of a store that pages forward only (each page
// is "the rows after the last one seen"): where the page starts, and where each page before
// it started, so that the pane can go back. A loader over such a store reads the position it
// is asked for with forwardFrom and answers with forwardPage; the zero C is the first page.
type forwardAt[C any] struct {
	at   C
	back []C
}

// forwardFrom is the position a page request asks for.
func forwardFrom[C any](r pageRequest) forwardAt[C] {
	if f, ok := r.Cursor.(forwardAt[C]); ok && r.Dir != pageFirst {
		return f
	}
	return forwardAt[C]{}
}

// forwardPage is the answer to a request for f: its rows, whether more follow, and the
// position after its last row.
func forwardPage[T, C any](f forwardAt[C], rows []T, hasNext bool, next C) listPage[T] {
	p := listPage[T]{Rows: rows, HasNext: hasNext, HasPrev: len(f.back) > 0, At: f}
	if hasNext {
		p.Next = forwardAt[C]{at: next, back: append(slices.Clip(f.back), f.at)}
	}
	if n := len(f.back); n > 0 {
		p.Prev = forwardAt[C]{at: f.back[n-1], back: slices.Clip(f.back[:n-1])}
	}
	return p
}

// forwardNumber is the 1-based number of a forward-paged pane's page on screen.
func forwardNumber[T, C any](p listPage[T]) int {
	f, _ := p.At.(forwardAt[C])
	return len(f.back) + 1
}

// cursorMove is where the cursor goes when a page arrives.
type cursorMove int

const (
	stayPut cursorMove = iota
	toTop
	toBottom
)

// listPageMsg carries a page to the pane that asked for it.
type listPageMsg[T any] struct {
	pane   int
	seq    int
	page   listPage[T]
	offset int
	move   cursorMove
	err    error
}

// listPane is a table of T.
type listPane[T any] struct {
	c      *common
	id     int
	load   listLoader[T]
	cols   func(width int) []column[T]
	key    func(T) int64 // identity for selection; nil: rows cannot be selected
	styled func(item T, j int, cell string) string
	empty  string // shown when a loaded page has no rows
	// draw, when set, draws each row itself instead of the columns (a short list inside a
	// form, a checklist): current is the cursor's row, selected whether the row is selected.
	// Such a pane has no header line, each row takes lines lines (0: one), and it draws only
	// the rows it holds (no padding to its height). A row drawn on more lines (a text wrapped
	// to be read whole) is shown whole: fewer rows fit, the cursor's row always in view.
	// cols may then be nil.
	draw  func(item T, current, selected bool) string
	lines int
	// whole, when set, is what Whole shows of a row: label and value pairs (nil: each
	// column's title and cell).
	whole func(item T) [][2]string

	width, height int
	page          listPage[T]
	offset        int // index of the page's first row in the whole result
	cursor        int // index in page.Rows
	top           int // first row drawn
	sel           map[int64]bool
	blurred       bool // the screen's keys go elsewhere: the cursor row is not marked
	loaded        bool
	limit         int // rows asked for by the last request
	req           request
}

// newListPane builds a pane; its id routes the loader's answers back to it.
func newListPane[T any](c *common, load listLoader[T], cols func(width int) []column[T]) *listPane[T] {
	c.paneIDs++
	return &listPane[T]{c: c, id: c.paneIDs, load: load, cols: cols, sel: map[int64]bool{}}
}

// selectable makes rows selectable with space (key gives a row's identity).
func (p *listPane[T]) selectable(key func(T) int64) *listPane[T] {
	p.key = key
	return p
}

// SetSize gives the pane its box: one header line, the rest rows.
func (p *listPane[T]) SetSize(w, h int) {
	p.width, p.height = w, h
	p.clamp()
}

// Focus says whether the screen's keys go to this pane (the default). A screen of several
// panes focuses one at a time; the others do not mark their cursor row.
func (p *listPane[T]) Focus(on bool) { p.blurred = !on }

// visible is how many rows the pane draws.
func (p *listPane[T]) visible() int {
	if p.draw != nil {
		return max(1, p.height/max(1, p.lines))
	}
	return max(1, p.height-1)
}

// First loads the first page (a new search, filter or sort).
func (p *listPane[T]) First() tea.Cmd { return p.fetch(pageFirst, nil, 0, toTop) }

// Reload asks again for the page on screen, keeping the cursor where it is.
func (p *listPane[T]) Reload() tea.Cmd {
	if !p.loaded {
		return p.First()
	}
	return p.fetch(pageSame, p.page.At, p.offset, stayPut)
}

// NeedsReload reports whether the rows that fit changed since the last request.
func (p *listPane[T]) NeedsReload() bool { return p.loaded && p.limit != 0 && p.limit != p.visible() }

// Stop cancels the pane's request in flight.
func (p *listPane[T]) Stop() { p.req.stop() }

// Reset forgets the rows, the cursor and the selection and drops the answer in flight: the
// pane is about to show something else (another user's timeline), and the old rows must not
// stand under the new title while the first page is on its way.
func (p *listPane[T]) Reset() {
	p.req.invalidate()
	p.page, p.offset, p.cursor, p.top, p.loaded = listPage[T]{}, 0, 0, 0, false
	p.sel = map[int64]bool{}
}

// Busy reports whether the pane waits for its loader.
func (p *listPane[T]) Busy() bool { return p.req.inflight }

// Loaded reports whether a page has arrived.
func (p *listPane[T]) Loaded() bool { return p.loaded }

// Invalidate drops the answers in flight (typing before a debounced search is sent) and
// returns the sequence number a later message must carry to still be current.
func (p *listPane[T]) Invalidate() int { return p.req.invalidate() }

// Latest reports whether seq is the pane's latest request.
func (p *listPane[T]) Latest(seq int) bool { return seq == p.req.seq }

func (p *listPane[T]) fetch(dir pageDir, cursor any, offset int, move cursorMove) tea.Cmd {
	ctx, seq := p.req.start(p.c.ctx)
	p.limit = p.visible()
	run, id := p.load(pageRequest{Dir: dir, Limit: p.limit, Cursor: cursor}), p.id
	return func() tea.Msg {
		page, err := run(ctx)
		return listPageMsg[T]{pane: id, seq: seq, page: page, offset: offset, move: move, err: err}
	}
}

// Update takes the pane's own page messages; other messages are ignored.
func (p *listPane[T]) Update(msg tea.Msg) tea.Cmd {
	m, ok := msg.(listPageMsg[T])
	if !ok || m.pane != p.id || !p.req.done(m.seq) {
		return nil
	}
	if m.err != nil {
		return errCmd(m.err)
	}
	p.page, p.offset, p.loaded = m.page, m.offset, true
	switch m.move {
	case toTop:
		p.cursor, p.top = 0, 0
	case toBottom:
		p.cursor = len(p.page.Rows) - 1
	}
	if p.key != nil {
		p.keepLiveSelection()
	}
	p.clamp()
	return nil
}

// keepLiveSelection is a no-op for paged lists (a selection spans pages); lists that show
// everything at once drop selected rows that are gone.
func (p *listPane[T]) keepLiveSelection() {
	if p.page.HasNext || p.page.HasPrev || p.offset != 0 {
		return
	}
	still := make(map[int64]bool, len(p.page.Rows))
	for _, r := range p.page.Rows {
		still[p.key(r)] = true
	}
	for id := range p.sel {
		if !still[id] {
			delete(p.sel, id)
		}
	}
}

func (p *listPane[T]) clamp() {
	n := len(p.page.Rows)
	p.cursor = max(0, min(p.cursor, n-1))
	vis := p.visible()
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+vis {
		p.top = p.cursor - vis + 1
	}
	p.top = max(0, min(p.top, n-vis))
}

// HandleKey moves the cursor, pages and selects. It reports whether the key was the pane's.
func (p *listPane[T]) HandleKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := p.c.keys
	n := len(p.page.Rows)
	var cmd tea.Cmd
	switch {
	case key.Matches(msg, k.Down):
		switch {
		case p.cursor < n-1:
			p.cursor++
		case p.page.HasNext:
			cmd = p.fetch(pageNext, p.page.Next, p.offset+n, toTop)
		}
	case key.Matches(msg, k.Up):
		switch {
		case p.cursor > 0:
			p.cursor--
		case p.page.HasPrev:
			cmd = p.prev(toBottom)
		}
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = n - 1
	case key.Matches(msg, k.NextPage):
		switch {
		case p.cursor+p.visible() < n:
			p.cursor += p.visible()
		case p.page.HasNext:
			cmd = p.fetch(pageNext, p.page.Next, p.offset+n, toTop)
		default:
			p.cursor = n - 1
		}
	case key.Matches(msg, k.PrevPage):
		switch {
		case p.cursor-p.visible() >= 0:
			p.cursor -= p.visible()
		case p.page.HasPrev:
			cmd = p.prev(toTop)
		default:
			p.cursor = 0
		}
	case key.Matches(msg, k.Select) && p.key != nil:
		if n > 0 {
			p.toggle(p.key(p.page.Rows[p.cursor]))
			if p.cursor < n-1 {
				p.cursor++
			}
		}
	case key.Matches(msg, k.SelectAll) && p.key != nil:
		all := n > 0
		for _, r := range p.page.Rows {
			all = all && p.sel[p.key(r)]
		}
		for _, r := range p.page.Rows {
			if all {
				delete(p.sel, p.key(r))
			} else {
				p.sel[p.key(r)] = true
			}
		}
	default:
		return nil, false
	}
	p.clamp()
	return cmd, true
}

func (p *listPane[T]) prev(move cursorMove) tea.Cmd {
	return p.fetch(pagePrev, p.page.Prev, max(0, p.offset-p.visible()), move)
}

func (p *listPane[T]) toggle(id int64) {
	if p.sel[id] {
		delete(p.sel, id)
	} else {
		p.sel[id] = true
	}
}

// Rows are the rows of the page on screen.
func (p *listPane[T]) Rows() []T { return p.page.Rows }

// Current is the row under the cursor.
func (p *listPane[T]) Current() (T, bool) {
	if len(p.page.Rows) == 0 {
		var zero T
		return zero, false
	}
	return p.page.Rows[p.cursor], true
}

// Whole is the row under the cursor with nothing of it cut, wrapped to w cells: each label
// and its value ("Reason: wrong password"), one after the other; nil without a row. A screen
// shows it under the focused pane, whose columns cut long cells at a narrow width.
func (p *listPane[T]) Whole(w int) []string {
	r, ok := p.Current()
	if !ok || (p.whole == nil && p.cols == nil) {
		return nil
	}
	var pairs [][2]string
	if p.whole != nil {
		pairs = p.whole(r)
	} else {
		for _, col := range p.cols(p.width) {
			pairs = append(pairs, [2]string{col.title, col.cell(r)})
		}
	}
	var parts []string
	for _, pr := range pairs {
		value := safe.Line(pr[1])
		switch {
		case value == "":
		case pr[0] == "":
			parts = append(parts, value)
		default:
			parts = append(parts, p.c.t("outbox.label", safe.Line(pr[0]))+" "+value)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(strings.Join(parts, "  ·  "), max(10, w), ""), "\n")
}

// Seek puts the cursor on the first row of the page that match reports (a list that opens on
// the current choice); it reports whether a row matched.
func (p *listPane[T]) Seek(match func(T) bool) bool {
	for i, r := range p.page.Rows {
		if match(r) {
			p.cursor = i
			p.clamp()
			return true
		}
	}
	return false
}

// Scrolled reports whether the operator moved away from the top (live panes then hold still).
func (p *listPane[T]) Scrolled() bool { return p.cursor > 0 || p.offset > 0 }

// Home puts the cursor back on the first row.
func (p *listPane[T]) Home() { p.cursor, p.top = 0, 0 }

// Selected is the selection, in no particular order.
func (p *listPane[T]) Selected() []int64 {
	ids := make([]int64, 0, len(p.sel))
	for id := range p.sel {
		ids = append(ids, id)
	}
	return ids
}

// HasSelection reports whether any row is selected.
func (p *listPane[T]) HasSelection() bool { return len(p.sel) > 0 }

// ClearSelection empties the selection; it reports whether there was one.
func (p *listPane[T]) ClearSelection() bool {
	had := len(p.sel) > 0
	p.sel = map[int64]bool{}
	return had
}

// Deselect drops ids from the selection (after an action succeeded on them).
func (p *listPane[T]) Deselect(ids []int64) {
	for _, id := range ids {
		delete(p.sel, id)
	}
}

// Targets are the selected rows, else the row under the cursor.
func (p *listPane[T]) Targets() []int64 {
	if len(p.sel) > 0 {
		return p.Selected()
	}
	if r, ok := p.Current(); ok && p.key != nil {
		return []int64{p.key(r)}
	}
	return nil
}

// Offset is the index of the page's first row in the whole result.
func (p *listPane[T]) Offset() int { return p.offset }

// Page is the page on screen (its flags and estimate).
func (p *listPane[T]) Page() listPage[T] { return p.page }

// View draws the header and the visible rows, padded to the pane's height.
func (p *listPane[T]) View() string {
	if p.draw != nil {
		return p.drawnView()
	}
	st := p.c.styles
	cols := p.cols(p.width)
	var b strings.Builder
	b.WriteString(tableHeader(cols, st.TableHeader))
	rows := p.page.Rows
	end := min(len(rows), p.top+p.visible())
	drawn := 0
	if p.loaded && len(rows) == 0 && p.empty != "" {
		b.WriteString("\n" + st.Dim.Render("  "+p.empty))
		drawn++
	}
	for i := p.top; i < end; i++ {
		r := rows[i]
		mark, selected := "  ", p.key != nil && p.sel[p.key(r)]
		if selected {
			mark = "● "
		}
		var style func(j int, cell string) string
		cursor := i == p.cursor && !p.blurred
		if p.styled != nil && !cursor {
			style = func(j int, cell string) string { return p.styled(r, j, cell) }
		}
		line := tableRow(cols, r, mark, style)
		switch {
		case cursor:
			line = st.RowCursor.Render(line)
		case selected:
			line = st.RowSelected.Render(line)
		}
		b.WriteString("\n" + line)
		drawn++
	}
	for ; drawn < p.visible(); drawn++ {
		b.WriteByte('\n')
	}
	return b.String()
}

// drawnView is the View of a pane that draws its rows itself: the visible rows, or the empty
// text once a page without rows has arrived.
func (p *listPane[T]) drawnView() string {
	rows := p.page.Rows
	if p.loaded && len(rows) == 0 && p.empty != "" {
		return p.c.styles.Dim.Render(p.empty)
	}
	end := min(len(rows), p.top+max(p.visible(), p.height)) // a row takes a line at the least
	drawn := make([][]string, 0, max(0, end-p.top))
	for i := p.top; i < end; i++ {
		drawn = append(drawn, strings.Split(p.draw(rows[i], i == p.cursor, p.key != nil && p.sel[p.key(rows[i])]), "\n"))
	}
	// Rows taller than their share: the first rows give way until the cursor's row is whole
	// within the height, and the rows that no longer fit are left for scrolling.
	height := max(1, p.height)
	if p.height == 0 {
		height = len(drawn) * max(1, p.lines)
	}
	start, cur := 0, p.cursor-p.top
	span := func(from, to int) int {
		n := 0
		for _, d := range drawn[from:to] {
			n += len(d)
		}
		return n
	}
	for cur >= 0 && cur < len(drawn) && start < cur && span(start, cur+1) > height {
		start++
	}
	var lines []string
	for i, d := range drawn[start:] {
		if i > 0 && len(lines)+len(d) > height {
			break
		}
		lines = append(lines, d...)
	}
	return strings.Join(lines, "\n")
}

// ShortHelp and FullHelp are the pane's own keys.
func (p *listPane[T]) ShortHelp() []key.Binding {
	k := p.c.keys
	if p.key != nil {
		return []key.Binding{k.Select}
	}
	return nil
}

func (p *listPane[T]) FullHelp() [][]key.Binding {
	k := p.c.keys
	nav := []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.NextPage, k.PrevPage}
	if p.key != nil {
		return [][]key.Binding{nav, {k.Select, k.SelectAll}}
	}
	return [][]key.Binding{nav}
}
