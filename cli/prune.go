package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "prune",
		args:    "--older-than DURATION [--batch N] [--pause DURATION]",
		summary: "delete old auth events in small batches (never one giant DELETE)",
		help: `Deletes the authentication events older than the given age, walking the table in
batches of --batch ids, each committed on its own with a short pause between them so that the
portal's logins never wait on the prune. Acts as the local operator, who must be support;
audited. DURATION is a number of days (90d), hours (36h) or minutes (45m).`,
		examples: []string{
			"gatehouse prune --older-than 90d",
			"gatehouse prune --older-than 400d --batch 5000 --pause 200ms",
		},
		run: runPrune,
	})
}

// parseAge reads 90d, 36h, 45m (and any Go duration).
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration (90d, 36h, 45m)", s)
	}
	return v, nil
}

func runPrune(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	older := f.String("older-than", "", "delete events older than `DURATION` (e.g. 90d; required)")
	batch := f.Int("batch", 10000, "ids per batch (`N`)")
	pause := f.Duration("pause", 50*time.Millisecond, "pause between batches (`DURATION`)")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	if *older == "" {
		return f.usageError(e, "--older-than is required")
	}
	age, err := parseAge(*older)
	if err != nil {
		return f.usageError(e, "--older-than: %s", sanitizeLine(safeCap(err.Error())))
	}
	if *batch < 1 || *batch > 1000000 {
		return f.usageError(e, "--batch must be between 1 and 1,000,000")
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	before := st.Now().Add(-age)
	tty := isTerminal(e.stderr)
	n, err := st.PruneAuthEvents(e.ctx, op, before, store.PruneOptions{Batch: *batch, Pause: *pause,
		Progress: func(d int64) {
			if tty {
				fmt.Fprintf(e.stderr, "\r%s deleted…", thousands(d))
			}
		}})
	if tty {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintf(e.stdout, "deleted %s auth events before stopping\n", thousands(n))
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "deleted %s auth events older than %s\n", thousands(n), before.UTC().Format(time.RFC3339))
	return exitOK
}
