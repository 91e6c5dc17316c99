package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

// acct is a test database with a movable clock and helpers to build accounts directly.
type acct struct {
	t   *testing.T
	s   *store.Store
	ctx context.Context
	mu  sync.Mutex
	now time.Time
}

func newAcct(t *testing.T) *acct {
	t.Helper()
	a := &acct{t: t, ctx: context.Background(), now: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
	a.s = storetest.New(t, func(c *store.Config) { c.Now = a.clock })
	return a
}

func (a *acct) clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

func (a *acct) advance(d time.Duration) {
	a.mu.Lock()
	a.now = a.now.Add(d)
	a.mu.Unlock()
}

func (a *acct) exec(q string, args ...any) {
	a.t.Helper()
	if _, err := a.s.DB().Exec(q, args...); err != nil {
		a.t.Fatalf("%s: %v", q, err)
	}
}

func (a *acct) count(q string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.s.DB().Get(&n, q, args...); err != nil {
		a.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (a *acct) org(slug, name string) int64 { return storetest.Org(a.t, a.s, slug, name) }

// user inserts an active user (with a placeholder hash) in the organizations.
func (a *acct) user(login, email, name string, orgs ...int64) int64 {
	return storetest.User(a.t, a.s, login, email, name, time.Time{}, orgs...)
}

// session opens a portal session for the user.
func (a *acct) session(userID int64) {
	a.t.Helper()
	tok := model.HashToken(fmt.Sprintf("session-%d-%d", userID, time.Now().UnixNano()))
	a.exec(`INSERT INTO sessions (user_id, token_hash, idle_expires_at, expires_at) VALUES ($1, $2, $3, $3)`,
		userID, tok, a.clock().Add(time.Hour))
}

func (a *acct) get(op model.Operator, id int64) model.User {
	a.t.Helper()
	u, err := a.s.GetUser(a.ctx, op, id)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// operator registers an operator (admins with the given organizations and rights).
func (a *acct) operator(name string, role model.Role, orgSlugs []string, rights ...string) model.Operator {
	a.t.Helper()
	if len(rights) == 0 && role == model.RoleAdmin {
		rights = []string{"users.manage", "billing.view", "billing.manage", "bookings.manage", "reports.view", "settings.manage"}
	}
	if _, err := a.s.AddOperator(a.ctx, model.Operator{Name: "setup"}, store.NewOperator{Name: name, Role: role, OrgSlugs: orgSlugs, Rights: rights}); err != nil {
		a.t.Fatal(err)
	}
	op, err := a.s.OperatorByName(a.ctx, name)
	if err != nil {
		a.t.Fatal(err)
	}
	return op
}

// secretHits counts the rows, in every table of the schema, whose text holds secret.
func secretHits(t *testing.T, db *sqlx.DB, secret string) map[string]int {
	t.Helper()
	var tables []string
	if err := db.Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 10 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	hits := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM `+tb+` t WHERE t::text LIKE '%' || $1 || '%'`, secret); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		if n > 0 {
			hits[tb] = n
		}
	}
	return hits
}

const goodPassword = "velvet tractor umbrella 1987!"

func TestSetPasswordStoresArgon2idAndHasEverySideEffect(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme Industries")
	id := a.user("ACME-7K2Q9", "Jean.Dupont@example.org", "Jean Dupont", acme)
	a.session(id)
	a.session(id)
	op := a.operator("alice", model.RoleSupport, nil)
	u := a.get(op, id)

	got, err := a.s.SetPassword(a.ctx, op, id, u.Version, goodPassword, goodPassword, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != u.Version+1 || !got.MustChangePassword || got.PasswordChangedAt == nil || !got.PasswordChangedAt.Equal(a.clock()) {
		t.Errorf("user after set: version %d (was %d), must change %v, changed at %v", got.Version, u.Version, got.MustChangePassword, got.PasswordChangedAt)
	}
	var hash string
	if err := a.s.DB().Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q lacks the OWASP argon2id parameters", hash)
	}
	if ok, _, err := store.VerifyPassword(a.ctx, hash, goodPassword); err != nil || !ok {
		t.Errorf("stored hash does not verify the password: %v %v", ok, err)
	}
	if n := a.count(`SELECT count(*) FROM password_history WHERE user_id = $1 AND hash = $2`, id, hash); n != 1 {
		t.Errorf("history rows with the new hash: %d", n)
	}
	if n := a.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id); n != 0 {
		t.Errorf("%d sessions still open", n)
	}
	if n := a.count(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'notice' AND recipient = 'Jean.Dupont@example.org'`, id); n != 1 {
		t.Errorf("notices queued: %d", n)
	}
	if n := a.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'password_changed' AND reason = 'operator'`, id); n != 1 {
		t.Errorf("password_changed events: %d", n)
	}
	var summaries []string
	if err := a.s.DB().Select(&summaries, `SELECT summary FROM audit_entries WHERE action = 'user.password_set' AND target_user_id = $1 AND operator_name = 'alice'`, id); err != nil {
		t.Fatal(err)
	}
	if len(summaries) != 1 || !strings.Contains(summaries[0], "must change at next login: yes") {
		t.Errorf("audit rows: %q", summaries)
	}
	if hits := secretHits(t, a.s.DB(), goodPassword); len(hits) > 0 {
		t.Errorf("the password is stored in clear: %v", hits)
	}
	if hits := secretHits(t, a.s.DB(), "tractor"); len(hits) > 0 {
		t.Errorf("part of the password is stored in clear: %v", hits)
	}
}

func TestSetPasswordRefusedStoresNothing(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme Industries")
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	a.session(id)
	op := a.operator("alice", model.RoleSupport, nil)
	u := a.get(op, id)
	cases := []struct {
		name, pw, confirm string
		want              []string
	}{
		{"mismatch", goodPassword, goodPassword + "x", []string{model.RuleConfirm}},
		{"short", "short pass 1", "short pass 1", []string{model.RuleLengthMin}},
		{"14 chars", "abcdefgh-jk-mn", "abcdefgh-jk-mn", []string{model.RuleLengthMin}},
		{"common", "1qaz2wsx3edc4rfv", "1qaz2wsx3edc4rfv", []string{model.RuleCommon, model.RulePattern}},
		{"login code inside", "my code is acme-7k2q9 ok", "my code is acme-7k2q9 ok", []string{model.RuleContext}},
		{"organization name", "I work at ACME industries", "I work at ACME industries", []string{model.RuleContext}},
		{"e-mail local part", "JEAN.DUPONT was here 42!", "JEAN.DUPONT was here 42!", []string{model.RuleContext}},
		{"everything", "dupont", "other", []string{model.RuleLengthMin, model.RuleCommon, model.RuleContext, model.RuleConfirm}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.s.SetPassword(a.ctx, op, id, u.Version, c.pw, c.confirm, true)
			var pe *model.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PolicyError, got %v", err)
			}
			var rules []string
			for _, r := range pe.Failed {
				rules = append(rules, r.Rule)
			}
			sort.Strings(rules)
			want := append([]string{}, c.want...)
			sort.Strings(want)
			if strings.Join(rules, ",") != strings.Join(want, ",") {
				t.Errorf("failed rules %v, want %v", rules, want)
			}
			if strings.Contains(err.Error(), c.pw) {
				t.Errorf("error message holds the password: %v", err)
			}
		})
	}
	after := a.get(op, id)
	if after.Version != u.Version || after.PasswordChangedAt != nil {
		t.Errorf("refused sets changed the user: version %d → %d", u.Version, after.Version)
	}
	if n := a.count(`SELECT (SELECT count(*) FROM password_history) + (SELECT count(*) FROM audit_entries WHERE action LIKE 'user.%')
		+ (SELECT count(*) FROM outbox) + (SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL)`); n != 0 {
		t.Errorf("refused sets left %d rows behind", n)
	}
}

func TestSetPasswordReuseAndHistoryDepth(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	op := a.operator("alice", model.RoleSupport, nil)
	u := a.get(op, id)
	u, err := a.s.SetPassword(a.ctx, op, id, u.Version, goodPassword, goodPassword, false)
	if err != nil {
		t.Fatal(err)
	}
	// The same password again (NFKC-equal: a full-width digit) is refused by the reuse rule.
	again := strings.Replace(goodPassword, "1", "\uff11", 1)
	_, err = a.s.SetPassword(a.ctx, op, id, u.Version, again, again, false)
	var pe *model.PolicyError
	if !errors.As(err, &pe) || len(pe.Failed) != 1 || pe.Failed[0].Rule != model.RuleReuse {
		t.Fatalf("reuse: got %v", err)
	}
	// Older than the last five: accepted again. Fill the history with five other hashes.
	for i := range 5 {
		h, err := store.HashPassword(a.ctx, fmt.Sprintf("filler password number %d", i))
		if err != nil {
			t.Fatal(err)
		}
		a.exec(`INSERT INTO password_history (user_id, hash) VALUES ($1, $2)`, id, h)
		a.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, id, h)
	}
	if _, err := a.s.SetPassword(a.ctx, op, id, u.Version, goodPassword, goodPassword, false); err != nil {
		t.Fatalf("a password older than the last 5 is refused: %v", err)
	}
	if n := a.count(`SELECT count(*) FROM password_history WHERE user_id = $1`, id); n != 5 {
		t.Errorf("history keeps %d rows, want 5", n)
	}
}

func TestSetPasswordShorterMinimumWith2FAAndComposition(t *testing.T) {
	a := newAcct(t)
	org := a.org("strict", "Strict")
	id := a.user("STR-00001", "x@example.org", "Zoé Martin", org)
	op := a.operator("alice", model.RoleSupport, nil)
	a.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, id)
	u := a.get(op, id)
	u, err := a.s.SetPassword(a.ctx, op, id, u.Version, "qzv8-wpk3", "qzv8-wpk3", true)
	if err != nil {
		t.Fatalf("9 characters with 2FA: %v", err)
	}
	a.exec(`UPDATE organizations SET policy = '{"composition": true}' WHERE id = $1`, org)
	_, err = a.s.SetPassword(a.ctx, op, id, u.Version, "qzv8-wpk3-mmt", "qzv8-wpk3-mmt", true)
	var pe *model.PolicyError
	if !errors.As(err, &pe) || pe.Failed[0].Rule != model.RuleComposition {
		t.Fatalf("the organization's composition rule is not applied: %v", err)
	}
	p, pc, err := a.s.PasswordRules(a.ctx, op, id)
	if err != nil || !p.RequireComposition || !pc.HasTOTP || len(pc.OrgNames) != 1 {
		t.Errorf("PasswordRules: %+v %+v %v", p, pc, err)
	}
}

func TestSetTemporaryPassword(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	a.session(id)
	op := a.operator("alice", model.RoleSupport, nil)
	u := a.get(op, id)
	pw, got, err := a.s.SetTemporaryPassword(a.ctx, op, id, u.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len([]rune(pw)) != 16 || strings.ContainsAny(pw, "0O1lIio") {
		t.Errorf("temporary password %q: want 16 characters without look-alikes", pw)
	}
	if !got.MustChangePassword || got.PasswordExpiresAt == nil || !got.PasswordExpiresAt.Equal(a.clock().Add(72*time.Hour)) {
		t.Errorf("must change %v, expires %v (now %v)", got.MustChangePassword, got.PasswordExpiresAt, a.clock())
	}
	var hash string
	if err := a.s.DB().Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := store.VerifyPassword(a.ctx, hash, pw); !ok {
		t.Error("the stored hash does not verify the temporary password")
	}
	if n := a.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id); n != 0 {
		t.Errorf("%d sessions still open", n)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.password_temporary' AND target_user_id = $1`, id); n != 1 {
		t.Errorf("audit rows: %d", n)
	}
	if hits := secretHits(t, a.s.DB(), pw); len(hits) > 0 {
		t.Errorf("the temporary password is stored in clear: %v", hits)
	}
	// A stale version is refused before anything is generated.
	_, _, err = a.s.SetTemporaryPassword(a.ctx, op, id, u.Version)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
}

// TestAdminOfAnotherOrganization: an admin of acme names a user of globex through every
// function of the User screen: not found, nothing changed.
func TestAdminOfAnotherOrganization(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme")
	globex := a.org("globex", "Globex")
	other := a.user("GLX-00001", "g@example.org", "Gina Globex", globex)
	mine := a.user("ACME-00001", "m@example.org", "Marc Acme", acme)
	a.session(other)
	admin := a.operator("adam", model.RoleAdmin, []string{"acme"}, "users.manage", "reports.view")
	support := a.operator("alice", model.RoleSupport, nil)
	ver := a.get(support, other).Version
	st := model.StatusDisabled
	calls := map[string]func() error{
		"GetUser":       func() error { _, err := a.s.GetUser(a.ctx, admin, other); return err },
		"PasswordRules": func() error { _, _, err := a.s.PasswordRules(a.ctx, admin, other); return err },
		"UpdateUser": func() error {
			_, err := a.s.UpdateUser(a.ctx, admin, other, ver, store.UserEdit{Name: "X", Email: "g@example.org"})
			return err
		},
		"UpdateUser status": func() error {
			_, err := a.s.UpdateUser(a.ctx, admin, other, ver, store.UserEdit{Name: "Gina Globex", Email: "g@example.org", Status: &st})
			return err
		},
		"SetPassword": func() error {
			_, err := a.s.SetPassword(a.ctx, admin, other, ver, goodPassword, goodPassword, true)
			return err
		},
		"SetTemporaryPassword": func() error { _, _, err := a.s.SetTemporaryPassword(a.ctx, admin, other, ver); return err },
		"SendLoginCode":        func() error { return a.s.SendLoginCode(a.ctx, admin, other) },
		"ResetTOTP":            func() error { _, err := a.s.ResetTOTP(a.ctx, admin, other, ver, "lost phone"); return err },
		"DisableUser":          func() error { _, err := a.s.DisableUser(a.ctx, admin, other, ver); return err },
		"EnableUser":           func() error { _, err := a.s.EnableUser(a.ctx, admin, other, ver); return err },
		"DeleteUser":           func() error { return a.s.DeleteUser(a.ctx, admin, other, ver, "g@example.org") },
		"SendResetLink":        func() error { return a.s.SendResetLink(a.ctx, admin, other) },
		"UserTimeline":         func() error { _, err := a.s.UserTimeline(a.ctx, admin, other, 0, 10); return err },
		"UpdateUser grants globex on my user": func() error {
			u := a.get(admin, mine)
			_, err := a.s.UpdateUser(a.ctx, admin, mine, u.Version, store.UserEdit{Name: u.Name, Email: u.Email,
				Memberships: map[int64][]string{acme: nil, globex: {"reports.view"}}})
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: got %v, want not found", name, err)
		}
	}
	if got := a.get(support, other); got.Version != ver || got.Name != "Gina Globex" {
		t.Errorf("the globex user changed: %+v", got)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE operator_name = 'adam'`); n != 0 {
		t.Errorf("%d audit rows by the admin", n)
	}

	// On their own user: a right they do not hold can be neither granted nor revoked.
	u := a.get(admin, mine)
	_, err := a.s.UpdateUser(a.ctx, admin, mine, u.Version, store.UserEdit{Name: u.Name, Email: u.Email,
		Memberships: map[int64][]string{acme: {"users.manage", "billing.manage"}}})
	if !errors.Is(err, store.ErrForbidden) {
		t.Errorf("granting billing.manage: %v", err)
	}
	a.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'settings.manage')`, mine, acme)
	u = a.get(admin, mine)
	_, err = a.s.UpdateUser(a.ctx, admin, mine, u.Version, store.UserEdit{Name: u.Name, Email: u.Email,
		Memberships: map[int64][]string{acme: {}}})
	if !errors.Is(err, store.ErrForbidden) {
		t.Errorf("revoking settings.manage: %v", err)
	}
	// ...and the rights they hold, they grant.
	u, err = a.s.UpdateUser(a.ctx, admin, mine, u.Version, store.UserEdit{Name: u.Name, Email: u.Email,
		Memberships: map[int64][]string{acme: {"settings.manage", "users.manage", "reports.view"}}})
	if err != nil || len(u.Memberships) != 1 || strings.Join(u.Memberships[0].Rights, ",") != "reports.view,settings.manage,users.manage" {
		t.Errorf("granting held rights: %v %+v", err, u.Memberships)
	}
	// An admin does not change e-mail addresses.
	_, err = a.s.UpdateUser(a.ctx, admin, mine, u.Version, store.UserEdit{Name: u.Name, Email: "new@example.org"})
	if !errors.Is(err, store.ErrForbidden) {
		t.Errorf("admin e-mail change: %v", err)
	}
	// oncall reads, unlocks, and nothing else.
	oncall := a.operator("olga", model.RoleOncall, nil)
	if _, err := a.s.SetPassword(a.ctx, oncall, mine, u.Version, goodPassword, goodPassword, true); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("oncall SetPassword: %v", err)
	}
	if _, err := a.s.DisableUser(a.ctx, oncall, mine, u.Version); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("oncall DisableUser: %v", err)
	}
	if _, err := a.s.UnlockUsers(a.ctx, oncall, []int64{mine}, "night shift", false); err != nil {
		t.Errorf("oncall unlock: %v", err)
	}
}

// BenchmarkSetPassword times a whole save with hashing: rules, reuse check against the
// history (grows to 5), argon2id, the transaction. Report p50/p95 with -benchtime.
func BenchmarkSetPassword(b *testing.B) {
	s := storetest.New(b)
	ctx := context.Background()
	var id int64
	if err := s.DB().Get(&id, `INSERT INTO users (login_code, email, name, status, password_hash)
		VALUES ('BEN-00001', 'qz@example.org', 'Quentin Zola', 'active', 'x') RETURNING id`); err != nil {
		b.Fatal(err)
	}
	op := model.Operator{Name: "bench", Role: model.RoleSupport}
	u, err := s.GetUser(ctx, op, id)
	if err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pw := fmt.Sprintf("benchmark passphrase %d zx", i)
		start := time.Now()
		u, err = s.SetPassword(ctx, op, id, u.Version, pw, pw, true)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	p := func(q float64) time.Duration { return times[min(len(times)-1, int(q*float64(len(times))))] }
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.95).Microseconds())/1000, "p95-ms")
}

// blocklisted are the passwords that a reset link accepted, and that then logged in, before
// the rules NIST's blocklist requirement exists for; each is refused with its reason.
var blocklisted = []struct {
	what, pw     string
	rule, reason string
}{
	{"one character repeated", "aaaaaaaaaaaaaaa", model.RulePattern, model.ReasonRepeat},
	{"digits in sequence", "123456789012345", model.RulePattern, model.ReasonSequence},
	{"a common password twice", "passwordpassword", model.RuleCommon, model.ReasonCommonWord},
	{"two keyboard rows", "qwertyuiopasdfgh", model.RulePattern, model.ReasonKeyboard},
	{"padded common password", "Password123456!", model.RuleCommon, model.ReasonCommonWord},
	{"padded common word", "Welcome123456789", model.RuleCommon, model.ReasonCommonWord},
	{"the service's names", "gatehouseportal1", model.RuleContext, model.ReasonService},
	{"the organization's name in leetspeak", "@cme-1ndustr1es-2024", model.RuleContext, model.ReasonOrganization},
	{"15 spaces", strings.Repeat(" ", 15), model.RuleCharacters, model.ReasonBlank},
	{"15 zero-width spaces", strings.Repeat("\u200b", 15), model.RuleCharacters, model.ReasonFormat},
	{"15 control bytes", "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12", model.RuleCharacters, model.ReasonControl},
	{"15 invalid UTF-8 bytes", string([]byte{0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e}), model.RuleCharacters, model.ReasonUTF8},
	{"one code point NFKC spells in 18", "\ufdfa", model.RuleLengthMin, model.RuleLengthMin},
}

// TestRedeemResetRefusesBlocklistedPasswords: through the reset link (`gatehouse reset`),
// each blocklisted password is refused with its rule and reason, nothing is stored, none of
// them logs in, and the link still works for a good password.
func TestRedeemResetRefusesBlocklistedPasswords(t *testing.T) {
	a := newAcct(t)
	acme := a.org("acme", "Acme Industries")
	id := a.user("ACM-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	tok := a.resetToken(id)
	for _, c := range blocklisted {
		t.Run(c.what, func(t *testing.T) {
			_, err := a.s.RedeemResetToken(a.ctx, tok, c.pw, c.pw)
			var pe *model.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PolicyError, got %v", err)
			}
			found := false
			for _, r := range pe.Failed {
				if r.Rule == c.rule && r.Reason == c.reason && r.Message != "" && r.MessageFR != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("failed rules %+v lack %s (%s)", pe.Failed, c.rule, c.reason)
			}
			if _, err := a.s.Authenticate(a.ctx, store.AuthRequest{Login: "ACM-7K2Q9", Password: c.pw}); !errors.Is(err, store.ErrAuthFailed) {
				t.Errorf("login with the refused password: %v", err)
			}
		})
	}
	if n := a.count(`SELECT count(*) FROM users WHERE id = $1 AND password_hash = 'x' AND password_changed_at IS NULL`, id); n != 1 {
		t.Error("a refused password was stored")
	}
	if n := a.count(`SELECT count(*) FROM password_history WHERE user_id = $1`, id); n != 0 {
		t.Errorf("%d history rows after refusals", n)
	}
	if _, err := a.s.RedeemResetToken(a.ctx, tok, goodPassword, goodPassword); err != nil {
		t.Fatalf("the link after the refusals: %v", err)
	}
}

// TestLoginWithAHashOverTheCeiling: a planted argon2id hash asking for a GiB (and a bcrypt
// hash of cost 31) makes the login fail like a wrong password, counted, without the GiB
// being allocated.
func TestLoginWithAHashOverTheCeiling(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	for i, h := range []string{
		"$argon2id$v=19$m=1048576,t=100,p=8$" + salt + "$" + key,
		"$argon2id$v=19$m=1048576,t=1,p=8$" + salt + "$" + key,
		"$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzabcde",
	} {
		a.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, id, h)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := a.s.Authenticate(a.ctx, store.AuthRequest{Login: "ACME-7K2Q9", Password: goodPassword})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, store.ErrAuthFailed) {
			t.Errorf("%s: login = %v, want ErrAuthFailed", h, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
			t.Errorf("%s: the login allocated %d MiB", h, grew>>20)
		}
		if n := a.count(`SELECT failed_attempts FROM users WHERE id = $1`, id); n != i+1 {
			t.Errorf("%s: failed_attempts = %d, want %d", h, n, i+1)
		}
	}
}
