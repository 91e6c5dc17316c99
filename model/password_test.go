package model

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"gatehouse/model/i18n"
)

func ruleOK(t *testing.T, res []RuleResult, rule string) (ok, found bool) {
	t.Helper()
	for _, r := range res {
		if r.Rule == rule {
			return r.OK, true
		}
	}
	return false, false
}

func TestDefaultPasswordPolicy(t *testing.T) {
	p := DefaultPasswordPolicy()
	if p.MinLength1FA != 15 || p.MinLength2FA != 8 || p.MaxLength != 128 || p.HistoryDepth != 5 ||
		p.RequireComposition || p.MaxAgeDays != 0 {
		t.Fatalf("unexpected defaults: %+v", p)
	}
}

func TestCommonListLoaded(t *testing.T) {
	if n := CommonPasswordCount(); n < 10000 {
		t.Fatalf("common list has %d entries, want >= 10000", n)
	}
	for _, pw := range []string{"password", "123456", "qwerty", "PassWord", "letmein", "ＰＡＳＳＷＯＲＤ"} {
		if !IsCommonPassword(pw) {
			t.Errorf("IsCommonPassword(%q) = false", pw)
		}
	}
	for _, pw := range []string{"", "password ", "v7#Kq!zR2m@Lp9Xw", "#"} {
		if IsCommonPassword(pw) {
			t.Errorf("IsCommonPassword(%q) = true", pw)
		}
	}
}

func TestNormalizePassword(t *testing.T) {
	cases := map[string]string{
		"ｐａｓｓｗｏｒｄ":        "password", // fullwidth
		"  spaces kept  ": "  spaces kept  ",
		"ﬁ":               "fi", // ligature
		"e\u0301":         "é",  // combining accent composes
	}
	for in, want := range cases {
		if got := NormalizePassword(in); got != want {
			t.Errorf("NormalizePassword(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("x", 1000)
	if NormalizePassword(long) != long {
		t.Error("NormalizePassword truncated")
	}
}

func TestCheckRules(t *testing.T) {
	p := DefaultPasswordPolicy()
	ctx := PasswordContext{
		Login:    "ACME-7K2Q9",
		Email:    "Jean.Dupont+portal@example.com",
		Name:     "Jean-Baptiste Dupont",
		OrgNames: []string{"Clinique Sainte-Marthe", "Acme Group"},
	}
	tfa := ctx
	tfa.HasTOTP = true

	tests := []struct {
		name string
		pw   string
		ctx  PasswordContext
		rule string
		ok   bool
	}{
		{"14 chars fail", "zq8vmt3kwx7hyr", ctx, RuleLengthMin, false},
		{"15 chars pass", "zq8vmt3kwx7hyrb", ctx, RuleLengthMin, true},
		{"15 emoji pass (code points)", strings.Repeat("🐱", 15), ctx, RuleLengthMin, true},
		{"14 emoji fail", strings.Repeat("🐱", 14), ctx, RuleLengthMin, false},
		{"8 chars with 2FA pass", "zq8vmt3k", tfa, RuleLengthMin, true},
		{"7 chars with 2FA fail", "zq8vmt3", tfa, RuleLengthMin, false},
		{"128 chars pass", strings.Repeat("ab", 64), ctx, RuleLengthMax, true},
		{"129 chars fail", strings.Repeat("ab", 64) + "c", ctx, RuleLengthMax, false},
		{"128 emoji pass", strings.Repeat("🐱", 128), ctx, RuleLengthMax, true},
		{"fullwidth counted after NFKC", "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏ", ctx, RuleLengthMin, true},
		{"ligature counts as typed (14 runes, 15 after NFKC)", "ﬁ" + "zq8vmt3kwx7hyr"[:13], ctx, RuleLengthMin, false},
		{"NFKC may not lengthen: ﷺ is 1 code point, 18 after NFKC", "ﷺ", tfa, RuleLengthMin, false},
		{"8 ligatures with 2FA pass", strings.Repeat("ﬃ", 4) + "zq8v", tfa, RuleLengthMin, true},
		{"common rejected", "password", tfa, RuleCommon, false},
		{"common rejected in other case", "PASSWORD1", tfa, RuleCommon, false},
		{"common rejected fullwidth", "ｑｗｅｒｔｙ１２３", tfa, RuleCommon, false},
		{"uncommon passes", "zq8vmt3kwx7hyrb", ctx, RuleCommon, true},
		{"login code", "my code is acme-7k2q9 ok", ctx, RuleContext, false},
		{"login code part", "zzzz7K2Q9zzzzzzz", ctx, RuleContext, false},
		{"email local part other case", "XXJEAN.DUPONTXXXXX", ctx, RuleContext, false},
		{"name part", "correct horse dupont staple", ctx, RuleContext, false},
		{"name part other case", "xxBAPTISTExxxxxxxx", ctx, RuleContext, false},
		{"fullwidth name (NFKC)", "ｄｕｐｏｎｔ and more words", ctx, RuleContext, false},
		{"organization name compact", "cliniquesaintemarthe!", ctx, RuleContext, false},
		{"organization word", "i love MARTHE so much", ctx, RuleContext, false},
		{"generic org word allowed", "group therapy session ok", ctx, RuleContext, true},
		{"short name part allowed", "jeanne d'arc was here", PasswordContext{Name: "Li Na"}, RuleContext, true},
		{"no context passes", "zq8vmt3kwx7hyrb", ctx, RuleContext, true},
		{"empty context passes", "anything at all here", PasswordContext{}, RuleContext, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, found := ruleOK(t, p.Check(tt.pw, tt.ctx), tt.rule)
			if !found {
				t.Fatalf("rule %s missing", tt.rule)
			}
			if ok != tt.ok {
				t.Fatalf("rule %s on %q: ok=%v, want %v", tt.rule, tt.pw, ok, tt.ok)
			}
		})
	}
}

func TestCheckOrderAndOptionalRules(t *testing.T) {
	p := DefaultPasswordPolicy()
	ids := func(res []RuleResult) string {
		var s []string
		for _, r := range res {
			s = append(s, r.Rule)
		}
		return strings.Join(s, ",")
	}
	if got := ids(p.Check("x", PasswordContext{})); got != "length.min,length.max,characters,common,pattern,context" {
		t.Errorf("default rules = %s", got)
	}
	p.RequireComposition = true
	ctx := PasswordContext{PreviousMatch: func(string) bool { return false }}
	if got := ids(p.Check("x", ctx)); got != "length.min,length.max,characters,common,pattern,context,reuse,composition" {
		t.Errorf("all rules = %s", got)
	}
}

func TestLengthMessage(t *testing.T) {
	res := DefaultPasswordPolicy().Check("abcdefghijkl", PasswordContext{})
	if res[0].Message != "at least 15 characters (12 so far)" {
		t.Errorf("message = %q", res[0].Message)
	}
	if !strings.Contains(res[0].MessageFR, "15") {
		t.Errorf("FR message = %q", res[0].MessageFR)
	}
}

func TestReuse(t *testing.T) {
	p := DefaultPasswordPolicy()
	var got string
	ctx := PasswordContext{PreviousMatch: func(n string) bool { got = n; return n == "old password is here" }}
	if ok, _ := ruleOK(t, p.Check("ｏｌｄ password is here", ctx), RuleReuse); ok {
		t.Error("reuse of a previous password accepted")
	}
	if got != "old password is here" {
		t.Errorf("PreviousMatch received %q, want the NFKC form", got)
	}
	if ok, _ := ruleOK(t, p.Check("a brand new passphrase", ctx), RuleReuse); !ok {
		t.Error("new password refused as reuse")
	}
	p.HistoryDepth = 0
	if _, found := ruleOK(t, p.Check("x", ctx), RuleReuse); found {
		t.Error("reuse rule shown with HistoryDepth 0")
	}
}

func TestComposition(t *testing.T) {
	p := DefaultPasswordPolicy()
	p.RequireComposition = true
	for pw, want := range map[string]bool{
		"Abcdefghijklmn1!": true,
		"abcdefghijklmn1!": false,
		"ABCDEFGHIJKLMN1!": false,
		"Abcdefghijklmno!": false,
		"Abcdefghijklmn12": false,
		"Ábcdéfghijklmn1 ": true, // space is a symbol, accents are letters
		"東京東京東京東京東京東京東京1!": false,
	} {
		if ok, _ := ruleOK(t, p.Check(pw, PasswordContext{}), RuleComposition); ok != want {
			t.Errorf("composition(%q) = %v, want %v", pw, ok, want)
		}
	}
}

func TestValidate(t *testing.T) {
	p := DefaultPasswordPolicy()
	good := "violet tram sings at dawn"
	if err := p.Validate(good, good, PasswordContext{}); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	// Confirmation compared after NFKC.
	if err := p.Validate(good, "ｖｉｏｌｅｔ tram sings at dawn", PasswordContext{}); err != nil {
		t.Fatalf("Validate(fullwidth confirm) = %v", err)
	}
	secret := "Sup3rSecretValue"
	err := p.Validate(secret, secret+"x", PasswordContext{Name: "Secret Agent", HasTOTP: true})
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("Validate = %v, want *PolicyError", err)
	}
	var rules []string
	for _, r := range pe.Failed {
		if r.OK {
			t.Errorf("passing rule %s listed as failed", r.Rule)
		}
		rules = append(rules, r.Rule)
	}
	if strings.Join(rules, ",") != "context,confirm" {
		t.Errorf("failed rules = %v", rules)
	}
	for _, msg := range []string{err.Error(), pe.ErrorFR()} {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(secret)) {
			t.Errorf("error message leaks the password: %q", msg)
		}
	}
	// A short password is reported with its length, not its value.
	err = p.Validate("hunter2", "hunter2", PasswordContext{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Validate(hunter2) = %v", err)
	}
}

func TestStrength(t *testing.T) {
	tests := []struct {
		pw       string
		min, max int
	}{
		{"", 0, 0},
		{"password", 0, 0},
		{"123456789", 0, 0},
		{"aaaaaaaaaaaaaaaaaaaa", 0, 0},
		{"abcdefghijklmnop", 0, 0},
		{"password123password", 0, 0},
		{"Tr0ub4dor&3", 0, 0},                  // 11 characters: refused, so very weak
		{"sunshinedragon12", 0, 1},             // accepted, but two common passwords and digits
		{"MaryJohnson1975!", 0, 1},             // a first name, a surname, a year
		{"iloveyouforever2", 0, 1},             // common words
		{"violet tram sings at dawn", 3, 4},    // a passphrase
		{"correct horse battery staple", 3, 4}, // idem
		{"Tournesol-vélo-Marseille-42", 3, 4},  // idem, in French
		{"h7#Kq!zR2m@Lp9Xw", 4, 4},             // random
		{"x7qm2pla9vke3rtzbw5n", 4, 4},         // random, lower case and digits
		{"кот сидит на тёплой крыше", 4, 4},    // Cyrillic
		{"كلمة مرور طويلة جدا للاختبار", 4, 4}, // Arabic
		{"😀😀 saffron glacier piano 88", 3, 4},  // emoji
	}
	for _, tt := range tests {
		s, label := Strength(tt.pw)
		if s < tt.min || s > tt.max || label == "" {
			t.Errorf("Strength(%q) = %d %q, want %d..%d", tt.pw, s, label, tt.min, tt.max)
		}
	}
	if StrengthLabelFR(9) != "très fort" || StrengthLabelFR(-1) != "très faible" {
		t.Error("StrengthLabelFR does not clamp")
	}
	if _, label := Strength("h7#Kq!zR2m@Lp9Xw"); label != "very strong" {
		t.Errorf("label = %q", label)
	}
}

func TestExpired(t *testing.T) {
	p := DefaultPasswordPolicy()
	if p.Expired(10000) {
		t.Error("expiry on by default")
	}
	p.MaxAgeDays = 90
	if p.Expired(89) || !p.Expired(90) {
		t.Error("MaxAgeDays boundary")
	}
}

func TestHugePassword(t *testing.T) {
	huge := strings.Repeat("abcé東🐱", 1<<17) // ~1.4 MB
	p := DefaultPasswordPolicy()
	res := p.Check(huge, PasswordContext{Name: "Jean Dupont", OrgNames: []string{"Acme"}})
	if ok, _ := ruleOK(t, res, RuleLengthMax); ok {
		t.Error("huge password passes the maximum length")
	}
	if s, _ := Strength(huge); s != 0 {
		t.Errorf("Strength(huge) = %d, want 0 (refused by the maximum length)", s)
	}
	if IsCommonPassword(huge) {
		t.Error("huge password is common")
	}
}

// blocklisted are the passwords that were accepted and then logged in with, before the rules
// that NIST's blocklist requirement exists for: each is refused, by the rule and for the
// reason given (other rules may fail too).
var blocklisted = []struct {
	what, pw     string
	rule, reason string
}{
	{"one character repeated", "aaaaaaaaaaaaaaa", RulePattern, ReasonRepeat},
	{"digits in sequence, wrapping", "123456789012345", RulePattern, ReasonSequence},
	{"a common password twice", "passwordpassword", RuleCommon, ReasonCommonWord},
	{"two keyboard rows", "qwertyuiopasdfgh", RulePattern, ReasonKeyboard},
	{"common password, capital, digits, symbol", "Password123456!", RuleCommon, ReasonCommonWord},
	{"common password, capital, digits", "Welcome123456789", RuleCommon, ReasonCommonWord},
	{"the service's names", "gatehouseportal1", RuleContext, ReasonService},
	{"15 spaces", strings.Repeat(" ", 15), RuleCharacters, ReasonBlank},
	{"15 zero-width spaces", strings.Repeat("\u200b", 15), RuleCharacters, ReasonFormat},
	{"15 control bytes", "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12", RuleCharacters, ReasonControl},
	{"15 invalid UTF-8 bytes", string([]byte{0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e}), RuleCharacters, ReasonUTF8},
	{"one code point NFKC spells in 18", "\ufdfa", RuleLengthMin, RuleLengthMin},
}

// failedFor returns the failed result of rule, if any.
func failedFor(err error, rule string) (RuleResult, bool) {
	var pe *PolicyError
	if !errors.As(err, &pe) {
		return RuleResult{}, false
	}
	for _, r := range pe.Failed {
		if r.Rule == rule {
			return r, true
		}
	}
	return RuleResult{}, false
}

func TestBlocklistedPasswordsRefusedWithTheirReason(t *testing.T) {
	p := DefaultPasswordPolicy()
	ctx := PasswordContext{Login: "ACME-7K2Q9", Email: "jean.dupont@example.org", Name: "Jean Dupont", OrgNames: []string{"Acme Industries"}}
	for _, c := range blocklisted {
		t.Run(c.what, func(t *testing.T) {
			err := p.Validate(c.pw, c.pw, ctx)
			r, ok := failedFor(err, c.rule)
			if !ok {
				t.Fatalf("Validate(%q) = %v; want the %s rule to fail", c.pw, err, c.rule)
			}
			if r.Reason != c.reason {
				t.Errorf("reason %q, want %q", r.Reason, c.reason)
			}
			// The reason is spelled out in both languages, from the catalog, never with the password.
			if c.reason != c.rule {
				en, fr := i18n.T(i18n.EN, "password.rule."+c.reason), i18n.T(i18n.FR, "password.rule."+c.reason)
				if !strings.Contains(r.Message, en) || !strings.Contains(r.MessageFR, fr) || en == fr {
					t.Errorf("messages %q / %q lack the reason %q / %q", r.Message, r.MessageFR, en, fr)
				}
			}
			if strings.TrimSpace(c.pw) != "" && (strings.Contains(err.Error(), c.pw) || strings.Contains(err.(*PolicyError).ErrorFR(), c.pw)) {
				t.Errorf("the error holds the password: %v", err)
			}
			if s, _ := p.Strength(c.pw, ctx); s != 0 {
				t.Errorf("Strength = %d, want 0 for a refused password", s)
			}
		})
	}
}

// TestEachNewRule: one table per rule, the variants the rule exists for.
func TestEachNewRule(t *testing.T) {
	p := DefaultPasswordPolicy()
	ctx := PasswordContext{Login: "JDU-7K2Q9", Email: "jd@example.org", Name: "Jean Dupont", OrgNames: []string{"Acme Industries"}}
	tests := []struct {
		pw           string
		rule, reason string // reason "" accepts any reason of the rule
	}{
		// Repeated characters and short repeated patterns.
		{"bbbbbbbbbbbbbbbbbbbbbb", RulePattern, ReasonRepeat},
		{"abcabcabcabcabc", RulePattern, ReasonRepeat},
		{"ababababababababab", RulePattern, ReasonRepeat},
		{"x7#x7#x7#x7#x7#x7#", RulePattern, ReasonRepeat},
		{"éééééééééééééééé", RulePattern, ReasonRepeat},
		// Sequences, reversed too.
		{"abcdefghijklmnopq", RulePattern, ReasonSequence},
		{"zyxwvutsrqponmlk", RulePattern, ReasonSequence},
		{"987654321098765", RulePattern, ReasonSequence},
		{"ABCDEFGHIJKLMNOP", RulePattern, ReasonSequence},
		{"αβγδεζηθικλμνξο", RulePattern, ReasonSequence},
		// Keyboard walks: qwerty, azerty, qwertz rows, columns, shifted.
		{"azertyuiopqsdfgh", RulePattern, ReasonKeyboard},
		{"azertyuiop", RulePattern, ReasonKeyboard}, // too short as well
		{"qwertzuiopasdfghjkl", RulePattern, ReasonKeyboard},
		{"1qaz2wsx3edc4rfv5tgb", RulePattern, ReasonKeyboard},
		{"!QAZ@WSX#EDC$RFV", RulePattern, ReasonKeyboard},
		{"poiuytrezaqsdfghjklm", RulePattern, ReasonKeyboard},
		{"wxcvbnqsdfghjklm", RulePattern, ReasonKeyboard},
		// A common password or word, padded, capitalised, in leetspeak or repeated.
		{"P@ssw0rd2024!!!!", RuleCommon, ReasonCommonWord},
		{"!!!Sunshine!!!2024", RuleCommon, ReasonCommonWord},
		{"@dm1n1strat0r2024", RuleCommon, ReasonCommonWord},
		{"Jennifer12345678", RuleCommon, ReasonCommonWord}, // a first name
		{"Marseille2024!!!", RuleCommon, ReasonCommonWord}, // a word
		{"dragon 4829 1736 5520", RuleCommon, ReasonCommonWord},
		{"Pass-Word-2024-2025", RuleCommon, ReasonCommonWord},
		{"Summer2024Summer", RuleCommon, ReasonCommonRepeat},
		{"monkey-monkey-monkey", RuleCommon, ""},
		{"iloveyouiloveyou", RuleCommon, ReasonCommonWord},
		{"SOLEIL123456789!", RuleCommon, ReasonCommonWord},
		// The service's own name and the organization's, in any case or leetspeak.
		{"G@t3H0us3-r0cks-2024", RuleContext, ReasonService},
		{"my p0rt@l passphrase", RuleContext, ReasonService},
		{"PORTAIL du vendredi 42", RuleContext, ReasonService},
		{"@cme-industries-rule", RuleContext, ReasonOrganization},
		{"4cm3 1ndustr1es forever", RuleContext, ReasonOrganization},
		{"bonjour jean dupont 42", RuleContext, ReasonName},
		// Whitespace only, control and format characters, invalid UTF-8.
		{strings.Repeat("\u00a0", 16), RuleCharacters, ReasonBlank},
		{strings.Repeat("\u3000", 16), RuleCharacters, ReasonBlank},
		{" \t \t \t \t \t \t \t \t", RuleCharacters, ReasonControl},
		{"tab\tinside a long passphrase", RuleCharacters, ReasonControl},
		{"new\nline in a long passphrase", RuleCharacters, ReasonControl},
		{"escape \x1b[2J in a passphrase", RuleCharacters, ReasonControl},
		{"line\u2028separator in a passphrase", RuleCharacters, ReasonControl},
		{"zero\u200bwidth in a long passphrase", RuleCharacters, ReasonFormat},
		{"bidi \u202egnol ssap esarhp\u202c", RuleCharacters, ReasonFormat},
		{"isolate \u2066inside\u2069 a passphrase", RuleCharacters, ReasonFormat},
		{"soft\u00adhyphen in a passphrase", RuleCharacters, ReasonFormat},
		{"\ufeffbyte order mark passphrase", RuleCharacters, ReasonFormat},
		{"\u200dleading joiner passphrase", RuleCharacters, ReasonFormat},
		{"long passphrase with \xff byte", RuleCharacters, ReasonUTF8},
		{"truncated é \xc3", RuleCharacters, ReasonUTF8},
		// Length before and after NFKC, the smaller counting.
		{strings.Repeat("\ufdfa", 14), RuleLengthMin, RuleLengthMin},
		{strings.Repeat("ﬃ", 14), RuleLengthMin, RuleLengthMin},
		{"e\u0301" + "zq8vmt3kwx7hy", RuleLengthMin, RuleLengthMin}, // 15 code points typed, 14 after NFKC
	}
	for _, tt := range tests {
		r, ok := failedFor(p.Validate(tt.pw, tt.pw, ctx), tt.rule)
		if !ok {
			t.Errorf("%q: the %s rule passes", tt.pw, tt.rule)
			continue
		}
		if tt.reason != "" && r.Reason != tt.reason {
			t.Errorf("%q: reason %q, want %q (%s)", tt.pw, r.Reason, tt.reason, r.Message)
		}
		if !i18n.Has(i18n.EN, "password.rule."+r.Reason) && r.Reason != r.Rule {
			t.Errorf("%q: reason %q has no catalog text", tt.pw, r.Reason)
		}
		if s, _ := p.Strength(tt.pw, ctx); s != 0 {
			t.Errorf("%q: Strength = %d, want 0 for a refused password", tt.pw, s)
		}
	}
}

// strongPasswords are passphrases and random strings the rules must accept: the passwords
// the other packages' tests set, passphrases in several languages and scripts, emoji with
// joiners, Persian with its non-joiner.
var strongPasswords = []string{
	"correct horse battery staple",
	"Tournesol-vélo-Marseille-42",
	"violet tram sings at dawn",
	"velvet tractor umbrella 1987!",
	"a river of quiet lanterns",
	"a long and right passphrase",
	"plum orchard lantern 2041",
	"violet tractor umbrella 58 quietly",
	"violet lantern over a quiet harbour",
	"correct horse battery staple 42",
	"  correct horse battery staple  ",
	"correct-horse-staple-42 ünïcødé",
	"another fine passphrase",
	"another fine passphrase 2",
	"'; DROP TABLE users; -- quartz 1987",
	"%_%_ hollow lantern %_ 2031",
	"Le chat de ma voisine dort au soleil",
	"mon vélo rouge roule vite à Lyon",
	"كلمة مرور طويلة جدا للاختبار",
	"кот сидит на тёплой крыше",
	"東京の夜景はとても美しい夜です",
	"😀😀 saffron glacier piano 88",
	"famille 👩🏽‍💻 et 🏳️‍🌈 au soleil",
	"می‌خواهم یک رمز عبور طولانی",
	"h7#Kq!zR2m@Lp9Xw",
	"x7Qm2pLa9vKe3RtZ",
	"Tr0ub4dor&3-horse-staple",
	"Initech is not in here, nor gate house",
}

func TestStrongPasswordsAccepted(t *testing.T) {
	p := DefaultPasswordPolicy()
	ctx := PasswordContext{Login: "ACME-7K2Q9", Email: "jean.dupont@example.org", Name: "Jean Dupont", OrgNames: []string{"Globex"}}
	check := func(pw string) {
		t.Helper()
		if err := p.Validate(pw, pw, ctx); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
	for _, pw := range strongPasswords {
		check(pw)
		if s, label := p.Strength(pw, ctx); s < 2 {
			t.Errorf("Strength(%q) = %d %s, want fair or better", pw, s, label)
		}
	}
	// Random strings of 16 printable ASCII characters, of 16 letters and digits, of 20
	// lower-case letters (a fixed seed: the same strings every run).
	rng := rand.New(rand.NewChaCha8([32]byte{'g', 'a', 't', 'e'}))
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	random := func(n int, pick func() byte) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = pick()
		}
		return string(b)
	}
	for range 2000 {
		check(random(16, func() byte { return byte(33 + rng.IntN(94)) }))
		check(random(16, func() byte { return alnum[rng.IntN(len(alnum))] }))
		check(random(20, func() byte { return byte('a' + rng.IntN(26)) }))
	}
}

// TestStrengthAgreesWithTheRules is the property: over a corpus of candidates (the lists'
// most common entries disguised every usual way, keyboard walks, sequences, repeats, the
// strings above, random strings), every password the rules refuse has the lowest strength;
// and no accepted one is missed by being called strong while refused.
func TestStrengthAgreesWithTheRules(t *testing.T) {
	p := DefaultPasswordPolicy()
	ctx := PasswordContext{Login: "ACME-7K2Q9", Email: "jean.dupont@example.org", Name: "Jean Dupont", OrgNames: []string{"Acme Industries"}}
	var corpus []string
	for _, c := range blocklisted {
		corpus = append(corpus, c.pw)
	}
	corpus = append(corpus, strongPasswords...)
	leet := strings.NewReplacer("a", "@", "o", "0", "e", "3", "i", "1", "s", "$")
	n := 0
	for line := range strings.Lines(commonPasswordsText) {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		if n++; n > 1500 {
			break
		}
		title := strings.ToUpper(w[:1]) + w[1:]
		corpus = append(corpus, w, title+"123456789!", "!!"+leet.Replace(w)+"2024!!", w+w+w, title+"-"+title+"-2024",
			strings.ToUpper(w)+"1234567890", w+" "+w+" "+w)
	}
	for _, walk := range []string{"qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn", "qwertzuiop", "yxcvbnm", "1qaz2wsx3edc", "0987654321", "abcdefghijklmnopqrstuvwxyz"} {
		corpus = append(corpus, walk+walk, walk+"123!", strings.ToUpper(walk)+"!@#$")
	}
	rng := rand.New(rand.NewChaCha8([32]byte{'s', 't', 'r'}))
	for range 500 {
		b := make([]byte, 8+rng.IntN(16))
		for i := range b {
			b[i] = byte(32 + rng.IntN(95))
		}
		corpus = append(corpus, string(b))
	}
	refused := 0
	for _, pw := range corpus {
		err := p.Validate(pw, pw, ctx)
		s, label := p.Strength(pw, ctx)
		if err != nil {
			refused++
			if s != 0 {
				t.Errorf("%q is refused (%v) but its strength is %d %s", pw, err, s, label)
			}
		}
	}
	if refused < len(corpus)/2 {
		t.Errorf("only %d of %d candidates refused: the corpus no longer exercises the rules", refused, len(corpus))
	}
}

// TestNewRulesShowInTheLiveList: the form draws Check's results as you type, so every rule
// is in the list, pass or fail, with its requirement in both languages.
func TestNewRulesShowInTheLiveList(t *testing.T) {
	res := DefaultPasswordPolicy().Check("", PasswordContext{})
	want := map[string]bool{RuleCharacters: false, RuleCommon: false, RulePattern: false, RuleContext: false}
	for _, r := range res {
		if _, ok := want[r.Rule]; ok {
			want[r.Rule] = true
			if r.Message == "" || r.MessageFR == "" || r.Message == r.MessageFR {
				t.Errorf("rule %s: messages %q / %q", r.Rule, r.Message, r.MessageFR)
			}
		}
	}
	for rule, seen := range want {
		if !seen {
			t.Errorf("rule %s is not in the live list", rule)
		}
	}
	res = DefaultPasswordPolicy().Check("gatehouse", PasswordContext{})
	for _, r := range res {
		if r.Rule == RuleContext && (r.OK || !strings.Contains(r.Message, "the service's name") || !strings.Contains(r.MessageFR, "le nom du service")) {
			t.Errorf("context rule on the service's name: %+v", r)
		}
	}
}

func BenchmarkCheckAndStrength(b *testing.B) {
	p := DefaultPasswordPolicy()
	ctx := PasswordContext{Login: "ACME-7K2Q9", Email: "jean.dupont@example.org", Name: "Jean Dupont", OrgNames: []string{"Acme Industries"}}
	for _, pw := range []string{"correct horse battery staple", strings.Repeat("x7Qm2pLa9vKe3RtZ", 8), strings.Repeat("é", 1024)} {
		b.Run(strconv.Itoa(len([]rune(pw))), func(b *testing.B) {
			for b.Loop() {
				p.Check(pw, ctx)
				p.Strength(pw, ctx)
			}
		})
	}
}
