package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

const invitePassword = "correct horse battery staple 42"

// invClock is an adjustable test clock.
type invClock struct{ t atomic.Int64 }

func newClock(t time.Time) *invClock { c := &invClock{}; c.t.Store(t.UnixNano()); return c }
func (c *invClock) now() time.Time   { return time.Unix(0, c.t.Load()).UTC() }
func (c *invClock) add(d time.Duration) {
	c.t.Add(int64(d))
}

type invEnv struct {
	t          *testing.T
	s          *store.Store
	clk        *invClock
	ctx        context.Context
	acme, glob int64
}

func newInvEnv(t *testing.T) *invEnv {
	t.Helper()
	clk := newClock(time.Now().UTC().Truncate(time.Second))
	s := storetest.New(t, func(c *store.Config) { c.Now = clk.now; c.PortalURL = "https://portal.test" })
	e := &invEnv{t: t, s: s, clk: clk, ctx: context.Background()}
	e.acme = e.org("acme", "Acme Corp")
	e.glob = e.org("globex", "Globex Établissement")
	return e
}

func (e *invEnv) org(slug, name string) int64 { return storetest.Org(e.t, e.s, slug, name) }

func (e *invEnv) user(login, email, name string, orgs ...int64) int64 {
	return storetest.User(e.t, e.s, login, email, name, time.Time{}, orgs...)
}

// hash returns an argon2id hash of the password, to store as an account's.
func (e *invEnv) hash(password string) string {
	e.t.Helper()
	h, err := store.HashPassword(e.ctx, password)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

func (e *invEnv) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.s.DB().Exec(q, args...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *invEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.s.DB().Get(&n, q, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// admin registers an admin of the given organizations allowed to grant the given rights.
func (e *invEnv) admin(name string, rights []string, slugs ...string) model.Operator {
	e.t.Helper()
	if _, err := e.s.AddOperator(e.ctx, model.Operator{Name: "setup"}, store.NewOperator{Name: name, Role: model.RoleAdmin, OrgSlugs: slugs, Rights: rights}); err != nil {
		e.t.Fatal(err)
	}
	op, err := e.s.OperatorByName(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return op
}

func (e *invEnv) invite(op model.Operator, n store.NewInvitation) (store.Invitation, string) {
	e.t.Helper()
	inv, link, err := e.s.CreateInvitation(e.ctx, op, n)
	if err != nil {
		e.t.Fatalf("CreateInvitation: %v", err)
	}
	return inv, link
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, "/accept?token=")
	if !ok || len(tok) < 40 {
		t.Fatalf("link %q has no token", link)
	}
	return tok
}

func refusal(err error) string {
	var r *store.InvitationRefusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return fmt.Sprintf("not a refusal: %v", err)
}

func TestInvitationNewPersonOneTransactionHashOnlyThenAccept(t *testing.T) {
	e := newInvEnv(t)
	inv, link := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Marie Dupont", Email: "  Marie.Dupont@Example.COM ",
		Rights: []string{"billing.view", "reports.view"}})
	if inv.State != store.InvitationPending || inv.Email != "marie.dupont@example.com" || inv.OrgSlug != "acme" ||
		strings.Join(inv.Rights, ",") != "billing.view,reports.view" || inv.UserLogin == "" || !strings.HasPrefix(inv.UserLogin, "ACME-") {
		t.Fatalf("invitation %+v", inv)
	}
	if got := inv.ExpiresAt.Sub(inv.CreatedAt); got != store.DefaultInvitationTTL {
		t.Fatalf("expiry after %v", got)
	}
	tok := tokenOf(t, link)
	if !strings.HasPrefix(link, "https://portal.test/accept?token=") {
		t.Fatalf("link %q", link)
	}
	// One of each, the token's hash and never the token.
	for q, want := range map[string]int{
		`SELECT count(*) FROM invitations`:                                                    1,
		`SELECT count(*) FROM invitation_rights`:                                              2,
		`SELECT count(*) FROM outbox WHERE kind = 'invitation' AND sealed_secret IS NOT NULL`: 1,
		`SELECT count(*) FROM outbox`:                                                         1,
		`SELECT count(*) FROM audit_entries`:                                                  1,
		`SELECT count(*) FROM audit_entries WHERE action = 'invitation.create'`:               1,
		`SELECT count(*) FROM users WHERE status = 'invited' AND password_hash IS NULL`:       1,
		`SELECT count(*) FROM memberships`:                                                    0,
	} {
		if n := e.count(q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
	if n := e.count(`SELECT count(*) FROM invitations WHERE token_hash = $1`, model.HashToken(tok)); n != 1 {
		t.Fatal("the token's SHA-256 is not what is stored")
	}
	if hits := secretHits(t, e.s.DB(), tok); len(hits) != 0 {
		t.Fatalf("the clear token is stored in %v", hits)
	}
	var body, subject string
	if err := e.s.DB().QueryRow(`SELECT body, subject FROM outbox`).Scan(&body, &subject); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, store.SecretPlaceholder) || !strings.Contains(body, "Acme Corp") || !strings.Contains(body, inv.UserLogin) ||
		!strings.Contains(subject, "Acme Corp") {
		t.Fatalf("e-mail: %q / %q", subject, body)
	}

	// The invitee sees what it is for, then chooses a password.
	p, err := e.s.InspectInvitation(e.ctx, tok)
	if err != nil || !p.NeedsPassword || p.OrgName != "Acme Corp" || p.Login != inv.UserLogin {
		t.Fatalf("preview %+v, %v", p, err)
	}
	_, err = e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{Password: "short", Confirm: "short"})
	var pe *model.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("a short password: %v", err)
	}
	_, err = e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{Password: invitePassword, Confirm: invitePassword + "x"})
	if !errors.As(err, &pe) {
		t.Fatalf("a mismatched confirmation: %v", err)
	}
	res, err := e.s.AcceptInvitation(e.ctx, " "+tok+"\n", store.Acceptance{Password: invitePassword, Confirm: invitePassword})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NewAccount || res.Login != inv.UserLogin || res.OrgSlug != "acme" {
		t.Fatalf("accepted %+v", res)
	}
	u, err := e.s.GetUser(e.ctx, supportOp, res.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != model.StatusActive || len(u.Memberships) != 1 || u.Memberships[0].OrgSlug != "acme" ||
		strings.Join(u.Memberships[0].Rights, ",") != "billing.view,reports.view" {
		t.Fatalf("user %+v", u)
	}
	var hash string
	if err := e.s.DB().Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, res.UserID); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := store.VerifyPassword(e.ctx, hash, invitePassword); !ok || err != nil {
		t.Fatalf("the chosen password does not verify: %v", err)
	}
	if ok, _, _ := store.VerifyPassword(e.ctx, hash, invitePassword+"!"); ok {
		t.Fatal("another password verifies")
	}
	// Single use.
	if _, err := e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{Password: invitePassword, Confirm: invitePassword}); refusal(err) != store.RefusedUsed {
		t.Fatalf("second use: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d users", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_entries WHERE action = 'invitation.accept' AND strpos(summary, $1) = 0`, invitePassword); n != 1 {
		t.Fatalf("accept audit rows: %d", n)
	}
	if hits := secretHits(t, e.s.DB(), invitePassword); len(hits) != 0 {
		t.Fatalf("the password is stored in clear in %v", hits)
	}
	if n := e.count(`SELECT count(*) FROM invitations WHERE accepted_at IS NOT NULL`); n != 1 {
		t.Fatal("invitation not marked accepted")
	}
}

func TestInvitationExistingUserGetsMembershipNoSecondAccount(t *testing.T) {
	e := newInvEnv(t)
	uid := e.user("ACME-7K2Q9", "jean@example.org", "Jean Martin", e.acme)
	e.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'users.manage')`, uid, e.acme)

	// A "new person" with that e-mail is reported as an existing account.
	_, _, err := e.s.CreateInvitation(e.ctx, supportOp, store.NewInvitation{OrgID: e.glob, Name: "Jean", Email: "JEAN@example.org", Rights: []string{"billing.view"}})
	var ae *store.AccountExistsError
	if !errors.As(err, &ae) || ae.UserID != uid || ae.Login != "ACME-7K2Q9" || !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("new person with an existing e-mail: %v", err)
	}
	if a, err := e.s.LookupEmail(e.ctx, supportOp, " jean@EXAMPLE.org"); err != nil || !a.Exists || a.UserID != uid {
		t.Fatalf("LookupEmail %+v %v", a, err)
	}
	// Already a member of acme.
	if _, _, err := e.s.CreateInvitation(e.ctx, supportOp, store.NewInvitation{OrgID: e.acme, ExistingUserID: uid, Rights: []string{"billing.view"}}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("member already: %v", err)
	}

	inv, link := e.invite(supportOp, store.NewInvitation{OrgID: e.glob, ExistingUserID: uid, Rights: []string{"billing.view", "bookings.manage"}, Lang: "fr"})
	if inv.Name != "Jean Martin" || inv.Email != "jean@example.org" || *inv.UserID != uid {
		t.Fatalf("invitation %+v", inv)
	}
	var body string
	if err := e.s.DB().Get(&body, `SELECT body FROM outbox WHERE invitation_id = $1`, inv.ID); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Globex Établissement") || !strings.Contains(body, "Bonjour Jean Martin") {
		t.Fatalf("e-mail body %q", body)
	}
	if link != "" {
		t.Fatalf("an existing account's link was returned to the operator: %q", link)
	}
	tok := tokenOf(t, e.mailedLink("jean@example.org"))
	p, err := e.s.InspectInvitation(e.ctx, tok)
	if err != nil || p.NeedsPassword || !p.ExistingAccount || p.Login != "ACME-7K2Q9" {
		t.Fatalf("preview %+v %v", p, err)
	}
	// The link alone is not enough: the account's password is.
	if _, err := e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("no password: %v", err)
	}
	e.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, uid, e.hash(invitePassword))
	res, err := e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{Password: invitePassword})
	if err != nil {
		t.Fatal(err)
	}
	if res.NewAccount || res.UserID != uid {
		t.Fatalf("accepted %+v", res)
	}
	u, _ := e.s.GetUser(e.ctx, supportOp, uid)
	got := map[string]string{}
	for _, m := range u.Memberships {
		got[m.OrgSlug] = strings.Join(m.Rights, ",")
	}
	if len(got) != 2 || got["acme"] != "users.manage" || got["globex"] != "billing.view,bookings.manage" {
		t.Fatalf("memberships %v", got)
	}
	if n := e.count(`SELECT count(*) FROM users`); n != 1 {
		t.Fatalf("%d accounts, want 1", n)
	}
	var hash string
	if err := e.s.DB().Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, uid); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := store.VerifyPassword(e.ctx, hash, invitePassword); !ok {
		t.Fatal("the existing password was touched")
	}
}

// mailedLink opens the sealed link of the latest invitation e-mail to an address.
func (e *invEnv) mailedLink(to string) string {
	e.t.Helper()
	var sealed []byte
	if err := e.s.DB().Get(&sealed, `SELECT sealed_secret FROM outbox WHERE kind = 'invitation' AND lower(recipient) = lower($1) AND sealed_secret IS NOT NULL
		ORDER BY id DESC LIMIT 1`, to); err != nil {
		e.t.Fatalf("no invitation e-mail to %s: %v", to, err)
	}
	link, err := e.s.OpenSealed(sealed)
	if err != nil {
		e.t.Fatal(err)
	}
	return link
}

// shape is what an invitation looks like once the values that differ between any two
// invitations (ids, addresses, names, login codes, times) are blanked.
func shape(t *testing.T, inv store.Invitation, link string) string {
	t.Helper()
	if inv.UserLogin != "" && !strings.HasPrefix(inv.UserLogin, "ACME-") && !strings.HasPrefix(inv.UserLogin, "GLOB-") {
		t.Errorf("login code %q", inv.UserLogin)
	}
	loginKind := "none"
	if inv.UserLogin != "" {
		loginKind = "login code"
	}
	linkKind := "none"
	if link != "" {
		linkKind = "link of " + fmt.Sprint(len(tokenOf(t, link))) + " characters"
	}
	inv.ID, inv.Email, inv.Name, inv.UserLogin = 0, "", "", ""
	inv.CreatedAt, inv.ExpiresAt, inv.LastSentAt = time.Time{}, time.Time{}, time.Time{}
	return fmt.Sprintf("%+v; %s; %s", inv, loginKind, linkKind)
}

// An admin learns nothing about accounts outside their organizations from inviting: a "new
// person" whose e-mail has an account elsewhere, and an existing user named by a login code
// and an e-mail, are answered exactly as when no account matches; the account's own address
// gets the invitation, and only its password accepts it.
func TestInvitingAnAccountTheAdminCannotSeeAnswersAsAFreshInvitation(t *testing.T) {
	e := newInvEnv(t)
	paul := e.user("GLOB-22222", "paul@example.org", "Paul Globex", e.glob)
	vera := e.user("GLOB-33333", "vera@example.org", "Vera Globex", e.glob)
	e.exec(`UPDATE users SET password_hash = $2 WHERE id IN ($1, $3)`, paul, e.hash(invitePassword), vera)
	adm := e.admin("ann", []string{"billing.view"}, "acme")
	hidden := []string{"GLOB-22222", "GLOB-33333", "Paul Globex", "Vera Globex", "globex", "Globex"}
	leaks := func(what string, v any) {
		t.Helper()
		text := fmt.Sprintf("%+v", v)
		for _, h := range hidden {
			if strings.Contains(text, h) {
				t.Errorf("%s names %q: %s", what, h, text)
			}
		}
	}

	// LookupEmail: the same answer as for an address nobody has.
	for _, email := range []string{"paul@example.org", " PAUL@example.org", "nobody@example.org"} {
		if a, err := e.s.LookupEmail(e.ctx, adm, email); err != nil || a != (store.EmailAccount{}) {
			t.Fatalf("LookupEmail(%q) = %+v, %v", email, a, err)
		}
	}

	// A new person: an address nobody has, and Paul's.
	fresh, freshLink, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, Name: "Fresh Person", Email: "fresh@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatal(err)
	}
	taken, takenLink, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, Name: "Paul", Email: "Paul@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatalf("a new person whose e-mail has an account in another organization: %v", err)
	}
	if a, b := shape(t, fresh, freshLink), shape(t, taken, takenLink); a != b {
		t.Fatalf("the two answers differ:\n fresh %s\n taken %s", a, b)
	}
	if taken.Name != "Paul" || taken.Email != "paul@example.org" || taken.UserLogin == "" || taken.UserID != nil {
		t.Fatalf("taken: %+v", taken)
	}
	leaks("the answer", taken)
	// Listed, read and audited for the admin as they were shown.
	page, err := e.s.ListInvitations(e.ctx, adm, store.InvitationQuery{})
	if err != nil || len(page.Invitations) != 2 {
		t.Fatalf("list %+v %v", page, err)
	}
	for _, inv := range page.Invitations {
		if inv.ID == taken.ID && (inv.UserLogin != taken.UserLogin || inv.Name != "Paul" || inv.UserID != nil) {
			t.Fatalf("listed %+v, created %+v", inv, taken)
		}
	}
	leaks("the list", page)
	if p, err := e.s.ListInvitations(e.ctx, adm, store.InvitationQuery{Search: "glob-2"}); err != nil || len(p.Invitations) != 0 {
		t.Fatalf("a search by the hidden login code found %+v %v", p.Invitations, err)
	}
	rows, err := e.s.ListAudit(e.ctx, adm, store.AuditQuery{})
	if err != nil || len(rows) != 2 {
		t.Fatalf("the admin's audit: %+v %v", rows, err)
	}
	for _, r := range rows {
		if r.TargetUserID != nil || r.TargetLogin != "" || !strings.Contains(r.Summary, "(new person ACME-") {
			t.Fatalf("audit row %+v", r)
		}
	}
	leaks("the audit", rows)

	// The stand-in link reads as a new person's and grants nothing, whatever the password.
	pf, err := e.s.InspectInvitation(e.ctx, tokenOf(t, freshLink))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := e.s.InspectInvitation(e.ctx, tokenOf(t, takenLink))
	if err != nil {
		t.Fatalf("the stand-in link does not inspect: %v", err)
	}
	if !pt.NeedsPassword || pt.ExistingAccount || pt.Login != taken.UserLogin || pt.Name != "Paul" || pf.NeedsPassword != pt.NeedsPassword {
		t.Fatalf("stand-in preview %+v (fresh %+v)", pt, pf)
	}
	leaks("the stand-in preview", pt)
	var pe *model.PolicyError
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, takenLink), store.Acceptance{Password: "short", Confirm: "short"}); !errors.As(err, &pe) {
		t.Fatalf("a weak password on the stand-in link: %v", err)
	}
	chosen := "an attacker chose this passphrase 1"
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, takenLink), store.Acceptance{Password: chosen, Confirm: chosen}); refusal(err) != store.RefusedUnknown {
		t.Fatalf("the stand-in link accepted: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, paul); n != 1 {
		t.Fatal("the stand-in link gave Paul's account access")
	}

	// Paul's own address got an existing account's invitation; his password accepts it.
	if n := e.count(`SELECT count(*) FROM outbox WHERE lower(recipient) = 'paul@example.org' AND strpos(body, 'GLOB-22222') > 0`); n != 1 {
		t.Fatal("no invitation e-mail to the account's own address")
	}
	real := e.mailedLink("paul@example.org")
	if real == takenLink {
		t.Fatal("the operator was shown the account's real link")
	}
	if p, err := e.s.InspectInvitation(e.ctx, tokenOf(t, real)); err != nil || !p.ExistingAccount || p.Login != "GLOB-22222" {
		t.Fatalf("real link: %+v %v", p, err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, real), store.Acceptance{Password: chosen, Confirm: chosen}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("the real link with another password: %v", err)
	}
	// Support reads what happened.
	sup, err := e.s.ListAudit(e.ctx, supportOp, store.AuditQuery{Action: "invitation.stand_in"})
	if err != nil || len(sup) != 2 || !strings.Contains(sup[1].Summary, "GLOB-22222") || !strings.Contains(sup[0].Summary, "stand-in link") {
		t.Fatalf("support's audit of the stand-in: %+v %v", sup, err)
	}

	// Resending rotates the stand-in link too; the old one dies.
	_, again, err := e.s.ResendInvitation(e.ctx, adm, taken.ID)
	if err != nil || again == "" || again == takenLink {
		t.Fatalf("resend: %q %v", again, err)
	}
	if _, err := e.s.InspectInvitation(e.ctx, tokenOf(t, takenLink)); refusal(err) != store.RefusedUnknown {
		t.Fatalf("the old stand-in link after a resend: %v", err)
	}
	if _, err := e.s.InspectInvitation(e.ctx, tokenOf(t, again)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, e.mailedLink("paul@example.org")), store.Acceptance{Password: invitePassword}); err != nil {
		t.Fatalf("the owner accepts the resent real link: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, paul); n != 2 {
		t.Fatalf("%d memberships after the owner accepted", n)
	}

	// An existing user by login code and e-mail: both must match one account; the answer is
	// the same whether they do or not, and never holds a link.
	type named struct{ login, email string }
	var shapes []string
	for _, n := range []named{{"glob-33333 ", "Vera@example.org"}, {"GLOB-33333", "someone.else@example.org"}, {"GLOB-99999", "nobody@example.org"}} {
		inv, link, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, ExistingLogin: n.login, Email: n.email, Rights: []string{"billing.view"}})
		if err != nil {
			t.Fatalf("existing %v: %v", n, err)
		}
		if link != "" || inv.UserLogin != model.NormalizeLogin(n.login) || inv.Name != inv.UserLogin || inv.UserID != nil {
			t.Fatalf("existing %v: %+v %q", n, inv, link)
		}
		if _, again, err := e.s.ResendInvitation(e.ctx, adm, inv.ID); err != nil || again != "" {
			t.Fatalf("resend existing %v: %q %v", n, again, err)
		}
		inv.UserLogin = "GLOB-00000"
		shapes = append(shapes, shape(t, inv, link))
	}
	if shapes[0] != shapes[1] || shapes[1] != shapes[2] {
		t.Fatalf("the answers differ:\n%s", strings.Join(shapes, "\n"))
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE lower(recipient) IN ('someone.else@example.org', 'nobody@example.org')`); n != 0 {
		t.Fatal("an invitation that matched no account was e-mailed")
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE recipient = 'vera@example.org' AND kind = 'invitation'`); n != 2 {
		t.Fatalf("%d invitation e-mails to Vera (created, resent)", n)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, e.mailedLink("vera@example.org")), store.Acceptance{Password: invitePassword}); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM memberships WHERE user_id = $1 AND org_id = $2`, vera, e.acme); n != 1 {
		t.Fatal("Vera did not join after proving her account")
	}
	// A login code that is not one: refused for its form (which says nothing of accounts).
	if _, _, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, ExistingLogin: "a b", Email: "x@example.org", Rights: []string{"billing.view"}}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a malformed login code: %v", err)
	}
}

func TestInvitationRefusedWhenExpiredRevokedOrUnknown(t *testing.T) {
	e := newInvEnv(t)
	n := store.NewInvitation{OrgID: e.acme, Name: "Eve Expired", Email: "eve@example.org", Rights: []string{"reports.view"}}
	_, expLink := e.invite(supportOp, n)
	_, revLink := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Rob Revoked", Email: "rob@example.org", Rights: []string{"reports.view"}})
	inv2, _ := e.s.ListInvitations(e.ctx, supportOp, store.InvitationQuery{Search: "rob@"})
	if len(inv2.Invitations) != 1 {
		t.Fatalf("search: %+v", inv2)
	}
	if _, err := e.s.RevokeInvitation(e.ctx, supportOp, inv2.Invitations[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE invitation_id = $1 AND status = 'cancelled' AND sealed_secret IS NULL`, inv2.Invitations[0].ID); n != 1 {
		t.Fatal("the revoked invitation's e-mail is still queued")
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, revLink), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); refusal(err) != store.RefusedRevoked {
		t.Fatalf("revoked: %v", err)
	}
	if _, err := e.s.RevokeInvitation(e.ctx, supportOp, inv2.Invitations[0].ID); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("revoke twice: %v", err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, "no-such-token", store.Acceptance{Password: invitePassword, Confirm: invitePassword}); refusal(err) != store.RefusedUnknown {
		t.Fatalf("unknown: %v", err)
	}

	// Duplicate while open.
	if _, _, err := e.s.CreateInvitation(e.ctx, supportOp, n); !store.IsDuplicateInvitation(err) || !errors.Is(err, store.ErrDuplicate) ||
		!strings.Contains(err.Error(), "already invited; resend it") {
		t.Fatalf("duplicate: %v", err)
	}
	e.clk.add(store.DefaultInvitationTTL + time.Minute)
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, expLink), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); refusal(err) != store.RefusedExpired {
		t.Fatalf("expired: %v", err)
	}
	page, err := e.s.ListInvitations(e.ctx, supportOp, store.InvitationQuery{State: store.InvitationExpired})
	if err != nil || len(page.Invitations) != 1 || page.Invitations[0].Email != "eve@example.org" {
		t.Fatalf("expired list %+v %v", page, err)
	}
	// Once expired, a new invitation for the same e-mail closes the old one and goes out.
	_, newLink := e.invite(supportOp, n)
	if n := e.count(`SELECT count(*) FROM users WHERE email = 'eve@example.org'`); n != 1 {
		t.Fatalf("re-invite created %d accounts", n)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, expLink), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); refusal(err) != store.RefusedExpired {
		t.Fatalf("old link after re-invite: %v", err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, newLink), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err != nil {
		t.Fatal(err)
	}
	states := map[store.InvitationState]int{}
	for _, st := range store.InvitationStates {
		p, err := e.s.ListInvitations(e.ctx, supportOp, store.InvitationQuery{State: st})
		if err != nil {
			t.Fatal(err)
		}
		states[st] = len(p.Invitations)
	}
	if states[store.InvitationExpired] != 1 || states[store.InvitationRevoked] != 1 || states[store.InvitationAccepted] != 1 || states[store.InvitationPending] != 0 {
		t.Fatalf("states %v", states)
	}
}

func TestResendRotatesTokenAndExtendKeepsIt(t *testing.T) {
	e := newInvEnv(t)
	inv, old := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Rémi", Email: "remi@example.org", Rights: []string{"billing.view"}})
	e.clk.add(48 * time.Hour)
	inv2, fresh, err := e.s.ResendInvitation(e.ctx, supportOp, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == old || inv2.ResendCount != 1 || !inv2.ExpiresAt.Equal(e.clk.now().Add(store.DefaultInvitationTTL)) {
		t.Fatalf("resent %+v", inv2)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE invitation_id = $1 AND status = 'pending'`, inv.ID); n != 1 {
		t.Fatalf("%d pending e-mails after resend, want 1 (the old one cancelled)", n)
	}
	if hits := secretHits(t, e.s.DB(), tokenOf(t, fresh)); len(hits) != 0 {
		t.Fatalf("the new token is stored in clear in %v", hits)
	}
	ext, err := e.s.ExtendInvitation(e.ctx, supportOp, inv.ID, 72*time.Hour)
	if err != nil || !ext.ExpiresAt.Equal(inv2.ExpiresAt.Add(72*time.Hour)) {
		t.Fatalf("extend %+v %v", ext, err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, old), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); refusal(err) != store.RefusedUnknown {
		t.Fatalf("old link after resend: %v", err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, fresh), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err != nil {
		t.Fatalf("new link: %v", err)
	}
	if _, _, err := e.s.ResendInvitation(e.ctx, supportOp, inv.ID); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("resend an accepted invitation: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM audit_entries WHERE action IN ('invitation.create', 'invitation.resend', 'invitation.extend', 'invitation.accept')`); n != 4 {
		t.Fatalf("%d audit rows", n)
	}
}

func TestTwoAcceptsAtOnceExactlyOneWins(t *testing.T) {
	e := newInvEnv(t)
	for round := 0; round < 3; round++ {
		_, link := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Race", Email: fmt.Sprintf("race%d@example.org", round), Rights: []string{"billing.view"}})
		tok := tokenOf(t, link)
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, errs[i] = e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{Password: invitePassword, Confirm: invitePassword})
			}(i)
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case refusal(err) != store.RefusedUsed:
				t.Fatalf("a loser got %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners", round, wins)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_entries WHERE action = 'invitation.accept'`); n != 3 {
		t.Fatalf("%d acceptances recorded", n)
	}
}

func TestInvitationTenancyAndRights(t *testing.T) {
	e := newInvEnv(t)
	adm := e.admin("ann", []string{"billing.view", "reports.view"}, "acme")
	oncall := model.Operator{Name: "olga", Role: model.RoleOncall}

	// Into another organization: not found. A right the admin lacks: forbidden.
	if _, _, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.glob, Name: "X", Email: "x@example.org", Rights: []string{"billing.view"}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("admin into B: %v", err)
	}
	if _, _, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, Name: "X", Email: "x@example.org", Rights: []string{"billing.view", "users.manage"}}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("admin grants a right they lack: %v", err)
	}
	if _, _, err := e.s.CreateInvitation(e.ctx, oncall, store.NewInvitation{OrgID: e.acme, Name: "X", Email: "x@example.org", Rights: []string{"billing.view"}}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("oncall invites: %v", err)
	}
	if _, _, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, Name: "X", Email: "x@example.org"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("no right: %v", err)
	}
	if _, _, err := e.s.CreateInvitation(e.ctx, adm, store.NewInvitation{OrgID: e.acme, Name: "X", Email: "not an address", Rights: []string{"billing.view"}}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad e-mail: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM invitations`) + e.count(`SELECT count(*) FROM users`) + e.count(`SELECT count(*) FROM outbox`); n != 0 {
		t.Fatalf("refusals left %d rows", n)
	}
	mine, _ := e.invite(adm, store.NewInvitation{OrgID: e.acme, Name: "Mine", Email: "mine@example.org", Rights: []string{"billing.view"}})
	theirs, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.glob, Name: "Theirs", Email: "theirs@example.org", Rights: []string{"users.manage"}})
	page, err := e.s.ListInvitations(e.ctx, adm, store.InvitationQuery{})
	if err != nil || len(page.Invitations) != 1 || page.Invitations[0].ID != mine.ID {
		t.Fatalf("admin lists %+v %v", page, err)
	}
	if _, err := e.s.GetInvitation(e.ctx, adm, theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get: %v", err)
	}
	if _, _, err := e.s.ResendInvitation(e.ctx, adm, theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("resend: %v", err)
	}
	if _, err := e.s.RevokeInvitation(e.ctx, adm, theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := e.s.ExtendInvitation(e.ctx, adm, theirs.ID, time.Hour*24); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("extend: %v", err)
	}
	if _, err := e.s.RevokeInvitation(e.ctx, oncall, mine.ID); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("oncall revokes: %v", err)
	}
	// An invitation with a right the admin may not grant, made by support in the admin's org,
	// cannot be resent by the admin (that would grant it again).
	sup, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Sup", Email: "sup@example.org", Rights: []string{"settings.manage"}})
	if _, _, err := e.s.ResendInvitation(e.ctx, adm, sup.ID); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("admin resends a right they lack: %v", err)
	}
	rights, err := e.s.GrantableRights(e.ctx, adm)
	if err != nil || len(rights) != 2 {
		t.Fatalf("grantable %v %v", rights, err)
	}
}

func TestListInvitationsKeysetAndSearch(t *testing.T) {
	e := newInvEnv(t)
	var want []int64
	for i := 0; i < 25; i++ {
		inv, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: fmt.Sprintf("Person %02d", i), Email: fmt.Sprintf("p%02d@example.org", i), Rights: []string{"billing.view"}})
		want = append(want, inv.ID)
		e.clk.add(time.Second)
	}
	sort.Slice(want, func(i, j int) bool { return want[i] > want[j] })
	var got []int64
	q := store.InvitationQuery{Limit: 7}
	for {
		p, err := e.s.ListInvitations(e.ctx, supportOp, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range p.Invitations {
			got = append(got, inv.ID)
		}
		if !p.HasNext {
			break
		}
		q.After = p.Last
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages %v, want %v", got, want)
	}
	for search, n := range map[string]int{"person": 25, "PERSON p21@": 1, "p21@ person": 1, "p21@": 1, "%": 0, "_": 0, "acme-": 25} {
		p, err := e.s.ListInvitations(e.ctx, supportOp, store.InvitationQuery{Search: search, Limit: 100})
		if err != nil || len(p.Invitations) != n {
			t.Errorf("search %q: %d, %v; want %d", search, len(p.Invitations), err, n)
		}
	}
	if _, err := e.s.ListInvitations(e.ctx, supportOp, store.InvitationQuery{State: "bogus"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad state: %v", err)
	}
}

// The Invitations search finds a person as the Users search does: without accents, in any
// case, every word somewhere in the name, the e-mail or the login code, in any order.
func TestListInvitationsSearchIgnoresAccentsAndWordOrder(t *testing.T) {
	e := newInvEnv(t)
	amelie, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Amélie Rousseau", Email: "a.rousseau@example.org", Rights: []string{"billing.view"}})
	elodie, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Élodie Martin", Email: "e.martin@example.org", Rights: []string{"billing.view"}})
	pierre, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.glob, Name: "Pierre Lefèvre", Email: "pierre@example.org", Rights: []string{"billing.view"}})
	names := map[int64]string{amelie.ID: "Amélie", elodie.ID: "Élodie", pierre.ID: "Pierre"}
	adm := e.admin("ana", []string{"billing.view"}, "acme")
	for _, c := range []struct {
		op     model.Operator
		search string
		want   string
	}{
		{supportOp, "amelie", "Amélie"},
		{supportOp, "AMELIE", "Amélie"},
		{supportOp, "rousseau amelie", "Amélie"},
		{supportOp, "amélie rous", "Amélie"},
		{supportOp, "elodie", "Élodie"},
		{supportOp, "martin elodie", "Élodie"},
		{supportOp, "lefevre", "Pierre"},
		{supportOp, "LEFÈVRE pierre@", "Pierre"},
		{supportOp, "example.org amelie", "Amélie"},
		{supportOp, strings.ToLower(amelie.UserLogin), "Amélie"},
		{supportOp, "amelie " + strings.ToLower(amelie.UserLogin[len(amelie.UserLogin)-3:]), "Amélie"},
		{supportOp, "amelie martin", ""},
		{supportOp, "e.martin", "Élodie"},
		{supportOp, "e", "Amélie Élodie Pierre"},
		{adm, "amelie", "Amélie"},
		{adm, "lefevre", ""}, // globex: not the admin's
	} {
		p, err := e.s.ListInvitations(e.ctx, c.op, store.InvitationQuery{Search: c.search, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, inv := range p.Invitations {
			got = append(got, names[inv.ID])
		}
		want := strings.Fields(c.want)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s searching %q: %v, want %q", c.op.Name, c.search, got, c.want)
		}
	}
	// The folded text follows the invitation: stored, not computed at each search.
	if n := e.count(`SELECT count(*) FROM invitations WHERE search = 'amelie rousseau' || E'\n' || 'a.rousseau@example.org'`); n != 1 {
		t.Errorf("the folded column: %d rows", n)
	}
}

func TestRightsCatalog(t *testing.T) {
	e := newInvEnv(t)
	adm := e.admin("ann", nil, "acme")
	if err := e.s.AddRight(e.ctx, adm, model.Right{Code: "docs.view", Label: "View documents"}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("admin edits the catalog: %v", err)
	}
	if err := e.s.AddRight(e.ctx, supportOp, model.Right{Code: "Docs View", Label: "x"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad code: %v", err)
	}
	if err := e.s.AddRight(e.ctx, supportOp, model.Right{Code: "docs.view", Label: "View documents", Description: "Read shared documents"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AddRight(e.ctx, supportOp, model.Right{Code: "docs.view", Label: "Again"}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("twice: %v", err)
	}
	_, link := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Doc", Email: "doc@example.org", Rights: []string{"docs.view"}})
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, link), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err != nil {
		t.Fatal(err)
	}
	use, err := e.s.RemoveRight(e.ctx, supportOp, "docs.view", false)
	if !errors.Is(err, store.ErrConflict) || use.Memberships != 1 {
		t.Fatalf("remove in use: %+v %v", use, err)
	}
	if _, err := e.s.RemoveRight(e.ctx, supportOp, "docs.view", true); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM rights WHERE code = 'docs.view'`) + e.count(`SELECT count(*) FROM membership_rights WHERE right_code = 'docs.view'`); n != 0 {
		t.Fatal("forced removal left rows")
	}
	if _, err := e.s.RemoveRight(e.ctx, supportOp, "docs.view", true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("remove missing: %v", err)
	}
}

// An existing account joins an organization only when its owner proves who they are, through
// the login routine: the same lockout, the same auth events, the same uniform answer.
func TestAcceptingForAnExistingAccountProvesTheOwner(t *testing.T) {
	e := newInvEnv(t)
	uid := e.user("GLOB-40001", "owner@example.org", "Olivia Owner", e.glob)
	e.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, uid, e.hash(invitePassword))
	inv, _ := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, ExistingUserID: uid, Rights: []string{"billing.view"}})
	tok := tokenOf(t, e.mailedLink("owner@example.org"))
	p, err := e.s.InspectInvitation(e.ctx, tok)
	if err != nil || !p.ExistingAccount || p.NeedsPassword || p.Login != "GLOB-40001" {
		t.Fatalf("preview %+v %v", p, err)
	}
	ip := netip.MustParseAddr("198.51.100.9")
	state := func() (failures int, locked bool, members int, accepted bool) {
		t.Helper()
		if err := e.s.DB().QueryRow(`SELECT failed_attempts, locked_at IS NOT NULL FROM users WHERE id = $1`, uid).Scan(&failures, &locked); err != nil {
			t.Fatal(err)
		}
		return failures, locked, e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, uid),
			e.count(`SELECT count(*) FROM invitations WHERE id = $1 AND accepted_at IS NOT NULL`, inv.ID) == 1
	}
	events := func(reason string) int {
		t.Helper()
		return e.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'login_failure' AND reason = $2
			AND ip = '198.51.100.9' AND user_agent = 'test-agent'`, uid, reason)
	}
	try := func(a store.Acceptance) error {
		t.Helper()
		a.IP, a.UserAgent = ip, "test-agent"
		_, err := e.s.AcceptInvitation(e.ctx, tok, a)
		return err
	}

	// The link alone, then a wrong password: refused, counted, recorded; nothing granted.
	for i, a := range []store.Acceptance{{}, {Password: invitePassword + "!", Confirm: invitePassword + "!"}} {
		if err := try(a); !errors.Is(err, store.ErrAuthFailed) || errors.Is(err, store.ErrTOTPRequired) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if f, locked, m, acc := state(); f != 2 || locked || m != 1 || acc {
		t.Fatalf("after two wrong proofs: failures %d locked %v memberships %d accepted %v", f, locked, m, acc)
	}
	if n := events("bad_password"); n != 2 {
		t.Fatalf("%d bad_password events", n)
	}
	// The same counter as logins.
	if _, err := e.s.Authenticate(e.ctx, store.AuthRequest{Login: "GLOB-40001", Password: "nope"}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatal(err)
	}
	if f, _, _, _ := state(); f != 3 {
		t.Fatalf("a failed login after two failed acceptances: counter %d, want 3", f)
	}

	// 2FA enrolled: the right password alone asks for the code (not counted); a wrong code counts.
	secret := model.NewTOTPSecret()
	e.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, uid, secret)
	if err := try(store.Acceptance{Password: invitePassword}); !errors.Is(err, store.ErrTOTPRequired) {
		t.Fatalf("no code: %v", err)
	}
	if f, _, _, acc := state(); f != 3 || acc {
		t.Fatalf("asking for the code counted a failure (%d) or accepted (%v)", f, acc)
	}
	bad, _ := model.TOTPCode(secret, e.clk.now().Add(-time.Hour))
	if err := try(store.Acceptance{Password: invitePassword, TOTP: bad}); !errors.Is(err, store.ErrAuthFailed) || errors.Is(err, store.ErrTOTPRequired) {
		t.Fatalf("wrong code: %v", err)
	}
	if n := events("bad_totp"); n != 2 {
		t.Fatalf("%d bad_totp events (the missing code, then the wrong one)", n)
	}
	// The fifth failure locks; then even the right password and code are refused, uniformly.
	if err := try(store.Acceptance{Password: "still wrong"}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatal(err)
	}
	if f, locked, _, _ := state(); f != 5 || !locked {
		t.Fatalf("after five failures: counter %d locked %v", f, locked)
	}
	good, _ := model.TOTPCode(secret, e.clk.now())
	if err := try(store.Acceptance{Password: invitePassword, TOTP: good}); !errors.Is(err, store.ErrAuthFailed) || errors.Is(err, store.ErrTOTPRequired) {
		t.Fatalf("locked account: %v", err)
	}
	if _, _, m, acc := state(); m != 1 || acc {
		t.Fatal("a locked account was given the access")
	}

	// Unlocked by an operator, the owner accepts with password and code.
	if _, err := e.s.UnlockUsers(e.ctx, supportOp, []int64{uid}, "identity checked", false); err != nil {
		t.Fatal(err)
	}
	res, err := e.s.AcceptInvitation(e.ctx, tok, store.Acceptance{Password: invitePassword, TOTP: good, IP: ip, UserAgent: "test-agent"})
	if err != nil {
		t.Fatal(err)
	}
	if res.NewAccount || res.UserID != uid || res.OrgSlug != "acme" || strings.Join(res.Rights, ",") != "billing.view" {
		t.Fatalf("accepted %+v", res)
	}
	if f, locked, m, acc := state(); f != 0 || locked || m != 2 || !acc {
		t.Fatalf("after acceptance: failures %d locked %v memberships %d accepted %v", f, locked, m, acc)
	}
	if n := e.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'login_success' AND user_agent = 'test-agent'`, uid); n != 1 {
		t.Fatalf("%d success events", n)
	}
	if n := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1`, uid); n != 0 {
		t.Fatal("accepting opened a session")
	}
	if n := e.count(`SELECT count(*) FROM audit_entries WHERE action = 'invitation.accept' AND strpos(summary, 'password proven') > 0`); n != 1 {
		t.Fatal("no audit row of the proven acceptance")
	}
	// The code worked once: the TOTP step is remembered.
	if _, err := e.s.Authenticate(e.ctx, store.AuthRequest{Login: "GLOB-40001", Password: invitePassword, TOTP: good}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("the acceptance's code replayed at login: %v", err)
	}

	// A disabled account: inspected like any existing account, refused at acceptance without
	// saying why, even with its password.
	dis := e.user("GLOB-40002", "disabled@example.org", "Dora Disabled", e.glob)
	e.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, dis, e.hash(invitePassword))
	e.invite(supportOp, store.NewInvitation{OrgID: e.acme, ExistingUserID: dis, Rights: []string{"billing.view"}})
	dlink := e.mailedLink("disabled@example.org")
	e.exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, dis)
	if p, err := e.s.InspectInvitation(e.ctx, tokenOf(t, dlink)); err != nil || !p.ExistingAccount {
		t.Fatalf("disabled preview %+v %v", p, err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, dlink), store.Acceptance{Password: invitePassword}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("disabled account: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, dis); n != 1 {
		t.Fatal("a disabled account was given the access")
	}
}

// An invited person who accepts another organization's invitation first has a password from
// then on: the other link, inspected before, now needs it.
func TestNewPersonWhoAcceptedElsewhereMustProveTheAccount(t *testing.T) {
	e := newInvEnv(t)
	_, linkA := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Twice Invited", Email: "twice@example.org", Rights: []string{"billing.view"}})
	_, linkB := e.invite(supportOp, store.NewInvitation{OrgID: e.glob, Name: "Twice Invited", Email: "twice@example.org", Rights: []string{"reports.view"}})
	if p, err := e.s.InspectInvitation(e.ctx, tokenOf(t, linkB)); err != nil || !p.NeedsPassword || p.ExistingAccount {
		t.Fatalf("B's link before: %+v %v", p, err)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, linkA), store.Acceptance{Password: invitePassword, Confirm: invitePassword}); err != nil {
		t.Fatal(err)
	}
	other := "another long passphrase 9931"
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, linkB), store.Acceptance{Password: other, Confirm: other}); !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("B's link with a new password once the account exists: %v", err)
	}
	if p, err := e.s.InspectInvitation(e.ctx, tokenOf(t, linkB)); err != nil || p.NeedsPassword || !p.ExistingAccount {
		t.Fatalf("B's link after: %+v %v", p, err)
	}
	if n := e.count(`SELECT count(*) FROM memberships`); n != 1 {
		t.Fatalf("%d memberships, want 1", n)
	}
	if _, err := e.s.AcceptInvitation(e.ctx, tokenOf(t, linkB), store.Acceptance{Password: invitePassword}); err != nil {
		t.Fatal(err)
	}
}
