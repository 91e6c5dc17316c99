package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"gatehouse/store/demodata"
)

// progressBar draws one line on a terminal, redrawn at most every 100 ms. It is safe to call
// from several goroutines. A nil *progressBar draws nothing (output is not a terminal).
type progressBar struct {
	w     io.Writer
	label string
	start time.Time

	mu    sync.Mutex
	last  time.Time
	drawn bool
}

// newProgress returns a bar on w when w is a terminal, nil otherwise.
func newProgress(w io.Writer, label string) *progressBar {
	if !isTerminal(w) {
		return nil
	}
	return &progressBar{w: w, label: label, start: time.Now()}
}

// update is the progress callback: done of total rows.
func (p *progressBar) update(done, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.drawn && now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprint(p.w, "\r"+progressLine(p.label, done, total, now.Sub(p.start), 30)+"\x1b[K")
}

// phase is the progress callback of a load reported by phase: the phase running and its rows,
// the bar and the ETA of the whole load.
func (p *progressBar) phase(pr demodata.Progress) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.drawn && now.Sub(p.last) < 100*time.Millisecond && pr.Took == 0 {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprint(p.w, "\r"+phaseLine(p.label, pr, now.Sub(p.start), 30)+"\x1b[K")
}

// finish clears the bar's line.
func (p *progressBar) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// progressLine renders: label [█████░░░░░]  45%  1,234/2,000 rows  0:42, ~0:50 left
func progressLine(label string, done, total int64, elapsed time.Duration, width int) string {
	frac := 0.0
	if total > 0 {
		frac = min(1, max(0, float64(done)/float64(total)))
	}
	full := int(frac * float64(width))
	bar := strings.Repeat("█", full) + strings.Repeat("░", width-full)
	s := fmt.Sprintf("%s %s %3d%%  %s/%s rows  %s", label, bar, int(frac*100), thousands(done), thousands(total), clock(elapsed))
	if frac > 0.02 && frac < 1 {
		left := time.Duration(float64(elapsed) * (1 - frac) / frac)
		s += ", ~" + clock(left) + " left"
	}
	return s
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// phaseLine renders: label █████░░░░░  45%  0:42, ~0:50 left  ·  users 1,234/2,000 rows · auth events 5,000/9,000 rows
// (the bar, the percentage and the time left are the whole load's; then the phases running).
func phaseLine(label string, p demodata.Progress, elapsed time.Duration, width int) string {
	frac := 0.0
	if p.WorkTotal > 0 {
		frac = min(1, max(0, float64(p.Work)/float64(p.WorkTotal)))
	}
	full := int(frac * float64(width))
	bar := strings.Repeat("█", full) + strings.Repeat("░", width-full)
	s := fmt.Sprintf("%s %s %3d%%  %s", label, bar, int(frac*100), clock(elapsed))
	if frac > 0.02 && frac < 1 {
		left := time.Duration(float64(elapsed) * (1 - frac) / frac)
		s += ", ~" + clock(left) + " left"
	}
	if running := p.String(); running != "" {
		s += "  ·  " + running
	}
	return s
}

// phaseLogLine is the line a load writes at the end of each phase when its output is not a
// terminal: label: phase (rows) took, elapsed since the start.
func phaseLogLine(label string, p demodata.Progress, elapsed time.Duration) string {
	s := label + ": " + p.Phase
	if p.Total > 0 {
		s += " (" + thousands(p.Total) + " rows)"
	}
	return s + " " + seconds(p.Took) + ", " + clock(elapsed) + " in all"
}

// seconds renders a duration in seconds, to the tenth (to the millisecond under a second).
func seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
