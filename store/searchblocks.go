package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// SearchBlockSize is how many users (in name order) one search block summarizes. Smaller
// blocks mean fewer wasted entries walked per candidate block, more blocks to sort out of a
// bucket: at 1M users, 32 gives 30,000 blocks of ~2 kB (~600 keys each in the index).
const SearchBlockSize = 32

// RebuildSearchBlocks cuts the search blocks anew from the live users (migrations 0008 and
// 0019 say what they are). The triggers keep them complete between rebuilds and cut a block
// again when it outgrows 8 kB; a rebuild drops the old texts of renamed users, evens out the
// blocks after a large import and sizes the buckets for the installation as it is (between
// rebuilds a bucket only grows). Writes to users wait while it runs (about 30 s at 1M users
// here). Support only; audited.
func (s *Store) RebuildSearchBlocks(ctx context.Context, op model.Operator) (int64, error) {
	if err := writable(op); err != nil {
		return 0, err
	}
	if op.Role != model.RoleSupport {
		return 0, ErrForbidden
	}
	var n int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0; SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &n, `SELECT search_blocks_rebuild($1)`, SearchBlockSize); err != nil {
			return err
		}
		return audit(ctx, tx, op, "search.reindex", nil, nil, model.AuditDetail{"blocks": n})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
