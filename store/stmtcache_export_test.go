package store

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// PreparedMax is how many statements a pool keeps prepared.
const PreparedMax = preparedMax

// PreparedKept is how many statements the store keeps prepared on its primary pool.
func PreparedKept(s *Store) int { return s.stmts.of(s.db).len() }

// QueryPrepared runs q through the store's prepared statements and reads its rows.
func QueryPrepared(ctx context.Context, s *Store, q string, args ...any) (int, error) {
	rows, err := s.prepared().QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// PreparedDB is the pool on which the store runs its prepared statements for the primary.
func PreparedDB(s *Store) *sqlx.DB { return s.stmts.of(s.db).db }
