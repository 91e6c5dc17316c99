package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "users replace",
		args:    "ID|LOGIN|EMAIL --email NEW [--name N] [--dry-run] [--yes] [--json]",
		summary: "replace an account's identifier: invite the new e-mail with its rights; the old account is deleted on acceptance",
		help: `For a person whose e-mail address changed (the e-mail is the identifier and cannot be
edited by an admin): one invitation to the NEW address carries the account's organizations
and the rights it holds in each, as far as you may grant them; when the person accepts, the
old account is deleted (as a delete does: sessions ended, audited) in the same step.
Acts as the local operator (support, or an admin of the account's organizations).

What is carried and what is left out (rights you may not grant) is printed first. Nothing is
sent with --dry-run; when something would be left out, nothing is sent unless --yes says to
send without it. An admin may replace only an account all of whose organizations are
theirs (the old account is deleted): an account that also belongs to another organization is
refused; ask support, who carry every organization.

Output: the plan, then the invitation (number, organization, login code) and the acceptance
link of a new person, shown once; with --json one object {"replaces": ..., "carried": [...],
"left_out": [...], "sent": true|false, "invitation": ..., "link": ...}.

Exit status: 0 sent (or planned, with --dry-run), 1 refused (not yours, shared with another
organization, something left out without --yes, the e-mail already has an account or an open
invitation, a replacement already open), 2 usage or database problem.`,
		examples: []string{
			"gatehouse users replace ACME-7K2Q9 --email marie.dupont@new-domain.example --dry-run",
			"gatehouse users replace marie.dupont@old.example --email marie.dupont@new-domain.example --name 'Marie Dupont-Leroy' --yes",
		},
		run: runUsersReplace,
	})
	register(&command{
		name:    "users undelete",
		args:    "ID|LOGIN|EMAIL --reason TEXT",
		summary: "bring back an account deleted less than 30 days ago (support; audited)",
		help: `Support only. The deleted account is named by its id, login code or e-mail (the most recently
deleted one with that login code or e-mail). It comes back disabled, with the organizations
and rights it had, without a password or 2FA (deleting dropped them): then, on its User
screen in the console, set a temporary password (t) and enable it (e).
Refused, with the reason, when it was deleted more than 30 days ago, or when another account
now has its e-mail or its login code. The reason goes into the audit log.

Exit status: 0 done, 1 refused, 2 usage or database problem.`,
		examples: []string{
			`gatehouse users undelete ACME-7K2Q9 --reason "deleted by mistake, ticket 4711"`,
		},
		run: runUsersUndelete,
	})
}

// replaceOutput is the JSON answer of gatehouse users replace.
type replaceOutput struct {
	Replaces   replacedAccount      `json:"replaces"`
	Carried    []model.Membership   `json:"carried"`
	LeftOut    []store.LeftOutRight `json:"left_out"`
	Sent       bool                 `json:"sent"`
	Invitation *store.Invitation    `json:"invitation,omitempty"`
	Link       string               `json:"link,omitempty"` // a new person's acceptance link, shown once
}

type replacedAccount struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func runUsersReplace(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	email := f.String("email", "", "the person's new `E-MAIL` (required)")
	name := f.String("name", "", "the `NAME` on the new identifier (default: the account's)")
	dryRun := f.Bool("dry-run", false, "print what would be carried and left out; send nothing")
	yes := f.Bool("yes", false, "send even when rights are left out")
	asJSON := f.Bool("json", false, "print one JSON object")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "the account (ID, LOGIN or EMAIL)"); !ok {
		return code
	}
	ident := strings.TrimSpace(pos[0])
	switch {
	case ident == "":
		return f.usageError(e, "the account (ID, LOGIN or EMAIL) is empty")
	case strings.TrimSpace(*email) == "":
		return f.usageError(e, "--email NEW is required (the person's new address)")
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	u, err := findUser(e, st, op, ident)
	if err != nil {
		return fail(e, err)
	}
	plan, err := st.PlanReplacement(e.ctx, op, u.ID)
	if err != nil {
		return fail(e, replaceRefused(err, *email))
	}
	newEmail := model.NormalizeEmail(*email)
	out := replaceOutput{Replaces: replacedAccount{ID: u.ID, Login: u.Login, Email: u.Email, Name: u.Name},
		Carried: plan.Carried, LeftOut: plan.LeftOut}
	if !*asJSON {
		printReplacement(e.stdout, u, newEmail, plan)
	}
	stop := ""
	switch {
	case *dryRun:
		stop = "dry run: nothing was sent"
	case len(plan.LeftOut) > 0 && !*yes:
		stop = fmt.Sprintf("%d right(s) would be left out (listed above): nothing was sent; run it again with --yes to send without them, or ask support", len(plan.LeftOut))
	}
	if stop != "" {
		if *asJSON {
			if err := writeJSON(e.stdout, out); err != nil {
				return fail(e, err)
			}
		}
		if *dryRun {
			if !*asJSON {
				fmt.Fprintln(e.stdout, stop)
			}
			return exitOK
		}
		return fail(e, refusedf("%s", stop))
	}
	sent, err := st.ReplaceIdentifier(e.ctx, op, u.ID, plan.Old.Version, store.ReplaceRequest{Email: *email, Name: *name})
	if err != nil {
		return fail(e, replaceRefused(err, *email))
	}
	out.Carried, out.LeftOut, out.Sent, out.Invitation, out.Link = sent.Carried, sent.LeftOut, true, &sent.Invitation, sent.Link
	if *asJSON {
		if out.Invitation.Rights == nil {
			out.Invitation.Rights = []string{}
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	inv := sent.Invitation
	fmt.Fprintf(e.stdout, "replacement sent: invitation #%d to %s <%s> (%s); expires %s\n", inv.ID, sanitizeLine(inv.Name),
		sanitizeLine(inv.Email), sanitizeLine(inv.OrgSlug), when(&inv.ExpiresAt, ""))
	fmt.Fprintf(e.stdout, "new login code: %s\n", sanitizeLine(inv.UserLogin))
	fmt.Fprintln(e.stdout, "the invitation e-mail is queued; the acceptance link, shown only now (it works once):")
	fmt.Fprintln(e.stdout, sent.Link)
	return exitOK
}

// printReplacement prints what the replacement carries and leaves out.
func printReplacement(w io.Writer, u model.User, email string, plan store.Replacement) {
	fmt.Fprintf(w, "replacing %s (%s <%s>) by %s\n", sanitizeLine(u.Login), sanitizeLine(u.Name), sanitizeLine(u.Email), sanitizeLine(safeCap(email)))
	t := &table{header: []string{"  ", "ORGANIZATION", "RIGHTS"}, max: []int{0, 50, 0}}
	for _, m := range plan.Carried {
		rights := strings.Join(m.Rights, ", ")
		if rights == "" {
			rights = "(no rights)"
		}
		t.add("  carried", m.OrgName+" ("+m.OrgSlug+")", rights)
	}
	for _, l := range plan.LeftOut {
		t.add("  left out", l.OrgName+" ("+l.OrgSlug+")", l.Right+" (you may not grant it)")
	}
	_ = t.write(w)
	if len(plan.LeftOut) == 0 {
		fmt.Fprintln(w, "nothing is left out")
	}
	fmt.Fprintf(w, "%s is deleted when the new identifier accepts the invitation\n", sanitizeLine(u.Login))
}

// replaceRefused words the store's refusals of a replacement for the command line.
func replaceRefused(err error, email string) error {
	var ae *store.AccountExistsError
	switch {
	case errors.As(err, &ae):
		return refusedf("%s already belongs to %s (%s), one of your users: it cannot be the new identifier",
			sanitizeLine(safeCap(email)), sanitizeLine(ae.Name), sanitizeLine(ae.Login))
	case store.IsDuplicateInvitation(err):
		return refusedf("%s already has an open invitation: revoke or resend it from the console's Invitations screen", sanitizeLine(safeCap(email)))
	}
	return err
}

func runUsersUndelete(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	reason := f.String("reason", "", "why (kept in the audit log; required)")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "the deleted account (ID, LOGIN or EMAIL)"); !ok {
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
	if !op.Allows(model.ActionUndelete) {
		return fail(e, refusedf("only support operators bring back deleted accounts"))
	}
	ident := strings.TrimSpace(pos[0])
	u, err := st.FindDeletedUser(e.ctx, op, ident)
	if errors.Is(err, store.ErrNotFound) {
		return fail(e, refusedf("no deleted account %q (give its id, login code or e-mail)", sanitizeLine(safeCap(ident))))
	}
	if err != nil {
		return fail(e, err)
	}
	back, err := st.UndeleteUser(e.ctx, op, u.ID, *reason)
	var ur *store.UndeleteRefusal
	if errors.As(err, &ur) {
		return fail(e, refusedf("%s not undeleted: %s", sanitizeLine(u.Login), ur.Error()))
	}
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "%s (%s <%s>) is back, disabled, with its organizations (%s) and no password\n",
		sanitizeLine(back.Login), sanitizeLine(back.Name), sanitizeLine(back.Email), sanitizeLine(orgList(back)))
	fmt.Fprintln(e.stdout, "next, on its User screen in the console: t (a temporary password), then e (enable)")
	return exitOK
}

func orgList(u model.User) string {
	if len(u.Organizations) == 0 {
		return "none"
	}
	return strings.Join(u.Organizations, ", ")
}

// carriedLine is a replacement's organizations with their rights, on one line.
func carriedLine(ms []model.Membership) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		rights := strings.Join(m.Rights, ", ")
		if rights == "" {
			rights = "no rights"
		}
		parts = append(parts, m.OrgSlug+" ("+rights+")")
	}
	return strings.Join(parts, "; ")
}
