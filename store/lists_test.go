package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// TestScreenListsAreOneStatement holds every list call of the console's screens to one
// statement once warm (the Users page's estimated total reused for a few seconds), each
// equal to the plain SQL answer.
func TestScreenListsAreOneStatement(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 3000, Events: 30000, Orgs: 20, Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	db.MustExec(`ANALYZE`)
	op := model.Operator{Name: "lists", Role: model.RoleSupport}
	var orgID int64
	noErr(t, db.Get(&orgID, `SELECT org_id FROM memberships GROUP BY org_id ORDER BY count(*) DESC LIMIT 1`))
	admin := model.Operator{ID: 7, Name: "lists-admin", Role: model.RoleAdmin, OrgIDs: []int64{orgID}}
	statement := func(what string, prepared bool, run func() error) {
		t.Helper()
		tr.Start()
		err := run()
		stmts := tr.Stop()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(stmts) != 1 || stmts[0].Prepared != prepared {
			var texts []string
			for _, q := range stmts {
				texts = append(texts, fmt.Sprintf("(prepared %v) %.80s", q.Prepared, strings.Join(strings.Fields(q.SQL), " ")))
			}
			t.Errorf("%s: %d statements, want one (prepared %v):\n%s", what, len(stmts), prepared, strings.Join(texts, "\n"))
		}
	}
	one := func(what string, run func() error) { t.Helper(); statement(what, true, run) }
	plain := func(q string, args ...any) []int64 {
		t.Helper()
		var ids []int64
		noErr(t, db.Select(&ids, q, args...))
		return ids
	}
	same := func(what string, got, want []int64) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}

	// Users: the first page counts (once), the pages after it and before it do not.
	first, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 50})
	noErr(t, err)
	if first.Estimated < 1000 || !first.HasNext {
		t.Fatalf("first page: estimated %d, more %v", first.Estimated, first.HasNext)
	}
	var second, back, again store.UserPage
	one("users, next page", func() (err error) {
		second, err = s.ListUsers(ctx, op, store.UserQuery{Limit: 50, After: first.Last})
		return err
	})
	same("users, next page", pageIDs(second.Users), plain(`SELECT id FROM users WHERE status <> 'deleted'
		AND (name, id) > ($1, $2) ORDER BY name, id LIMIT 50`, first.Last.Name, first.Last.ID))
	one("users, previous page", func() (err error) {
		back, err = s.ListUsers(ctx, op, store.UserQuery{Limit: 50, Before: second.First})
		return err
	})
	same("users, previous page", pageIDs(back.Users), pageIDs(first.Users))
	one("users, first page again", func() (err error) {
		again, err = s.ListUsers(ctx, op, store.UserQuery{Limit: 50})
		return err
	})
	same("users, first page", pageIDs(again.Users), plain(`SELECT id FROM users WHERE status <> 'deleted' ORDER BY name, id LIMIT 50`))
	if second.Estimated != first.Estimated || back.Estimated != first.Estimated || again.Estimated != first.Estimated {
		t.Errorf("estimates %d, %d, %d, %d: want the first page's on every page", first.Estimated, second.Estimated, back.Estimated, again.Estimated)
	}
	// Another screen's query (2FA on) counts once too, then pages in one statement.
	yes := true
	totp, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 50, TOTP: &yes})
	noErr(t, err)
	one("users with 2FA, next page", func() error {
		_, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 50, TOTP: &yes, After: totp.Last})
		return err
	})
	// An organization's page, and an admin's.
	org, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 50, OrgID: orgID})
	noErr(t, err)
	one("organization, next page", func() error {
		_, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 50, OrgID: orgID, After: org.Last})
		return err
	})
	_, err = s.ListUsers(ctx, admin, store.UserQuery{Limit: 50})
	noErr(t, err)
	one("admin's first page again", func() error { _, err := s.ListUsers(ctx, admin, store.UserQuery{Limit: 50}); return err })

	// A search asks for its estimate (its plan hangs on it) once: the next page reuses it.
	tr.Start()
	found, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 20, Search: "ma"})
	stmts := tr.Stop()
	noErr(t, err)
	if !hasExplain(stmts) {
		t.Fatalf("a new search sent no estimate")
	}
	if found.HasNext {
		tr.Start()
		_, err = s.ListUsers(ctx, op, store.UserQuery{Limit: 20, Search: "ma", After: found.Last})
		stmts = tr.Stop()
		noErr(t, err)
		if hasExplain(stmts) {
			t.Errorf("the next page of a search estimated again")
		}
	}

	// A write of this process forgets the estimates: the next first page counts again.
	var victim model.User
	victim, err = s.GetUser(ctx, op, first.Users[3].ID)
	noErr(t, err)
	_, err = s.DisableUser(ctx, op, victim.ID, victim.Version)
	noErr(t, err)
	tr.Start()
	_, err = s.ListUsers(ctx, op, store.UserQuery{Limit: 50})
	stmts = tr.Stop()
	noErr(t, err)
	if !hasExplain(stmts) {
		t.Errorf("after a write the first page reused the estimate made before it")
	}

	// Audit, first page and the next.
	var audit []model.AuditEntry
	one("audit, first page", func() (err error) { audit, err = s.ListAudit(ctx, op, store.AuditQuery{Limit: 51}); return err })
	ids := make([]int64, len(audit))
	for i, e := range audit {
		ids[i] = e.ID
	}
	same("audit, first page", ids, plain(`SELECT id FROM audit_entries ORDER BY id DESC LIMIT 51`))

	// Lockouts: the locked accounts with their flags, their count, the recent failures.
	var locked []store.LockedAccount
	one("locked accounts", func() (err error) { locked, err = s.ListLocked(ctx, op, store.LockedQuery{}); return err })
	type flagged struct {
		ID     int64 `db:"id"`
		Attack bool  `db:"attack"`
	}
	var want []flagged
	noErr(t, db.Select(&want, `SELECT u.id, coalesce((SELECT count(*) >= 5 FROM failure_ip_accounts a
			WHERE a.source = failure_source(u.last_failed_ip) AND a.last_at >= u.last_failed_at - interval '24 hours'), false) AS attack
		FROM users u WHERE u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > $1) AND u.status <> 'deleted'
		ORDER BY u.locked_at DESC, u.id LIMIT 200`, s.Now()))
	if len(want) == 0 {
		t.Fatal("demo data holds no locked account")
	}
	got := make([]flagged, len(locked))
	for i, a := range locked {
		got[i] = flagged{a.ID, a.LikelyAttack}
	}
	if !slices.Equal(got, want) {
		t.Errorf("locked accounts and their flags:\n%v\nwant\n%v", got, want)
	}
	one("count locked", func() error { _, err := s.CountLocked(ctx, op, 0); return err })
	var failures []store.Failure
	one("recent failures", func() (err error) {
		failures, err = s.RecentFailures(ctx, op, store.FailureQuery{Since: s.Now().Add(-30 * 24 * time.Hour), Limit: 100})
		return err
	})
	ids = ids[:0]
	for _, f := range failures {
		ids = append(ids, f.ID)
	}
	same("recent failures", ids, plain(`SELECT id FROM auth_events WHERE kind = 'login_failure' AND at >= $1
		ORDER BY at DESC, id DESC LIMIT 100`, s.Now().Add(-30*24*time.Hour)))

	// Failures by source: every organization's from the summaries, prepared (the hours that
	// bound the window are literals); an admin's from the events, planned with the window.
	statement("failures by source, "+op.Name, true, func() error {
		_, err := s.FailuresByIP(ctx, op, s.Now().Add(-24*time.Hour), 50)
		return err
	})
	statement("failures by source, "+admin.Name, false, func() error {
		_, err := s.FailuresByIP(ctx, admin, s.Now().Add(-24*time.Hour), 50)
		return err
	})

	// Invitations.
	var inv store.InvitationPage
	one("invitations", func() (err error) {
		inv, err = s.ListInvitations(ctx, op, store.InvitationQuery{Limit: 50})
		return err
	})
	ids = ids[:0]
	for _, i := range inv.Invitations {
		ids = append(ids, i.ID)
	}
	same("invitations", ids, plain(`SELECT id FROM invitations ORDER BY created_at DESC, id DESC LIMIT 50`))

	// A user's timeline: its events; none (an empty page); out of an admin's scope (not found).
	var userID, outsider int64
	noErr(t, db.Get(&userID, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`))
	noErr(t, db.Get(&outsider, `SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM memberships m
		WHERE m.user_id = u.id AND m.org_id = $1) LIMIT 1`, orgID))
	var events []model.AuthEvent
	one("timeline", func() (err error) { events, err = s.UserTimeline(ctx, op, userID, 0, 20); return err })
	ids = ids[:0]
	for _, e := range events {
		ids = append(ids, e.ID)
	}
	same("timeline", ids, plain(`SELECT id FROM auth_events WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT 20`, userID))
	one("timeline, no older event", func() (err error) {
		events, err = s.UserTimeline(ctx, op, userID, 1, 20)
		return err
	})
	if len(events) != 0 {
		t.Errorf("events before the first: %v", events)
	}
	one("timeline out of scope", func() error {
		_, err := s.UserTimeline(ctx, admin, outsider, 0, 20)
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("out of scope: %v, want not found", err)
		}
		return nil
	})
}

func hasExplain(stmts []store.TracedQuery) bool {
	for _, q := range stmts {
		if strings.HasPrefix(strings.TrimSpace(q.SQL), "EXPLAIN") {
			return true
		}
	}
	return false
}

// TestBriefPagesCarryWhatTheListsShow: a Brief page (the console's lists) holds the same users
// in the same order as the whole page, each with the same list fields (the ones the Users
// screen shows and acts on), and the fields it leaves out zero, for every shape of page: the
// walk of a sort index, a filter, an organization's members, an admin's scope, a search.
func TestBriefPagesCarryWhatTheListsShow(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 800, Events: 8000, Orgs: 6, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	s.DB().MustExec(`ANALYZE`)
	var org int64
	must(t, s.DB().Get(&org, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`))
	support := model.Operator{Name: "brief", Role: model.RoleSupport}
	admin := model.Operator{Name: "brief-admin", Role: model.RoleAdmin, OrgIDs: []int64{org}}
	yes := true
	list := func(u model.User) model.User {
		return model.User{ID: u.ID, Login: u.Login, Email: u.Email, Name: u.Name, Status: u.Status,
			MustChangePassword: u.MustChangePassword, TOTPEnabled: u.TOTPEnabled, LockedAt: u.LockedAt,
			LockedUntil: u.LockedUntil, Locked: u.Locked, LastLoginAt: u.LastLoginAt, CreatedAt: u.CreatedAt,
			Version: u.Version, Organizations: u.Organizations, MailFailed: u.MailFailed}
	}
	for _, c := range []struct {
		name string
		op   model.Operator
		q    store.UserQuery
	}{
		{"by name", support, store.UserQuery{}},
		{"by last login", support, store.UserQuery{Sort: store.SortLastLogin}},
		{"by creation", support, store.UserQuery{Sort: store.SortCreated}},
		{"locked", support, store.UserQuery{Locked: &yes}},
		{"inactive", support, store.UserQuery{InactiveDays: 30}},
		{"organization", support, store.UserQuery{OrgID: org}},
		{"admin", admin, store.UserQuery{}},
		{"search", support, store.UserQuery{Search: "ma"}},
	} {
		c.q.Limit = 40
		whole, err := s.ListUsers(ctx, c.op, c.q)
		must(t, err)
		c.q.Brief = true
		brief, err := s.ListUsers(ctx, c.op, c.q)
		must(t, err)
		if len(whole.Users) == 0 || len(brief.Users) != len(whole.Users) {
			t.Fatalf("%s: %d users brief, %d whole", c.name, len(brief.Users), len(whole.Users))
		}
		for i, b := range brief.Users {
			if w := whole.Users[i]; fmt.Sprint(list(b)) != fmt.Sprint(list(w)) {
				t.Errorf("%s, row %d: brief %+v, whole %+v", c.name, i, list(b), list(w))
			}
			if fmt.Sprint(b) != fmt.Sprint(list(b)) {
				t.Errorf("%s, row %d: a brief user carries more than the list's fields: %+v", c.name, i, b)
			}
		}
	}
}
