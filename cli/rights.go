package cli

import (
	"flag"
	"fmt"
	"strings"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
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
		args:    "CODE --label TEXT [--description TEXT] [--label-fr TEXT] [--description-fr TEXT]",
		summary: "add a right to the catalog (support operators)",
		help: `A code is lower case letters, digits and . _ - starting with a letter, such as
documents.view. The label and description are what the console and the e-mails show; the
French ones are shown to French readers (the English ones when there are none). Acts as the
local operator (a support operator, or the machine's administrator when the OS user is not a
registered operator).`,
		examples: []string{`gatehouse rights add documents.view --label "View documents" --description "Read the shared documents" --label-fr "Consulter les documents" --description-fr "Lire les documents partagés"`},
		run:      runRightsAdd,
	})
	register(&command{
		name:    "rights set",
		args:    "CODE [--in en|fr] [--label TEXT] [--description TEXT]",
		summary: "change a right's label or description in one language (support operators)",
		help: `Only the texts given change. In French (--in fr, the default) an empty text removes it:
the English one is shown again. The English label cannot be empty.`,
		examples: []string{
			`gatehouse rights set billing.view --label "Consulter la facturation" --description "Voir les factures"`,
			`gatehouse rights set billing.view --in en --label "View invoices"`,
		},
		run: runRightsSet,
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
	t := &table{header: []string{"CODE", "LABEL", "DESCRIPTION", "LABEL (FR)", "DESCRIPTION (FR)"}}
	for _, r := range rights {
		t.add(r.Code, r.Label, r.Description, r.LabelFR, r.DescriptionFR)
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
	labelFR := f.String("label-fr", "", "its label in French")
	descFR := f.String("description-fr", "", "its description in French")
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
	r := model.Right{Code: pos[0], Label: *label, Description: *desc, LabelFR: *labelFR, DescriptionFR: *descFR}
	if err := st.AddRight(e.ctx, actor, r); err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "Right %s added.\n", sanitizeLine(strings.TrimSpace(pos[0])))
	return exitOK
}

func runRightsSet(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	lang := f.String("in", "fr", "the language of the texts given: en or fr")
	label := f.String("label", "", "the label in that language")
	desc := f.String("description", "", "the description in that language")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "CODE"); !ok {
		return code
	}
	if *lang != "en" && *lang != "fr" {
		return f.usageError(e, "--in is en or fr")
	}
	var t store.RightText
	f.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "label":
			t.Label = label
		case "description":
			t.Description = desc
		}
	})
	if t.Label == nil && t.Description == nil {
		return f.usageError(e, "give --label, --description or both")
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if err := st.SetRightText(e.ctx, actor, strings.TrimSpace(pos[0]), i18n.Lang(*lang), t); err != nil {
		return fail(e, fmt.Errorf("right %s: %w", sanitizeLine(pos[0]), err))
	}
	fmt.Fprintf(e.stdout, "Right %s: %s texts changed.\n", sanitizeLine(strings.TrimSpace(pos[0])), *lang)
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
