package demodata

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"
)

// Progress is one report of a load in progress. A load plans its rows, then runs two
// transactions at once, each on its own connection: the users and what hangs on them
// (organizations, memberships, invitations, audit, their indexes, the search blocks), and
// the authentication events (their indexes, the failures' summaries); then VACUUM ANALYZE.
// Each of those steps is a phase.
type Progress struct {
	Phase       string // the phase this report is about ("users", "index users_search_trgm"…)
	Done, Total int64  // its rows done and to do (Total 0: the phase counts no rows)
	Running     []Running
	// Work of WorkTotal is the whole load's estimated work done: each phase weighs what it
	// took per row in a measured load, so Work/WorkTotal is about the fraction of the time.
	Work, WorkTotal int64
	// Took is set on the one report that ends a phase: how long the phase took.
	Took time.Duration
}

// Running is a phase running, with its rows done and to do (Total 0: not counted).
type Running struct {
	Phase       string
	Done, Total int64
}

// String lists the phases running: "users 1,000/2,000 rows · auth events".
func (p Progress) String() string {
	parts := make([]string, len(p.Running))
	for i, r := range p.Running {
		parts[i] = r.Phase
		if r.Total > 0 {
			parts[i] += " " + thousands(r.Done) + "/" + thousands(r.Total) + " rows"
		}
	}
	return strings.Join(parts, " · ")
}

func thousands(n int64) string {
	s := []byte{}
	d := []byte(itoa(n))
	for i := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			s = append(s, ',')
		}
		s = append(s, d[i])
	}
	return string(s)
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Cost of each phase per unit, in nanoseconds (measured in a 1M-user, 10M-event load on 2
// busy cores): the weights of the overall progress and of the order of the builds, not a
// promise of speed.
const (
	costPlanUser    = 6000 // planning a user (identity, memberships, rights)
	costPlanEvent   = 550  // simulating an event (the first pass, for the users' final state)
	costCopyUser    = 41000
	costCopyMember  = 6000
	costCopyRight   = 3300
	costCopyInvite  = 40000
	costCopyEvent   = 10600
	costCopyOther   = 20000
	costAuditRow    = 170000
	costIndexBtree  = 1600  // per row of users or memberships, per b-tree index
	costIndexEvents = 800   // per event, per index
	costIndexTrgm   = 76000 // per user: the trigram index of the search column
	costBlocksUser  = 70000
	costFailEvent   = 4700
	costVacuumUser  = 9000
	costVacuumRow   = 500
)

// tracker turns a load's steps into Progress reports. Each transaction of the load reports
// through its own track; a poller reports the server's own progress during long statements.
type tracker struct {
	report func(Progress) // called with mu held: never two at once

	mu     sync.Mutex
	work   int64 // work of the phases ended
	total  int64
	tracks []*track
	last   time.Time
}

// track is one line of work: one phase at a time.
type track struct {
	t          *tracker
	phase      string
	phaseStart time.Time
	weight     int64   // the current phase's work
	rows       int64   // the current phase's rows (0: not counted)
	done       int64   // rows done
	frac       float64 // of a phase that counts no rows: the fraction done, from the server
}

func newTracker(total int64, report func(Progress)) *tracker {
	if report == nil {
		report = func(Progress) {}
	}
	return &tracker{report: report, total: max(total, 1)}
}

// track adds a line of work.
func (t *tracker) track() *track {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := &track{t: t}
	t.tracks = append(t.tracks, k)
	return k
}

// setTotal revises the estimate of the whole load's work.
func (t *tracker) setTotal(total int64) {
	t.mu.Lock()
	t.total = max(total, 1)
	t.mu.Unlock()
}

// workDone is the work of the phases ended.
func (t *tracker) workDone() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.work
}

// begin starts a phase of rows rows (0: not counted) weighing weight.
func (k *track) begin(phase string, rows, weight int64) {
	t := k.t
	t.mu.Lock()
	defer t.mu.Unlock()
	k.phase, k.phaseStart, k.weight, k.rows, k.done, k.frac = phase, time.Now(), weight, rows, 0, 0
	t.last = time.Now()
	t.report(t.progressLocked(k))
}

// advance reports done rows of the phase (at most every 50 ms).
func (k *track) advance(done int64) { k.set(done, -1) }

// fraction reports the fraction of a phase done, as the server tells it.
func (k *track) fraction(f float64) { k.set(-1, min(1, max(0, f))) }

func (k *track) set(done int64, frac float64) {
	t := k.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if done > k.done {
		k.done = done
	}
	if frac > k.frac {
		k.frac = frac
	}
	now := time.Now()
	if now.Sub(t.last) < 50*time.Millisecond {
		return
	}
	t.last = now
	t.report(t.progressLocked(k))
}

// end ends the phase, reporting how long it took.
func (k *track) end() {
	t := k.t
	t.mu.Lock()
	defer t.mu.Unlock()
	k.done, k.frac = k.rows, 1
	p := Progress{Phase: k.phase, Done: k.rows, Total: k.rows, Took: max(time.Since(k.phaseStart), time.Nanosecond)}
	t.work += k.weight
	k.phase, k.weight, k.rows, k.done, k.frac = "", 0, 0, 0, 0
	q := t.progressLocked(k)
	p.Running, p.Work, p.WorkTotal = q.Running, q.Work, q.WorkTotal
	t.last = time.Now()
	t.report(p)
}

// progressLocked is a report about k's phase.
func (t *tracker) progressLocked(k *track) Progress {
	w := t.work
	p := Progress{Phase: k.phase, Done: k.done, Total: k.rows}
	for _, x := range t.tracks {
		if x.phase == "" {
			continue
		}
		f := x.frac
		if x.rows > 0 {
			f = min(1, float64(x.done)/float64(x.rows))
		}
		w += int64(float64(x.weight) * f)
		p.Running = append(p.Running, Running{Phase: x.phase, Done: x.done, Total: x.rows})
	}
	p.Work, p.WorkTotal = min(w, t.total), t.total
	return p
}

// watch polls the server's progress of the statement that the backend pid runs, until stop
// is called: index builds report the heap blocks scanned and the tuples loaded, VACUUM the
// heap blocks scanned. Between those reports the clock still moves.
func (k *track) watch(ctx context.Context, db *sql.DB, pid int) (stop func()) {
	if db == nil || pid == 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			var f sql.NullFloat64
			err := db.QueryRowContext(ctx, `SELECT coalesce(
				(SELECT CASE WHEN blocks_total > 0 AND tuples_total > 0
						THEN 0.6 * blocks_done / blocks_total + 0.4 * tuples_done / tuples_total
					WHEN blocks_total > 0 THEN 0.9 * blocks_done / blocks_total END
					FROM pg_stat_progress_create_index WHERE pid = $1),
				(SELECT CASE WHEN heap_blks_total > 0 THEN heap_blks_scanned::float8 / heap_blks_total END
					FROM pg_stat_progress_vacuum WHERE pid = $1))`, pid).Scan(&f)
			switch {
			case ctx.Err() != nil:
				return
			case err == nil && f.Valid:
				k.fraction(f.Float64)
			default:
				k.advance(0)
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
