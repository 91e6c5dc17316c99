package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "operator add",
		args:    "NAME --role support|admin|oncall [flags]",
		summary: "register an operator (a person who may use gatehouse)",
		help: `Roles: support (every organization, every action), admin (only the organizations given
with --org; grants only the rights given with --right, or every right when none is given),
oncall (reads everything, may unlock accounts and reset failure counters).
A local operator is the OS user of the same name; over SSH an operator is identified by the
public keys given with --key (authorized_keys format, one or more keys per file): ssh-ed25519,
sk-ssh-ed25519@openssh.com or ssh-rsa keys, the types gatehouse serve accepts (an ECDSA or DSA
key, or a certificate, is refused).
Run by an unregistered OS user, the command acts as the machine's administrator ("cli:USER").`,
		examples: []string{
			"gatehouse operator add alice --role support --key ~/.ssh/id_ed25519.pub",
			"gatehouse operator add bob --role admin --org acme --org acme-north --right users.manage",
			"gatehouse operator add night --role oncall",
		},
		run: runOperatorAdd,
	})
	register(&command{
		name:    "operator list",
		args:    "[--json]",
		summary: "list the operators with their roles, organizations and key fingerprints",
		help: `Support and oncall operators (and the machine's administrator) see every operator. An
admin sees the admins of their own organizations, themselves included, each with only those
organizations: nothing about other organizations or the operators who work in them.`,
		examples: []string{"gatehouse operator list", "gatehouse operator list --json | jq -r '.[].name'"},
		run:      runOperatorList,
	})
	register(&command{
		name:     "operator remove",
		args:     "NAME",
		summary:  "remove an operator (their audit entries stay)",
		examples: []string{"gatehouse operator remove bob"},
		run:      runOperatorRemove,
	})
	register(&command{
		name:     "operator key add",
		args:     "NAME FILE",
		summary:  "add SSH public keys (authorized_keys format) to an operator",
		examples: []string{"gatehouse operator key add alice alice-laptop.pub"},
		run:      runOperatorKeyAdd,
	})
	register(&command{
		name:     "operator key remove",
		args:     "NAME FINGERPRINT",
		summary:  "remove an operator's SSH key by its SHA256 fingerprint",
		examples: []string{"gatehouse operator key remove alice SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"},
		run:      runOperatorKeyRemove,
	})
}

// readKeyFile returns the public keys of an authorized_keys-style file, checked one by one,
// with an error that names the file and line (never the file's content: a private key given
// by mistake must not be echoed).
func readKeyFile(path string) ([]string, error) {
	b, err := os.ReadFile(expandHome(path))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, refusedf("key file %s: %v", path, err)
	}
	if bytes.Contains(b, []byte("PRIVATE KEY")) {
		return nil, refusedf("key file %s is a private key: give the public key (the .pub file)", path)
	}
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, _, _, err := store.ParseAuthorizedKey(line); err != nil {
			var kt *store.KeyTypeError
			if errors.As(err, &kt) {
				return nil, refusedf("key file %s, line %d: %s", path, n, kt.Error())
			}
			return nil, refusedf("key file %s, line %d: not an SSH public key (authorized_keys format)", path, n)
		}
		keys = append(keys, line)
	}
	if err := sc.Err(); err != nil {
		return nil, refusedf("key file %s: %v", path, err)
	}
	if len(keys) == 0 {
		return nil, refusedf("key file %s holds no SSH public key", path)
	}
	return keys, nil
}

// openForSetup opens the store and finds the local actor for operator and org commands.
func openForSetup(e *env, f *flags) (*store.Store, model.Operator, func(), error) {
	return openActing(e, f, localActor)
}

func runOperatorAdd(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	role := f.String("role", "", "operator `ROLE`: support, admin or oncall")
	var orgs, rights, keyFiles stringList
	f.Var(&orgs, "org", "organization `SLUG` an admin is scoped to")
	f.Var(&rights, "right", "right `CODE` an admin may grant (default: every right)")
	f.Var(&keyFiles, "key", "SSH public key `FILE` (authorized_keys format)")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "operator NAME"); !ok {
		return code
	}
	r := model.Role(strings.ToLower(strings.TrimSpace(*role)))
	if *role == "" {
		return f.usageError(e, "missing --role (support, admin or oncall)")
	}
	if !r.Valid() {
		return f.usageError(e, "--role %q: must be support, admin or oncall", sanitizeLine(*role))
	}
	var keys []string
	for _, kf := range keyFiles {
		ks, err := readKeyFile(kf)
		if err != nil {
			return fail(e, err)
		}
		keys = append(keys, ks...)
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	name := pos[0]
	id, err := st.AddOperator(e.ctx, actor, store.NewOperator{Name: name, Role: r, OrgSlugs: orgs, Rights: rights, Keys: keys})
	if err != nil {
		return fail(e, fmt.Errorf("operator %s: %w", sanitizeLine(name), explainOperatorErr(err)))
	}
	fmt.Fprintf(e.stdout, "operator %s added (role %s, id %d", sanitizeLine(name), r, id)
	if len(orgs) > 0 {
		fmt.Fprintf(e.stdout, ", organizations %s", sanitizeLine(strings.Join(orgs, ", ")))
	}
	if len(keys) > 0 {
		fmt.Fprintf(e.stdout, ", %d key(s)", len(keys))
	}
	fmt.Fprintln(e.stdout, ")")
	return exitOK
}

// explainOperatorErr turns constraint names into words.
func explainOperatorErr(err error) error {
	var dbe *store.DBError
	if errors.As(err, &dbe) {
		switch dbe.Constraint {
		case "operators_name_key":
			return fmt.Errorf("%w: an operator of that name is already registered", store.ErrDuplicate)
		case "operators_name_check":
			return fmt.Errorf("%w: a name is 1 to 64 letters, digits and _ . @ - (not starting with . @ -)", store.ErrInvalid)
		case "operator_keys_fingerprint_key":
			return fmt.Errorf("%w: that SSH key is already registered", store.ErrDuplicate)
		case "operator_rights_right_code_fkey":
			return fmt.Errorf("%w: no such right (see the rights catalog)", store.ErrNotFound)
		}
	}
	return err
}

func runOperatorList(e *env, c *command, args []string) int {
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
	ops, err := st.ListOperators(e.ctx, actor)
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		if ops == nil {
			ops = []store.OperatorInfo{}
		}
		for i := range ops {
			ops[i].Orgs, ops[i].Rights, ops[i].Keys = nonNil(ops[i].Orgs), nonNil(ops[i].Rights), nonNil(ops[i].Keys)
		}
		if err := writeJSON(e.stdout, ops); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	if len(ops) == 0 {
		fmt.Fprintln(e.stdout, "no operator registered yet: gatehouse operator add NAME --role support")
		return exitOK
	}
	t := &table{header: []string{"NAME", "ROLE", "ORGANIZATIONS", "RIGHTS", "KEYS", "CREATED"}, max: []int{32, 8, 40, 60, 0, 0}}
	for _, o := range ops {
		orgs, rights := "all", "all"
		if o.Role == string(model.RoleAdmin) {
			orgs, rights = strings.Join(o.Orgs, ","), strings.Join(o.Rights, ",")
		} else if o.Role == string(model.RoleOncall) {
			rights = "unlock only"
		}
		t.add(o.Name, o.Role, orgs, rights, fmt.Sprint(len(o.Keys)), o.CreatedAt.Local().Format("2006-01-02"))
	}
	if err := t.write(e.stdout); err != nil {
		return fail(e, err)
	}
	return exitOK
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func runOperatorRemove(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "operator NAME"); !ok {
		return code
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if err := st.RemoveOperator(e.ctx, actor, pos[0]); err != nil {
		return fail(e, fmt.Errorf("operator %s: %w", sanitizeLine(pos[0]), err))
	}
	fmt.Fprintf(e.stdout, "operator %s removed\n", sanitizeLine(pos[0]))
	return exitOK
}

func runOperatorKeyAdd(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 2, "operator NAME and key FILE"); !ok {
		return code
	}
	keys, err := readKeyFile(pos[1])
	if err != nil {
		return fail(e, err)
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	for _, k := range keys {
		fp, err := st.AddOperatorKey(e.ctx, actor, pos[0], k)
		if err != nil {
			return fail(e, fmt.Errorf("operator %s: %w", sanitizeLine(pos[0]), explainOperatorErr(err)))
		}
		fmt.Fprintf(e.stdout, "key %s added to operator %s\n", fp, sanitizeLine(pos[0]))
	}
	return exitOK
}

func runOperatorKeyRemove(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 2, "operator NAME and key FINGERPRINT"); !ok {
		return code
	}
	st, actor, cleanup, err := openForSetup(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	name, fp := pos[0], strings.TrimSpace(pos[1])
	if err := st.RemoveOperatorKey(e.ctx, actor, name, fp); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fail(e, refusedf("operator %s has no key %s (see `gatehouse operator list`)", sanitizeLine(name), sanitizeLine(fp)))
		}
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "key %s removed from operator %s\n", sanitizeLine(fp), sanitizeLine(name))
	return exitOK
}
