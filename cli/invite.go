package cli

import (
	"errors"
	"fmt"
	"strings"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "invite",
		args:    "--org SLUG (--email E --name N | --existing LOGIN --email E) [--right CODE]... [--json]",
		summary: "invite a new person or an existing account into an organization (for scripts)",
		help: `Invitations from scripts (onboarding runbooks), through the same store call and rules as
the console's wizard, acting as the local operator (support, or an admin of the organization:
an admin grants only the rights they hold).

A new person (--name and --email) gets an account that becomes active when they accept; the
acceptance link is printed once, for another channel, and e-mailed to them.
An existing account is named by its login code and its e-mail (--existing and --email, as
the support pages ask for both): it is invited only when both belong to one account, and the
answer is the same when they do not. Its acceptance link is never printed: it goes only to
the account's own address, and its owner accepts with the account's password.
Nothing printed tells whether an account exists in an organization you cannot see.

Output: what was created (invitation number, invitee, organization, rights, expiry), then the
new person's login code and link; with --json one object {"invitation": ..., "link": ...}
("link" only for a new person).

Exit status: 0 created, 1 refused (organization not yours, a right you may not grant, the
e-mail of one of your users given as a new person, already invited, bad values), 2 usage or
database problem.`,
		examples: []string{
			"gatehouse invite --org acme --name 'Marie Dupont' --email marie.dupont@example.com --right billing.view --right reports.view",
			"gatehouse invite --org acme --existing ACME-7K2Q9 --email jean.martin@example.com --right bookings.manage --json",
		},
		run: runInvite,
	})
}

// inviteOutput is the JSON answer of gatehouse invite.
type inviteOutput struct {
	Invitation store.Invitation `json:"invitation"`
	Link       string           `json:"link,omitempty"` // a new person's acceptance link, shown once
}

func runInvite(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	orgSlug := f.String("org", "", "the organization `SLUG` to invite into (required)")
	name := f.String("name", "", "a new person's `NAME`")
	email := f.String("email", "", "the invitee's `E-MAIL` (required)")
	existing := f.String("existing", "", "an existing account's `LOGIN` code (with its --email)")
	var rights stringList
	f.Var(&rights, "right", "a right `CODE` to grant (repeat it; at least one)")
	asJSON := f.Bool("json", false, "print one JSON object")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	switch {
	case strings.TrimSpace(*orgSlug) == "":
		return f.usageError(e, "--org SLUG is required")
	case strings.TrimSpace(*email) == "":
		return f.usageError(e, "--email is required")
	case strings.TrimSpace(*name) == "" && strings.TrimSpace(*existing) == "":
		return f.usageError(e, "give --name for a new person, or --existing LOGIN for an existing account")
	case strings.TrimSpace(*name) != "" && strings.TrimSpace(*existing) != "":
		return f.usageError(e, "--name (a new person) and --existing (an existing account) exclude each other")
	case len(rights) == 0:
		return f.usageError(e, "give at least one --right CODE (see gatehouse rights list)")
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	slug := strings.ToLower(strings.TrimSpace(*orgSlug))
	org, err := st.OrganizationBySlug(e.ctx, op, slug)
	if errors.Is(err, store.ErrNotFound) {
		return fail(e, refusedf("no organization %q among yours (see gatehouse org list)", sanitizeLine(safeCap(slug))))
	}
	if err != nil {
		return fail(e, err)
	}
	n := store.NewInvitation{OrgID: org.ID, Email: *email, Rights: rights}
	newPerson := strings.TrimSpace(*existing) == ""
	if newPerson {
		n.Name = *name
	} else {
		n.ExistingLogin = *existing
	}
	inv, link, err := st.CreateInvitation(e.ctx, op, n)
	var ae *store.AccountExistsError
	switch {
	case errors.As(err, &ae):
		return fail(e, refusedf("this e-mail already belongs to %s (%s), one of your users: invite that account with --existing %s --email %s",
			sanitizeLine(ae.Name), sanitizeLine(ae.Login), sanitizeLine(ae.Login), sanitizeLine(safeCap(*email))))
	case store.IsDuplicateInvitation(err):
		return fail(e, refusedf("this e-mail is already invited to %s: resend that invitation from the console's Invitations screen", sanitizeLine(org.Slug)))
	case err != nil:
		return fail(e, err)
	}
	if *asJSON {
		if inv.Rights == nil {
			inv.Rights = []string{}
		}
		if err := writeJSON(e.stdout, inviteOutput{Invitation: inv, Link: link}); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	who := sanitizeLine(inv.Name) + " <" + sanitizeLine(inv.Email) + ">"
	fmt.Fprintf(e.stdout, "invitation #%d created for %s to %s (%s); rights: %s; expires %s\n", inv.ID, who,
		sanitizeLine(inv.OrgName), sanitizeLine(inv.OrgSlug), sanitizeLine(strings.Join(inv.Rights, ", ")), when(&inv.ExpiresAt, ""))
	if newPerson {
		fmt.Fprintf(e.stdout, "login code: %s\n", sanitizeLine(inv.UserLogin))
		fmt.Fprintln(e.stdout, "the invitation e-mail is queued; the acceptance link, shown only now (it works once):")
		fmt.Fprintln(e.stdout, link)
		return exitOK
	}
	fmt.Fprintln(e.stdout, "if this login code and this e-mail are one account's, the invitation is e-mailed to that address only;")
	fmt.Fprintln(e.stdout, "its owner accepts with the account's password (the link is never shown here)")
	return exitOK
}
