package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	registerScreen("invite", func(c *common, _ any) Screen { return newInvite(c) })
}

// The invite wizard: step 1 who and where — a new person (name, e-mail) or an existing user
// (its login code and its e-mail, both; a user of the operator's organizations can be picked
// from a search instead), and the organization; step 2 the rights; step 3 review and send.
// esc goes back one step and keeps everything typed; on the first step it leaves, asking
// first when something was typed. The result shows a new person's acceptance link once, with
// a key to copy it; an existing account's link goes only to its own e-mail address. Nothing
// here tells the operator about accounts they cannot see: the store answers for those as for
// an address or login code nobody has.
//
// The screen is a step component per step (invite_who.go, invite_rights.go, invite_send.go),
// the shared prompt for its one question, and an actions table per step: every key of the
// wizard is in one of them (or is the focused field's or list's).

type inviteStep int

const (
	stepWho inviteStep = iota
	stepRights
	stepReview
	stepDone
	inviteSteps // how many steps there are
)

// inviteKeys are the wizard's own bindings (built per session, in its language).
type inviteKeys struct {
	Next, Prev, Down, Up, Pick, Mode, Switch, Leave key.Binding // step 1
	Review, Back, Send, Copy, Done                  key.Binding
}

func newInviteKeys(c *common) inviteKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	return inviteKeys{
		Next:   b("tab", "invite.key.next", "tab"),
		Prev:   b("shift+tab", "invite.key.prev", "shift+tab"),
		Down:   b("↓", "invite.key.next", "down"),
		Up:     b("↑", "invite.key.prev", "up"),
		Pick:   b("enter", "invite.key.pick", "enter"),
		Mode:   b("space/←/→", "invite.key.mode", " ", "left", "right", "h", "l"),
		Switch: b("ctrl+e", "invite.key.switch", "ctrl+e"),
		Leave:  b("esc", "invite.key.leave", "esc"),
		Review: b("enter", "invite.key.pick", "enter"),
		Back:   b("esc", "invite.key.back", "esc"),
		Send:   b("enter", "invite.key.send", "enter"),
		Copy:   b("c", "invite.key.copy", "c"),
		Done:   b("enter/esc", "invite.key.done", "enter", "esc"),
	}
}

type inviteScreen struct {
	c             *common
	keys          inviteKeys
	width, height int
	step          inviteStep

	who    *inviteWho
	rights *inviteRights
	review *inviteReview
	result *inviteResult
	prompt *prompt

	acts  [inviteSteps]*actions
	short [inviteSteps][]*action // each step's footer, in the order it is offered

	load    request // the organizations and rights
	loadErr error
}

type (
	inviteLoadedMsg struct {
		seq    int
		orgs   []model.Organization
		rights []model.Right
		err    error
	}
	inviteSentMsg struct {
		inv  store.Invitation
		link string
		err  error
	}
)

func newInvite(c *common) *inviteScreen {
	s := &inviteScreen{c: c, keys: newInviteKeys(c), prompt: newPrompt(c),
		who: newInviteWho(c), rights: newInviteRights(c), review: &inviteReview{c: c}, result: &inviteResult{c: c}}
	s.buildActions()
	return s
}

// buildActions makes each step's table. Every action but leaving needs the right to invite:
// a session without it sees why, and nothing else works.
func (s *inviteScreen) buildActions() {
	c, k, w := s.c, s.keys, s.who
	invite := func(b key.Binding, group int, run func() tea.Cmd) *action {
		return &action{binding: b, needs: model.ActionInvite, group: group, run: run}
	}
	do := func(f func()) func() tea.Cmd { return func() tea.Cmd { f(); return nil } }
	sending := func() string {
		if s.review.busy {
			return c.t("invite.sending")
		}
		return ""
	}

	// Step 1: the arrows move between the fields, but on a field with a list under it they
	// move in the list (the picker's keys); space and ←/→ switch paths on the first field only.
	next := invite(k.Next, 1, do(func() { w.moveFocus(1) }))
	pick := invite(k.Pick, 2, func() tea.Cmd {
		if w.enter() {
			s.step = stepRights
		}
		return nil
	})
	leave := &action{binding: k.Leave, group: 2, run: s.leave}
	down := invite(k.Down, 1, do(func() { w.moveFocus(1) }))
	down.when = func() bool { return !w.onList() }
	up := invite(k.Up, 1, do(func() { w.moveFocus(-1) }))
	up.when = func() bool { return !w.onList() && w.focus != fieldMode }
	mode := invite(k.Mode, 2, do(w.flipMode))
	mode.when = func() bool { return w.focus == fieldMode }
	switchAct := invite(k.Switch, 2, do(w.switchToAccount))
	switchAct.when = w.switchOffered
	s.acts[stepWho] = newActions(c, next, invite(k.Prev, 1, do(func() { w.moveFocus(-1) })), down, up,
		pick, mode, switchAct, leave)
	s.short[stepWho] = []*action{next, pick, leave}

	// Step 2: the checklist's keys are the pane's.
	review := invite(k.Review, 2, func() tea.Cmd {
		if s.rights.complete() {
			s.step, s.review.sendErr = stepReview, ""
		}
		return nil
	})
	backToWho := invite(k.Back, 2, do(func() { s.step = stepWho }))
	s.acts[stepRights] = newActions(c, review, backToWho)
	s.short[stepRights] = []*action{review, backToWho}

	// Step 3.
	send := invite(k.Send, 2, s.send)
	send.unavailable = sending
	backToRights := invite(k.Back, 2, do(func() { s.step = stepRights }))
	backToRights.unavailable = sending
	s.acts[stepReview] = newActions(c, send, backToRights)
	s.short[stepReview] = []*action{send, backToRights}

	// The result.
	copyAct := &action{binding: k.Copy, group: 2, run: func() tea.Cmd { return copyCmd(c.out, s.result.link) }, unavailable: func() string {
		if s.result.link == "" {
			return c.t("invite.copy.nolink")
		}
		return ""
	}}
	done := &action{binding: k.Done, group: 2, run: func() tea.Cmd {
		s.result.drop()
		return back
	}}
	s.acts[stepDone] = newActions(c, copyAct, done)
	s.short[stepDone] = []*action{copyAct, done}
}

func (s *inviteScreen) Title() string { return s.c.t("invite.title") }
func (s *inviteScreen) Busy() bool    { return s.load.inflight || s.review.busy }

func (s *inviteScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.who.SetSize(w, h)
	s.rights.SetSize(w, h)
	s.review.width, s.result.width = w, w
	s.prompt.SetWidth(w)
}

// Close forgets the link and cancels what is in flight.
func (s *inviteScreen) Close() {
	s.result.drop()
	s.load.stop()
	s.who.Stop()
	s.rights.list.Stop()
}

func (s *inviteScreen) InputFocused() bool {
	if s.prompt.Active() {
		return s.prompt.Typing()
	}
	return s.allowed() && s.step == stepWho && s.who.typing()
}

// allowed: the session may invite (the action policy: not oncall, not read-only; the store
// refuses too).
func (s *inviteScreen) allowed() bool { return s.c.may(model.ActionInvite) }

// Init loads the organizations in scope and the rights this operator may grant, and the
// existing-user search's first rows.
func (s *inviteScreen) Init() tea.Cmd {
	ctx, seq := s.load.start(s.c.ctx)
	st, op := s.c.st, s.c.op
	return tea.Batch(func() tea.Msg {
		orgs, err := st.ListOrganizations(ctx, op)
		if err != nil {
			return inviteLoadedMsg{seq: seq, err: err}
		}
		rights, err := st.GrantableRights(ctx, op)
		return inviteLoadedMsg{seq: seq, orgs: orgs, rights: rights, err: err}
	}, s.who.users.First())
}

func (s *inviteScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case inviteLoadedMsg:
		if !s.load.done(msg.seq) {
			return s, nil
		}
		if s.loadErr = msg.err; msg.err != nil {
			return s, errCmd(msg.err)
		}
		return s, tea.Batch(s.who.setOrgs(msg.orgs), s.rights.set(msg.rights))
	case listPageMsg[model.Right]:
		return s, s.rights.list.Update(msg)
	case listPageMsg[model.User], listPageMsg[model.Organization], pickerSearchMsg, inviteEmailTickMsg, inviteEmailMsg:
		return s, s.who.Update(msg)
	case inviteSentMsg:
		return s, s.sent(msg)
	case clipboardCopiedMsg:
		if msg.ok {
			s.result.copied = true
			return s, flashCmd(flashInfo, s.c.t("invite.copied"))
		}
		return s, flashCmd(flashWarn, s.c.t("invite.copy.none"))
	case reconnectedMsg:
		if s.loadErr != nil {
			return s, s.Init()
		}
	case tea.KeyMsg:
		if s.prompt.Active() {
			return s, s.prompt.Update(msg)
		}
		return s, s.handleKey(msg)
	}
	return s, nil
}

// handleKey: the checklist's keys on step 2, then the step's actions, then (on step 1) the
// focused field. A session that may not invite gets only the actions, which say why.
func (s *inviteScreen) handleKey(msg tea.KeyMsg) tea.Cmd {
	if s.step == stepRights {
		if cmd, ok := s.rights.HandleKey(msg); ok {
			return cmd
		}
	}
	if cmd, ok := s.acts[s.step].dispatch(msg); ok {
		return cmd
	}
	if s.step == stepWho && s.allowed() {
		return s.who.typeKey(msg)
	}
	return nil
}

// leave closes the wizard, asking first when it would throw away what was typed.
func (s *inviteScreen) leave() tea.Cmd {
	if !s.who.typed() && !s.rights.list.HasSelection() {
		return back
	}
	return s.prompt.Confirm(s.c.t("invite.discard"), func() tea.Cmd { return back })
}

func (s *inviteScreen) draft() inviteDraft {
	d := inviteDraft{rights: s.rights.chosen()}
	d.name, d.email, d.kind = s.who.invitee()
	if s.who.org != nil {
		d.org = *s.who.org
	}
	return d
}

func (s *inviteScreen) send() tea.Cmd {
	n := store.NewInvitation{OrgID: s.who.org.ID, Rights: s.rights.codes(), Lang: string(s.c.lang)}
	s.who.invitation(&n)
	s.review.busy, s.review.sendErr = true, ""
	st, op, ctx := s.c.st, s.c.op, s.c.ctx
	return func() tea.Msg {
		inv, link, err := st.CreateInvitation(ctx, op, n)
		return inviteSentMsg{inv: inv, link: link, err: err}
	}
}

func (s *inviteScreen) sent(msg inviteSentMsg) tea.Cmd {
	s.review.busy = false
	var ae *store.AccountExistsError
	switch {
	case msg.err == nil:
		r := s.result
		r.inv, r.link, r.existing, r.known = msg.inv, msg.link, s.who.existing, s.who.pickedMatches()
		s.step = stepDone
		if r.existing {
			return flashCmd(flashInfo, s.c.t("invite.sent.flash.existing", safe.Line(msg.inv.Email)))
		}
		return flashCmd(flashInfo, s.c.t("invite.sent.flash", safe.Line(msg.inv.Email)))
	case errors.As(msg.err, &ae):
		// Someone registered the e-mail meanwhile: back to step 1, which offers the switch.
		s.who.accountExists(ae)
		s.step = stepWho
		return nil
	case store.IsDuplicateInvitation(msg.err):
		s.review.sendErr = s.c.t("invite.duplicate")
		return nil
	case store.IsUnavailable(msg.err):
		return errCmd(msg.err)
	}
	s.review.sendErr = s.c.errText(msg.err)
	return nil
}

// ---- help ----

func (s *inviteScreen) ShortHelp() []key.Binding {
	if s.prompt.Active() {
		return s.prompt.ShortHelp()
	}
	offered := s.short[s.step]
	switch s.step {
	case stepRights:
		return append(s.rights.ShortHelp(), s.acts[s.step].short(offered...)...)
	case stepDone:
		if s.result.link == "" {
			offered = offered[1:] // no link to copy
		}
	}
	return s.acts[s.step].short(offered...)
}

func (s *inviteScreen) FullHelp() [][]key.Binding {
	if s.prompt.Active() {
		return s.prompt.FullHelp()
	}
	var panes [][]key.Binding
	switch s.step {
	case stepWho:
		if s.allowed() {
			panes = s.who.FullHelp()
		}
	case stepRights:
		panes = s.rights.FullHelp()
	}
	return append(panes, s.acts[s.step].full()...)
}

// ---- view ----

func (s *inviteScreen) progress() string {
	st := s.c.styles
	labels := []string{s.c.t("invite.step.who"), s.c.t("invite.step.rights"), s.c.t("invite.step.review")}
	parts := make([]string, len(labels))
	for i, l := range labels {
		mark := "○"
		style := st.Dim
		switch {
		case s.step == stepDone || int(s.step) > i:
			mark, style = "✓", st.OK
		case int(s.step) == i:
			mark, style = "●", st.Section
		}
		parts[i] = style.Render(fmt.Sprintf("%s %d %s", mark, i+1, l))
	}
	return strings.Join(parts, st.Dim.Render(" ─── "))
}

func (s *inviteScreen) View() string {
	if ok, reason := s.c.op.May(model.ActionInvite); !ok {
		return s.c.styles.Fail.Render(s.c.t("err.forbidden")) + "\n" + s.c.t(reason)
	}
	var body, hint string
	switch s.step {
	case stepWho:
		body, hint = s.who.View(), s.who.hint()
	case stepRights:
		body, hint = s.rights.View(s.draft().org), s.rights.hint()
	case stepReview:
		body, hint = s.review.View(s.draft()), s.review.hint()
	case stepDone:
		body, hint = s.result.View(), s.result.hint()
	}
	if s.prompt.Active() {
		hint = s.prompt.View()
	}
	return s.progress() + "\n\n" + body + hint
}
