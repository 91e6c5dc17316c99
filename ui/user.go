package ui

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	registerScreen("user", func(c *common, arg any) Screen { return newUserView(c, userArg(arg)) })
}

// userArg accepts an id (navigation) or text (":user 42").
func userArg(arg any) int64 {
	switch v := arg.(type) {
	case int64:
		return v
	case string:
		id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return id
	}
	return 0
}

// The User screen (SPEC §4 item 2): the edit form (name; e-mail, support only; status;
// rights per organization, only those the operator may grant), the password panel (new
// password + confirmation, rules live), the temporary password shown once, the account
// actions with their confirmations, open sessions and recent auth events. Every store call
// runs in a command; the form keeps what was typed through any refusal or conflict.

type userMode int

const (
	modeForm     userMode = iota
	modePassword          // the password panel
	modeConfirm           // a yes/no question (ask, onYes)
	modePrompt            // a one-line answer (unlock reason, e-mail to delete)
	modeTemp              // the temporary password, shown once
)

type itemKind int

const (
	itemName itemKind = iota
	itemEmail
	itemStatus
	itemRight
	itemSession
)

// formItem is one focusable line of the form.
type formItem struct {
	kind    itemKind
	org     int64
	right   string
	session int64
}

// userView shows and edits one user.
type userView struct {
	c      *common
	id     int64
	width  int
	height int
	keys   userKeys

	user     model.User // as last read: the base of the form and of the version check
	events   []model.AuthEvent
	sessions []store.Session
	catalog  []model.Right
	policy   model.PasswordPolicy
	pctx     model.PasswordContext
	loaded   bool
	busy     bool // a load is in flight
	acting   bool // a save or an action is in flight
	err      error
	cancel   context.CancelFunc
	seq      int

	// The form: the edited values (the base is user).
	name, email textinput.Model
	status      model.Status
	rights      map[int64]map[string]bool
	focus       int // index in items(); -1 = none (action keys work)
	fieldErr    map[string]string
	conflict    []string // fields changed meanwhile, after a stale save; cleared by a reload

	mode      userMode
	ask       string
	onYes     func() tea.Cmd
	prompt    textinput.Model
	promptFor string // "unlock", "delete"
	promptErr string

	pw   passwordPanel
	temp string // the temporary password while its box is open; never kept after
}

// Messages of the User screen.
type (
	userLoadedMsg struct {
		seq      int
		id       int64
		user     model.User
		events   []model.AuthEvent
		sessions []store.Session
		catalog  []model.Right
		policy   model.PasswordPolicy
		pctx     model.PasswordContext
		err      error
	}
	userSavedMsg struct {
		user model.User
		err  error
	}
	passwordSetMsg struct {
		user model.User
		err  error
	}
	tempPasswordMsg struct {
		password string
		err      error
	}
	userActionMsg struct {
		what string // "resetlink", "logincode", "unlock", "totp", "disable", "enable", "delete", "endsession", "endall"
		text string // the flash on success
		err  error
	}
)

func newUserView(c *common, id int64) *userView {
	s := &userView{c: c, id: id, focus: -1, fieldErr: map[string]string{}, keys: newUserKeys(c)}
	s.name = newInput()
	s.name.Prompt = ""
	s.name.CharLimit = 400
	s.email = newInput()
	s.email.Prompt = ""
	s.email.CharLimit = 400
	s.prompt = newInput()
	s.prompt.CharLimit = 500
	s.pw = newPasswordPanel()
	s.refreshKeys()
	return s
}

func (s *userView) Title() string {
	if s.loaded {
		return s.c.t("user.title") + " · " + safe.Line(s.user.Name) + " (" + safe.Line(s.user.Login) + ")"
	}
	return s.c.t("user.title")
}

func (s *userView) Init() tea.Cmd { return s.load() }

// Busy tells the app to show the spinner.
func (s *userView) Busy() bool { return s.busy || s.acting || s.pw.busy }

func (s *userView) SetSize(w, h int) {
	s.width, s.height = w, h
	iw := max(20, min(60, w-22))
	s.name.Width, s.email.Width, s.prompt.Width = iw, iw, iw
	s.pw.setWidth(iw)
}

// InputFocused: global keys (q, ?, :) stay out of text fields, dialogs and the password
// panel — and out of a form with unsaved edits, where q would drop them without asking.
func (s *userView) InputFocused() bool {
	if s.mode != modeForm {
		return true
	}
	if it, ok := s.focused(); ok && (it.kind == itemName || it.kind == itemEmail) {
		return true
	}
	return s.loaded && s.dirty()
}

// Close cancels the in-flight load and forgets every secret on screen.
func (s *userView) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.pw.clear()
	s.temp = ""
}

// canWrite: the form is editable (the session may change the profile, the account lives).
func (s *userView) canWrite() bool {
	return s.c.may(model.ActionEditProfile) && s.loaded && s.user.Status != model.StatusDeleted
}

func (s *userView) canEditEmail() bool { return s.canWrite() && s.c.may(model.ActionEditEmail) }

// load reads the user, events, sessions, rights catalog and password rules in a command; an
// older load still in flight is cancelled and its answer dropped.
func (s *userView) load() tea.Cmd {
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(s.c.ctx)
	s.cancel = cancel
	s.busy = true
	s.seq++
	seq, st, op, id := s.seq, s.c.st, s.c.op, s.id
	return func() tea.Msg {
		m := userLoadedMsg{seq: seq, id: id}
		if m.user, m.err = st.GetUser(ctx, op, id); m.err != nil {
			return m
		}
		if m.events, m.err = st.UserTimeline(ctx, op, id, 0, 12); m.err != nil {
			return m
		}
		if m.sessions, m.err = st.ListSessions(ctx, op, id); m.err != nil {
			return m
		}
		if m.catalog, m.err = st.ListRights(ctx); m.err != nil {
			return m
		}
		m.policy, m.pctx, m.err = st.PasswordRules(ctx, op, id)
		return m
	}
}

func (s *userView) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case userLoadedMsg:
		if msg.seq != s.seq || msg.id != s.id {
			return s, nil
		}
		s.busy = false
		if msg.err != nil {
			s.err = msg.err
			return s, func() tea.Msg { return errMsg{msg.err} }
		}
		return s, s.loaded2(msg)
	case userSavedMsg:
		return s, s.saved(msg)
	case passwordSetMsg:
		return s, s.passwordSet(msg)
	case tempPasswordMsg:
		s.acting = false
		if msg.err != nil {
			return s, s.actionErr(msg.err)
		}
		s.temp, s.mode = msg.password, modeTemp
		return s, s.load()
	case userActionMsg:
		s.acting = false
		if msg.err != nil {
			return s, s.actionErr(msg.err)
		}
		if msg.what == "delete" {
			return s, tea.Batch(flashCmd(flashInfo, msg.text), back)
		}
		return s, tea.Batch(flashCmd(flashInfo, msg.text), s.load())
	case clipboardCopiedMsg:
		if msg.ok {
			return s, flashCmd(flashInfo, s.c.t("user.temp.copied"))
		}
		return s, flashCmd(flashWarn, s.c.t("user.temp.nocopy"))
	case reconnectedMsg:
		return s, s.load()
	case tea.KeyMsg:
		if !s.loaded {
			if key.Matches(msg, s.c.keys.Back) {
				return s, back
			}
			if key.Matches(msg, s.keys.Reload) {
				return s, s.load()
			}
			return s, nil
		}
		switch s.mode {
		case modeConfirm:
			return s, s.updateConfirm(msg)
		case modePrompt:
			return s, s.updatePrompt(msg)
		case modeTemp:
			return s, s.updateTemp(msg)
		case modePassword:
			return s, s.updatePassword(msg)
		}
		return s, s.updateForm(msg)
	}
	return s, nil
}

// loaded2 takes a fresh read: the first one fills the form; later ones (reload, after an
// action, after a conflict) move the base to the new version and keep the operator's edits.
func (s *userView) loaded2(m userLoadedMsg) tea.Cmd {
	first := !s.loaded
	old := s.user
	keep, hadFocus := s.focused()
	s.user, s.events, s.sessions, s.catalog = m.user, m.events, m.sessions, m.catalog
	s.policy, s.pctx = m.policy, m.pctx
	s.loaded, s.err = true, nil
	var cmd tea.Cmd
	if first {
		s.resetForm()
	} else {
		s.rebase(old)
		if s.conflict != nil {
			s.conflict = nil
			if s.dirty() {
				cmd = flashCmd(flashInfo, s.c.t("user.reloaded.kept"))
			}
		}
	}
	s.refreshKeys()
	s.focus = -1
	if hadFocus {
		for i, it := range s.items() {
			if it == keep {
				s.focus = i
			}
		}
	}
	s.applyFocus()
	return cmd
}

// ---- the form ----

// resetForm fills the form from the base. Text from the database is shown sanitized;
// formName/formEmail send the stored value back unchanged when the field was not touched.
func (s *userView) resetForm() {
	u := s.user
	s.name.SetValue(safe.Line(u.Name))
	s.email.SetValue(safe.Line(u.Email))
	s.status = u.Status
	s.rights = rightsOf(u)
	s.fieldErr = map[string]string{}
}

func rightsOf(u model.User) map[int64]map[string]bool {
	r := map[int64]map[string]bool{}
	for _, m := range u.Memberships {
		r[m.OrgID] = map[string]bool{}
		for _, code := range m.Rights {
			r[m.OrgID][code] = true
		}
	}
	return r
}

// rebase moves the form onto a newer read of the user: each field the operator left alone
// takes the new value; each field they edited keeps their value.
func (s *userView) rebase(old model.User) {
	u := s.user
	if s.name.Value() == safe.Line(old.Name) {
		s.name.SetValue(safe.Line(u.Name))
	}
	if s.email.Value() == safe.Line(old.Email) {
		s.email.SetValue(safe.Line(u.Email))
	}
	if s.status == old.Status {
		s.status = u.Status
	}
	was, now := rightsOf(old), rightsOf(u)
	next := map[int64]map[string]bool{}
	for org, rights := range now {
		next[org] = map[string]bool{}
		codes := map[string]bool{}
		for c := range rights {
			codes[c] = true
		}
		for c := range s.rights[org] {
			codes[c] = true
		}
		for c := range was[org] {
			codes[c] = true
		}
		for c := range codes {
			if _, member := was[org]; member && s.rights[org][c] != was[org][c] {
				next[org][c] = s.rights[org][c] // edited: kept
			} else {
				next[org][c] = rights[c]
			}
		}
	}
	s.rights = next
}

func (s *userView) formName() string {
	if s.name.Value() == safe.Line(s.user.Name) {
		return s.user.Name
	}
	return s.name.Value()
}

func (s *userView) formEmail() string {
	if s.email.Value() == safe.Line(s.user.Email) {
		return s.user.Email
	}
	return s.email.Value()
}

func (s *userView) rightsDirty() bool {
	base := rightsOf(s.user)
	for org, rights := range s.rights {
		for c, on := range rights {
			if on != base[org][c] {
				return true
			}
		}
	}
	return false
}

func (s *userView) dirty() bool {
	return s.formName() != s.user.Name || s.formEmail() != s.user.Email || s.status != s.user.Status || s.rightsDirty()
}

// items lists the focusable lines: what this operator may change, and the open sessions.
func (s *userView) items() []formItem {
	if !s.canWrite() {
		return nil
	}
	it := []formItem{{kind: itemName}}
	if s.canEditEmail() {
		it = append(it, formItem{kind: itemEmail})
	}
	if s.c.may(model.ActionDisable) && s.c.may(model.ActionEnable) {
		it = append(it, formItem{kind: itemStatus})
	}
	for _, m := range s.user.Memberships {
		for _, r := range s.catalog {
			if s.c.may(model.ActionEditMemberships) && s.c.op.CanGrant(r.Code) {
				it = append(it, formItem{kind: itemRight, org: m.OrgID, right: r.Code})
			}
		}
	}
	for _, x := range s.sessions {
		if s.c.may(model.ActionEndSessions) {
			it = append(it, formItem{kind: itemSession, session: x.ID})
		}
	}
	return it
}

func (s *userView) focused() (formItem, bool) {
	it := s.items()
	if s.focus < 0 || s.focus >= len(it) {
		return formItem{}, false
	}
	return it[s.focus], true
}

// moveFocus cycles through none → items → none.
func (s *userView) moveFocus(d int) {
	n := len(s.items())
	if n == 0 {
		s.focus = -1
		return
	}
	s.focus = (s.focus+1+d+n+1)%(n+1) - 1
	s.applyFocus()
}

func (s *userView) applyFocus() {
	s.name.Blur()
	s.email.Blur()
	if it, ok := s.focused(); ok {
		switch it.kind {
		case itemName:
			s.name.Focus()
			s.name.CursorEnd()
		case itemEmail:
			s.email.Focus()
			s.email.CursorEnd()
		}
	}
}

func (s *userView) updateForm(msg tea.KeyMsg) tea.Cmd {
	k := &s.keys
	switch {
	case key.Matches(msg, s.c.keys.Back):
		if s.dirty() {
			return s.confirm(s.c.t("user.discard.ask"), func() tea.Cmd {
				s.resetForm()
				return back
			})
		}
		return back
	case key.Matches(msg, k.Save):
		return s.save()
	case key.Matches(msg, k.Reload):
		return s.load()
	case key.Matches(msg, k.Next, k.Down):
		s.moveFocus(+1)
		return nil
	case key.Matches(msg, k.Prev, k.Up):
		s.moveFocus(-1)
		return nil
	}
	it, hasFocus := s.focused()
	if hasFocus && (it.kind == itemName || it.kind == itemEmail) {
		var cmd tea.Cmd
		if it.kind == itemName {
			s.name, cmd = s.name.Update(msg)
			delete(s.fieldErr, store.FieldName)
		} else {
			s.email, cmd = s.email.Update(msg)
			delete(s.fieldErr, store.FieldEmail)
		}
		return cmd
	}
	name := safe.Line(s.user.Name)
	switch {
	case key.Matches(msg, k.Toggle) && hasFocus:
		switch it.kind {
		case itemStatus:
			if s.status == model.StatusDisabled {
				s.status = model.StatusActive
				if s.user.Status != model.StatusDisabled {
					s.status = s.user.Status
				} else if !s.user.HasPassword {
					s.status = model.StatusInvited
				}
			} else {
				s.status = model.StatusDisabled
			}
		case itemRight:
			if s.rights[it.org] == nil {
				s.rights[it.org] = map[string]bool{}
			}
			s.rights[it.org][it.right] = !s.rights[it.org][it.right]
		}
	case key.Matches(msg, k.Password):
		s.mode = modePassword
		return s.pw.open()
	case key.Matches(msg, k.Temp):
		return s.confirm(s.c.t("user.temp.ask", name), s.tempPassword)
	case key.Matches(msg, k.ResetLink):
		return s.confirm(s.c.t("user.ask.resetlink", name), func() tea.Cmd {
			return s.act("resetlink", func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				return s.c.t("user.done.resetlink", name), st.SendResetLink(ctx, op, id)
			})
		})
	case key.Matches(msg, k.LoginCode):
		return s.confirm(s.c.t("user.ask.logincode", name), func() tea.Cmd {
			return s.act("logincode", func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				return s.c.t("user.done.logincode", name), st.SendLoginCode(ctx, op, id)
			})
		})
	case key.Matches(msg, k.Unlock):
		return s.openPrompt("unlock", s.c.t("user.prompt.unlock"))
	case key.Matches(msg, k.ResetTOTP):
		return s.confirm(s.c.t("user.ask.totp", name), func() tea.Cmd {
			return s.act("totp", func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
				_, err := st.ResetTOTP(ctx, op, id, v)
				return s.c.t("user.done.totp", name), err
			})
		})
	case key.Matches(msg, k.Disable):
		return s.confirm(s.c.t("user.ask.disable", name), func() tea.Cmd {
			return s.act("disable", func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
				_, err := st.DisableUser(ctx, op, id, v)
				return s.c.t("user.done.disable", name), err
			})
		})
	case key.Matches(msg, k.Enable):
		return s.confirm(s.c.t("user.ask.enable", name), func() tea.Cmd {
			return s.act("enable", func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
				_, err := st.EnableUser(ctx, op, id, v)
				return s.c.t("user.done.enable", name), err
			})
		})
	case key.Matches(msg, k.Delete):
		return s.openPrompt("delete", s.c.t("user.prompt.delete", safe.Line(s.user.Email)))
	case key.Matches(msg, k.EndSession) && hasFocus && it.kind == itemSession:
		sid := it.session
		return s.confirm(s.c.t("user.ask.endsession"), func() tea.Cmd {
			return s.act("endsession", func(ctx context.Context, st *store.Store, op model.Operator, _ int64, _ int) (string, error) {
				return s.c.t("user.done.endsession"), st.EndSession(ctx, op, sid)
			})
		})
	case key.Matches(msg, k.EndAll):
		return s.confirm(s.c.t("user.ask.endall", name), func() tea.Cmd {
			return s.act("endall", func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				n, err := st.EndAllSessions(ctx, op, id)
				return s.c.t("user.done.endall", n), err
			})
		})
	}
	return s.c.refused(msg, s.actionKeys()...)
}

// save validates locally (inline errors, nothing sent) then saves in a command with the
// version read; the form keeps its contents whatever the answer.
func (s *userView) save() tea.Cmd {
	if !s.keys.Save.Enabled() || s.acting {
		return nil
	}
	if !s.dirty() {
		return flashCmd(flashInfo, s.c.t("user.nothing"))
	}
	s.fieldErr = map[string]string{}
	name, email := s.formName(), s.formEmail()
	if err := model.ValidateName(name); err != nil {
		s.fieldErr[store.FieldName] = s.validationText(store.FieldName, err)
	}
	if email != s.user.Email {
		if err := model.ValidateEmail(email); err != nil {
			s.fieldErr[store.FieldEmail] = s.validationText(store.FieldEmail, err)
		}
	}
	if len(s.fieldErr) > 0 {
		return nil
	}
	base := s.user
	edit := store.UserEdit{Name: name, Email: email, Base: &base}
	if s.status != s.user.Status {
		st := model.StatusActive
		if s.status == model.StatusDisabled {
			st = model.StatusDisabled
		}
		edit.Status = &st
	}
	if s.rightsDirty() {
		edit.Memberships = map[int64][]string{}
		for _, m := range s.user.Memberships {
			var list []string
			for code, on := range s.rights[m.OrgID] {
				if on {
					list = append(list, code)
				}
			}
			slices.Sort(list)
			edit.Memberships[m.OrgID] = list
		}
	}
	s.acting = true
	ctx, st, op, id, version := s.c.ctx, s.c.st, s.c.op, s.id, s.user.Version
	return func() tea.Msg {
		u, err := st.UpdateUser(ctx, op, id, version, edit)
		return userSavedMsg{user: u, err: err}
	}
}

func (s *userView) saved(m userSavedMsg) tea.Cmd {
	s.acting = false
	if m.err != nil {
		var fe *store.FieldError
		if errors.As(m.err, &fe) {
			s.fieldErr[fe.Field] = s.validationText(fe.Field, fe)
			return nil
		}
		return s.actionErr(m.err)
	}
	s.user = m.user
	s.resetForm()
	s.conflict = nil
	s.refreshKeys()
	return tea.Batch(flashCmd(flashInfo, s.c.t("user.saved")), s.load())
}

// validationText is the inline message under a field.
func (s *userView) validationText(field string, err error) string {
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		return s.c.t("user.err.emailtaken")
	case s.c.lang == "en":
		var fe *store.FieldError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		return upperFirst(err.Error()) + "."
	case field == store.FieldName:
		return s.c.t("user.err.name")
	}
	return s.c.t("user.err.email")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// actionErr shows a refused save or action: a conflict keeps the form and names the fields
// changed meanwhile; anything else goes to the flash line (or the outage banner).
func (s *userView) actionErr(err error) tea.Cmd {
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		changed := ce.Changed
		if cur, ok := ce.Current.(model.User); ok && len(changed) == 0 {
			changed = store.ChangedFields(s.user, cur)
		}
		if changed == nil {
			changed = []string{}
		}
		s.conflict = changed
		return flashCmd(flashWarn, s.conflictText())
	}
	return func() tea.Msg { return errMsg{err} }
}

func (s *userView) conflictText() string {
	names := make([]string, 0, len(s.conflict))
	for _, f := range s.conflict {
		names = append(names, s.c.t("user.fieldname."+f))
	}
	if len(names) == 0 {
		names = append(names, s.c.t("user.conflict.unknown"))
	}
	return s.c.t("user.conflict", strings.Join(names, ", "))
}

// ---- dialogs ----

func (s *userView) confirm(question string, onYes func() tea.Cmd) tea.Cmd {
	s.mode, s.ask, s.onYes = modeConfirm, question, onYes
	return nil
}

func (s *userView) updateConfirm(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, s.keys.Yes, s.keys.Confirm):
		s.mode = modeForm
		f := s.onYes
		s.onYes = nil
		if f != nil {
			return f()
		}
	case key.Matches(msg, s.keys.No, s.c.keys.Back):
		s.mode, s.onYes = modeForm, nil
	}
	return nil
}

func (s *userView) openPrompt(what, label string) tea.Cmd {
	s.mode, s.promptFor, s.promptErr = modePrompt, what, ""
	s.prompt.Prompt = label + " "
	s.prompt.SetValue("")
	return s.prompt.Focus()
}

func (s *userView) updatePrompt(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, s.c.keys.Back):
		s.mode = modeForm
		s.prompt.Blur()
		s.prompt.SetValue("")
		return nil
	case key.Matches(msg, s.keys.Confirm):
		v := s.prompt.Value()
		name := safe.Line(s.user.Name)
		switch s.promptFor {
		case "unlock":
			reason := strings.TrimSpace(v)
			if reason == "" {
				s.promptErr = s.c.t("user.prompt.unlock.empty")
				return nil
			}
			s.mode = modeForm
			s.prompt.Blur()
			return s.act("unlock", func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				_, err := st.UnlockUsers(ctx, op, []int64{id}, reason, false)
				return s.c.t("user.done.unlock", name), err
			})
		case "delete":
			if model.NormalizeEmail(v) != strings.ToLower(s.user.Email) {
				s.promptErr = s.c.t("user.prompt.delete.mismatch")
				return nil
			}
			s.mode = modeForm
			s.prompt.Blur()
			return s.act("delete", func(ctx context.Context, st *store.Store, op model.Operator, id int64, ver int) (string, error) {
				return s.c.t("user.done.delete", name), st.DeleteUser(ctx, op, id, ver, v)
			})
		}
		return nil
	}
	s.promptErr = ""
	var cmd tea.Cmd
	s.prompt, cmd = s.prompt.Update(msg)
	return cmd
}

// act runs one account action in a command (arguments captured now).
func (s *userView) act(what string, fn func(ctx context.Context, st *store.Store, op model.Operator, id int64, version int) (string, error)) tea.Cmd {
	if s.acting {
		return nil
	}
	if no := s.c.refusedAction(userAction(what)); no != nil {
		return no
	}
	s.acting = true
	ctx, st, op, id, version := s.c.ctx, s.c.st, s.c.op, s.id, s.user.Version
	return func() tea.Msg {
		text, err := fn(ctx, st, op, id, version)
		return userActionMsg{what: what, text: text, err: err}
	}
}

func (s *userView) tempPassword() tea.Cmd {
	if s.acting {
		return nil
	}
	if no := s.c.refusedAction(model.ActionTempPassword); no != nil {
		return no
	}
	s.acting = true
	ctx, st, op, id, version := s.c.ctx, s.c.st, s.c.op, s.id, s.user.Version
	return func() tea.Msg {
		pw, _, err := st.SetTemporaryPassword(ctx, op, id, version)
		return tempPasswordMsg{password: pw, err: err}
	}
}

func (s *userView) updateTemp(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, s.keys.Copy):
		return copyCmd(s.c.out, s.temp)
	case key.Matches(msg, s.c.keys.Back, s.keys.Confirm):
		s.temp, s.mode = "", modeForm
	}
	return nil
}

// ---- help ----

func (s *userView) ShortHelp() []key.Binding {
	k, g := s.keys, s.c.keys
	switch s.mode {
	case modeConfirm:
		return []key.Binding{k.Yes, k.No}
	case modePrompt:
		return []key.Binding{k.Confirm, g.Back}
	case modeTemp:
		return []key.Binding{k.Copy, g.Back}
	case modePassword:
		return []key.Binding{k.Confirm, k.Next, k.Toggle, g.Back}
	}
	return []key.Binding{k.Save, k.Next, k.Password, k.Temp, k.Unlock, g.Back}
}

func (s *userView) FullHelp() [][]key.Binding {
	k, g := s.keys, s.c.keys
	return [][]key.Binding{
		{k.Save, k.Next, k.Prev, k.Toggle, k.Reload, g.Back},
		{k.Password, k.Temp, k.ResetLink, k.LoginCode, k.Unlock, k.ResetTOTP},
		{k.Disable, k.Enable, k.Delete, k.EndSession, k.EndAll},
	}
}
