package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
	"gatehouse/ui"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// isolate keeps the developer's configuration and environment out of a test.
func isolate(t *testing.T) {
	t.Helper()
	// Every setting's variable (GATEHOUSE_DEMO among them: set, the tests would reach the
	// demo's database), and the two that are not settings.
	for _, s := range settings {
		if s.env != "" {
			t.Setenv(s.env, "")
		}
	}
	t.Setenv("GATEHOUSE_CONFIG", "")
	t.Setenv("GATEHOUSE_OUTBOX_KEY", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("GATEHOUSE_DATA_DIR", t.TempDir())
}

// asOSUser makes the local OS user (the local operator) name for the test.
func asOSUser(t *testing.T, name string) {
	t.Helper()
	prev := currentOSUser
	currentOSUser = func() (string, error) { return name, nil }
	t.Cleanup(func() { currentOSUser = prev })
}

// run calls Main with the arguments and returns the exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// harness is a fresh database and a way to run commands against it.
type harness struct {
	t   *testing.T
	dsn string
	db  *sqlx.DB
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	isolate(t)
	dsn := storetest.NewDSN(t)
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &harness{t: t, dsn: dsn, db: db}
}

// run runs a command against the harness's database (--database-url after the arguments).
func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	return run(h.t, append(args, "--database-url", h.dsn)...)
}

// mustRun runs a command that must succeed and returns its stdout.
func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	code, out, errOut := h.run(args...)
	if code != 0 {
		h.t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (h *harness) exec(q string, args ...any) {
	h.t.Helper()
	if _, err := h.db.Exec(q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
}

func (h *harness) org(slug, name string) int64 {
	h.t.Helper()
	var id int64
	if err := h.db.Get(&id, `INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id`, slug, name); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// user inserts a user with memberships in the given organizations.
func (h *harness) user(login, email, name, status string, orgs ...int64) int64 {
	h.t.Helper()
	var hash any
	if status == "active" {
		hash = "$argon2id$test"
	}
	var deletedAt any
	if status == "deleted" {
		deletedAt = time.Now()
	}
	var id int64
	err := h.db.Get(&id, `INSERT INTO users (login_code, email, name, status, password_hash, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, login, email, name, status, hash, deletedAt)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, o := range orgs {
		h.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, id, o)
	}
	return id
}

// userJSONFields is what `users list --json` promises at least.
type userJSONFields struct {
	ID                 int64      `json:"id"`
	Login              string     `json:"login"`
	Email              string     `json:"email"`
	Name               string     `json:"name"`
	Status             string     `json:"status"`
	Locked             bool       `json:"locked"`
	LockedUntil        *time.Time `json:"locked_until"`
	FailedAttempts     int        `json:"failed_attempts"`
	MustChangePassword bool       `json:"must_change_password"`
	TOTPEnabled        bool       `json:"totp_enabled"`
	Organizations      []string   `json:"organizations"`
	LastLoginAt        *time.Time `json:"last_login_at"`
}

var requiredUserKeys = []string{"id", "login", "email", "name", "status", "locked", "locked_until",
	"failed_attempts", "must_change_password", "totp_enabled", "organizations", "last_login_at"}

func TestHelpForEveryCommand(t *testing.T) {
	isolate(t)
	if len(commands) < 10 {
		t.Fatalf("only %d commands registered", len(commands))
	}
	for name := range commands {
		args := append(strings.Fields(name), "--help")
		code, out, errOut := run(t, args...)
		if code != 0 || !strings.Contains(out, "Usage") || errOut != "" {
			t.Errorf("gatehouse %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
		}
		if name != "" && !strings.Contains(out, "gatehouse "+name) {
			t.Errorf("gatehouse %s --help does not name the command:\n%s", name, out)
		}
		if name != "" && !commands[name].hidden && len(commands[name].examples) == 0 {
			t.Errorf("gatehouse %s has no example", name)
		}
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"help", "users", "list"}, {"operator", "--help"}, {"operator", "key", "-h"}} {
		if code, out, _ := run(t, args...); code != 0 || !strings.Contains(out, "Usage") {
			t.Errorf("gatehouse %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
	}
	_, out, _ := run(t, "--help")
	for _, want := range []string{"users list", "operator add", "migrate", "demo", "--database-url", "--as"} {
		if !strings.Contains(out, want) {
			t.Errorf("main usage lacks %q", want)
		}
	}
}

func TestUnknownCommandAndBadFlags(t *testing.T) {
	isolate(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"users", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"users"}, "Usage: gatehouse users COMMAND"},
		{[]string{"users", "list", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"users", "list", "--status", "sleeping"}, `--status "sleeping"`},
		{[]string{"users", "list", "--limit", "-1"}, "--limit"},
		{[]string{"users", "show"}, "missing the user"},
		{[]string{"operator", "add", "alice"}, "missing --role"},
		{[]string{"operator", "add", "alice", "--role", "god"}, `--role "god"`},
		{[]string{"--nope"}, "flag provided but not defined"},
		{[]string{"--as", "x", "migrate"}, "console only"},
		{[]string{"demo", "--database-url", "postgres://x/y"}, "own embedded database"},
	}
	for _, c := range cases {
		code, out, errOut := run(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gatehouse %s: exit %d, stderr %q (want exit 2 and %q), stdout %q",
				strings.Join(c.args, " "), code, errOut, c.want, out)
		}
	}
	// An unknown command prints the usage.
	if _, _, errOut := run(t, "frobnicate"); !strings.Contains(errOut, "Commands:") {
		t.Errorf("unknown command without usage: %s", errOut)
	}
}

func TestMigrateTwice(t *testing.T) {
	h := newHarness(t)
	first := h.mustRun("migrate")
	second := h.mustRun("migrate")
	if !strings.HasPrefix(first, "schema version ") || first != second {
		t.Fatalf("migrate: %q then %q", first, second)
	}
	var v int
	if err := h.db.Get(&v, `SELECT max(version) FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if want := "schema version " + strconv.Itoa(v) + "\n"; first != want {
		t.Fatalf("migrate printed %q, want %q", first, want)
	}
}

func TestUnregisteredLocalOperator(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "mallory")
	called := false
	stubUI(t, func(model.Operator, ui.Options) { called = true })
	want := "operator mallory is not registered: run `gatehouse operator add mallory --role support` (or use `gatehouse demo`)"
	for _, args := range [][]string{{}, {"users", "list"}, {"users", "show", "1"}} {
		code, _, errOut := h.run(args...)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("gatehouse %v: exit %d, stderr %q", args, code, errOut)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("error is not one line: %q", errOut)
		}
	}
	if called {
		t.Fatal("the console opened for an unregistered operator")
	}
}

func stubUI(t *testing.T, fn func(model.Operator, ui.Options)) {
	t.Helper()
	prev := runUI
	runUI = func(_ context.Context, _ *store.Store, op model.Operator, opt ui.Options) error {
		fn(op, opt)
		return nil
	}
	t.Cleanup(func() { runUI = prev })
}

func TestConsoleOperatorAndAs(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "night", "--role", "oncall")
	var got model.Operator
	var gotOpt ui.Options
	stubUI(t, func(op model.Operator, opt ui.Options) { got, gotOpt = op, opt })

	if code, _, errOut := run(t, "--database-url", h.dsn, "--lang", "fr"); code != 0 {
		t.Fatalf("console: exit %d: %s", code, errOut)
	}
	if got.Name != "alice" || got.Role != model.RoleSupport || gotOpt.Lang != "fr" {
		t.Fatalf("console as %+v, options %+v", got, gotOpt)
	}
	if strings.Contains(gotOpt.DBLabel, "password") || !strings.Contains(gotOpt.DBLabel, "/gatehouse_test_") {
		t.Fatalf("database label %q", gotOpt.DBLabel)
	}
	if code, _, errOut := run(t, "--database-url", h.dsn, "--as", "night"); code != 0 || got.Name != "night" || got.Role != model.RoleOncall {
		t.Fatalf("--as night: exit %d (%s), operator %+v", code, errOut, got)
	}
	if code, _, errOut := run(t, "--database-url", h.dsn, "--as", "ghost"); code != 1 || !strings.Contains(errOut, "operator ghost is not registered") {
		t.Fatalf("--as ghost: exit %d, %s", code, errOut)
	}
	// Global flags before a command reach the command.
	if code, out, errOut := run(t, "--database-url", h.dsn, "operator", "list"); code != 0 || !strings.Contains(out, "night") {
		t.Fatalf("global flags before the command: exit %d, %s %s", code, out, errOut)
	}
	// An oncall operator may not act as someone else.
	asOSUser(t, "night")
	if code, _, errOut := run(t, "--database-url", h.dsn, "--as", "alice"); code != 1 || !strings.Contains(errOut, "only support operators") {
		t.Fatalf("oncall --as: exit %d, %s", code, errOut)
	}
}

func TestUsersListJSONMatchesDatabase(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	acme, globex := h.org("acme", "ACME Industries"), h.org("globex", "Globex")
	h.user("ACME-AAA01", "Zoe.Martin@example.com", "Zoé Martin", "active", acme)
	h.user("ACME-AAA02", "bob@example.com", "Bob Durand", "invited", acme, globex)
	h.user("GLBX-BBB01", "carla@example.org", "Carla Petit", "disabled", globex)
	h.user("GLBX-BBB02", "dan@example.org", "Dan Roux", "active")
	h.user("GLBX-BBB03", "gone@example.org", "Gone Away", "deleted", globex)
	locked := h.user("ACME-AAA03", "eve@example.com", "Ève Lambert", "active", acme)
	h.exec(`UPDATE users SET locked_at = now() - interval '1 hour', lock_reason = 'too many failures', failed_attempts = 5 WHERE id = $1`, locked)

	prev := usersPageSize
	usersPageSize = 2 // several keyset pages
	t.Cleanup(func() { usersPageSize = prev })

	out := h.mustRun("users", "list", "--json", "--limit", "0")
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, obj := range raw {
		for _, k := range requiredUserKeys {
			if _, ok := obj[k]; !ok {
				t.Errorf("user %v has no %q", obj["id"], k)
			}
		}
		if _, ok := obj["password_hash"]; ok {
			t.Errorf("password hash in the output")
		}
	}
	var got []userJSONFields
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}

	// What the database holds (deleted users are not listed by default), in name order.
	var rows []struct {
		ID     int64          `db:"id"`
		Login  string         `db:"login_code"`
		Email  string         `db:"email"`
		Name   string         `db:"name"`
		Status string         `db:"status"`
		Locked bool           `db:"locked"`
		Orgs   pq.StringArray `db:"orgs"`
	}
	err := h.db.Select(&rows, `SELECT u.id, u.login_code, u.email, u.name, u.status, u.locked_at IS NOT NULL AS locked,
		array(SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id ORDER BY o.slug) AS orgs
		FROM users u WHERE u.status <> 'deleted' ORDER BY u.name, u.id`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("listed %d users, database has %d:\n%s", len(got), len(rows), out)
	}
	for i, r := range rows {
		g := got[i]
		orgs := append([]string{}, g.Organizations...)
		sort.Strings(orgs)
		if g.ID != r.ID || g.Login != r.Login || g.Email != r.Email || g.Name != r.Name || g.Status != r.Status ||
			g.Locked != r.Locked || strings.Join(orgs, ",") != strings.Join(r.Orgs, ",") {
			t.Errorf("row %d: listed %+v, database %+v", i, g, r)
		}
		if g.Organizations == nil {
			t.Errorf("user %d: organizations is null, want []", g.ID)
		}
	}

	// --limit stops paging; filters reach the store.
	count := func(args ...string) []userJSONFields {
		t.Helper()
		var us []userJSONFields
		if err := json.Unmarshal([]byte(h.mustRun(append([]string{"users", "list", "--json"}, args...)...)), &us); err != nil {
			t.Fatal(err)
		}
		return us
	}
	if us := count("--limit", "3"); len(us) != 3 || us[0].ID != rows[0].ID || us[2].ID != rows[2].ID {
		t.Errorf("--limit 3: %+v", us)
	}
	if us := count("--org", "globex"); len(us) != 2 {
		t.Errorf("--org globex: %+v", us)
	}
	if us := count("--locked"); len(us) != 1 || us[0].ID != locked || us[0].FailedAttempts != 5 {
		t.Errorf("--locked: %+v", us)
	}
	if us := count("--status", "deleted"); len(us) != 1 || us[0].Login != "GLBX-BBB03" {
		t.Errorf("--status deleted: %+v", us)
	}
	if us := count("--search", "EXAMPLE.ORG"); len(us) != 2 {
		t.Errorf("--search EXAMPLE.ORG: %+v", us)
	}
	if us := count("--search", "%"); len(us) != 0 {
		t.Errorf("--search %%: %+v", us)
	}
	if code, _, errOut := h.run("users", "list", "--org", "initech"); code != 1 || !strings.Contains(errOut, "organization initech: not found") {
		t.Errorf("--org initech: exit %d, %s", code, errOut)
	}

	// The text table is aligned and lists the same users.
	text := h.mustRun("users", "list")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != len(rows)+1 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("text table:\n%s", text)
	}
	col := strings.Index(lines[0], "LOGIN")
	for _, l := range lines[1:] {
		if !strings.HasPrefix(string([]rune(l)[col:]), "ACME-") && !strings.HasPrefix(string([]rune(l)[col:]), "GLBX-") {
			t.Errorf("misaligned row %q", l)
		}
	}
	if !strings.Contains(text, "locked") {
		t.Errorf("the locked badge is missing:\n%s", text)
	}
}

func TestUsersShow(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	acme := h.org("acme", "ACME Industries")
	id := h.user("ACME-7K2Q9", "Marie.Dupont@Example.com", "Marie Dupont", "active", acme)
	h.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'billing.view')`, id, acme)

	for _, ident := range []string{"  acme-7k2q9 ", "marie.dupont@example.COM", strconv.Itoa(int(id))} {
		out := h.mustRun("users", "show", ident, "--json")
		var u model.User
		if err := json.Unmarshal([]byte(out), &u); err != nil {
			t.Fatalf("%q: %v\n%s", ident, err, out)
		}
		if u.ID != id || u.Login != "ACME-7K2Q9" || len(u.Memberships) != 1 || u.Memberships[0].OrgSlug != "acme" ||
			strings.Join(u.Memberships[0].Rights, ",") != "billing.view" {
			t.Fatalf("%q: %+v", ident, u)
		}
	}
	text := h.mustRun("users", "show", "ACME-7K2Q9")
	for _, want := range []string{"Marie Dupont", "ACME Industries", "billing.view", "never"} {
		if !strings.Contains(text, want) {
			t.Errorf("show lacks %q:\n%s", want, text)
		}
	}
	code, _, errOut := h.run("users", "show", "NOPE-00000")
	if code != 1 || !strings.Contains(errOut, `no user "NOPE-00000"`) {
		t.Fatalf("unknown user: exit %d, %s", code, errOut)
	}
}

func TestAdminSeesOnlyTheirOrganizations(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "root")
	acme, globex := h.org("acme", "ACME"), h.org("globex", "Globex")
	h.user("ACME-AAA01", "a@example.com", "Anne", "active", acme)
	other := h.user("GLBX-BBB01", "b@example.org", "Bruno", "active", globex)
	h.mustRun("operator", "add", "adele", "--role", "admin", "--org", "acme")
	asOSUser(t, "adele")
	var us []userJSONFields
	if err := json.Unmarshal([]byte(h.mustRun("users", "list", "--json")), &us); err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Login != "ACME-AAA01" {
		t.Fatalf("admin of acme lists %+v", us)
	}
	for _, ident := range []string{"GLBX-BBB01", strconv.Itoa(int(other))} {
		if code, _, errOut := h.run("users", "show", ident); code != 1 || !strings.Contains(errOut, "no user") {
			t.Fatalf("admin of acme shows %s: exit %d, %s", ident, code, errOut)
		}
	}
	if code, _, _ := h.run("users", "list", "--org", "globex"); code != 1 {
		t.Fatalf("admin of acme filters on globex: exit %d", code)
	}

	// operator list: the admins of acme only, with acme only.
	asOSUser(t, "root")
	h.mustRun("operator", "add", "gaston", "--role", "admin", "--org", "globex")
	h.mustRun("operator", "add", "hugo", "--role", "admin", "--org", "acme", "--org", "globex")
	h.mustRun("operator", "add", "sam", "--role", "support")
	asOSUser(t, "adele")
	var ops []store.OperatorInfo
	if err := json.Unmarshal([]byte(h.mustRun("operator", "list", "--json")), &ops); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Name != "adele" || ops[1].Name != "hugo" || strings.Join(ops[1].Orgs, ",") != "acme" {
		t.Fatalf("admin of acme lists operators %+v", ops)
	}
	if text := h.mustRun("operator", "list"); strings.Contains(text, "globex") || strings.Contains(text, "gaston") || strings.Contains(text, "sam") {
		t.Fatalf("admin of acme lists:\n%s", text)
	}
}

func TestHostileStringsAreSanitized(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.user("EVIL-00001", "evil@example.com", "Evil\x1b]52;c;aGk=\x07 \x1b[2J\u202eName\u200b\u0085", "active")
	text := h.mustRun("users", "list")
	show := h.mustRun("users", "show", "EVIL-00001")
	for _, out := range []string{text, show} {
		if strings.ContainsAny(out, "\x1b\x07\u202e\u200b\u0085") {
			t.Fatalf("control characters reach the terminal: %q", out)
		}
	}
	js := h.mustRun("users", "list", "--json")
	if strings.ContainsAny(js, "\x1b\u202e\u200b\u0085") {
		t.Fatalf("raw controls in JSON: %q", js)
	}
	var us []userJSONFields
	if err := json.Unmarshal([]byte(js), &us); err != nil {
		t.Fatal(err)
	}
	if us[0].Name != "Evil\x1b]52;c;aGk=\x07 \x1b[2J\u202eName\u200b\u0085" {
		t.Fatalf("JSON changed the data: %q", us[0].Name)
	}
}

func writeKey(t *testing.T, dir, name string) (path, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + name + "\n"
	if err := os.WriteFile(path, []byte("# a comment\n\n"+line), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, ssh.FingerprintSHA256(pk)
}

// A DSA public key (ssh-dss), fixed: generating DSA parameters is slow, and the key is only
// refused.
const dsaKeyLine = "ssh-dss AAAAB3NzaC1kc3MAAACBAMxzfzZECV61o39Sr8UaSe0Uw/JCtZXqyb2Kaa6jKVaZsYwcQXbvlKu/UjzcWaTZVdG5CKIRs7eNLKl8AiVsOxpNFH6VVv0eWmT4lmslqRDPJtOnWKaJjoBAqIUCGSy417yD99GPhRhoMGoo08CgngYS2EChluwVZtTcqdEPP7e/AAAAFQDi2At6RYIlGrR23b6yHpogLrL+CwAAAIEAwAPfogSec0snpnAfzM0PJEtVFnxGQ/1jFpdZY33+w0bKe0kKdvIPhSGbdaelS/n+a4mPF4GGDM2zxTrX31nmyTeFF/kmVQ2jJPt4BB3znata5/tsJ6YzphGjLYFRWkNb3HsyE9opIZ5Lo4dJApFffMdqW2c+850SaYG6B81HGMAAAACAezN3LFZ53QpIxT3p9i0j4xl1GkIPkEFoB335zMDOE1CQib7sSqTr5wN0lPsLq3bbkp8srKLiuk7Cbuu6zAdXZHWhyT5LARtimMQ8rqW4/sjVG/yYjAYEIcHZJxo8HjuuulgtpKD5m2qsz5BWUZVFHdEzsfyOYhUwbNJ04OGDoiE= dsa@example"

func TestOperatorRoundTrip(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "root") // not registered: acts as the machine's administrator
	h.org("acme", "ACME")
	dir := t.TempDir()
	key1, fp1 := writeKey(t, dir, "alice.pub")
	key2, fp2 := writeKey(t, dir, "alice-laptop.pub")

	out := h.mustRun("operator", "add", "alice", "--role", "support", "--key", key1)
	if !strings.Contains(out, "operator alice added (role support") {
		t.Fatalf("add: %q", out)
	}
	// admin needs --org
	code, _, errOut := h.run("operator", "add", "bob", "--role", "admin")
	if code != 1 || !strings.Contains(errOut, "--org") {
		t.Fatalf("admin without --org: exit %d, %s", code, errOut)
	}
	h.mustRun("operator", "add", "bob", "--role", "admin", "--org", "acme", "--right", "users.manage", "--right", "billing.view")
	if code, _, errOut := h.run("operator", "add", "carl", "--role", "admin", "--org", "initech"); code != 1 || !strings.Contains(errOut, "initech") {
		t.Fatalf("unknown org: exit %d, %s", code, errOut)
	}
	if code, _, errOut := h.run("operator", "add", "alice", "--role", "oncall"); code != 1 || !strings.Contains(errOut, "already registered") {
		t.Fatalf("duplicate: exit %d, %s", code, errOut)
	}
	// bad key files: clear errors, nothing registered
	bad := filepath.Join(dir, "bad.pub")
	os.WriteFile(bad, []byte("ssh-ed25519 not-base64!!\n"), 0o644)
	priv := filepath.Join(dir, "id_ed25519")
	os.WriteFile(priv, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600)
	for file, want := range map[string]string{
		bad:                          "bad.pub, line 1: not an SSH public key",
		priv:                         "is a private key",
		filepath.Join(dir, "absent"): "no such file",
	} {
		code, _, errOut := h.run("operator", "add", "dora", "--role", "oncall", "--key", file)
		if code != 1 || !strings.Contains(errOut, want) || strings.Contains(errOut, "c2VjcmV0") {
			t.Errorf("key file %s: exit %d, %q (want %q)", file, code, errOut, want)
		}
	}

	// keys of a type gatehouse serve refuses at login: refused when added, naming the
	// accepted types
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPub, err := ssh.NewPublicKey(&ec.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecFile := filepath.Join(dir, "id_ecdsa.pub")
	os.WriteFile(ecFile, []byte("# a comment\n"+string(ssh.MarshalAuthorizedKey(ecPub))), 0o644)
	dsaFile := filepath.Join(dir, "id_dsa.pub")
	os.WriteFile(dsaFile, []byte(dsaKeyLine+"\n"), 0o644)
	for file, want := range map[string]string{
		ecFile:  "id_ecdsa.pub, line 2: an SSH key of type ecdsa-sha2-nistp256 is not accepted: gatehouse serve accepts only ssh-ed25519, sk-ssh-ed25519@openssh.com",
		dsaFile: "id_dsa.pub, line 1: an SSH key of type ssh-dss is not accepted: gatehouse serve accepts only ssh-ed25519",
	} {
		if code, _, errOut := h.run("operator", "add", "dora", "--role", "oncall", "--key", file); code != exitRefused || !strings.Contains(errOut, want) {
			t.Errorf("operator add --key %s: exit %d, %q (want %q)", file, code, errOut, want)
		}
		if code, _, errOut := h.run("operator", "key", "add", "alice", file); code != exitRefused || !strings.Contains(errOut, want) {
			t.Errorf("operator key add %s: exit %d, %q (want %q)", file, code, errOut, want)
		}
	}
	if n := h.loCount(`SELECT count(*) FROM operators WHERE name = 'dora'`); n != 0 {
		t.Fatal("an operator was registered with a refused key")
	}

	// key add / remove
	if out := h.mustRun("operator", "key", "add", "alice", key2); !strings.Contains(out, fp2) {
		t.Fatalf("key add: %q", out)
	}
	var ops []store.OperatorInfo
	if err := json.Unmarshal([]byte(h.mustRun("operator", "list", "--json")), &ops); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].Name != "alice" || ops[1].Name != "bob" {
		t.Fatalf("list: %+v", ops)
	}
	if ops[0].Role != "support" || strings.Join(ops[0].Keys, ",") != fp1+","+fp2 {
		t.Fatalf("alice: %+v (want keys %s, %s)", ops[0], fp1, fp2)
	}
	if ops[1].Role != "admin" || strings.Join(ops[1].Orgs, ",") != "acme" || strings.Join(ops[1].Rights, ",") != "billing.view,users.manage" {
		t.Fatalf("bob: %+v", ops[1])
	}
	h.mustRun("operator", "key", "remove", "alice", fp1)
	if code, _, errOut := h.run("operator", "key", "remove", "alice", fp1); code != 1 || !strings.Contains(errOut, "has no key") {
		t.Fatalf("key remove twice: exit %d, %s", code, errOut)
	}
	text := h.mustRun("operator", "list")
	if !strings.Contains(text, "alice") || !strings.Contains(text, "acme") {
		t.Fatalf("list text:\n%s", text)
	}

	// remove
	h.mustRun("operator", "remove", "bob")
	if code, _, errOut := h.run("operator", "remove", "bob"); code != 1 || !strings.Contains(errOut, "operator bob: not found") {
		t.Fatalf("remove twice: exit %d, %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(h.mustRun("operator", "list", "--json")), &ops); err != nil || len(ops) != 1 {
		t.Fatalf("after remove: %+v %v", ops, err)
	}
	// the machine administrator's actions are audited under cli:root
	var actors []string
	if err := h.db.Select(&actors, `SELECT DISTINCT operator_name FROM audit_entries`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actors, ",") != "cli:root" {
		t.Fatalf("audit actors %v", actors)
	}
	// a registered non-support operator is refused
	h.mustRun("operator", "add", "night", "--role", "oncall")
	asOSUser(t, "night")
	if code, _, errOut := h.run("operator", "add", "eve", "--role", "support"); code != 1 || !strings.Contains(errOut, "not allowed") {
		t.Fatalf("oncall adds an operator: exit %d, %s", code, errOut)
	}
}

func TestOrgAddAndList(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "root")
	if out := h.mustRun("org", "add", "acme", "ACME", "Industries"); !strings.Contains(out, "acme (ACME Industries) added") {
		t.Fatalf("org add: %q", out)
	}
	if code, _, errOut := h.run("org", "add", "acme", "Again"); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("duplicate org: exit %d, %s", code, errOut)
	}
	if code, _, errOut := h.run("org", "add", "Bad Slug!", "X"); code != 1 || !strings.Contains(errOut, "slug") {
		t.Fatalf("bad slug: exit %d, %s", code, errOut)
	}
	var orgs []model.Organization
	if err := json.Unmarshal([]byte(h.mustRun("org", "list", "--json")), &orgs); err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || orgs[0].Slug != "acme" || orgs[0].Name != "ACME Industries" {
		t.Fatalf("org list: %+v", orgs)
	}
}

func TestSeedCommand(t *testing.T) {
	h := newHarness(t)
	var gotOpt demodata.Options
	prev := seedDatabase
	seedDatabase = func(ctx context.Context, db *sqlx.DB, opt demodata.Options, progress func(done, total int64)) (demodata.Summary, error) {
		gotOpt = opt
		progress(1, 2) // stderr is not a terminal: nothing drawn
		progress(2, 2)
		return demodata.Summary{Users: int64(opt.Users), Events: int64(opt.Events), Orgs: 3, Memberships: 12, Elapsed: 2 * time.Second,
			Samples: []demodata.Sample{{Login: "ACME-7K2Q9", Email: "a@example.com", Password: "correct horse battery"}}}, nil
	}
	t.Cleanup(func() { seedDatabase = prev })

	code, out, errOut := h.run("seed", "--users", "10", "--events", "20", "--seed", "7", "--json")
	if code != 0 || errOut != "" {
		t.Fatalf("seed: exit %d, %s", code, errOut)
	}
	if gotOpt != (demodata.Options{Users: 10, Events: 20, Seed: 7}) {
		t.Fatalf("options %+v", gotOpt)
	}
	var res struct{ Raw map[string]any }
	if err := json.Unmarshal([]byte(out), &res.Raw); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for k, want := range map[string]float64{"users": 10, "events": 20, "orgs": 3, "elapsed_ms": 2000, "rows_per_second": 22} {
		if res.Raw[k] != want {
			t.Errorf("%s = %v, want %v", k, res.Raw[k], want)
		}
	}
	samples, _ := res.Raw["samples"].([]any)
	if len(samples) != 1 || samples[0].(map[string]any)["password"] != "correct horse battery" {
		t.Errorf("samples %v", res.Raw["samples"])
	}
	text := h.mustRun("seed", "--users", "5")
	if !strings.Contains(text, "ACME-7K2Q9") || !strings.Contains(text, "demo data only") {
		t.Errorf("text summary:\n%s", text)
	}
	// a database with users is refused unless --force
	h.user("REAL-00001", "real@example.com", "Real Person", "invited")
	if code, _, errOut := h.run("seed", "--users", "5"); code != 1 || !strings.Contains(errOut, "already has users") {
		t.Fatalf("seed over real data: exit %d, %s", code, errOut)
	}
	h.mustRun("seed", "--users", "5", "--force")
}

func TestPrepareDemo(t *testing.T) {
	isolate(t)
	st := storetest.New(t)
	asOSUser(t, "alice")
	calls := 0
	prev := seedDatabase
	seedDatabase = func(ctx context.Context, db *sqlx.DB, opt demodata.Options, progress func(done, total int64)) (demodata.Summary, error) {
		calls++
		if opt != demoSeed {
			t.Errorf("demo seeds %+v", opt)
		}
		_, err := db.ExecContext(ctx, `INSERT INTO users (login_code, email, name) VALUES ('DEMO-00001', 'd@example.com', 'Demo')`)
		return demodata.Summary{Users: 1}, err
	}
	t.Cleanup(func() { seedDatabase = prev })
	ctx := context.Background()
	op, _, seeded, err := prepareDemo(ctx, st, &bytes.Buffer{})
	if err != nil || !seeded || op.Name != "alice" || op.Role != model.RoleSupport || op.ID == 0 {
		t.Fatalf("first demo run: %+v seeded=%v %v", op, seeded, err)
	}
	op2, _, seeded, err := prepareDemo(ctx, st, &bytes.Buffer{})
	if err != nil || seeded || op2.ID != op.ID || calls != 1 {
		t.Fatalf("second demo run: %+v seeded=%v calls=%d %v", op2, seeded, calls, err)
	}
}

func TestConfigPrecedence(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "config")
	os.WriteFile(file, []byte("# gatehouse\n\ndatabase_url = postgres://file/db\nlang = \"fr\"\ndata_dir = /srv/file\nsmtp_url = smtp://mail\n"), 0o600)
	load := func(args ...string) *Config {
		t.Helper()
		f := newFlags(&env{}, &command{name: "x"}, true)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(f.global)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := load("--config", file)
	if cfg.DatabaseURL != "postgres://file/db" || cfg.Lang != "fr" || cfg.DataDir != "/srv/file" && os.Getenv("GATEHOUSE_DATA_DIR") == "" || cfg.SMTPURL != "smtp://mail" {
		t.Fatalf("from file: %+v", cfg)
	}
	t.Setenv("GATEHOUSE_CONFIG", file)
	t.Setenv("DATABASE_URL", "postgres://env/db")
	t.Setenv("GATEHOUSE_LANG", "en_GB.UTF-8")
	t.Setenv("GATEHOUSE_DATA_DIR", "")
	cfg = load()
	if cfg.DatabaseURL != "postgres://env/db" || cfg.Lang != "en" || cfg.DataDir != "/srv/file" || cfg.Source("database_url") != "env DATABASE_URL" {
		t.Fatalf("env over file: %+v", cfg)
	}
	cfg = load("--database-url", "postgres://flag/db", "--lang", "fr")
	if cfg.DatabaseURL != "postgres://flag/db" || cfg.Lang != "fr" {
		t.Fatalf("flag over env: %+v", cfg)
	}
	// an explicitly named file must exist; the default one need not
	f := newFlags(&env{}, &command{name: "x"}, true)
	f.Parse([]string{"--config", filepath.Join(dir, "missing")})
	if _, err := loadConfig(f.global); err == nil {
		t.Fatal("missing --config file accepted")
	}
	// unknown keys and bad languages are errors
	os.WriteFile(file, []byte("databse_url = x\n"), 0o600)
	if _, err := loadConfig(newFlags(&env{}, &command{name: "x"}, true).global); err == nil || !strings.Contains(err.Error(), `config:1: unknown key "databse_url"`) {
		t.Fatalf("unknown key: %v", err)
	}
	os.WriteFile(file, []byte("lang = de\n"), 0o600)
	t.Setenv("GATEHOUSE_LANG", "")
	if _, err := loadConfig(newFlags(&env{}, &command{name: "x"}, true).global); err == nil || !strings.Contains(err.Error(), "en and fr") {
		t.Fatalf("bad lang: %v", err)
	}
	// through Main: a config problem is one line and exit 2
	code, _, errOut := run(t, "migrate")
	if code != 2 || !strings.Contains(errOut, "en and fr") {
		t.Fatalf("migrate with a bad config: exit %d, %s", code, errOut)
	}
}

func TestOutboxKey(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	cfg := &Config{DataDir: dir}
	k1, err := outboxKey(cfg)
	if err != nil || len(k1) != 32 {
		t.Fatalf("key %x, %v", k1, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "outbox.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	k2, _ := outboxKey(cfg)
	if !bytes.Equal(k1, k2) {
		t.Fatal("the key changed between runs")
	}
	want := bytes.Repeat([]byte{7}, 32)
	cfg.OutboxKey = hex.EncodeToString(want)
	if k, err := outboxKey(cfg); err != nil || !bytes.Equal(k, want) {
		t.Fatalf("hex key: %x %v", k, err)
	}
	cfg.OutboxKey = "too short"
	if _, err := outboxKey(cfg); err == nil || strings.Contains(err.Error(), "too short") {
		t.Fatalf("bad key: %v", err)
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db.internal:5433/portal?sslmode=require": "db.internal:5433/portal",
		"postgresql://app@db/gatehouse":                                 "db/gatehouse",
		"host=/tmp/run port=5432 user=x password=s3cret dbname=gh":      "/tmp/run/gh",
		"host=db port=6432 dbname=gh password='a b'":                    "db:6432/gh",
	} {
		if got := redactDSN(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine("seeding", 500, 1000, 10*time.Second, 10)
	if got != "seeding █████░░░░░  50%  500/1,000 rows  0:10, ~0:10 left" {
		t.Fatalf("%q", got)
	}
	if thousands(1234567) != "1,234,567" || thousands(-1000) != "-1,000" || thousands(12) != "12" {
		t.Fatal("thousands")
	}
}

func TestDBStatusOfAStoppedCluster(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	code, out, errOut := run(t, "db", "status", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "stopped") || !strings.Contains(out, dir) || errOut != "" {
		t.Fatalf("db status: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "db", "stop", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "not running") {
		t.Fatalf("db stop of a stopped cluster: exit %d, %s", code, out)
	}
}

func TestFlagsAnywhereAndDoubleDash(t *testing.T) {
	f := newFlags(&env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}, &command{name: "x"}, false)
	role := f.String("role", "", "")
	pos, _, ok := f.parse(&env{}, []string{"alice", "--role", "admin", "extra", "--", "--not-a-flag"})
	if !ok || *role != "admin" || strings.Join(pos, " ") != "alice extra --not-a-flag" {
		t.Fatalf("parse: %v %q %q", ok, *role, pos)
	}
}

func TestSeedWithTheRealStore(t *testing.T) {
	h := newHarness(t)
	out := h.mustRun("seed", "--users", "40", "--events", "300", "--orgs", "2", "--json")
	var res struct {
		Users, Events, Orgs int64
		ElapsedMS           int64 `json:"elapsed_ms"`
		Samples             []struct{ Login, Email, Password string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var users, orgs, events int64
	h.db.Get(&users, `SELECT count(*) FROM users`)
	h.db.Get(&orgs, `SELECT count(*) FROM organizations`)
	h.db.Get(&events, `SELECT count(*) FROM auth_events`)
	if res.Users != 40 || res.Events != 300 || res.Orgs != 2 || users != 40 || orgs != 2 || events != 300 {
		t.Fatalf("summary %+v; database: %d users, %d orgs, %d events", res, users, orgs, events)
	}
	if len(res.Samples) == 0 || res.Samples[0].Login == "" || res.Samples[0].Password == "" {
		t.Fatalf("samples %+v", res.Samples)
	}
	// the sample accounts exist
	var n int
	h.db.Get(&n, `SELECT count(*) FROM users WHERE login_code = $1 AND lower(email) = lower($2)`, res.Samples[0].Login, res.Samples[0].Email)
	if n != 1 {
		t.Fatalf("sample %+v not in the database", res.Samples[0])
	}
}
