package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"gatehouse/model"
	"gatehouse/store"
)

const userTestPassword = "velvet tractor umbrella 1987!"

// userFixture: acme with Jean Dupont (active, one open session), and the harness on his screen.
type userFixture struct {
	fixture
	acme int64
	id   int64
}

func newUserFixture(t *testing.T) userFixture {
	t.Helper()
	st := newStore(t)
	f := fixture{t: t, st: st}
	acme := f.org("acme", "Acme Industries")
	id := f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	f.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'billing.view')`, id, acme)
	f.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $3, $4, $4, '203.0.113.7', 'Firefox/140')`, id, model.HashToken("s1"), testNow.Add(-time.Hour), testNow.Add(time.Hour))
	return userFixture{fixture: f, acme: acme, id: id}
}

// open starts a console for op and opens the user's screen.
func (f userFixture) open(op model.Operator, w, h int) (*harness, *userView) {
	f.t.Helper()
	hs := newHarness(f.t, f.st, op, w, h)
	hs.send(navigateMsg{Screen: "user", Arg: f.id})
	uv, ok := hs.app.active().(*userView)
	if !ok || !uv.loaded {
		f.t.Fatalf("user screen not loaded:\n%s", hs.view())
	}
	return hs, uv
}

func (f userFixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.st.DB().Get(&n, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// secretHitsUI counts rows holding secret in every table of the schema.
func secretHitsUI(t *testing.T, st *store.Store, secret string) map[string]int {
	t.Helper()
	var tables []string
	if err := st.DB().Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`); err != nil {
		t.Fatal(err)
	}
	hits := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := st.DB().Get(&n, `SELECT count(*) FROM `+tb+` t WHERE t::text LIKE '%' || $1 || '%'`, secret); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			hits[tb] = n
		}
	}
	return hits
}

func TestUserPasswordMismatchSavesNothingAndKeepsFields(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	h.keys("p")
	h.mustShow("New password for Jean Dupont", "New password", "Confirm password", "[x] Must change at next login")
	h.typeText(userTestPassword)
	h.mustShow("✓ at least 15 characters (29 so far)", "✓ not a commonly used password", "• the two passwords match")
	h.keys("tab")
	h.typeText(userTestPassword + "x")
	h.mustShow("✗ the two passwords match")
	h.keys("enter")
	h.mustShow("Refused, nothing was saved:", "✗ the two passwords match", strings.Repeat("•", len(userTestPassword)+1))
	h.mustNotShow(userTestPassword)
	if uv.pw.inputs[0].Value() != userTestPassword || uv.pw.inputs[1].Value() != userTestPassword+"x" {
		t.Errorf("the typed values were not kept: %q %q", uv.pw.inputs[0].Value(), uv.pw.inputs[1].Value())
	}
	// A rule failure too: every reason listed, nothing saved.
	h.keys("shift+tab")
	for range len(userTestPassword) {
		h.keys("backspace")
	}
	h.typeText("dupont")
	h.keys("ctrl+s")
	h.mustShow("✗ at least 15 characters (6 so far)", "✗ does not contain the user's login code, e-mail, name or organization")
	if n := f.count(`SELECT count(*) FROM users WHERE id = $1 AND version = 1 AND password_hash = 'x' AND password_changed_at IS NULL`, f.id); n != 1 {
		t.Error("the user row changed")
	}
	if n := f.count(`SELECT (SELECT count(*) FROM password_history) + (SELECT count(*) FROM audit_entries WHERE action LIKE 'user.%') + (SELECT count(*) FROM outbox)
		+ (SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL)`); n != 0 {
		t.Errorf("%d rows written by a refused password", n)
	}
	// esc leaves the panel and forgets the fields.
	h.keys("esc")
	if uv.mode() != modeForm || uv.pw.inputs[0].Value() != "" || uv.pw.inputs[1].Value() != "" {
		t.Error("the panel kept the passwords after esc")
	}
}

func TestUserSetPasswordFromTheForm(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	h.mustShow("Open sessions (1)", "203.0.113.7")
	h.keys("p")
	h.typeText(userTestPassword)
	h.keys("tab")
	h.typeText(userTestPassword)
	h.mustShow("✓ the two passwords match", "Strength: ")
	h.keys("ctrl+s")
	h.mustShow("Password set for Jean Dupont: sessions ended, user notified.", "Open sessions (0)")
	if uv.mode() != modeForm || uv.pw.inputs[0].Value() != "" || uv.pw.inputs[1].Value() != "" {
		t.Error("the fields were not cleared after success")
	}
	var hash string
	var must bool
	if err := f.st.DB().QueryRow(`SELECT password_hash, must_change_password FROM users WHERE id = $1`, f.id).Scan(&hash, &must); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || !must {
		t.Errorf("hash %q, must change %v", hash, must)
	}
	if ok, _, err := store.VerifyPassword(context.Background(), hash, userTestPassword); !ok || err != nil {
		t.Errorf("the stored hash does not verify: %v %v", ok, err)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM password_history WHERE user_id = $1`:                                        1,
		`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`:                           0,
		`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'notice'`:                              1,
		`SELECT count(*) FROM audit_entries WHERE target_user_id = $1 AND action = 'user.password_set'`:   1,
		`SELECT count(*) FROM audit_entries WHERE target_user_id = $1 AND detail->'must_change' = 'true'`: 1,
		`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'password_changed'`:               1,
	} {
		if n := f.count(q, f.id); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	if hits := secretHitsUI(t, f.st, userTestPassword); len(hits) > 0 {
		t.Errorf("the password is in the database in clear: %v", hits)
	}
	// Unticking "must change" is honoured.
	h.keys("p")
	h.typeText("another quiet lantern river")
	h.keys("tab")
	h.typeText("another quiet lantern river")
	h.keys("tab", "space")
	h.mustShow("[ ] Must change at next login")
	h.keys("enter")
	if n := f.count(`SELECT count(*) FROM users WHERE id = $1 AND NOT must_change_password`, f.id); n != 1 {
		t.Error("must change stayed set")
	}
	// The old password again: refused by the store (reuse), fields kept.
	h.keys("p")
	h.typeText(userTestPassword)
	h.keys("tab")
	h.typeText(userTestPassword)
	h.keys("enter")
	h.mustShow("Refused, nothing was saved:", "✗ not one of the user's last 5 passwords")
	if uv.pw.inputs[0].Value() != userTestPassword {
		t.Error("fields not kept after the store's refusal")
	}
}

// TestUserKeysAnsweredWhileHashing: the save's command (hashing included) has not run yet,
// and keys still change the screen; nothing is written until the command runs.
func TestUserKeysAnsweredWhileHashing(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	h.keys("p")
	h.typeText(userTestPassword)
	h.keys("tab")
	h.typeText(userTestPassword)
	_, pending := h.app.Update(keyMsg("ctrl+s"))
	if pending == nil || !uv.pw.busy {
		t.Fatal("saving did not start a command")
	}
	h.mustShow("Hashing and saving…")
	before := h.view()
	h.keys("tab")
	h.mustShow("› [x] Must change")
	if h.view() == before {
		t.Error("the view did not answer the key")
	}
	h.keys("enter") // a second save while one runs is ignored
	if n := f.count(`SELECT count(*) FROM password_history`); n != 0 {
		t.Fatal("something was saved before the command ran")
	}
	h.run(pending)
	h.mustShow("Password set for Jean Dupont")
	if n := f.count(`SELECT count(*) FROM password_history`); n != 1 {
		t.Errorf("%d history rows, want 1", n)
	}
}

func TestUserTwoOperatorsConflict(t *testing.T) {
	f := newUserFixture(t)
	alice := registered(t, f.st, "alice", model.RoleSupport)
	bob := registered(t, f.st, "bob", model.RoleSupport)
	ha, _ := f.open(alice, 100, 40)
	hb, ub := f.open(bob, 100, 40)

	// Alice changes the e-mail and disables the account.
	ha.keys("tab", "tab")
	for range 3 {
		ha.keys("backspace")
	}
	ha.typeText("net")
	ha.keys("tab", "space")
	ha.mustShow("Unsaved changes")
	ha.keys("ctrl+s")
	ha.mustShow("Saved.")
	// Bob, on the version he read, changes the name: refused, told what changed, edit kept.
	hb.keys("tab")
	hb.typeText(" Jr")
	hb.keys("ctrl+s")
	hb.mustShow("Changed meanwhile by another operator: e-mail, status.")
	if ub.form.name.Value() != "Jean Dupont Jr" {
		t.Errorf("bob's typing was lost: %q", ub.form.name.Value())
	}
	var name, email, status string
	read := func() {
		if err := f.st.DB().QueryRow(`SELECT name, email, status FROM users WHERE id = $1`, f.id).Scan(&name, &email, &status); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if name != "Jean Dupont" || email != "jean.dupont@example.net" || status != "disabled" {
		t.Errorf("after the conflict: %q %q %q", name, email, status)
	}
	// Reload: the new version underneath, bob's edit on top; save again.
	hb.keys("ctrl+r")
	hb.mustShow("jean.dupont@example.net", "[disabled]")
	hb.mustNotShow("Changed meanwhile")
	if ub.form.name.Value() != "Jean Dupont Jr" {
		t.Errorf("reload lost bob's edit: %q", ub.form.name.Value())
	}
	hb.keys("ctrl+s")
	hb.mustShow("Saved.")
	read()
	if name != "Jean Dupont Jr" || email != "jean.dupont@example.net" || status != "disabled" {
		t.Errorf("after re-applying: %q %q %q", name, email, status)
	}
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.update'`); n != 2 {
		t.Errorf("%d update audit rows, want 2", n)
	}
}

// A password set on a version another operator changed meanwhile: the panel names what
// changed and keeps both fields; ctrl+r reloads from the panel, and the same fields are saved.
func TestUserPasswordConflictKeepsTheFields(t *testing.T) {
	f := newUserFixture(t)
	alice := registered(t, f.st, "alice", model.RoleSupport)
	bob := registered(t, f.st, "bob", model.RoleSupport)
	ha, _ := f.open(alice, 100, 40)
	hb, ub := f.open(bob, 100, 40)
	hb.keys("p")
	hb.typeText(userTestPassword)
	hb.keys("tab")
	hb.typeText(userTestPassword)
	ha.keys("tab")
	ha.typeText(" Jr")
	ha.keys("ctrl+s")
	ha.mustShow("Saved.")
	hb.keys("enter")
	hb.mustShow("New password for Jean Dupont", "Changed meanwhile by another operator: name.")
	if ub.mode() != modePassword || ub.pw.inputs[0].Value() != userTestPassword || ub.pw.inputs[1].Value() != userTestPassword {
		t.Fatal("the conflict lost the panel or its fields")
	}
	if n := f.count(`SELECT count(*) FROM password_history`); n != 0 {
		t.Fatal("a stale password was saved")
	}
	hb.clearFlash()
	hb.keys("ctrl+r")
	hb.mustNotShow("Changed meanwhile")
	hb.keys("enter")
	hb.mustShow("Password set for Jean Dupont Jr")
	if n := f.count(`SELECT count(*) FROM password_history WHERE user_id = $1`, f.id); n != 1 {
		t.Errorf("%d passwords saved, want 1", n)
	}
	if ub.pw.inputs[0].Value() != "" || ub.pw.inputs[1].Value() != "" {
		t.Error("the fields still hold the password")
	}
}

func TestUserFormInlineErrorsAndDiscard(t *testing.T) {
	f := newUserFixture(t)
	f.user("ACME-3HF8M", "anna@example.org", "Anna", f.acme)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	h.keys("tab", "tab")
	for range len("jean.dupont@example.org") {
		h.keys("backspace")
	}
	h.typeText("anna@example")
	h.keys("ctrl+s")
	h.mustShow("anna@example", "Invalid e-mail address")
	h.typeText(".org")
	h.keys("ctrl+s")
	h.mustShow("Another account already uses this e-mail address.")
	if uv.form.email.Value() != "anna@example.org" {
		t.Errorf("typed e-mail lost: %q", uv.form.email.Value())
	}
	// esc asks; no keeps; yes leaves without saving.
	h.keys("esc")
	h.mustShow("Discard your unsaved changes? (y/n)")
	h.keys("n")
	h.mustShow("anna@example.org")
	h.keys("esc", "y")
	if _, ok := h.app.active().(*usersScreen); !ok {
		t.Fatal("esc + y did not go back")
	}
	if n := f.count(`SELECT count(*) FROM users WHERE id = $1 AND email = 'jean.dupont@example.org' AND version = 1`, f.id); n != 1 {
		t.Error("discarded edits were saved")
	}
}

func TestUserTemporaryPasswordShownOnceAndCopied(t *testing.T) {
	f := newUserFixture(t)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	var term bytes.Buffer
	h.app.c.out = &term
	h.keys("t")
	h.mustShow("Generate a temporary password for Jean Dupont?")
	h.keys("n")
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE action LIKE 'user.%'`); n != 0 {
		t.Fatal("n still generated a password")
	}
	h.keys("t", "y")
	pw := uv.temp.secret
	if len([]rune(pw)) != 16 {
		t.Fatalf("temporary password %q", pw)
	}
	h.mustShow("Temporary password for Jean Dupont — shown once", pw, "Valid 72 hours")
	h.keys("c")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(pw)) + "\x07"
	if term.String() != want {
		t.Errorf("OSC 52 written: %q, want %q", term.String(), want)
	}
	h.mustShow("Sent to your clipboard")
	h.keys("esc")
	h.mustNotShow(pw)
	if uv.temp.secret != "" {
		t.Error("the temporary password outlives its box")
	}
	var must bool
	var exp time.Time
	if err := f.st.DB().QueryRow(`SELECT must_change_password, password_expires_at FROM users WHERE id = $1`, f.id).Scan(&must, &exp); err != nil {
		t.Fatal(err)
	}
	if !must || !exp.Equal(testNow.Add(72*time.Hour)) {
		t.Errorf("must change %v, expires %v", must, exp)
	}
	if hits := secretHitsUI(t, f.st, pw); len(hits) > 0 {
		t.Errorf("the temporary password is stored in clear: %v", hits)
	}
}

func TestUserActions(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP', locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`,
		f.id, testNow.Add(-time.Hour))
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, _ := f.open(op, 100, 40)
	steps := []struct {
		keys  []string
		flash string
		check string
	}{
		{[]string{"r", "y"}, "Reset link e-mailed to Jean Dupont.", `SELECT count(*) FROM outbox WHERE kind = 'reset_link'`},
		{[]string{"c", "y"}, "Login code e-mailed to Jean Dupont.", `SELECT count(*) FROM outbox WHERE kind = 'login_code'`},
		{[]string{"X", "y"}, "1 session ended.", `SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL`},
		{[]string{"2", "lost her phone", "enter"}, "2FA reset for Jean Dupont", `SELECT count(*) FROM users WHERE NOT totp_enabled AND totp_secret IS NULL`},
		{nil, "2FA reset for Jean Dupont", `SELECT count(*) FROM audit_entries WHERE action = 'user.totp_reset' AND summary LIKE '%; reason: lost her phone'`},
		{[]string{"d", "y"}, "Jean Dupont disabled; sessions ended.", `SELECT count(*) FROM users WHERE status = 'disabled'`},
		{[]string{"e", "y"}, "Jean Dupont enabled.", `SELECT count(*) FROM users WHERE status = 'active'`},
	}
	for _, s := range steps {
		h.keys(s.keys...)
		h.mustShow(s.flash)
		if n := f.count(s.check); n != 1 {
			t.Errorf("after %v: %s = %d", s.keys, s.check, n)
		}
	}
	// Unlock asks for a reason.
	h.keys("u")
	h.mustShow("Reason for unlocking:")
	h.keys("enter")
	h.mustShow("A reason is required")
	h.typeText("called the help desk")
	h.keys("enter")
	h.mustShow("Jean Dupont unlocked.")
	if n := f.count(`SELECT count(*) FROM users WHERE locked_at IS NULL AND failed_attempts = 0`); n != 1 {
		t.Error("not unlocked")
	}
	// Delete: type the e-mail.
	h.keys("D")
	h.mustShow("Type the account's e-mail (jean.dupont@example.org) to delete it:")
	h.typeText("jean.dupond@example.org")
	h.keys("enter")
	h.mustShow("That is not the expected text; nothing changed.")
	if n := f.count(`SELECT count(*) FROM users WHERE status = 'deleted'`); n != 0 {
		t.Fatal("deleted with a wrong e-mail")
	}
	h.keys("esc", "D")
	h.typeText(" Jean.Dupont@example.org")
	h.keys("enter")
	if _, ok := h.app.active().(*usersScreen); !ok {
		t.Fatalf("delete did not go back:\n%s", h.view())
	}
	h.mustShow("Jean Dupont deleted.")
	if n := f.count(`SELECT count(*) FROM users WHERE status = 'deleted' AND deleted_at IS NOT NULL`); n != 1 {
		t.Error("not deleted")
	}
	// One audit row per action.
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE operator_name = 'alice'`); n != 8 {
		t.Errorf("%d audit rows, want 8", n)
	}
}

func TestUserRolesDecideTheKeys(t *testing.T) {
	f := newUserFixture(t)
	globex := f.org("globex", "Globex")
	other := f.user("GLX-00001", "g@example.org", "Gina Globex", globex)
	f.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, f.id, testNow.Add(-time.Hour))
	if _, err := f.st.AddOperator(context.Background(), model.Operator{Name: "test"}, store.NewOperator{Name: "adam", Role: model.RoleAdmin,
		OrgSlugs: []string{"acme"}, Rights: []string{"users.manage", "reports.view"}}); err != nil {
		t.Fatal(err)
	}
	admin, err := f.st.OperatorByName(context.Background(), "adam")
	if err != nil {
		t.Fatal(err)
	}
	h, uv := f.open(admin, 100, 40)
	h.mustShow("jean.dupont@example.org  (changed by support only)", "rights you may not grant are greyed")
	kinds := []string{}
	for _, st := range uv.stops() {
		if st.zone != focusForm {
			kinds = append(kinds, map[focusZone]string{focusSessions: "sessions", focusEvents: "events"}[st.zone])
			continue
		}
		it := uv.form.items()[st.item]
		kinds = append(kinds, map[itemKind]string{itemName: "name", itemEmail: "email", itemStatus: "status", itemRight: "right:" + it.right}[it.kind])
	}
	if strings.Join(kinds, ",") != "name,status,right:reports.view,right:users.manage,sessions" {
		t.Errorf("admin's focus stops: %v", kinds)
	}
	h.keys("tab", "tab", "tab", "space", "ctrl+s")
	h.mustShow("Saved.")
	if n := f.count(`SELECT count(*) FROM membership_rights WHERE user_id = $1`, f.id); n != 2 {
		t.Errorf("rights after the admin's save: %d, want billing.view + reports.view", n)
	}
	// Another organization's user: not found.
	h.send(navigateMsg{Screen: "user", Arg: other})
	h.mustShow("Not found")

	// oncall: reads and unlocks, nothing else.
	oncall := registered(t, f.st, "olga", model.RoleOncall)
	ho, uo := f.open(oncall, 100, 40)
	if len(uo.form.items()) != 0 {
		t.Errorf("oncall can focus %d lines of the form", len(uo.form.items()))
	}
	for _, k := range []string{"p", "t", "d", "D", "2", "r", "c", "X"} {
		ho.keys(k)
		if uo.mode() != modeForm || uo.prompt.Active() {
			t.Errorf("oncall: %q opened something", k)
			ho.keys("esc")
		}
		ho.mustShow("On-call operators may only unlock accounts and reset failure counters.")
	}
	// The help offers unlock; the others are listed dimmed, with the reason.
	ho.keys("?")
	help := ho.view()
	if !helpOffers(help, "u", "unlock") {
		t.Errorf("help does not offer unlock:\n%s", help)
	}
	for _, b := range [][2]string{{"p", "set password"}, {"t", "temporary password"}, {"D", "delete"}} {
		if helpOffers(help, b[0], b[1]) {
			t.Errorf("help offers %q to oncall:\n%s", b[1], help)
		}
	}
	ho.mustShow("set password" + reasonSep + "On-call operators may only")
	ho.keys("esc", "u")
	ho.typeText("night shift, real user")
	ho.keys("enter")
	ho.mustShow("Jean Dupont unlocked.")
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE operator_name = 'olga' AND action = 'user.unlock'`); n != 1 {
		t.Error("oncall's unlock not audited")
	}
}

// An admin's disable, delete and credential actions on an account that also belongs to
// another organization are refused by the store: the screen says why when the key is pressed,
// before asking anything (the e-mail a delete wants is not asked for, then refused), and the
// footer does not offer them. What the admin may do there still asks and runs.
func TestUserAdminSaysWhyBeforeAskingOnASharedAccount(t *testing.T) {
	f := newUserFixture(t)
	globex := f.org("globex", "Globex")
	f.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, f.id, globex)
	f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, f.id)
	if _, err := f.st.AddOperator(context.Background(), model.Operator{Name: "test"}, store.NewOperator{Name: "adam", Role: model.RoleAdmin,
		OrgSlugs: []string{"acme"}, Rights: []string{"users.manage", "reports.view"}}); err != nil {
		t.Fatal(err)
	}
	admin, err := f.st.OperatorByName(context.Background(), "adam")
	if err != nil {
		t.Fatal(err)
	}
	h, uv := f.open(admin, 100, 40)
	if !uv.shared {
		t.Fatal("the screen does not know the account is shared")
	}
	footer := h.view()[strings.LastIndex(h.view(), "\n")+1:]
	if strings.Contains(footer, "set password") || strings.Contains(footer, "temporary password") {
		t.Errorf("the footer offers what the admin may not do here: %s", footer)
	}
	const why = "This account also belongs to another organization: ask support."
	before := tableSums(t, f.st)
	press := func(what string, keys ...string) {
		t.Helper()
		h.clearFlash()
		h.keys(keys...)
		if uv.prompt.Active() || uv.mode() != modeForm {
			t.Fatalf("%s: asked before saying why:\n%s", what, h.view())
		}
		h.mustShow(why)
	}
	press("delete", "D")
	press("disable", "d")
	press("set password", "p")
	press("temporary password", "t")
	press("reset 2FA", "2")
	press("end all sessions", "X")
	press("end this session", "shift+tab", "x") // the last stop: the sessions (no event yet)
	press("disable by the status box", "tab", "tab", "tab", "space")
	if uv.form.Dirty() {
		t.Error("the status box was ticked anyway")
	}
	if ch := changedSums(before, tableSums(t, f.st)); len(ch) > 0 {
		t.Errorf("refused actions changed %s", strings.Join(ch, ", "))
	}
	// A reset link goes to the account's own address: offered, asked, sent.
	h.keys("r")
	h.mustShow("Send a reset link to Jean Dupont?")
	h.keys("y")
	h.mustShow("Reset link e-mailed to Jean Dupont.")
}

// 2FA reset asks a reason, required like the unlock's, and the audit row holds it.
func TestUserResetTOTPAsksAReason(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, f.id)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	before := tableSums(t, f.st)
	h.keys("2")
	h.mustShow("Reset 2FA for Jean Dupont (they set it up again at their next login). Reason:")
	h.keys("enter")
	h.mustShow("A reason is required")
	h.typeText("   ")
	h.keys("enter")
	if !uv.prompt.Active() {
		t.Fatal("a blank reason closed the question")
	}
	if ch := changedSums(before, tableSums(t, f.st)); len(ch) > 0 {
		t.Fatalf("no reason given, and %s changed", strings.Join(ch, ", "))
	}
	h.keys("esc")
	h.mustShow("Cancelled; nothing changed.")
	h.keys("2")
	h.typeText("new phone, identity checked by call-back")
	h.keys("enter")
	h.mustShow("2FA reset for Jean Dupont")
	var summary string
	if err := f.st.DB().Get(&summary, `SELECT summary FROM audit_entries WHERE action = 'user.totp_reset' AND target_user_id = $1`, f.id); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(summary, "; reason: new phone, identity checked by call-back") {
		t.Errorf("audit summary %q", summary)
	}
	// 2FA is off now: the key says so instead of asking.
	h.clearFlash()
	h.keys("2")
	h.mustShow("2FA is not set up for this account.")
	if uv.prompt.Active() {
		t.Error("asked about a 2FA that is not set up")
	}
}

// A deleted account is shown; every action says it is deleted instead of asking.
func TestUserDeletedAccountSaysWhy(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`UPDATE users SET status = 'deleted', deleted_at = $2 WHERE id = $1`, f.id, testNow)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 100, 40)
	for _, k := range []string{"d", "D", "p", "t", "r", "X", "ctrl+s"} {
		h.clearFlash()
		h.keys(k)
		h.mustShow("This account is deleted: nothing can be changed.")
		if uv.prompt.Active() || uv.mode() != modeForm {
			t.Fatalf("%q asked something on a deleted account", k)
		}
	}
}

// At 80×24 the open sessions and the authentication events are below the form: tab (or
// shift+tab) brings each pane into view, its keys scroll and page it, and x ends the session
// under its cursor.
func TestUserPanesReachableAt80x24(t *testing.T) {
	f := newUserFixture(t)
	for i := 1; i <= 30; i++ {
		f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($2, $1, 'ACME-7K2Q9', 'login_failure', 'bad_password', $3)`,
			f.id, testNow.Add(time.Duration(i-100)*time.Minute), fmt.Sprintf("198.51.100.%d", i))
	}
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, _ := f.open(op, 80, 24)
	h.mustNotShow("Recent authentication events", "203.0.113.7")
	h.keys("shift+tab")
	h.mustShow("› Recent authentication events", "198.51.100.30 ", "198.51.100.19 ")
	h.mustNotShow("198.51.100.18 ")
	h.keys("pgdown")
	h.mustShow("198.51.100.18 ", "198.51.100.7 ")
	h.mustNotShow("198.51.100.30 ", "198.51.100.6 ")
	h.keys("pgdown")
	h.mustShow("198.51.100.6 ", "198.51.100.1 ")
	h.keys("pgup", "pgup")
	h.mustShow("198.51.100.30 ")
	h.keys("shift+tab")
	h.mustShow("› Open sessions (1)", "203.0.113.7", "Firefox/140")
	h.keys("x")
	h.mustShow("End this session? (y/n)")
	h.keys("y")
	h.mustShow("Session ended.")
	if n := f.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NOT NULL`, f.id); n != 1 {
		t.Errorf("%d sessions ended, want 1", n)
	}
}

func TestUserScreenGolden(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`UPDATE users SET created_at = $2, updated_at = $2 WHERE id = $1`, f.id, testNow.Add(-48*time.Hour))
	f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($2, $1, 'ACME-7K2Q9', 'login_failure', 'bad_password', '198.51.100.4')`,
		f.id, testNow.Add(-30*time.Minute))
	op := registered(t, f.st, "alice", model.RoleSupport)
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x40", 120, 40}} {
		t.Run(size.name, func(t *testing.T) {
			h, _ := f.open(op, size.w, size.h)
			golden.RequireEqual(t, []byte(h.view()))
			h.keys("p")
			h.typeText("dupont")
			t.Run("password", func(t *testing.T) { golden.RequireEqual(t, []byte(h.view())) })
		})
	}
}

// TestClipboardGoesToTheSessionTerminal: with no Options.Output (the SSH server's case), the
// OSC 52 sequence goes to the session renderer's output.
func TestClipboardGoesToTheSessionTerminal(t *testing.T) {
	st := newStore(t)
	var term bytes.Buffer
	app := NewApp(context.Background(), st, support, Options{Lang: "en"}, lipgloss.NewRenderer(&term))
	if msg := copyCmd(app.c.out, "S3cret!")(); msg != (clipboardCopiedMsg{ok: true}) {
		t.Fatalf("copy: %#v", msg)
	}
	if term.String() != osc52("S3cret!") || osc52("S3cret!") != "\x1b]52;c;UzNjcmV0IQ==\x07" {
		t.Errorf("terminal got %q", term.String())
	}
}

// An admin of acme cannot act on the credentials of a user who also belongs to another
// organization: the store refuses and the screen says why.
func TestUserCredentialActionsOnASharedAccountShowTheReason(t *testing.T) {
	f := newUserFixture(t)
	globex := f.org("globex", "Globex")
	f.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, f.id, globex)
	f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, f.id)
	ann := registered(t, f.st, "ann", model.RoleAdmin, "acme")
	h, uv := f.open(ann, 100, 40)
	h.keys("t", "y")
	h.mustShow("This account also belongs to another organization: ask support.")
	if uv.temp.secret != "" {
		t.Fatal("a temporary password was generated")
	}
	h.keys("2", "y")
	h.mustShow("This account also belongs to another organization: ask support.")
	if n := f.count(`SELECT count(*) FROM users WHERE id = $1 AND totp_enabled AND password_hash = 'x'`, f.id); n != 1 {
		t.Fatal("the shared account's credentials changed")
	}
	if n := f.count(`SELECT count(*) FROM audit_entries WHERE action LIKE 'user.%'`); n != 0 {
		t.Fatalf("%d audit rows after refusals", n)
	}
}

// A save that succeeds leaves the form: the focus goes back where the one-key actions work
// (r asks for a reset link at once). A refused save (the address another account uses)
// keeps the form, the field focused and what was typed. At 80×24.
func TestUserSaveLeavesTheForm(t *testing.T) {
	f := newUserFixture(t)
	f.user("ACME-OTHER", "taken@example.org", "Someone Else", f.acme)
	op := registered(t, f.st, "alice", model.RoleSupport)
	h, uv := f.open(op, 80, 24)
	for range 10 {
		if it, ok := uv.form.focused(); ok && it.kind == itemEmail {
			break
		}
		h.keys("tab")
	}
	if it, ok := uv.form.focused(); !ok || it.kind != itemEmail {
		t.Fatalf("tab never reached the e-mail field:\n%s", h.view())
	}
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("taken@example.org")
	h.keys("ctrl+s")
	sizeCheck(t, h, "a refused save")
	h.mustShow("Another account already uses this e-mail address.")
	if it, ok := uv.form.focused(); !ok || it.kind != itemEmail || !uv.form.Typing() || uv.form.formEmail() != "taken@example.org" {
		t.Fatalf("a refused save left the field or lost what was typed:\n%s", h.view())
	}
	for range len("taken@example.org") {
		h.keys("backspace")
	}
	h.typeText("jean.dupont@example.com")
	h.keys("ctrl+s")
	sizeCheck(t, h, "a save")
	h.mustShow("Saved.", "jean.dupont@example.com")
	if uv.zone != focusNone || uv.form.Typing() {
		t.Fatalf("the focus stayed in the form after a save (zone %d, typing %v):\n%s", uv.zone, uv.form.Typing(), h.view())
	}
	if n := f.count(`SELECT count(*) FROM users WHERE id = $1 AND email = 'jean.dupont@example.com'`, f.id); n != 1 {
		t.Fatal("the address was not saved")
	}
	h.keys("r")
	sizeCheck(t, h, "r after a save")
	h.mustShow("Send a reset link to Jean Dupont? (y/n)")
}
