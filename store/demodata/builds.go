package demodata

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The load's end: once the rows are committed, its indexes, the search blocks, the failures'
// summaries and VACUUM ANALYZE are jobs, each in a transaction of its own (VACUUM in none), run by two
// connections at once (CREATE INDEX takes a SHARE lock: two builds on one table do not wait
// for each other). PostgreSQL builds a GIN index on one core: the users' trigram index and the
// search blocks' index, the two longest jobs, each get a connection, and the others fill in
// around them, the head of the longest chain first, so that both cores stay busy to the end.

// Memory for a build: a GIN index gathers its keys in maintenance_work_mem and writes them
// out each time it is full (the users' trigram index at 1M users: 7% less CPU with 2 GB
// than 256 MB); a b-tree sorts in it (at 3M users 256 MB spilled to disk: the cover
// index took 21 s, 13 s with 1 GB).
const (
	ginBuildMem   = "2GB"
	btreeBuildMem = "1GB"
	blocksSortMem = "1GB" // work_mem of the search blocks' cut: its sort of the users' texts into blocks
)

// buildJob is one job of the load's end.
type buildJob struct {
	key    string   // unique; what other jobs wait for
	after  []string // jobs that must have ended first
	weight int64    // its estimated work (the order: heaviest first)
	run    func(ctx context.Context, x *loadTx) error
}

// builds runs the jobs on the connections of the load's transactions, each connection once its
// transaction has committed: each job once every job (or mark) it waits for has ended, the
// ready one of the longest chain first. The first error stops the workers after their current job.
type builds struct {
	mu      sync.Mutex
	cond    *sync.Cond
	done    map[string]bool
	pending []buildJob
	err     error
}

// eventsLoaded is the mark of the events committed: what reads them waits for it.
const eventsLoaded = "events loaded"

func newBuilds(jobs []buildJob) *builds {
	b := &builds{done: map[string]bool{}, pending: slices.Clone(jobs)}
	b.cond = sync.NewCond(&b.mu)
	// A job's rank is its weight and the heaviest chain of the jobs that wait for it: the
	// highest ranks go first, so that a long job waiting for a short one starts early.
	rank := map[string]int64{}
	var rankOf func(key string, weight int64) int64
	rankOf = func(key string, weight int64) int64 {
		if r, ok := rank[key]; ok {
			return r
		}
		var most int64
		for _, j := range jobs {
			if slices.Contains(j.after, key) {
				most = max(most, rankOf(j.key, j.weight))
			}
		}
		rank[key] = weight + most
		return rank[key]
	}
	for _, j := range jobs {
		rankOf(j.key, j.weight)
	}
	slices.SortStableFunc(b.pending, func(a, c buildJob) int {
		switch {
		case rank[a.key] > rank[c.key]:
			return -1
		case rank[a.key] < rank[c.key]:
			return 1
		}
		return 0
	})
	return b
}

// mark tells that key has ended (a job, or a mark such as eventsLoaded).
func (b *builds) mark(key string) {
	b.mu.Lock()
	b.done[key] = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// fail stops the builds (what runs ends first).
func (b *builds) fail(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.cond.Broadcast()
	b.mu.Unlock()
}

// next waits for a ready job (with mu held); false when there is none left or the builds
// failed.
func (b *builds) next() (buildJob, bool) {
	for {
		if b.err != nil || len(b.pending) == 0 {
			return buildJob{}, false
		}
		for i, j := range b.pending {
			ready := true
			for _, a := range j.after {
				if !b.done[a] {
					ready = false
					break
				}
			}
			if ready {
				b.pending = slices.Delete(b.pending, i, i+1)
				return j, true
			}
		}
		b.cond.Wait()
	}
}

// work runs jobs on x's connection until none is left; it returns the builds' first error.
func (b *builds) work(ctx context.Context, x *loadTx) error {
	for {
		b.mu.Lock()
		j, ok := b.next()
		err := b.err
		b.mu.Unlock()
		if !ok {
			return err
		}
		if err := j.run(ctx, x); err != nil {
			b.fail(err)
			return err
		}
		b.mark(j.key)
	}
}

// inTx runs statements in a transaction of their own on x's connection, each a phase unless
// quiet.
func (x *loadTx) inTx(ctx context.Context, list []txStatement) error {
	if _, err := x.conn.ExecContext(ctx, `BEGIN`); err != nil {
		return err
	}
	x.begun = true
	if err := x.statements(ctx, list); err != nil {
		return err // rolled back by close
	}
	if _, err := x.conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	x.begun = false
	return nil
}

// buildSettings are the settings of a build's transaction.
func buildSettings(mem string) txStatement {
	return txStatement{sql: `SET LOCAL statement_timeout = 0; SET LOCAL synchronous_commit = off;
		SET LOCAL maintenance_work_mem = '` + mem + `'`, quiet: true}
}

// indexJob rebuilds one index dropped for the load.
func indexJob(ix droppedIndex, weight int64) buildJob {
	mem := btreeBuildMem
	if strings.Contains(ix.def, "USING gin") {
		mem = ginBuildMem
	}
	return buildJob{key: "index " + ix.name, weight: weight, run: func(ctx context.Context, x *loadTx) error {
		if err := x.inTx(ctx, []txStatement{buildSettings(mem),
			{phase: "index " + ix.name, weight: weight, sql: ix.def}}); err != nil {
			return fmt.Errorf("seed: rebuild index: %w", err)
		}
		return nil
	}}
}

// blocksJob cuts the search blocks from the users loaded (search_blocks_rebuild sets its own
// maintenance_work_mem for its index; its sort of the users gets the seed's work_mem).
func blocksJob(weight int64, blockSize int, after []string) buildJob {
	return buildJob{key: "search blocks", after: after, weight: weight, run: func(ctx context.Context, x *loadTx) error {
		if err := x.inTx(ctx, []txStatement{buildSettings(btreeBuildMem),
			{sql: `SET LOCAL work_mem = '` + blocksSortMem + `'`, quiet: true},
			{phase: "search blocks", weight: weight, sql: `SELECT search_blocks_rebuild($1)`, args: []any{blockSize}}}); err != nil {
			return fmt.Errorf("seed: search blocks: %w", err)
		}
		return nil
	}}
}

// vacuumJob is one VACUUM (ANALYZE), outside any transaction, once the jobs that lock its
// tables (index builds, the blocks) have ended.
func vacuumJob(v vacuumStep, after []string) buildJob {
	return buildJob{key: v.phase, after: after, weight: v.weight, run: func(ctx context.Context, x *loadTx) error {
		if err := x.vacuum(ctx, v); err != nil {
			return fmt.Errorf("seed: vacuum analyze: %w", err)
		}
		return nil
	}}
}

// buildJobs are the load's builds: the indexes dropped, the search blocks (the users' side's
// final statement), the failures' summaries with the indexes of the tables they rewrite (the
// events' side's), and VACUUM ANALYZE of every table once nothing else locks it.
func buildJobs(userTx, eventTx *loadTx, vacuum []vacuumStep) []buildJob {
	var jobs []buildJob
	locks := map[string][]string{} // table: the jobs that lock it
	var summaries []txStatement
	for _, x := range []*loadTx{userTx, eventTx} {
		for _, ix := range x.rebuild {
			w := ix.work(x.loaded[ix.table])
			if rewritten[ix.table] {
				summaries = append(summaries, txStatement{phase: "index " + ix.name, weight: w, sql: ix.def})
				continue
			}
			j := indexJob(ix, w)
			if x == eventTx {
				j.after = []string{eventsLoaded}
			}
			jobs = append(jobs, j)
			locks[ix.table] = append(locks[ix.table], j.key)
		}
	}
	for _, st := range userTx.final { // the search blocks, cut in name order: from the users' cover index
		var after []string
		for _, k := range locks["users"] {
			if k == "index users_name_cover" {
				after = append(after, k)
			}
		}
		j := blocksJob(st.weight, st.args[0].(int), after)
		jobs = append(jobs, j)
		locks["users"] = append(locks["users"], j.key)
		locks["search_blocks"] = append(locks["search_blocks"], j.key)
	}
	var weight int64
	list := []txStatement{buildSettings(btreeBuildMem)}
	for _, st := range append(slices.Clone(eventTx.final), summaries...) {
		weight += st.weight
		list = append(list, st)
	}
	jobs = append(jobs, buildJob{key: "failure summaries", after: []string{eventsLoaded}, weight: weight,
		run: func(ctx context.Context, x *loadTx) error { return x.inTx(ctx, list) }})
	locks["failure_ip_days"] = append(locks["failure_ip_days"], "failure summaries")
	locks["failure_ip_minutes"] = append(locks["failure_ip_minutes"], "failure summaries")
	for _, v := range vacuum {
		after := []string{eventsLoaded}
		for _, t := range strings.Split(v.tables, ",") {
			after = append(after, locks[strings.TrimSpace(t)]...)
		}
		jobs = append(jobs, vacuumJob(v, after))
	}
	return jobs
}
