package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// TestLockedFilterListsTheAccountsLockedNow pages the Users screen's "locked" filter, forward
// and back, and finds exactly the accounts locked now in name order: not a temporary lock
// whose time has passed, not a deleted account. Its page statement walks the locked accounts
// alone (users_locked_name), not the name index of every user, on the prepared statement's
// generic plan.
func TestLockedFilterListsTheAccountsLockedNow(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 2000, Events: 2000, Orgs: 10, Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	now := s.Now()
	// Every account unlocked, then: 23 locked until an operator unlocks, 9 locked for an hour
	// more, 6 whose temporary lock ended a minute ago, 4 locked and deleted.
	db.MustExec(`UPDATE users SET locked_at = NULL, locked_until = NULL, lock_reason = NULL`)
	lock := func(n, offset int, until string, status string) {
		t.Helper()
		db.MustExec(`UPDATE users SET locked_at = $1::timestamptz - interval '2 hours', locked_until = `+until+`,
				lock_reason = 'too many failures'`+status+`
			WHERE id IN (SELECT id FROM users WHERE status <> 'deleted' AND locked_at IS NULL
				ORDER BY id OFFSET $2 LIMIT $3)`, now, offset, n)
	}
	lock(23, 10, "NULL", "")
	lock(9, 300, "$1::timestamptz + interval '1 hour'", "")
	lock(6, 700, "$1::timestamptz - interval '1 minute'", "")
	lock(4, 1100, "NULL", ", status = 'deleted', deleted_at = $1")
	db.MustExec(`VACUUM ANALYZE users`)
	var want []int64
	noErr(t, db.Select(&want, `SELECT id FROM users WHERE status <> 'deleted' AND locked_at IS NOT NULL
		AND (locked_until IS NULL OR locked_until > $1) ORDER BY name, id`, now))
	if len(want) != 32 {
		t.Fatalf("%d accounts locked now, want 32", len(want))
	}

	op := model.Operator{Name: "support", Role: model.RoleSupport}
	yes := true
	var got []int64
	var pages []store.UserPage
	q := store.UserQuery{Locked: &yes, Limit: 7}
	tr.Start()
	for {
		p, err := s.ListUsers(ctx, op, q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		for _, u := range p.Users {
			if !u.Locked {
				t.Errorf("%s (%d) listed as locked is not locked now", u.Login, u.ID)
			}
			got = append(got, u.ID)
		}
		if !p.HasNext {
			break
		}
		q.After = p.Last
	}
	stmts := tr.Stop()
	if !slices.Equal(got, want) {
		t.Fatalf("locked filter pages:\n got %v\nwant %v", got, want)
	}
	// Back from the last page: the page before it, in the same order.
	last := pages[len(pages)-1]
	prev, err := s.ListUsers(ctx, op, store.UserQuery{Locked: &yes, Limit: 7, Before: last.First})
	if err != nil {
		t.Fatal(err)
	}
	back := []int64{}
	for _, u := range prev.Users {
		back = append(back, u.ID)
	}
	if before := pages[len(pages)-2]; !slices.Equal(back, userIDs(before.Users)) {
		t.Errorf("previous page %v, want %v", back, userIDs(before.Users))
	}

	// The page statement's generic plan walks users_locked_name.
	pdb := store.PreparedDB(s)
	found := false
	for _, st := range stmts {
		if !st.Prepared || !strings.Contains(st.SQL, "locked_at IS NOT NULL") {
			continue
		}
		var name string
		if err := pdb.Get(&name, `SELECT name FROM pg_prepared_statements WHERE statement = $1`, st.SQL); err != nil {
			continue // prepared on another connection of the pool
		}
		found = true
		var plan []string
		noErr(t, pdb.Select(&plan, `EXPLAIN EXECUTE `+pq.QuoteIdentifier(name)+executeArgs(t, st.Args)))
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "users_locked_name") || strings.Contains(text, "users_name_cover") {
			t.Errorf("the locked filter's page does not walk users_locked_name:\n%s", text)
		}
		break
	}
	if !found {
		t.Fatal("no prepared page statement of the locked filter found on the pool")
	}
}
