package store_test

import (
	"errors"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

// An admin learns whether an account of theirs also belongs to another organization (their
// disable, delete and credential actions are refused there), and nothing about an account
// outside their organizations.
func TestAlsoOutsideScope(t *testing.T) {
	a := newAcct(t)
	acme, globex := a.org("acme", "Acme"), a.org("globex", "Globex")
	mine := a.user("ACME-00001", "mine@example.org", "Only Acme", acme)
	shared := a.user("BOTH-00001", "both@example.org", "Acme And Globex", acme, globex)
	theirs := a.user("GLBX-00001", "theirs@example.org", "Only Globex", globex)
	admin := a.operator("adam", model.RoleAdmin, []string{"acme"})
	for _, c := range []struct {
		op   model.Operator
		id   int64
		want bool
	}{
		{admin, mine, false},
		{admin, shared, true},
		{a.operator("sue", model.RoleSupport, nil), shared, false},
		{a.operator("olga", model.RoleOncall, nil), shared, false},
	} {
		got, err := a.s.AlsoOutsideScope(a.ctx, c.op, c.id)
		if err != nil || got != c.want {
			t.Errorf("%s on user %d: %v %v, want %v", c.op.Name, c.id, got, err, c.want)
		}
	}
	if _, err := a.s.AlsoOutsideScope(a.ctx, admin, theirs); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another organization's user: %v, want not found", err)
	}
	if _, err := a.s.AlsoOutsideScope(a.ctx, admin, 1<<40); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no such user: %v, want not found", err)
	}
}
