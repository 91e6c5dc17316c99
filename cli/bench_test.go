package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// The bench's common term is cut from a real name: on characters, so that a name with
// accents or in another script still gives a valid search term.
func TestBenchCommonTermIsValidText(t *testing.T) {
	for name, want := range map[string]string{
		"lefèvre":   "lefè", // cut on bytes, this was "lef\xc3"
		"nguyen":    "nguy",
		"smith":     "smith",
		"müller":    "müll",
		"żółw":      "żółw", // 4 characters in 7 bytes: not cut
		"dąbrowski": "dąbr",
		"東京都庁舎前":    "東京都庁",
		"ğ":         "ğ",
		"":          "",
	} {
		got := commonTerm(name)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("commonTerm(%q) = %q, want %q", name, got, want)
		}
	}
}

// benchOpJSON is one row of `bench --json`.
type benchOpJSON struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	StoreP95    float64 `json:"store_p95_ms"`
	FloorP95    float64 `json:"floor_p95_ms"`
	BareP95     float64 `json:"bare_p95_ms"`
	Rows        int     `json:"rows"`
	FloorSQL    string  `json:"floor_sql"`
	FloorPlans  int64   `json:"floor_generic_plans"`
	FloorCustom int64   `json:"floor_custom_plans"`
	Error       string  `json:"error"`
}

// benchJSON is what `bench --sizes … --json` prints.
type benchJSON struct {
	Sizes []struct {
		Database    string        `json:"database"`
		Users       int64         `json:"users"`
		Events      int64         `json:"events"`
		Bytes       int64         `json:"database_bytes"`
		Seeded      bool          `json:"seeded"`
		Operations  []benchOpJSON `json:"operations"`
		Concurrency []struct {
			Operators int `json:"operators"`
			Calls     int `json:"calls"`
			Errors    int `json:"errors"`
		} `json:"concurrency"`
		Portal *struct {
			PerSecond float64 `json:"sign_ins_per_second"`
			P50       float64 `json:"p50_ms"`
			Error     string  `json:"error"`
		} `json:"portal"`
	} `json:"sizes"`
	Growth []struct {
		Name string    `json:"name"`
		P95  []float64 `json:"p95_ms"`
	} `json:"growth"`
	SSH string `json:"ssh"`
}

// databaseExists tells whether the test cluster holds a database.
func databaseExists(t *testing.T, db *sqlx.DB, name string) bool {
	t.Helper()
	var ok bool
	if err := db.Get(&ok, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		t.Fatal(err)
	}
	return ok
}

// The bench runs end to end at two tiny sizes, each in its own database next to the one given:
// every row is measured with a floor that returned the store's page (the bench refuses a row
// otherwise) from one cached plan, the growth table has every row at both sizes, the portal's
// sign-ins went through; a second run reuses the databases, and --drop drops them.
func TestBenchSizesEndToEnd(t *testing.T) {
	h := newHarness(t)
	base := dsnDatabase(h.dsn)
	names := []string{base + "_1000", base + "_2000"}
	t.Cleanup(func() {
		for _, n := range names {
			_, _ = h.db.Exec(`DROP DATABASE IF EXISTS "` + n + `" WITH (FORCE)`)
		}
	})
	args := []string{"bench", "--sizes", "1000,2000", "--iterations", "3", "--concurrency", "2",
		"--concurrency-time", "300ms", "--portal-sign-ins", "2", "--json"}
	code, out, errOut := h.run(args...)
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s", code, errOut)
	}
	var res benchJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Sizes) != 2 {
		t.Fatalf("%d sizes measured", len(res.Sizes))
	}
	wantRows := 0
	for i, s := range res.Sizes {
		users := int64(1000 * (i + 1))
		if s.Database != names[i] || s.Users != users || s.Events != 10*users || !s.Seeded || s.Bytes <= 0 {
			t.Errorf("size %d: %s, %d users, %d events, %d bytes, seeded %v", i, s.Database, s.Users, s.Events, s.Bytes, s.Seeded)
		}
		if !databaseExists(t, h.db, names[i]) {
			t.Errorf("%s does not exist", names[i])
		}
		if i == 0 {
			wantRows = len(s.Operations)
		} else if len(s.Operations) != wantRows {
			t.Errorf("%s: %d rows, %d at the first size", s.Database, len(s.Operations), wantRows)
		}
		kinds := map[string]int{}
		for _, r := range s.Operations {
			kinds[r.Kind]++
			if r.Error != "" {
				t.Errorf("%s: %s: %s", s.Database, r.Name, r.Error)
				continue
			}
			if r.FloorSQL == "" || r.FloorP95 <= 0 || r.StoreP95 <= 0 || r.BareP95 <= 0 {
				t.Errorf("%s: %s: store %v, floor %v (%q), bare %v", s.Database, r.Name, r.StoreP95, r.FloorP95, r.FloorSQL, r.BareP95)
			}
			if r.FloorCustom != 0 || r.FloorPlans < 3 {
				t.Errorf("%s: %s: the floor's plan: %d generic, %d custom", s.Database, r.Name, r.FloorPlans, r.FloorCustom)
			}
			if r.Rows == 0 && !strings.Contains(r.Name, "no match") {
				t.Errorf("%s: %s: an empty page", s.Database, r.Name)
			}
		}
		if kinds["page"] < 15 || kinds["search"] < 12 || kinds["lockouts"] != 3 {
			t.Errorf("%s: rows by kind %v", s.Database, kinds)
		}
		if len(s.Concurrency) != 1 || s.Concurrency[0].Calls == 0 || s.Concurrency[0].Errors != 0 {
			t.Errorf("%s: concurrency %+v", s.Database, s.Concurrency)
		}
		if s.Portal == nil || s.Portal.Error != "" || s.Portal.PerSecond <= 0 || s.Portal.P50 <= 0 {
			t.Errorf("%s: portal %+v", s.Database, s.Portal)
		}
	}
	for _, want := range []string{`search: clustered "jean"`, `search: "ann"`, `search: "dup"`, `search: "ngu"`,
		`search: "sat"`, `search: one-letter words "e a"`} {
		if !slices.ContainsFunc(res.Sizes[0].Operations, func(r benchOpJSON) bool { return r.Name == want }) {
			t.Errorf("no row %s", want)
		}
	}
	if len(res.Growth) != wantRows+1 {
		t.Errorf("growth: %d rows, want %d", len(res.Growth), wantRows+1)
	}
	for _, g := range res.Growth {
		if len(g.P95) != 2 || g.P95[0] <= 0 || g.P95[1] <= 0 {
			t.Errorf("growth %s: %v", g.Name, g.P95)
		}
	}
	if !strings.Contains(res.SSH, "-bench") || !strings.Contains(res.SSH, "./ui") {
		t.Errorf("ssh: %q", res.SSH)
	}

	// Again, one size, with --drop: the database is reused (not seeded), then dropped.
	code, out, errOut = h.run("bench", "--sizes", "1000", "--iterations", "1", "--concurrency", "",
		"--portal-sign-ins", "0", "--json", "--drop")
	if code != 0 {
		t.Fatalf("bench --drop: exit %d\n%s", code, errOut)
	}
	var again struct {
		Database string `json:"database"`
		Users    int64  `json:"users"`
	}
	if err := json.Unmarshal([]byte(out), &again); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if again.Database != names[0] || again.Users != 1000 || strings.Contains(errOut, "seeding") {
		t.Errorf("second run: %+v\n%s", again, errOut)
	}
	if databaseExists(t, h.db, names[0]) {
		t.Errorf("%s still exists after --drop", names[0])
	}
	if !databaseExists(t, h.db, names[1]) {
		t.Errorf("%s, not measured, was dropped", names[1])
	}
}

// A floor that yields another page is an error of its row, never a number: the floor of the
// first Users page read backwards returns other users.
func TestBenchFloorMustYieldTheStorePage(t *testing.T) {
	isolate(t)
	tr := &store.Tracer{}
	st := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	org := storetest.Org(t, st, "acme", "Acme")
	for i, name := range []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Jean Dupont"} {
		storetest.User(t, st, fmt.Sprintf("ACME-%05d", i), fmt.Sprintf("u%d@example.com", i), name, time.Time{}, org)
	}
	op := model.Operator{Name: "bench", Role: model.RoleSupport}
	cases, err := benchCases(ctx, st, op)
	if err != nil {
		t.Fatal(err)
	}
	first := cases[0]
	if first.name != "users: first page (name)" {
		t.Fatalf("first case %q", first.name)
	}
	fc, err := newFloorConn(ctx, st.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	if row := measure(ctx, tr, st.DB(), fc, first, 2); row.Error != "" || row.Rows != 4 || row.FloorCustom != 0 {
		t.Fatalf("the right floor: %+v", row)
	}
	wrong := first
	wrong.floor = strings.Replace(first.floor, "ORDER BY k.sort_key, k.id", "ORDER BY k.sort_key DESC, k.id DESC", 1)
	if wrong.floor == first.floor {
		t.Fatal("the floor's order was not found")
	}
	if row := measure(ctx, tr, st.DB(), fc, wrong, 2); !strings.Contains(row.Error, "floor and store differ at row 1") {
		t.Errorf("a floor returning another page: %+v", row)
	}
	// A search's floor is the store's own page statement, found among those it sent.
	for _, c := range cases {
		if c.name == `search: clustered "jean"` {
			if row := measure(ctx, tr, st.DB(), fc, c, 2); row.Error != "" || !strings.Contains(row.FloorSQL, "LIKE '%jean%'") {
				t.Errorf("search floor: %+v", row)
			}
		}
	}
	// Every search term is valid text.
	for _, term := range benchTerms(cases) {
		if !utf8.ValidString(term) || term == "" {
			t.Errorf("search term %q", term)
		}
	}
}

// Arguments are written into a statement as untyped literals, quotes and backslashes escaped,
// $10 not taken for $1.
func TestBenchInlineArgs(t *testing.T) {
	at := time.Date(2026, 12, 1, 21, 0, 0, 500, time.UTC)
	args := []any{int64(1), "it's", `back\slash`, true, nil, at, []byte{0xde, 0xad}, 2.5, int64(4), "ten"}
	got, err := inlineArgs("SELECT $1, $2, $3, $4, $5, $6, $7, $8, $10", args)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT '1', 'it''s',  E'back\\slash', 'true', NULL, '2026-12-01 21:00:00.0000005Z',  E'\\xdead', '2.5', 'ten'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := inlineArgs("SELECT $3", args[:2]); err == nil {
		t.Error("a missing argument was not refused")
	}
}

// A seed whose stderr is not a terminal logs one line per phase with its duration, the phases
// after the COPY among them, and reports the database's size.
func TestSeedLogsEachPhase(t *testing.T) {
	h := newHarness(t)
	code, out, errOut := h.run("seed", "--users", "1200", "--events", "9000")
	if code != 0 {
		t.Fatalf("seed: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"seeding: planning ", "seeding: users (1,200 rows) ", "seeding: auth events (9,000 rows) ",
		"seeding: search blocks ", "seeding: failure summaries ", "seeding: vacuum analyze users ",
		"seeding: vacuum analyze auth events "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no line %q in\n%s", want, errOut)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !strings.HasSuffix(l, " in all") || !strings.Contains(l, " s, ") {
			t.Errorf("line %q: no duration", l)
		}
	}
	if !strings.Contains(out, "database size: ") {
		t.Errorf("no database size in\n%s", out)
	}
	var res struct {
		Bytes  int64 `json:"database_bytes"`
		Phases []struct {
			Phase  string `json:"phase"`
			TookMS int64  `json:"took_ms"`
		} `json:"phases"`
	}
	h2 := newHarness(t)
	code, out, _ = h2.run("seed", "--users", "300", "--events", "900", "--json")
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Bytes <= 0 || len(res.Phases) < 10 {
		t.Errorf("seed --json: exit %d, %+v\n%s", code, res, out)
	}
}

// The seed's bar is the whole load's (one ETA), followed by every phase running.
func TestPhaseLine(t *testing.T) {
	p := demodata.Progress{Work: 50, WorkTotal: 100, Running: []demodata.Running{
		{Phase: "users", Done: 400, Total: 1000}, {Phase: "index auth_events_user_at"}}}
	got := phaseLine("seeding", p, 10*time.Second, 10)
	if got != "seeding █████░░░░░  50%  0:10, ~0:10 left  ·  users 400/1,000 rows · index auth_events_user_at" {
		t.Errorf("%q", got)
	}
	end := demodata.Progress{Phase: "auth events", Total: 9000, Took: 1500 * time.Millisecond}
	if got := phaseLogLine("seeding", end, 75*time.Second); got != "seeding: auth events (9,000 rows) 1.5 s, 1:15 in all" {
		t.Errorf("%q", got)
	}
}
