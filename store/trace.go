package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"github.com/lib/pq"
)

// TracedQuery is one statement a store call sent, with its arguments.
type TracedQuery struct {
	SQL  string
	Args []any
	// Prepared: an execution of a statement the store keeps prepared (its plan cached).
	Prepared bool
}

// Tracer records the statements sent through stores opened with Config.Tracer. The benchmarks
// use it to send exactly the same SQL bare to the server (the floor a store call is compared to).
type Tracer struct {
	mu  sync.Mutex
	on  bool
	log []TracedQuery
}

// Start clears the log and starts recording.
func (t *Tracer) Start() {
	t.mu.Lock()
	t.on, t.log = true, nil
	t.mu.Unlock()
}

// Stop stops recording and returns what was recorded.
func (t *Tracer) Stop() []TracedQuery {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.on = false
	return t.log
}

func (t *Tracer) record(q string, args []driver.NamedValue) { t.add(q, args, false) }

func (t *Tracer) recordPrepared(q string, args []driver.NamedValue) { t.add(q, args, true) }

func (t *Tracer) add(q string, args []driver.NamedValue, prepared bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on {
		return
	}
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	t.log = append(t.log, TracedQuery{SQL: q, Args: vals, Prepared: prepared})
}

var (
	traceMu      sync.Mutex
	traceDrivers = map[*Tracer]string{}
)

// driverName registers (once) a driver that wraps lib/pq and reports to t.
func (t *Tracer) driverName() string {
	traceMu.Lock()
	defer traceMu.Unlock()
	if n, ok := traceDrivers[t]; ok {
		return n
	}
	n := "gatehouse-trace-" + itoa(len(traceDrivers))
	sql.Register(n, &traceDriver{t: t})
	traceDrivers[t] = n
	return n
}

type traceDriver struct{ t *Tracer }

func (d *traceDriver) Open(name string) (driver.Conn, error) {
	c, err := pq.Driver{}.Open(name)
	if err != nil {
		return nil, err
	}
	return &traceConn{Conn: c, t: d.t}, nil
}

type traceConn struct {
	driver.Conn
	t *Tracer
}

func (c *traceConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.t.record(q, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *traceConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.t.record(q, args)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

// PrepareContext prepares on the server; each execution of the statement is recorded.
func (c *traceConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &traceStmt{Stmt: st, q: q, t: c.t}, nil
}

// traceStmt records the executions of a prepared statement, as Prepared.
type traceStmt struct {
	driver.Stmt
	q string
	t *Tracer
}

func (s *traceStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.t.recordPrepared(s.q, args)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (s *traceStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.t.recordPrepared(s.q, args)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *traceConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *traceConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }
