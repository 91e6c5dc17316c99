package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// readYourWrites is how long after a write this process reads from the primary, so the
// screen refreshed right after an action shows it even if the replica lags behind.
const readYourWrites = 3 * time.Second

// replicaRetry is how long a replica found unreachable is left alone before it is tried again.
const replicaRetry = 30 * time.Second

// readDB sends read-heavy queries (lists, searches, lockouts, timelines) to the read replica
// when one is configured, and to the primary otherwise, right after a write, or while the
// replica is unreachable (with a notice the console shows).
type readDB struct {
	primary   *sqlx.DB
	replica   *sqlx.DB // nil: no replica
	lastWrite atomic.Int64
	mu        sync.Mutex
	downSince time.Time
}

func (r *readDB) wrote() { r.lastWrite.Store(time.Now().UnixNano()) }

// pick chooses the pool for one read.
func (r *readDB) pick() *sqlx.DB {
	if r.replica == nil {
		return r.primary
	}
	if time.Since(time.Unix(0, r.lastWrite.Load())) < readYourWrites {
		return r.primary
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.downSince.IsZero() && time.Since(r.downSince) < replicaRetry {
		return r.primary
	}
	return r.replica
}

// failed notes an error of the replica; it reports whether to retry on the primary.
func (r *readDB) failed(db *sqlx.DB, err error) bool {
	if db == r.primary || err == nil || !IsUnavailable(err) {
		return false
	}
	r.mu.Lock()
	r.downSince = time.Now()
	r.mu.Unlock()
	return true
}

func (r *readDB) ok(db *sqlx.DB) {
	if db != r.replica {
		return
	}
	r.mu.Lock()
	r.downSince = time.Time{}
	r.mu.Unlock()
}

// notice is a sentence for the console when reads had to leave the replica, "" otherwise.
func (r *readDB) notice() string {
	if r.replica == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.downSince.IsZero() {
		return ""
	}
	return "read replica unreachable since " + r.downSince.UTC().Format("15:04:05") + ": reading from the primary"
}

func (r *readDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db := r.pick()
	rows, err := db.QueryContext(ctx, q, args...)
	if r.failed(db, err) {
		return r.primary.QueryContext(ctx, q, args...)
	}
	r.ok(db)
	return rows, err
}

func (r *readDB) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	db := r.pick()
	rows, err := db.QueryxContext(ctx, q, args...)
	if r.failed(db, err) {
		return r.primary.QueryxContext(ctx, q, args...)
	}
	r.ok(db)
	return rows, err
}

func (r *readDB) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	db := r.pick()
	row := db.QueryRowxContext(ctx, q, args...)
	if r.failed(db, row.Err()) {
		return r.primary.QueryRowxContext(ctx, q, args...)
	}
	r.ok(db)
	return row
}

func (r *readDB) GetContext(ctx context.Context, dest any, q string, args ...any) error {
	return sqlx.GetContext(ctx, r, dest, q, args...)
}

func (r *readDB) SelectContext(ctx context.Context, dest any, q string, args ...any) error {
	return sqlx.SelectContext(ctx, r, dest, q, args...)
}

// Rebind keeps PostgreSQL's $n placeholders (sqlx's Queryer helpers may ask).
func (r *readDB) Rebind(q string) string { return r.primary.Rebind(q) }

func (r *readDB) Close() error {
	if r.replica != nil {
		return r.replica.Close()
	}
	return nil
}

// ReplicaNotice tells the console when reads fell back from the replica to the primary.
func (s *Store) ReplicaNotice() string { return s.read.notice() }
