package cli

import (
	"errors"
	"fmt"
	"strings"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "org add",
		args:    "SLUG NAME",
		summary: "create an organization",
		help: `SLUG is the short, unique name used in commands (lowercase letters, digits and -);
NAME is what people read (the rest of the line, quotes optional).`,
		examples: []string{
			`gatehouse org add acme "ACME Industries"`,
			`gatehouse org add acme-north ACME North`,
		},
		run: runOrgAdd,
	})
	register(&command{
		name:    "org timezone",
		args:    "SLUG ZONE",
		summary: "set the time zone of the dates in an organization's e-mails (support operators)",
		help: `ZONE is a time zone name such as Europe/Paris, America/Montreal or UTC; "default" goes
back to the recipient's language's (Europe/Paris in French, UTC in English).`,
		examples: []string{"gatehouse org timezone acme-quebec America/Montreal", "gatehouse org timezone acme default"},
		run:      runOrgTimeZone,
	})
	register(&command{
		name:     "org list",
		args:     "[--json]",
		summary:  "list the organizations",
		examples: []string{"gatehouse org list", "gatehouse org list --json"},
		run:      runOrgList,
	})
}

func runOrgAdd(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if len(pos) < 2 {
		return f.usageError(e, "missing SLUG and NAME")
	}
	slug, name := strings.TrimSpace(pos[0]), strings.TrimSpace(strings.Join(pos[1:], " "))
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	id, err := st.AddOrganization(e.ctx, actor, slug, name)
	if err != nil {
		var dbe *store.DBError
		if errors.As(err, &dbe) {
			switch dbe.Constraint {
			case "organizations_slug_key":
				err = fmt.Errorf("%w: an organization with that slug exists", store.ErrDuplicate)
			case "organizations_slug_check":
				err = fmt.Errorf("%w: a slug is lowercase letters, digits and - (at most 63, not starting with -)", store.ErrInvalid)
			case "organizations_name_check":
				err = fmt.Errorf("%w: a name is 1 to 200 characters", store.ErrInvalid)
			}
		}
		return fail(e, fmt.Errorf("organization %s: %w", sanitizeLine(slug), err))
	}
	fmt.Fprintf(e.stdout, "organization %s (%s) added, id %d\n", sanitizeLine(slug), sanitizeLine(name), id)
	return exitOK
}

func runOrgList(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	asJSON := f.Bool("json", false, "print one JSON array")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	orgs, err := st.ListOrganizations(e.ctx, actor)
	if err != nil {
		return fail(e, err)
	}
	if orgs == nil {
		orgs = []model.Organization{}
	}
	if *asJSON {
		if err := writeJSON(e.stdout, orgs); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	if len(orgs) == 0 {
		fmt.Fprintln(e.stdout, "no organization yet: gatehouse org add SLUG NAME")
		return exitOK
	}
	t := &table{header: []string{"ID", "SLUG", "NAME", "CREATED", "TIME ZONE"}, max: []int{0, 40, 60, 0, 0}}
	for _, o := range orgs {
		tz := o.TimeZone
		if tz == "" {
			tz = "(by language)"
		}
		t.add(fmt.Sprint(o.ID), o.Slug, o.Name, o.CreatedAt.Local().Format("2006-01-02"), tz)
	}
	if err := t.write(e.stdout); err != nil {
		return fail(e, err)
	}
	return exitOK
}

func runOrgTimeZone(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 2, "SLUG ZONE"); !ok {
		return code
	}
	slug, zone := strings.ToLower(strings.TrimSpace(pos[0])), strings.TrimSpace(pos[1])
	if zone == "default" {
		zone = ""
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if err := st.SetOrganizationTimeZone(e.ctx, actor, slug, zone); err != nil {
		return fail(e, fmt.Errorf("organization %s: %w", sanitizeLine(slug), err))
	}
	if zone == "" {
		fmt.Fprintf(e.stdout, "organization %s: e-mail dates in the recipient's language's zone\n", sanitizeLine(slug))
	} else {
		fmt.Fprintf(e.stdout, "organization %s: e-mail dates in %s\n", sanitizeLine(slug), sanitizeLine(zone))
	}
	return exitOK
}
