package demodata

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// The COPY plumbing: rows are written in COPY's text format by a generator goroutine, in
// chunks, while the previous chunk is being sent.

const seedChunkSize = 256 << 10

// rowSink accumulates COPY text rows and hands full chunks to the copier.
type rowSink struct {
	b     []byte
	rows  int64
	out   chan<- *seedChunk
	free  <-chan *seedChunk
	stop  <-chan struct{}
	limit int
}

type seedChunk struct {
	b    []byte
	rows int64
}

var errSeedStopped = errors.New("seed: stopped")

func (w *rowSink) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10); w.b = append(w.b, '\t') }
func (w *rowSink) null()       { w.b = append(w.b, '\\', 'N', '\t') }
func (w *rowSink) bool(v bool) {
	if v {
		w.b = append(w.b, 't', '\t')
	} else {
		w.b = append(w.b, 'f', '\t')
	}
}

// str writes s escaped for COPY's text format.
func (w *rowSink) str(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			w.b = append(w.b, '\\', '\\')
		case '\t':
			w.b = append(w.b, '\\', 't')
		case '\n':
			w.b = append(w.b, '\\', 'n')
		case '\r':
			w.b = append(w.b, '\\', 'r')
		default:
			w.b = append(w.b, c)
		}
	}
	w.b = append(w.b, '\t')
}

func (w *rowSink) strOrNull(s string) {
	if s == "" {
		w.null()
	} else {
		w.str(s)
	}
}

// ts writes a timestamp given in microseconds since the epoch.
func (w *rowSink) ts(us int64) {
	w.b = time.UnixMicro(us).UTC().AppendFormat(w.b, "2006-01-02 15:04:05.000000Z07:00")
	w.b = append(w.b, '\t')
}

// end finishes a row, and sends the chunk when it is full.
func (w *rowSink) end() error {
	w.b[len(w.b)-1] = '\n'
	w.rows++
	if len(w.b) >= w.limit {
		return w.flush()
	}
	return nil
}

func (w *rowSink) flush() error {
	if w.rows == 0 {
		return nil
	}
	select {
	case w.out <- &seedChunk{b: w.b, rows: w.rows}:
	case <-w.stop:
		return errSeedStopped
	}
	select {
	case c := <-w.free:
		w.b = c.b[:0]
	default:
		w.b = make([]byte, 0, w.limit+4096)
	}
	w.rows = 0
	return nil
}

// copier runs COPY statements on one connection and reports each table's rows to tr.
type copier struct {
	conn *sql.Conn
	tr   *track
}

// copyIn is lib/pq's statement for a COPY … FROM STDIN: CopyData sends rows, and Exec(nil)
// ends the COPY and reports its errors (it implements no ExecContext, so Exec it is).
type copyIn interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
	Exec(args []driver.Value) (driver.Result, error)
}

// copyStatement is the COPY … FROM STDIN that lib/pq runs as a copy-in when it is prepared
// in a transaction.
func copyStatement(table string, cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	return "COPY " + pq.QuoteIdentifier(table) + " (" + strings.Join(quoted, ", ") + ") FROM STDIN"
}

// copy loads table with the rows gen writes; gen runs in its own goroutine.
func (cp *copier) copy(ctx context.Context, table string, cols []string, gen func(w *rowSink) error) error {
	out := make(chan *seedChunk, 4)
	free := make(chan *seedChunk, 8)
	stop := make(chan struct{})
	genErr := make(chan error, 1)
	go func() {
		defer close(out)
		w := &rowSink{out: out, free: free, stop: stop, limit: seedChunkSize,
			b: make([]byte, 0, seedChunkSize+4096)}
		err := gen(w)
		if err == nil {
			err = w.flush()
		}
		genErr <- err
	}()
	defer func() {
		close(stop)
		for range out { // let the generator finish
		}
	}()

	done := int64(0)
	err := cp.conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection")
		}
		st, err := c.Prepare(copyStatement(table, cols))
		if err != nil {
			return err
		}
		defer st.Close()
		cd, ok := st.(copyIn)
		if !ok {
			return errors.New("driver does not support CopyData")
		}
		for chunk := range out {
			if err := ctx.Err(); err != nil {
				return err
			}
			// CopyData appends the final newline itself.
			if _, err := cd.CopyData(context.Background(), string(chunk.b[:len(chunk.b)-1])); err != nil {
				return err
			}
			done += chunk.rows
			cp.tr.advance(done)
			select {
			case free <- chunk:
			default:
			}
		}
		_, err = cd.Exec(nil)
		return err
	})
	if err != nil {
		return err
	}
	return <-genErr
}
