package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Auth events grow without bound; PruneAuthEvents removes the old ones in small batches, each
// its own short transaction, so the table is never locked for long and replicas keep up
// (never one giant DELETE: keycloak#20073).

// PruneOptions tunes a prune.
type PruneOptions struct {
	Batch int           // ids per batch (default 10,000): each DELETE touches at most this many rows
	Pause time.Duration // pause between batches (0: none)
	// Progress, if set, is called after each batch with the total deleted so far.
	Progress func(deleted int64)
}

// PruneAuthEvents deletes the auth events older than before and returns how many. It walks
// the table by primary key in ranges of Batch ids (events need not be stored in time order),
// each range deleted by its own statement and committed; an event written during the prune is
// newer than the highest id seen at the start and never looked at. Support only; one audit
// row at the end (and one for what was done if the prune stops early).
func (s *Store) PruneAuthEvents(ctx context.Context, op model.Operator, before time.Time, opt PruneOptions) (int64, error) {
	if err := writable(op); err != nil {
		return 0, err
	}
	if op.Role != model.RoleSupport {
		return 0, ErrForbidden
	}
	if opt.Batch <= 0 {
		opt.Batch = 10000
	}
	var lo, hi *int64
	if err := s.db.QueryRowContext(ctx, `SELECT min(id), max(id) FROM auth_events`).Scan(&lo, &hi); err != nil {
		return 0, mapErr(err)
	}
	var total int64
	var runErr error
	if lo != nil {
		for from := *lo - 1; from < *hi; from += int64(opt.Batch) {
			to := min(from+int64(opt.Batch), *hi)
			res, err := s.db.ExecContext(ctx, `DELETE FROM auth_events WHERE id > $1 AND id <= $2 AND at < $3`, from, to, before)
			if err != nil {
				runErr = mapErr(err)
				break
			}
			n, _ := res.RowsAffected()
			total += n
			if opt.Progress != nil {
				opt.Progress(total)
			}
			if opt.Pause > 0 && to < *hi {
				t := time.NewTimer(opt.Pause)
				select {
				case <-ctx.Done():
					t.Stop()
					runErr = ctx.Err()
				case <-t.C:
				}
				if runErr != nil {
					break
				}
			}
		}
	}
	if runErr == nil {
		runErr = s.pruneFailureSummaries(ctx, before, opt.Batch)
	}
	detail := model.AuditDetail{"events": total, "before": before.UTC().Format("2006-01-02 15:04")}
	if runErr != nil {
		detail[model.AuditVariant] = "stopped"
	}
	actx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
	}
	if err := s.tx(actx, func(tx *sqlx.Tx) error {
		return audit(actx, tx, op, "auth_events.prune", nil, nil, detail)
	}); err != nil && runErr == nil {
		runErr = err
	}
	return total, runErr
}

// pruneFailureSummaries trims the failures' summaries by source (migrations 0009, 0014,
// 0021, 0022) to what the pruned events leave: the accounts last tried before the cut, the
// days wholly before it; and the minutes to their last eight days. The day the cut falls in
// keeps its counts until the next prune (a window reaching back past the cut can count
// pruned failures of that day). In batches, like the events.
func (s *Store) pruneFailureSummaries(ctx context.Context, before time.Time, batch int) error {
	// inBatches runs a DELETE of at most batch rows ($1) until it deletes fewer.
	inBatches := func(q string, args ...any) error {
		for {
			res, err := s.db.ExecContext(ctx, q, append([]any{batch}, args...)...)
			if err != nil {
				return mapErr(err)
			}
			if n, _ := res.RowsAffected(); n < int64(batch) {
				return nil
			}
		}
	}
	// last_at is checked again on the row deleted: a failure that moved it past the cut while
	// this waited keeps its row.
	if err := inBatches(`DELETE FROM failure_ip_accounts WHERE last_at < $2 AND (source, account) IN
		(SELECT source, account FROM failure_ip_accounts WHERE last_at < $2 LIMIT $1)`, before); err != nil {
		return err
	}
	if err := inBatches(`DELETE FROM failure_ip_days WHERE (day, source) IN
		(SELECT day, source FROM failure_ip_days WHERE day <= $2::timestamptz - interval '1 day' LIMIT $1)`, before); err != nil {
		return err
	}
	// The minutes are kept eight days, whatever the events' retention: the range they cover
	// moves on first, so that a window reaching back past it reads its part-hour from the
	// events while the older minutes go.
	if _, err := s.db.ExecContext(ctx, `UPDATE failure_minutes_range
		SET from_minute = greatest(from_minute, failure_minutes_since())`); err != nil {
		return mapErr(err)
	}
	return inBatches(`DELETE FROM failure_ip_minutes WHERE (source, minute) IN
		(SELECT source, minute FROM failure_ip_minutes
		 WHERE minute < (SELECT from_minute FROM failure_minutes_range) LIMIT $1)`)
}
