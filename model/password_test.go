package model

import (
	"errors"
	"strings"
	"testing"
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
		{"ligature expands (14 runes -> 15)", "ﬁ" + "zq8vmt3kwx7hyr"[:13], ctx, RuleLengthMin, true},
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
	if got := ids(p.Check("x", PasswordContext{})); got != "length.min,length.max,common,context" {
		t.Errorf("default rules = %s", got)
	}
	p.RequireComposition = true
	ctx := PasswordContext{PreviousMatch: func(string) bool { return false }}
	if got := ids(p.Check("x", ctx)); got != "length.min,length.max,common,context,reuse,composition" {
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
		{"password123password", 0, 1},
		{"Tr0ub4dor&3", 2, 3},
		{"violet tram sings at dawn", 3, 4},
		{"h7#Kq!zR2m@Lp9Xw", 4, 4},
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
	if s, _ := Strength(huge); s != 4 {
		t.Errorf("Strength(huge) = %d", s)
	}
	if IsCommonPassword(huge) {
		t.Error("huge password is common")
	}
}
