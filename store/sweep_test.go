package store_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

// The authorization sweep: every exported store method that
// takes an operator is called by an admin of organization A on organization B's records, and
// by an oncall operator where oncall may not act, and must be refused — ErrNotFound for the
// admin out of scope, ErrForbidden for a role that may not do it — with the whole database
// unchanged: a checksum of every table before and after each call.
//
// TestSweepCoversEveryOperatorMethod lists the methods by reflection: a new method that takes
// a model.Operator fails it until it has a row here (or an entry in sweepNoScope saying why
// it needs none).

type sweepWant int

const (
	swSkip      sweepWant = iota // allowed for this role (or nothing scoped to check): not swept
	swNotFound                   // must be store.ErrNotFound
	swForbidden                  // must be store.ErrForbidden
	swRefused                    // ErrNotFound or ErrForbidden (either is a correct refusal)
)

type sweepRow struct {
	method string // the *store.Store method swept (the reflection test matches on it)
	name   string // the case
	admin  sweepWant
	oncall sweepWant
	call   func(w *sweepWorld, op model.Operator) error
}

// shown turns "the target is not in the answer" into ErrNotFound so list methods fit the table.
func shown(found bool, err error) error {
	if err != nil {
		return err
	}
	if !found {
		return store.ErrNotFound
	}
	return nil
}

const sweepPassword = "violet tractor umbrella 58 quietly"

var sweepRows = []sweepRow{
	// Users and what hangs off them.
	{"GetUser", "user of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.GetUser(w.ctx, op, w.userB)
		return err
	}},
	{"FindUser", "login code of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.FindUser(w.ctx, op, "SWB-00001")
		return err
	}},
	{"FindUser", "e-mail of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.FindUser(w.ctx, op, "b.person@example.org")
		return err
	}},
	{"ListUsers", "search B's user", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.ListUsers(w.ctx, op, store.UserQuery{Search: "SWB-00001", Limit: 50})
		return shown(len(p.Users) > 0, err)
	}},
	{"ListUsers", "filter on organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.ListUsers(w.ctx, op, store.UserQuery{OrgID: w.orgB, Limit: 50})
		return shown(len(p.Users) > 0, err)
	}},
	{"ListUsers", "every user", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.ListUsers(w.ctx, op, store.UserQuery{Limit: 500})
		found := false
		for _, u := range p.Users {
			found = found || u.ID == w.userB || u.ID == w.disabledB
		}
		return shown(found, err)
	}},
	{"UserTimeline", "user of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		ev, err := w.s.UserTimeline(w.ctx, op, w.userB, 0, 50)
		if err == nil && len(ev) > 0 {
			return nil
		}
		return shown(false, err)
	}},
	{"ListSessions", "user of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		ss, err := w.s.ListSessions(w.ctx, op, w.userB)
		if err == nil && len(ss) > 0 {
			return nil
		}
		return shown(false, err)
	}},
	{"PasswordRules", "user of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.PasswordRules(w.ctx, op, w.userB)
		return err
	}},
	{"AlsoOutsideScope", "user of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AlsoOutsideScope(w.ctx, op, w.userB)
		return err
	}},
	{"ListAudit", "about B's user", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.ListAudit(w.ctx, op, store.AuditQuery{UserID: w.userB})
		return shown(len(rows) > 0, err)
	}},
	{"ListAudit", "unfiltered", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.ListAudit(w.ctx, op, store.AuditQuery{Limit: 500})
		found := false
		for _, r := range rows {
			found = found || (r.TargetUserID != nil && (*r.TargetUserID == w.userB || *r.TargetUserID == w.invitedB)) ||
				(r.TargetOrgID != nil && *r.TargetOrgID == w.orgB)
		}
		return shown(found, err)
	}},
	{"ListLocked", "every locked account", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.ListLocked(w.ctx, op, store.LockedQuery{})
		found := false
		for _, r := range rows {
			found = found || r.ID == w.userB
		}
		return shown(found, err)
	}},
	{"ListLocked", "filter on organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.ListLocked(w.ctx, op, store.LockedQuery{OrgID: w.orgB})
		return shown(len(rows) > 0, err)
	}},
	{"CountLocked", "every locked account (A's two, not B's)", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		n, err := w.s.CountLocked(w.ctx, op, 0)
		return shown(n > 2, err)
	}},
	{"CountLocked", "filter on organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		n, err := w.s.CountLocked(w.ctx, op, w.orgB)
		return shown(n > 0, err)
	}},
	{"RecentFailures", "every failure", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.RecentFailures(w.ctx, op, store.FailureQuery{Since: w.s.Now().Add(-time.Hour), Limit: 1000})
		found := false
		for _, r := range rows {
			found = found || (r.UserID != nil && *r.UserID == w.userB) || r.Login == "nobody-known"
		}
		return shown(found, err)
	}},
	{"RecentFailures", "filter on organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.RecentFailures(w.ctx, op, store.FailureQuery{OrgID: w.orgB, Since: w.s.Now().Add(-time.Hour)})
		return shown(len(rows) > 0, err)
	}},
	{"FailuresByIP", "B's attacker address", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		rows, err := w.s.FailuresByIP(w.ctx, op, w.s.Now().Add(-time.Hour), 100)
		found := false
		for _, r := range rows {
			found = found || store.SourceText(r.Source) == "198.51.100.66"
		}
		return shown(found, err)
	}},
	// Organizations, rights, operators, settings.
	{"ListOrganizations", "organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		orgs, err := w.s.ListOrganizations(w.ctx, op)
		found := false
		for _, o := range orgs {
			found = found || o.ID == w.orgB
		}
		return shown(found, err)
	}},
	{"OrganizationBySlug", "organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.OrganizationBySlug(w.ctx, op, "sweep-b")
		return err
	}},
	{"SetOrganizationTOTPRequired", "organization B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.SetOrganizationTOTPRequired(w.ctx, op, w.orgB, true)
	}},
	{"AddOrganization", "new organization", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AddOrganization(w.ctx, op, "sweep-new", "New")
		return err
	}},
	{"SetOrganizationTimeZone", "organization B's e-mail dates", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.SetOrganizationTimeZone(w.ctx, op, "sweep-b", "America/Montreal")
	}},
	// The catalog is not scoped; oncall may grant nothing at all.
	{"GrantableRights", "oncall grants nothing", swSkip, swForbidden, func(w *sweepWorld, op model.Operator) error {
		rights, err := w.s.GrantableRights(w.ctx, op)
		if err == nil && len(rights) == 0 {
			return store.ErrForbidden
		}
		return err
	}},
	{"AddRight", "catalog entry", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.AddRight(w.ctx, op, model.Right{Code: "sweep.added", Label: "Added"})
	}},
	{"SetRightText", "catalog text in French", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		label := "Rapports"
		return w.s.SetRightText(w.ctx, op, "reports.view", i18n.FR, store.RightText{Label: &label})
	}},
	{"RemoveRight", "unused catalog entry", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.RemoveRight(w.ctx, op, "sweep.spare", false)
		return err
	}},
	{"RemoveRight", "right in use, forced", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.RemoveRight(w.ctx, op, "reports.view", true)
		return err
	}},
	{"AddOperator", "an oncall operator", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AddOperator(w.ctx, op, store.NewOperator{Name: "sweep-added", Role: model.RoleOncall})
		return err
	}},
	{"AddOperator", "a support operator (escalation)", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AddOperator(w.ctx, op, store.NewOperator{Name: "sweep-escalate", Role: model.RoleSupport})
		return err
	}},
	{"AddOperator", "an admin of B", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AddOperator(w.ctx, op, store.NewOperator{Name: "sweep-admin-b", Role: model.RoleAdmin, OrgSlugs: []string{"sweep-b"}})
		return err
	}},
	{"AddOperatorKey", "a key for the target operator", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AddOperatorKey(w.ctx, op, "sweep-target", w.newKey)
		return err
	}},
	{"AddOperatorKey", "a key for themselves' support colleague", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.AddOperatorKey(w.ctx, op, "sweep-support", w.newKey)
		return err
	}},
	{"RemoveOperatorKey", "the target's key", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.RemoveOperatorKey(w.ctx, op, "sweep-target", w.targetKeyFP)
	}},
	{"RemoveOperator", "the target operator", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.RemoveOperator(w.ctx, op, "sweep-target")
	}},
	{"ListOperators", "operators of B and of every organization", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		ops, err := w.s.ListOperators(w.ctx, op)
		found := false
		for _, o := range ops {
			found = found || o.Name == "sweep-badmin" || o.Name == "sweep-target" || strings.Contains(strings.Join(o.Orgs, ","), "sweep-b")
		}
		return shown(found, err)
	}},
	{"SetLockoutPolicy", "installation policy", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.LockoutPolicy(w.ctx)
		if err != nil {
			return err
		}
		p.Threshold = 1000
		return w.s.SetLockoutPolicy(w.ctx, op, p)
	}},
	{"SetSessionPolicy", "installation policy", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		p := store.DefaultSessionPolicy()
		p.Absolute *= 10
		return w.s.SetSessionPolicy(w.ctx, op, p)
	}},
	{"PruneAuthEvents", "every event", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.PruneAuthEvents(w.ctx, op, w.s.Now().Add(time.Hour), store.PruneOptions{})
		return err
	}},
	{"RebuildSearchBlocks", "the search blocks", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.RebuildSearchBlocks(w.ctx, op)
		return err
	}},
	// Account actions (oncall may unlock; nothing else).
	{"UnlockUsers", "user of B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.UnlockUsers(w.ctx, op, []int64{w.userB}, "sweep", false)
		return err
	}},
	{"UnlockUsers", "users of A and B together (all or nothing)", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.UnlockUsers(w.ctx, op, []int64{w.userA, w.userB}, "sweep", true)
		return err
	}},
	{"SendResetLink", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.SendResetLink(w.ctx, op, w.userB)
	}},
	{"SendResetLink", "user of A (oncall)", swSkip, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.SendResetLink(w.ctx, op, w.userA)
	}},
	{"SendLoginCode", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.SendLoginCode(w.ctx, op, w.userB)
	}},
	{"UpdateUser", "rename B's user", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.UpdateUser(w.ctx, op, w.userB, w.version(w.userB), store.UserEdit{Name: "Renamed", Email: "b.person@example.org"})
		return err
	}},
	{"UpdateUser", "grant A's user rights in B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		u := w.userA
		_, err := w.s.UpdateUser(w.ctx, op, u, w.version(u), store.UserEdit{Name: "A Person", Email: "a.person@example.org",
			Memberships: map[int64][]string{w.orgA: {"reports.view"}, w.orgB: {"billing.manage"}}})
		return err
	}},
	{"UpdateUser", "disable a user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		disabled := model.StatusDisabled
		_, err := w.s.UpdateUser(w.ctx, op, w.userAB, w.version(w.userAB), store.UserEdit{Name: "Both Person", Email: "both@example.org", Status: &disabled})
		return err
	}},
	{"DisableUser", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.DisableUser(w.ctx, op, w.userB, w.version(w.userB))
		return err
	}},
	{"DisableUser", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.DisableUser(w.ctx, op, w.userAB, w.version(w.userAB))
		return err
	}},
	{"EnableUser", "disabled user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.EnableUser(w.ctx, op, w.disabledB, w.version(w.disabledB))
		return err
	}},
	{"DeleteUser", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.DeleteUser(w.ctx, op, w.userB, w.version(w.userB), "b.person@example.org")
	}},
	{"DeleteUser", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.DeleteUser(w.ctx, op, w.userAB, w.version(w.userAB), "both@example.org")
	}},
	{"PlanReplacement", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.PlanReplacement(w.ctx, op, w.userB)
		return err
	}},
	{"PlanReplacement", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.PlanReplacement(w.ctx, op, w.userAB)
		return err
	}},
	{"ReplaceIdentifier", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.ReplaceIdentifier(w.ctx, op, w.userB, w.version(w.userB), store.ReplaceRequest{Email: "b.new@example.org"})
		return err
	}},
	{"ReplaceIdentifier", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.ReplaceIdentifier(w.ctx, op, w.userAB, w.version(w.userAB), store.ReplaceRequest{Email: "both.new@example.org"})
		return err
	}},
	{"UndeleteUser", "deleted user of B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.UndeleteUser(w.ctx, op, w.deletedB, "sweep")
		return err
	}},
	{"FindDeletedUser", "login code of B's deleted user", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.FindDeletedUser(w.ctx, op, "SWB-00003")
		return err
	}},
	{"ResetTOTP", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.ResetTOTP(w.ctx, op, w.userB, w.version(w.userB), "lost phone")
		return err
	}},
	{"SetPassword", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.SetPassword(w.ctx, op, w.userB, w.version(w.userB), sweepPassword, sweepPassword, true)
		return err
	}},
	{"SetTemporaryPassword", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.SetTemporaryPassword(w.ctx, op, w.userB, w.version(w.userB))
		return err
	}},
	{"EndSession", "session of B's user", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.EndSession(w.ctx, op, w.sessionB)
	}},
	{"EndAllSessions", "user of B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.EndAllSessions(w.ctx, op, w.userB)
		return err
	}},
	// Credential actions on a user of A who also belongs to B: they would let A's admin learn,
	// choose or redirect the credentials B's people sign in with.
	{"SetPassword", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.SetPassword(w.ctx, op, w.userAB, w.version(w.userAB), sweepPassword, sweepPassword, true)
		return err
	}},
	{"SetTemporaryPassword", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.SetTemporaryPassword(w.ctx, op, w.userAB, w.version(w.userAB))
		return err
	}},
	{"ResetTOTP", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.ResetTOTP(w.ctx, op, w.userAB, w.version(w.userAB), "lost phone")
		return err
	}},
	{"UpdateUser", "change the e-mail of a user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.UpdateUser(w.ctx, op, w.userAB, w.version(w.userAB), store.UserEdit{Name: "Both Person", Email: "elsewhere@example.org"})
		return err
	}},
	{"EndSession", "session of a user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		return w.s.EndSession(w.ctx, op, w.sessionAB)
	}},
	{"EndAllSessions", "user of A who also belongs to B", swRefused, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.EndAllSessions(w.ctx, op, w.userAB)
		return err
	}},
	// Invitations.
	{"LookupEmail", "e-mail of B's user (answered as for an e-mail nobody has)", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		a, err := w.s.LookupEmail(w.ctx, op, "b.person@example.org")
		return shown(a != (store.EmailAccount{}), err)
	}},
	{"CreateInvitation", "new person into B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.CreateInvitation(w.ctx, op, store.NewInvitation{OrgID: w.orgB, Name: "New Person",
			Email: "new.person@example.org", Rights: []string{"reports.view"}})
		return err
	}},
	{"CreateInvitation", "B's user into A by id", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.CreateInvitation(w.ctx, op, store.NewInvitation{OrgID: w.orgA, ExistingUserID: w.userB, Rights: []string{"reports.view"}})
		return err
	}},
	{"CreateInvitation", "new person into A (oncall)", swSkip, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.CreateInvitation(w.ctx, op, store.NewInvitation{OrgID: w.orgA, Name: "New Person",
			Email: "new.person@example.org", Rights: []string{"reports.view"}})
		return err
	}},
	{"GetInvitation", "invitation into B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.GetInvitation(w.ctx, op, w.invB)
		return err
	}},
	{"ListInvitations", "every invitation", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.ListInvitations(w.ctx, op, store.InvitationQuery{Limit: 500})
		found := false
		for _, inv := range p.Invitations {
			found = found || inv.ID == w.invB
		}
		return shown(found, err)
	}},
	{"ListInvitations", "filter on organization B", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.ListInvitations(w.ctx, op, store.InvitationQuery{OrgID: w.orgB, Limit: 500})
		return shown(len(p.Invitations) > 0, err)
	}},
	{"ResendInvitation", "invitation into B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, _, err := w.s.ResendInvitation(w.ctx, op, w.invB)
		return err
	}},
	{"RevokeInvitation", "invitation into B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.RevokeInvitation(w.ctx, op, w.invB)
		return err
	}},
	{"ExtendInvitation", "invitation into B", swNotFound, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.ExtendInvitation(w.ctx, op, w.invB, 48*time.Hour)
		return err
	}},

	// The outbox: B's user's failed notice, the pending e-mail of the invitation into B.
	{"ListOutbox", "every e-mail", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		p, err := w.s.ListOutbox(w.ctx, op, store.OutboxQuery{Limit: 500})
		found := false
		for _, m := range p.Mails {
			found = found || m.ID == w.mailB || m.ID == w.invMailB
		}
		return shown(found, err)
	}},
	{"GetMail", "B's user's e-mail", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.GetMail(w.ctx, op, w.mailB)
		return err
	}},
	{"UserMail", "B's user", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		ms, err := w.s.UserMail(w.ctx, op, w.userB, 50)
		return shown(len(ms) > 0, err)
	}},
	{"MailFailures", "B's user's failure", swNotFound, swSkip, func(w *sweepWorld, op model.Operator) error {
		failed, _, err := w.s.MailFailures(w.ctx, op, store.MailWatchFrom(0, nil))
		found := false
		for _, m := range failed {
			found = found || m.ID == w.mailB
		}
		return shown(found, err)
	}},
	{"RetryMail", "B's user's e-mail", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.RetryMail(w.ctx, op, w.mailB)
		return err
	}},
	{"CancelMail", "the e-mail of the invitation into B", swForbidden, swForbidden, func(w *sweepWorld, op model.Operator) error {
		_, err := w.s.CancelMail(w.ctx, op, w.invMailB)
		return err
	}},
}

// sweepNoScope lists operator methods that need no row, each with why. Empty today: every
// method that takes an operator is swept (AddOperator's machine actor, ID 0, is the CLI's own
// identity and is not something an admin or oncall operator can be).
var sweepNoScope = map[string]string{}

// sweepReads are the operator methods that only read: a read-only session may call them.
// Every other method with a row in sweepRows changes something and must refuse a read-only
// operator (TestSweepReadOnlyChangesNothing); TestSweepCoversEveryOperatorMethod keeps this
// list to real methods.
var sweepReads = map[string]bool{
	"GetUser": true, "FindUser": true, "ListUsers": true, "UserTimeline": true, "ListSessions": true,
	"PasswordRules": true, "ListAudit": true, "ListLocked": true, "CountLocked": true,
	"RecentFailures": true, "FailuresByIP": true, "ListOrganizations": true, "OrganizationBySlug": true,
	"GrantableRights": true, "LookupEmail": true, "GetInvitation": true, "ListInvitations": true,
	"ListOperators": true, "AlsoOutsideScope": true, "FindDeletedUser": true,
	"ListOutbox": true, "GetMail": true, "UserMail": true, "MailFailures": true,
}

// sweepWorld: organizations A and B; an admin of A, an oncall operator, a support operator;
// B's records (a locked user with 2FA, a session, failures, audit rows; a disabled user; an
// open invitation), a user of A, a user of A and B, an operator with a key, a spare right.
type sweepWorld struct {
	t                *testing.T
	s                *store.Store
	ctx              context.Context
	orgA, orgB       int64
	admin, oncall    model.Operator
	support          model.Operator
	userA, userAB    int64
	userB, disabledB int64
	deletedB         int64 // deleted yesterday
	invitedB         int64 // the new person of invB
	sessionB         int64
	sessionAB        int64
	invB             int64
	mailB, invMailB  int64 // B's user's failed notice; the invitation's pending e-mail
	targetKeyFP      string
	newKey           string
}

func (w *sweepWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *sweepWorld) exec(q string, args ...any) {
	w.t.Helper()
	_, err := w.s.DB().Exec(q, args...)
	w.must(err)
}

func (w *sweepWorld) version(id int64) int {
	w.t.Helper()
	var v int
	w.must(w.s.DB().Get(&v, `SELECT version FROM users WHERE id = $1`, id))
	return v
}

func (w *sweepWorld) person(login, email, name, hash string, orgs ...int64) int64 {
	w.t.Helper()
	var id int64
	w.must(w.s.DB().Get(&id, `INSERT INTO users (login_code, email, name, status, password_hash)
		VALUES ($1, $2, $3, 'active', $4) RETURNING id`, login, email, name, hash))
	for _, o := range orgs {
		w.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, id, o)
		w.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'reports.view')`, id, o)
	}
	return id
}

func sweepKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(ssh.MarshalAuthorizedKey(pk))
}

func newSweepWorld(t *testing.T) *sweepWorld {
	t.Helper()
	w := &sweepWorld{t: t, s: storetest.New(t), ctx: context.Background()}
	cli := model.Operator{Name: "cli:setup"}
	var err error
	w.orgA, err = w.s.AddOrganization(w.ctx, cli, "sweep-a", "Sweep A")
	w.must(err)
	w.orgB, err = w.s.AddOrganization(w.ctx, cli, "sweep-b", "Sweep B")
	w.must(err)
	for _, o := range []struct {
		name string
		role model.Role
		orgs []string
	}{{"sweep-support", model.RoleSupport, nil}, {"sweep-admin", model.RoleAdmin, []string{"sweep-a"}},
		{"sweep-oncall", model.RoleOncall, nil}, {"sweep-target", model.RoleOncall, nil}, {"sweep-badmin", model.RoleAdmin, []string{"sweep-b"}}} {
		_, err := w.s.AddOperator(w.ctx, cli, store.NewOperator{Name: o.name, Role: o.role, OrgSlugs: o.orgs})
		w.must(err)
	}
	load := func(name string) model.Operator {
		op, err := w.s.OperatorByName(w.ctx, name)
		w.must(err)
		return op
	}
	w.support, w.admin, w.oncall = load("sweep-support"), load("sweep-admin"), load("sweep-oncall")
	w.targetKeyFP, err = w.s.AddOperatorKey(w.ctx, cli, "sweep-target", sweepKey(t))
	w.must(err)
	w.newKey = sweepKey(t)
	w.must(w.s.AddRight(w.ctx, w.support, model.Right{Code: "sweep.spare", Label: "Spare"}))

	hash, err := store.HashPassword(w.ctx, "an old password nobody uses 1")
	w.must(err)
	w.userA = w.person("SWA-00001", "a.person@example.org", "A Person", hash, w.orgA)
	w.userAB = w.person("SWA-00002", "both@example.org", "Both Person", hash, w.orgA, w.orgB)
	w.userB = w.person("SWB-00001", "b.person@example.org", "B Person", hash, w.orgB)
	w.disabledB = w.person("SWB-00002", "b.disabled@example.org", "B Disabled", hash, w.orgB)
	w.exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, w.disabledB)
	w.deletedB = w.person("SWB-00003", "b.deleted@example.org", "B Deleted", hash, w.orgB)
	w.exec(`UPDATE users SET status = 'deleted', deleted_at = now() - interval '1 day', password_hash = NULL WHERE id = $1`, w.deletedB)
	now := w.s.Now()
	// B's user: failures from an attacker's address (then locked), 2FA on, an open session,
	// audit rows about them; A's user locked too (for the all-or-nothing unlock).
	for i := 0; i < 5; i++ {
		w.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($1, $2, 'SWB-00001', 'login_failure', 'bad_password', '198.51.100.66')`,
			now.Add(-time.Duration(10-i)*time.Minute), w.userB)
	}
	w.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($1, NULL, 'nobody-known', 'login_failure', 'unknown_login', '198.51.100.67')`,
		now.Add(-time.Minute))
	w.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1`, w.userB)
	w.must(w.s.DB().Get(&w.sessionB, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at)
		VALUES ($1, $2, $3, $3, $4, $5) RETURNING id`, w.userB, model.HashToken("sweep-session"), now, now.Add(time.Hour), now.Add(12*time.Hour)))
	w.must(w.s.DB().Get(&w.sessionAB, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at)
		VALUES ($1, $2, $3, $3, $4, $5) RETURNING id`, w.userAB, model.HashToken("sweep-session-ab"), now, now.Add(time.Hour), now.Add(12*time.Hour)))
	_, err = w.s.UnlockUsers(w.ctx, w.support, []int64{w.userB}, "an audit row about B's user", false)
	w.must(err)
	// A and B's user: one failure, locked (an org-B filter must not reveal their B membership).
	w.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip) VALUES ($1, $2, 'SWA-00002', 'login_failure', 'bad_password', '192.0.2.1')`,
		now.Add(-2*time.Minute), w.userAB)
	for _, id := range []int64{w.userA, w.userB, w.userAB} {
		w.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, id, now.Add(-time.Minute))
	}
	inv, _, err := w.s.CreateInvitation(w.ctx, w.support, store.NewInvitation{OrgID: w.orgB, Name: "Invited B",
		Email: "invited.b@example.org", Rights: []string{"reports.view"}})
	w.must(err)
	w.invB = inv.ID
	if inv.UserID != nil {
		w.invitedB = *inv.UserID
	}
	w.must(w.s.DB().Get(&w.mailB, `UPDATE outbox SET status = 'failed', last_error = 'SMTP RCPT: 550 5.1.1 no such mailbox'
		WHERE user_id = $1 AND kind = 'notice' RETURNING id`, w.userB))
	w.must(w.s.DB().Get(&w.invMailB, `SELECT id FROM outbox WHERE invitation_id = $1`, w.invB))
	return w
}

// dbChecksums returns one checksum per table of the schema (every row, every column).
func dbChecksums(t *testing.T, s *store.Store) map[string]string {
	t.Helper()
	var tables []string
	if err := s.DB().Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tb := range tables {
		var sum string
		if err := s.DB().Get(&sum, `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') || ':' || count(*) FROM `+tb+` t`); err != nil {
			t.Fatal(err)
		}
		out[tb] = sum
	}
	return out
}

func changedTables(before, after map[string]string) []string {
	var out []string
	for tb, sum := range after {
		if before[tb] != sum {
			out = append(out, tb)
		}
	}
	for tb := range before {
		if _, ok := after[tb]; !ok {
			out = append(out, tb)
		}
	}
	sort.Strings(out)
	return out
}

func (want sweepWant) accepts(err error) bool {
	switch want {
	case swNotFound:
		return errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrForbidden)
	case swForbidden:
		return errors.Is(err, store.ErrForbidden)
	case swRefused:
		return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrForbidden)
	}
	return true
}

func (want sweepWant) String() string {
	return [...]string{"(not swept)", "ErrNotFound", "ErrForbidden", "ErrNotFound or ErrForbidden"}[want]
}

func TestSweepRefusedCallsChangeNothing(t *testing.T) {
	w := newSweepWorld(t)
	if len(w.admin.OrgIDs) != 1 || w.admin.OrgIDs[0] != w.orgA {
		t.Fatalf("the admin's scope is %v, want only A (%d)", w.admin.OrgIDs, w.orgA)
	}
	swept := 0
	for _, row := range sweepRows {
		for _, c := range []struct {
			role string
			op   model.Operator
			want sweepWant
		}{{"admin of A", w.admin, row.admin}, {"oncall", w.oncall, row.oncall}} {
			if c.want == swSkip {
				continue
			}
			swept++
			before := dbChecksums(t, w.s)
			err := row.call(w, c.op)
			after := dbChecksums(t, w.s)
			if !c.want.accepts(err) {
				t.Errorf("%s (%s) as %s: got %v, want %s", row.method, row.name, c.role, err, c.want)
			}
			if ch := changedTables(before, after); len(ch) > 0 {
				t.Errorf("%s (%s) as %s: refused with %v but changed %s", row.method, row.name, c.role, err, strings.Join(ch, ", "))
			}
			if err != nil {
				for _, leak := range []string{"SWB-0000", "b.person", "B Person", "sweep-b", "Sweep B", "invited.b"} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("%s (%s) as %s: the refusal names B's record: %v", row.method, row.name, c.role, err)
					}
				}
			}
		}
	}
	if swept < len(sweepRows) {
		t.Fatalf("only %d calls swept for %d rows", swept, len(sweepRows))
	}
	// The same calls by support succeed where they read (the world really holds B's records,
	// so the refusals above are not an empty database answering "not found").
	for _, row := range sweepRows {
		if row.oncall != swSkip || row.admin != swNotFound {
			continue
		}
		if err := row.call(w, w.support); err != nil {
			t.Errorf("%s (%s) as support: %v (the sweep's target is missing)", row.method, row.name, err)
		}
	}
}

// TestSweepReadOnlyChangesNothing: every operator method that changes something, called by a
// read-only session of each role (support first: it holds every right, so only the read-only
// flag can refuse), is refused with ErrForbidden (ErrReadOnly) and leaves every table as it
// was; the reads still answer.
func TestSweepReadOnlyChangesNothing(t *testing.T) {
	w := newSweepWorld(t)
	readOnly := func(op model.Operator) model.Operator {
		op.ReadOnly = true
		return op
	}
	// The reads answer a read-only support session as they answer support (first: a
	// mutation that got through would change what they find).
	ro := readOnly(w.support)
	for _, row := range sweepRows {
		if sweepReads[row.method] && row.admin == swNotFound && row.oncall == swSkip {
			if err := row.call(w, ro); err != nil {
				t.Errorf("%s (%s) as read-only support: %v", row.method, row.name, err)
			}
		}
	}
	mutations := 0
	for _, c := range []struct {
		role string
		op   model.Operator
	}{{"read-only support", readOnly(w.support)}, {"read-only admin of A", readOnly(w.admin)}, {"read-only oncall", readOnly(w.oncall)}} {
		for _, row := range sweepRows {
			before := dbChecksums(t, w.s)
			err := row.call(w, c.op)
			after := dbChecksums(t, w.s)
			if ch := changedTables(before, after); len(ch) > 0 {
				t.Errorf("%s (%s) as %s: answered %v and changed %s", row.method, row.name, c.role, err, strings.Join(ch, ", "))
			}
			if sweepReads[row.method] {
				if errors.Is(err, store.ErrReadOnly) {
					t.Errorf("%s (%s) as %s: a read refused as read-only", row.method, row.name, c.role)
				}
				continue
			}
			mutations++
			if !errors.Is(err, store.ErrForbidden) || !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("%s (%s) as %s: got %v, want ErrReadOnly (an ErrForbidden)", row.method, row.name, c.role, err)
			}
		}
	}
	if mutations < 3*30 {
		t.Fatalf("only %d mutation calls swept: the read list is too wide", mutations)
	}
}

// TestSweepCoversEveryOperatorMethod fails when an exported *store.Store method taking a
// model.Operator has no row in sweepRows and no reason in sweepNoScope.
func TestSweepCoversEveryOperatorMethod(t *testing.T) {
	rows := map[string]bool{}
	for _, r := range sweepRows {
		rows[r.method] = true
	}
	opType := reflect.TypeOf(model.Operator{})
	typ := reflect.TypeOf(&store.Store{})
	var missing []string
	n := 0
	for i := 0; i < typ.NumMethod(); i++ {
		m := typ.Method(i)
		if !takesOperator(m.Type, opType) {
			if rows[m.Name] {
				t.Errorf("sweep row for %s, which takes no operator", m.Name)
			}
			continue
		}
		n++
		if _, ok := sweepNoScope[m.Name]; !ok && !rows[m.Name] {
			missing = append(missing, m.Name)
		}
		delete(rows, m.Name)
	}
	if len(missing) > 0 {
		t.Errorf("store methods taking an operator with no sweep row: %s", strings.Join(missing, ", "))
	}
	for name := range rows {
		t.Errorf("sweep row for %s, which is not a method of *store.Store", name)
	}
	for name := range sweepReads {
		if m, ok := typ.MethodByName(name); !ok || !takesOperator(m.Type, opType) {
			t.Errorf("sweepReads names %s, which is not a store method taking an operator", name)
		}
	}
	if n < 40 {
		t.Fatalf("only %d methods take an operator: the reflection found too few", n)
	}
	t.Logf("%d methods take an operator; %d sweep rows", n, len(sweepRows))
}

// takesOperator reports whether the method (its In(0) the receiver) takes a model.Operator.
func takesOperator(m, opType reflect.Type) bool {
	for j := 1; j < m.NumIn(); j++ {
		if m.In(j) == opType {
			return true
		}
	}
	return false
}
