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
