package ui

import (
	"context"
	"fmt"
	"gatehouse/store/demodata"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkKeystroke measures one keystroke to a rendered frame (Update + View) on the Users
// screen at 200×60, the "keystroke to frame" number (target ≤ 2 ms p95).
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

// BenchmarkScreenKeystroke measures one keystroke to a rendered frame (Update + View, the
// commands a key returns not run) on every screen at 200×60, on a seeded database: moving
// through the Users list, a User's detail, Lockouts, Audit and Invitations, and typing in the
// Invite wizard's first field. Each reports its p95 (target ≤ 2 ms).
func BenchmarkScreenKeystroke(b *testing.B) {
	t := &testing.T{}
	st := newStoreB(b)
	if _, err := demodata.Load(context.Background(), st.DB(), demodata.Options{Users: 400, Events: 8000, Orgs: 6, Seed: 4}, nil); err != nil {
		b.Fatal(err)
	}
	move := []tea.KeyMsg{keyMsg("j"), keyMsg("k")}
	typing := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune{'é'}}, {Type: tea.KeyBackspace}}
	screens := []struct {
		name  string
		reach []string // keys, or ":name" for the command line
		keys  []tea.KeyMsg
		shows string // on the screen once reached
	}{
		{"users", nil, move, "Users"},
		{"user", []string{"enter"}, move, "Recent authentication events"},
		{"lockouts", []string{":lockouts"}, move, "Locked now"},
		{"audit", []string{":audit"}, move, "Audit"},
		{"invitations", []string{":invitations"}, move, "Invitations"},
		{"invite", []string{"i"}, typing, "Invite"},
	}
	for _, sc := range screens {
		b.Run(sc.name, func(b *testing.B) {
			h := newHarness(t, st, support, 200, 60)
			for _, k := range sc.reach {
				if name, ok := strings.CutPrefix(k, ":"); ok {
					h.keys(":")
					h.typeText(name)
					h.keys("enter")
					continue
				}
				h.keys(k)
			}
			if v := h.view(); !strings.Contains(v, sc.shows) {
				b.Fatalf("%s: %q not on the screen reached:\n%s", sc.name, sc.shows, v)
			}
			b.ReportAllocs()
			b.ResetTimer()
			times := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				k := sc.keys[(i/25)%len(sc.keys)] // 25 down, 25 up (or 25 typed, 25 erased)
				t0 := time.Now()
				h.app.Update(k)
				_ = h.app.View()
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			if t.Failed() {
				b.Fatalf("%s: the harness failed reaching the screen", sc.name)
			}
			reportP95(b, times)
		})
	}
}
