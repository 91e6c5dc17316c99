package cli

import (
	"fmt"
	"strings"

	"gatehouse/model"
)

func init() {
	register(&command{
		name:     "rights list",
		args:     "[--json]",
		summary:  "list the rights catalog (what invitations and memberships can grant)",
		examples: []string{"gatehouse rights list", "gatehouse rights list --json | jq -r '.[].code'"},
		run:      runRightsList,
	})
	register(&command{
		name:    "rights add",
		args:    "CODE --label TEXT [--description TEXT]",
		summary: "add a right to the catalog (support operators)",
		help: `A code is lower case letters, digits and . _ - starting with a letter, such as
documents.view. Acts as the local operator (a support operator, or the machine's
administrator when the OS user is not a registered operator).`,
		examples: []string{`gatehouse rights add documents.view --label "View documents" --description "Read the shared documents"`},
		run:      runRightsAdd,
	})
	register(&command{
		name:    "rights remove",
		args:    "CODE [--force]",
		summary: "remove a right from the catalog; refused while in use unless --force",
		help: `A right held by users, granted by an open invitation or allowed to an admin is not removed
(the counts are shown) unless --force is given: then it is taken away from all of them in the
same transaction.`,
		examples: []string{"gatehouse rights remove docs.view", "gatehouse rights remove docs.view --force"},
		run:      runRightsRemove,
	})
}

func runRightsList(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	asJSON := f.Bool("json", false, "print a JSON array")
	_, st, _, cleanup, code, ok := f.openStore(e, args, 0, "")
	if !ok {
		return code
	}
	defer cleanup()
	rights, err := st.ListRights(e.ctx)
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		if rights == nil {
			rights = []model.Right{}
		}
		if err := writeJSON(e.stdout, rights); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	t := &table{header: []string{"CODE", "LABEL", "DESCRIPTION"}}
	for _, r := range rights {
		t.add(r.Code, r.Label, r.Description)
	}
	if err := t.write(e.stdout); err != nil {
		return fail(e, err)
	}
	return exitOK
}

func runRightsAdd(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	label := f.String("label", "", "what the right is called on screen (required)")
	desc := f.String("description", "", "one sentence on what it allows")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "CODE"); !ok {
		return code
	}
	if strings.TrimSpace(*label) == "" {
		return f.usageError(e, "--label is required")
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	r := model.Right{Code: pos[0], Label: *label, Description: *desc}
	if err := st.AddRight(e.ctx, actor, r); err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "Right %s added.\n", sanitizeLine(strings.TrimSpace(pos[0])))
	return exitOK
}

func runRightsRemove(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	force := f.Bool("force", false, "also take the right away from every user, invitation and admin holding it")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "CODE"); !ok {
		return code
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	use, err := st.RemoveRight(e.ctx, actor, pos[0], *force)
	if err != nil {
		return fail(e, err)
	}
	if use.InUse() {
		fmt.Fprintf(e.stdout, "Right %s removed; taken away from %d membership(s), %d open invitation(s) and %d operator(s).\n",
			sanitizeLine(pos[0]), use.Memberships, use.OpenInvitations, use.Operators)
	} else {
		fmt.Fprintf(e.stdout, "Right %s removed.\n", sanitizeLine(pos[0]))
	}
	return exitOK
}
