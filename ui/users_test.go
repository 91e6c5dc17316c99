package ui

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/exp/golden"

	"gatehouse/model"
	"gatehouse/model/safe"
)

func seedUsers(t *testing.T, f fixture, n int) (acme, globex int64) {
	acme = f.org("acme", "Acme Corp")
	globex = f.org("globex", "Globex")
	for i := 0; i < n; i++ {
		org := acme
		if i%3 == 0 {
			org = globex
		}
		name := fmt.Sprintf("User %03d", i)
		if i%10 == 0 {
			name = fmt.Sprintf("Jean Dupont %03d", i)
		}
		f.user(fmt.Sprintf("ACME-%05d", i), fmt.Sprintf("user%03d@example.org", i), name, org)
	}
	return
}

func TestUsersScreenSearchFilterPageSelectOpen(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	seedUsers(t, f, 60)
	f.exec(`UPDATE users SET status = 'disabled' WHERE login_code = 'ACME-00020'`)
	h := newHarness(t, st, support, 100, 24)

	// First page, sorted by name: the "Jean Dupont" rows come first.
	h.mustShow("Jean Dupont 000", "ACME-00000", "user000@example.org", "globex", "1–17 of ~")
	h.mustNotShow("User 059")

	// Search as you type, case-insensitive, over the e-mail too.
	h.keys("/")
	h.typeText("DUPONT 02")
	h.mustShow("Jean Dupont 020")
	h.mustNotShow("Jean Dupont 010", "User 001")
	h.keys("esc") // clears the search
	h.mustShow("Jean Dupont 010")

	// Status filter: active only hides the disabled user.
	h.keys("s")
	h.mustShow("status:active")
	h.mustNotShow("Jean Dupont 020")
	h.keys("x") // clear filters
	h.mustShow("Jean Dupont 020")

	// Paging forward and back.
	h.keys("pgdown")
	h.mustShow("18–34 of ~")
	first := h.app.active().(*usersScreen).list.Rows()[0].Name
	h.keys("pgdown", "pgup")
	if got := h.app.active().(*usersScreen).list.Rows()[0].Name; got != first {
		t.Fatalf("back and forth: first row %q, want %q", got, first)
	}

	// Select two rows with space, then open the cursor row.
	h.keys("g", "space", "space")
	h.mustShow("2 selected")
	if ids := h.app.active().(*usersScreen).SelectedIDs(); len(ids) != 2 {
		t.Fatalf("selected %v", ids)
	}
	h.keys("enter")
	u := h.app.active().(*userView)
	if !u.loaded {
		t.Fatal("user view did not load")
	}
	h.mustShow("Profile", u.user.Email, "Organizations and rights")
	h.keys("esc")
	if _, ok := h.app.active().(*usersScreen); !ok {
		t.Fatal("esc did not go back to Users")
	}
}

func TestUsersScreenOrgFilterAndAdminScope(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	seedUsers(t, f, 30)
	// Support filters by organization.
	h := newHarness(t, st, support, 100, 40)
	h.keys("o")
	h.typeText("globex")
	h.keys("enter")
	h.mustShow("org:globex", "User 003")
	h.mustNotShow("User 001")

	// An admin of acme never sees globex users, even without a filter.
	admin := registered(t, st, "bob", model.RoleAdmin, "acme")
	h2 := newHarness(t, st, admin, 100, 40)
	h2.mustShow("User 001")
	h2.mustNotShow("User 003", "globex")
}

func TestUsersScreenGolden(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	f.user("ACME-3HF8M", "anna.kowalska@example.pl", "Anna Kowalska", acme)
	f.user("ACME-9PZ2R", "sakura@example.jp", "佐藤 さくら", acme)
	f.exec(`UPDATE users SET locked_at = $1, lock_reason = 'threshold', failed_attempts = 5 WHERE login_code = 'ACME-3HF8M'`, testNow.Add(-1e9*3600))
	f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'X', last_login_at = $1 WHERE login_code = 'ACME-9PZ2R'`, testNow.Add(-1e9*7200))
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		h := newHarness(t, st, support, size[0], size[1])
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			golden.RequireEqual(t, []byte(h.view()))
		})
	}
}

func TestUsersScreenHostileNames(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme \x1b]0;pwned\x07Corp")
	hostile := []string{
		"Eve \x1b[2J\x1b[31mRED",
		"Mallory \x1b]52;c;cm0gLXJmIC8=\x07clip",
		"Link \x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
		"Bidi \u202eevil\u202c",
		"Zero\u200bwidth\ufeff",
		"C1 \u009b31m csi",
		"東京太郎",
		"Emoji 👩🏽‍💻 dev",
	}
	for i, name := range hostile {
		f.user(fmt.Sprintf("HOST-%05d", i), fmt.Sprintf("h%d@example.org", i), name, acme)
	}
	h := newHarness(t, st, support, 120, 30)
	v := h.view()
	for _, r := range v {
		if r == '\x1b' || (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || (r >= 0x200b && r <= 0x200f) || r == 0xfeff {
			t.Fatalf("control or invisible rune %U reached the screen:\n%q", r, v)
		}
	}
	if !strings.Contains(v, "東京太郎") || !strings.Contains(v, "Eve") {
		t.Fatalf("names missing:\n%s", v)
	}
	// Columns stay aligned: every row's login code starts at the same cell.
	col := -1
	for _, line := range strings.Split(v, "\n") {
		i := strings.Index(line, "HOST-")
		if i < 0 {
			continue
		}
		cells := safe.Width(line[:i])
		if col == -1 {
			col = cells
		} else if cells != col {
			t.Fatalf("login column at cell %d, want %d:\n%s", cells, col, v)
		}
		if w := safe.Width(line); w > 120 {
			t.Fatalf("line wider than the window (%d): %q", w, line)
		}
	}
	if col == -1 {
		t.Fatal("no rows shown")
	}
}

func TestSmallAndHugeWindows(t *testing.T) {
	st := newStore(t)
	seedUsers(t, fixture{t, st}, 5)
	for _, size := range [][2]int{{1, 1}, {20, 5}, {79, 24}, {80, 23}, {300, 100}} {
		h := newHarness(t, st, support, size[0], size[1])
		v := h.view()
		lines := strings.Split(v, "\n")
		if len(lines) > size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		for _, l := range lines {
			if safe.Width(l) > size[0] {
				t.Fatalf("%v: line too wide: %q", size, l)
			}
		}
		if size[0] < minWidth || size[1] < minHeight {
			if size[0] >= 20 && !strings.Contains(v, "Terminal") {
				t.Fatalf("%v: no too-small message:\n%s", size, v)
			}
		} else if !strings.Contains(v, "User 001") {
			t.Fatalf("%v: rows missing", size)
		}
		h.keys("j", "k", "pgdown", "?", "esc")
	}
}

func TestHelpAndCommandLine(t *testing.T) {
	st := newStore(t)
	seedUsers(t, fixture{t, st}, 3)
	h := newHarness(t, st, support, 100, 40)
	h.keys("?")
	h.mustShow("Keys", "status filter", "go to screen")
	h.keys("esc", ":")
	h.typeText("nosuchscreen")
	h.keys("enter")
	h.mustShow(`Unknown screen "nosuchscreen"`)
	// Global keys are ignored while typing in the search box: "q" is a letter there.
	h.keys("/", "q")
	if h.app.active().(*usersScreen).search.Value() != "q" {
		t.Fatal("q was not typed into the search")
	}
	_ = unicode.IsControl
}

func TestUsersScreenBulkActions(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme")
	for i := 0; i < 4; i++ {
		f.user(fmt.Sprintf("BULK-%05d", i), fmt.Sprintf("b%d@example.org", i), fmt.Sprintf("Bulk %d", i), acme)
	}
	f.exec(`UPDATE users SET locked_at = $1, lock_reason = 'threshold', failed_attempts = 7`, testNow.Add(-3600e9))
	op := registered(t, st, "carol", model.RoleSupport)
	h := newHarness(t, st, op, 120, 30)

	// Select the first two rows, unlock them with a reason.
	h.keys("space", "space", "u")
	h.mustShow("Unlock 2 users — reason:")
	h.keys("enter") // an empty reason is refused, the question stays open
	h.mustShow("A reason is required", "Unlock 2 users — reason:")
	h.typeText("called the help desk")
	h.keys("enter")
	h.mustShow("Unlocked 2 users.")
	var locked, audits int
	if err := st.DB().Get(&locked, `SELECT count(*) FROM users WHERE locked_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Get(&audits, `SELECT count(*) FROM audit_entries WHERE action = 'user.unlock' AND operator_name = 'carol' AND summary LIKE '%called the help desk%'`); err != nil {
		t.Fatal(err)
	}
	if locked != 2 || audits != 2 {
		t.Fatalf("after bulk unlock: %d still locked (want 2), %d audit rows (want 2)", locked, audits)
	}

	// Disable the cursor row (no selection): one key answers, as every confirmation does.
	h.keys("G", "d", "n")
	h.mustShow("Cancelled; nothing changed.")
	h.keys("d", "y")
	h.mustShow("Disabled 1 user.")
	var disabled int
	if err := st.DB().Get(&disabled, `SELECT count(*) FROM users WHERE status = 'disabled' AND login_code = 'BULK-00003'`); err != nil {
		t.Fatal(err)
	}
	if disabled != 1 {
		t.Fatal("the cursor row was not disabled")
	}

	// An oncall operator may unlock but not disable: the key does nothing.
	oc := registered(t, st, "dave", model.RoleOncall)
	h2 := newHarness(t, st, oc, 120, 30)
	h2.keys("d")
	h2.mustNotShow("Disable 1 user")
}

// TestUsersSortIndicatorAndClear: the sorted column says so in its header, and x clears the
// sort with the filters.
func TestUsersSortIndicatorAndClear(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme")
	f.user("SORT-00001", "s1@example.org", "Sort One", acme)
	h := newHarness(t, st, support, 120, 30)
	h.mustShow("Name ▲")
	h.mustNotShow("Last login ▼")
	h.keys("S")
	h.mustShow("Last login ▼", "sort:last login")
	h.mustNotShow("Name ▲")
	h.keys("x")
	h.mustShow("Name ▲")
	h.mustNotShow("Last login ▼")
}
