package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// TestSearchIgnoresAccentsCaseAndWordOrder: what a help-desk agent types from a phone call
// (no accents, either order, a word begun) finds the user, through every plan of a search,
// and the e-mail and the login code are still searched, LIKE's metacharacters literal.
func TestSearchIgnoresAccentsCaseAndWordOrder(t *testing.T) {
	s := storetest.New(t)
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	org := storetest.Org(t, s, "acme", "Acme")
	user := func(login, email, name string) int64 {
		return storetest.User(t, s, login, email, name, time.Time{}, org)
	}
	amelie := user("ACME-AMR42", "a.r@example.fr", "Amélie Rousseau")
	elodieC := user("ACME-ELC01", "ec@example.fr", "Élodie Côté")
	elodieL := user("ACME-ELL02", "el@example.fr", "ÉLODIE Lefèvre")
	elodie := user("ACME-ELO03", "elodie.roy@example.fr", "Elodie Roy")
	jean := user("ACME-JDU04", "jd@example.org", "Jean Dupont")
	lukasz := user("ACME-LUK05", "lw@example.pl", "Łukasz Wiśniewski")
	percent := user("ACME-PCT06", "p@example.org", "Promo 100% Sure_Thing")
	user("ACME-PCT07", "q@example.org", "Promo 1000 SureXThing")
	user("ACME-ROU08", "rousseau.paul@example.fr", "Paul Rousseau")
	for _, c := range []struct {
		term string
		want []int64 // in name order
	}{
		{"amelie rousseau", []int64{amelie}},
		{"rousseau amelie", []int64{amelie}},
		{"amelie rous", []int64{amelie}},
		{"AMÉLIE", []int64{amelie}},
		{"  Rousseau   Amélie ", []int64{amelie}},
		{"elodie", []int64{elodieC, elodieL, elodie}},
		{"élodie", []int64{elodieC, elodieL, elodie}},
		{"elodie cote", []int64{elodieC}},
		{"lefevre", []int64{elodieL}},
		{"lukasz wisniewski", []int64{lukasz}},
		{"amelie dupont", nil}, // every word must match
		{"a.r@example", []int64{amelie}},
		{"elodie.roy@example.fr", []int64{elodie}},
		{"acme-amr42", []int64{amelie}},
		{"jdu04 jean", []int64{jean}},
		{"100%", []int64{percent}},
		{"e_t", []int64{percent}},
		{`100\`, nil},
		{"100% sure_thing", []int64{percent}},
	} {
		for _, via := range []string{"auto", "trigram", "walk", "blocks", "name"} {
			q := store.UserQuery{Search: c.term, Limit: 2}
			if via != "auto" {
				q = store.SearchVia(q, via, 3)
			}
			got, back := pageThrough(t, s, op, q)
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("%q via %s: %v, want %v", c.term, via, got, c.want)
			}
			if !slices.Equal(back, got) && !(len(back) == 0 && len(got) == 0) {
				t.Errorf("%q via %s, paging back: %v, want %v", c.term, via, back, got)
			}
		}
	}
}

// TestSearchFoldAgreesWithTheDatabase: the database folds the users' texts (search_fold,
// behind the search column) and model.FoldSearch folds what is typed: they must agree
// character for character, or a user whose name holds a character they fold apart is never
// found.
func TestSearchFoldAgreesWithTheDatabase(t *testing.T) {
	s := storetest.New(t)
	var corpus []string
	for _, r := range [][2]rune{
		{0x20, 0x7e}, {0xa0, 0x24f}, {0x250, 0x2ff}, {0x370, 0x3ff}, {0x400, 0x52f}, {0x590, 0x6ff},
		{0x1e00, 0x1fff}, {0x2000, 0x214f}, {0x2460, 0x24ff}, {0x3000, 0x30ff}, {0x3130, 0x318f},
		{0x4e00, 0x4e3f}, {0xac00, 0xac3f}, {0xfb00, 0xfb06}, {0xfe30, 0xfe4f}, {0xff01, 0xffef},
	} {
		for c := r[0]; c <= r[1]; c++ {
			if unicode.IsPrint(c) || unicode.Is(unicode.Mn, c) {
				corpus = append(corpus, string(c), "X"+string(c)+"y", string(c)+string(c))
			}
		}
	}
	corpus = append(corpus, "Amélie Rousseau", "ΟΔΟΣ ΣΟΦΟΣ", "İstanbul", "Straße ẞ", "Nguyễn Thị Hương",
		"Ǆemal ǅ", "ﬃ ﬄ ½ ²", "佐藤 さくら ｶﾞ", "한국어", "محمد", "D’Artagnan O‘Neil Hawaiʻi ʼ", "e\u0301\u0327")
	var got []string
	if err := s.DB().Select(&got, `SELECT search_fold(c) FROM unnest($1::text[]) WITH ORDINALITY AS x(c, n) ORDER BY n`,
		pq.Array(corpus)); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i, c := range corpus {
		if want := model.FoldSearch(c); got[i] != want {
			if bad++; bad <= 20 {
				t.Errorf("%q (%U): the database folds it to %q, model.FoldSearch to %q", c, []rune(c), got[i], want)
			}
		}
	}
	if bad > 20 {
		t.Errorf("… %d disagreements in all, of %d texts", bad, len(corpus))
	}
}

// TestUsersSortedAsPeopleExpect: names in the order of a phone book, not of their bytes, on
// every path a page sorted by name can take (the name index, one organization's members,
// an admin's organizations merged, the members plan under another filter, a search), with
// keyset pages of two that give every user exactly once, forward and back.
func TestUsersSortedAsPeopleExpect(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	north := storetest.Org(t, s, "north", "North")
	south := storetest.Org(t, s, "south", "South")
	// The expected order; inserted shuffled, in both organizations alternately (some in both).
	names := []string{"Aaron Abel", "Ångström Berg", "Cedric Abel", "Cédric Faure", "Conceição Silva",
		"de la Fontaine Anne", "Delacroix Paul", "Élodie Martin", "elodie Roux", "Ève Moreau", "Eve Zola",
		"Lucie Petit", "Łukasz Nowak", "Zoé Roy", "Zoe Zimmer", "佐藤 さくら"}
	ids := map[string]int64{}
	for i, k := range []int{7, 3, 12, 0, 15, 5, 9, 1, 14, 4, 11, 8, 2, 13, 6, 10} {
		orgs := []int64{north}
		switch {
		case i%3 == 1:
			orgs = []int64{south}
		case i%3 == 2:
			orgs = []int64{north, south}
		}
		ids[names[k]] = storetest.User(t, s, fmt.Sprintf("ORD-%05d", i), fmt.Sprintf("ord%d@example.org", i), names[k], time.Time{}, orgs...)
	}
	members := func(orgs ...int64) []int64 {
		var out []int64
		for _, n := range names {
			var in bool
			if err := s.DB().Get(&in, `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND org_id = ANY($2))`,
				ids[n], pq.Array(orgs)); err != nil {
				t.Fatal(err)
			}
			if in {
				out = append(out, ids[n])
			}
		}
		return out
	}
	all := members(north, south)
	if len(all) != len(names) {
		t.Fatalf("%d users in the organizations, want %d", len(all), len(names))
	}
	off := false
	admin := model.Operator{Name: "admin", Role: model.RoleAdmin, OrgIDs: []int64{north, south}}
	for _, c := range []struct {
		name string
		op   model.Operator
		q    store.UserQuery
		want []int64
	}{
		{"every user", op, store.UserQuery{}, all},
		{"one organization (its members in name order)", op, store.UserQuery{OrgID: south}, members(south)},
		{"one organization and a filter (the members plan)", op, store.UserQuery{OrgID: north, TOTP: &off}, members(north)},
		{"an admin of both (their pages merged)", admin, store.UserQuery{}, all},
		{"a search through the blocks", op, store.SearchVia(store.UserQuery{Search: "example"}, "blocks", 0), all},
		{"a search by trigram", op, store.SearchVia(store.UserQuery{Search: "example"}, "trigram", 0), all},
		{"a search by a bounded walk", op, store.SearchVia(store.UserQuery{Search: "example"}, "walk", 3), all},
	} {
		c.q.Limit = 2
		got, back := pageThrough(t, s, c.op, c.q)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %s, want %s", c.name, nameList(got, ids), nameList(c.want, ids))
		}
		if !slices.Equal(back, c.want) {
			t.Errorf("%s, paging back: %s, want %s", c.name, nameList(back, ids), nameList(c.want, ids))
		}
	}
	// The same order from the database's own sort, which the blocks and indexes follow.
	var sorted []string
	must(t, s.DB().Select(&sorted, `SELECT name FROM users ORDER BY name, id`))
	if !slices.Equal(sorted, names) {
		t.Errorf("ORDER BY name: %q, want %q", sorted, names)
	}
	p, err := s.ListUsers(ctx, op, store.UserQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{}
	for i, u := range p.Users {
		order[u.Name] = i
	}
	for _, pair := range [][2]string{{"Cédric Faure", "Conceição Silva"}, {"Élodie Martin", "Zoé Roy"}, {"Ève Moreau", "Eve Zola"}} {
		if order[pair[0]] >= order[pair[1]] {
			t.Errorf("%q is listed after %q", pair[0], pair[1])
		}
	}
}

func nameList(got []int64, ids map[string]int64) string {
	byID := map[int64]string{}
	for n, id := range ids {
		byID[id] = n
	}
	var out []string
	for _, id := range got {
		out = append(out, byID[id])
	}
	return strings.Join(out, ", ")
}

// TestFindUserByWhatTheOperatorSees: a login code (any case), an e-mail, or an id; a login
// code made of digits is that user even when it is another user's id; outside an admin's
// scope, nothing.
func TestFindUserByWhatTheOperatorSees(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	acme := storetest.Org(t, s, "acme", "Acme")
	globex := storetest.Org(t, s, "globex", "Globex")
	amelie := storetest.User(t, s, "ACME-AMR42", "Amelie.Rousseau@example.fr", "Amélie Rousseau", time.Time{}, acme)
	other := storetest.User(t, s, "GLOBEX-1", "o@example.org", "Other", time.Time{}, globex)
	digits := storetest.User(t, s, "4242", "d@example.org", "Digits", time.Time{}, acme)
	var id4242 int64
	must(t, s.DB().Get(&id4242, `INSERT INTO users (id, login_code, email, name) VALUES (4242, 'ACME-ID', 'id@example.org', 'Id') RETURNING id`))
	must(t, exec(s, `INSERT INTO memberships (user_id, org_id) VALUES (4242, $1)`, acme))
	for ident, want := range map[string]int64{
		"ACME-AMR42": amelie, " acme-amr42 ": amelie, "amelie.rousseau@EXAMPLE.fr": amelie,
		fmt.Sprint(other): other, "4242": digits, "acme-id": id4242,
	} {
		u, err := s.FindUser(ctx, op, ident)
		if err != nil || u.ID != want {
			t.Errorf("FindUser(%q) = %d, %v; want %d", ident, u.ID, err, want)
		}
	}
	admin := model.Operator{Name: "admin", Role: model.RoleAdmin, OrgIDs: []int64{acme}}
	for _, ident := range []string{"GLOBEX-1", "o@example.org", fmt.Sprint(other), "", "nobody"} {
		if _, err := s.FindUser(ctx, admin, ident); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an admin of acme finds %q: %v, want not found", ident, err)
		}
	}
}

// TestSearchEstimateKeepsWordsThatGoTogether: the estimate of a search decides its plan
// (and is the total shown). Taken as independent, "baptiste jean" would be a few users when
// nearly every Baptiste is a Jean-Baptiste; the pairs of words estimated as patterns keep
// it near the truth, and leave words that do not go together as rare as they are.
func TestSearchEstimateKeepsWordsThatGoTogether(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 5000, Events: 0, Orgs: 10, Seed: 5}, nil); err != nil {
		t.Fatal(err)
	}
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	for _, term := range []string{"baptiste jean", "jean baptiste", "claire marie", "dupont jean", "jean", "nguyen van"} {
		var n int64
		must(t, s.DB().Get(&n, `SELECT count(*) FROM users WHERE status <> 'deleted' AND search LIKE ALL ($1)`, likeAll(term)))
		p, err := s.ListUsers(ctx, op, store.UserQuery{Search: term, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q: %d users, estimated %d", term, n, p.Estimated)
		if (n >= 20 && p.Estimated*3 < n) || p.Estimated > 3*n+50 {
			t.Errorf("%q: estimated %d users, %d match", term, p.Estimated, n)
		}
	}
}

// TestSearchWordGramsAreInEveryBlockHoldingTheWords: the search blocks' index is asked for
// the blocks whose keys hold every trigram search_word_grams draws from the words; a block
// whose summary holds a word it leaves out is a match never found. Every piece of every text
// (names with accents and apostrophes, e-mails, login codes, other scripts, LIKE's
// metacharacters) is held to the keys of a block summarizing those texts, alone and in pairs
// of words; and the trigrams are those of the words' insides, not of their ends.
func TestSearchWordGramsAreInEveryBlockHoldingTheWords(t *testing.T) {
	s := storetest.New(t)
	texts := []string{"Amélie Rousseau", "a.r@example.fr", "ACME-AMR42", "Jean-Baptiste O'Brien", "D’Artagnan",
		"jeanne.dupont+test@sub.example.org", "Promo 100% Sure_Thing", `back\slash`, "Nguyễn Thị Hương",
		"佐藤 さくら", "sato.sakura@example.jp", "ΟΔΟΣ ΣΟΦΟΣ", "Łukasz Wiśniewski", "Straße", "محمد بن علي",
		"ﬃ ½ ²", "ab佐cd", "x-y-z", "MacDonald", "Al-Ali", "a1b2c3", "  spaced  out  "}
	var folded []string
	for _, x := range texts {
		folded = append(folded, model.FoldSearch(x))
	}
	var words []string // every piece of a text without a space, of 1 to 8 characters
	var pairs [][2]string
	for _, f := range folded {
		for _, field := range strings.Fields(f) {
			r := []rune(field)
			for i := range r {
				for n := 1; n <= 8 && i+n <= len(r); n++ {
					words = append(words, string(r[i:i+n]))
				}
			}
		}
		if fs := strings.Fields(f); len(fs) > 1 {
			pairs = append(pairs, [2]string{fs[len(fs)-1], fs[0]})
		}
	}
	summary := strings.Join(folded, "\x01")
	const holds = `search_block_grams(1234::bigint << 42, $1) @> ARRAY(SELECT ('1234:' || g)::bytea FROM unnest(search_word_grams($2::text[])) g)`
	var missed []string
	must(t, s.DB().Select(&missed, `SELECT w FROM unnest($2::text[]) w WHERE NOT (`+strings.Replace(holds, "$2::text[]", "ARRAY[w]", 1)+`)`,
		summary, pq.Array(words)))
	if len(missed) > 0 {
		t.Errorf("%d of %d pieces of the texts are not found in their block's keys: %q", len(missed), len(words), missed)
	}
	for _, p := range pairs {
		var ok bool
		must(t, s.DB().Get(&ok, `SELECT `+holds, summary, pq.Array([]string{p[0], p[1]})))
		if !ok {
			t.Errorf("%q %q: not found in their block's keys", p[0], p[1])
		}
	}
	for _, c := range []struct {
		words []string
		want  []string // sorted
	}{
		{[]string{"jean"}, []string{"ean", "jea"}},
		{[]string{"dup", "jean"}, []string{"dup", "ean", "jea"}},
		{[]string{"a.r@ex"}, []string{""}}, // no piece of three characters between the dots
		{[]string{"ma", "ri"}, []string{""}},
		{[]string{"e_t"}, []string{""}},
	} {
		var got []string
		must(t, s.DB().Get(pq.Array(&got), `SELECT array_agg(g ORDER BY g) FROM unnest(search_word_grams($1)) g`, pq.Array(c.words)))
		if !slices.Equal(got, c.want) {
			t.Errorf("search_word_grams(%q) = %q, want %q", c.words, got, c.want)
		}
	}
	// A word in no text is not in the keys (the check above can fail).
	var found bool
	must(t, s.DB().Get(&found, `SELECT `+holds, summary, pq.Array([]string{"zqxw"})))
	if found {
		t.Error(`"zqxw" is in the block's keys`)
	}
}
