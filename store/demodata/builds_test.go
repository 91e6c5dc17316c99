package demodata

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// The builds run each job once, after every job and mark it waits for, on two workers at
// once, the job that heads the longest chain first; an error stops them.
func TestBuildsOrder(t *testing.T) {
	jobs := func(run func(key string) error) []buildJob {
		job := func(key string, weight int64, after ...string) buildJob {
			return buildJob{key: key, weight: weight, after: after,
				run: func(context.Context, *loadTx) error { return run(key) }}
		}
		return []buildJob{
			job("small", 1),
			job("cover", 2),             // short, but the blocks wait for it
			job("blocks", 100, "cover"), // the longest chain
			job("trigram", 80),
			job("events", 50, eventsLoaded),
			job("vacuum", 1, "blocks", "trigram", "events"),
		}
	}

	// The order the jobs are taken in, two running at once: taken one by one here, each
	// finished when the next worker is free. (On two goroutines the order the jobs start in
	// is the scheduler's too: a worker can take the cover index and start it after the other
	// has run three jobs.)
	b := newBuilds(jobs(func(string) error { return nil }))
	b.mark(eventsLoaded)
	var taken []string
	take := func(finished ...string) {
		for _, k := range finished {
			b.mark(k)
		}
		b.mu.Lock()
		j, ok := b.next()
		b.mu.Unlock()
		if ok {
			taken = append(taken, j.key)
		}
	}
	take()                 // both workers free
	take()                 // the heads of the two longest chains
	take("trigram")        // the trigram index done first: the cover index still runs
	take("events")         // the blocks still wait for the cover index
	take("small", "cover") // now the blocks
	take("blocks")         // and the vacuum, last
	if want := []string{"cover", "trigram", "events", "small", "blocks", "vacuum"}; !slices.Equal(taken, want) {
		t.Errorf("taken in the order %v, want %v", taken, want)
	}

	// On two workers: each job once, the two heads at once, every job after what it waits for.
	var mu sync.Mutex
	var order []string
	trigramStarted := make(chan struct{})
	list := jobs(func(key string) error {
		mu.Lock()
		order = append(order, key)
		mu.Unlock()
		switch key {
		case "trigram":
			close(trigramStarted)
		case "cover": // the first job: the other worker starts the trigram index meanwhile
			select {
			case <-trigramStarted:
			case <-time.After(20 * time.Second):
				return errors.New("the trigram index did not start while the cover index was built")
			}
		}
		return nil
	})
	b = newBuilds(list)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 1 {
				b.mark(eventsLoaded)
			}
			errs[i] = b.work(context.Background(), &loadTx{})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(order) != len(list) {
		t.Fatalf("ran %v", order)
	}
	at := func(k string) int { return slices.Index(order, k) }
	if at("blocks") < at("cover") || at("vacuum") < at("blocks") || at("vacuum") < at("trigram") || at("vacuum") < at("events") {
		t.Errorf("order %v", order)
	}

	failed := errors.New("no space left")
	b = newBuilds([]buildJob{
		{key: "a", weight: 2, run: func(context.Context, *loadTx) error { return failed }},
		{key: "b", weight: 1, after: []string{"a"}, run: func(context.Context, *loadTx) error {
			t.Error("a job ran after the one it waits for failed")
			return nil
		}},
	})
	if err := b.work(context.Background(), &loadTx{}); !errors.Is(err, failed) {
		t.Errorf("work: %v", err)
	}
}
