package ui

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"golang.org/x/crypto/bcrypt"

	"gatehouse/model"
	"gatehouse/store"
)

// attackScene seeds last night's attack through the real login routine: 203.0.113.66 tries
// six wrong passwords on four Acme accounts and one Globex account (all locked), plus two
// unknown logins; Jean, a real user, mistypes twice from home. Hashes are cheap bcrypt ones:
// the test is about what the screen shows, not about hashing.
type attackScene struct {
	st                 *store.Store
	acme, globex       int64
	anna, sakura, mark int64
	zoe, gil, jean     int64
}

const attacker = "203.0.113.66"

func seedAttack(t *testing.T, st *store.Store) attackScene {
	t.Helper()
	f := fixture{t, st}
	a := attackScene{st: st}
	a.acme = f.org("acme", "Acme Corp")
	a.globex = f.org("globex", "Globex")
	a.anna = f.user("ACME-3HF8M", "anna.kowalska@example.pl", "Anna Kowalska", a.acme)
	a.sakura = f.user("ACME-9PZ2R", "sakura@example.jp", "佐藤 さくら", a.acme)
	a.mark = f.user("ACME-M4RK2", "mark@example.com", "Mark \x1b[31mRed\x1b[0m", a.acme)
	a.zoe = f.user("ACME-Z0E77", "zoe@example.fr", "Zoé Martin", a.acme)
	a.gil = f.user("GLOB-G1L22", "gil@globex.test", "Gil Bates", a.globex)
	a.jean = f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", a.acme)
	h, _ := bcrypt.GenerateFromPassword([]byte("the real one, long enough"), bcrypt.MinCost)
	f.exec(`UPDATE users SET password_hash = $1`, string(h))
	ctx := context.Background()
	try := func(login, ip, ua string) {
		_, err := st.Authenticate(ctx, store.AuthRequest{Login: login, Password: "Winter2026!", IP: netip.MustParseAddr(ip), UserAgent: ua})
		if err != store.ErrAuthFailed {
			t.Fatalf("attempt on %s: %v", login, err)
		}
	}
	for _, login := range []string{"ACME-3HF8M", "ACME-9PZ2R", "ACME-M4RK2", "ACME-Z0E77", "GLOB-G1L22", "admin", "root"} {
		for i := 0; i < 6; i++ {
			try(login, attacker, "python-requests/2.31 \x1b]0;owned\x07")
		}
	}
	try("jean.dupont@example.org", "198.51.100.7", "Mozilla/5.0 Firefox/130")
	try("JEAN.DUPONT@example.org ", "198.51.100.7", "Mozilla/5.0 Firefox/130")
	return a
}

func (a attackScene) locked(t *testing.T, id int64) bool {
	t.Helper()
	var b bool
	if err := a.st.DB().Get(&b, `SELECT locked_at IS NOT NULL FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return b
}

func lineOf(view, s string) int {
	for i, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return i
		}
	}
	return -1
}

func TestLockoutsScreenShowsAttackAndBulkUnlocks(t *testing.T) {
	st := newStore(t)
	seedAttack(t, st)
	h := newHarness(t, st, support, 120, 30)
	h.keys("l") // from the Users screen
	h.mustShow("Lockouts", "Locked now (5)", "Anna Kowalska", "佐藤 さくら", "Zoé Martin", "Gil Bates", "ACME-M4RK2",
		"until reset", attacker, "6")
	h.mustNotShow("Jean Dupont", "\x1b[31m", "\x1b]0;")

	// The IP grouping puts the attacker first, flagged.
	h.keys("3")
	v := h.view()
	at, home := lineOf(v, attacker), lineOf(v, "198.51.100.7")
	if at < 0 || home < 0 || at > home || !strings.Contains(strings.Split(v, "\n")[at], "ATTACK?") ||
		strings.Contains(strings.Split(v, "\n")[home], "ATTACK?") {
		t.Fatalf("IP grouping:\n%s", v)
	}
	// enter on the attacker's row: its failures, hostile user agent sanitized.
	h.keys("enter")
	h.mustShow("Recent failures", "from "+attacker, "(unknown login)", "python-requests/2.31", "while locked")
	h.mustNotShow("198.51.100.7", "\x1b]0;")
	h.keys("esc")
	h.mustShow("198.51.100.7", "Jean Dupont", "wrong password")

	// Back to the locked accounts; select the real users (the first two rows) and unlock them.
	h.keys("1", "space", "space")
	h.mustShow("2 selected", "paused")
	v = h.view()
	var picked []string
	for _, name := range []string{"Anna Kowalska", "佐藤 さくら", "Zoé Martin", "Gil Bates", "Mark"} {
		if l := lineOf(v, name); l >= 0 && strings.Contains(strings.Split(v, "\n")[l], "●") {
			picked = append(picked, name)
		}
	}
	if len(picked) != 2 {
		t.Fatalf("selected %v:\n%s", picked, v)
	}
	h.keys("u")
	h.mustShow("Unlock 2 accounts", "reason", picked[0], picked[1])
	h.keys("enter") // no reason yet
	h.mustShow("A reason is required")
	h.typeText("night attack from 203.0.113.66, real users")
	h.keys("tab") // and send them a reset link
	h.mustShow("[yes]")
	h.keys("enter")
	h.mustShow("Unlocked 2 accounts; reset links queued: 2.", "Locked now (3)")
	for _, name := range picked {
		h.mustNotShow(name)
	}
	var audits, outbox, stillLocked int
	if err := st.DB().Get(&audits, `SELECT count(*) FROM audit_entries WHERE action = 'user.unlock' AND operator_name = 'alice'
		AND summary LIKE '%night attack%'`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&outbox, `SELECT count(*) FROM outbox WHERE kind = 'reset_link'`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&stillLocked, `SELECT count(*) FROM users WHERE locked_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if audits != 2 || outbox != 2 || stillLocked != 3 {
		t.Fatalf("audit rows %d, reset links %d, still locked %d", audits, outbox, stillLocked)
	}

	// A user's timeline: enter on a locked row.
	h.keys("g", "enter")
	h.mustShow("Timeline of", "locked", "too many failures", "failed login", attacker)
	h.keys("u")
	h.mustShow("Unlock 1 account")
	h.typeText("ticket 4711")
	h.keys("enter")
	h.mustShow("Unlocked 1 account.")
	h.mustShow("unlocked", "by an operator")
	h.keys("esc")
	h.mustShow("Locked now (2)")
}

func TestLockoutsScreenScopedToAdminAndOncallMayUnlock(t *testing.T) {
	st := newStore(t)
	a := seedAttack(t, st)
	admin := registered(t, st, "ann", model.RoleAdmin, "acme")
	h := newHarness(t, st, admin, 120, 30)
	h.keys(":")
	h.typeText("lockouts")
	h.keys("enter")
	h.mustShow("Locked now (4)", "Anna Kowalska")
	h.mustNotShow("Gil Bates")
	h.keys("3")
	h.mustShow(attacker)
	v := h.view()
	// The admin sees only the attempts on Acme's accounts: 4 accounts, 24 attempts.
	if l := strings.Split(v, "\n")[lineOf(v, attacker)]; !strings.Contains(l, " 4 ") || !strings.Contains(l, " 24 ") {
		t.Fatalf("admin's IP row: %q", l)
	}

	oncall := registered(t, st, "olga", model.RoleOncall)
	h = newHarness(t, st, oncall, 120, 30)
	h.keys("l")
	h.mustShow("Locked now (5)")
	h.mustNotShow("READ-ONLY") // a role, not a read-only session: oncall unlocks
	h.keys("A", "u")
	h.typeText("all of them, attack over")
	h.keys("enter")
	h.mustShow("Unlocked 5 accounts.", "No account is locked now.")
	if a.locked(t, a.gil) || a.locked(t, a.anna) {
		t.Fatal("oncall's unlock did not reach the database")
	}
}

func TestLockoutsLiveRefreshPausesWhileScrolling(t *testing.T) {
	st := newStore(t)
	seedAttack(t, st)
	h := newHarness(t, st, support, 120, 30)
	h.keys("l", "2")
	h.mustShow("live", "Jean Dupont")
	scr := h.app.active().(*lockoutsScreen)
	newFailure := func(ua string) {
		fixture{t, st}.exec(`INSERT INTO auth_events (at, login, kind, reason, ip, user_agent)
			VALUES ($1, 'ghost', 'login_failure', 'unknown_login', '192.0.2.9', $2)`, testNow, ua)
	}
	newFailure("first-agent")
	h.send(loTickMsg{gen: scr.tickGen})
	h.mustShow("first-agent", "192.0.2.9")
	// An old loop's tick does nothing.
	newFailure("stale-agent")
	h.send(loTickMsg{gen: scr.tickGen - 1})
	h.mustNotShow("stale-agent")
	// Scrolled down: paused, the rows do not move.
	h.keys("j")
	h.mustShow("paused")
	h.send(loTickMsg{gen: scr.tickGen})
	h.mustNotShow("stale-agent")
	// esc goes back to the top and live again.
	h.keys("esc")
	h.mustShow("live", "stale-agent")
}

func TestLockoutsGolden(t *testing.T) {
	st := newStore(t)
	seedAttack(t, st)
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		h := newHarness(t, st, support, size[0], size[1])
		h.keys("l")
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			golden.RequireEqual(t, []byte(h.view()))
		})
		h.keys("3")
		t.Run(fmt.Sprintf("ips-%dx%d", size[0], size[1]), func(t *testing.T) {
			golden.RequireEqual(t, []byte(h.view()))
		})
	}
}

// TestLockoutsLoginCodeNeverCut: the login code is how the caller names the account; its
// column is as wide as the longest code shown, at 80×24 as at 200×60, and so are the
// timeline's title and the unlock question.
func TestLockoutsLoginCodeNeverCut(t *testing.T) {
	st := newStore(t)
	a := seedAttack(t, st)
	const longest = "ACMECORPORATION-INTERNATIONAL-7K2Q9XYZWQ" // the longest a login code may be
	const generated = "ACMECO-9PZ2R"                           // a code as generated for a long prefix
	f := fixture{t, st}
	f.exec(`UPDATE users SET login_code = $2 WHERE id = $1`, a.anna, longest)
	f.exec(`UPDATE users SET login_code = $2 WHERE id = $1`, a.sakura, generated)
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		h := newHarness(t, st, support, size[0], size[1])
		h.keys("l")
		v := h.view()
		for _, code := range []string{longest, generated, "GLOB-G1L22"} {
			if l := lineOf(v, code); l < 0 {
				t.Fatalf("%dx%d: login code %s cut:\n%s", size[0], size[1], code, v)
			}
		}
		if size[0] == 200 {
			h.mustShow("Anna Kowalska", "Gil Bates", "佐藤 さくら") // the names keep their room too
		}
		h.keys("enter") // Anna's row is the first one
		h.mustShow("Timeline of", longest)
		h.keys("u")
		h.mustShow("Unlock 1 account", longest)
	}
}

// TestLockoutsPanesAreTabs: tab and shift+tab step round the three panes, 1/2/3 go straight to
// one, the timeline opens over the pane it came from and tab or esc goes back there; help
// lists those keys from the screen's actions table.
func TestLockoutsPanesAreTabs(t *testing.T) {
	st := newStore(t)
	seedAttack(t, st)
	h := newHarness(t, st, support, 120, 30)
	h.keys("l")
	active := func(want string) {
		t.Helper()
		h.mustShow("[" + want + "]")
	}
	active("1 Locked now (5)")
	h.keys("tab")
	active("2 Recent failures")
	h.mustShow("window 1h", "Jean Dupont")
	h.keys("shift+tab", "shift+tab")
	active("3 By IP")
	h.keys("tab")
	active("1 Locked now (5)")
	h.keys("3", "1", "2")
	active("2 Recent failures")

	// A failure of a known account opens its timeline over the failures; tab goes back there.
	h.keys("g")
	for i := 0; i < 60 && lineOf(h.view(), "Timeline of") < 0; i++ {
		if r, ok := h.app.active().(*lockoutsScreen).failures.Current(); ok && r.UserID != nil {
			h.keys("enter")
			break
		}
		h.keys("j")
	}
	h.mustShow("Timeline of")
	active("2 Recent failures")
	h.keys("tab")
	active("2 Recent failures")
	h.mustNotShow("Timeline of")
	h.keys("3", "enter", "1")
	active("1 Locked now (5)")

	h.keys("?")
	h.mustShow("tab       next pane", "shift+tab previous pane", "1         Locked now", "2         Recent failures",
		"3         By IP", "w         time window", "U         unlock + reset link")
}

// TestLockoutsUnlockWithResetStartsOn: U asks the same reason as u, the reset link already on;
// tab turns it off again.
func TestLockoutsUnlockWithResetStartsOn(t *testing.T) {
	st := newStore(t)
	seedAttack(t, st)
	h := newHarness(t, st, support, 120, 30)
	h.keys("l", "U")
	h.mustShow("Unlock 1 account — reason:", "tab: send a reset link [yes]")
	h.keys("tab", "tab")
	h.typeText("called from the front desk")
	h.keys("enter")
	h.mustShow("Unlocked 1 account; reset links queued: 1.", "Locked now (4)")
	var resets int
	if err := st.DB().Get(&resets, `SELECT count(*) FROM outbox WHERE kind = 'reset_link'`); err != nil {
		t.Fatal(err)
	}
	if resets != 1 {
		t.Fatalf("reset links queued: %d", resets)
	}
	// esc on the question cancels, as every question does, and unlocks nobody.
	h.keys("U", "esc")
	h.mustShow("Cancelled; nothing changed.", "Locked now (4)")
	var locked int
	if err := st.DB().Get(&locked, `SELECT count(*) FROM users WHERE locked_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if locked != 4 {
		t.Fatalf("after a cancelled question %d accounts are locked, want 4", locked)
	}
}

// seedSpreadAttack: an attacker takes a new address of 2001:db8:bad:1::/64 for every try on
// five Initech accounts (all locked: per address, nothing stands out), and one try on an Acme
// account; Ivy of Initech locks herself out from home.
func seedSpreadAttack(t *testing.T, st *store.Store) (initech int64) {
	t.Helper()
	f := fixture{t, st}
	initech = f.org("initech", "Initech")
	acme := f.org("acme", "Acme Corp")
	for i := 0; i < 5; i++ {
		f.user(fmt.Sprintf("INIT-V%04d", i), fmt.Sprintf("v%d@initech.test", i), fmt.Sprintf("Victim %d", i), initech)
	}
	f.user("INIT-IVY01", "ivy@initech.test", "Ivy Home", initech)
	f.user("ACME-OTHER", "other@acme.test", "Other Acme", acme)
	h, _ := bcrypt.GenerateFromPassword([]byte("the real one, long enough"), bcrypt.MinCost)
	f.exec(`UPDATE users SET password_hash = $1`, string(h))
	ctx := context.Background()
	try := func(login, ip string) {
		_, err := st.Authenticate(ctx, store.AuthRequest{Login: login, Password: "Winter2026!", IP: netip.MustParseAddr(ip), UserAgent: "curl/8.5.0"})
		if err != store.ErrAuthFailed {
			t.Fatalf("attempt on %s: %v", login, err)
		}
	}
	n := 0
	for i := 0; i < 5; i++ {
		for k := 0; k < 5; k++ {
			n++
			try(fmt.Sprintf("INIT-V%04d", i), fmt.Sprintf("2001:db8:bad:1::%x", n))
		}
	}
	try("ACME-OTHER", "2001:db8:bad:1:ffff::1")
	for k := 0; k < 5; k++ {
		try("INIT-IVY01", "198.51.100.7")
	}
	return initech
}

// TestLockoutsShowsIPv6PrefixAndAttackFlags: the by-IP pane groups an IPv6 attack by its /64,
// written as the prefix and flagged; enter lists the failures of all its addresses; the locked
// accounts whose last failure came from it carry the flag (a mark explained under the table
// at 80×24, the word at 200×60), the one locked from home does not.
func TestLockoutsShowsIPv6PrefixAndAttackFlags(t *testing.T) {
	st := newStore(t)
	seedSpreadAttack(t, st)
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := newHarness(t, st, support, size[0], size[1])
			h.keys("l")
			h.mustShow("Locked now (6)")
			v := h.view()
			for i := 0; i < 5; i++ {
				l := lineOf(v, fmt.Sprintf("INIT-V%04d", i))
				if l < 0 {
					t.Fatalf("victim %d not listed:\n%s", i, v)
				}
				row := strings.Split(v, "\n")[l]
				if size[0] == 80 && !strings.Contains(row, "! 2001:db8:bad") || size[0] == 200 && !strings.Contains(row, "ATTACK? 2001:db8:bad:1::") {
					t.Fatalf("victim %d not flagged: %q", i, row)
				}
			}
			if row := strings.Split(v, "\n")[lineOf(v, "INIT-IVY01")]; strings.Contains(row, "!") || strings.Contains(row, "ATTACK?") {
				t.Fatalf("Ivy, locked from home, flagged: %q", row)
			}
			if size[0] == 80 {
				h.mustShow("!: last failure from a likely attack")
			} else {
				h.mustNotShow("!: last failure")
			}

			h.keys("3")
			v = h.view()
			prefix, home := lineOf(v, "2001:db8:bad:1::/64"), lineOf(v, "198.51.100.7")
			if prefix < 0 || home < 0 || prefix > home {
				t.Fatalf("by IP: the /64 first, then the home address:\n%s", v)
			}
			if row := strings.Split(v, "\n")[prefix]; !strings.Contains(row, "ATTACK?") || !strings.Contains(row, " 6 ") || !strings.Contains(row, " 26 ") {
				t.Fatalf("the /64's row: %q, want flagged, 6 accounts, 26 attempts", row)
			}
			if row := strings.Split(v, "\n")[home]; strings.Contains(row, "ATTACK?") {
				t.Fatalf("home flagged: %q", row)
			}
			h.mustNotShow("2001:db8:bad:1::1 ", "ATTACK?*", "installation-wide")

			h.keys("enter")
			h.mustShow("from 2001:db8:bad:1::/64", "26 rows")
			h.mustNotShow("198.51.100.7")
			if size[0] == 200 {
				h.mustShow("2001:db8:bad:1:ffff::1", "2001:db8:bad:1::19", "2001:db8:bad:1::a ")
			}
		})
	}
}

// TestLockoutsAdminSeesAttackFlaggedInstallationWide: the admin of Acme, whose one account the
// /64 tried once, counts one account and one attempt (it looks like a typo) and still sees the
// source flagged, marked as counted over the whole installation; nothing of Initech's accounts
// reaches their screen, in English or in French.
func TestLockoutsAdminSeesAttackFlaggedInstallationWide(t *testing.T) {
	st := newStore(t)
	seedSpreadAttack(t, st)
	admin := registered(t, st, "ann", model.RoleAdmin, "acme")
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			app := NewApp(context.Background(), st, admin, Options{Lang: lang, DBLabel: "test"}, asciiRenderer())
			h := &harness{t: t, app: app, st: st, hl: newHeadless(app, 80, 24)}
			h.keys("l", "3")
			v := h.view()
			l := lineOf(v, "2001:db8:bad:1::/64")
			if l < 0 {
				t.Fatalf("the /64 is not in the admin's by-IP pane:\n%s", v)
			}
			line := strings.Split(v, "\n")[l]
			row := strings.Join(strings.Fields(line), " ") // (a no-break space splits too)
			flag, note := "ATTACK?*", "* flagged installation-wide, every organization counted"
			if lang == "fr" {
				flag, note = "ATTAQUE\u00a0?*", "* alerte sur toute l'installation, tous établissements confondus"
			}
			if !strings.Contains(line, flag) || !strings.HasPrefix(row, strings.Join(strings.Fields(flag), " ")+" 2001:db8:bad:1::/64 1 1 ") {
				t.Fatalf("admin's row %q, want %q then 1 account, 1 attempt", row, flag)
			}
			h.mustShow(note)
			// Initech's accounts, names and the attack's totals are nowhere on the screen.
			h.mustNotShow("Victim", "INIT-", "Ivy", "initech", " 26 ", " 25 ", "198.51.100.7")
			h.keys("enter")
			h.mustShow("ACME-OTHER")
			h.mustNotShow("Victim", "INIT-")
		})
	}
}
