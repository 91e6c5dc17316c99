package ui

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// The read-only tests drive every screen as a person would (a real store, key messages, the
// returned commands run and their messages fed back) and press every action key, then its
// confirmation (y, enter, a reason, the e-mail a delete asks for). The action policy decides
// what each press may do: an action the session has changes the database (so the presses
// really reach it), an action it lacks changes nothing at all (a checksum of every table),
// says why on the flash line, and is not offered by the help (? and the footer).

const roPassword = "velvet tractor umbrella 1987!"

// roWorld: acme with Jean Dupont (locked, failures, 2FA, two open sessions) and Lola Locked
// (locked), Dora Disabled; an open invitation; audit rows.
type roWorld struct {
	t          *testing.T
	st         *store.Store
	acme       int64
	jean, lola int64
	dora       int64
	inv        int64
}

func newROWorld(t *testing.T) *roWorld {
	t.Helper()
	st := newStore(t)
	f := fixture{t, st}
	w := &roWorld{t: t, st: st, acme: f.org("acme", "Acme Industries")}
	w.jean = f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", w.acme)
	w.lola = f.user("ACME-L0LA1", "lola@example.org", "Lola Locked", w.acme)
	w.dora = f.user("ACME-D0RA2", "dora@example.org", "Dora Disabled", w.acme)
	for _, id := range []int64{w.jean, w.lola, w.dora} {
		f.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'billing.view')`, id, w.acme)
	}
	f.exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, w.dora)
	f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, w.jean)
	for _, id := range []int64{w.jean, w.lola} {
		f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($2, $1, 'x', 'login_failure', 'bad_password', '203.0.113.66')`,
			id, testNow.Add(-5*time.Minute))
		f.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, id, testNow.Add(-time.Minute))
	}
	for i, tok := range []string{"s1", "s2"} {
		f.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $3, $4, $4, '203.0.113.7', 'Firefox/140')`, w.jean, model.HashToken(tok),
			testNow.Add(-time.Duration(i+1)*time.Hour), testNow.Add(time.Hour))
	}
	inv, _, err := st.CreateInvitation(context.Background(), support, store.NewInvitation{OrgID: w.acme, Name: "Paula Pending",
		Email: "paula@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatal(err)
	}
	w.inv = inv.ID
	return w
}

// tableSums returns one checksum per table of the schema (every row, every column).
func tableSums(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	var tables []string
	if err := st.DB().Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tb := range tables {
		var sum string
		if err := st.DB().Get(&sum, `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') || ':' || count(*) FROM `+tb+` t`); err != nil {
			t.Fatal(err)
		}
		out[tb] = sum
	}
	return out
}

func changedSums(before, after map[string]string) []string {
	var out []string
	for tb, sum := range after {
		if before[tb] != sum {
			out = append(out, tb)
		}
	}
	sort.Strings(out)
	return out
}

// roAction is one action key of a screen: the presses that lead to it (focus, selection),
// the key, and what confirms it (y, a reason, an e-mail).
type roAction struct {
	name   string
	action model.Action
	before []string
	key    string
	after  []string
	bind   func(c *common) key.Binding // the binding, for the help checks
	// noWrite: the action key opens a screen (the wizard) rather than changing anything.
	noWrite bool
	// stateful: not offered on the screen's first state (enable: the user is active; send:
	// the wizard's last step).
	stateful bool
}

type roScreen struct {
	name    string
	open    func(h *harness, w *roWorld) // from a fresh Users screen to this screen
	actions []roAction
}

func roScreens() []roScreen {
	userKey := func(pick func(k userKeys) key.Binding) func(c *common) key.Binding {
		return func(c *common) key.Binding { return pick(newUserKeys(c)) }
	}
	loKey := func(pick func(k lockoutKeys) key.Binding) func(c *common) key.Binding {
		return func(c *common) key.Binding { return pick(newLockouts(c).keys) }
	}
	invKey := func(pick func(k invitationsKeys) key.Binding) func(c *common) key.Binding {
		return func(c *common) key.Binding { return pick(newInvitations(c).keys) }
	}
	return []roScreen{
		{name: "Users", open: func(h *harness, w *roWorld) {}, actions: []roAction{
			{name: "bulk unlock", action: model.ActionUnlock, before: []string{"A"}, key: "u", after: []string{"night shift", "enter"},
				bind: func(c *common) key.Binding { return c.keys.BulkUnlock }},
			{name: "bulk reset links", action: model.ActionSendReset, before: []string{"A"}, key: "r", after: []string{"y", "enter"},
				bind: func(c *common) key.Binding { return c.keys.BulkReset }},
			{name: "bulk disable", action: model.ActionDisable, before: []string{"A"}, key: "d", after: []string{"y", "enter"},
				bind: func(c *common) key.Binding { return c.keys.BulkDisable }},
			{name: "invite", action: model.ActionInvite, key: "i", noWrite: true,
				bind: func(c *common) key.Binding { return c.keys.Invite }},
		}},
		{name: "User", open: func(h *harness, w *roWorld) { h.send(navigateMsg{Screen: "user", Arg: w.jean}) }, actions: []roAction{
			// shift+tab from no focus goes to the last pane (the events), then to the sessions.
			{name: "end this session", action: model.ActionEndSessions, before: []string{"shift+tab", "shift+tab"}, key: "x", after: []string{"y"},
				bind: userKey(func(k userKeys) key.Binding { return k.EndSession })},
			{name: "end all sessions", action: model.ActionEndSessions, key: "X", after: []string{"y"},
				bind: userKey(func(k userKeys) key.Binding { return k.EndAll })},
			{name: "send reset link", action: model.ActionSendReset, key: "r", after: []string{"y"},
				bind: userKey(func(k userKeys) key.Binding { return k.ResetLink })},
			{name: "e-mail login code", action: model.ActionSendLoginCode, key: "c", after: []string{"y"},
				bind: userKey(func(k userKeys) key.Binding { return k.LoginCode })},
			{name: "reset 2FA", action: model.ActionResetTOTP, key: "2", after: []string{"lost phone", "enter"},
				bind: userKey(func(k userKeys) key.Binding { return k.ResetTOTP })},
			{name: "unlock", action: model.ActionUnlock, key: "u", after: []string{"night shift", "enter"},
				bind: userKey(func(k userKeys) key.Binding { return k.Unlock })},
			{name: "temporary password", action: model.ActionTempPassword, key: "t", after: []string{"y"},
				bind: userKey(func(k userKeys) key.Binding { return k.Temp })},
			{name: "set password", action: model.ActionSetPassword, key: "p", after: []string{roPassword, "tab", roPassword, "enter"},
				bind: userKey(func(k userKeys) key.Binding { return k.Password })},
			{name: "save an edited name", action: model.ActionEditProfile, before: []string{"tab", " Jr"}, key: "ctrl+s",
				bind: userKey(func(k userKeys) key.Binding { return k.Save })},
			{name: "disable", action: model.ActionDisable, key: "d", after: []string{"y"},
				bind: userKey(func(k userKeys) key.Binding { return k.Disable })},
			{name: "enable", action: model.ActionEnable, key: "e", after: []string{"y"}, stateful: true,
				bind: userKey(func(k userKeys) key.Binding { return k.Enable })},
			{name: "delete", action: model.ActionDelete, key: "D", after: []string{"jean.dupont@example.org", "enter"},
				bind: userKey(func(k userKeys) key.Binding { return k.Delete })},
		}},
		{name: "Lockouts", open: func(h *harness, w *roWorld) { h.keys("l") }, actions: []roAction{
			{name: "unlock", action: model.ActionUnlock, key: "u", after: []string{"night shift", "enter"},
				bind: loKey(func(k lockoutKeys) key.Binding { return k.Unlock })},
			{name: "unlock + reset link", action: model.ActionSendReset, key: "U", after: []string{"night shift", "enter"},
				bind: loKey(func(k lockoutKeys) key.Binding { return k.UnlockReset })},
		}},
		{name: "Invitations", open: func(h *harness, w *roWorld) { h.send(navigateMsg{Screen: "invitations"}) }, actions: []roAction{
			{name: "resend", action: model.ActionResendInvitation, key: "r",
				bind: invKey(func(k invitationsKeys) key.Binding { return k.Resend })},
			{name: "extend", action: model.ActionExtendInvitation, key: "e",
				bind: invKey(func(k invitationsKeys) key.Binding { return k.Extend })},
			{name: "revoke", action: model.ActionRevokeInvitation, key: "d", after: []string{"y"},
				bind: invKey(func(k invitationsKeys) key.Binding { return k.Revoke })},
			{name: "new invitation", action: model.ActionInvite, key: "i", noWrite: true,
				bind: invKey(func(k invitationsKeys) key.Binding { return k.New })},
		}},
		// The wizard is opened by the command line (":invite"), the path that needs no key.
		{name: "Invite", open: func(h *harness, w *roWorld) { h.keys(":", "invite", "enter") }, actions: []roAction{
			{name: "send an invitation", action: model.ActionInvite,
				before: []string{"Lou Invited", "tab", "lou@example.org", "tab", "enter", "space", "enter"}, key: "enter", stateful: true,
				bind: func(c *common) key.Binding { return newInviteKeys(c).Send }},
		}},
		{name: "Audit", open: func(h *harness, w *roWorld) { h.keys(":", "audit", "enter") }},
	}
}

// newROHarness opens a console of 200×60 (help fits without cutting) with the options.
func newROHarness(t *testing.T, st *store.Store, op model.Operator, opt Options) *harness {
	t.Helper()
	opt.Lang, opt.DBLabel = "en", "test"
	app := NewApp(context.Background(), st, op, opt, asciiRenderer())
	return &harness{t: t, app: app, st: st, hl: newHeadless(app, 200, 60)}
}

// reopen puts the console back on a fresh Users screen, then opens the screen: each action
// starts from the screen as an operator finds it.
func (s roScreen) reopen(h *harness, w *roWorld) {
	h.t.Helper()
	a := h.app
	a.showHelp, a.cmdActive = false, false
	a.cmdInput.Blur()
	for len(a.stack) > 0 {
		if cl, ok := a.active().(interface{ Close() }); ok {
			cl.Close()
		}
		a.stack = a.stack[:len(a.stack)-1]
	}
	home := screens["users"](a.c, nil)
	a.stack = []Screen{home}
	home.SetSize(a.bodySize())
	h.run(home.Init())
	s.open(h, w)
	var on bool
	switch a.active().(type) {
	case *usersScreen:
		on = s.name == "Users"
	case *userView:
		on = s.name == "User"
	case *lockoutsScreen:
		on = s.name == "Lockouts"
	case *invitationsScreen:
		on = s.name == "Invitations"
	case *inviteScreen:
		on = s.name == "Invite"
	case *auditScreen:
		on = s.name == "Audit"
	}
	if !on {
		h.t.Fatalf("opening %s: the screen on top is %T\n%s", s.name, a.active(), h.view())
	}
}

// roRole is one session the tests run every screen in.
type roRole struct {
	name string
	op   func(w *roWorld) model.Operator
	opt  Options
}

func roRoles() (readOnly []roRole, oncall, supportRW roRole) {
	reg := func(name string, role model.Role, orgs ...string) func(w *roWorld) model.Operator {
		return func(w *roWorld) model.Operator {
			if op, err := w.st.OperatorByName(context.Background(), name); err == nil {
				return op
			}
			return registered(w.t, w.st, name, role, orgs...)
		}
	}
	asReadOnly := func(f func(w *roWorld) model.Operator) func(w *roWorld) model.Operator {
		return func(w *roWorld) model.Operator {
			op := f(w)
			op.ReadOnly = true
			return op
		}
	}
	readOnly = []roRole{
		// the flag through Options.ReadOnly (as cli passes it)
		{"support --read-only", reg("ro-support", model.RoleSupport), Options{ReadOnly: true}},
		// the flag already in the operator
		{"oncall --read-only", asReadOnly(reg("ro-oncall", model.RoleOncall)), Options{}},
		{"admin --read-only", reg("ro-admin", model.RoleAdmin, "acme"), Options{ReadOnly: true}},
	}
	return readOnly, roRole{"oncall", reg("oncall", model.RoleOncall), Options{}},
		roRole{"support", reg("support", model.RoleSupport), Options{}}
}

// exercise runs every action of the screen in the role's session. Help first (on the
// screen's first state), then each action from a fresh screen: when the session has the
// action, the database must change; when it does not, the flash says why and no table
// changes.
func exercise(t *testing.T, w *roWorld, s roScreen, r roRole) {
	t.Helper()
	op := r.op(w)
	h := newROHarness(t, w.st, op, r.opt)
	sess := op // what the session must be: the operator, read-only if either says so
	sess.ReadOnly = op.ReadOnly || r.opt.ReadOnly
	if h.app.c.op.ReadOnly != sess.ReadOnly {
		t.Errorf("%s: the session's operator is read-only=%v", r.name, h.app.c.op.ReadOnly)
	}
	ref := newROHarness(t, w.st, model.Operator{Name: "ref", Role: model.RoleSupport}, Options{}).app.c

	// The help (? and the footer) offers exactly the actions the session has. An action
	// table lists an action the session lacks with the reason (actions.full): that is not
	// an offer.
	s.reopen(h, w)
	footer := h.view()
	footer = footer[strings.LastIndex(footer, "\n")+1:]
	h.keys("?")
	help := h.view()
	for _, a := range s.actions {
		b := a.bind(ref).Help()
		inHelp := helpOffers(help, b.Key, b.Desc)
		switch {
		case !sess.Allows(a.action) && inHelp:
			t.Errorf("%s, %s: help offers %q (%s)\n%s", r.name, s.name, b.Key+" "+b.Desc, a.name, help)
		case !sess.Allows(a.action) && strings.Contains(footer, b.Key+" "+b.Desc):
			t.Errorf("%s, %s: the footer offers %q (%s)\n%s", r.name, s.name, b.Key+" "+b.Desc, a.name, footer)
		case sess.Allows(a.action) && !a.stateful && !inHelp:
			t.Errorf("%s, %s: help does not offer %q (%s)\n%s", r.name, s.name, b.Key+" "+b.Desc, a.name, help)
		}
	}

	for _, a := range s.actions {
		s.reopen(h, w)
		before := tableSums(t, w.st)
		h.keys(a.before...)
		h.keys(a.key)
		allowed, reason := sess.May(a.action)
		if !allowed {
			if v := h.view(); !strings.Contains(v, i18n.T(i18n.EN, reason)) {
				t.Errorf("%s, %s: %q (%s) does not say why it does nothing (%q):\n%s", r.name, s.name, a.key, a.name, i18n.T(i18n.EN, reason), v)
			}
		}
		h.keys(a.after...)
		if !allowed {
			h.keys("y", "enter") // any confirmation a dialog could still be waiting for
		}
		changed := changedSums(before, tableSums(t, w.st))
		switch {
		case allowed && !a.noWrite && len(changed) == 0:
			t.Errorf("%s, %s: %s (%q) changed nothing: the presses do not reach the action\n%s", r.name, s.name, a.name, a.key, h.view())
		case !allowed && len(changed) > 0:
			t.Errorf("%s, %s: %s (%q) is not this session's, and changed %s", r.name, s.name, a.name, a.key, strings.Join(changed, ", "))
		}
		if _, on := h.app.active().(*inviteScreen); on && a.noWrite && !allowed && h.app.active().(*inviteScreen).allowed() {
			t.Errorf("%s, %s: %q opened a working invite wizard", r.name, s.name, a.key)
		}
	}
}

// helpOffers reports whether the help page offers a key: its line is there without the reason
// it is disabled (an actions table lists a disabled action dimmed, with why).
func helpOffers(help, k, desc string) bool {
	line := safe.Pad(k, 9) + " " + desc
	for _, l := range strings.Split(help, "\n") {
		if i := strings.Index(l, line); i >= 0 && !strings.HasPrefix(l[i+len(line):], reasonSep) {
			return true
		}
	}
	return false
}

// everyKey is every key an operator can press on a screen, the global ones included.
func everyKey() []string {
	var ks []string
	for c := 'a'; c <= 'z'; c++ {
		ks = append(ks, string(c), strings.ToUpper(string(c)))
	}
	for c := '0'; c <= '9'; c++ {
		ks = append(ks, string(c))
	}
	return append(ks, "enter", "space", "tab", "shift+tab", "ctrl+s", "ctrl+r", "esc", "up", "down", ":", "/", "?", "[", "]")
}

// TestReadOnlyScreensChangeNothing: a read-only session (support, oncall, admin) changes
// nothing from any screen: every action key, confirmed, leaves every table as it was, says
// why, and the help does not offer it; then every key of the keyboard, each followed by y and
// enter, changes nothing either. The same presses by a support session do change the
// database (TestReadOnlyPressesReachTheActions), so nothing here passes by missing the action.
func TestReadOnlyScreensChangeNothing(t *testing.T) {
	readOnly, _, _ := roRoles()
	for _, s := range roScreens() {
		t.Run(s.name, func(t *testing.T) {
			w := newROWorld(t)
			for _, r := range readOnly {
				exercise(t, w, s, r)
			}
			for _, r := range readOnly[:2] { // support and oncall, read-only
				h := newROHarness(t, w.st, r.op(w), r.opt)
				before := tableSums(t, w.st)
				for _, k := range everyKey() {
					s.reopen(h, w)
					h.keys(k, "y", "enter")
				}
				if ch := changedSums(before, tableSums(t, w.st)); len(ch) > 0 {
					t.Errorf("%s, %s: pressing every key changed %s", r.name, s.name, strings.Join(ch, ", "))
				}
			}
		})
	}
}

// TestReadOnlyPressesReachTheActions: the presses of the read-only test, by a support session
// (not read-only), change the database action by action.
func TestReadOnlyPressesReachTheActions(t *testing.T) {
	_, _, supportRW := roRoles()
	for _, s := range roScreens() {
		if len(s.actions) == 0 {
			continue
		}
		t.Run(s.name, func(t *testing.T) { exercise(t, newROWorld(t), s, supportRW) })
	}
}

// TestOncallUnlocksAndNothingElse: an oncall session without --read-only is not read-only:
// it unlocks (the Users bulk prompt, the User screen, the Lockouts screen) and every other
// action changes nothing, says why, and is not offered by the help.
func TestOncallUnlocksAndNothingElse(t *testing.T) {
	_, oncall, _ := roRoles()
	for _, s := range roScreens() {
		if len(s.actions) == 0 {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			w := newROWorld(t)
			exercise(t, w, s, oncall)
			var locked int
			if err := w.st.DB().Get(&locked, `SELECT count(*) FROM users WHERE locked_at IS NOT NULL`); err != nil {
				t.Fatal(err)
			}
			if s.name != "Invitations" && s.name != "Invite" && locked == 2 {
				t.Errorf("%s: oncall's unlock left both accounts locked", s.name)
			}
		})
	}
	// On the Lockouts screen the unlock prompt cannot be turned into "unlock + reset link".
	w := newROWorld(t)
	h := newROHarness(t, w.st, oncall.op(w), Options{})
	h.keys("l", "u", "tab")
	h.mustShow(i18n.T(i18n.EN, model.ReasonOncall))
	h.keys("night shift", "enter")
	h.mustShow("Unlocked 1 account.")
	var mails, resets int
	if err := w.st.DB().Get(&resets, `SELECT count(*) FROM reset_tokens`); err != nil {
		t.Fatal(err)
	}
	if err := w.st.DB().Get(&mails, `SELECT count(*) FROM outbox WHERE kind = 'reset_link'`); err != nil {
		t.Fatal(err)
	}
	if resets != 0 || mails != 0 {
		t.Errorf("oncall's unlock sent a reset link (%d token(s), %d mail(s))", resets, mails)
	}
	if h.app.c.op.ReadOnly {
		t.Error("oncall's session is read-only")
	}
	h.mustNotShow("READ-ONLY")
}

// TestReadOnlyHeaderAndStore: a read-only session says so in the header, and its operator
// reaches the store read-only (the store refuses a change the screens would let through).
func TestReadOnlyHeaderAndStore(t *testing.T) {
	w := newROWorld(t)
	h := newROHarness(t, w.st, registered(t, w.st, "rosa", model.RoleSupport), Options{ReadOnly: true})
	h.mustShow("READ-ONLY")
	op := h.app.c.op
	if !op.ReadOnly {
		t.Fatal("Options.ReadOnly did not reach the operator")
	}
	before := tableSums(t, w.st)
	if _, err := w.st.DisableUser(context.Background(), op, w.jean, 1); err == nil || !strings.Contains(h.app.c.errText(err), "read-only") {
		t.Errorf("the store disabled a user for a read-only session: %v", err)
	}
	if ch := changedSums(before, tableSums(t, w.st)); len(ch) > 0 {
		t.Errorf("changed %s", strings.Join(ch, ", "))
	}
}
