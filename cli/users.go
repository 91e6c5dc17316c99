package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "users list",
		args:    "[flags]",
		summary: "list users (filters, keyset paging; --json for scripts)",
		help: `Acts as the local operator (your OS user, which must be a registered operator): an admin
sees the users of their organizations only. Deleted users are listed only with --status deleted.
With --json the output is one JSON array, one user per line.`,
		examples: []string{
			"gatehouse users list --search dupont",
			"gatehouse users list --org acme --locked",
			"gatehouse users list --status invited --limit 0 --json | jq -r '.[].email'",
		},
		run: runUsersList,
	})
	register(&command{
		name:    "users show",
		args:    "ID|LOGIN|EMAIL [--json]",
		summary: "show one user: profile, lock state, organizations and rights",
		help: `The user is named by id, login code or e-mail (case does not matter; spaces around are
ignored). Acts as the local operator, who must be registered.`,
		examples: []string{
			"gatehouse users show ACME-7K2Q9",
			"gatehouse users show marie.dupont@example.com --json",
		},
		run: runUsersShow,
	})
}

// openAsOperator opens the store for a command acting as the local registered operator.
func openAsOperator(e *env, f *flags) (*store.Store, model.Operator, func(), error) {
	return openActing(e, f, func(ctx context.Context, st *store.Store) (model.Operator, error) {
		return localOperator(ctx, st, "")
	})
}

// openActing opens the configured store and resolves who acts (the local operator or actor).
func openActing(e *env, f *flags, who func(context.Context, *store.Store) (model.Operator, error)) (*store.Store, model.Operator, func(), error) {
	cfg, err := loadConfig(f.global)
	if err != nil {
		return nil, model.Operator{}, nil, err
	}
	st, _, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return nil, model.Operator{}, nil, err
	}
	op, err := who(e.ctx, st)
	if err != nil {
		cleanup()
		return nil, model.Operator{}, nil, err
	}
	return st, op, cleanup, nil
}

func runUsersList(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	search := f.String("search", "", "only users whose name, e-mail or login code contains `TEXT` (any case)")
	status := f.String("status", "", "only this `STATUS`: active, invited, disabled, deleted (or locked)")
	orgSlug := f.String("org", "", "only members of the organization `SLUG`")
	locked := f.Bool("locked", false, "only accounts locked now (--locked=false: only unlocked ones)")
	sortBy := f.String("sort", "name", "sort `ORDER`: name, last_login (most recent first) or created (newest first)")
	limit := f.Int("limit", 50, "at most `N` users; 0 = all")
	asJSON := f.Bool("json", false, "print one JSON array, one user per line")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	q := store.UserQuery{Search: *search}
	switch s := strings.ToLower(strings.TrimSpace(*status)); {
	case s == "":
	case s == "locked":
		t := true
		q.Locked = &t
	case model.Status(s).Valid():
		q.Status = model.Status(s)
	default:
		return f.usageError(e, "--status %q: must be active, invited, disabled, deleted or locked", sanitizeLine(*status))
	}
	if f.set("locked") {
		q.Locked = locked
	}
	switch store.UserSort(*sortBy) {
	case store.SortName, store.SortLastLogin, store.SortCreated:
		q.Sort = store.UserSort(*sortBy)
	default:
		return f.usageError(e, "--sort %q: must be name, last_login or created", sanitizeLine(*sortBy))
	}
	if *limit < 0 {
		return f.usageError(e, "--limit must be 0 (all) or more")
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if *orgSlug != "" {
		org, err := st.OrganizationBySlug(e.ctx, op, strings.TrimSpace(*orgSlug))
		if err != nil {
			return fail(e, fmt.Errorf("organization %s: %w", sanitizeLine(*orgSlug), err))
		}
		q.OrgID = org.ID
	}

	var out userSink = &userTable{w: e.stdout}
	if *asJSON {
		out = &userJSON{w: e.stdout}
	}
	more, err := pageUsers(e, st, op, q, *limit, out.add)
	if err == nil {
		err = out.close()
	}
	if err != nil {
		return fail(e, err)
	}
	if more && !*asJSON {
		fmt.Fprintf(e.stderr, "(first %d users shown; more match: --limit N, or --limit 0 for all)\n", *limit)
	}
	return exitOK
}

// usersPageSize is how many users one store call returns (the store's maximum).
var usersPageSize = 500

// pageUsers walks the keyset pages of the query until limit users (0 = all) have been given to
// emit. more reports that the limit cut the list short.
func pageUsers(e *env, st *store.Store, op model.Operator, q store.UserQuery, limit int, emit func(model.User) error) (more bool, err error) {
	pageSize := usersPageSize
	remaining := limit
	for {
		q.Limit = pageSize
		if limit > 0 {
			q.Limit = min(remaining, pageSize)
		}
		page, err := st.ListUsers(e.ctx, op, q)
		if err != nil {
			return false, err
		}
		for _, u := range page.Users {
			if err := emit(u); err != nil {
				return false, err
			}
		}
		remaining -= len(page.Users)
		if !page.HasNext || len(page.Users) == 0 || page.Last == nil {
			return false, nil
		}
		if limit > 0 && remaining <= 0 {
			return true, nil
		}
		q.After = page.Last
	}
}

type userSink interface {
	add(model.User) error
	close() error
}

// userJSON streams a JSON array, one user per line: constant memory at any --limit.
type userJSON struct {
	w io.Writer
	n int
}

func (j *userJSON) add(u model.User) error {
	sep := ",\n"
	if j.n == 0 {
		sep = "[\n"
	}
	j.n++
	if _, err := io.WriteString(j.w, sep); err != nil {
		return err
	}
	if u.Organizations == nil {
		u.Organizations = []string{}
	}
	return writeJSONInline(j.w, u)
}

func (j *userJSON) close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

// writeJSONInline is writeJSON without the trailing newline.
func writeJSONInline(w io.Writer, v any) error {
	var b strings.Builder
	if err := writeJSON(&b, v); err != nil {
		return err
	}
	_, err := io.WriteString(w, strings.TrimSuffix(b.String(), "\n"))
	return err
}

// userTable collects rows to align them.
type userTable struct {
	w io.Writer
	t *table
}

func (u *userTable) add(x model.User) error {
	if u.t == nil {
		u.t = &table{
			header: []string{"ID", "LOGIN", "NAME", "E-MAIL", "STATUS", "2FA", "ORGANIZATIONS", "LAST LOGIN"},
			max:    []int{0, 20, 30, 36, 12, 3, 30, 0},
		}
	}
	u.t.add(fmt.Sprint(x.ID), x.Login, x.Name, x.Email, x.Badge(nowFunc()), onOff(x.TOTPEnabled),
		strings.Join(x.Organizations, ","), when(x.LastLoginAt, "never"))
	return nil
}

func (u *userTable) close() error {
	if u.t == nil {
		_, err := fmt.Fprintln(u.w, "no user matches")
		return err
	}
	return u.t.write(u.w)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func runUsersShow(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	asJSON := f.Bool("json", false, "print one JSON object")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "the user (ID, LOGIN or EMAIL)"); !ok {
		return code
	}
	ident := strings.TrimSpace(pos[0])
	if ident == "" {
		return f.usageError(e, "the user (ID, LOGIN or EMAIL) is empty")
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
	if *asJSON {
		if u.Organizations == nil {
			u.Organizations = []string{}
		}
		if u.Memberships == nil {
			u.Memberships = []model.Membership{}
		}
		if err := writeJSON(e.stdout, u); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	if err := printUser(e.stdout, u); err != nil {
		return fail(e, err)
	}
	return exitOK
}

// findUser finds the account a command names by its id, login code or e-mail among the
// operator's users; one it cannot find is refused with what to give.
func findUser(e *env, st *store.Store, op model.Operator, ident string) (model.User, error) {
	u, err := st.FindUser(e.ctx, op, ident)
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, refusedf("no user %q (give an id, a login code or an e-mail)", sanitizeLine(safeCap(ident)))
	}
	return u, err
}

// safeCap shortens what the user typed before quoting it back (it could be a 1 MB paste).
func safeCap(s string) string {
	if c := safe.Cap(s, 200); len(c) < len(s) {
		return c + safe.Ellipsis
	}
	return s
}

func printUser(w io.Writer, u model.User) error {
	now := nowFunc()
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-18s %s\n", k, sanitizeLine(v)) }
	row("id", fmt.Sprint(u.ID))
	row("login", u.Login)
	row("name", u.Name)
	row("e-mail", u.Email)
	row("language", u.Lang)
	row("status", u.Badge(now))
	row("password", passwordState(u))
	row("2FA", onOff(u.TOTPEnabled))
	fails := fmt.Sprint(u.FailedAttempts)
	if u.LastFailedAt != nil {
		fails += ", last " + when(u.LastFailedAt, "")
		if u.LastFailedIP != "" {
			fails += " from " + u.LastFailedIP
		}
	}
	row("failed attempts", fails)
	if u.LockedAt != nil {
		lock := "since " + when(u.LockedAt, "")
		if u.LockedUntil != nil {
			lock += ", until " + when(u.LockedUntil, "")
		} else {
			lock += ", until an operator unlocks or a reset completes"
		}
		if !u.Locked {
			lock += " (expired)"
		}
		if u.LockReason != "" {
			lock += " — " + u.LockReason
		}
		row("locked", lock)
	} else {
		row("locked", "no")
	}
	last := when(u.LastLoginAt, "never")
	if u.LastLoginIP != "" {
		last += " from " + u.LastLoginIP
	}
	row("last login", last)
	row("created", when(&u.CreatedAt, ""))
	row("updated", when(&u.UpdatedAt, "")+fmt.Sprintf(" (version %d)", u.Version))
	if len(u.Memberships) == 0 {
		row("organizations", "none")
	} else {
		b.WriteString("organizations\n")
		t := &table{header: []string{"  SLUG", "NAME", "RIGHTS"}, max: []int{42, 40, 0}}
		for _, m := range u.Memberships {
			rights := strings.Join(m.Rights, ", ")
			if rights == "" {
				rights = "(none)"
			}
			t.add("  "+m.OrgSlug, m.OrgName, rights)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		return t.write(w)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func passwordState(u model.User) string {
	if !u.HasPassword {
		return "none"
	}
	var parts []string
	if u.PasswordChangedAt != nil {
		parts = append(parts, "set "+when(u.PasswordChangedAt, ""))
	} else {
		parts = append(parts, "set")
	}
	if u.MustChangePassword {
		parts = append(parts, "must change at next login")
	}
	if u.PasswordExpiresAt != nil {
		parts = append(parts, "temporary, expires "+when(u.PasswordExpiresAt, ""))
	}
	return strings.Join(parts, ", ")
}
