package ui

import (
	"context"
	"fmt"
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
	registerScreen("invitations", func(c *common, _ any) Screen { return newInvitations(c) })
}

// invitationExtension is how much `e` adds to an invitation's validity.
const invitationExtension = 7 * 24 * time.Hour

// The Invitations screen: pending / accepted / expired / revoked invitations with who invited
// whom, when, which rights and until when; a state filter and a search; resend (a new link,
// the old one dies), revoke (confirmed) and extend.

type invitationsKeys struct {
	State, Resend, Revoke, Extend, New, Copy, Yes, No key.Binding
}

type invitationsScreen struct {
	c             *common
	keys          invitationsKeys
	width, height int

	search    textinput.Model
	searching bool
	q         store.InvitationQuery
	page      store.InvitationPage
	stack     []*store.Cursor // After of each earlier page, for going back
	after     *store.Cursor   // the page on screen
	cursor    int
	loaded    bool
	busy      bool
	seq       int
	cancel    context.CancelFunc

	confirm *store.Invitation // the invitation a revoke waits confirmation for
	link    string            // a resent invitation's new link, shown until the next action
}

type (
	invitationsPageMsg struct {
		seq   int
		after *store.Cursor
		page  store.InvitationPage
		err   error
	}
	invitationsSearchMsg struct{ seq int }
	invitationActionMsg  struct {
		what string // resend, revoke, extend
		inv  store.Invitation
		link string
		err  error
	}
)

func newInvitations(c *common) *invitationsScreen {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	k := invitationsKeys{
		State:  b("s", "invitations.key.state", "s"),
		Resend: b("r", "invitations.key.resend", "r"),
		Revoke: b("d", "invitations.key.revoke", "d"),
		Extend: b("e", "invitations.key.extend", "e"),
		New:    b("i", "key.invite", "i"),
		Copy:   b("c", "invite.key.copy", "c"),
		Yes:    b("y", "invitations.key.yes", "y", "o"),
		No:     b("n", "invitations.key.no", "n", "esc"),
	}
	// From the action policy (role and read-only flag).
	k.Resend.SetEnabled(c.may(model.ActionResendInvitation))
	k.Revoke.SetEnabled(c.may(model.ActionRevokeInvitation))
	k.Extend.SetEnabled(c.may(model.ActionExtendInvitation))
	k.New.SetEnabled(c.may(model.ActionInvite))
	si := newInput()
	si.Prompt = "/ "
	si.Placeholder = c.t("invitations.search.ph")
	si.CharLimit = 256
	return &invitationsScreen{c: c, keys: k, search: si}
}

func (s *invitationsScreen) Title() string { return s.c.t("invitations.title") }
func (s *invitationsScreen) Init() tea.Cmd { return s.load(nil) }
func (s *invitationsScreen) Busy() bool    { return s.busy }
func (s *invitationsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.search.Width = max(10, w-30)
}
func (s *invitationsScreen) InputFocused() bool { return s.searching || s.confirm != nil }

func (s *invitationsScreen) Close() {
	s.link = ""
	if s.cancel != nil {
		s.cancel()
	}
}

// pageSize: the body minus filter bar, table header, detail lines and the link line.
func (s *invitationsScreen) pageSize() int { return max(1, s.height-6) }

func (s *invitationsScreen) load(after *store.Cursor) tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	s.seq++
	s.busy = true
	q := s.q
	q.After, q.Limit = after, s.pageSize()
	if s.c.scopeOrg != 0 {
		q.OrgID = s.c.scopeOrg
	}
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	st, op, seq := s.c.st, s.c.op, s.seq
	return func() tea.Msg {
		page, err := st.ListInvitations(ctx, op, q)
		return invitationsPageMsg{seq: seq, after: after, page: page, err: err}
	}
}

func (s *invitationsScreen) selected() *store.Invitation {
	if s.cursor < 0 || s.cursor >= len(s.page.Invitations) {
		return nil
	}
	return &s.page.Invitations[s.cursor]
}

func (s *invitationsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case invitationsPageMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.busy = false
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.page, s.after, s.loaded = msg.page, msg.after, true
		s.cursor = min(max(0, s.cursor), max(0, len(s.page.Invitations)-1))
		return s, nil
	case invitationsSearchMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.stack, s.cursor = nil, 0
		return s, s.load(nil)
	case invitationActionMsg:
		s.busy = false
		if msg.err != nil {
			return s, tea.Batch(flashCmd(flashError, s.c.errText(msg.err)), s.load(s.after))
		}
		s.link = msg.link
		email, until := safe.Line(msg.inv.Email), fmtTime(&msg.inv.ExpiresAt, true)
		text := s.c.t("invitations.revoked", email)
		switch msg.what {
		case "resend":
			text = s.c.t("invitations.resent", email, until)
		case "extend":
			text = s.c.t("invitations.extended", email, until)
		}
		return s, tea.Batch(flashCmd(flashInfo, text), s.load(s.after))
	case clipboardCopiedMsg:
		if msg.ok {
			return s, flashCmd(flashInfo, s.c.t("invite.copied"))
		}
		return s, flashCmd(flashWarn, s.c.t("invite.copy.none"))
	case reconnectedMsg, scopeChangedMsg:
		return s, s.load(s.after)
	case tea.KeyMsg:
		switch {
		case s.confirm != nil:
			return s, s.updateConfirm(msg)
		case s.searching:
			return s, s.updateSearch(msg)
		}
		return s, s.updateKeys(msg)
	}
	return s, nil
}

func (s *invitationsScreen) updateConfirm(msg tea.KeyMsg) tea.Cmd {
	inv := s.confirm
	switch {
	case key.Matches(msg, s.keys.Yes):
		s.confirm = nil
		return s.act("revoke", inv.ID)
	case key.Matches(msg, s.keys.No):
		s.confirm = nil
	}
	return nil
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
			s.stack, s.cursor = nil, 0
			return s.load(nil)
		}
		return nil
	}
	var cmd tea.Cmd
	s.search, cmd = s.search.Update(msg)
	if v := s.search.Value(); v != s.q.Search {
		s.q.Search = v
		if s.cancel != nil {
			s.cancel()
		}
		s.seq++
		seq := s.seq
		return tea.Batch(cmd, s.c.tick(searchDebounce, func(time.Time) tea.Msg { return invitationsSearchMsg{seq} }))
	}
	return cmd
}

// act runs resend, revoke or extend on one invitation.
func (s *invitationsScreen) act(what string, id int64) tea.Cmd {
	a := map[string]model.Action{"resend": model.ActionResendInvitation, "revoke": model.ActionRevokeInvitation,
		"extend": model.ActionExtendInvitation}[what]
	if no := s.c.refusedAction(a); no != nil {
		return no
	}
	s.busy, s.link = true, ""
	st, op, ctx := s.c.st, s.c.op, s.c.ctx
	return func() tea.Msg {
		var inv store.Invitation
		var link string
		var err error
		switch what {
		case "resend":
			inv, link, err = st.ResendInvitation(ctx, op, id)
		case "revoke":
			inv, err = st.RevokeInvitation(ctx, op, id)
		case "extend":
			inv, err = st.ExtendInvitation(ctx, op, id, invitationExtension)
		}
		return invitationActionMsg{what: what, inv: inv, link: link, err: err}
	}
}

func (s *invitationsScreen) updateKeys(msg tea.KeyMsg) tea.Cmd {
	ck, k := s.c.keys, s.keys
	inv := s.selected()
	open := inv != nil && (inv.State == store.InvitationPending || inv.State == store.InvitationExpired) && inv.RevokedAt == nil
	switch {
	case key.Matches(msg, ck.Back):
		if s.q.Search != "" {
			s.search.SetValue("")
			s.q.Search = ""
			s.stack, s.cursor = nil, 0
			return s.load(nil)
		}
		return back
	case key.Matches(msg, ck.Up):
		s.cursor = max(0, s.cursor-1)
	case key.Matches(msg, ck.Down):
		s.cursor = min(len(s.page.Invitations)-1, s.cursor+1)
	case key.Matches(msg, ck.Top):
		s.cursor = 0
	case key.Matches(msg, ck.Bottom):
		s.cursor = len(s.page.Invitations) - 1
	case key.Matches(msg, ck.NextPage):
		if s.page.HasNext {
			s.stack = append(s.stack, s.after)
			s.cursor = 0
			return s.load(s.page.Last)
		}
	case key.Matches(msg, ck.PrevPage):
		if n := len(s.stack); n > 0 {
			prev := s.stack[n-1]
			s.stack = s.stack[:n-1]
			s.cursor = 0
			return s.load(prev)
		}
	case key.Matches(msg, ck.Search):
		s.searching = true
		return s.search.Focus()
	case key.Matches(msg, k.State):
		s.q.State = nextState(s.q.State)
		s.stack, s.cursor = nil, 0
		return s.load(nil)
	case key.Matches(msg, ck.Refresh):
		return s.load(s.after)
	case key.Matches(msg, k.New):
		return navigate("invite", nil)
	case key.Matches(msg, k.Copy) && s.link != "":
		return copyCmd(s.c.out, s.link)
	case key.Matches(msg, k.Resend) && open:
		return s.act("resend", inv.ID)
	case key.Matches(msg, k.Extend) && open:
		return s.act("extend", inv.ID)
	case key.Matches(msg, k.Revoke) && open:
		cp := *inv
		s.confirm = &cp
	case key.Matches(msg, k.Resend, k.Extend, k.Revoke) && inv != nil:
		return flashCmd(flashWarn, s.c.t("invitations.closed", s.c.t("invitations.state."+string(inv.State))))
	case key.Matches(msg, ck.Open) && inv != nil && inv.UserID != nil:
		return navigate("user", *inv.UserID)
	}
	return s.c.refused(msg, actionKey{k.Resend, model.ActionResendInvitation}, actionKey{k.Revoke, model.ActionRevokeInvitation},
		actionKey{k.Extend, model.ActionExtendInvitation}, actionKey{k.New, model.ActionInvite})
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
	ck, k := s.c.keys, s.keys
	if s.confirm != nil {
		return []key.Binding{k.Yes, k.No}
	}
	out := []key.Binding{ck.Search, k.State, k.Resend, k.Revoke, k.Extend}
	if s.link != "" {
		out = append(out, k.Copy)
	}
	return out
}

func (s *invitationsScreen) FullHelp() [][]key.Binding {
	ck, k := s.c.keys, s.keys
	return [][]key.Binding{
		{ck.Up, ck.Down, ck.Top, ck.Bottom, ck.NextPage, ck.PrevPage, ck.Open},
		{ck.Search, k.State, ck.Refresh, k.New},
		{k.Resend, k.Revoke, k.Extend, k.Copy},
	}
}

// stateBadge is the state word padded to w cells, then coloured (padding after styling
// would strip the colour: safe.Pad sanitizes).
func (s *invitationsScreen) stateBadge(st store.InvitationState, w int) string {
	text := safe.Pad(s.c.t("invitations.state."+string(st)), w)
	styles := s.c.styles
	switch st {
	case store.InvitationPending:
		return styles.BadgeInvited.Render(text)
	case store.InvitationAccepted:
		return styles.BadgeActive.Render(text)
	case store.InvitationExpired:
		return styles.BadgeMust.Render(text)
	}
	return styles.BadgeDisabled.Render(text)
}

func (s *invitationsScreen) View() string {
	c, st := s.c, s.c.styles
	var b strings.Builder
	// Filter bar.
	state := c.t("users.filter.any")
	if s.q.State != "" {
		state = c.t("invitations.state." + string(s.q.State))
	}
	bar := c.t("invitations.filter.state") + ":" + state
	if s.searching {
		b.WriteString(s.search.View() + "  " + st.Dim.Render(bar) + "\n")
	} else if s.q.Search != "" {
		b.WriteString(st.Dim.Render("/ ") + safe.Line(s.q.Search) + "  " + st.Dim.Render(bar) + "\n")
	} else {
		b.WriteString(st.Dim.Render(bar+"  ·  / "+c.t("invitations.search.ph")) + "\n")
	}
	// Table.
	wide := s.width >= 120
	stateW, orgW, expW := 9, 12, 16
	rightsW := 22
	byW, createdW, resendW := 10, 16, 4
	fixed := stateW + orgW + expW + rightsW + 2*5
	if wide {
		fixed += byW + createdW + resendW + 2*3
	}
	whoW := max(12, s.width-fixed-2)
	cell := func(text string, w int) string { return safe.Pad(safe.Truncate(text, w), w) }
	head := []string{cell(c.t("invitations.col.state"), stateW), cell(c.t("invitations.col.invitee"), whoW),
		cell(c.t("invitations.col.org"), orgW), cell(c.t("invitations.col.rights"), rightsW), cell(c.t("invitations.col.expires"), expW)}
	if wide {
		head = append(head, cell(c.t("invitations.col.by"), byW), cell(c.t("invitations.col.created"), createdW), cell("↻", resendW))
	}
	b.WriteString(st.TableHeader.Render(strings.Join(head, "  ")) + "\n")
	rows := s.page.Invitations
	if s.loaded && len(rows) == 0 {
		b.WriteString(st.Dim.Render(c.t("invitations.empty")) + "\n")
	}
	for i, inv := range rows {
		who := safe.Line(inv.Name) + " <" + safe.Line(inv.Email) + ">"
		cells := []string{s.stateBadge(inv.State, stateW), cell(who, whoW), cell(safe.Line(inv.OrgSlug), orgW),
			cell(safe.Line(strings.Join(inv.Rights, ",")), rightsW), cell(fmtTime(&inv.ExpiresAt, true), expW)}
		if wide {
			cells = append(cells, cell(safe.Line(inv.InvitedBy), byW), cell(fmtTime(&inv.CreatedAt, true), createdW), cell(fmt.Sprint(inv.ResendCount), resendW))
		}
		line := strings.Join(cells, "  ")
		if i == s.cursor {
			line = st.RowCursor.Render(safe.Pad(line, s.width))
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	// The cursor row in full: who invited whom, when, rights, expiry; or the pending question.
	switch inv := s.selected(); {
	case s.confirm != nil:
		b.WriteString(st.FlashWarn.Render(safe.Truncate(c.t("invitations.confirm.revoke", safe.Line(s.confirm.Email), safe.Line(s.confirm.OrgSlug)), s.width)))
	case inv != nil:
		detail := c.t("invitations.detail", safe.Line(inv.InvitedBy), safe.Line(inv.Name), safe.Line(inv.OrgName),
			fmtTime(&inv.CreatedAt, true), safe.Line(strings.Join(inv.Rights, ", ")), fmtTime(&inv.ExpiresAt, true), inv.ResendCount)
		if inv.AcceptedAt != nil {
			detail += " · " + c.t("invitations.accepted.at", fmtTime(inv.AcceptedAt, true))
		}
		b.WriteString(st.Dim.Render(safe.Truncate(detail, s.width)))
	}
	if s.link != "" {
		b.WriteString("\n" + st.Section.Render(c.t("invitations.newlink")) + "\n" + wrapLink(s.link, s.width))
	}
	if s.page.HasNext || len(s.stack) > 0 {
		b.WriteString("\n" + st.Dim.Render(c.t("invitations.page", len(s.stack)+1)))
	}
	return b.String()
}
