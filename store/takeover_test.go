package store_test

import (
	"strings"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

// Audit rows stay in the organizations they were written in: an admin of A reads what was
// done about a user of A and B in A (by A's admins), never what B's operators or support did
// about that user, nor what was done before the user joined A.
func TestAuditRowsOfOtherOrganizationsStayInvisible(t *testing.T) {
	e := newInvEnv(t)
	both := e.user("ACME-50001", "both@example.org", "Both Orgs", e.acme, e.glob)
	onlyA := e.user("ACME-50002", "only.a@example.org", "Only Acme", e.acme)
	admA := e.admin("ann", nil, "acme")
	admA2 := e.admin("arthur", nil, "acme")
	admB := e.admin("bea", nil, "globex")
	unlock := func(op model.Operator, id int64, reason string) {
		t.Helper()
		if _, err := e.s.UnlockUsers(e.ctx, op, []int64{id}, reason, false); err != nil {
			t.Fatal(err)
		}
	}
	unlock(admB, both, "written in globex")
	unlock(supportOp, both, "written by support about a user of two organizations")
	unlock(admA, both, "written in acme")
	unlock(supportOp, onlyA, "written by support about a user of acme alone")

	read := func(op model.Operator, q store.AuditQuery) []string {
		t.Helper()
		rows, err := e.s.ListAudit(e.ctx, op, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Summary[strings.Index(r.Summary, "reason: ")+len("reason: "):])
		}
		return out
	}
	for _, op := range []model.Operator{admA, admA2} {
		got := strings.Join(read(op, store.AuditQuery{}), " | ")
		if got != "written by support about a user of acme alone | written in acme" {
			t.Errorf("%s reads: %s", op.Name, got)
		}
		if got := strings.Join(read(op, store.AuditQuery{UserID: both}), " | "); got != "written in acme" {
			t.Errorf("%s reads about the shared user: %s", op.Name, got)
		}
	}
	if got := strings.Join(read(admB, store.AuditQuery{UserID: both}), " | "); got != "written in globex" {
		t.Errorf("bea reads about the shared user: %s", got)
	}
	if got := read(supportOp, store.AuditQuery{UserID: both}); len(got) != 3 {
		t.Errorf("support reads %v", got)
	}
}
