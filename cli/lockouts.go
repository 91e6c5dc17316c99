package cli

import (
	"fmt"
	"strings"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "lockouts",
		args:    "[--json] [--limit N]",
		summary: "list the accounts locked now, with their failure counters",
		help: `Acts as the local operator: an admin sees the accounts of their organizations only.
Most recently locked first. With --json: one JSON array, one account per line.`,
		examples: []string{
			"gatehouse lockouts",
			"gatehouse lockouts --json | jq -r '.[] | select(.last_failed_ip == \"203.0.113.66\") | .login'",
		},
		run: runLockouts,
	})
}

func runLockouts(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	asJSON := f.Bool("json", false, "print one JSON array, one account per line")
	limit := f.Int("limit", 0, "at most `N` accounts; 0 = all")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	if *limit < 0 {
		return f.usageError(e, "--limit must be 0 (all) or more")
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	var all []store.LockedAccount
	q := store.LockedQuery{Limit: 1000}
	for {
		page, err := st.ListLocked(e.ctx, op, q)
		if err != nil {
			return fail(e, err)
		}
		all = append(all, page...)
		if len(page) < q.Limit || (*limit > 0 && len(all) >= *limit) {
			break
		}
		last := page[len(page)-1]
		q.AfterLockedAt, q.AfterID = last.LockedAt, last.ID
	}
	if *limit > 0 && len(all) > *limit {
		all = all[:*limit]
	}
	if *asJSON {
		// One JSON array, one account per line (like users list --json).
		var b strings.Builder
		b.WriteString("[")
		for i, a := range all {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n")
			if err := writeJSONInline(&b, a); err != nil {
				return fail(e, err)
			}
		}
		if len(all) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("]\n")
		if _, err := fmt.Fprint(e.stdout, b.String()); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	if len(all) == 0 {
		fmt.Fprintln(e.stdout, "no account is locked")
		return exitOK
	}
	t := &table{
		header: []string{"LOGIN", "NAME", "ORGANIZATIONS", "LOCKED SINCE", "FAILURES", "LAST FAILURE", "LAST IP", "UNLOCKS"},
		max:    []int{20, 30, 30, 0, 0, 0, 39, 0},
	}
	for _, a := range all {
		unlocks := "until reset"
		if a.LockedUntil != nil {
			unlocks = when(a.LockedUntil, "")
		}
		t.add(a.Login, a.Name, strings.Join(a.Organizations, ","), when(&a.LockedAt, ""), fmt.Sprint(a.FailedAttempts),
			when(a.LastFailedAt, ""), a.LastFailedIP, unlocks)
	}
	if err := t.write(e.stdout); err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "%d locked\n", len(all))
	return exitOK
}
