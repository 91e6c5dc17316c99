package ui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
)

// inviteRights is the wizard's second step: the rights this operator may grant, as a checklist
// — a list pane whose selection is the ticked rights, each right drawn with its description
// under it (two lines, more where the description wraps). Its keys are the pane's, as in every list: space ticks (or unticks) the right
// under the cursor and moves on to the next one.
type inviteRights struct {
	c        *common
	width    int
	rights   []model.Right    // in catalog order
	ids      map[string]int64 // a right's identity in the pane's selection
	list     *listPane[model.Right]
	showErrs bool // an attempt to go on without a right was made
}

func newInviteRights(c *common) *inviteRights {
	r := &inviteRights{c: c, ids: map[string]int64{}}
	r.list = newListPane(c, r.loader, nil).selectable(func(g model.Right) int64 { return r.ids[g.Code] })
	r.list.draw, r.list.lines = r.drawRight, 2
	return r
}

// set takes the rights this operator may grant.
func (r *inviteRights) set(rights []model.Right) tea.Cmd {
	r.rights = rights
	for i, g := range rights {
		r.ids[g.Code] = int64(i + 1)
	}
	return r.list.First()
}

// loader lists every grantable right at once (they are few).
func (r *inviteRights) loader(pageRequest) func(context.Context) (listPage[model.Right], error) {
	rows := r.rights
	return func(context.Context) (listPage[model.Right], error) { return listPage[model.Right]{Rows: rows}, nil }
}

// SetSize keeps the checklist within the screen, under the step's title and above its error
// and hint: two lines a right, more for a description that wraps.
func (r *inviteRights) SetSize(w, h int) {
	r.width = w
	r.list.SetSize(w, max(2, h-6))
}

// HandleKey moves and ticks; a tick clears the "at least one" error.
func (r *inviteRights) HandleKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	before := len(r.list.Selected())
	cmd, ok := r.list.HandleKey(msg)
	if len(r.list.Selected()) != before {
		r.showErrs = false
	}
	return cmd, ok
}

// chosen lists the ticked rights in catalog order.
func (r *inviteRights) chosen() []model.Right {
	ticked := map[int64]bool{}
	for _, id := range r.list.Selected() {
		ticked[id] = true
	}
	var out []model.Right
	for _, g := range r.rights {
		if ticked[r.ids[g.Code]] {
			out = append(out, g)
		}
	}
	return out
}

// codes are the ticked rights' codes, in catalog order.
func (r *inviteRights) codes() []string {
	var out []string
	for _, g := range r.chosen() {
		out = append(out, g.Code)
	}
	return out
}

// complete reports whether a right is ticked, or shows that one is needed.
func (r *inviteRights) complete() bool {
	if !r.list.HasSelection() {
		r.showErrs = true
		return false
	}
	return true
}

func (r *inviteRights) drawRight(g model.Right, current, ticked bool) string {
	st := r.c.styles
	box := "[ ]"
	if ticked {
		box = "[x]"
	}
	head := box + " " + safe.Line(g.LabelIn(r.c.lang))
	if current {
		head = st.RowCursor.Render(head)
	}
	out := head + "  " + st.Dim.Render(safe.Line(g.Code))
	for _, l := range wrapCells(safe.Line(g.DescriptionIn(r.c.lang)), max(10, r.width-6)) {
		out += "\n    " + st.Dim.Render(l)
	}
	return out
}

// View is the checklist under its title; the wizard draws the hint under it.
func (r *inviteRights) View(org model.Organization) string {
	c, st := r.c, r.c.styles
	var b strings.Builder
	b.WriteString(st.Section.Render(c.t("invite.rights.title", safe.Line(org.Name))) + "\n")
	if len(r.rights) == 0 {
		b.WriteString(st.Fail.Render(c.t("invite.rights.none")) + "\n")
	}
	if v := r.list.View(); v != "" {
		b.WriteString(v + "\n")
	}
	if r.showErrs {
		b.WriteString(st.Fail.Render("✗ "+c.t("invite.rights.atleast")) + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

func (r *inviteRights) hint() string { return r.c.styles.Dim.Render(r.c.t("invite.hint.rights")) }

// ShortHelp and FullHelp are the checklist's keys (the pane's).
func (r *inviteRights) ShortHelp() []key.Binding  { return r.list.ShortHelp() }
func (r *inviteRights) FullHelp() [][]key.Binding { return r.list.FullHelp() }
