package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// componentCommon is a session's shared state without a store: the components below take
// their rows from the loader they are given.
func componentCommon() *common {
	return &common{ctx: context.Background(), styles: NewStyles(asciiRenderer()), keys: NewKeyMap(i18n.EN),
		lang: i18n.EN, now: func() time.Time { return testNow }}
}

// numbers is a keyset-paged loader over 1..n: the cursor is the boundary value.
func numbers(n int, calls *int) listLoader[int] {
	return func(r pageRequest) func(context.Context) (listPage[int], error) {
		*calls++
		return func(context.Context) (listPage[int], error) { return numberPage(n, r) }
	}
}

func numberPage(n int, r pageRequest) (listPage[int], error) {
	{
		var rows []int
		switch r.Dir {
		case pageFirst:
			for i := 1; i <= n && len(rows) < r.Limit; i++ {
				rows = append(rows, i)
			}
		case pageNext, pageSame:
			from := r.Cursor.(int)
			if r.Dir == pageNext {
				from++
			}
			for i := from; i <= n && len(rows) < r.Limit; i++ {
				rows = append(rows, i)
			}
		case pagePrev:
			to := r.Cursor.(int) - 1
			lo := max(1, to-r.Limit+1)
			for i := lo; i <= to; i++ {
				rows = append(rows, i)
			}
		}
		if len(rows) == 0 {
			return listPage[int]{}, nil
		}
		first, last := rows[0], rows[len(rows)-1]
		return listPage[int]{Rows: rows, HasPrev: first > 1, HasNext: last < n, Prev: first, Next: last, At: first}, nil
	}
}

func numberCols(int) []column[int] {
	return []column[int]{{"N", 6, func(i int) string { return fmt.Sprint(i) }}}
}

// drive runs a command and feeds its message back, as the program would.
func drive(p *listPane[int], cmd tea.Cmd) {
	for cmd != nil {
		cmd = p.Update(cmd())
	}
}

func TestListPanePagesByKeysetAndSelects(t *testing.T) {
	calls := 0
	p := newListPane(componentCommon(), numbers(25, &calls), numberCols).selectable(func(i int) int64 { return int64(i) })
	p.SetSize(40, 11) // a header and 10 rows
	drive(p, p.First())
	if got := p.Rows(); len(got) != 10 || got[0] != 1 {
		t.Fatalf("first page: %v", got)
	}
	key := func(k string) {
		cmd, ok := p.HandleKey(keyMsg(k))
		if !ok {
			t.Fatalf("key %q not handled", k)
		}
		drive(p, cmd)
	}
	for i := 0; i < 10; i++ {
		key("j")
	}
	if r, _ := p.Current(); r != 11 || p.Offset() != 10 {
		t.Fatalf("down past the page: row %d offset %d", r, p.Offset())
	}
	key("k")
	if r, _ := p.Current(); r != 10 || p.Offset() != 0 {
		t.Fatalf("up past the page: row %d offset %d", r, p.Offset())
	}
	key("space") // selects 10, moves to... the last row stays
	key("G")
	key("pgdown") // next page
	key("pgdown") // last page: 21..25
	if r, _ := p.Current(); r != 21 || p.Page().HasNext {
		t.Fatalf("last page: row %d hasNext %v", r, p.Page().HasNext)
	}
	key("space")
	key("space")
	if got := p.Targets(); len(got) != 3 {
		t.Fatalf("selection across pages: %v", got)
	}
	drive(p, p.Reload())
	if r, _ := p.Current(); r != 23 || len(p.Selected()) != 3 {
		t.Fatalf("reload keeps the cursor and selection: row %d, %v", r, p.Selected())
	}
	v := p.View()
	if !strings.Contains(v, "● 21") || strings.Count(v, "\n") != 10 {
		t.Fatalf("view:\n%s", v)
	}
	if !p.ClearSelection() || p.HasSelection() {
		t.Fatal("clear selection")
	}
}

func TestListPaneDropsStaleAnswers(t *testing.T) {
	calls := 0
	c := componentCommon()
	p := newListPane(c, numbers(100, &calls), numberCols)
	p.SetSize(40, 6)
	old := p.First()
	drive(p, p.First())
	drive(p, old) // the first request's answer arrives last
	if !p.Loaded() || p.Busy() {
		t.Fatal("loaded")
	}
	seq := p.Invalidate()
	if !p.Latest(seq) || p.Latest(seq-1) {
		t.Fatal("invalidate")
	}
	if p.Update(listPageMsg[int]{pane: p.id, seq: seq - 1, page: listPage[int]{Rows: []int{99}}}) != nil || p.Rows()[0] != 1 {
		t.Fatalf("a stale page was shown: %v", p.Rows())
	}
	other := newListPane(c, numbers(3, &calls), numberCols)
	if other.id == p.id {
		// Two panes of one session must not take each other's pages.
		t.Fatal("pane ids")
	}
}

// A pane without the screen's focus does not mark its cursor row; it keeps its cursor and
// still answers keys when the screen gives it them.
func TestListPaneFocus(t *testing.T) {
	c := componentCommon()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	c.styles = NewStyles(r)
	calls := 0
	p := newListPane(c, numbers(5, &calls), numberCols)
	p.SetSize(40, 6)
	drive(p, p.First())
	cursorRow := c.styles.RowCursor.Render(tableRow(numberCols(40), 1, "  ", nil))
	if !strings.Contains(p.View(), cursorRow) {
		t.Fatalf("a focused pane marks its cursor row:\n%q", p.View())
	}
	p.Focus(false)
	if strings.Contains(p.View(), cursorRow) || !strings.Contains(p.View(), "1") {
		t.Fatalf("a pane without focus marks no row:\n%q", p.View())
	}
	p.HandleKey(keyMsg("j"))
	p.Focus(true)
	if r, _ := p.Current(); r != 2 || !strings.Contains(p.View(), c.styles.RowCursor.Render(tableRow(numberCols(40), 2, "  ", nil))) {
		t.Fatalf("focus back: row %d\n%q", r, p.View())
	}
}

func TestPromptBehavesTheSameEverywhere(t *testing.T) {
	c := componentCommon()
	p := newPrompt(c)
	var got []string
	answer := func(v string) tea.Cmd { got = append(got, v); return nil }

	p.Ask(askYesNo, "Disable?", "", "", answer)
	p.Update(keyMsg("x")) // not an answer
	if !p.Active() || p.Typing() {
		t.Fatal("a yes/no question stays open and takes no text")
	}
	p.Update(keyMsg("o"))
	p.Ask(askYesNo, "Disable?", "", "", answer)
	p.Update(keyMsg("enter"))
	p.Ask(askYesNo, "Disable?", "", "", answer)
	if cmd := p.Update(keyMsg("esc")); cmd == nil || p.Active() {
		t.Fatal("esc cancels and says so")
	}

	p.Ask(askReason, "Reason:", "", "", answer)
	if m, _ := p.Update(keyMsg("enter"))().(flashMsg); !p.Active() || !strings.Contains(m.Text, "reason is required") {
		t.Fatalf("an empty reason is refused and the question stays open: %q", m.Text)
	}
	for _, r := range "called in" {
		p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	p.Update(keyMsg("enter"))

	p.Ask(askTyped, "Type the e-mail:", "", "Ann@Example.com", answer)
	for _, r := range "bob@example.com" {
		p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	p.Update(keyMsg("enter"))
	if !p.Active() {
		t.Fatal("a wrong typed confirmation keeps the prompt open")
	}
	p.Cancel()
	p.Ask(askTyped, "Type the e-mail:", " ann@example.com ", "Ann@Example.com", answer)
	p.Update(keyMsg("enter"))

	want := []string{"y", "y", "called in", "ann@example.com"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("answers %q, want %q", got, want)
	}
	if p.input.Value() != "" {
		t.Fatal("the prompt forgets what was typed")
	}
}

func TestActionsDispatchAndHelpFromOneTable(t *testing.T) {
	c := componentCommon()
	c.op = model.Operator{Name: "night", Role: model.RoleOncall}
	ran := ""
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	unlock := &action{binding: b("u", "unlock"), needs: model.ActionUnlock, run: func() tea.Cmd { ran += "u"; return nil }}
	disable := &action{binding: b("d", "disable"), needs: model.ActionDisable, dangerous: true, group: 1,
		run: func() tea.Cmd { ran += "d"; return nil }}
	open := &action{binding: b("enter", "open"), unavailable: func() string { return "nothing here" },
		run: func() tea.Cmd { ran += "o"; return nil }}
	tbl := newActions(c, unlock, disable, open)

	if _, ok := tbl.dispatch(keyMsg("u")); !ok || ran != "u" {
		t.Fatalf("unlock: ran %q", ran)
	}
	cmd, ok := tbl.dispatch(keyMsg("d"))
	if !ok || ran != "u" || cmd == nil {
		t.Fatalf("disable must be answered with a reason, not run: ran %q", ran)
	}
	if m, _ := cmd().(flashMsg); !strings.Contains(m.Text, "On-call") {
		t.Fatalf("reason: %q", m.Text)
	}
	if m, _ := func() tea.Msg { c, _ := tbl.dispatch(keyMsg("enter")); return c() }().(flashMsg); m.Text != "nothing here" {
		t.Fatalf("unavailable: %q", m.Text)
	}
	if _, ok := tbl.dispatch(keyMsg("z")); ok {
		t.Fatal("an unbound key is not the table's")
	}
	if got := tbl.short(unlock, disable); len(got) != 1 || got[0].Help().Key != "u" {
		t.Fatalf("footer offers only what the session may do: %v", got)
	}
	full := tbl.full()
	if len(full) != 2 || full[1][0].Enabled() || !strings.Contains(full[1][0].Help().Desc, "On-call") {
		t.Fatalf("help lists the disabled action with its reason: %+v", full)
	}
}

// letters is a store that pages forward only: the rows after a position (0: from the start).
func letters(rows string) listLoader[string] {
	return func(r pageRequest) func(context.Context) (listPage[string], error) {
		at := forwardFrom[int](r)
		return func(context.Context) (listPage[string], error) {
			end := min(len(rows), at.at+r.Limit)
			var page []string
			for _, c := range rows[at.at:end] {
				page = append(page, string(c))
			}
			return forwardPage(at, page, end < len(rows), end), nil
		}
	}
}

func TestListPaneGoesBackOverAForwardOnlyStore(t *testing.T) {
	c := componentCommon()
	p := newListPane(c, letters("abcdefghij"), func(int) []column[string] {
		return []column[string]{{"L", 3, func(s string) string { return s }}}
	})
	p.SetSize(20, 5) // a header and 4 rows
	drive := func(cmd tea.Cmd) {
		for cmd != nil {
			cmd = p.Update(cmd())
		}
	}
	press := func(k string) {
		cmd, _ := p.HandleKey(keyMsg(k))
		drive(cmd)
	}
	drive(p.First())
	page := func() string { return strings.Join(p.Rows(), "") }
	number := func() int { return forwardNumber[string, int](p.Page()) }
	if page() != "abcd" || p.Page().HasPrev || number() != 1 {
		t.Fatalf("first page %q, number %d", page(), number())
	}
	press("pgdown")
	press("pgdown")
	if page() != "ij" || p.Page().HasNext || number() != 3 {
		t.Fatalf("last page %q, number %d", page(), number())
	}
	press("pgup")
	if page() != "efgh" || number() != 2 {
		t.Fatalf("back one page: %q, number %d", page(), number())
	}
	press("k") // up from the first row: the previous page, its last row
	if r, _ := p.Current(); page() != "abcd" || r != "d" || number() != 1 {
		t.Fatalf("up past the top: page %q row %q", page(), r)
	}
	press("j") // down from the last row: the next page again
	drive(p.Reload())
	if r, _ := p.Current(); page() != "efgh" || r != "e" || number() != 2 {
		t.Fatalf("reload: page %q row %q", page(), r)
	}
}

func TestPromptPlaceholder(t *testing.T) {
	p := newPrompt(componentCommon())
	p.SetPlaceholder("op:NAME since:24h")
	p.Ask(askText, "/", "", "", func(string) tea.Cmd { return nil })
	if v := p.View(); !strings.Contains(v, "p:NAME since:24h") {
		t.Fatalf("an empty answer shows the hint: %q", v)
	}
	p.Cancel()
	p.Ask(askText, "/", "op:sue", "", func(string) tea.Cmd { return nil })
	if v := p.View(); strings.Contains(v, "NAME") || !strings.Contains(v, "op:sue") {
		t.Fatalf("a typed answer hides the hint: %q", v)
	}
}

func TestTabsStepJumpAndDraw(t *testing.T) {
	c := componentCommon()
	tb := newTabs(c, "Alpha", "Beta", "Gamma")
	tb.Next()
	tb.Next()
	tb.Next() // round the row
	if tb.Active() != 0 {
		t.Fatalf("next wraps: %d", tb.Active())
	}
	tb.Prev()
	if tb.Active() != 2 {
		t.Fatalf("prev wraps: %d", tb.Active())
	}
	tb.Select(7) // no such tab
	tb.Select(1)
	tb.SetTitle(0, "Alpha (3)")
	if v := tb.View(); !strings.Contains(v, "[2 Beta]") || !strings.Contains(v, " 1 Alpha (3) ") || strings.Contains(v, "[1") {
		t.Fatalf("view: %q", v)
	}
	var keys []string
	for _, b := range tb.keys.Jump {
		keys = append(keys, b.Keys()[0]+"="+b.Help().Desc)
	}
	if strings.Join(keys, " ") != "1=Alpha 2=Beta 3=Gamma" || tb.keys.Next.Keys()[0] != "tab" || tb.keys.Prev.Keys()[0] != "shift+tab" {
		t.Fatalf("bindings: %v", keys)
	}
}

func TestPromptOptionFlipsWithTab(t *testing.T) {
	c := componentCommon()
	p := newPrompt(c)
	var got []string
	opt := &promptOption{label: "send a reset link"}
	p.Ask(askReason, "Reason:", "", "", func(v string) tea.Cmd { got = append(got, fmt.Sprintf("%s %v", v, opt.on)); return nil })
	p.Offer(opt)
	if v := p.View(); !strings.Contains(v, "tab: send a reset link [no]") {
		t.Fatalf("the option is drawn under the question: %q", v)
	}
	if h := p.ShortHelp(); len(h) != 3 || h[2].Help().Desc != "send a reset link" {
		t.Fatalf("help offers the option: %v", h)
	}
	p.Update(keyMsg("tab"))
	if !strings.Contains(p.View(), "[yes]") || p.input.Value() != "" {
		t.Fatalf("tab flips the option and types nothing: %q", p.View())
	}
	for _, r := range "ok" {
		p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	p.Update(keyMsg("enter"))
	if strings.Join(got, "|") != "ok true" || p.opt != nil {
		t.Fatalf("the answer reads the option, the prompt forgets it: %q", got)
	}

	// A refused option says why and stays off; a yes/no question takes no option.
	no := &promptOption{label: "send a reset link", refused: "not yours"}
	p.Ask(askReason, "Reason:", "", "", func(string) tea.Cmd { return nil })
	p.Offer(no)
	if m, _ := p.Update(keyMsg("tab"))().(flashMsg); m.Text != "not yours" || no.on {
		t.Fatalf("refused option: %q on=%v", m.Text, no.on)
	}
	if len(p.ShortHelp()) != 2 {
		t.Fatal("help does not offer a refused option")
	}
	p.Cancel()
	p.Confirm("Sure?", func() tea.Cmd { return nil })
	p.Offer(opt)
	if p.opt != nil || strings.Contains(p.View(), "tab:") {
		t.Fatal("a yes/no question takes no option")
	}
}

func TestActionNeedingTwoPolicyActions(t *testing.T) {
	c := componentCommon()
	b := key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "unlock + reset link"))
	both := func() *action {
		return &action{binding: b, needs: model.ActionUnlock, needsAlso: []model.Action{model.ActionSendReset},
			run: func() tea.Cmd { return nil }}
	}
	c.op = model.Operator{Name: "night", Role: model.RoleOncall}
	oncall := both()
	newActions(c, oncall)
	if oncall.allowed() || !strings.Contains(oncall.refused, "On-call") || oncall.binding.Enabled() {
		t.Fatalf("oncall unlocks but sends no reset link: %q", oncall.refused)
	}
	c.op = model.Operator{Name: "day", Role: model.RoleSupport}
	sup := both()
	newActions(c, sup)
	if !sup.allowed() || !sup.binding.Enabled() {
		t.Fatalf("support does both: %q", sup.refused)
	}
}

func TestFitColumnsServesFixedColumnsFirst(t *testing.T) {
	cell := func(int) string { return "" }
	fc := func(w, flex, maxw int) flexColumn[int] { return flexColumn[int]{column[int]{"", w, cell}, flex, maxw} }
	widths := func(cols []column[int]) (out []int) {
		for _, c := range cols {
			out = append(out, c.width)
		}
		return out
	}
	// 100 cells: 2 for the mark, 44 for the columns and a separator each; 54 are shared 3:1.
	got := widths(fitColumns(100, fc(10, 3, 0), fc(30, 0, 0), fc(0, 1, 0), fc(0, 0, 0)))
	if fmt.Sprint(got) != "[50 30 13 0]" {
		t.Fatalf("shares: %v", got)
	}
	if got := widths(fitColumns(100, fc(10, 3, 20), fc(30, 0, 0))); fmt.Sprint(got) != "[20 30]" {
		t.Fatalf("maxw caps a flexible column: %v", got)
	}
	if got := widths(fitColumns(20, fc(10, 1, 0), fc(40, 0, 0))); fmt.Sprint(got) != "[6 40]" {
		t.Fatalf("a fixed column keeps its width, a flexible one keeps 6: %v", got)
	}
}

func TestListPaneResetForgetsRowsAndAnswersInFlight(t *testing.T) {
	calls := 0
	p := newListPane(componentCommon(), numbers(30, &calls), numberCols).selectable(func(i int) int64 { return int64(i) })
	p.SetSize(40, 6)
	drive(p, p.First())
	p.HandleKey(keyMsg("space"))
	late := p.Reload()
	p.Reset()
	if p.Loaded() || len(p.Rows()) != 0 || p.HasSelection() || p.Busy() {
		t.Fatalf("reset: loaded %v rows %v selection %v", p.Loaded(), p.Rows(), p.Selected())
	}
	drive(p, late)
	if p.Loaded() {
		t.Fatal("an answer asked before the reset was shown")
	}
	drive(p, p.First())
	if r, _ := p.Current(); r != 1 {
		t.Fatalf("first page after reset: %d", r)
	}
}

func TestListPaneDrawsItsOwnRows(t *testing.T) {
	calls := 0
	all := func(n int) listLoader[int] { // every row at once, never HasNext
		return func(pageRequest) func(context.Context) (listPage[int], error) {
			calls++
			return func(context.Context) (listPage[int], error) {
				var rows []int
				for i := 1; i <= n; i++ {
					rows = append(rows, i)
				}
				return listPage[int]{Rows: rows}, nil
			}
		}
	}
	p := newListPane(componentCommon(), all(5), nil).selectable(func(i int) int64 { return int64(i) })
	p.draw = func(i int, current, selected bool) string {
		mark := "[ ]"
		if selected {
			mark = "[x]"
		}
		if current {
			mark = ">" + mark
		}
		return fmt.Sprintf("%s %d\n    about %d", mark, i, i)
	}
	p.lines = 2
	p.SetSize(40, 4) // two rows of two lines, no header
	drive(p, p.First())
	if got := p.View(); got != ">[ ] 1\n    about 1\n[ ] 2\n    about 2" {
		t.Fatalf("drawn rows:\n%s", got)
	}
	p.HandleKey(keyMsg("space")) // ticks and moves on
	p.HandleKey(keyMsg("space"))
	if got := p.View(); got != "[x] 2\n    about 2\n>[ ] 3\n    about 3" {
		t.Fatalf("after two spaces (scrolled to the cursor):\n%s", got)
	}
	if !p.Seek(func(i int) bool { return i == 5 }) || p.Seek(func(i int) bool { return i == 9 }) {
		t.Fatal("seek")
	}
	if r, _ := p.Current(); r != 5 || !strings.HasPrefix(p.View(), "[ ] 4") {
		t.Fatalf("seek puts the cursor on the row, in view: %d\n%s", r, p.View())
	}
	empty := newListPane(componentCommon(), all(0), nil)
	empty.draw, empty.empty = p.draw, "nothing matches"
	empty.SetSize(40, 4)
	if empty.View() != "" {
		t.Fatal("a pane that has not loaded draws nothing")
	}
	drive(empty, empty.First())
	if empty.View() != "nothing matches" {
		t.Fatalf("empty: %q", empty.View())
	}
}

// A drawn row taller than its share (a description wrapped) is shown whole: fewer rows fit
// the height, and the first rows give way so that the cursor's row is whole.
func TestListPaneDrawnRowsTallerThanTheirShare(t *testing.T) {
	load := func(pageRequest) func(context.Context) (listPage[int], error) {
		return func(context.Context) (listPage[int], error) { return listPage[int]{Rows: []int{1, 2, 3, 4}}, nil }
	}
	p := newListPane(componentCommon(), load, nil)
	p.draw = func(i int, current, _ bool) string {
		mark := " "
		if current {
			mark = ">"
		}
		if i == 2 {
			return mark + "2\n  a long\n  text"
		}
		return fmt.Sprintf("%s%d\n  about %d", mark, i, i)
	}
	p.lines = 2
	p.SetSize(40, 4)
	drive(p, p.First())
	if got := p.View(); got != ">1\n  about 1" {
		t.Fatalf("row 2 does not fit whole under row 1: only row 1:\n%s", got)
	}
	p.HandleKey(keyMsg("down"))
	if got := p.View(); got != ">2\n  a long\n  text" {
		t.Fatalf("the cursor's row whole:\n%s", got)
	}
	p.HandleKey(keyMsg("down"))
	if got := p.View(); got != ">3\n  about 3\n 4\n  about 4" {
		t.Fatalf("after the tall row:\n%s", got)
	}
}

// listDetail: enter shows the row under the cursor in full, ↑/↓ move to the next row (and
// page) meanwhile, esc or enter go back to the list, the detail's own actions run there and
// the list's in the list; without rows enter says why, and the detail closes when the rows go.
func TestListDetailOpensMovesAndGoesBack(t *testing.T) {
	c := componentCommon()
	calls, n := 0, 12
	load := func(r pageRequest) func(context.Context) (listPage[int], error) {
		calls++
		return func(context.Context) (listPage[int], error) { return numberPage(n, r) }
	}
	p := newListPane(c, load, numberCols)
	p.SetSize(40, 6) // a header and 5 rows
	d := newListDetail(c, p, c.keys.Open, func() string {
		if len(p.Rows()) == 0 {
			return "no rows"
		}
		return ""
	})
	ran := ""
	b := func(k string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, k)) }
	d.setActions([]*action{d.open, {binding: b("x"), run: func() tea.Cmd { ran += "x"; return nil }}},
		&action{binding: b("y"), run: func() tea.Cmd { ran += "y"; return nil }})
	run := func(cmd tea.Cmd) {
		for cmd != nil {
			msg := cmd()
			if m, ok := msg.(listPageMsg[int]); ok {
				cmd = d.Update(m)
				continue
			}
			if f, ok := msg.(flashMsg); ok {
				ran += "[" + f.Text + "]"
			}
			cmd = nil
		}
	}
	run(p.First())
	press := func(k string) { run(d.HandleKey(keyMsg(k))) }
	press("x")
	press("y") // the detail's key does nothing in the list
	press("enter")
	if !d.Shown() {
		t.Fatal("enter did not show the row")
	}
	press("y")
	press("x") // the list's key does nothing in the detail
	for range 5 {
		press("down") // the sixth row is on the next page
	}
	if r, _ := p.Current(); !d.Shown() || r != 6 {
		t.Fatalf("down in the detail: row %d, shown %v", r, d.Shown())
	}
	press("esc")
	if d.Shown() || ran != "xy" {
		t.Fatalf("esc: shown %v, ran %q", d.Shown(), ran)
	}
	press("enter")
	press("enter")
	if d.Shown() {
		t.Fatal("enter in the detail did not go back")
	}
	if sh := d.DetailShortHelp(); len(sh) != 3 {
		t.Fatalf("the detail's footer: %d keys", len(sh))
	}
	press("enter")
	n = 0
	run(p.First())
	if d.Shown() {
		t.Fatal("the detail stayed open without rows")
	}
	ran = ""
	press("enter")
	if d.Shown() || !strings.Contains(ran, "no rows") {
		t.Fatalf("enter without rows: shown %v, said %q", d.Shown(), ran)
	}
}

func TestActionWhenLeavesTheKeyToTheScreen(t *testing.T) {
	c := componentCommon()
	c.op = model.Operator{Name: "ann", Role: model.RoleSupport}
	on, ran := false, ""
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	flip := &action{binding: b(" ", "flip"), when: func() bool { return on }, run: func() tea.Cmd { ran += "f"; return nil }}
	next := &action{binding: b("tab", "next"), run: func() tea.Cmd { ran += "n"; return nil }}
	tbl := newActions(c, flip, next)
	if _, ok := tbl.dispatch(keyMsg("space")); ok || ran != "" {
		t.Fatalf("an action not the key's now took it: ran %q", ran)
	}
	if got := tbl.short(flip, next); len(got) != 1 || got[0].Help().Desc != "next" {
		t.Fatalf("footer: %v", got)
	}
	if full := tbl.full(); len(full) != 1 || len(full[0]) != 1 {
		t.Fatalf("help: %v", full)
	}
	on = true
	if _, ok := tbl.dispatch(keyMsg("space")); !ok || ran != "f" {
		t.Fatalf("ran %q", ran)
	}
	if full := tbl.full(); len(full[0]) != 2 {
		t.Fatalf("help: %v", full)
	}
}

// runAll runs a command and everything it causes (batches included), handing each message to
// update.
func runAll(cmd tea.Cmd, update func(tea.Msg) tea.Cmd) {
	if cmd == nil {
		return
	}
	switch m := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range m {
			runAll(c, update)
		}
	case nil:
	default:
		runAll(update(m), update)
	}
}

func TestPickerTypesLettersAndMovesWithTheArrows(t *testing.T) {
	c := componentCommon()
	var pending []tea.Cmd // debounced searches, fired by hand
	c.tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { pending = append(pending, func() tea.Msg { return fn(time.Time{}) }); return nil }
	}
	words := []string{"alpha", "beta", "jade", "kilo"}
	var p *picker[string]
	asked := 0
	load := func(pageRequest) func(context.Context) (listPage[string], error) {
		asked++
		q := p.Value()
		return func(context.Context) (listPage[string], error) {
			var rows []string
			for _, w := range words {
				if strings.Contains(w, q) {
					rows = append(rows, w)
				}
			}
			return listPage[string]{Rows: rows}, nil
		}
	}
	draw := func(w string, current bool) string {
		if current {
			return "> " + w
		}
		return "  " + w
	}
	p = newPicker(c, "filter", 20, load, draw, "none")
	p.SetSize(20, 3)
	p.Focus()
	runAll(p.First(), p.Update)
	if p.View() != "> alpha\n  beta\n  jade" {
		t.Fatalf("first rows:\n%s", p.View())
	}
	runAll(p.HandleKey(keyMsg("down")), p.Update)
	runAll(p.HandleKey(keyMsg("down")), p.Update)
	if w, _ := p.Current(); w != "jade" {
		t.Fatalf("the arrows move in the list: %q", w)
	}
	runAll(p.HandleKey(keyMsg("j")), p.Update) // typed, not a move
	if p.Value() != "j" || p.View() != "> jade" {
		t.Fatalf("j is typed and filters at once: %q\n%s", p.Value(), p.View())
	}
	p.Blur()
	if p.View() != "  jade" {
		t.Fatal("the cursor's row is marked only while the field has focus")
	}
	p.Focus()
	runAll(p.HandleKey(keyMsg("z")), p.Update)
	if p.View() != "none" {
		t.Fatalf("no match: %q", p.View())
	}

	// A debounced picker asks once typing pauses, for the latest text only.
	p.SetValue("")
	p.debounced()
	runAll(p.First(), p.Update)
	before := asked
	runAll(p.HandleKey(keyMsg("k")), p.Update)
	runAll(p.HandleKey(keyMsg("i")), p.Update)
	if asked != before || len(pending) != 2 {
		t.Fatalf("asked %d times while typing, %d pauses pending", asked-before, len(pending))
	}
	for _, cmd := range pending {
		runAll(cmd, p.Update)
	}
	if asked != before+1 || p.View() != "> kilo" {
		t.Fatalf("asked %d times after the pauses:\n%s", asked-before, p.View())
	}
}

// Whole is the row under the cursor with no cell cut: each column's title and its cell
// (sanitized), wrapped to the width asked; a pane's own parts when it gives them; nothing
// without a row.
func TestListPaneWholeRow(t *testing.T) {
	c := componentCommon()
	long := "a browser whose name is far longer than its column \x1b[31mred\x1b[0m"
	cols := func(int) []column[string] {
		return []column[string]{{"Key", 4, func(s string) string { return s }}, {"Browser", 8, func(string) string { return long }}}
	}
	p := newListPane(c, letters("ab"), cols)
	p.SetSize(20, 4)
	if p.Whole(30) != nil {
		t.Fatal("a whole row before any row")
	}
	drive := func(cmd tea.Cmd) {
		for cmd != nil {
			cmd = p.Update(cmd())
		}
	}
	drive(p.First())
	if !strings.Contains(p.View(), "a brows…") {
		t.Fatalf("the column cuts the cell:\n%s", p.View())
	}
	whole := p.Whole(30)
	text := strings.Join(whole, " ")
	if !strings.Contains(text, "Key: a") || !strings.Contains(text, "Browser: a browser whose name is far longer than its column red") ||
		strings.Contains(text, "\x1b") {
		t.Fatalf("the whole row: %q", whole)
	}
	for _, l := range whole {
		if w := lipgloss.Width(l); w > 30 {
			t.Fatalf("a line of %d cells: %q", w, l)
		}
	}
	p.whole = func(s string) [][2]string {
		return [][2]string{{"To", s + "@example.org"}, {"", "untitled"}, {"Empty", ""}}
	}
	if got := strings.Join(p.Whole(80), "|"); got != "To: a@example.org  ·  untitled" {
		t.Fatalf("the pane's own parts: %q", got)
	}
}

// A typed question too long for the line wraps and its answer goes under it, so what is
// typed is seen; a short one keeps its answer beside it; the width is the screen's, set
// before or after the question is asked.
func TestPromptLongQuestionKeepsTheAnswerInView(t *testing.T) {
	c := componentCommon()
	p := newPrompt(c)
	p.SetWidth(40)
	p.Ask(askReason, "Reset 2FA for Amélie Rousseau (they set it up again at their next login). Reason:", "", "",
		func(string) tea.Cmd { return nil })
	for _, r := range "lost her phone" {
		p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	lines := strings.Split(p.View(), "\n")
	if len(lines) < 3 || !strings.Contains(lines[len(lines)-1], "lost her phone") ||
		!strings.Contains(strings.Join(lines, " "), "their next login). Reason:") {
		t.Fatalf("the long question:\n%s", p.View())
	}
	for _, l := range lines {
		if w := lipgloss.Width(l); w > 40 {
			t.Fatalf("a line of %d cells: %q", w, l)
		}
	}
	p.Cancel()
	p.Ask(askText, "Days:", "", "", func(string) tea.Cmd { return nil })
	p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("30")})
	if v := p.View(); strings.Contains(v, "\n") || !strings.Contains(v, "Days: 30") {
		t.Fatalf("a short question keeps its answer beside it: %q", v)
	}
	p.SetWidth(12) // narrower than the question now
	if v := p.View(); !strings.Contains(v, "\n") || strings.TrimSpace(v[strings.LastIndex(v, "\n")+1:]) != "30" {
		t.Fatalf("after a resize: %q", v)
	}
}
