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
	var mu sync.Mutex
	var order []string
	trigramStarted := make(chan struct{})
	job := func(key string, weight int64, after ...string) buildJob {
		return buildJob{key: key, weight: weight, after: after, run: func(context.Context, *loadTx) error {
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
		}}
	}
	jobs := []buildJob{
		job("small", 1),
		job("cover", 2),             // short, but the blocks wait for it
		job("blocks", 100, "cover"), // the longest chain
		job("trigram", 80),
		job("events", 50, eventsLoaded),
		job("vacuum", 1, "blocks", "trigram", "events"),
	}
	b := newBuilds(jobs)
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
	if len(order) != len(jobs) {
		t.Fatalf("ran %v", order)
	}
	at := func(k string) int { return slices.Index(order, k) }
	if at("cover") > 1 || at("blocks") < at("cover") || at("vacuum") != len(order)-1 || at("small") < at("trigram") {
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
