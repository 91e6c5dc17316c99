package ui

import (
	"context"
	"errors"
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
	registerScreen("invite", func(c *common, _ any) Screen { return newInvite(c) })
}

// The invite wizard: step 1 who and where — a new person (name, e-mail) or an existing user
// (its login code and its e-mail, both; a user of the operator's organizations can be picked
// from a search instead), and the organization; step 2 the rights; step 3 review and send.
// esc goes back one step and keeps everything typed. The result shows a new person's
// acceptance link once, with a key to copy it; an existing account's link goes only to its
// own e-mail address. Nothing here tells the operator about accounts they cannot see: the
// store answers for those as for an address or login code nobody has.

type inviteStep int

const (
	stepWho inviteStep = iota
	stepRights
	stepReview
	stepDone
)

// Fields of step 1, in focus order.
type inviteField int

const (
	fieldMode inviteField = iota
	fieldName
	fieldEmail
	fieldUser      // the existing user's login code (typing searches the operator's users)
	fieldUserEmail // the existing user's e-mail
	fieldOrg
)

type inviteKeys struct {
	Next, Prev, Toggle, Pick, Switch, Send, Copy, Up, Down, Back key.Binding
}

func newInviteKeys(c *common) inviteKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	return inviteKeys{
		Next:   b("tab", "invite.key.next", "tab"),
		Prev:   b("shift+tab", "invite.key.prev", "shift+tab"),
		Toggle: b("space", "invite.key.toggle", " "),
		Pick:   b("enter", "invite.key.pick", "enter"),
		Switch: b("ctrl+e", "invite.key.switch", "ctrl+e"),
		Send:   b("enter", "invite.key.send", "enter"),
		Copy:   b("c", "invite.key.copy", "c"),
		Up:     b("↑", "key.up", "up"),
		Down:   b("↓", "key.down", "down"),
		Back:   b("esc", "invite.key.back", "esc"),
	}
}

type inviteScreen struct {
	c             *common
	keys          inviteKeys
	width, height int
	step          inviteStep

	// step 1
	existing   bool // the existing-user path
	focus      inviteField
	showErrs   bool // an attempt to go on was made: empty fields are errors now
	name       textinput.Model
	email      textinput.Model
	userQ      textinput.Model // login code of the existing user
	userEmail  textinput.Model // e-mail of the existing user
	orgQ       textinput.Model
	account    store.EmailAccount // what the typed e-mail already is, among the accounts the operator can see
	accountFor string             // the e-mail account describes
	emailSeq   int
	users      []model.User
	userCursor int
	userSeq    int
	picked     *model.User          // a user of the operator's organizations picked from the search
	orgs       []model.Organization // every organization in scope
	orgCursor  int
	org        *model.Organization

	// step 2
	rights      []model.Right // those this operator may grant
	rightCursor int
	chosen      map[string]bool
	rightsErr   bool

	// step 3 and result
	busy    bool
	sendErr string
	result  store.Invitation
	link    string // shown once; dropped when the screen closes
	copied  bool

	loadErr error
	cancel  context.CancelFunc
}

type (
	inviteLoadedMsg struct {
		orgs   []model.Organization
		rights []model.Right
		err    error
	}
	inviteEmailTickMsg struct{ seq int }
	inviteEmailMsg     struct {
		seq     int
		email   string
		account store.EmailAccount
		err     error
	}
	inviteUserTickMsg struct{ seq int }
	inviteUsersMsg    struct {
		seq   int
		users []model.User
		err   error
	}
	inviteSentMsg struct {
		inv  store.Invitation
		link string
		err  error
	}
)

func newInvite(c *common) *inviteScreen {
	in := func(ph string, limit int) textinput.Model {
		t := newInput()
		t.Prompt = ""
		t.Placeholder = c.t(ph)
		t.CharLimit = limit
		return t
	}
	s := &inviteScreen{c: c, keys: newInviteKeys(c), chosen: map[string]bool{},
		name: in("invite.name.ph", 200), email: in("invite.email.ph", 254),
		userQ: in("invite.user.ph", 256), userEmail: in("invite.email.ph", 254), orgQ: in("invite.org.ph", 200)}
	s.setFocus(fieldName)
	return s
}

func (s *inviteScreen) Title() string { return s.c.t("invite.title") }
func (s *inviteScreen) Busy() bool    { return s.busy }

func (s *inviteScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	for _, in := range []*textinput.Model{&s.name, &s.email, &s.userQ, &s.userEmail, &s.orgQ} {
		in.Width = max(10, min(60, w-20))
	}
}

// Close forgets the link and cancels what is in flight.
func (s *inviteScreen) Close() {
	s.link = ""
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *inviteScreen) InputFocused() bool {
	return s.allowed() && s.step == stepWho && s.focus != fieldMode
}

// Init loads the organizations in scope and the rights this operator may grant.
func (s *inviteScreen) Init() tea.Cmd {
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	s.busy = true
	st, op := s.c.st, s.c.op
	return tea.Batch(func() tea.Msg {
		orgs, err := st.ListOrganizations(ctx, op)
		if err != nil {
			return inviteLoadedMsg{err: err}
		}
		rights, err := st.GrantableRights(ctx, op)
		return inviteLoadedMsg{orgs: orgs, rights: rights, err: err}
	}, s.searchUsers())
}

// fields lists step 1's fields for the current path.
func (s *inviteScreen) fields() []inviteField {
	if s.existing {
		return []inviteField{fieldMode, fieldUser, fieldUserEmail, fieldOrg}
	}
	return []inviteField{fieldMode, fieldName, fieldEmail, fieldOrg}
}

func (s *inviteScreen) input(f inviteField) *textinput.Model {
	switch f {
	case fieldName:
		return &s.name
	case fieldEmail:
		return &s.email
	case fieldUser:
		return &s.userQ
	case fieldUserEmail:
		return &s.userEmail
	case fieldOrg:
		return &s.orgQ
	}
	return nil
}

func (s *inviteScreen) setFocus(f inviteField) {
	for _, g := range []inviteField{fieldName, fieldEmail, fieldUser, fieldUserEmail, fieldOrg} {
		s.input(g).Blur()
	}
	s.focus = f
	if in := s.input(f); in != nil {
		in.Focus()
	}
}

func (s *inviteScreen) moveFocus(delta int) {
	fs := s.fields()
	i := 0
	for j, f := range fs {
		if f == s.focus {
			i = j
		}
	}
	s.setFocus(fs[(i+delta+len(fs))%len(fs)])
}

// filteredOrgs are the organizations matching the filter text.
func (s *inviteScreen) filteredOrgs() []model.Organization {
	q := strings.ToLower(strings.TrimSpace(s.orgQ.Value()))
	if q == "" {
		return s.orgs
	}
	var out []model.Organization
	for _, o := range s.orgs {
		if strings.Contains(strings.ToLower(o.Name), q) || strings.Contains(o.Slug, q) {
			out = append(out, o)
		}
	}
	return out
}

// Inline validation of step 1 (empty fields only count once an attempt to go on was made).
func (s *inviteScreen) nameErr() string {
	v := s.name.Value()
	if strings.TrimSpace(v) == "" && !s.showErrs {
		return ""
	}
	if err := model.ValidateName(v); err != nil {
		return err.Error()
	}
	return ""
}

func (s *inviteScreen) emailErr() string {
	v := s.email.Value()
	if strings.TrimSpace(v) == "" && !s.showErrs {
		return ""
	}
	if err := model.ValidateEmail(v); err != nil {
		return err.Error()
	}
	return ""
}

// userLoginErr and userEmailErr validate the existing user's login code and e-mail (empty
// ones only count once an attempt to go on was made).
func (s *inviteScreen) userLoginErr() string {
	if strings.TrimSpace(s.userQ.Value()) == "" {
		if s.showErrs {
			return s.c.t("invite.user.none")
		}
		return ""
	}
	if !loginCodeForm(model.NormalizeLogin(s.userQ.Value())) {
		return s.c.t("invite.user.badlogin")
	}
	return ""
}

func (s *inviteScreen) userEmailErr() string {
	v := s.userEmail.Value()
	if strings.TrimSpace(v) == "" && !s.showErrs {
		return ""
	}
	if err := model.ValidateEmail(v); err != nil {
		return err.Error()
	}
	return ""
}

// loginCodeForm reports whether a normalized text has the form of a login code.
func loginCodeForm(v string) bool {
	if len(v) < 3 || len(v) > 40 || v[0] == '-' {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// pickedMatches reports whether the picked user is still the one the two fields name.
func (s *inviteScreen) pickedMatches() bool {
	return s.picked != nil && model.NormalizeLogin(s.userQ.Value()) == strings.ToUpper(s.picked.Login) &&
		model.NormalizeEmail(s.userEmail.Value()) == strings.ToLower(s.picked.Email)
}

// emailTaken reports whether the typed e-mail belongs to an account the operator can see
// (not merely invited).
func (s *inviteScreen) emailTaken() bool {
	return s.accountFor == model.NormalizeEmail(s.email.Value()) && s.account.Exists && s.account.Status != model.StatusInvited
}

func (s *inviteScreen) whoErr() string {
	switch {
	case !s.existing && (s.nameErr() != "" || s.emailErr() != ""):
		return "invalid"
	case !s.existing && s.emailTaken():
		return s.c.t("invite.email.taken.short")
	case s.existing && (s.userLoginErr() != "" || s.userEmailErr() != ""):
		return "invalid"
	}
	return ""
}

func (s *inviteScreen) orgErr() string {
	if s.org == nil && s.showErrs {
		return s.c.t("invite.org.none")
	}
	return ""
}

// advance leaves step 1 if it is complete, or shows what is missing.
func (s *inviteScreen) advance() tea.Cmd {
	s.showErrs = true
	switch {
	case s.whoErr() != "":
		if s.existing && s.userLoginErr() != "" {
			s.setFocus(fieldUser)
		} else if s.existing {
			s.setFocus(fieldUserEmail)
		} else if s.nameErr() != "" {
			s.setFocus(fieldName)
		} else {
			s.setFocus(fieldEmail)
		}
		return nil
	case s.org == nil:
		s.setFocus(fieldOrg)
		return nil
	}
	s.step = stepRights
	return nil
}

func (s *inviteScreen) searchUsers() tea.Cmd {
	s.userSeq++
	seq, q := s.userSeq, s.userQ.Value()
	st, op, ctx := s.c.st, s.c.op, s.c.ctx
	return func() tea.Msg {
		page, err := st.ListUsers(ctx, op, store.UserQuery{Search: q, Status: model.StatusActive, Sort: store.SortName, Limit: 8})
		return inviteUsersMsg{seq: seq, users: page.Users, err: err}
	}
}

func (s *inviteScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case inviteLoadedMsg:
		s.busy = false
		if msg.err != nil {
			s.loadErr = msg.err
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.loadErr = nil
		s.orgs, s.rights = msg.orgs, msg.rights
		for i, o := range s.orgs {
			if len(s.orgs) == 1 || o.ID == s.c.scopeOrg {
				s.org, s.orgCursor = &s.orgs[i], i
			}
		}
		return s, nil
	case inviteEmailTickMsg:
		if msg.seq != s.emailSeq {
			return s, nil
		}
		email := model.NormalizeEmail(s.email.Value())
		st, op, ctx, seq := s.c.st, s.c.op, s.c.ctx, msg.seq
		return s, func() tea.Msg {
			a, err := st.LookupEmail(ctx, op, email)
			return inviteEmailMsg{seq: seq, email: email, account: a, err: err}
		}
	case inviteEmailMsg:
		if msg.seq != s.emailSeq {
			return s, nil
		}
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.account, s.accountFor = msg.account, msg.email
		return s, nil
	case inviteUserTickMsg:
		if msg.seq != s.userSeq {
			return s, nil
		}
		return s, s.searchUsers()
	case inviteUsersMsg:
		if msg.seq != s.userSeq {
			return s, nil
		}
		if msg.err != nil {
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		s.users, s.userCursor = msg.users, 0
		return s, nil
	case inviteSentMsg:
		return s, s.sent(msg)
	case clipboardCopiedMsg:
		if msg.ok {
			s.copied = true
			return s, flashCmd(flashInfo, s.c.t("invite.copied"))
		}
		return s, flashCmd(flashWarn, s.c.t("invite.copy.none"))
	case reconnectedMsg:
		if s.loadErr != nil {
			return s, s.Init()
		}
		return s, nil
	case tea.KeyMsg:
		if !s.allowed() {
			if key.Matches(msg, s.keys.Back) {
				return s, back
			}
			return s, nil
		}
		switch s.step {
		case stepWho:
			return s, s.updateWho(msg)
		case stepRights:
			return s, s.updateRights(msg)
		case stepReview:
			return s, s.updateReview(msg)
		case stepDone:
			return s, s.updateDone(msg)
		}
	}
	return s, nil
}

func (s *inviteScreen) updateWho(msg tea.KeyMsg) tea.Cmd {
	k := s.keys
	switch {
	case key.Matches(msg, k.Back):
		return back
	case key.Matches(msg, k.Next):
		s.moveFocus(1)
		return nil
	case key.Matches(msg, k.Prev):
		s.moveFocus(-1)
		return nil
	case key.Matches(msg, k.Switch) && !s.existing && s.emailTaken():
		// The e-mail has an account of the operator's organizations: invite it instead.
		s.existing = true
		s.pick(model.User{ID: s.account.UserID, Login: s.account.Login, Name: s.account.Name, Email: s.accountFor})
		return nil
	}
	switch s.focus {
	case fieldMode:
		switch msg.Type {
		case tea.KeyLeft, tea.KeyRight, tea.KeySpace:
			s.existing = !s.existing
			return nil
		case tea.KeyEnter, tea.KeyDown:
			s.moveFocus(1)
			return nil
		}
		if msg.String() == "h" || msg.String() == "l" {
			s.existing = !s.existing
		}
		return nil
	case fieldName:
		if msg.Type == tea.KeyEnter || msg.Type == tea.KeyDown {
			s.moveFocus(1)
			return nil
		}
	case fieldEmail:
		if msg.Type == tea.KeyEnter || msg.Type == tea.KeyDown {
			s.moveFocus(1)
			return nil
		}
		if msg.Type == tea.KeyUp {
			s.moveFocus(-1)
			return nil
		}
		before := s.email.Value()
		var cmd tea.Cmd
		s.email, cmd = s.email.Update(msg)
		if s.email.Value() != before {
			s.emailSeq++
			if model.ValidateEmail(s.email.Value()) == nil {
				seq := s.emailSeq
				return tea.Batch(cmd, s.c.tick(searchDebounce, func(time.Time) tea.Msg { return inviteEmailTickMsg{seq} }))
			}
		}
		return cmd
	case fieldUser:
		switch msg.Type {
		case tea.KeyUp:
			s.userCursor = max(0, s.userCursor-1)
			return nil
		case tea.KeyDown:
			s.userCursor = max(0, min(len(s.users)-1, s.userCursor+1)) // never -1 on an empty list
			return nil
		case tea.KeyEnter:
			if s.userCursor < len(s.users) && strings.TrimSpace(s.userQ.Value()) != "" && !s.pickedMatches() {
				s.pick(s.users[s.userCursor])
			} else {
				s.moveFocus(1)
			}
			return nil
		}
		before := s.userQ.Value()
		var cmd tea.Cmd
		s.userQ, cmd = s.userQ.Update(msg)
		if s.userQ.Value() != before {
			s.userSeq++
			seq := s.userSeq
			return tea.Batch(cmd, s.c.tick(searchDebounce, func(time.Time) tea.Msg { return inviteUserTickMsg{seq} }))
		}
		return cmd
	case fieldUserEmail:
		switch msg.Type {
		case tea.KeyEnter, tea.KeyDown:
			s.moveFocus(1)
			return nil
		case tea.KeyUp:
			s.moveFocus(-1)
			return nil
		}
	case fieldOrg:
		list := s.filteredOrgs()
		switch msg.Type {
		case tea.KeyUp:
			s.orgCursor = max(0, s.orgCursor-1)
			return nil
		case tea.KeyDown:
			s.orgCursor = max(0, min(len(list)-1, s.orgCursor+1))
			return nil
		case tea.KeyEnter:
			if s.orgCursor < len(list) && len(list) > 0 {
				o := list[s.orgCursor]
				s.org = &o
			}
			return s.advance()
		}
		before := s.orgQ.Value()
		var cmd tea.Cmd
		s.orgQ, cmd = s.orgQ.Update(msg)
		if s.orgQ.Value() != before {
			s.orgCursor = 0
		}
		return cmd
	}
	if in := s.input(s.focus); in != nil {
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		return cmd
	}
	return nil
}

// pick fills the existing user's login code and e-mail from a user of the operator's
// organizations.
func (s *inviteScreen) pick(u model.User) {
	s.picked = &u
	s.userQ.SetValue(u.Login)
	s.userEmail.SetValue(u.Email)
	s.setFocus(fieldOrg)
}

func (s *inviteScreen) updateRights(msg tea.KeyMsg) tea.Cmd {
	ck := s.c.keys
	switch {
	case key.Matches(msg, s.keys.Back):
		s.step = stepWho
	case key.Matches(msg, ck.Up):
		s.rightCursor = max(0, s.rightCursor-1)
	case key.Matches(msg, ck.Down):
		s.rightCursor = max(0, min(len(s.rights)-1, s.rightCursor+1))
	case key.Matches(msg, s.keys.Toggle):
		if s.rightCursor < len(s.rights) {
			code := s.rights[s.rightCursor].Code
			s.chosen[code] = !s.chosen[code]
			s.rightsErr = false
		}
	case key.Matches(msg, s.keys.Pick):
		if len(s.chosenRights()) == 0 {
			s.rightsErr = true
			return nil
		}
		s.step = stepReview
		s.sendErr = ""
	}
	return nil
}

// chosenRights lists the ticked rights in catalog order.
func (s *inviteScreen) chosenRights() []string {
	var out []string
	for _, r := range s.rights {
		if s.chosen[r.Code] {
			out = append(out, r.Code)
		}
	}
	return out
}

func (s *inviteScreen) updateReview(msg tea.KeyMsg) tea.Cmd {
	switch {
	case s.busy:
		return nil
	case key.Matches(msg, s.keys.Back):
		s.step = stepRights
	case key.Matches(msg, s.keys.Send):
		return s.send()
	}
	return nil
}

func (s *inviteScreen) send() tea.Cmd {
	n := store.NewInvitation{OrgID: s.org.ID, Rights: s.chosenRights(), Lang: string(s.c.lang)}
	if s.existing {
		n.ExistingLogin, n.Email = s.userQ.Value(), s.userEmail.Value()
	} else {
		n.Name, n.Email = s.name.Value(), s.email.Value()
	}
	s.busy, s.sendErr = true, ""
	st, op, ctx := s.c.st, s.c.op, s.c.ctx
	return func() tea.Msg {
		inv, link, err := st.CreateInvitation(ctx, op, n)
		return inviteSentMsg{inv: inv, link: link, err: err}
	}
}

func (s *inviteScreen) sent(msg inviteSentMsg) tea.Cmd {
	s.busy = false
	var ae *store.AccountExistsError
	switch {
	case msg.err == nil:
		s.result, s.link, s.step = msg.inv, msg.link, stepDone
		if s.existing {
			return flashCmd(flashInfo, s.c.t("invite.sent.flash.existing", safe.Line(msg.inv.Email)))
		}
		return flashCmd(flashInfo, s.c.t("invite.sent.flash", safe.Line(msg.inv.Email)))
	case errors.As(msg.err, &ae):
		// Someone registered the e-mail meanwhile: back to step 1, which offers the switch.
		s.account = store.EmailAccount{Exists: true, Status: model.StatusActive, UserID: ae.UserID, Login: ae.Login, Name: ae.Name}
		s.accountFor = model.NormalizeEmail(s.email.Value())
		s.step = stepWho
		s.setFocus(fieldEmail)
		return nil
	case store.IsDuplicateInvitation(msg.err):
		s.sendErr = s.c.t("invite.duplicate")
		return nil
	case store.IsUnavailable(msg.err):
		return func() tea.Msg { return errMsg{msg.err} }
	}
	s.sendErr = s.c.errText(msg.err)
	return nil
}

func (s *inviteScreen) updateDone(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, s.keys.Copy) && s.link != "":
		return copyCmd(s.c.out, s.link)
	case key.Matches(msg, s.keys.Back), msg.Type == tea.KeyEnter:
		s.link = ""
		return back
	}
	return nil
}

func (s *inviteScreen) ShortHelp() []key.Binding {
	k := s.keys
	switch s.step {
	case stepWho:
		return []key.Binding{k.Next, k.Pick, k.Back}
	case stepRights:
		return []key.Binding{k.Toggle, k.Pick, k.Back}
	case stepReview:
		return []key.Binding{k.Send, k.Back}
	}
	if s.link == "" {
		return []key.Binding{k.Back}
	}
	return []key.Binding{k.Copy, k.Back}
}

func (s *inviteScreen) FullHelp() [][]key.Binding {
	k := s.keys
	return [][]key.Binding{{k.Next, k.Prev, k.Up, k.Down, k.Pick, k.Switch}, {k.Toggle, k.Send, k.Copy, k.Back}}
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

// allowed: on-call operators and read-only sessions cannot invite (the store refuses too).
func (s *inviteScreen) allowed() bool { return s.c.op.CanWrite() && !s.c.readOnly }

func (s *inviteScreen) View() string {
	if !s.allowed() {
		return s.c.styles.Fail.Render(s.c.t("err.forbidden"))
	}
	var b strings.Builder
	b.WriteString(s.progress() + "\n\n")
	switch s.step {
	case stepWho:
		s.viewWho(&b)
	case stepRights:
		s.viewRights(&b)
	case stepReview:
		s.viewReview(&b)
	case stepDone:
		s.viewDone(&b)
	}
	return b.String()
}

func (s *inviteScreen) label(text string, focused bool) string {
	st := s.c.styles
	l := safe.Pad(text, 14)
	if focused {
		return st.Key.Render("› " + l)
	}
	return st.Label.Render("  " + l)
}

func (s *inviteScreen) errLine(b *strings.Builder, msg string) {
	if msg != "" {
		b.WriteString("                " + s.c.styles.Fail.Render("✗ "+safe.Truncate(msg, max(10, s.width-20))) + "\n")
	}
}

func (s *inviteScreen) listRows() int {
	if s.height >= 30 {
		return 8
	}
	return 4
}

func (s *inviteScreen) viewWho(b *strings.Builder) {
	c, st := s.c, s.c.styles
	radio := func(on bool, text string) string {
		if on {
			return "(•) " + text
		}
		return "( ) " + text
	}
	b.WriteString(s.label(c.t("invite.mode"), s.focus == fieldMode) + radio(!s.existing, c.t("invite.mode.new")) + "   " +
		radio(s.existing, c.t("invite.mode.existing")) + "\n\n")
	if !s.existing {
		b.WriteString(s.label(c.t("invite.name"), s.focus == fieldName) + s.name.View() + "\n")
		s.errLine(b, s.nameErr())
		b.WriteString(s.label(c.t("invite.email"), s.focus == fieldEmail) + s.email.View() + "\n")
		s.errLine(b, s.emailErr())
		if s.emailErr() == "" && s.accountFor == model.NormalizeEmail(s.email.Value()) && s.account.Exists {
			var note string
			if s.account.Status == model.StatusInvited {
				note = st.Dim.Render(c.t("invite.email.invited"))
			} else {
				note = st.FlashWarn.Render(c.t("invite.email.taken", safe.Line(s.account.Name), safe.Line(s.account.Login)))
			}
			b.WriteString("                " + note + "\n")
		}
	} else {
		b.WriteString(s.label(c.t("invite.user"), s.focus == fieldUser) + s.userQ.View() + "\n")
		rows := s.listRows()
		start := max(0, min(s.userCursor-rows+1, len(s.users)-rows))
		for i := start; i < len(s.users) && i < start+rows; i++ {
			u := s.users[i]
			line := safe.Line(u.Name) + " · " + safe.Line(u.Login) + " · " + safe.Line(u.Email)
			line = safe.Truncate(line, max(10, s.width-20))
			if i == s.userCursor && s.focus == fieldUser {
				line = st.RowCursor.Render(line)
			}
			b.WriteString("                " + line + "\n")
		}
		if len(s.users) == 0 {
			b.WriteString("                " + st.Dim.Render(c.t("invite.user.nomatch")) + "\n")
		}
		s.errLine(b, s.userLoginErr())
		b.WriteString(s.label(c.t("invite.email"), s.focus == fieldUserEmail) + s.userEmail.View() + "\n")
		s.errLine(b, s.userEmailErr())
		if s.pickedMatches() {
			who := safe.Line(s.picked.Name) + " · " + safe.Line(s.picked.Login)
			b.WriteString("                " + st.OK.Render("✓ "+safe.Truncate(who+" · "+safe.Line(s.picked.Email), max(10, s.width-22))) + "\n")
		} else {
			b.WriteString("                " + st.Dim.Render(safe.Truncate(c.t("invite.user.both"), max(10, s.width-18))) + "\n")
		}
	}
	b.WriteString("\n" + s.label(c.t("invite.org"), s.focus == fieldOrg) + s.orgQ.View() + "\n")
	list := s.filteredOrgs()
	rows := s.listRows()
	start := max(0, min(s.orgCursor-rows+1, len(list)-rows))
	for i := start; i < len(list) && i < start+rows; i++ {
		o := list[i]
		mark := "  "
		if s.org != nil && s.org.ID == o.ID {
			mark = "✓ "
		}
		line := mark + safe.Truncate(safe.Line(o.Name)+" ("+safe.Line(o.Slug)+")", max(10, s.width-22))
		if i == s.orgCursor && s.focus == fieldOrg {
			line = st.RowCursor.Render(line)
		}
		b.WriteString("                " + line + "\n")
	}
	if len(list) == 0 {
		b.WriteString("                " + st.Dim.Render(c.t("invite.org.nomatch")) + "\n")
	}
	s.errLine(b, s.orgErr())
	b.WriteString("\n" + st.Dim.Render(c.t("invite.hint.who")))
}

func (s *inviteScreen) viewRights(b *strings.Builder) {
	c, st := s.c, s.c.styles
	b.WriteString(st.Section.Render(c.t("invite.rights.title", safe.Line(s.org.Name))) + "\n")
	if len(s.rights) == 0 {
		b.WriteString(st.Fail.Render(c.t("invite.rights.none")) + "\n")
	}
	// Two lines per right; keep the cursor in view.
	per := max(1, (s.height-7)/2)
	start := max(0, min(s.rightCursor-per+1, len(s.rights)-per))
	for i := start; i < len(s.rights) && i < start+per; i++ {
		r := s.rights[i]
		box := "[ ]"
		if s.chosen[r.Code] {
			box = "[x]"
		}
		line := box + " " + safe.Line(r.Label) + "  " + st.Dim.Render(safe.Line(r.Code))
		if i == s.rightCursor {
			line = st.RowCursor.Render(box+" "+safe.Line(r.Label)) + "  " + st.Dim.Render(safe.Line(r.Code))
		}
		b.WriteString(line + "\n")
		b.WriteString("    " + st.Dim.Render(safe.Truncate(safe.Line(r.Description), max(10, s.width-6))) + "\n")
	}
	if s.rightsErr {
		b.WriteString(st.Fail.Render("✗ "+c.t("invite.rights.atleast")) + "\n")
	}
	b.WriteString("\n" + st.Dim.Render(c.t("invite.hint.rights")))
}

func (s *inviteScreen) who() (name, email, kind string) {
	c := s.c
	if s.existing {
		login := model.NormalizeLogin(s.userQ.Value())
		if s.pickedMatches() {
			name = s.picked.Name
		}
		return name, model.NormalizeEmail(s.userEmail.Value()), c.t("invite.kind.existing", safe.Line(login))
	}
	return strings.TrimSpace(s.name.Value()), model.NormalizeEmail(s.email.Value()), c.t("invite.kind.new")
}

func (s *inviteScreen) viewReview(b *strings.Builder) {
	c, st := s.c, s.c.styles
	name, email, kind := s.who()
	row := func(label, value string) {
		b.WriteString(st.Label.Render(safe.Pad(label, 16)) + safe.Truncate(value, max(10, s.width-18)) + "\n")
	}
	b.WriteString(st.Section.Render(c.t("invite.review.title")) + "\n")
	row(c.t("invite.review.who"), strings.TrimSpace(safe.Line(name)+" <"+safe.Line(email)+">"))
	row("", kind)
	row(c.t("invite.org"), safe.Line(s.org.Name)+" ("+safe.Line(s.org.Slug)+")")
	var labels []string
	for _, r := range s.rights {
		if s.chosen[r.Code] {
			labels = append(labels, safe.Line(r.Label)+" ("+safe.Line(r.Code)+")")
		}
	}
	for i, l := range labels {
		label := ""
		if i == 0 {
			label = c.t("invite.review.rights")
		}
		row(label, l)
	}
	row(c.t("invite.review.expires"), c.t("invite.review.expires.default"))
	b.WriteString("\n")
	if s.sendErr != "" {
		b.WriteString(st.Fail.Render("✗ "+safe.Truncate(s.sendErr, max(10, s.width-2))) + "\n")
	}
	if s.busy {
		b.WriteString(st.Dim.Render(c.t("invite.sending")))
	} else {
		b.WriteString(st.Key.Render(c.t("invite.hint.review")))
	}
}

func (s *inviteScreen) viewDone(b *strings.Builder) {
	c, st := s.c, s.c.styles
	inv := s.result
	title := c.t("invite.done.title", inv.ID)
	if s.existing {
		title = c.t("invite.done.title.existing", inv.ID)
	}
	b.WriteString(st.OK.Render(title) + "\n\n")
	row := func(label, value string) {
		b.WriteString(st.Label.Render(safe.Pad(label, 16)) + safe.Truncate(value, max(10, s.width-18)) + "\n")
	}
	row(c.t("invite.review.who"), safe.Line(inv.Name)+" <"+safe.Line(inv.Email)+">")
	if inv.UserLogin != "" {
		row(c.t("invite.done.login"), safe.Line(inv.UserLogin))
	}
	row(c.t("invite.org"), safe.Line(inv.OrgName)+" ("+safe.Line(inv.OrgSlug)+")")
	row(c.t("invite.review.rights"), safe.Line(strings.Join(inv.Rights, ", ")))
	row(c.t("invite.review.expires"), fmtTime(&inv.ExpiresAt, true)+" UTC")
	if s.link == "" {
		// An existing account: its link goes only to its own e-mail address (if the login code
		// and the e-mail were one account's: the answer does not say, unless the operator
		// picked one of their own users).
		note := c.t("invite.done.mail.existing.unseen")
		if s.pickedMatches() {
			note = c.t("invite.done.mail.existing")
		}
		b.WriteString("\n" + st.Dim.Render(note) + "\n\n")
		b.WriteString(st.Dim.Render(c.t("invite.hint.done.nolink")))
		return
	}
	b.WriteString("\n" + st.Dim.Render(c.t("invite.done.mail")) + "\n\n")
	b.WriteString(st.Section.Render(c.t("invite.done.link")) + "\n")
	b.WriteString(wrapLink(s.link, s.width) + "\n\n")
	hint := c.t("invite.hint.done")
	if s.copied {
		hint = c.t("invite.copied") + " " + hint
	}
	b.WriteString(st.Dim.Render(hint))
}

// wrapLink breaks a link (ASCII, ours) into lines of the screen's width rather than cutting
// it, so that it can be read out or retyped in full.
func wrapLink(link string, width int) string {
	w := max(20, width-2)
	var lines []string
	for len(link) > w {
		lines = append(lines, link[:w])
		link = link[w:]
	}
	return strings.Join(append(lines, link), "\n")
}
