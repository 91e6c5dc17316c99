package store_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

// The role table: every store function that acts for an operator, called
// as support, as an admin of organization A, and as oncall, on a target in organization A
// ("same") and in organization B ("other"), must be allowed, answer "not found" (an admin never
// learns that another organization's user exists), or be forbidden (the role may not do it).
// A refused call changes nothing (no audit row); an allowed write leaves exactly its audit row.
//
// To add a function: one authzRow with its expectation (the presets below, or a roles literal)
// and a call that runs it against a target in the given organization. Mutations take a fresh
// target from the world (w.user(org), w.invitation(org)...) so rows never depend on each other.

type outcome string

const (
	ok        outcome = "allowed"
	nf        outcome = "not found"
	fb        outcome = "forbidden"
	unchecked outcome = "" // not checked
)

// roles is the expected outcome per role, each as [same organization, other organization].
type roles struct{ support, admin, oncall [2]outcome }

var (
	// readScoped: every role reads; an admin only in their organizations.
	readScoped = roles{support: [2]outcome{ok, ok}, admin: [2]outcome{ok, nf}, oncall: [2]outcome{ok, ok}}
	// writeScoped: support and admins change accounts (admins in their organizations); oncall may not.
	writeScoped = roles{support: [2]outcome{ok, ok}, admin: [2]outcome{ok, nf}, oncall: [2]outcome{fb, fb}}
	// unlockScoped: oncall may unlock too.
	unlockScoped = readScoped
	// supportOnly: installation-wide settings, operators, organizations, the rights catalog.
	supportOnly = roles{support: [2]outcome{ok, ok}, admin: [2]outcome{fb, fb}, oncall: [2]outcome{fb, fb}}
)

type authzRow struct {
	name   string
	want   roles
	audits int // audit rows an allowed call writes (0 for reads); a refused call writes none
	// prep makes a fresh target in org (a user, an invitation, an operator...) before the
	// audit rows are counted; nil for rows that read the world's shared targets.
	prep func(w *authzWorld, org int64) int64
	call func(w *authzWorld, op model.Operator, org, target int64) error
}

// visible turns "the target is not in the list" into ErrNotFound, so list functions fit the table.
func visible(found bool, err error) error {
	if err != nil {
		return err
	}
	if !found {
		return store.ErrNotFound
	}
	return nil
}

// Fresh targets for the mutation rows.
var (
	freshUser       = func(w *authzWorld, org int64) int64 { return w.user(org) }
	freshInvitation = func(w *authzWorld, org int64) int64 { return w.invitation(org) }
	freshOperator   = func(w *authzWorld, _ int64) int64 { return w.freshOperator() }
	disabledUser    = func(w *authzWorld, org int64) int64 {
		id := w.user(org)
		w.exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, id)
		return id
	}
	userWith2FA = func(w *authzWorld, org int64) int64 {
		id := w.user(org)
		w.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, id)
		return id
	}
	userSession     = func(w *authzWorld, org int64) int64 { return w.session(w.user(org)) }
	userWithSession = func(w *authzWorld, org int64) int64 {
		id := w.user(org)
		w.session(id)
		return id
	}
)

var authzRows = []authzRow{
	// Reading users and their history.
	{"GetUser", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, err := w.s.GetUser(w.ctx, op, w.shared[org])
		return err
	}},
	{"FindUser by login", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, err := w.s.FindUser(w.ctx, op, w.login(w.shared[org]))
		return err
	}},
	{"ListUsers", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		p, err := w.s.ListUsers(w.ctx, op, store.UserQuery{Search: w.login(w.shared[org]), Limit: 10})
		return visible(len(p.Users) == 1, err)
	}},
	{"ListUsers filtered by organization", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		p, err := w.s.ListUsers(w.ctx, op, store.UserQuery{OrgID: org, Limit: 500})
		return visible(len(p.Users) > 0, err)
	}},
	{"UserTimeline", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, err := w.s.UserTimeline(w.ctx, op, w.shared[org], 0, 10)
		return err
	}},
	{"ListSessions", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, err := w.s.ListSessions(w.ctx, op, w.shared[org])
		return err
	}},
	{"PasswordRules", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, _, err := w.s.PasswordRules(w.ctx, op, w.shared[org])
		return err
	}},
	{"ListAudit about a user", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		rows, err := w.s.ListAudit(w.ctx, op, store.AuditQuery{UserID: w.shared[org]})
		return visible(len(rows) > 0, err)
	}},
	{"ListAudit unfiltered", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		rows, err := w.s.ListAudit(w.ctx, op, store.AuditQuery{Limit: 500})
		found := false
		for _, r := range rows {
			found = found || (r.TargetUserID != nil && *r.TargetUserID == w.shared[org])
		}
		return visible(found, err)
	}},
	{"ListLocked", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		rows, err := w.s.ListLocked(w.ctx, op, store.LockedQuery{})
		found := false
		for _, r := range rows {
			found = found || r.ID == w.locked[org]
		}
		return visible(found, err)
	}},
	{"RecentFailures", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		rows, err := w.s.RecentFailures(w.ctx, op, store.FailureQuery{Since: w.s.Now().Add(-time.Hour), Limit: 1000})
		found := false
		for _, r := range rows {
			found = found || (r.UserID != nil && *r.UserID == w.shared[org])
		}
		return visible(found, err)
	}},
	// Organizations and rights.
	{"OrganizationBySlug", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, err := w.s.OrganizationBySlug(w.ctx, op, w.slug[org])
		return err
	}},
	{"ListOrganizations", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		orgs, err := w.s.ListOrganizations(w.ctx, op)
		found := false
		for _, o := range orgs {
			found = found || o.ID == org
		}
		return visible(found, err)
	}},
	// oncall may grant nothing: an empty list, shown here as "not found".
	{"GrantableRights", roles{support: [2]outcome{ok, ok}, admin: [2]outcome{ok, ok}, oncall: [2]outcome{nf, nf}}, 0, nil,
		func(w *authzWorld, op model.Operator, _, _ int64) error {
			rights, err := w.s.GrantableRights(w.ctx, op)
			return visible(len(rights) > 0, err)
		}},
	{"AddOrganization", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		_, err := w.s.AddOrganization(w.ctx, op, fmt.Sprintf("new-org-%d", w.next()), "New")
		return err
	}},
	{"AddRight", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		return w.s.AddRight(w.ctx, op, model.Right{Code: fmt.Sprintf("extra.r%d", w.next()), Label: "Extra"})
	}},
	{"RemoveRight", supportOnly, 1, func(w *authzWorld, _ int64) int64 {
		n := w.next()
		w.must(w.s.AddRight(w.ctx, w.setup, model.Right{Code: fmt.Sprintf("gone.r%d", n), Label: "Gone"}))
		return int64(n)
	}, func(w *authzWorld, op model.Operator, _, n int64) error {
		_, err := w.s.RemoveRight(w.ctx, op, fmt.Sprintf("gone.r%d", n), false)
		return err
	}},
	// Operators.
	{"AddOperator", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		_, err := w.s.AddOperator(w.ctx, op, store.NewOperator{Name: fmt.Sprintf("op%d", w.next()), Role: model.RoleOncall})
		return err
	}},
	{"AddOperatorKey", supportOnly, 1, freshOperator, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.AddOperatorKey(w.ctx, op, w.operatorName(target), w.authorizedKey())
		return err
	}},
	{"RemoveOperatorKey", supportOnly, 1, func(w *authzWorld, org int64) int64 {
		id := w.freshOperator()
		_, err := w.s.AddOperatorKey(w.ctx, w.setup, w.operatorName(id), w.authorizedKey())
		w.must(err)
		return id
	}, func(w *authzWorld, op model.Operator, _, target int64) error {
		var fp string
		w.must(w.s.DB().Get(&fp, `SELECT fingerprint FROM operator_keys WHERE operator_id = $1`, target))
		return w.s.RemoveOperatorKey(w.ctx, op, w.operatorName(target), fp)
	}},
	{"RemoveOperator", supportOnly, 1, freshOperator, func(w *authzWorld, op model.Operator, _, target int64) error {
		return w.s.RemoveOperator(w.ctx, op, w.operatorName(target))
	}},
	// Installation settings and maintenance.
	{"SetLockoutPolicy", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		p, err := w.s.LockoutPolicy(w.ctx)
		w.must(err)
		return w.s.SetLockoutPolicy(w.ctx, op, p)
	}},
	{"SetSessionPolicy", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		return w.s.SetSessionPolicy(w.ctx, op, store.DefaultSessionPolicy())
	}},
	{"PruneAuthEvents", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		_, err := w.s.PruneAuthEvents(w.ctx, op, w.s.Now().AddDate(-10, 0, 0), store.PruneOptions{})
		return err
	}},
	{"RebuildSearchBlocks", supportOnly, 1, nil, func(w *authzWorld, op model.Operator, _, _ int64) error {
		_, err := w.s.RebuildSearchBlocks(w.ctx, op)
		return err
	}},
	// Account actions.
	{"UnlockUsers", unlockScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.UnlockUsers(w.ctx, op, []int64{target}, "role table", false)
		return err
	}},
	{"UnlockUsers with a reset link", writeScoped, 2, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.UnlockUsers(w.ctx, op, []int64{target}, "role table", true)
		return err
	}},
	{"SendResetLink", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		return w.s.SendResetLink(w.ctx, op, target)
	}},
	{"SendLoginCode", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		return w.s.SendLoginCode(w.ctx, op, target)
	}},
	{"UpdateUser (name)", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.UpdateUser(w.ctx, op, target, 1, store.UserEdit{Name: "Renamed Person", Email: w.email(target)})
		return err
	}},
	{"DisableUser", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.DisableUser(w.ctx, op, target, 1)
		return err
	}},
	{"EnableUser", writeScoped, 1, disabledUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.EnableUser(w.ctx, op, target, 1)
		return err
	}},
	{"DeleteUser", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		return w.s.DeleteUser(w.ctx, op, target, 1, w.email(target))
	}},
	{"ResetTOTP", writeScoped, 1, userWith2FA, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.ResetTOTP(w.ctx, op, target, 1, "lost phone")
		return err
	}},
	{"SetPassword", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		pw := "violet tractor umbrella 58 quietly"
		_, err := w.s.SetPassword(w.ctx, op, target, 1, pw, pw, true)
		return err
	}},
	{"SetTemporaryPassword", writeScoped, 1, freshUser, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, _, err := w.s.SetTemporaryPassword(w.ctx, op, target, 1)
		return err
	}},
	{"EndSession", writeScoped, 1, userSession, func(w *authzWorld, op model.Operator, _, target int64) error {
		return w.s.EndSession(w.ctx, op, target)
	}},
	{"EndAllSessions", writeScoped, 1, userWithSession, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.EndAllSessions(w.ctx, op, target)
		return err
	}},
	// Invitations.
	{"CreateInvitation", writeScoped, 1, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, _, err := w.s.CreateInvitation(w.ctx, op, store.NewInvitation{OrgID: org, Name: "New Person",
			Email: fmt.Sprintf("new%d@example.org", w.next()), Rights: []string{"reports.view"}})
		return err
	}},
	// Out of scope, LookupEmail says nothing at all (as for an e-mail nobody has): "not found" here.
	{"LookupEmail", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		acc, err := w.s.LookupEmail(w.ctx, op, w.email(w.shared[org]))
		return visible(err == nil && acc.Exists && acc.UserID == w.shared[org], err)
	}},
	{"GetInvitation", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		_, err := w.s.GetInvitation(w.ctx, op, w.sharedInvitation[org])
		return err
	}},
	{"ListInvitations", readScoped, 0, nil, func(w *authzWorld, op model.Operator, org, _ int64) error {
		p, err := w.s.ListInvitations(w.ctx, op, store.InvitationQuery{Limit: 500})
		found := false
		for _, inv := range p.Invitations {
			found = found || inv.ID == w.sharedInvitation[org]
		}
		return visible(found, err)
	}},
	{"ResendInvitation", writeScoped, 1, freshInvitation, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, _, err := w.s.ResendInvitation(w.ctx, op, target)
		return err
	}},
	{"RevokeInvitation", writeScoped, 1, freshInvitation, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.RevokeInvitation(w.ctx, op, target)
		return err
	}},
	{"ExtendInvitation", writeScoped, 1, freshInvitation, func(w *authzWorld, op model.Operator, _, target int64) error {
		_, err := w.s.ExtendInvitation(w.ctx, op, target, 24*time.Hour)
		return err
	}},
}

// authzWorld is one database with organizations A and B, an operator of each role (the admin
// scoped to A), and a few shared targets per organization for the read rows.
type authzWorld struct {
	t                *testing.T
	s                *store.Store
	ctx              context.Context
	setup            model.Operator // the CLI's machine administrator (ID 0)
	orgA, orgB       int64
	slug             map[int64]string
	ops              map[model.Role]model.Operator
	shared           map[int64]int64 // org → a user of that organization only
	locked           map[int64]int64 // org → a locked user
	sharedInvitation map[int64]int64 // org → an open invitation
	n                int
}

func (w *authzWorld) next() int { w.n++; return w.n }

func (w *authzWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *authzWorld) exec(q string, args ...any) {
	w.t.Helper()
	_, err := w.s.DB().Exec(q, args...)
	w.must(err)
}

// user creates an active user who belongs to org only (a password, one failed login).
func (w *authzWorld) user(org int64) int64 {
	w.t.Helper()
	n := w.next()
	var id int64
	w.must(w.s.DB().Get(&id, `INSERT INTO users (login_code, email, name, status, password_hash)
		VALUES ($1, $2, $3, 'active', $4) RETURNING id`,
		fmt.Sprintf("AZ-%05d", n), fmt.Sprintf("person%d@example.org", n), fmt.Sprintf("Person %d", n), w.hash()))
	w.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, id, org)
	w.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'reports.view')`, id, org)
	w.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($1, $2, $3, 'login_failure', 'bad_password', '203.0.113.7')`,
		w.s.Now(), id, fmt.Sprintf("AZ-%05d", n))
	return id
}

var authzHash string

// hash is a real argon2id hash (computed once), so password rules can compare against it.
func (w *authzWorld) hash() string {
	if authzHash == "" {
		h, err := store.HashPassword(w.ctx, "an old password nobody uses 1")
		w.must(err)
		authzHash = h
	}
	return authzHash
}

func (w *authzWorld) login(id int64) string {
	var l string
	w.must(w.s.DB().Get(&l, `SELECT login_code FROM users WHERE id = $1`, id))
	return l
}

func (w *authzWorld) email(id int64) string {
	var e string
	w.must(w.s.DB().Get(&e, `SELECT email FROM users WHERE id = $1`, id))
	return e
}

// session opens a portal session for the user and returns its id.
func (w *authzWorld) session(userID int64) int64 {
	w.t.Helper()
	tok := make([]byte, 32)
	_, _ = rand.Read(tok)
	h := sha256.Sum256(tok)
	var id int64
	now := w.s.Now()
	w.must(w.s.DB().Get(&id, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at)
		VALUES ($1, $2, $3, $3, $4, $5) RETURNING id`, userID, h[:], now, now.Add(time.Hour), now.Add(12*time.Hour)))
	return id
}

// invitation creates an open invitation into org (by support) and returns its id.
func (w *authzWorld) invitation(org int64) int64 {
	w.t.Helper()
	inv, _, err := w.s.CreateInvitation(w.ctx, w.ops[model.RoleSupport], store.NewInvitation{OrgID: org,
		Name: "Invited Person", Email: fmt.Sprintf("invited%d@example.org", w.next()), Rights: []string{"reports.view"}})
	w.must(err)
	return inv.ID
}

// freshOperator registers an oncall operator to be changed by a row, and returns its id.
func (w *authzWorld) freshOperator() int64 {
	w.t.Helper()
	id, err := w.s.AddOperator(w.ctx, w.setup, store.NewOperator{Name: fmt.Sprintf("target%d", w.next()), Role: model.RoleOncall})
	w.must(err)
	return id
}

func (w *authzWorld) operatorName(id int64) string {
	var n string
	w.must(w.s.DB().Get(&n, `SELECT name FROM operators WHERE id = $1`, id))
	return n
}

// authorizedKey is a new ed25519 public key in authorized_keys format.
func (w *authzWorld) authorizedKey() string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	w.must(err)
	pk, err := ssh.NewPublicKey(pub)
	w.must(err)
	return string(ssh.MarshalAuthorizedKey(pk))
}

func (w *authzWorld) auditCount() int {
	var n int
	w.must(w.s.DB().Get(&n, `SELECT count(*) FROM audit_entries`))
	return n
}

func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	w := &authzWorld{t: t, s: storetest.New(t), ctx: context.Background(), setup: model.Operator{Name: "cli:setup", Role: model.RoleSupport},
		slug: map[int64]string{}, ops: map[model.Role]model.Operator{}, shared: map[int64]int64{},
		locked: map[int64]int64{}, sharedInvitation: map[int64]int64{}}
	var err error
	w.orgA, err = w.s.AddOrganization(w.ctx, w.setup, "org-a", "Organization A")
	w.must(err)
	w.orgB, err = w.s.AddOrganization(w.ctx, w.setup, "org-b", "Organization B")
	w.must(err)
	w.slug[w.orgA], w.slug[w.orgB] = "org-a", "org-b"
	for _, r := range []struct {
		role model.Role
		orgs []string
	}{{model.RoleSupport, nil}, {model.RoleAdmin, []string{"org-a"}}, {model.RoleOncall, nil}} {
		name := "the-" + string(r.role)
		_, err := w.s.AddOperator(w.ctx, w.setup, store.NewOperator{Name: name, Role: r.role, OrgSlugs: r.orgs})
		w.must(err)
		op, err := w.s.OperatorByName(w.ctx, name)
		w.must(err)
		w.ops[r.role] = op
	}
	for _, org := range []int64{w.orgA, w.orgB} {
		w.shared[org] = w.user(org)
		w.session(w.shared[org])
		_, err := w.s.UnlockUsers(w.ctx, w.ops[model.RoleSupport], []int64{w.shared[org]}, "an audit row about this user", false)
		w.must(err)
		w.locked[org] = w.user(org)
		w.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, w.locked[org], w.s.Now().Add(-time.Minute))
		w.sharedInvitation[org] = w.invitation(org)
	}
	return w
}

func classify(err error) (outcome, bool) {
	switch {
	case err == nil:
		return ok, true
	case errors.Is(err, store.ErrNotFound):
		return nf, true
	case errors.Is(err, store.ErrForbidden):
		return fb, true
	}
	return "", false
}

func TestRoleTable(t *testing.T) {
	w := newAuthzWorld(t)
	scopes := []struct {
		name string
		org  int64
	}{{"same-org", w.orgA}, {"other-org", w.orgB}}
	for _, row := range authzRows {
		t.Run(row.name, func(t *testing.T) {
			w.t = t
			for _, role := range []model.Role{model.RoleSupport, model.RoleAdmin, model.RoleOncall} {
				want := map[model.Role][2]outcome{model.RoleSupport: row.want.support, model.RoleAdmin: row.want.admin, model.RoleOncall: row.want.oncall}[role]
				for i, sc := range scopes {
					if want[i] == unchecked {
						continue
					}
					var target int64
					if row.prep != nil {
						target = row.prep(w, sc.org)
					}
					before := w.auditCount()
					err := row.call(w, w.ops[role], sc.org, target)
					got, known := classify(err)
					if !known {
						t.Errorf("%s as %s, %s: unexpected error %v", row.name, role, sc.name, err)
						continue
					}
					if got != want[i] {
						t.Errorf("%s as %s, %s: %s (err %v), want %s", row.name, role, sc.name, got, err, want[i])
						continue
					}
					after := w.auditCount()
					switch {
					case got != ok && after != before:
						t.Errorf("%s as %s, %s: refused (%s) but %d audit rows were written", row.name, role, sc.name, got, after-before)
					case got == ok && after != before+row.audits:
						t.Errorf("%s as %s, %s: allowed, %d audit rows written, want %d", row.name, role, sc.name, after-before, row.audits)
					}
				}
			}
		})
	}
}

// An admin of A picks an existing user to invite only among the users of A; a user who also
// belongs to B is "not found" for operations that would reach into B.
func TestAuthzAdminPicksOnlyTheirUsers(t *testing.T) {
	w := newAuthzWorld(t)
	admin := w.ops[model.RoleAdmin]
	_, _, err := w.s.CreateInvitation(w.ctx, admin, store.NewInvitation{OrgID: w.orgA, ExistingUserID: w.user(w.orgB), Rights: []string{"reports.view"}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("admin of A invites a user of B into A: %v", err)
	}
	// A right the admin does not hold cannot be granted.
	limited := "limited-admin"
	_, err = w.s.AddOperator(w.ctx, w.setup, store.NewOperator{Name: limited, Role: model.RoleAdmin, OrgSlugs: []string{"org-a"}, Rights: []string{"reports.view"}})
	w.must(err)
	lim, err := w.s.OperatorByName(w.ctx, limited)
	w.must(err)
	_, _, err = w.s.CreateInvitation(w.ctx, lim, store.NewInvitation{OrgID: w.orgA, Name: "X", Email: "x@example.org", Rights: []string{"billing.manage"}})
	if !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("granting a right the admin does not hold: %v", err)
	}
	// A user who belongs to A and B: the admin of A may not delete them (B keeps them).
	both := w.user(w.orgA)
	w.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, both, w.orgB)
	if err := w.s.DeleteUser(w.ctx, admin, both, 1, w.email(both)); err == nil {
		t.Fatal("an admin of A deleted a user who also belongs to B")
	}
}
