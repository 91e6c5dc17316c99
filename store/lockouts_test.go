package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// attack is last night's scenario: one IP tries 6 wrong passwords on 5 accounts of two
// organizations (locking them all) and a few unknown logins; one real user mistypes twice
// from home.
type attack struct {
	*authEnv
	orgB             int64
	a1, a2, a3       int64
	b1, b2, innocent int64
	home             netip.Addr
}

func newAttack(t *testing.T) *attack {
	e := newAuthEnv(t, 0)
	// Cheap hashes: this test is about counting, not hashing.
	bh, _ := bcrypt.GenerateFromPassword([]byte(authPassword), bcrypt.MinCost)
	e.hash = string(bh)
	a := &attack{authEnv: e, home: netip.MustParseAddr("198.51.100.7")}
	if err := e.s.DB().Get(&a.orgB, `INSERT INTO organizations (slug, name) VALUES ('globex', 'Globex') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	a.a1, a.a2, a.a3 = e.user("ACME-AAA01", "a1@acme.test"), e.user("ACME-AAA02", "a2@acme.test"), e.user("ACME-AAA03", "a3@acme.test")
	a.b1, a.b2 = e.userIn("GLOB-BBB01", "b1@globex.test", a.orgB), e.userIn("GLOB-BBB02", "b2@globex.test", a.orgB)
	a.innocent = e.user("ACME-HOME1", "home@acme.test")
	for _, login := range []string{"ACME-AAA01", "ACME-AAA02", "ACME-AAA03", "GLOB-BBB01", "GLOB-BBB02", "admin", "root"} {
		for i := 0; i < 6; i++ {
			e.mustFail(login, "Password1!")
			e.clk.Advance(time.Second)
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := e.s.Authenticate(e.ctx, store.AuthRequest{Login: "ACME-HOME1", Password: "typo", IP: a.home, UserAgent: "Firefox"}); err != store.ErrAuthFailed {
			t.Fatal(err)
		}
	}
	return a
}

func ids(list []store.LockedAccount) map[int64]store.LockedAccount {
	m := map[int64]store.LockedAccount{}
	for _, a := range list {
		m[a.ID] = a
	}
	return m
}

func TestLockoutsListsLockedAccountsScoped(t *testing.T) {
	a := newAttack(t)
	all, err := a.s.ListLocked(a.ctx, supportOp, store.LockedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("%d locked, want 5", len(all))
	}
	if all[0].ID != a.b2 { // most recently locked first
		t.Fatalf("first row %d, want the last locked (%d)", all[0].ID, a.b2)
	}
	got := ids(all)[a.a1]
	if got.FailedAttempts != 6 || got.LastFailedIP != "203.0.113.66" || got.Mode != model.LockUntilReset ||
		got.LockedUntil != nil || got.LockReason != "threshold" || len(got.Organizations) != 1 || got.Organizations[0] != "acme" ||
		got.LastFailedAt == nil || !got.LastFailedAt.After(got.LockedAt) {
		t.Fatalf("row %+v", got)
	}
	// Paging by keyset.
	p1, _ := a.s.ListLocked(a.ctx, supportOp, store.LockedQuery{Limit: 3})
	p2, _ := a.s.ListLocked(a.ctx, supportOp, store.LockedQuery{Limit: 3, AfterLockedAt: p1[2].LockedAt, AfterID: p1[2].ID})
	if len(p1) != 3 || len(p2) != 2 || p2[0].ID == p1[2].ID {
		t.Fatalf("pages %d + %d", len(p1), len(p2))
	}
	// An admin of Acme sees only Acme's accounts.
	adminA := model.Operator{Name: "ann", Role: model.RoleAdmin, OrgIDs: []int64{a.org}}
	mine, err := a.s.ListLocked(a.ctx, adminA, store.LockedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := ids(mine)
	if len(mine) != 3 || m[a.b1].ID != 0 || m[a.b2].ID != 0 {
		t.Fatalf("admin of A sees %v", m)
	}
	// ...and unlocks only them: naming a user of B is "not found", and nothing changes.
	if _, err := a.s.UnlockUsers(a.ctx, adminA, []int64{a.a1, a.b1}, "bulk", false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("admin of A unlocks B's user: %v", err)
	}
	if !a.locked(a.a1) || !a.locked(a.b1) {
		t.Fatal("a refused bulk unlock changed something")
	}
	if _, err := a.s.UserTimeline(a.ctx, adminA, a.b1, 0, 10); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("admin of A reads B's timeline: %v", err)
	}
	// On-call unlocks the real users, with a reason; reset links are not theirs to send (the
	// whole call is refused, nothing changes).
	oncall := model.Operator{Name: "olga", Role: model.RoleOncall}
	if _, err := a.s.UnlockUsers(a.ctx, oncall, []int64{a.a1, a.a2}, "attack from 203.0.113.66; real users", true); !errors.Is(err, store.ErrOncallResetLink) || !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("oncall unlock with reset links: %v", err)
	}
	if !a.locked(a.a1) || a.int(`SELECT count(*) FROM reset_tokens`) != 0 || a.int(`SELECT count(*) FROM outbox`) != 0 {
		t.Fatal("the refused unlock with reset links changed something")
	}
	res, err := a.s.UnlockUsers(a.ctx, oncall, []int64{a.a1, a.a2}, "attack from 203.0.113.66; real users", false)
	if err != nil || len(res.Unlocked) != 2 || len(res.ResetsSent) != 0 {
		t.Fatalf("oncall unlock: %+v, %v", res, err)
	}
	if n := a.int(`SELECT count(*) FROM audit_entries WHERE action = 'user.unlock' AND operator_name = 'olga'`); n != 2 {
		t.Fatalf("%d unlock audit rows, want 2", n)
	}
	left, _ := a.s.ListLocked(a.ctx, supportOp, store.LockedQuery{})
	if len(left) != 3 {
		t.Fatalf("%d still locked, want 3", len(left))
	}
	a.mustLogin("ACME-AAA01", authPassword)
}

func TestFailuresGroupedByIPPutTheAttackerFirst(t *testing.T) {
	a := newAttack(t)
	since := a.clk.Now().Add(-time.Hour)
	groups, err := a.s.FailuresByIP(a.ctx, supportOp, since, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("groups %+v", groups)
	}
	g := groups[0]
	if g.Source != store.FailureSource(a.attIP) || g.Accounts != 7 || g.Attempts != 42 || !g.LikelyAttack || !g.LastSeen.After(g.FirstSeen) {
		t.Fatalf("attacker group %+v", g)
	}
	if h := groups[1]; h.Source != store.FailureSource(a.home) || h.Accounts != 1 || h.Attempts != 2 || h.LikelyAttack {
		t.Fatalf("home group %+v", h)
	}
	// A window after the attack sees nothing; an admin of B counts only B's two accounts, and
	// sees the address flagged: it attacks the installation.
	if gs, _ := a.s.FailuresByIP(a.ctx, supportOp, a.clk.Now().Add(time.Minute), 10); len(gs) != 0 {
		t.Fatalf("future window: %+v", gs)
	}
	adminB := model.Operator{Name: "bob", Role: model.RoleAdmin, OrgIDs: []int64{a.orgB}}
	gs, _ := a.s.FailuresByIP(a.ctx, adminB, since, 10)
	if len(gs) != 1 || gs[0].Accounts != 2 || gs[0].Attempts != 12 || !gs[0].LikelyAttack {
		t.Fatalf("admin of B: %+v", gs)
	}

	// The live stream: newest first, names joined, scoped, pageable, filterable by IP.
	recent, err := a.s.RecentFailures(a.ctx, supportOp, store.FailureQuery{Since: since, Limit: 5})
	if err != nil || len(recent) != 5 {
		t.Fatalf("recent %d, %v", len(recent), err)
	}
	if recent[0].IP != a.home || recent[0].UserName != "Name of ACME-HOME1" || recent[0].UserAgent != "Firefox" || recent[0].Reason != "bad_password" {
		t.Fatalf("newest failure %+v", recent[0])
	}
	older, _ := a.s.RecentFailures(a.ctx, supportOp, store.FailureQuery{Since: since, BeforeID: recent[4].ID, Limit: 1000})
	if len(older) != 44-5 {
		t.Fatalf("older page %d, want 39", len(older))
	}
	fromHome, _ := a.s.RecentFailures(a.ctx, supportOp, store.FailureQuery{Since: since, IP: a.home})
	if len(fromHome) != 2 {
		t.Fatalf("from home: %d", len(fromHome))
	}
	bs, _ := a.s.RecentFailures(a.ctx, adminB, store.FailureQuery{Since: since, Limit: 1000})
	if len(bs) != 12 {
		t.Fatalf("admin of B sees %d failures, want 12", len(bs))
	}
	for _, f := range bs {
		if f.UserID == nil || (*f.UserID != a.b1 && *f.UserID != a.b2) {
			t.Fatalf("admin of B sees %+v", f)
		}
	}
}

// failFrom fails n logins of ident from ip, a second apart.
func (e *authEnv) failFrom(ip, ident string, n int) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		if _, err := e.s.Authenticate(e.ctx, store.AuthRequest{Login: ident, Password: "not the password", IP: netip.MustParseAddr(ip)}); err != store.ErrAuthFailed {
			e.t.Fatalf("login %q from %s: got %v, want exactly ErrAuthFailed", ident, ip, err)
		}
		e.clk.Advance(time.Second)
	}
}

// bySource indexes a FailuresByIP answer by the source as people read it.
func bySource(gs []store.IPFailures) map[string]store.IPFailures {
	m := map[string]store.IPFailures{}
	for _, g := range gs {
		m[store.SourceText(g.Source)] = g
	}
	return m
}

// TestIPv6AttackSpreadOverOnePrefixIsOneSource: an attacker takes a new address of its /64 for
// every account (two tries each, and unknown logins): per address nothing stands out, the /64
// failed on eight accounts. IPv4 stays per address: two neighbours of one /24 failing on three
// accounts each are two forgetful sources, not one attack. The failures pane filters on the
// whole /64.
func TestIPv6AttackSpreadOverOnePrefixIsOneSource(t *testing.T) {
	e := newAuthEnv(t, 0)
	bh, _ := bcrypt.GenerateFromPassword([]byte(authPassword), bcrypt.MinCost)
	e.hash = string(bh)
	var victims []int64
	for i := 0; i < 6; i++ {
		victims = append(victims, e.user(fmt.Sprintf("ACME-V%04d", i), fmt.Sprintf("v%d@acme.test", i)))
		e.failFrom(fmt.Sprintf("2001:db8:bad:1::%x", 0x66+i), fmt.Sprintf("ACME-V%04d", i), 2)
	}
	e.failFrom("2001:db8:bad:1:ffff:ffff:ffff:fffe", "admin", 1)
	e.failFrom("2001:db8:bad:1:1234::1", "Root", 1)
	e.failFrom("2001:db8:bad:2::13", "ACME-V0000", 1) // the next /64: a source of its own
	for i := 0; i < 3; i++ {
		e.failFrom("203.0.113.66", fmt.Sprintf("ACME-V%04d", i), 1)
		e.failFrom("203.0.113.67", fmt.Sprintf("ACME-V%04d", i+3), 1)
	}
	since := e.clk.Now().Add(-time.Hour)
	groups, err := e.s.FailuresByIP(e.ctx, supportOp, since, 10)
	if err != nil {
		t.Fatal(err)
	}
	m := bySource(groups)
	if len(groups) != 4 || len(m) != 4 {
		t.Fatalf("groups %+v, want the /64, the next /64 and two IPv4 addresses", groups)
	}
	g := groups[0]
	if store.SourceText(g.Source) != "2001:db8:bad:1::/64" || g.Source.Bits() != 64 || g.Accounts != 8 || g.Attempts != 14 || !g.LikelyAttack {
		t.Fatalf("first group %+v, want 2001:db8:bad:1::/64 on 8 accounts (14 attempts), flagged", g)
	}
	if n := m["2001:db8:bad:2::/64"]; n.Accounts != 1 || n.Attempts != 1 || n.LikelyAttack {
		t.Fatalf("the next /64: %+v", n)
	}
	for _, ip := range []string{"203.0.113.66", "203.0.113.67"} {
		if v4 := m[ip]; v4.Accounts != 3 || v4.Attempts != 3 || v4.LikelyAttack || !v4.Source.IsSingleIP() {
			t.Fatalf("%s: %+v, want its own group of 3 accounts, not flagged", ip, v4)
		}
	}
	// An admin's grouping (from the events) is by source too.
	admin := model.Operator{Name: "ann", Role: model.RoleAdmin, OrgIDs: []int64{e.org}}
	mine, err := e.s.FailuresByIP(e.ctx, admin, since, 10)
	if err != nil {
		t.Fatal(err)
	}
	if g := bySource(mine)["2001:db8:bad:1::/64"]; g.Accounts != 6 || g.Attempts != 12 || !g.LikelyAttack {
		t.Fatalf("admin's /64: %+v (all: %+v)", g, mine)
	}
	// Drilling into the /64 lists every failure from its addresses; into an address, its own.
	all, err := e.s.RecentFailures(e.ctx, supportOp, store.FailureQuery{Since: since, Source: g.Source, Limit: 1000})
	if err != nil || len(all) != 14 {
		t.Fatalf("failures from the /64: %d, %v; want 14", len(all), err)
	}
	for _, f := range all {
		if !g.Source.Contains(f.IP) {
			t.Fatalf("failure from %s listed under %s", f.IP, g.Source)
		}
	}
	one, _ := e.s.RecentFailures(e.ctx, supportOp, store.FailureQuery{Since: since, Source: m["203.0.113.66"].Source, Limit: 1000})
	if len(one) != 3 {
		t.Fatalf("failures from 203.0.113.66: %d, want 3", len(one))
	}
	_ = victims
}

// TestLockedAccountsFlaggedByTheirLastFailure: in the locked accounts, those whose last failure
// came from a flagged source (the by-IP pane's rule, over the day before that failure until
// now) are flagged: last night's attack from 203.0.113.66, and an IPv6 attack over one /64.
// A forgetful user locked from home is not, nor is one locked from an address whose other
// failures are older than that day.
func TestLockedAccountsFlaggedByTheirLastFailure(t *testing.T) {
	a := newAttack(t)
	a.failFrom(a.home.String(), "ACME-HOME1", 4) // locked by their own typos
	// Spread over a /64: five accounts locked, each from an address of its own.
	var spread []int64
	for i := 0; i < 5; i++ {
		login := fmt.Sprintf("ACME-SIX%02d", i)
		spread = append(spread, a.user(login, fmt.Sprintf("six%d@acme.test", i)))
		a.failFrom(fmt.Sprintf("2001:db8:bad:1::%x", 0x100+i), login, 5)
	}
	// 192.0.2.9 failed on four accounts three days ago; today it locks a fifth: five in a
	// week, one in the day before that lock.
	for i := 0; i < 4; i++ {
		a.failFrom("192.0.2.9", fmt.Sprintf("old-guess-%d", i), 1)
	}
	a.clk.Advance(3 * 24 * time.Hour)
	late := a.user("ACME-LATE1", "late@acme.test")
	a.failFrom("192.0.2.9", "ACME-LATE1", 5)

	list, err := a.s.ListLocked(a.ctx, supportOp, store.LockedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := ids(list)
	want := map[int64]bool{a.a1: true, a.a2: true, a.a3: true, a.b1: true, a.b2: true, a.innocent: false, late: false}
	for _, id := range spread {
		want[id] = true
	}
	if len(list) != len(want) {
		t.Fatalf("%d locked, want %d", len(list), len(want))
	}
	for id, flagged := range want {
		if got, ok := m[id]; !ok || got.LikelyAttack != flagged {
			t.Errorf("account %d (%s, last failure from %s): flagged %v, want %v", id, got.Login, got.LastFailedIP, got.LikelyAttack, flagged)
		}
	}
	// The by-IP pane says the same of 192.0.2.9: over a week, five accounts; over a day, one.
	week, _ := a.s.FailuresByIP(a.ctx, supportOp, a.clk.Now().Add(-7*24*time.Hour), 50)
	day, _ := a.s.FailuresByIP(a.ctx, supportOp, a.clk.Now().Add(-24*time.Hour), 50)
	if w, d := bySource(week)["192.0.2.9"], bySource(day)["192.0.2.9"]; !w.LikelyAttack || w.Accounts != 5 || d.LikelyAttack || d.Accounts != 1 {
		t.Fatalf("192.0.2.9 over a week %+v, over a day %+v", w, d)
	}
}

// TestAdminSeesAnAttackOnManyOrganizationsFlagged: the attacker of last night also locks the
// one account of Initech. Initech's admin counts only that account (one account, six
// attempts: it looks like a forgetful user), and must still see the address flagged, in the
// by-IP pane and on the locked account; and nothing else: no account, name, address book
// entry or count of Acme's or Globex's, nor the unknown logins tried, reaches them.
func TestAdminSeesAnAttackOnManyOrganizationsFlagged(t *testing.T) {
	a := newAttack(t)
	var orgC int64
	must(t, a.s.DB().Get(&orgC, `INSERT INTO organizations (slug, name) VALUES ('initech', 'Initech') RETURNING id`))
	c1 := a.userIn("INIT-CCC01", "c1@initech.test", orgC)
	c2 := a.userIn("INIT-CCC02", "c2@initech.test", orgC)
	first := a.clk.Now()
	for i := 0; i < 6; i++ {
		a.mustFail("INIT-CCC01", "Password1!")
		a.clk.Advance(time.Second)
	}
	last := a.clk.Now().Add(-time.Second)
	a.failFrom("198.51.100.20", "INIT-CCC02", 2) // a real typo, from elsewhere

	adminC := model.Operator{Name: "carl", Role: model.RoleAdmin, OrgIDs: []int64{orgC}}
	since := a.clk.Now().Add(-time.Hour)
	groups, err := a.s.FailuresByIP(a.ctx, adminC, since, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("admin of Initech sees %+v, want the attacker and the typo", groups)
	}
	g := bySource(groups)["203.0.113.66"]
	if g.Accounts != 1 || g.Attempts != 6 || !g.FirstSeen.Equal(first) || !g.LastSeen.Equal(last) || !g.LikelyAttack {
		t.Fatalf("admin of Initech, the attacker: %+v; want 1 account, 6 attempts from %v to %v, flagged", g, first, last)
	}
	if h := bySource(groups)["198.51.100.20"]; h.Accounts != 1 || h.Attempts != 2 || h.LikelyAttack {
		t.Fatalf("admin of Initech, the typo: %+v", h)
	}
	locked, err := a.s.ListLocked(a.ctx, adminC, store.LockedQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(locked) != 1 || locked[0].ID != c1 || !locked[0].LikelyAttack || locked[0].FailedAttempts != 6 {
		t.Fatalf("admin of Initech, locked: %+v", locked)
	}
	recent, err := a.s.RecentFailures(a.ctx, adminC, store.FailureQuery{Since: since, Limit: 1000})
	if err != nil || len(recent) != 8 {
		t.Fatalf("admin of Initech, recent failures: %d, %v; want 8", len(recent), err)
	}
	// Nothing of another organization in what the admin is given.
	seen, err := json.Marshal([]any{groups, locked, recent})
	must(t, err)
	for _, id := range []int64{a.a1, a.a2, a.a3, a.b1, a.b2, a.innocent} {
		var login, email, name string
		must(t, a.s.DB().QueryRow(`SELECT login_code, email, name FROM users WHERE id = $1`, id).Scan(&login, &email, &name))
		for _, leak := range []string{login, email, name, fmt.Sprintf(`"id":%d,`, id), fmt.Sprintf(`"user_id":%d,`, id)} {
			if strings.Contains(string(seen), leak) {
				t.Errorf("admin of Initech is given %q of another organization's account", leak)
			}
		}
	}
	for _, leak := range []string{`"admin"`, `"root"`, "Acme", "Globex", "acme", "globex"} {
		if strings.Contains(string(seen), leak) {
			t.Errorf("admin of Initech is given %s", leak)
		}
	}
	// Installation-wide the address failed on 8 accounts, 48 times: neither number is theirs.
	all := bySource(mustFailures(t, a.s, supportOp, since))["203.0.113.66"]
	if all.Accounts != 8 || all.Attempts != 48 {
		t.Fatalf("support sees %+v, want 8 accounts and 48 attempts", all)
	}
	for _, g := range groups {
		if g.Accounts == all.Accounts || g.Attempts == all.Attempts || g.FirstSeen.Equal(all.FirstSeen) {
			t.Errorf("admin of Initech is given the installation's numbers: %+v", g)
		}
	}
	_ = c2
}

func mustFailures(t *testing.T, s *store.Store, op model.Operator, since time.Time) []store.IPFailures {
	t.Helper()
	gs, err := s.FailuresByIP(context.Background(), op, since, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

func TestResetLinkCompletedUnlocks(t *testing.T) {
	a := newAttack(t)
	if err := a.s.SendResetLink(a.ctx, supportOp, a.a3); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := a.s.DB().Get(&sealed, `SELECT sealed_secret FROM outbox WHERE kind = 'reset_link' AND user_id = $1 ORDER BY id DESC LIMIT 1`, a.a3); err != nil {
		t.Fatal(err)
	}
	link, err := a.s.OpenSealed(sealed)
	if err != nil {
		t.Fatal(err)
	}
	_, token, ok := strings.Cut(link, "token=")
	if !ok {
		t.Fatal("no token in the link")
	}
	const newPassword = "violet lantern over a quiet harbour"
	if _, err := a.s.RedeemResetToken(a.ctx, token, newPassword, newPassword); err != nil {
		t.Fatal(err)
	}
	if a.locked(a.a3) || a.failed(a.a3) != 0 {
		t.Fatal("reset did not unlock")
	}
	a.mustFail("ACME-AAA03", authPassword)
	a.mustLogin("ACME-AAA03", newPassword)
}

// BenchmarkLockoutQueries measures the Lockouts screen's store calls and a user's timeline on
// seeded demo data (GATEHOUSE_BENCH_USERS users, 10 events each; default 20,000), each beside
// the same SQL sent bare, which is the floor.
func BenchmarkLockoutQueries(b *testing.B) {
	users := 20000
	if v, err := strconv.Atoi(os.Getenv("GATEHOUSE_BENCH_USERS")); err == nil && v > 0 {
		users = v
	}
	s := storetest.New(b, func(c *store.Config) { c.StatementTimeout = 10 * time.Minute })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: users, Events: users * 10, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
	oncall := model.Operator{Name: "olga", Role: model.RoleOncall}
	var someone int64
	if err := s.DB().Get(&someone, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY count(*) DESC LIMIT 1`); err != nil {
		b.Fatal(err)
	}
	var attackAt time.Time
	if err := s.DB().Get(&attackAt, `SELECT max(at) FROM auth_events WHERE kind = 'login_failure'`); err != nil {
		b.Fatal(err)
	}
	since := attackAt.Add(-24 * time.Hour)
	locked, _ := s.ListLocked(ctx, oncall, store.LockedQuery{Limit: 1000})
	b.Logf("%d users, %d locked now", users, len(locked))
	now := s.Now()
	cases := []struct {
		name string
		call func() error
	}{
		{"ListLocked", func() error { _, err := s.ListLocked(ctx, oncall, store.LockedQuery{Limit: 200}); return err }},
		{"ListLocked/bare", func() error {
			_, err := s.DB().Exec(`SELECT u.id, u.name FROM users u WHERE u.locked_at IS NOT NULL
				AND (u.locked_until IS NULL OR u.locked_until > $1) ORDER BY u.locked_at DESC, u.id DESC LIMIT 200`, now)
			return err
		}},
		{"RecentFailures", func() error {
			_, err := s.RecentFailures(ctx, oncall, store.FailureQuery{Since: since, Limit: 100})
			return err
		}},
		{"RecentFailures/bare", func() error {
			_, err := s.DB().Exec(`SELECT * FROM auth_events WHERE kind = 'login_failure' AND at >= $1 ORDER BY at DESC, id DESC LIMIT 100`, since)
			return err
		}},
		{"FailuresByIP_24h", func() error { _, err := s.FailuresByIP(ctx, oncall, since, 50); return err }},
		{"UserTimeline", func() error { _, err := s.UserTimeline(ctx, oncall, someone, 0, 50); return err }},
		{"UserTimeline/bare", func() error {
			_, err := s.DB().Exec(`SELECT * FROM auth_events WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT 50`, someone)
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := c.call(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
