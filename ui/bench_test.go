package ui

import (
	"fmt"
	"sort"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkKeystroke measures one keystroke to a rendered frame (Update + View) on the Users
// screen at 200×60, the SPEC §6 "keystroke to frame" number (target ≤ 2 ms p95).
func BenchmarkKeystroke(b *testing.B) {
	t := &testing.T{}
	st := newStoreB(b)
	f := fixture{t, st}
	acme := f.org("acme", "Acme")
	for i := 0; i < 120; i++ {
		f.user(fmt.Sprintf("BENCH-%05d", i), fmt.Sprintf("u%d@example.org", i), fmt.Sprintf("Ünïcode 名前 %d", i), acme)
	}
	h := newHarness(t, st, support, 200, 60)
	down, up := keyMsg("j"), keyMsg("k")
	b.ReportAllocs()
	b.ResetTimer()
	times := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		k := down
		if i%100 >= 50 {
			k = up
		}
		t0 := time.Now()
		h.app.Update(k)
		_ = h.app.View()
		times = append(times, time.Since(t0))
	}
	reportP95(b, times)
}

// reportP95 adds the 95th percentile of the per-operation times to the benchmark's output.
func reportP95(b *testing.B, times []time.Duration) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
	}
}

// BenchmarkSearchKeystroke measures typing one character in the search box (Update + View;
// the query itself runs later, off the UI goroutine).
func BenchmarkSearchKeystroke(b *testing.B) {
	t := &testing.T{}
	st := newStoreB(b)
	f := fixture{t, st}
	acme := f.org("acme", "Acme")
	for i := 0; i < 60; i++ {
		f.user(fmt.Sprintf("BENCH-%05d", i), fmt.Sprintf("u%d@example.org", i), fmt.Sprintf("Name %d", i), acme)
	}
	h := newHarness(t, st, support, 200, 60)
	h.keys("/")
	b.ReportAllocs()
	b.ResetTimer()
	times := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		k := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'a'}}
		if i%2 == 1 {
			k = tea.KeyMsg{Type: tea.KeyBackspace}
		}
		t0 := time.Now()
		h.app.Update(k)
		_ = h.app.View()
		times = append(times, time.Since(t0))
	}
	reportP95(b, times)
}
