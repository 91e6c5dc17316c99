package i18n

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The French catalog follows one glossary: each entry is a word a French message must not
// use, and the word to use instead. The checks run over every key, so a text added later is
// held to the same rules.
var glossary = []struct {
	forbidden *regexp.Regexp
	use       string
}{
	// "e-mail", "email", "e-mails" as a word (not inside an address such as nom@email.fr)
	{regexp.MustCompile(`(?i)(^|[^\pL\pN@.\-_])e-?mails?($|[^\pL\pN\-_@])`), "courriel"},
	{regexp.MustCompile(`(?i)(^|[^\pL\pN])identifiants?($|[^\pL\pN])`), "code d'usager"},
	{regexp.MustCompile(`(?i)(^|[^\pL\pN])organisations?($|[^\pL\pN])`), "établissement"},
	{regexp.MustCompile(`(?i)(^|[^\pL\pN])étab\.`), "établissement"},
	// "Org", "org" as a word; a domain (example.org) or a path is not a word
	{regexp.MustCompile(`(?i)(^|[^\pL\pN.@:/_\-])orgs?($|[^\pL\pN_\-])`), "établissement"},
	// a yes/no question answers with the keys the French footer shows: o (oui) or n
	{regexp.MustCompile(`\by/n\b|\(y\)`), "(o/n)"},
}

func TestFrenchGlossary(t *testing.T) {
	for _, k := range Keys() {
		fr := T(FR, k)
		for _, g := range glossary {
			if m := g.forbidden.FindString(fr); m != "" {
				t.Errorf("%s: the French text uses %q where the glossary says %q: %q", k, strings.TrimSpace(m), g.use, fr)
			}
		}
	}
}

// French typography: a non-breaking space (U+00A0, or the narrow U+202F) before : ; ? ! when
// they punctuate a sentence (followed by a space or the end of the text), never a plain space
// (a colon before a word is a command, ":courriels", or a filter, "op:NOM"); guillemets hold
// their text with non-breaking spaces.
func TestFrenchTypography(t *testing.T) {
	nbsp := func(r rune) bool { return r == '\u00a0' || r == '\u202f' }
	for _, k := range Keys() {
		fr := T(FR, k)
		rs := []rune(fr)
		for i, r := range rs {
			switch r {
			case ':', ';', '?', '!':
				if r == ':' && i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
					continue // ":courriels", "op:NOM"
				}
				if i > 0 && rs[i-1] == ' ' {
					t.Errorf("%s: a plain space before %q (use U+00A0): %q", k, r, fr)
					continue
				}
				sentence := i == len(rs)-1 || rs[i+1] == ' ' || rs[i+1] == '\n' || rs[i+1] == ')'
				if sentence && i > 0 && !nbsp(rs[i-1]) {
					t.Errorf("%s: no non-breaking space before %q: %q", k, r, fr)
				}
			case '«':
				if i == len(rs)-1 || !nbsp(rs[i+1]) {
					t.Errorf("%s: « is followed by a non-breaking space: %q", k, fr)
				}
			case '»':
				if i == 0 || !nbsp(rs[i-1]) {
					t.Errorf("%s: » is preceded by a non-breaking space: %q", k, fr)
				}
			}
		}
	}
}

// One apostrophe style in the whole catalog, both languages: the ASCII ' (the one typed on
// every keyboard, in login codes and in the rest of the catalog), never the typographic ’ or
// a lone ‘.
func TestOneApostrophe(t *testing.T) {
	for _, k := range Keys() {
		for _, lang := range []Lang{EN, FR} {
			if s := T(lang, k); strings.ContainsAny(s, "\u2019\u2018\u02bc") {
				t.Errorf("%s (%s): a typographic apostrophe where the catalog uses ': %q", k, lang, s)
			}
		}
	}
}

// No "(s)" / "(e)" shortcuts: a count is written with TN (one and other forms), a person
// with a word that has no gender to guess.
func TestNoParenthesizedPlurals(t *testing.T) {
	hack := regexp.MustCompile(`\pL\((s|e|es|x|le|ne)\)`)
	for _, k := range Keys() {
		for _, lang := range []Lang{EN, FR} {
			if m := hack.FindString(T(lang, k)); m != "" {
				t.Errorf("%s (%s): %q: write the count with TN or choose another word: %q", k, lang, m, T(lang, k))
			}
		}
	}
}

// A French message shown on a screen or in an e-mail is French: a text the same in both
// languages holds only words French shares with English (or names and syntax).
func TestFrenchIsNotEnglish(t *testing.T) {
	shared := map[string]bool{}
	for _, w := range strings.Fields("gatehouse fa support admin action actions audit invitation invitations mode ip page session sessions code tab ctrl osc utc id slug") {
		shared[w] = true
	}
	word := regexp.MustCompile(`\pL+`)
	for _, k := range Keys() {
		en, fr := T(EN, k), T(FR, k)
		if en != fr {
			continue
		}
		for _, w := range word.FindAllString(strings.ToLower(fr), -1) {
			if len(w) > 1 && !shared[w] {
				t.Errorf("%s: the French text is the English one (%q): %q", k, w, fr)
				break
			}
		}
	}
}

func TestTN(t *testing.T) {
	for _, c := range []struct {
		lang Lang
		n    int
		want string
	}{
		{EN, 0, "0 rows"}, {EN, 1, "1 row"}, {EN, 2, "2 rows"},
		{FR, 0, "0 ligne"}, {FR, 1, "1 ligne"}, {FR, 2, "2 lignes"}, {FR, 1000, "1000 lignes"},
	} {
		if got := TN(c.lang, "lo.rows", c.n); got != c.want {
			t.Errorf("TN(%s, lo.rows, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	// The count and other arguments, a form placing them by index.
	if got := TN(FR, "audit.page", 1, 3); got != "page 3 · 1 entrée, la plus récente d'abord" {
		t.Errorf("TN with an indexed form: %q", got)
	}
	if got := TN(EN, "audit.page", 7, 3); got != "page 3 · 7 entries, newest first" {
		t.Errorf("TN with an indexed form: %q", got)
	}
	// A key without a singular form is its plural for every count.
	if got := TN(FR, "users.rows.exact", 1, 1, 1); got != "1–1 sur 1" {
		t.Errorf("TN without a singular form: %q", got)
	}
	// Every singular form takes as many arguments as its plural (a key ending in ".one"
	// without a plural beside it is a message of its own).
	for _, k := range Keys() {
		if base, ok := strings.CutSuffix(k, ".one"); ok && Has(EN, base) {
			for _, lang := range []Lang{EN, FR} {
				if strings.Count(T(lang, k), "%") != strings.Count(T(lang, base), "%") {
					t.Errorf("%s (%s): the singular and plural forms take different arguments", k, lang)
				}
			}
		}
	}
}

func TestElision(t *testing.T) {
	for _, c := range []struct {
		format string
		args   []any
		want   string
	}{
		{"Historique de %s", []any{"Ahmed Benali"}, "Historique d'Ahmed Benali"},
		{"Historique de %s", []any{"Élodie Martin"}, "Historique d'Élodie Martin"},
		{"Historique de %s", []any{"ACME-7K2Q9"}, "Historique d'ACME-7K2Q9"},
		{"Historique de %s", []any{"Jean Dupont"}, "Historique de Jean Dupont"},
		{"Historique de %s", []any{"Hélène Roy"}, "Historique de Hélène Roy"},
		{"Historique de %s", []any{"Yves Roy"}, "Historique de Yves Roy"},
		{"De %s", []any{"Ines"}, "D'Ines"},
		{"Monde %s", []any{"entier"}, "Monde entier"},
		{"%[2]s de %[1]s", []any{"Ines", "Sessions"}, "Sessions d'Ines"},
		{"Ce n'est que %s, de %d à %s.", []any{"une alerte", 3, "Orléans"}, "Ce n'est qu'une alerte, de 3 à Orléans."},
		{"100 %% de %s", []any{"Ines"}, "100 % d'Ines"},
	} {
		if got := fmt.Sprintf(elide(c.format, c.args), c.args...); got != c.want {
			t.Errorf("%q with %v = %q, want %q", c.format, c.args, got, c.want)
		}
	}
	// In the catalog: French is elided, English is not.
	if got := T(FR, "user.ask.endall", "Ahmed Benali"); !strings.Contains(got, "sessions ouvertes d'Ahmed Benali") {
		t.Errorf("user.ask.endall: %q", got)
	}
	if got := T(EN, "user.ask.endall", "Ahmed Benali"); !strings.Contains(got, "of Ahmed Benali") {
		t.Errorf("user.ask.endall: %q", got)
	}
}

func TestLongDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	montreal, err := time.LoadLocation("America/Montreal")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 17, 33, 0, 0, time.UTC)
	for _, c := range []struct {
		lang Lang
		t    time.Time
		loc  *time.Location
		want string
	}{
		{FR, at, paris, "8 décembre 2026 à 18:33 (heure de Paris)"},
		{EN, at, paris, "December 8, 2026 at 18:33 (Paris time)"},
		{FR, at, time.UTC, "8 décembre 2026 à 17:33 (UTC)"},
		{EN, at, nil, "December 8, 2026 at 17:33 (UTC)"},
		{FR, time.Date(2026, 7, 1, 6, 5, 0, 0, time.UTC), paris, "1er juillet 2026 à 08:05 (heure de Paris)"},
		{FR, at, montreal, "8 décembre 2026 à 12:33 (heure de Montréal)"},
	} {
		if got := LongDate(c.lang, c.t, c.loc); got != c.want {
			t.Errorf("LongDate(%s, %v, %v) = %q, want %q", c.lang, c.t, c.loc, got, c.want)
		}
	}
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	if got := ZoneName(FR, amsterdam); got != "heure d'Amsterdam" {
		t.Errorf("an elided zone: %q", got)
	}
}
