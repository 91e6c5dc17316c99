package store

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Prepared reads. A list statement sent as is is parsed and planned at every call, in two
// round trips (lib/pq parses, then binds); prepared, it is planned once and sent in one
// (Bind, Execute). The screens' page statements are prepared once per connection of the read
// pool and kept by their text, the most recently used first, up to preparedMax per pool.
//
// A prepared statement runs on its generic plan, planned once without the values (see
// stmtCaches), so its text must give a good one: LIMITs are written in, and so is every value
// that chooses the plan (a status, a flag, an organization: see queryBuilder.lit); only
// cursors, clocks and ids that are looked up stay parameters. A statement whose plan hangs on
// a value that cannot be written in (a search pattern) is sent as is.

// preparedMax bounds the statements a pool keeps prepared (each on every connection it ran
// on, a generic plan apiece in the server's memory). One operator's screens use a dozen.
const preparedMax = 48

// stmtCache holds one pool's prepared statements by SQL text.
type stmtCache struct {
	db  *sqlx.DB
	mu  sync.Mutex
	m   map[string]*list.Element // SQL text → its element of lru
	lru list.List                // of *preparedStmt, most recently used first
}

type preparedStmt struct {
	sql     string
	stmt    *sqlx.Stmt
	users   int  // calls running it now
	evicted bool // out of the cache: closed when its last call is done
}

// acquire returns the prepared statement of q, preparing it if needed; release it after use.
func (c *stmtCache) acquire(ctx context.Context, q string) (*preparedStmt, error) {
	c.mu.Lock()
	if e, ok := c.m[q]; ok {
		c.lru.MoveToFront(e)
		p := e.Value.(*preparedStmt)
		p.users++
		c.mu.Unlock()
		return p, nil
	}
	c.mu.Unlock()
	st, err := c.db.PreparexContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if e, ok := c.m[q]; ok { // prepared meanwhile by another call
		p := e.Value.(*preparedStmt)
		p.users++
		c.mu.Unlock()
		st.Close()
		return p, nil
	}
	if c.m == nil {
		c.m = map[string]*list.Element{}
	}
	p := &preparedStmt{sql: q, stmt: st, users: 1}
	c.m[q] = c.lru.PushFront(p)
	var closing []*preparedStmt
	for c.lru.Len() > preparedMax {
		if old := c.removeLocked(c.lru.Back()); old != nil {
			closing = append(closing, old)
		}
	}
	c.mu.Unlock()
	for _, old := range closing {
		old.stmt.Close()
	}
	return p, nil
}

// removeLocked takes an element out of the cache; it returns its statement when no call
// runs it (to be closed by the caller, outside the lock).
func (c *stmtCache) removeLocked(e *list.Element) *preparedStmt {
	p := e.Value.(*preparedStmt)
	c.lru.Remove(e)
	delete(c.m, p.sql)
	p.evicted = true
	if p.users == 0 {
		return p
	}
	return nil
}

// release ends a call's use of p; drop also takes p out of the cache (its plan is stale).
func (c *stmtCache) release(p *preparedStmt, drop bool) {
	c.mu.Lock()
	p.users--
	if drop && !p.evicted {
		if e, ok := c.m[p.sql]; ok && e.Value == p {
			c.lru.Remove(e)
			delete(c.m, p.sql)
		}
		p.evicted = true
	}
	closeIt := p.evicted && p.users == 0
	c.mu.Unlock()
	if closeIt {
		// Rows still open keep the statement until they are closed (database/sql).
		p.stmt.Close()
	}
}

// len is the number of statements kept (tests).
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// run runs f with q's prepared statement. A statement the server no longer knows (the
// connection was reset: DISCARD ALL, a pooler) or whose plan would change its result type
// (a migration changed a column it returns) is prepared again, once.
func run[T any](ctx context.Context, c *stmtCache, q string, f func(*sqlx.Stmt) (T, error)) (T, error) {
	for try := 0; ; try++ {
		p, err := c.acquire(ctx, q)
		if err != nil {
			var zero T
			return zero, err
		}
		v, err := f(p.stmt)
		stale := err != nil && stalePrepared(err)
		c.release(p, stale)
		if stale && try == 0 {
			continue
		}
		return v, err
	}
}

// stalePrepared tells whether err means that a prepared statement must be prepared again.
func stalePrepared(err error) bool {
	var pqe *pq.Error
	if !errors.As(err, &pqe) {
		return false
	}
	switch pqe.Code {
	case "26000": // invalid_sql_statement_name: prepared statement "…" does not exist
		return true
	case "0A000": // feature_not_supported
		return strings.Contains(pqe.Message, "cached plan must not change result type")
	}
	return false
}

// stmtCaches are the prepared statements of a store's read pools (the primary, the replica),
// each run on a pool of its own beside the read pool, on the same server, whose connections
// always use the generic plan (plan_cache_mode=force_generic_plan): left to choose, PostgreSQL
// kept planning a page with its values at every execution whenever the generic plan's cost
// came out a little higher (an estimate of fewer rows after the cursor makes the same walk
// look dearer), which is the very planning preparing it was to save. Statements sent as they
// are keep their own pools, planned with their values.
type stmtCaches struct {
	mu sync.Mutex
	m  map[*sqlx.DB]*stmtCache // by the read pool the statements stand in for
}

// preparedParams are the connection parameters of the prepared statements' pools.
var preparedParams = map[string]string{"plan_cache_mode": "force_generic_plan"}

// open opens the prepared statements' pool of read pool db (on dsn).
func (s *stmtCaches) open(db *sqlx.DB, dsn string, cfg Config) error {
	p, err := openPool(dsn, cfg, preparedParams)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[*sqlx.DB]*stmtCache{}
	}
	s.m[db] = &stmtCache{db: p}
	return nil
}

// of returns the statement cache standing in for read pool db.
func (s *stmtCaches) of(db *sqlx.DB) *stmtCache {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[db]
	if !ok { // not opened by Open: the read pool itself (its plans chosen by PostgreSQL)
		if s.m == nil {
			s.m = map[*sqlx.DB]*stmtCache{}
		}
		c = &stmtCache{db: db}
		s.m[db] = c
	}
	return c
}

func (s *stmtCaches) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for db, c := range s.m {
		if c.db != db {
			c.db.Close()
		}
	}
}

// preparedReads reads through the statement caches of the read pool (replica or primary,
// as readDB picks, falling back to the primary as it does). It is a sqlx.QueryerContext.
type preparedReads struct{ s *Store }

// prepared is the store's read pool with its statements prepared (see preparedMax).
func (s *Store) prepared() preparedReads { return preparedReads{s} }

func readRun[T any](ctx context.Context, r preparedReads, q string, f func(*sqlx.Stmt) (T, error), errOf func(T, error) error) (T, error) {
	db := r.s.read.pick()
	v, err := run(ctx, r.s.stmts.of(db), q, f)
	if r.s.read.failed(db, errOf(v, err)) {
		return run(ctx, r.s.stmts.of(r.s.read.primary), q, f)
	}
	r.s.read.ok(db)
	return v, err
}

func plainErr[T any](_ T, err error) error { return err }

func (r preparedReads) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return readRun(ctx, r, q, func(st *sqlx.Stmt) (*sql.Rows, error) { return st.QueryContext(ctx, args...) }, plainErr)
}

func (r preparedReads) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	return readRun(ctx, r, q, func(st *sqlx.Stmt) (*sqlx.Rows, error) { return st.QueryxContext(ctx, args...) }, plainErr)
}

func (r preparedReads) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	row, _ := readRun(ctx, r, q, func(st *sqlx.Stmt) (*sqlx.Row, error) {
		row := st.QueryRowxContext(ctx, args...)
		return row, row.Err()
	}, func(row *sqlx.Row, err error) error {
		if row == nil {
			return err
		}
		return row.Err()
	})
	if row == nil { // it could not be prepared: sent as is, it tells why
		return r.s.read.QueryRowxContext(ctx, q, args...)
	}
	return row
}
