package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/smtptest"
)

// The newcomer's first ten minutes: after `gatehouse demo`, every other command reaches the
// demo's database with --demo (or says which database it uses), the demo's e-mails reach the
// demo's mailbox, `db status` prints URLs that psql and --database-url accept, and a second
// demo run says what it has prepared.

// sampleLoginRE finds the sample accounts' rows in the demo's output.
var sampleLoginRE = regexp.MustCompile(`(?m)^\s+([A-Z]+-[0-9A-Z]+)\s+\S+@\S+\s+\S+$`)

// TestNewcomerAfterTheDemo walks through the demo and the commands a newcomer runs next, on
// one embedded cluster in a fresh data directory.
func TestNewcomerAfterTheDemo(t *testing.T) {
	isolate(t)
	t.Setenv("GATEHOUSE_DEMO", "")
	asOSUser(t, "newcomer")
	dataDir := os.Getenv("GATEHOUSE_DATA_DIR")
	t.Cleanup(func() { run(t, "db", "stop") })

	code, first, errOut := run(t, "demo", "--no-console")
	if code != exitOK {
		t.Fatalf("demo --no-console: exit %d\n%s\n%s", code, first, errOut)
	}
	samples := sampleLoginRE.FindAllStringSubmatch(first, -1)
	if len(samples) == 0 {
		t.Fatalf("the first run printed no sample account:\n%s", first)
	}
	for _, want := range []string{"demo data ready", "other commands reach it with --demo (or GATEHOUSE_DEMO=1)", "psql 'postgres://gatehouse@/gatehouse_demo?host=", "portal:   http://127.0.0.1:8080/login"} {
		if !strings.Contains(first, want) {
			t.Errorf("the first run does not say %q:\n%s", want, first)
		}
	}
	login := samples[0][1]
	var listed int // the users `users list` shows: every one not deleted
	if err := openDemoDB(t, dataDir).Get(&listed, `SELECT count(*) FROM users WHERE deleted_at IS NULL`); err != nil || listed == 0 {
		t.Fatalf("the demo's users: %d, %v", listed, err)
	}

	t.Run("users list --demo lists the demo's users", func(t *testing.T) {
		users := usersJSON(t, "users", "list", "--demo", "--limit", "0", "--json")
		if len(users) != listed || !hasLogin(users, login) {
			t.Fatalf("users list --demo: %d users (want %d), sample %s among them: %v", len(users), listed, login, hasLogin(users, login))
		}
		// before the command name, from the environment, from the config file: the same
		if u := usersJSON(t, "--demo", "users", "list", "--limit", "0", "--json"); len(u) != listed {
			t.Errorf("gatehouse --demo users list: %d users", len(u))
		}
		t.Setenv("GATEHOUSE_DEMO", "1")
		if u := usersJSON(t, "users", "list", "--limit", "0", "--json"); len(u) != listed {
			t.Errorf("GATEHOUSE_DEMO=1 users list: %d users", len(u))
		}
		t.Setenv("GATEHOUSE_DEMO", "")
		cfgFile := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(cfgFile, []byte("demo = true\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if u := usersJSON(t, "users", "list", "--config", cfgFile, "--limit", "0", "--json"); len(u) != listed {
			t.Errorf("demo = true in the config file, users list: %d users", len(u))
		}
		code, out, errOut := run(t, "users", "show", login, "--demo")
		if code != exitOK || !strings.Contains(out, login) {
			t.Errorf("users show %s --demo: exit %d\n%s%s", login, code, out, errOut)
		}
	})

	t.Run("the default database says where the demo's data is", func(t *testing.T) {
		want := "note: using the embedded database gatehouse, which is empty; the demo's data is in gatehouse_demo: add --demo"
		// The newcomer is the demo's operator, not the default database's: refused, and told why.
		code, out, errOut := run(t, "users", "list")
		if code != exitRefused || out != "" || !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "operator newcomer is not registered") {
			t.Fatalf("users list on the default database: exit %d\nstdout %q\nstderr %s", code, out, errOut)
		}
		if code, out, errOut := run(t, "operator", "add", "newcomer", "--role", "support"); code != exitOK {
			t.Fatalf("operator add: exit %d\n%s%s", code, out, errOut)
		}
		code, out, errOut = run(t, "users", "list", "--json")
		if code != exitOK {
			t.Fatalf("users list: exit %d\n%s%s", code, out, errOut)
		}
		var users []userJSONFields
		if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 0 {
			t.Fatalf("stdout must stay the (empty) JSON array: %v %q", err, out)
		}
		if !strings.HasPrefix(errOut, want) || strings.Count(errOut, "\n") != 1 {
			t.Fatalf("stderr must be one line saying %q, got:\n%s", want, errOut)
		}
		if _, _, errOut := run(t, "users", "list", "--demo", "--json"); strings.Contains(errOut, "note:") {
			t.Errorf("with --demo, no note: %s", errOut)
		}
	})

	t.Run("mail --demo delivers the demo's outbox to the demo's maildir", func(t *testing.T) {
		demoDB := openDemoDB(t, dataDir)
		if code, out, errOut := run(t, "users", "unlock", login, "--reason", "called the help desk", "--send-reset", "--demo"); code != exitOK {
			t.Fatalf("users unlock --send-reset --demo: exit %d\n%s%s", code, out, errOut)
		}
		pending := outboxPending(t, demoDB)
		if pending == 0 {
			t.Fatal("the reset link was not queued in the demo's database")
		}
		before := maildirFiles(t, filepath.Join(dataDir, "demo-mail"))
		code, out, errOut := run(t, "mail", "--demo", "--once")
		if code != exitOK || !strings.HasPrefix(out, "sent "+strconv.Itoa(pending)+", to retry 0, failed 0; outbox now: 0 pending") {
			t.Fatalf("mail --demo --once with %d queued: exit %d\n%s%s", pending, code, out, errOut)
		}
		if !strings.Contains(errOut, "maildir "+filepath.Join(dataDir, "demo-mail")) {
			t.Errorf("mail --demo must say where the e-mails went:\n%s", errOut)
		}
		if n := outboxPending(t, demoDB); n != 0 {
			t.Errorf("%d e-mail(s) still pending in the demo's outbox", n)
		}
		got := newFiles(maildirFiles(t, filepath.Join(dataDir, "demo-mail")), before)
		if len(got) != pending {
			t.Fatalf("%d message(s) in the maildir, %d sent", len(got), pending)
		}
		var reset string
		for _, path := range got {
			msg := readMail(t, path)
			if !strings.Contains(msg, "\nFrom: <"+demoMailFrom+">") {
				t.Errorf("%s is not from the demo's sender:\n%s", path, msg)
			}
			if strings.Contains(msg, "/reset?token=") {
				reset = msg
			}
		}
		if !strings.Contains(reset, "http://127.0.0.1:8080/reset?token=") {
			t.Errorf("the reset e-mail must link to the demo's portal:\n%s", reset)
		}
	})

	t.Run("mail --demo with an SMTP server uses it", func(t *testing.T) {
		demoDB := openDemoDB(t, dataDir)
		sink := smtptest.Start(t, smtptest.Options{})
		if code, out, errOut := run(t, "users", "unlock", login, "--reason", "called again", "--send-reset", "--demo"); code != exitOK {
			t.Fatalf("users unlock --send-reset --demo: exit %d\n%s%s", code, out, errOut)
		}
		pending := outboxPending(t, demoDB)
		before := maildirFiles(t, filepath.Join(dataDir, "demo-mail"))
		t.Setenv("GATEHOUSE_SMTP_URL", sink.URL())
		code, out, errOut := run(t, "mail", "--demo", "--once")
		if code != exitOK || !strings.HasPrefix(out, "sent "+strconv.Itoa(pending)+",") {
			t.Fatalf("mail --demo --once with an SMTP server: exit %d\n%s%s", code, out, errOut)
		}
		received := len(sink.Messages())
		if received != pending || pending == 0 {
			t.Errorf("the SMTP server received %d message(s), %d were queued", received, pending)
		}
		if after := maildirFiles(t, filepath.Join(dataDir, "demo-mail")); len(after) != len(before) {
			t.Errorf("with an SMTP server configured, nothing goes to the maildir (%d → %d)", len(before), len(after))
		}
	})

	t.Run("db status prints URLs that psql and --database-url accept", func(t *testing.T) {
		// the default database exists, with the newcomer as its operator (made above, or now)
		run(t, "operator", "add", "newcomer", "--role", "support")
		code, out, errOut := run(t, "db", "status")
		if code != exitOK {
			t.Fatalf("db status: exit %d\n%s%s", code, out, errOut)
		}
		urls := map[string]string{}
		for _, m := range regexp.MustCompile(`(?m)^  (gatehouse\S*)\s+(postgres://\S+)`).FindAllStringSubmatch(out, -1) {
			urls[m[1]] = m[2]
		}
		if urls["gatehouse"] == "" || urls["gatehouse_demo"] == "" {
			t.Fatalf("db status must print the URL of gatehouse and gatehouse_demo:\n%s", out)
		}
		psql := psqlBinary(t)
		counts := map[string]int{"gatehouse": 0, "gatehouse_demo": listed}
		for name, u := range urls {
			want, known := counts[name]
			if !known {
				continue
			}
			cmd := exec.Command(psql, u, "-XtAc", "SELECT count(*) FROM users WHERE deleted_at IS NULL")
			b, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(want) {
				t.Errorf("psql %s: %v, %q (want %d users)", u, err, b, want)
			}
			if got := usersJSON(t, "users", "list", "--database-url", u, "--limit", "0", "--json"); len(got) != want {
				t.Errorf("users list --database-url %s: %d users, want %d", u, len(got), want)
			}
		}
		// The example line runs as it is printed, through a shell.
		m := regexp.MustCompile(`(?m)^  (psql '[^\n]+')$`).FindStringSubmatch(out)
		if m == nil || !strings.Contains(m[1], urls["gatehouse_demo"]) {
			t.Fatalf("db status must end with a psql line for the demo's database:\n%s", out)
		}
		sh := exec.Command("sh", "-c", m[1]+" -XtAc 'SELECT count(*) FROM users WHERE deleted_at IS NULL'")
		sh.Env = append(os.Environ(), "PATH="+filepath.Dir(psql)+string(os.PathListSeparator)+os.Getenv("PATH"))
		if b, err := sh.CombinedOutput(); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(listed) {
			t.Errorf("%s: %v, %q", m[1], err, b)
		}
		if !strings.Contains(out, "commands use:        gatehouse, the default") {
			t.Errorf("db status must say which database the commands use:\n%s", out)
		}
	})

	t.Run("a second demo --no-console prints its summary", func(t *testing.T) {
		code, out, errOut := run(t, "demo", "--no-console")
		if code != exitOK {
			t.Fatalf("second demo --no-console: exit %d\n%s%s", code, out, errOut)
		}
		for _, want := range []string{
			"demo data prepared by an earlier run: 300 users",
			"you are the demo's support operator \"newcomer\"",
			"database: gatehouse_demo in the embedded cluster of ",
			"other commands reach it with --demo",
			"psql 'postgres://gatehouse@/gatehouse_demo?host=",
			"portal:   http://127.0.0.1:8080/login",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the second run does not say %q:\n%s", want, out)
			}
		}
		again := sampleLoginRE.FindAllStringSubmatch(out, -1)
		if len(again) != len(samples) {
			t.Fatalf("the second run lists %d sample accounts, the first %d:\n%s", len(again), len(samples), out)
		}
		for i := range samples {
			if again[i][0] != samples[i][0] {
				t.Errorf("sample %d: %q, the first run printed %q", i, again[i][0], samples[i][0])
			}
		}
		if strings.Contains(out, "demo data ready") {
			t.Errorf("the second run seeded again:\n%s", out)
		}
		// Without the first run's list (a data directory prepared by an older gatehouse): how
		// to see the accounts, and their passwords.
		if err := os.Remove(filepath.Join(dataDir, "demo-accounts.json")); err != nil {
			t.Fatal(err)
		}
		code, out, errOut = run(t, "demo", "--no-console")
		if code != exitOK || !strings.Contains(out, "every account: gatehouse users list --demo") ||
			!strings.Contains(out, demodata.Passwords[0]) || !strings.Contains(out, "other commands reach it with --demo") {
			t.Fatalf("demo --no-console without the first run's list: exit %d\n%s%s", code, out, errOut)
		}
	})
}

// TestDemoSettingAgainstADatabaseURL: --demo and --database-url name two databases; the same
// source giving both is refused, a stronger source wins over a weaker one.
func TestDemoSettingAgainstADatabaseURL(t *testing.T) {
	isolate(t)
	t.Setenv("GATEHOUSE_DEMO", "")
	code, out, errOut := run(t, "users", "list", "--demo", "--database-url", "x")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "--demo and --database-url cannot be used together") {
		t.Fatalf("--demo --database-url x: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	load := func(args ...string) (*Config, error) {
		t.Helper()
		f := newFlags(&env{}, &command{name: "x"}, true)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		return loadConfig(f.global)
	}
	cfg, err := load("--demo")
	if err != nil || !cfg.Demo || cfg.DatabaseURL != "" || cfg.PortalURL != "http://127.0.0.1:8080" {
		t.Fatalf("--demo: %+v %v", cfg, err)
	}
	if cfg, err = load("--demo=false"); err != nil || cfg.Demo {
		t.Fatalf("--demo=false: %+v %v", cfg, err)
	}
	t.Setenv("DATABASE_URL", "postgres://env/db")
	if cfg, err = load("--demo"); err != nil || !cfg.Demo || cfg.DatabaseURL != "" {
		t.Fatalf("--demo over DATABASE_URL: %+v %v", cfg, err)
	}
	t.Setenv("GATEHOUSE_DEMO", "1")
	if _, err = load(); err == nil || !strings.Contains(err.Error(), "GATEHOUSE_DEMO and DATABASE_URL cannot be used together") {
		t.Fatalf("GATEHOUSE_DEMO=1 and DATABASE_URL: %v", err)
	}
	t.Setenv("DATABASE_URL", "")
	if cfg, err = load("--database-url", "postgres://flag/db"); err != nil || cfg.Demo || cfg.DatabaseURL != "postgres://flag/db" {
		t.Fatalf("--database-url over GATEHOUSE_DEMO: %+v %v", cfg, err)
	}
	t.Setenv("GATEHOUSE_DEMO", "maybe")
	if _, err = load(); err == nil || !strings.Contains(err.Error(), "env GATEHOUSE_DEMO") {
		t.Fatalf("GATEHOUSE_DEMO=maybe: %v", err)
	}
}

func usersJSON(t *testing.T, args ...string) []userJSONFields {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != exitOK {
		t.Fatalf("gatehouse %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	var users []userJSONFields
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return users
}

func hasLogin(users []userJSONFields, login string) bool {
	for _, u := range users {
		if u.Login == login {
			return true
		}
	}
	return false
}

// openDemoDB connects to the demo's database of the data directory's cluster.
func openDemoDB(t *testing.T, dataDir string) *sqlx.DB {
	t.Helper()
	cl, err := store.NewCluster(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlx.Open("postgres", cl.DSN(demoDB))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func outboxPending(t *testing.T, db *sqlx.DB) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM outbox WHERE status = 'pending'`); err != nil {
		t.Fatal(err)
	}
	return n
}

func maildirFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "new", "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func newFiles(after, before []string) []string {
	old := map[string]bool{}
	for _, p := range before {
		old[p] = true
	}
	var out []string
	for _, p := range after {
		if !old[p] {
			out = append(out, p)
		}
	}
	return out
}

// readMail reads a maildir message, its quoted-printable body decoded.
func readMail(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := bytes.Cut(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n\n"))
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(head) + "\n\n" + string(dec)
}

// psqlBinary finds psql (installed with the PostgreSQL server binaries).
func psqlBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("psql"); err == nil {
		return p
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/psql"); len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1]
	}
	t.Fatal("psql not found on PATH nor under /usr/lib/postgresql/*/bin: install it (apt-get install -y postgresql-client, or postgresql)")
	return ""
}
