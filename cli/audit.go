package cli

import (
	"errors"
	"fmt"
	"strings"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/ui"
)

func init() {
	register(&command{
		name:    "audit verify",
		summary: "walk the audit log's hash chain and report the first broken link",
		help: `Each audit row holds the hash of the row before it; the database computes both and refuses
to update or delete rows. Someone who bypasses that (a superuser) and edits or removes a row
breaks the chain: this command recomputes it from the first row and names the first row that
does not match — edited (its content changed) or removed (the row before it is gone).
Exit 0: the chain is intact; 1: a broken link; 2: a database problem.`,
		examples: []string{"gatehouse audit verify"},
		run:      runAuditVerify,
	})
	register(&command{
		name:    "audit list",
		args:    "[--operator NAME] [--user ID|LOGIN|EMAIL] [--action PREFIX] [--since T] [--until T] [--json]",
		summary: "list audit rows, newest first (filters; --json for scripts)",
		help: `Acts as the local operator (your OS user, which must be a registered operator): an admin
sees the rows about their organizations' users and their own actions. Times are durations back
from now (90m, 24h, 7d, 2w) or UTC dates (2026-11-01, 2026-11-01T14:30); --until DATE includes
that day. Pages with --before ID (rows older than that id). With --json: one JSON array, one
row per line.`,
		examples: []string{
			"gatehouse audit list --since 24h",
			"gatehouse audit list --user ACME-7K2Q9 --action user.",
			"gatehouse audit list --operator alice --since 2026-11-01 --until 2026-11-07 --json",
		},
		run: runAuditList,
	})
}

func runAuditVerify(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	_, st, _, cleanup, code, ok := f.openStore(e, args, 0, "")
	if !ok {
		return code
	}
	defer cleanup()
	n, brk, err := st.VerifyAudit(e.ctx)
	if err != nil {
		return fail(e, err)
	}
	if brk == nil {
		fmt.Fprintf(e.stdout, "%s rows, chain intact\n", thousands(n))
		return exitOK
	}
	what := "its content does not match its hash (edited)"
	if brk.Reason == "removed" {
		what = "the row before it is missing or changed (removed)"
	}
	fmt.Fprintf(e.stdout, "audit chain broken at row %d: %s\n", brk.ID, what)
	// Show the row as it stands now, to help find what happened around it.
	rows, err := st.ListAudit(e.ctx, model.Operator{Role: model.RoleSupport}, store.AuditQuery{BeforeID: brk.ID + 1, Limit: 1})
	if err == nil && len(rows) == 1 && rows[0].ID == brk.ID {
		r := rows[0]
		fmt.Fprintf(e.stdout, "  row %d: %s  %s  %s  %s\n", r.ID, r.At.UTC().Format("2006-01-02 15:04:05"),
			sanitizeLine(r.OperatorName), sanitizeLine(r.Action), sanitizeLine(safeCap(r.Summary)))
	}
	fmt.Fprintf(e.stdout, "%s rows checked up to it\n", thousands(n))
	return exitRefused
}

func runAuditList(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	operator := f.String("operator", "", "only actions of the operator `NAME`")
	userIdent := f.String("user", "", "only rows about the user `ID|LOGIN|EMAIL`")
	action := f.String("action", "", "only actions starting with `PREFIX` (user., user.unlock)")
	since := f.String("since", "", "only rows at or after `T` (24h, 7d, 2026-11-01)")
	until := f.String("until", "", "only rows before `T` (a date includes that day)")
	before := f.Int64("before", 0, "only rows older than the id `ID` (paging)")
	limit := f.Int("limit", 50, "at most `N` rows (1-500)")
	asJSON := f.Bool("json", false, "print one JSON array, one row per line")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	if *limit < 1 || *limit > 500 {
		return f.usageError(e, "--limit must be between 1 and 500")
	}
	q := store.AuditQuery{Operator: *operator, Action: strings.ToLower(*action), BeforeID: *before, Limit: *limit}
	now := nowFunc()
	var err error
	if *since != "" {
		if q.Since, err = ui.ParseAuditTime(*since, now, false); err != nil {
			return f.usageError(e, "--since %q: %v", *since, err)
		}
	}
	if *until != "" {
		if q.Until, err = ui.ParseAuditTime(*until, now, true); err != nil {
			return f.usageError(e, "--until %q: %v", *until, err)
		}
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if *userIdent != "" {
		u, err := st.FindUser(e.ctx, op, *userIdent)
		if errors.Is(err, store.ErrNotFound) {
			return fail(e, refusedf("no user %s in your organizations", sanitizeLine(*userIdent)))
		}
		if err != nil {
			return fail(e, err)
		}
		q.UserID = u.ID
	}
	rows, err := st.ListAudit(e.ctx, op, q)
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		if err := writeJSONLines(e, rows); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	t := &table{header: []string{"ID", "WHEN (UTC)", "OPERATOR", "ACTION", "WHOM", "WHAT CHANGED"}, max: []int{0, 0, 24, 32, 24, 120}}
	for _, r := range rows {
		t.add(fmt.Sprint(r.ID), r.At.UTC().Format("2006-01-02 15:04:05"), r.OperatorName, r.Action, auditTarget(r), r.Summary)
	}
	if err := t.write(e.stdout); err != nil {
		return fail(e, err)
	}
	if len(rows) == *limit {
		fmt.Fprintf(e.stderr, "more: --before %d\n", rows[len(rows)-1].ID)
	}
	return exitOK
}

func auditTarget(r model.AuditEntry) string {
	switch {
	case r.TargetLogin != "":
		return r.TargetLogin
	case r.TargetUserID != nil:
		return fmt.Sprintf("user #%d", *r.TargetUserID)
	case r.TargetOrg != "":
		return "org " + r.TargetOrg
	case r.TargetOrgID != nil:
		return fmt.Sprintf("org #%d", *r.TargetOrgID)
	}
	return "-"
}

// writeJSONLines writes one JSON array with one element per line.
func writeJSONLines(e *env, rows []model.AuditEntry) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(e.stdout, "[]")
		return err
	}
	for i, r := range rows {
		sep := ","
		if i == len(rows)-1 {
			sep = "\n]"
		}
		prefix := ""
		if i == 0 {
			prefix = "[\n"
		}
		if _, err := fmt.Fprint(e.stdout, prefix); err != nil {
			return err
		}
		if err := writeJSONInline(e.stdout, r); err != nil {
			return err
		}
		if _, err := fmt.Fprintln(e.stdout, sep); err != nil {
			return err
		}
	}
	return nil
}
