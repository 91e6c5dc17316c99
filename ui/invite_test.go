package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
)

const invitePW = "granite meadow whistle 77"

func (h *harness) count(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.st.DB().Get(&n, q, args...); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// tokenText returns the token of an acceptance link.
func tokenText(t *testing.T, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, "/accept?token=")
	if !ok || len(tok) < 40 {
		t.Fatalf("no token in %q", link)
	}
	return tok
}

// tokenRows counts rows holding text, over every table.
func tokenRows(t *testing.T, st *store.Store, text string) int {
	t.Helper()
	var tables []string
	if err := st.DB().Select(&tables, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, tb := range tables {
		var n int
		if err := st.DB().Get(&n, `SELECT count(*) FROM "`+tb+`" x WHERE strpos(x::text, $1) > 0`, text); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

// mailedLink opens the sealed link of the latest invitation e-mail to an address.
func mailedLink(t *testing.T, st *store.Store, to string) string {
	t.Helper()
	var sealed []byte
	if err := st.DB().Get(&sealed, `SELECT sealed_secret FROM outbox WHERE kind = 'invitation' AND recipient = $1
		AND sealed_secret IS NOT NULL ORDER BY id DESC LIMIT 1`, to); err != nil {
		t.Fatalf("no invitation e-mail to %s: %v", to, err)
	}
	link, err := st.OpenSealed(sealed)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// oneOfEach checks what one invitation leaves in the database: one invitation, one e-mail,
// one audit row; the token's hash and never the token.
func oneOfEach(t *testing.T, h *harness, link string) {
	t.Helper()
	for q, want := range map[string]int{
		`SELECT count(*) FROM invitations`:   1,
		`SELECT count(*) FROM outbox`:        1,
		`SELECT count(*) FROM audit_entries`: 1,
	} {
		if n := h.count(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	tok := tokenText(t, link)
	if n := h.count(`SELECT count(*) FROM invitations WHERE token_hash = $1`, model.HashToken(tok)); n != 1 {
		t.Error("the token's hash is not stored")
	}
	if n := tokenRows(t, h.st, tok); n != 0 {
		t.Errorf("the token is stored in clear in %d row(s)", n)
	}
}

func TestInviteWizardNewPerson(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.org("globex", "Globex")
	h := newHarness(t, st, support, 100, 30)

	h.keys("i")
	s, ok := h.app.active().(*inviteScreen)
	if !ok {
		t.Fatalf("i from Users opened %T", h.app.active())
	}
	h.mustShow("● 1 Person and organization", "○ 2 Access rights", "○ 3 Review and send", "(•) New person", "Acme Corp (acme)", "Globex (globex)")

	// Step 1, validated inline; q and ? are typed, not global keys.
	h.typeText("Marie Dupont?")
	h.keys("backspace", "tab")
	h.typeText("marie")
	h.mustShow("✗ invalid e-mail address: it needs an '@'")
	h.typeText("@example.org")
	h.mustNotShow("✗ invalid e-mail")
	h.keys("tab")
	h.typeText("acm")
	h.mustNotShow("Globex (globex)")
	h.keys("enter")
	h.mustShow("✓ 1 Person and organization", "● 2 Access rights", "Access rights in Acme Corp", "[ ] View billing", "See invoices")

	// Step 2: at least one right.
	h.keys("enter")
	h.mustShow("✗ tick at least one right")
	h.keys("down", "space", "down", "space") // space ticks and moves on, as in every list
	h.mustShow("[x] View billing", "[x] View reports")
	h.keys("enter")
	h.mustShow("● 3 Review and send", "Marie Dupont <marie@example.org>", "new person", "Acme Corp (acme)", "View billing (billing.view)", "View reports (reports.view)")

	// esc goes back a step at a time without losing anything.
	h.keys("esc")
	h.mustShow("[x] View billing", "[x] View reports")
	h.keys("esc")
	h.mustShow("Marie Dupont", "marie@example.org", "✓ Acme Corp (acme)")
	h.keys("enter", "enter")
	h.mustShow("● 3 Review and send")
	if n := h.count(`SELECT count(*) FROM invitations`); n != 0 {
		t.Fatal("something was sent before the review")
	}

	h.keys("enter")
	h.mustShow("Invitation #", "created", "Acceptance link", "https://portal.example.com/accept?token=", "Login code", "ACME-")
	link := s.result.link
	oneOfEach(t, h, link)
	if !strings.Contains(h.view(), link[:60]) {
		t.Fatal("the link is not shown")
	}

	// Copy: without a terminal, then to a terminal that receives OSC 52.
	h.app.c.out = nil
	h.keys("c")
	h.mustShow("No terminal to copy to")
	var term bytes.Buffer
	h.app.c.out = &term
	h.keys("c")
	if want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(link)) + "\x07"; term.String() != want {
		t.Fatalf("OSC 52 sent %q", term.String())
	}
	h.mustShow("Link copied")

	h.keys("enter")
	if _, ok := h.app.active().(*usersScreen); !ok {
		t.Fatalf("after the result: %T", h.app.active())
	}
	if s.result.link != "" {
		t.Fatal("the link is kept after leaving")
	}

	// The invitee accepts: an active account with exactly the chosen rights.
	res, err := st.AcceptInvitation(context.Background(), tokenText(t, link), store.Acceptance{Password: invitePW, Confirm: invitePW})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.GetUser(context.Background(), support, res.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != model.StatusActive || u.Name != "Marie Dupont" || len(u.Memberships) != 1 || u.Memberships[0].OrgID != acme ||
		strings.Join(u.Memberships[0].Rights, ",") != "billing.view,reports.view" {
		t.Fatalf("accepted user %+v", u)
	}
}

func TestInviteWizardExistingUser(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	globex := f.org("globex", "Globex")
	jean := f.user("ACME-00001", "jean@example.org", "Jean Martin", acme)
	f.user("ACME-00002", "zoe@example.org", "Zoé Blanc", acme)
	h := newHarness(t, st, support, 100, 30)

	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	h.typeText("invite")
	h.keys("enter")
	if _, ok := h.app.active().(*inviteScreen); !ok {
		t.Fatalf(":invite opened %T", h.app.active())
	}
	h.keys("shift+tab", "space")
	h.mustShow("(•) Existing user", "Jean Martin · ACME-00001", "Zoé Blanc", "Login code", "Both the login code and the e-mail")
	h.keys("tab")
	h.typeText("JEAN")
	h.mustShow("Jean Martin · ACME-00001 · jean@example.org")
	h.mustNotShow("Zoé Blanc")
	h.keys("enter") // picks Jean: both fields filled
	h.mustShow("✓ Jean Martin · ACME-00001 · jean@example.org")
	h.typeText("glob")
	h.keys("enter", "space", "enter")
	h.mustShow("Jean Martin <jean@example.org>", "existing account ACME-00001", "Globex (globex)", "Manage billing")
	h.keys("enter")
	h.mustShow("Invitation #", "created", "went only to the account's own e-mail address")
	h.mustNotShow("accept?token=", "c: copy")
	if s := h.app.active().(*inviteScreen); s.result.link != "" {
		t.Fatalf("an existing account's link reached the operator: %q", s.result.link)
	}
	link := mailedLink(t, st, "jean@example.org")
	oneOfEach(t, h, link)

	// The owner proves the account is theirs: the link alone is not enough.
	if _, err := st.AcceptInvitation(context.Background(), tokenText(t, link), store.Acceptance{}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("accepted with the link alone: %v", err)
	}
	hash, err := store.HashPassword(context.Background(), invitePW)
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, jean, hash)
	if _, err := st.AcceptInvitation(context.Background(), tokenText(t, link), store.Acceptance{Password: invitePW}); err != nil {
		t.Fatal(err)
	}
	u, _ := st.GetUser(context.Background(), support, jean)
	if len(u.Memberships) != 2 || u.Memberships[1].OrgID != globex || strings.Join(u.Memberships[1].Rights, ",") != "billing.manage" {
		t.Fatalf("memberships %+v", u.Memberships)
	}
	if n := h.count(`SELECT count(*) FROM users`); n != 2 {
		t.Fatalf("%d accounts, want 2 (no second account)", n)
	}
}

func TestInviteWizardEmailWithAccountSwitchesPath(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.org("globex", "Globex")
	f.user("ACME-00001", "jean@example.org", "Jean Martin", acme)
	h := newHarness(t, st, support, 100, 30)
	h.keys("i")
	h.typeText("Jean M")
	h.keys("tab")
	h.typeText("Jean@Example.org")
	h.mustShow("This e-mail already has an account (Jean Martin · ACME-00001). ctrl+e")
	h.keys("tab", "down", "enter") // cannot go on as a new person
	if s := h.app.active().(*inviteScreen); s.step != stepWho || s.who.focus != fieldEmail {
		t.Fatalf("went on with a taken e-mail: step %d focus %d", s.step, s.who.focus)
	}
	h.send(tea.KeyMsg{Type: tea.KeyCtrlE})
	h.mustShow("(•) Existing user", "✓ Jean Martin · ACME-00001")
	h.keys("enter", "space", "enter")
	h.mustShow("existing account ACME-00001", "Globex (globex)")

	// A duplicate is refused with a clear message, the review kept.
	if _, _, err := st.CreateInvitation(context.Background(), support, store.NewInvitation{OrgID: h.app.active().(*inviteScreen).who.org.ID,
		Email: "jean@example.org", ExistingLogin: "ACME-00001", Rights: []string{"reports.view"}}); err != nil {
		t.Fatal(err)
	}
	h.keys("enter")
	h.mustShow("already invited to this organization", "● 3 Review and send")
}

func TestInviteWizardAdminSeesOnlyTheirScopeAndRights(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	f.org("globex", "Globex")
	ctx := context.Background()
	if _, err := st.AddOperator(ctx, model.Operator{Name: "setup"}, store.NewOperator{Name: "ann", Role: model.RoleAdmin,
		OrgSlugs: []string{"acme"}, Rights: []string{"billing.view", "reports.view"}}); err != nil {
		t.Fatal(err)
	}
	ann, err := st.OperatorByName(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, st, ann, 100, 30)
	h.keys("i")
	h.mustShow("✓ Acme Corp (acme)") // the only organization: chosen already
	h.mustNotShow("Globex")
	h.typeText("Lou")
	h.keys("tab")
	h.typeText("lou@example.org")
	h.keys("tab", "enter")
	h.mustShow("View billing", "View reports")
	h.mustNotShow("Manage users", "Manage billing", "settings")

	// oncall has no invite screen from Users.
	oc := newHarness(t, st, model.Operator{Name: "olga", Role: model.RoleOncall}, 100, 30)
	oc.keys("i")
	if _, ok := oc.app.active().(*inviteScreen); ok {
		t.Fatal("oncall reached the invite wizard")
	}
	oc.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	oc.typeText("invite")
	oc.keys("enter")
	oc.mustShow("Your role does not allow this.")
	oc.typeText("x@y.z")
	oc.keys("enter", "esc")
	if _, ok := oc.app.active().(*inviteScreen); ok || oc.count(`SELECT count(*) FROM invitations`) != 0 {
		t.Fatal("oncall used the invite wizard")
	}
}

func TestInviteWizardGolden(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	f.org("globex", "Globex Établissement 東京")
	h := newHarness(t, st, support, 80, 24)
	h.keys("i")
	t.Run("who", func(t *testing.T) { golden.RequireEqual(t, []byte(h.view())) })
	h.typeText("Marie Dupont")
	h.keys("tab")
	h.typeText("marie@example.org")
	h.keys("tab", "enter")
	h.keys("space", "space") // the first two rights (space moves on)
	t.Run("rights", func(t *testing.T) { golden.RequireEqual(t, []byte(h.view())) })
	h.keys("enter")
	t.Run("review", func(t *testing.T) { golden.RequireEqual(t, []byte(h.view())) })
}

func TestInvitationsScreen(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	globex := f.org("globex", "Globex")
	ctx := context.Background()
	inv := func(org int64, name, email string) (store.Invitation, string) {
		i, link, err := st.CreateInvitation(ctx, support, store.NewInvitation{OrgID: org, Name: name, Email: email, Rights: []string{"billing.view"}})
		if err != nil {
			t.Fatal(err)
		}
		return i, link
	}
	pending, _ := inv(acme, "Paula Pending", "paula@example.org")
	_, acceptedLink := inv(acme, "Arno Accepted", "arno@example.org")
	if _, err := st.AcceptInvitation(ctx, tokenText(t, acceptedLink), store.Acceptance{Password: invitePW, Confirm: invitePW}); err != nil {
		t.Fatal(err)
	}
	revoked, _ := inv(acme, "Rita Revoked", "rita@example.org")
	if _, err := st.RevokeInvitation(ctx, support, revoked.ID); err != nil {
		t.Fatal(err)
	}
	expired, _ := inv(globex, "Ezra Expired", "ezra@example.org")
	f.exec(`UPDATE invitations SET created_at = $2, expires_at = $3 WHERE id = $1`, expired.ID, testNow.Add(-10*24*time.Hour), testNow.Add(-3*24*time.Hour))
	gus, pendingLink := inv(globex, "Gus", "gus@example.org")
	f.exec(`UPDATE invitations SET name = $2 WHERE id = $1`, gus.ID, "Gus \x1b[31mRed\x1b[0m") // as the portal might write it

	h := newHarness(t, st, support, 140, 30)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	h.typeText("invitations")
	h.keys("enter")
	if _, ok := h.app.active().(*invitationsScreen); !ok {
		t.Fatalf(":invitations opened %T", h.app.active())
	}
	h.mustShow("pending", "accepted", "revoked", "expired", "Paula Pending <paula@example.org>", "Ezra Expired", "billing.view", "alice")
	h.mustNotShow("\x1b[31m")

	h.keys("s") // pending only
	h.mustShow("state:pending", "Paula Pending", "Gus")
	h.mustNotShow("Arno Accepted", "Rita Revoked", "Ezra Expired")
	h.keys("s", "s") // expired
	h.mustShow("Ezra Expired")
	h.mustNotShow("Paula Pending")
	h.keys("s", "s") // all again
	h.keys("/")
	h.typeText("PAULA")
	h.keys("enter")
	h.mustShow("Paula Pending", "alice invited Paula Pending to Acme Corp")
	h.mustNotShow("Arno Accepted")

	// Resend: a new link, the old one dies.
	h.keys("r")
	h.mustShow("resent to paula@example.org", "New link")
	s := h.app.active().(*invitationsScreen)
	if s.link == "" || h.count(`SELECT resend_count FROM invitations WHERE id = $1`, pending.ID) != 1 {
		t.Fatalf("resend: link %q", s.link)
	}
	if _, err := st.InspectInvitation(ctx, tokenText(t, s.link)); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	h.keys("e")
	h.mustShow("extended until")
	if s.link != "" {
		t.Fatal("the resent link stays after another action")
	}
	h.keys("d")
	h.mustShow("Revoke the invitation of paula@example.org to acme?")
	h.keys("n")
	h.mustNotShow("Revoke the invitation")
	h.keys("d", "y")
	h.mustShow("revoked")
	var revokedAt *time.Time
	if err := st.DB().Get(&revokedAt, `SELECT revoked_at FROM invitations WHERE id = $1`, pending.ID); err != nil || revokedAt == nil {
		t.Fatalf("not revoked: %v", err)
	}
	h.keys("r")
	h.mustShow("This invitation is revoked")

	// An admin of acme sees acme's invitations only.
	if _, err := st.AddOperator(ctx, model.Operator{Name: "setup"}, store.NewOperator{Name: "ann", Role: model.RoleAdmin, OrgSlugs: []string{"acme"}}); err != nil {
		t.Fatal(err)
	}
	ann, _ := st.OperatorByName(ctx, "ann")
	ha := newHarness(t, st, ann, 140, 30)
	ha.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":")})
	ha.typeText("invitations")
	ha.keys("enter")
	ha.mustShow("Paula Pending", "Arno Accepted")
	ha.mustNotShow("Ezra", "Gus")
	if _, err := st.AcceptInvitation(ctx, tokenText(t, pendingLink), store.Acceptance{Password: invitePW, Confirm: invitePW}); err != nil {
		t.Fatal(err)
	}
	var re *store.InvitationRefusal
	if _, err := st.AcceptInvitation(ctx, tokenText(t, pendingLink), store.Acceptance{Password: invitePW, Confirm: invitePW}); !errors.As(err, &re) {
		t.Fatalf("second use: %v", err)
	}
}

// TestInvitationsPagesAndKeepsTheNewLinkInView: the list pages by keyset and back; a resent
// invitation's link is shown in full with the list shortened to leave it room.
func TestInvitationsPagesAndKeepsTheNewLinkInView(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		inv, _, err := st.CreateInvitation(ctx, support, store.NewInvitation{OrgID: acme, Name: fmt.Sprintf("Person %02d", i),
			Email: fmt.Sprintf("p%02d@example.org", i), Rights: []string{"billing.view"}})
		if err != nil {
			t.Fatal(err)
		}
		f.exec(`UPDATE invitations SET created_at = $2 WHERE id = $1`, inv.ID, testNow.Add(-time.Duration(30-i)*time.Minute))
	}
	h := newHarness(t, st, support, 80, 24) // 15 rows a page
	h.send(navigateMsg{Screen: "invitations"})
	s := h.app.active().(*invitationsScreen)
	h.mustShow("Person 29", "Person 15", "page 1 · pgdn/pgup")
	h.mustNotShow("Person 14")
	h.keys("pgdown")
	h.mustShow("Person 14", "Person 00", "page 2")
	h.mustNotShow("Person 15")
	h.keys("k") // up from the first row: the previous page, its last row
	if inv, _ := s.list.Current(); inv.Name != "Person 15" {
		t.Fatalf("up from the top of page 2 is on %q", inv.Name)
	}
	h.mustShow("page 1")
	h.keys("pgdown", "r")
	h.mustShow("resent to p14@example.org", "New link", "page 2")
	v := h.view()
	if got := strings.ReplaceAll(strings.Join(strings.Fields(v[strings.Index(v, "https://"):]), ""), "page2·pgdn/pgup", ""); !strings.Contains(got, s.link) {
		t.Fatalf("the new link is not shown whole:\n%s", v)
	}
	if p := frameProblem(v, 80, 24, false); p != "" {
		t.Fatalf("%s\n%s", p, v)
	}
}

// The wizard tells an admin nothing about accounts outside their organizations: a new person
// whose e-mail has an account elsewhere, and an existing user named by a login code and an
// e-mail, go through the same screens, with the same messages, as addresses and codes nobody
// has.
func TestInviteWizardSameAnswerWhetherTheAccountExistsElsewhere(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	globex := f.org("globex", "Globex")
	f.user("GLOB-22222", "taken01@example.org", "Hidden Person", globex)
	f.user("GLOB-33333", "vera0001@example.org", "Vera Hidden", globex)
	ann := registered(t, st, "ann", model.RoleAdmin, "acme")
	norm := strings.NewReplacer("fresh01@example.org", "EMAIL", "taken01@example.org", "EMAIL",
		"vera0001@example.org", "EMAIL", "nobody01@example.org", "EMAIL", "GLOB-33333", "LOGIN", "GLOB-99999", "LOGIN")
	codes := regexp.MustCompile(`ACME-[0-9A-Z]{5}|#\d+|token=[A-Za-z0-9_-]{43}|\d{4}-\d\d-\d\d \d\d:\d\d`)
	screens := func(existing bool, login, email string) []string {
		t.Helper()
		h := newHarness(t, st, ann, 100, 30)
		var out []string
		snap := func() {
			v := h.view()
			for _, hidden := range []string{"GLOB-22222", "Hidden Person", "Vera Hidden", "globex", "Globex"} {
				if strings.Contains(v, hidden) {
					t.Fatalf("the screen names %q:\n%s", hidden, v)
				}
			}
			out = append(out, codes.ReplaceAllString(norm.Replace(v), "X"))
		}
		h.keys("i")
		if existing {
			h.keys("shift+tab", "space", "tab")
			h.typeText(login)
			h.keys("tab")
		} else {
			h.typeText("Paul Martin")
			h.keys("tab")
		}
		h.typeText(email)
		snap()
		h.keys("tab", "enter")
		snap()
		h.keys("space", "enter")
		snap()
		h.keys("enter")
		snap()
		if !strings.Contains(h.view(), "created") {
			t.Fatalf("not sent:\n%s", h.view())
		}
		return out
	}
	fresh := screens(false, "", "fresh01@example.org")
	taken := screens(false, "", "taken01@example.org")
	for i := range fresh {
		if fresh[i] != taken[i] {
			t.Fatalf("screen %d differs for an e-mail with an account elsewhere:\n--- fresh\n%s\n--- taken\n%s", i, fresh[i], taken[i])
		}
	}
	if !strings.Contains(fresh[3], "/accept?X") {
		t.Fatalf("the new person's link is not shown:\n%s", fresh[3])
	}
	match := screens(true, "GLOB-33333", "vera0001@example.org")
	none := screens(true, "GLOB-99999", "nobody01@example.org")
	for i := range match {
		if match[i] != none[i] {
			t.Fatalf("screen %d differs for a login code and e-mail that match an account elsewhere:\n--- match\n%s\n--- none\n%s", i, match[i], none[i])
		}
	}
	if strings.Contains(match[3], "/accept?") {
		t.Fatalf("an existing user's link was shown:\n%s", match[3])
	}
	// The accounts' own addresses got the invitations; the address nobody has got nothing.
	h := newHarness(t, st, ann, 100, 30)
	if n := h.count(`SELECT count(*) FROM outbox WHERE recipient IN ('taken01@example.org', 'vera0001@example.org')`); n != 2 {
		t.Fatalf("%d e-mails to the accounts' own addresses", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE recipient = 'nobody01@example.org'`); n != 0 {
		t.Fatal("an e-mail went to an address that matched no account")
	}
}

// esc on the first step leaves the wizard: at once when nothing was typed, after a yes when
// something was (no keeps everything, and the field its focus). esc on the later steps goes
// back a step without asking.
func TestInviteWizardEscAsksBeforeDiscarding(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	f.org("globex", "Globex")
	h := newHarness(t, st, support, 100, 30)
	onInvite := func() bool { _, ok := h.app.active().(*inviteScreen); return ok }

	h.keys("i", "shift+tab", "space") // the path switched, nothing typed
	h.keys("esc")
	if onInvite() {
		t.Fatalf("esc with nothing typed did not leave:\n%s", h.view())
	}

	h.keys("i")
	h.typeText("Marie")
	h.keys("esc")
	h.mustShow("Discard this invitation? What was typed is lost. (y/n)", "y/enter yes", "Marie")
	h.keys("x") // not an answer, not typed
	h.keys("n")
	h.mustShow("Cancelled; nothing changed.", "● 1 Person and organization")
	h.mustNotShow("Discard this invitation?")
	h.typeText(" Dupont")
	if s := h.app.active().(*inviteScreen); s.who.name.Value() != "Marie Dupont" {
		t.Fatalf("after no, the name is %q", s.who.name.Value())
	}
	h.keys("esc", "esc") // esc answers no too
	if !onInvite() {
		t.Fatal("esc answered the question with yes")
	}

	h.keys("tab")
	h.typeText("marie@example.org")
	h.keys("tab", "down", "enter")
	h.mustShow("● 2 Access rights", "Access rights in Globex")
	h.keys("esc") // back a step, no question
	h.mustShow("● 1 Person and organization", "Marie Dupont", "✓ Globex (globex)")
	h.mustNotShow("Discard")
	h.keys("esc")
	h.mustShow("Discard this invitation?")
	h.keys("y")
	if onInvite() {
		t.Fatalf("yes did not leave:\n%s", h.view())
	}
	if n := h.count(`SELECT count(*) FROM invitations`); n != 0 {
		t.Fatalf("%d invitation(s) after discarding", n)
	}
	h.keys("i") // a new wizard starts empty
	h.mustNotShow("Marie")
}

// In the rights checklist space ticks or unticks the right under the cursor and moves on to
// the next one, as in every list; the invitation carries exactly the ticked rights.
func TestInviteWizardSpaceTicksAndMovesOn(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	h := newHarness(t, st, support, 100, 40)
	h.keys("i")
	h.typeText("Marie Dupont")
	h.keys("tab")
	h.typeText("marie@example.org")
	h.keys("tab", "enter")
	h.mustShow("● 2 Access rights")
	h.keys("space", "space", "space")
	h.mustShow("[x] Manage billing", "[x] View billing", "[x] Manage bookings", "[ ] View reports")
	h.keys("up", "space") // back on Manage bookings: unticked, and on to View reports
	h.mustShow("[ ] Manage bookings")
	h.keys("space")
	h.mustShow("[x] View reports")
	h.keys("G", "space", "space") // the last right: ticked, then unticked (the cursor stays)
	h.mustShow("[ ] Manage users")
	h.keys("enter")
	h.mustShow("● 3 Review and send", "Manage billing (billing.manage)", "View billing (billing.view)", "View reports (reports.view)")
	h.mustNotShow("bookings.manage", "users.manage")
	h.keys("enter")
	h.mustShow("Invitation #")
	var rights string
	if err := st.DB().Get(&rights, `SELECT string_agg(right_code, ',' ORDER BY right_code) FROM invitation_rights`); err != nil {
		t.Fatal(err)
	}
	if rights != "billing.manage,billing.view,reports.view" {
		t.Fatalf("invited with %q", rights)
	}
}

// The wizard's keys come from its actions table: the help lists the keys of the step and the
// field at hand (the path switch on its field, the switch to an account only when offered), a
// key that is not an action there goes to the field (ctrl+e moves to the end of the text, ← and
// → move in it), and a list under a field takes the arrows.
func TestInviteWizardKeysFromItsTable(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	f.org("globex", "Globex")
	f.user("ACME-00001", "jean@example.org", "Jean Martin", f.org("initech", "Initech"))
	h := newHarness(t, st, support, 200, 60)
	h.keys("i", "shift+tab", "?")
	h.mustShow("space/←/→ new person / existing user", "tab       next field", "enter     choose / next step", "esc       leave")
	h.mustNotShow("ctrl+e")
	h.keys("?", "tab")
	h.typeText("Marie")
	h.keys("home", "left", "right")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlE})
	h.typeText("!")
	s := h.app.active().(*inviteScreen)
	if s.who.name.Value() != "Marie!" || s.who.existing {
		t.Fatalf("the keys did not go to the field: %q (existing path %v)", s.who.name.Value(), s.who.existing)
	}
	h.keys("tab")
	h.typeText("jean@example.org")
	h.mustShow("ctrl+e: invite that account")
	h.keys("tab", "down", "down") // the list's arrows: the third organization
	h.keys("enter")               // cannot go on as a new person: back on the e-mail
	h.mustShow("› E-mail")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlE})
	h.mustShow("(•) Existing user", "✓ Jean Martin · ACME-00001")
	h.keys("up", "enter") // on the organization's list again: up moves in it
	h.mustShow("● 2 Access rights", "Access rights in Globex")
	h.keys("?")
	h.mustShow("space     select", "A         select page", "enter     choose / next step", "esc       previous step")
}

// A session scoped to one organization opens the wizard on it: it is chosen, and the list's
// cursor is on it, so that enter keeps it.
func TestInviteWizardOpensOnTheScopesOrganization(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	f.org("globex", "Globex")
	h := newHarness(t, st, support, 100, 30)
	h.keys(":")
	h.typeText("org globex")
	h.keys("enter", "i")
	h.mustShow("✓ Globex (globex)", "  Acme Corp (acme)")
	h.typeText("Lou")
	h.keys("tab")
	h.typeText("lou@example.org")
	h.keys("tab", "enter")
	h.mustShow("Access rights in Globex")
}

// In French at 80×24 the wizard is read whole: the account picker's rows (name, login code
// and e-mail, the e-mail under the name where the line cannot hold it) and every right's
// description in the checklist (a long one wraps; the rows scroll to keep the cursor's row
// whole).
func TestInviteWizardFrenchAt80x24ReadsWhole(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	cote := f.org("boulangerie-cote", "Boulangerie Côté")
	mroy := f.org("hotel-mont-royal", "Hôtel Mont-Royal")
	f.user("MROY-GSP11", "gaelle.saint-pierre@hotel-mont-royal.fr", "Gaëlle Saint-Pierre", mroy)
	f.user("COTE-AMR42", "amelie.rousseau@boulangerie-cote.fr", "Amélie Rousseau", cote)
	app := NewApp(context.Background(), st, support, Options{Lang: "fr", DBLabel: "test"}, asciiRenderer())
	h := &harness{t: t, app: app, st: st, hl: newHeadless(app, 80, 24)}
	whole := func(what string, texts ...string) {
		t.Helper()
		sizeCheck(t, h, what)
		for _, s := range texts {
			if !strings.Contains(flat(h.view()), flat(s)) {
				t.Fatalf("%s: the screen does not show %q whole:\n%s", what, s, h.view())
			}
		}
	}
	h.keys("i", "shift+tab", "space", "tab")
	whole("the account picker", "Gaëlle Saint-Pierre · MROY-GSP11 · gaelle.saint-pierre@hotel-mont-royal.fr",
		"Amélie Rousseau · COTE-AMR42 · amelie.rousseau@boulangerie-cote.fr")
	h.typeText("saint pierre")
	whole("the account picker, searched", "Gaëlle Saint-Pierre · MROY-GSP11 · gaelle.saint-pierre@hotel-mont-royal.fr")
	h.keys("enter")
	h.typeText("boul")
	h.keys("enter")
	rights, err := st.ListRights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range rights {
		whole("the rights, cursor on "+g.Code, "[ ] "+g.LabelIn(i18n.FR)+" "+g.Code+" "+g.DescriptionIn(i18n.FR))
		if i < len(rights)-1 {
			h.keys("down")
		}
	}
}

// The wizard's organization filter folds as every search does: "elan" finds Élan Santé,
// "CÔTÉ" and "cote boul" find Boulangerie Côté; a word that matches nothing says so. At 80×24.
func TestInviteWizardOrganizationFilterFolds(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("es-mtl", "Élan Santé") // the slug does not spell the name
	f.org("boulangerie-cote", "Boulangerie Côté")
	f.org("acme", "Acme Corp")
	h := newHarness(t, st, support, 80, 24)
	h.keys("i")
	h.keys("tab", "tab") // from the name, past the e-mail, to the organization
	filter := func(text string, want ...string) {
		t.Helper()
		s := h.app.active().(*inviteScreen)
		for s.who.orgs.Value() != "" {
			h.keys("backspace")
		}
		h.typeText(text)
		sizeCheck(t, h, "filter "+text)
		var got []string
		for _, o := range s.who.orgs.list.Rows() {
			got = append(got, o.Name)
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Fatalf("filter %q lists %q, want %q:\n%s", text, got, want, h.view())
		}
		for _, name := range want {
			h.mustShow(name)
		}
	}
	filter("elan", "Élan Santé")
	filter("SANTE", "Élan Santé")
	filter("CÔTÉ", "Boulangerie Côté")
	filter("cote boul", "Boulangerie Côté")
	filter("acme", "Acme Corp")
	filter("zzz")
	h.mustShow("No organization of yours matches.")
}
