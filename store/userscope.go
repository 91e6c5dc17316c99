package store

import (
	"context"

	"gatehouse/model"
)

// AlsoOutsideScope reports whether a user the operator sees also belongs to an organization
// outside the operator's scope. An admin may not disable or delete such an account (it would
// cut another organization's access to it), nor take its credentials in hand; the console
// says so before asking anything. Support and on-call operators see every organization: the
// answer is always false for them. A user the operator does not see is ErrNotFound, as
// everywhere: the answer never tells whether an account exists in other organizations.
func (s *Store) AlsoOutsideScope(ctx context.Context, op model.Operator, userID int64) (bool, error) {
	b := &queryBuilder{}
	b.and("u.id = " + b.arg(userID))
	scopeUsers(b, op, "u")
	var seen bool
	if err := s.read.GetContext(ctx, &seen, `SELECT true FROM users u`+b.whereSQL(), b.args...); err != nil {
		return false, mapErr(err)
	}
	if op.AllOrgs() {
		return false, nil
	}
	var outside bool
	err := s.read.GetContext(ctx, &outside, `SELECT EXISTS (SELECT 1 FROM memberships
		WHERE user_id = $1 AND NOT (org_id = ANY($2)))`, userID, int64Array(op.OrgIDs))
	return outside, mapErr(err)
}
