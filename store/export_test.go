package store

import (
	"sync"
	"testing"
)

// SearchVia forces the plan of a search sorted by name, so that tests can hold every plan to
// the plain answer: "trigram" (sort the trigram index's matches), "walk" (a walk of the name
// index bounded to budget entries, the blocks going on from its last row when it falls
// short), "blocks", or "name" (the unbounded walk).
func SearchVia(q UserQuery, via string, budget int) UserQuery {
	q.planForced = true
	switch via {
	case "trigram":
		q.byTrigram = true
	case "walk":
		q.walkBudget = budget
	case "blocks":
		q.byBlocks = true
	}
	return q
}

// ArgonRun is one argon2id computation as the hashing code ran it: its cost parameters and the
// lengths of its salt and key.
type ArgonRun struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen int
	KeyLen  int
}

// CurrentArgon is the computation that hashing a new password, or verifying a hash made with
// the current parameters, runs.
func CurrentArgon() ArgonRun {
	return ArgonRun{Memory: currentParams.memory, Time: currentParams.time, Threads: currentParams.threads,
		SaltLen: argonSaltLen, KeyLen: argonKeyLen}
}

// RecordArgon records every argon2id computation of the process until the test ends, and
// returns a function that hands over the ones recorded since it was last called. The tests of
// this package do not run in parallel, so every computation recorded is the test's own.
func RecordArgon(t testing.TB) func() []ArgonRun {
	var (
		mu   sync.Mutex
		runs []ArgonRun
	)
	hookArgon = func(p argonParams, saltLen, keyLen int) {
		mu.Lock()
		defer mu.Unlock()
		runs = append(runs, ArgonRun{Memory: p.memory, Time: p.time, Threads: p.threads, SaltLen: saltLen, KeyLen: keyLen})
	}
	t.Cleanup(func() { hookArgon = nil })
	return func() []ArgonRun {
		mu.Lock()
		defer mu.Unlock()
		got := runs
		runs = nil
		return got
	}
}
