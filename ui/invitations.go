package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	registerScreen("invitations", func(c *common, _ any) Screen { return newInvitations(c) })
}

// invitationExtension is how much `e` adds to an invitation's validity.
const invitationExtension = 7 * 24 * time.Hour

// The Invitations screen: pending / accepted / expired / revoked invitations with who invited
// whom, when, which rights and until when, in a keyset-paged list pane; a state filter and a
// search; resend (a new link, the old one dies), revoke (confirmed through the shared prompt)
// and extend, from its actions table.

// invitationsKeys are the screen's own bindings (the others are the console's).
type invitationsKeys struct {
	State, Resend, Revoke, Extend, New, Copy key.Binding
}

type invitationsScreen struct {
	c             *common
	keys          invitationsKeys
	width, height int

	search    textinput.Model
	searching bool
	q         store.InvitationQuery // state and search (the pane asks for its pages)

	list    *listPane[store.Invitation]
	prompt  *prompt
	actions *actions
	short   []*action // the footer's actions, in the order they are offered
	copyAct *action
	busy    bool   // an action is running
	link    string // a resent invitation's new link, shown until the next action
}

// invitationOp is what an action does to one invitation.
type invitationOp int

const (
	invitationResend invitationOp = iota
	invitationRevoke
	invitationExtend
)

type (
	invitationsSearchMsg struct{ seq int }
	invitationDoneMsg    struct {
		op   invitationOp
		inv  store.Invitation
		link string
		err  error
	}
)

func newInvitations(c *common) *invitationsScreen {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	si := newInput()
	si.Prompt = "/ "
	si.Placeholder = c.t("invitations.search.ph")
	si.CharLimit = 256
	s := &invitationsScreen{c: c, search: si, prompt: newPrompt(c), keys: invitationsKeys{
		State:  b("s", "invitations.key.state", "s"),
		Resend: b("r", "invitations.key.resend", "r"),
		Revoke: b("d", "invitations.key.revoke", "d"),
		Extend: b("e", "invitations.key.extend", "e"),
		New:    b("i", "key.invite", "i"),
		Copy:   b("c", "invite.key.copy", "c"),
	}}
	s.list = newListPane(c, s.loader, s.columns)
	s.list.empty = c.t("invitations.empty")
	s.list.styled = func(inv store.Invitation, j int, cell string) string {
		if j == 0 { // the state's colour
			return s.stateStyle(inv.State).Render(cell)
		}
		return cell
	}
	s.buildActions()
	return s
}

// loader captures the state filter, the search and the scope for one page request.
func (s *invitationsScreen) loader(r pageRequest) func(context.Context) (listPage[store.Invitation], error) {
	at := forwardFrom[*store.Cursor](r)
	q := s.q
	q.After, q.Limit = at.at, r.Limit
	if s.c.scopeOrg != 0 {
		q.OrgID = s.c.scopeOrg
	}
	st, op := s.c.st, s.c.op
	return func(ctx context.Context) (listPage[store.Invitation], error) {
		page, err := st.ListInvitations(ctx, op, q)
		return forwardPage(at, page.Invitations, page.HasNext, page.Last), err
	}
}

func (s *invitationsScreen) buildActions() {
	c, ck, k := s.c, s.c.keys, s.keys
	searchAct := &action{binding: ck.Search, group: 1, run: func() tea.Cmd {
		s.searching = true
		return s.search.Focus()
	}}
	state := &action{binding: k.State, group: 1, run: func() tea.Cmd {
		s.q.State = nextState(s.q.State)
		return s.list.First()
	}}
	open := &action{binding: ck.Open, group: 1, unavailable: s.noAccount, run: func() tea.Cmd {
		inv, _ := s.list.Current()
		return navigate("user", *inv.UserID)
	}}
	resend := &action{binding: k.Resend, needs: model.ActionResendInvitation, group: 2, unavailable: s.closed,
		run: func() tea.Cmd { return s.act(invitationResend) }}
	revoke := &action{binding: k.Revoke, needs: model.ActionRevokeInvitation, dangerous: true, group: 2, unavailable: s.closed,
		run: s.askRevoke}
	extend := &action{binding: k.Extend, needs: model.ActionExtendInvitation, group: 2, unavailable: s.closed,
		run: func() tea.Cmd { return s.act(invitationExtend) }}
	s.copyAct = &action{binding: k.Copy, group: 2, unavailable: func() string {
		if s.link == "" {
			return c.t("invitations.nolink")
		}
		return ""
	}, run: func() tea.Cmd { return copyCmd(c.out, s.link) }}
	s.actions = newActions(c,
		open, searchAct, state,
		&action{binding: ck.Refresh, group: 1, run: func() tea.Cmd { return s.list.Reload() }},
		&action{binding: k.New, needs: model.ActionInvite, group: 1, run: func() tea.Cmd { return navigate("invite", nil) }},
		&action{binding: ck.Back, group: 1, run: s.escape},
		resend, revoke, extend, s.copyAct,
	)
	s.short = []*action{searchAct, state, resend, revoke, extend}
}

// noAccount says why the row under the cursor has no account to open.
func (s *invitationsScreen) noAccount() string {
	inv, ok := s.list.Current()
	switch {
	case !ok:
		return s.c.t("invitations.empty")
	case inv.UserID == nil:
		return s.c.t("invitations.noaccount")
	}
	return ""
}

// closed says why the invitation under the cursor cannot be resent, revoked or extended: only
// a pending or expired invitation, never revoked, can.
func (s *invitationsScreen) closed() string {
	inv, ok := s.list.Current()
	switch {
	case !ok:
		return s.c.t("invitations.empty")
	case (inv.State != store.InvitationPending && inv.State != store.InvitationExpired) || inv.RevokedAt != nil:
		return s.c.t("invitations.closed", s.c.t("invitations.state."+string(inv.State)))
	}
	return ""
}

func (s *invitationsScreen) Title() string { return s.c.t("invitations.title") }
func (s *invitationsScreen) Init() tea.Cmd { return s.list.First() }
func (s *invitationsScreen) Busy() bool    { return s.busy || s.list.Busy() }

func (s *invitationsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.search.Width = max(10, w-30)
	s.prompt.SetWidth(w)
	s.layout()
}

// layout gives the pane what the filter bar, the line under the cursor row, the new link and
// the page line leave.
func (s *invitationsScreen) layout() {
	h := s.height - 4
	if s.link != "" {
		h -= 1 + strings.Count(wrapLink(s.link, s.width), "\n") + 1
	}
	s.list.SetSize(s.width, max(2, h))
}

func (s *invitationsScreen) InputFocused() bool { return s.searching || s.prompt.Typing() }

func (s *invitationsScreen) Close() {
	s.setLink("")
	s.list.Stop()
}

func (s *invitationsScreen) setLink(link string) {
	s.link = link
	s.layout()
}

func (s *invitationsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case listPageMsg[store.Invitation]:
		return s, s.list.Update(msg)
	case invitationsSearchMsg:
		if !s.list.Latest(msg.seq) {
			return s, nil
		}
		return s, s.list.First()
	case invitationDoneMsg:
		return s, s.done(msg)
	case clipboardCopiedMsg:
		if msg.ok {
			return s, flashCmd(flashInfo, s.c.t("invite.copied"))
		}
		return s, flashCmd(flashWarn, s.c.t("invite.copy.none"))
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

// escape clears the search, else goes back.
func (s *invitationsScreen) escape() tea.Cmd {
	if s.q.Search != "" {
		s.search.SetValue("")
		s.q.Search = ""
		return s.list.First()
	}
	return back
}

func (s *invitationsScreen) updateSearch(msg tea.KeyMsg) tea.Cmd {
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
		return tea.Batch(cmd, s.c.tick(searchDebounce, func(time.Time) tea.Msg { return invitationsSearchMsg{seq} }))
	}
	return cmd
}

// askRevoke asks before revoking the invitation under the cursor.
func (s *invitationsScreen) askRevoke() tea.Cmd {
	inv, _ := s.list.Current()
	label := s.c.t("invitations.confirm.revoke", safe.Line(inv.Email), safe.Line(inv.OrgSlug))
	return s.prompt.Confirm(label, func() tea.Cmd { return s.run(invitationRevoke, inv.ID) })
}

// act runs an action on the invitation under the cursor.
func (s *invitationsScreen) act(op invitationOp) tea.Cmd {
	inv, _ := s.list.Current()
	return s.run(op, inv.ID)
}

// run resends, revokes or extends one invitation. Every check (scope, role, state) is the
// store's.
func (s *invitationsScreen) run(op invitationOp, id int64) tea.Cmd {
	s.busy = true
	s.setLink("")
	st, who, ctx := s.c.st, s.c.op, s.c.ctx
	return func() tea.Msg {
		m := invitationDoneMsg{op: op}
		switch op {
		case invitationResend:
			m.inv, m.link, m.err = st.ResendInvitation(ctx, who, id)
		case invitationRevoke:
			m.inv, m.err = st.RevokeInvitation(ctx, who, id)
		case invitationExtend:
			m.inv, m.err = st.ExtendInvitation(ctx, who, id, invitationExtension)
		}
		return m
	}
}

func (s *invitationsScreen) done(msg invitationDoneMsg) tea.Cmd {
	s.busy = false
	if msg.err != nil {
		return tea.Batch(errCmd(msg.err), s.list.Reload())
	}
	s.setLink(msg.link)
	c := s.c
	email, until := safe.Line(msg.inv.Email), fmtTime(&msg.inv.ExpiresAt, true)
	var text string
	switch msg.op {
	case invitationResend:
		text = c.t("invitations.resent", email, until)
	case invitationRevoke:
		text = c.t("invitations.revoked", email)
	case invitationExtend:
		text = c.t("invitations.extended", email, until)
	}
	return tea.Batch(flashCmd(flashInfo, text), s.list.Reload())
}

// nextState cycles: all → pending → accepted → expired → revoked → all.
func nextState(cur store.InvitationState) store.InvitationState {
	if cur == "" {
		return store.InvitationStates[0]
	}
	for i, st := range store.InvitationStates {
		if st == cur && i+1 < len(store.InvitationStates) {
			return store.InvitationStates[i+1]
		}
	}
	return ""
}

func (s *invitationsScreen) ShortHelp() []key.Binding {
	if s.prompt.Active() {
		return s.prompt.ShortHelp()
	}
	out := s.actions.short(s.short...)
	if s.link != "" {
		out = append(out, s.actions.short(s.copyAct)...)
	}
	return out
}

func (s *invitationsScreen) FullHelp() [][]key.Binding {
	return append(s.list.FullHelp(), s.actions.full()...)
}

// stateStyle is the colour of a state word.
func (s *invitationsScreen) stateStyle(st store.InvitationState) lipgloss.Style {
	styles := s.c.styles
	switch st {
	case store.InvitationPending:
		return styles.BadgeInvited
	case store.InvitationAccepted:
		return styles.BadgeActive
	case store.InvitationExpired:
		return styles.BadgeMust
	}
	return styles.BadgeDisabled
}

func (s *invitationsScreen) columns(width int) []column[store.Invitation] {
	c := s.c
	wide := width >= 120
	state := column[store.Invitation]{c.t("invitations.col.state"), 9, func(inv store.Invitation) string {
		return c.t("invitations.state." + string(inv.State))
	}}
	rest := []column[store.Invitation]{
		{c.t("invitations.col.org"), 12, func(inv store.Invitation) string { return inv.OrgSlug }},
		{c.t("invitations.col.rights"), 22, func(inv store.Invitation) string { return strings.Join(inv.Rights, ",") }},
		{c.t("invitations.col.expires"), 16, func(inv store.Invitation) string { return fmtTime(&inv.ExpiresAt, true) }},
	}
	if wide {
		rest = append(rest,
			column[store.Invitation]{c.t("invitations.col.by"), 10, func(inv store.Invitation) string { return inv.InvitedBy }},
			column[store.Invitation]{c.t("invitations.col.created"), 16, func(inv store.Invitation) string { return fmtTime(&inv.CreatedAt, true) }},
			column[store.Invitation]{"↻", 4, func(inv store.Invitation) string { return strconv.Itoa(inv.ResendCount) }})
	}
	used := 2 + state.width + 1 // the selection mark, the state
	for _, col := range rest {
		used += col.width + 1
	}
	who := column[store.Invitation]{c.t("invitations.col.invitee"), max(12, width-used), func(inv store.Invitation) string {
		return inv.Name + " <" + inv.Email + ">"
	}}
	return append([]column[store.Invitation]{state, who}, rest...)
}

func (s *invitationsScreen) View() string {
	var b strings.Builder
	b.WriteString(s.filterBar())
	b.WriteByte('\n')
	b.WriteString(s.list.View())
	b.WriteString("\n\n")
	b.WriteString(s.underCursor())
	c, st := s.c, s.c.styles
	if s.link != "" {
		b.WriteString("\n" + st.Section.Render(c.t("invitations.newlink")) + "\n" + wrapLink(s.link, s.width))
	}
	if page := s.list.Page(); page.HasNext || page.HasPrev {
		b.WriteString("\n" + st.Dim.Render(c.t("invitations.page", forwardNumber[store.Invitation, *store.Cursor](page))))
	}
	return b.String()
}

func (s *invitationsScreen) filterBar() string {
	c, st := s.c, s.c.styles
	state := c.t("users.filter.any")
	if s.q.State != "" {
		state = c.t("invitations.state." + string(s.q.State))
	}
	bar := c.t("invitations.filter.state") + ":" + state
	switch {
	case s.searching:
		return s.search.View() + "  " + st.Dim.Render(bar)
	case s.q.Search != "":
		return st.Dim.Render("/ ") + safe.Line(s.q.Search) + "  " + st.Dim.Render(bar)
	}
	return st.Dim.Render(bar + "  ·  / " + c.t("invitations.search.ph"))
}

// underCursor is the open question, else the cursor row in full: who invited whom, when,
// rights, expiry.
func (s *invitationsScreen) underCursor() string {
	c, st := s.c, s.c.styles
	if s.prompt.Active() {
		return s.prompt.View()
	}
	inv, ok := s.list.Current()
	if !ok {
		return ""
	}
	detail := c.t("invitations.detail", safe.Line(inv.InvitedBy), safe.Line(inv.Name), safe.Line(inv.OrgName),
		fmtTime(&inv.CreatedAt, true), safe.Line(strings.Join(inv.Rights, ", ")), fmtTime(&inv.ExpiresAt, true), inv.ResendCount)
	if inv.AcceptedAt != nil {
		detail += " · " + c.t("invitations.accepted.at", fmtTime(inv.AcceptedAt, true))
	}
	return st.Dim.Render(safe.Truncate(detail, s.width))
}
