package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
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

// The User screen shows and edits one account. It is a composition: the form (profile,
// status, rights per organization), the open sessions and the authentication events (two list
// panes), the password panel and the temporary-password box (sub-models that take the keys
// while open), the shared prompt for every question, and one actions table for every key.
// Every store call runs in a command; the form keeps what was typed through any refusal or
// conflict.

// userMode says which part of the screen has the keys.
type userMode int

const (
	modeForm     userMode = iota // the form, the panes and the action keys
	modePassword                 // the password panel
	modeTemp                     // the temporary password, shown once
)

// focusZone is where the focus is on the form's page: one of the form's lines, or a pane.
type focusZone int

const (
	focusNone focusZone = iota
	focusForm
	focusSessions
	focusEvents
	focusMail
)

// focusStop is one place tab moves to.
type focusStop struct {
	zone focusZone
	item int // the form's line, in focusForm
}

type userView struct {
	c      *common
	id     int64
	width  int
	height int
	keys   userKeys

	user     model.User // as last read
	shared   bool       // the account also belongs to an organization outside this admin's scope
	catalog  []model.Right
	loaded   bool
	err      error
	req      request
	acting   bool     // a save or an account action is in flight
	conflict []string // fields changed meanwhile, after a stale save; cleared by a reload

	form     *userForm
	sessions *listPane[store.Session]
	events   *listPane[model.AuthEvent]
	mail     *listPane[store.OutboxMail] // the account's recent e-mails and their delivery
	zone     focusZone
	pw       *passwordPanel
	temp     *tempBox
	prompt   *prompt

	actions     *actions
	footer      []*action // offered in the footer, in this order, when they can run
	whileTyping []*action // the keys a focused text field leaves to the table
}

// Messages of the User screen.
type (
	userLoadedMsg struct {
		seq     int
		id      int64
		user    model.User
		shared  bool
		catalog []model.Right
		policy  model.PasswordPolicy
		pctx    model.PasswordContext
		err     error
	}
	userSavedMsg struct {
		user model.User
		err  error
	}
	tempPasswordMsg struct {
		password string
		err      error
	}
	userActionMsg struct {
		text  string // the flash on success
		leave bool   // the account is gone: back to the list
		err   error
	}
)

func newUserView(c *common, id int64) *userView {
	s := &userView{c: c, id: id, keys: newUserKeys(c), form: newUserForm(c), pw: newPasswordPanel(c),
		temp: newTempBox(c), prompt: newPrompt(c), sessions: newSessionsPane(c, id), events: newEventsPane(c, id),
		mail: newUserMailPane(c, id)}
	s.setFocus(focusStop{})
	s.buildActions()
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
func (s *userView) Busy() bool {
	return s.req.inflight || s.acting || s.pw.Busy() || s.sessions.Busy() || s.events.Busy() || s.mail.Busy()
}

func (s *userView) SetSize(w, h int) {
	s.width, s.height = w, h
	s.form.SetSize(w)
	s.pw.SetSize(w, h)
	s.prompt.SetWidth(w)
	s.temp.SetWidth(w)
	s.layout()
}

// layout sizes the panes: the sessions pane as tall as its rows (within reason), the events
// pane a fixed page (its loader asks for as many rows as it shows).
func (s *userView) layout() {
	room := max(1, s.height-4) // a pane, its title and a line of context fit the body
	s.sessions.SetSize(s.width, 1+max(1, min(len(s.sessions.Rows()), 8, room)))
	s.events.SetSize(s.width, 1+max(1, min(12, room)))
	s.mail.SetSize(s.width, 1+max(1, min(len(s.mail.Rows()), 6, room)))
}

func (s *userView) mode() userMode {
	switch {
	case s.temp.Open():
		return modeTemp
	case s.pw.Active():
		return modePassword
	}
	return modeForm
}

// InputFocused: global keys (q, ?, :) stay out of text fields, questions, the password panel
// and the temporary password's box — and out of a form with unsaved edits, where q would drop
// them without asking.
func (s *userView) InputFocused() bool {
	if s.prompt.Active() || s.mode() != modeForm {
		return true
	}
	return s.form.Typing() || (s.loaded && s.form.Dirty())
}

// RawInput tells the app to pass typed text unfiltered while the password panel is open.
func (s *userView) RawInput() bool { return s.mode() == modePassword }

// Close cancels what is in flight and forgets every secret on screen.
func (s *userView) Close() {
	s.req.stop()
	s.sessions.Stop()
	s.events.Stop()
	s.mail.Stop()
	s.pw.Close()
	s.temp.Clear()
	s.prompt.Cancel()
}

// load reads the user, the rights catalog and the password rules in a command (the panes
// load their own rows); an older load still in flight is cancelled and its answer dropped.
func (s *userView) load() tea.Cmd {
	ctx, seq := s.req.start(s.c.ctx)
	st, op, id := s.c.st, s.c.op, s.id
	return func() tea.Msg {
		m := userLoadedMsg{seq: seq, id: id}
		if m.user, m.err = st.GetUser(ctx, op, id); m.err != nil {
			return m
		}
		if m.shared, m.err = st.AlsoOutsideScope(ctx, op, id); m.err != nil {
			return m
		}
		if m.catalog, m.err = st.ListRights(ctx); m.err != nil {
			return m
		}
		m.policy, m.pctx, m.err = st.PasswordRules(ctx, op, id)
		return m
	}
}

// reload reads everything again: after an action, a conflict, a reconnect.
func (s *userView) reload() tea.Cmd {
	if !s.loaded {
		return s.load()
	}
	return tea.Batch(s.load(), s.sessions.Reload(), s.events.Reload(), s.mail.Reload())
}

func (s *userView) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case userLoadedMsg:
		return s, s.loadedUser(msg)
	case listPageMsg[store.Session]:
		cmd := s.sessions.Update(msg)
		s.layout()
		s.keepFocus()
		return s, cmd
	case listPageMsg[model.AuthEvent]:
		cmd := s.events.Update(msg)
		s.keepFocus()
		return s, cmd
	case listPageMsg[store.OutboxMail]:
		cmd := s.mail.Update(msg)
		s.layout()
		s.keepFocus()
		return s, cmd
	case userSavedMsg:
		return s, s.saved(msg)
	case replacePlanMsg:
		return s, s.replacePlanned(msg)
	case passwordSetMsg:
		return s, s.pw.Update(msg)
	case passwordDoneMsg:
		return s, s.passwordDone(msg)
	case tempPasswordMsg:
		s.acting = false
		if msg.err != nil {
			return s, s.actionErr(msg.err)
		}
		s.temp.Show(s.user.Name, msg.password)
		return s, s.reload()
	case userActionMsg:
		s.acting = false
		if msg.err != nil {
			return s, s.actionErr(msg.err)
		}
		if msg.leave {
			return s, tea.Batch(flashCmd(flashInfo, msg.text), back)
		}
		return s, tea.Batch(flashCmd(flashInfo, msg.text), s.reload())
	case clipboardCopiedMsg:
		if msg.ok {
			return s, flashCmd(flashInfo, s.c.t("user.temp.copied"))
		}
		return s, flashCmd(flashWarn, s.c.t("user.temp.nocopy"))
	case reconnectedMsg:
		return s, s.reload()
	case tea.WindowSizeMsg:
		if s.events.NeedsReload() {
			return s, s.events.Reload()
		}
	case tea.KeyMsg:
		return s, s.updateKeys(msg)
	}
	return s, nil
}

// updateKeys gives a key to whatever has it: an open question, the temporary password's box,
// the password panel, a focused text field, a focused pane; then the actions table.
func (s *userView) updateKeys(msg tea.KeyMsg) tea.Cmd {
	switch {
	case s.prompt.Active():
		return s.prompt.Update(msg)
	case s.temp.Open():
		return s.temp.Update(msg)
	case s.pw.Active():
		if matches(msg, s.keys.Reload) { // a conflict is resolved from the panel too
			cmd, _ := s.actions.dispatch(msg)
			return cmd
		}
		return s.pw.Update(msg)
	case s.form.Typing() && !matchesAny(msg, s.whileTyping):
		return s.form.Type(msg)
	}
	if p := s.focusedPane(); p != nil {
		if cmd, ok := p.HandleKey(msg); ok {
			return cmd
		}
	}
	cmd, _ := s.actions.dispatch(msg)
	return cmd
}

func matchesAny(msg tea.KeyMsg, list []*action) bool {
	for _, a := range list {
		if matches(msg, a.binding) {
			return true
		}
	}
	return false
}

// focusedPane is the pane that has the focus, if any.
func (s *userView) focusedPane() interface {
	HandleKey(tea.KeyMsg) (tea.Cmd, bool)
} {
	switch s.zone {
	case focusSessions:
		return s.sessions
	case focusEvents:
		return s.events
	case focusMail:
		return s.mail
	}
	return nil
}

// buildActions is the screen's table: every key with the action it needs and why it cannot
// run now. It is rebuilt with each read of the account (u needs the unlock action or only
// the counter reset, as the account is locked or not).
func (s *userView) buildActions() {
	c, k := s.c, &s.keys
	name := func() string { return safe.Line(s.user.Name) }
	// live: the account is there to act on, and nothing else is running.
	live := func() string {
		switch {
		case !s.loaded && s.err != nil:
			return c.errText(s.err)
		case !s.loaded:
			return c.t("loading")
		case s.user.Status == model.StatusDeleted:
			return c.t("user.unavailable.deleted")
		case s.acting:
			return c.t("user.unavailable.busy")
		}
		return ""
	}
	unless := func(bad func() bool, reason string) func() string {
		return func() string {
			if bad() {
				return c.t(reason)
			}
			return ""
		}
	}
	act := func(b key.Binding, needs model.Action, group int, run func() tea.Cmd, checks ...func() string) *action {
		// Disabling and deleting cut the person off: dangerous (each asks first, as every
		// action that changes the account does).
		a := &action{binding: b, needs: needs, group: group, run: run,
			dangerous: needs == model.ActionDisable || needs == model.ActionDelete}
		// The account's state first, then the admin's scope over it, then the cursor's.
		if needsWholeAccount(needs) {
			checks = append([]func() string{unless(func() bool { return s.shared }, "user.unavailable.shared")}, checks...)
		}
		if needs != 0 {
			checks = append([]func() string{live}, checks...)
		}
		if len(checks) > 0 {
			a.unavailable = func() string {
				for _, f := range checks {
					if why := f(); why != "" {
						return why
					}
				}
				return ""
			}
		}
		return a
	}
	yesNo := func(question string, do func() tea.Cmd) func() tea.Cmd {
		return func() tea.Cmd { return s.prompt.Confirm(c.t(question, name()), do) }
	}
	noSessions := unless(func() bool { return len(s.sessions.Rows()) == 0 }, "user.no.sessions")

	save := act(k.Save, model.ActionEditProfile, 1, s.save)
	next := act(k.Next, 0, 1, func() tea.Cmd { s.moveFocus(+1); return nil })
	prev := act(k.Prev, 0, 1, func() tea.Cmd { s.moveFocus(-1); return nil })
	toggle := act(k.Toggle, model.ActionEditProfile, 1, func() tea.Cmd { s.form.Toggle(); return nil },
		unless(func() bool { return !s.form.Tickable() }, "user.unavailable.notick"),
		unless(func() bool { return s.shared && s.form.Disabling() }, "user.unavailable.shared"))
	reload := act(k.Reload, 0, 1, s.reload)
	leave := act(c.keys.Back, 0, 1, s.leave)
	password := act(k.Password, model.ActionSetPassword, 2, s.pw.Open)
	temp := act(k.Temp, model.ActionTempPassword, 2, yesNo("user.temp.ask", s.tempPassword))
	unlock := act(k.Unlock, unlockAction(s.user), 2, s.askUnlock,
		unless(func() bool { return s.user.LockedAt == nil && s.user.FailedAttempts == 0 }, "user.unavailable.notlocked"))
	replace := act(k.Replace, model.ActionReplaceIdentifier, 3, s.askReplace)
	replace.dangerous = true // the account is deleted once the replacement is accepted
	// Undelete is the one action on a deleted account: its own check, not live's.
	undelete := &action{binding: k.Undelete, needs: model.ActionUndelete, group: 3, run: s.askUndelete, unavailable: s.undeleteUnavailable}
	s.actions = newActions(c,
		save, next, prev, toggle, reload, leave,
		password, temp,
		act(k.ResetLink, model.ActionSendReset, 2, yesNo("user.ask.resetlink", func() tea.Cmd {
			n := name()
			return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				return c.t("user.done.resetlink", n), st.SendResetLink(ctx, op, id)
			})
		})),
		act(k.LoginCode, model.ActionSendLoginCode, 2, yesNo("user.ask.logincode", func() tea.Cmd {
			n := name()
			return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				return c.t("user.done.logincode", n), st.SendLoginCode(ctx, op, id)
			})
		})),
		unlock,
		act(k.ResetTOTP, model.ActionResetTOTP, 2, s.askResetTOTP,
			unless(func() bool { return !s.user.TOTPEnabled }, "user.unavailable.no2fa")),
		act(k.Disable, model.ActionDisable, 3, yesNo("user.ask.disable", func() tea.Cmd {
			n := name()
			return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
				_, err := st.DisableUser(ctx, op, id, v)
				return c.t("user.done.disable", n), err
			})
		}), unless(func() bool { return s.user.Status == model.StatusDisabled }, "user.unavailable.disabled")),
		act(k.Enable, model.ActionEnable, 3, yesNo("user.ask.enable", func() tea.Cmd {
			n := name()
			return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
				_, err := st.EnableUser(ctx, op, id, v)
				return c.t("user.done.enable", n), err
			})
		}), unless(func() bool { return s.user.Status != model.StatusDisabled }, "user.unavailable.enabled")),
		act(k.Delete, model.ActionDelete, 3, s.askDelete),
		replace, undelete,
		act(k.EndSession, model.ActionEndSessions, 3, s.askEndSession, noSessions,
			unless(func() bool { return s.zone != focusSessions }, "user.unavailable.nosession")),
		act(k.EndAll, model.ActionEndSessions, 3, yesNo("user.ask.endall", func() tea.Cmd {
			return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
				n, err := st.EndAllSessions(ctx, op, id)
				return c.tn("user.done.endall", int(n)), err
			})
		}), noSessions),
	)
	s.footer = []*action{save, next, password, temp, unlock, undelete, leave}
	s.whileTyping = []*action{save, reload, leave, next, prev}
}

// leave goes back to the list; unsaved edits are asked about first.
func (s *userView) leave() tea.Cmd {
	if s.loaded && s.form.Dirty() {
		return s.prompt.Confirm(s.c.t("user.discard.ask"), func() tea.Cmd {
			s.form.Reset()
			return back
		})
	}
	return back
}

func (s *userView) askUnlock() tea.Cmd {
	c, n := s.c, safe.Line(s.user.Name)
	return s.prompt.Ask(askReason, c.t("user.prompt.unlock"), "", "", func(reason string) tea.Cmd {
		return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, _ int) (string, error) {
			_, err := st.UnlockUsers(ctx, op, []int64{id}, reason, false)
			return c.t("user.done.unlock", n), err
		})
	})
}

// askResetTOTP asks the reason for a 2FA reset; the store writes it in the audit row.
func (s *userView) askResetTOTP() tea.Cmd {
	c, n := s.c, safe.Line(s.user.Name)
	return s.prompt.Ask(askReason, c.t("user.prompt.totp", n), "", "", func(reason string) tea.Cmd {
		return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
			_, err := st.ResetTOTP(ctx, op, id, v, reason)
			return c.t("user.done.totp", n), err
		})
	})
}

// askDelete asks the operator to type the account's e-mail.
func (s *userView) askDelete() tea.Cmd {
	c, n, email := s.c, safe.Line(s.user.Name), s.user.Email
	return s.prompt.Ask(askTyped, c.t("user.prompt.delete", safe.Line(email)), "", email, func(typed string) tea.Cmd {
		return s.act(true, func(ctx context.Context, st *store.Store, op model.Operator, id int64, v int) (string, error) {
			return c.t("user.done.delete", n), st.DeleteUser(ctx, op, id, v, typed)
		})
	})
}

// askEndSession asks about the session under the sessions pane's cursor.
func (s *userView) askEndSession() tea.Cmd {
	x, _ := s.sessions.Current()
	c := s.c
	return s.prompt.Confirm(c.t("user.ask.endsession"), func() tea.Cmd {
		return s.act(false, func(ctx context.Context, st *store.Store, op model.Operator, _ int64, _ int) (string, error) {
			return c.t("user.done.endsession"), st.EndSession(ctx, op, x.ID)
		})
	})
}

// act runs one account action in a command, on the version last read (arguments captured
// now).
func (s *userView) act(leave bool, fn func(ctx context.Context, st *store.Store, op model.Operator, id int64, version int) (string, error)) tea.Cmd {
	if s.acting {
		return nil
	}
	s.acting = true
	ctx, st, op, id, version := s.c.ctx, s.c.st, s.c.op, s.id, s.user.Version
	return func() tea.Msg {
		text, err := fn(ctx, st, op, id, version)
		return userActionMsg{text: text, leave: leave, err: err}
	}
}

func (s *userView) tempPassword() tea.Cmd {
	if s.acting {
		return nil
	}
	s.acting = true
	ctx, st, op, id, version := s.c.ctx, s.c.st, s.c.op, s.id, s.user.Version
	return func() tea.Msg {
		pw, _, err := st.SetTemporaryPassword(ctx, op, id, version)
		return tempPasswordMsg{password: pw, err: err}
	}
}

// loadedUser takes a fresh read. The first fills the form and loads the panes; later ones
// (reload, after an action, after a conflict) move the form's base to the new version and
// keep the operator's edits.
func (s *userView) loadedUser(m userLoadedMsg) tea.Cmd {
	if m.id != s.id || !s.req.done(m.seq) {
		return nil
	}
	if m.err != nil {
		s.err = m.err
		return errCmd(m.err)
	}
	first := !s.loaded
	s.user, s.shared, s.catalog = m.user, m.shared, m.catalog
	s.loaded, s.err = true, nil
	s.form.Load(m.user, m.catalog, first)
	s.pw.SetTarget(m.user, m.policy, m.pctx)
	var cmd tea.Cmd
	switch {
	case first:
		cmd = tea.Batch(s.sessions.First(), s.events.First(), s.mail.First())
	case s.conflict != nil:
		s.setConflict(nil)
		if s.form.Dirty() {
			cmd = flashCmd(flashInfo, s.c.t("user.reloaded.kept"))
		}
	}
	s.buildActions()
	s.keepFocus()
	return cmd
}

// save validates locally (inline errors, nothing sent) then saves in a command with the
// version read; the form keeps its contents whatever the answer. A save that succeeds leaves
// the form (the focus back where the one-key actions work); a refused one keeps the field
// focused.
func (s *userView) save() tea.Cmd {
	if !s.form.Dirty() {
		return flashCmd(flashInfo, s.c.t("user.nothing"))
	}
	edit, ok := s.form.Edit()
	if !ok {
		return nil
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
			s.form.Refused(fe)
			return nil
		}
		return s.actionErr(m.err)
	}
	s.user = m.user
	s.form.Load(m.user, s.catalog, true)
	s.setConflict(nil)
	s.buildActions()
	s.setFocus(focusStop{}) // saved: out of the form, where the one-key actions work again
	return tea.Batch(flashCmd(flashInfo, s.c.t("user.saved")), s.reload())
}

// passwordDone takes the password panel's report.
func (s *userView) passwordDone(m passwordDoneMsg) tea.Cmd {
	if m.err != nil {
		return s.actionErr(m.err)
	}
	return tea.Batch(flashCmd(flashInfo, s.c.t("user.pw.done", safe.Line(s.user.Name))), s.reload())
}

// actionErr shows a refused save or action: a conflict keeps the form (and the password
// panel's fields) and names the fields changed meanwhile; anything else goes to the flash
// line (or the outage banner).
func (s *userView) actionErr(err error) tea.Cmd {
	if text := replaceRefusal(s.c, err); text != "" {
		return flashCmd(flashError, text)
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		changed := ce.Changed
		if cur, ok := ce.Current.(model.User); ok && len(changed) == 0 {
			changed = store.ChangedFields(s.user, cur)
		}
		if changed == nil {
			changed = []string{}
		}
		s.setConflict(changed)
		return flashCmd(flashWarn, s.conflictText())
	}
	return errCmd(err)
}

// setConflict records the fields changed meanwhile (nil: no conflict).
func (s *userView) setConflict(changed []string) {
	s.conflict = changed
	if changed == nil {
		s.pw.SetNotice("")
	} else {
		s.pw.SetNotice(s.conflictText())
	}
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

// stops are the places tab moves through: the form's lines, then each pane that has rows.
func (s *userView) stops() []focusStop {
	var out []focusStop
	for i := range s.form.items() {
		out = append(out, focusStop{zone: focusForm, item: i})
	}
	if len(s.sessions.Rows()) > 0 {
		out = append(out, focusStop{zone: focusSessions})
	}
	if len(s.events.Rows()) > 0 {
		out = append(out, focusStop{zone: focusEvents})
	}
	if len(s.mail.Rows()) > 0 {
		out = append(out, focusStop{zone: focusMail})
	}
	return out
}

func (s *userView) current() focusStop {
	if s.zone == focusForm {
		return focusStop{zone: focusForm, item: s.form.focus}
	}
	return focusStop{zone: s.zone}
}

// moveFocus cycles through none → the stops → none.
func (s *userView) moveFocus(d int) {
	stops := s.stops()
	n := len(stops)
	cur := -1
	for i, st := range stops {
		if st == s.current() {
			cur = i
		}
	}
	next := (cur+1+d+n+1)%(n+1) - 1
	if next < 0 {
		s.setFocus(focusStop{})
		return
	}
	s.setFocus(stops[next])
}

func (s *userView) setFocus(st focusStop) {
	s.zone = st.zone
	if st.zone == focusForm {
		s.form.SetFocus(st.item)
	} else {
		s.form.SetFocus(-1)
	}
	s.sessions.Focus(st.zone == focusSessions)
	s.events.Focus(st.zone == focusEvents)
	s.mail.Focus(st.zone == focusMail)
}

// keepFocus drops a focus whose place is gone (a pane emptied, a line no longer offered).
func (s *userView) keepFocus() {
	cur := s.current()
	for _, st := range s.stops() {
		if st == cur {
			return
		}
	}
	s.setFocus(focusStop{})
}

// offered are the actions of the list that can run now (the footer shows only those).
func offered(list ...*action) []*action {
	var out []*action
	for _, a := range list {
		if a.unavailable == nil || a.unavailable() == "" {
			out = append(out, a)
		}
	}
	return out
}

func (s *userView) ShortHelp() []key.Binding {
	switch {
	case s.prompt.Active():
		return s.prompt.ShortHelp()
	case s.temp.Open():
		return s.temp.ShortHelp()
	case s.pw.Active():
		return s.pw.ShortHelp()
	}
	return s.actions.short(offered(s.footer...)...)
}

// FullHelp is the actions table, then the panes' keys; while a question, the panel or the
// box is open, their own keys.
func (s *userView) FullHelp() [][]key.Binding {
	switch {
	case s.prompt.Active():
		return s.prompt.FullHelp()
	case s.temp.Open():
		return s.temp.FullHelp()
	case s.pw.Active():
		return s.pw.FullHelp()
	}
	return append(s.actions.full(), s.events.FullHelp()...)
}
