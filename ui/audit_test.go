package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"gatehouse/model"
	"gatehouse/store"
)

// auditWorld makes audit rows through the store, as operators would: sue (support) unlocks
// users of acme and globex, one at a time, with a reason.
func auditWorld(t *testing.T, unlocks int) (*store.Store, model.Operator, map[string]int64) {
	t.Helper()
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	globex := f.org("globex", "Globex")
	ids := map[string]int64{
		"ACME-7K2Q9": f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme),
		"ACME-3HF8M": f.user("ACME-3HF8M", "anna.kowalska@example.pl", "Anna Kowalska", acme),
		"GLBX-55555": f.user("GLBX-55555", "hank.scorpio@globex.example", "Hank Scorpio", globex),
	}
	sue := registered(t, st, "sue", model.RoleSupport)
	logins := []string{"ACME-7K2Q9", "ACME-3HF8M", "GLBX-55555"}
	for i := 0; i < unlocks; i++ {
		login := logins[i%len(logins)]
		if _, err := st.UnlockUsers(context.Background(), sue, []int64{ids[login]}, fmt.Sprintf("ticket %03d", i), false); err != nil {
			t.Fatal(err)
		}
	}
	return st, sue, ids
}

// pinAuditTimes gives the audit rows fixed times (a minute apart, the last at testNow), as a
// superuser bypassing the append-only trigger would: for stable golden files only.
func pinAuditTimes(t *testing.T, st *store.Store) {
	t.Helper()
	tx := st.DB().MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE audit_entries SET at = $1::timestamptz - ((SELECT max(id) FROM audit_entries) - id) * interval '1 minute'`, testNow)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func openAudit(h *harness) *auditScreen {
	h.t.Helper()
	h.keys(":")
	h.typeText("audit")
	h.keys("enter")
	a, ok := h.app.active().(*auditScreen)
	if !ok {
		h.t.Fatalf("`:audit` opened %T", h.app.active())
	}
	return a
}

func TestAuditScreenNewestFirstPagingFiltersDetail(t *testing.T) {
	st, sue, _ := auditWorld(t, 40)
	h := newHarness(t, st, sue, 160, 24)
	a := openAudit(h)

	// Newest first: the last unlock (ticket 039) heads the list; the oldest is not on page 1.
	h.mustShow("Audit", "sue", "user.unlock", "ticket 039", "ACME-7K2Q9", "page 1")
	h.mustNotShow("ticket 000")
	first := a.list.Rows()[0].ID
	for i := 1; i < len(a.list.Rows()); i++ {
		if a.list.Rows()[i].ID >= a.list.Rows()[i-1].ID {
			t.Fatalf("not newest first: %d after %d", a.list.Rows()[i].ID, a.list.Rows()[i-1].ID)
		}
	}
	// Keyset paging: page 2 continues below page 1's last row; back returns to page 1.
	lastOfPage1 := a.list.Rows()[len(a.list.Rows())-1].ID
	h.keys("pgdown")
	h.mustShow("page 2")
	if a.list.Rows()[0].ID >= lastOfPage1 {
		t.Fatalf("page 2 starts at %d, page 1 ended at %d", a.list.Rows()[0].ID, lastOfPage1)
	}
	h.keys("pgdown", "pgdown")
	h.mustShow("ticket 000")
	h.mustNotShow("older entries")
	h.keys("pgup", "pgup", "pgup")
	if a.list.Rows()[0].ID != first {
		t.Fatalf("back on page 1 at %d, want %d", a.list.Rows()[0].ID, first)
	}

	// Filter by user (login code), case and spaces as typed by a person.
	h.keys("/")
	h.typeText("user:glbx-55555")
	h.keys("enter")
	h.mustShow("GLBX-55555", "ticket 038")
	h.mustNotShow("ACME-7K2Q9", "ticket 039")
	for _, e := range a.list.Rows() {
		if e.TargetLogin != "GLBX-55555" {
			t.Fatalf("row about %s under a user filter", e.TargetLogin)
		}
	}
	// Time filters: nothing before 2000, everything since.
	h.keys("x", "/")
	h.typeText("until:2000-01-01")
	h.keys("enter")
	h.mustShow("No audit entry matches.")
	h.keys("x", "/")
	h.typeText("op:sue action:user. since:2000-01-01")
	h.keys("enter")
	h.mustShow("ticket 039")
	h.keys("x", "/")
	h.typeText("op:nobody")
	h.keys("enter")
	h.mustShow("No audit entry matches.")
	h.keys("x")

	// Bad filters: an inline message, and what was typed is kept.
	h.keys("/")
	h.typeText("since:yesterday")
	h.keys("enter")
	h.mustShow(`"yesterday" is not a time`, "since:yesterday")
	if !a.InputFocused() {
		t.Fatal("the filter field lost focus after an error")
	}
	h.keys("esc", "/")
	h.typeText("user:NOPE-00000")
	h.keys("enter")
	h.mustShow(`No user "NOPE-00000" in your organizations.`, "user:NOPE-00000")
	h.keys("esc")

	// enter shows the whole row; esc goes back to the list, then to Users.
	h.keys("g", "enter")
	h.mustShow("What changed", "unlocked ACME-7K2Q9", "reason: ticket 039", "sue", "Entry")
	h.keys("esc")
	h.mustShow("page 1")
	// ↓ in the full view goes on to the next entry, past the page's end.
	n := len(a.list.Rows())
	h.keys("G", "enter")
	h.mustShow(fmt.Sprintf("reason: ticket %03d", 40-n))
	h.keys("down")
	h.mustShow("What changed", fmt.Sprintf("reason: ticket %03d", 39-n))
	h.keys("esc")
	h.mustShow("page 2")
	h.keys("up", "enter")
	h.mustShow(fmt.Sprintf("reason: ticket %03d", 40-n))
	h.keys("esc")
	h.mustShow("page 1")
	h.keys("esc")
	if _, ok := h.app.active().(*usersScreen); !ok {
		t.Fatalf("esc from Audit went to %T", h.app.active())
	}
}

func TestAuditScreenAdminSeesOnlyTheirOrganizations(t *testing.T) {
	st, _, ids := auditWorld(t, 6)
	carol := registered(t, st, "carol", model.RoleAdmin, "acme")
	h := newHarness(t, st, carol, 120, 30)
	openAudit(h)
	h.mustShow("ACME-7K2Q9", "ACME-3HF8M")
	h.mustNotShow("GLBX-55555")
	// Naming a user of another organization: "no such user", not their rows.
	h.keys("/")
	h.typeText(fmt.Sprintf("user:%d", ids["GLBX-55555"]))
	h.keys("enter")
	h.mustShow("No user")
	h.mustNotShow("GLBX-55555 ")
}

func TestAuditScreenFromCommandLineArgument(t *testing.T) {
	st, sue, _ := auditWorld(t, 6)
	h := newHarness(t, st, sue, 120, 30)
	h.keys(":")
	h.typeText("audit user:ACME-3HF8M")
	h.keys("enter")
	h.mustShow("/ user:ACME-3HF8M", "ACME-3HF8M")
	h.mustNotShow("ACME-7K2Q9", "GLBX-55555")

	// A filter refused from the command line: said, kept in the open filter line, and the
	// newest entries listed beneath it.
	h.keys(":")
	h.typeText("audit since:yesterday")
	h.keys("enter")
	h.mustShow(`"yesterday" is not a time`, "/ since:yesterday", "GLBX-55555", "ACME-7K2Q9")
	if !h.app.active().InputFocused() {
		t.Fatal("the refused filter is not open for editing")
	}
	h.keys("esc")
	h.mustShow("GLBX-55555", "ACME-7K2Q9", "op:NAME user:LOGIN")
}

func TestAuditScreenHostileSummary(t *testing.T) {
	st, sue, ids := auditWorld(t, 0)
	reason := "x\x1b[2J\x1b]52;c;cm0gLXJmIC8=\x07 \u202eevil\u202c zero\u200bwidth \u009b31m" + strings.Repeat(" long", 200)
	if _, err := st.UnlockUsers(context.Background(), sue, []int64{ids["ACME-7K2Q9"]}, reason, false); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, st, sue, 100, 30)
	openAudit(h)
	check := func(v string) {
		t.Helper()
		for _, r := range v {
			if r == '\x1b' || (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || (r >= 0x200b && r <= 0x200f) || r == 0xfeff {
				t.Fatalf("control or invisible rune %U reached the screen:\n%q", r, v)
			}
		}
		for _, l := range strings.Split(v, "\n") {
			if w := len([]rune(l)); w > 100 {
				t.Fatalf("line wider than the window: %q", l)
			}
		}
	}
	check(h.view())
	h.keys("enter")
	h.mustShow("evil", "long long")
	check(h.view())
}

func TestAuditScreenGolden(t *testing.T) {
	st, sue, _ := auditWorld(t, 5)
	pinAuditTimes(t, st)
	for _, size := range [][2]int{{80, 24}, {160, 30}} {
		h := newHarness(t, st, sue, size[0], size[1])
		openAudit(h)
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			golden.RequireEqual(t, []byte(h.view()))
		})
		h.keys("enter")
		t.Run(fmt.Sprintf("%dx%d-detail", size[0], size[1]), func(t *testing.T) {
			golden.RequireEqual(t, []byte(h.view()))
		})
	}
}

func TestParseAuditFilter(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	f, err := ParseAuditFilter("op:alice user:ACME-7K2Q9 action:User.Unlock since:24h until:2026-11-20", now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.AuditQuery{Operator: "alice", Action: "user.unlock",
		Since: now.Add(-24 * time.Hour), Until: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	if f.Query != want || f.User != "ACME-7K2Q9" {
		t.Fatalf("got %+v user %q", f.Query, f.User)
	}
	if f, _ := ParseAuditFilter("user.", now); f.Query.Action != "user." {
		t.Fatalf("a bare word is an action prefix: %+v", f.Query)
	}
	times := map[string]time.Time{
		"90m":                       now.Add(-90 * time.Minute),
		"7d":                        now.AddDate(0, 0, -7),
		"2w":                        now.AddDate(0, 0, -14),
		"2026-11-01":                time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T14:30":          time.Date(2026, 11, 1, 14, 30, 0, 0, time.UTC),
		"2026-11-01T14:30:00+01:00": time.Date(2026, 11, 1, 13, 30, 0, 0, time.UTC),
	}
	for in, want := range times {
		got, err := ParseAuditTime(in, now, false)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"since:yesterday", "since:-5d", "who:me", "op:", "since:2026-11-02 until:2026-11-01", "since:1h until:2h"} {
		if _, err := ParseAuditFilter(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The Audit screen of a French console reads the rows of the operators' day in French: a
// user's edit, an organization added, its e-mails' time zone, the lockout policy, a search
// reindex. Opened by keys, filtered by keys; nothing of their English summaries shows.
func TestAuditScreenReadsEveryActionInFrench(t *testing.T) {
	st, sue, ids := auditWorld(t, 0)
	ctx := context.Background()
	id := ids["ACME-7K2Q9"]
	u, err := st.GetUser(ctx, sue, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateUser(ctx, sue, id, u.Version, store.UserEdit{Name: "Jean-Paul Dupont", Email: u.Email}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddOrganization(ctx, sue, "initech", "Initech"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetOrganizationTimeZone(ctx, sue, "initech", ""); err != nil {
		t.Fatal(err)
	}
	if err := st.SetLockoutPolicy(ctx, sue, model.DefaultLockoutPolicy()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RebuildSearchBlocks(ctx, sue); err != nil {
		t.Fatal(err)
	}
	h := newHarnessFR(t, st, sue, 200, 30)
	h.keys(":")
	h.typeText("journal")
	h.keys("enter")
	h.mustShow("ACME-7K2Q9 modifié\u00a0: nom modifié", "établissement initech créé",
		"établissement initech\u00a0: dates des courriels selon le fuseau par défaut (selon la langue du destinataire)",
		"politique de verrouillage\u00a0: 5 échecs en 15\u00a0min, verrouillé jusqu'au déverrouillage",
		"1 bloc de recherche reconstruit", "opérateur sue enregistré comme support (établissements\u00a0: aucun\u00a0; 0 clé)",
		"ajout d'établissement", "fuseau horaire", "règle de verrouillage", "index de recherche", "modification")
	h.mustNotShow("updated ACME", "organization initech", "lockout policy", "rebuilt", "registered as", "org.add", "settings.lockout")
	// Filtered to one action, the row in full.
	h.keys("/")
	h.typeText("action:settings")
	h.keys("enter")
	h.mustShow("règle de verrouillage", "page 1 · 1 entrée")
	h.mustNotShow("établissement initech créé")
	h.keys("enter")
	h.mustShow("règle de verrouillage (settings.lockout)", "verrouillé jusqu'au déverrouillage par un opérateur ou à l'usage d'un lien de réinitialisation")
}

// In French at 80×24 the "Concerne" column is as wide as its rows need: "initech
// (établissement)" is read whole, the summary keeps the rest of the line.
func TestAuditScreenTargetColumnFromItsContent(t *testing.T) {
	st, sue, _ := auditWorld(t, 1)
	if _, err := st.AddOrganization(context.Background(), sue, "initech", "Initech"); err != nil {
		t.Fatal(err)
	}
	h := newHarnessFR(t, st, sue, 80, 24)
	h.keys(":")
	h.typeText("journal")
	h.keys("enter")
	sizeCheck(t, h, "the audit list")
	// The target whole, then the summary's start (read whole with enter).
	h.mustShow("Concerne", "initech (établissement) établisseme", "ACME-7K2Q9 ", "Ce qui a ch")
	h.keys("enter")
	h.mustShow("établissement initech créé")
}
