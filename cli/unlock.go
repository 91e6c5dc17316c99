package cli

import (
	"errors"
	"fmt"
	"strings"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "users unlock",
		args:    "ID|LOGIN|EMAIL --reason TEXT [--send-reset]",
		summary: "unlock an account and reset its failure counter (with a reason; audited)",
		help: `Acts as the local operator (support, admin of the user's organization, or oncall).
The user is notified by e-mail; with --send-reset a reset link is e-mailed as well (support
and admins only: an on-call operator unlocks and resets failure counters, nothing else, so
--send-reset is refused for them and nothing is changed).`,
		examples: []string{
			`gatehouse users unlock ACME-7K2Q9 --reason "called the help desk, identity checked"`,
			`gatehouse users unlock marie.dupont@example.com --reason "ticket 4711" --send-reset`,
		},
		run: runUsersUnlock,
	})
}

func runUsersUnlock(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	reason := f.String("reason", "", "why (kept in the audit log; required)")
	sendReset := f.Bool("send-reset", false, "also e-mail the user a reset link")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "the user (ID, LOGIN or EMAIL)"); !ok {
		return code
	}
	if strings.TrimSpace(*reason) == "" {
		return f.usageError(e, "--reason is required")
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	ident := strings.TrimSpace(pos[0])
	u, err := findUser(e, st, op, ident)
	if err != nil {
		return fail(e, err)
	}
	res, err := st.UnlockUsers(e.ctx, op, []int64{u.ID}, strings.TrimSpace(*reason), *sendReset)
	if errors.Is(err, store.ErrOncallResetLink) {
		return fail(e, refusedf("on-call operators unlock accounts and reset failure counters but do not send reset links: "+
			"nothing was changed; run it again without --send-reset, and ask support or an admin for the reset link"))
	}
	if err != nil {
		return fail(e, err)
	}
	was := "was not locked; failure counter reset"
	if u.LockedAt != nil {
		was = fmt.Sprintf("was locked since %s with %d failures", when(u.LockedAt, ""), u.FailedAttempts)
	}
	fmt.Fprintf(e.stdout, "unlocked %s (%s)\n", sanitizeLine(u.Login), was)
	if len(res.ResetsSent) > 0 {
		fmt.Fprintf(e.stdout, "reset link queued for %s\n", sanitizeLine(u.Email))
	}
	return exitOK
}
