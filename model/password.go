package model

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Password rule identifiers (RuleResult.Rule). They are stable: the UI and tests key on them.
const (
	RuleLengthMin   = "length.min"
	RuleLengthMax   = "length.max"
	RuleCommon      = "common"
	RuleContext     = "context"
	RuleReuse       = "reuse"
	RuleComposition = "composition"
	RuleConfirm     = "confirm"
)

// PasswordPolicy holds the password rules of SPEC §3 (NIST SP 800-63B-4 §3.1.1.2).
// The zero value is not useful; start from DefaultPasswordPolicy.
type PasswordPolicy struct {
	MinLength1FA       int  // minimum code points when the password is the only factor (15)
	MinLength2FA       int  // minimum code points when the user has 2FA (8)
	MaxLength          int  // maximum code points (128); longer passwords are refused, never truncated
	HistoryDepth       int  // how many previous passwords may not be reused (5); 0 disables the rule
	RequireComposition bool // per-organization option: upper, lower, digit and symbol (off by default)
	MaxAgeDays         int  // per-organization option: password expiry in days; 0 = off (default)
}

// DefaultPasswordPolicy returns the installation defaults of SPEC §3.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{
		MinLength1FA: 15,
		MinLength2FA: 8,
		MaxLength:    128,
		HistoryDepth: 5,
	}
}

// PasswordContext is what is known about the account whose password is checked.
type PasswordContext struct {
	Login    string   // login code, e.g. "ACME-7K2Q9"
	Email    string   // e-mail address; only its local part is used
	Name     string   // the user's full name
	OrgNames []string // names of the user's organizations
	HasTOTP  bool     // the user has a second factor: the shorter minimum applies
	// PreviousMatch reports whether the NFKC-normalized candidate equals one of the user's
	// last HistoryDepth passwords (typically by verifying it against the stored hashes).
	// nil means no history is available and the reuse rule is not shown.
	PreviousMatch func(normalized string) bool
}

// RuleResult is the outcome of one password rule. Messages describe the requirement (they
// read well next to a pass or fail mark) and never contain the password.
type RuleResult struct {
	Rule      string // stable id: "length.min", "length.max", "common", "context", "reuse", "composition", "confirm"
	OK        bool
	Message   string // English, e.g. "at least 15 characters (12 so far)"
	MessageFR string // French
}

// PolicyError lists the rules a password failed. Its message never contains the password.
type PolicyError struct {
	Failed []RuleResult
}

// Error joins the failed rules' English messages.
func (e *PolicyError) Error() string {
	if e == nil || len(e.Failed) == 0 {
		return "password rejected"
	}
	msgs := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		msgs[i] = r.Message
	}
	return "password rejected: " + strings.Join(msgs, "; ")
}

// ErrorFR joins the failed rules' French messages.
func (e *PolicyError) ErrorFR() string {
	if e == nil || len(e.Failed) == 0 {
		return "mot de passe refusé"
	}
	msgs := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		msgs[i] = r.MessageFR
	}
	return "mot de passe refusé : " + strings.Join(msgs, " ; ")
}

// NormalizePassword returns the NFKC form of pw. It never trims nor truncates: spaces are
// significant in a password. Hash and compare the normalized form.
func NormalizePassword(pw string) string {
	return norm.NFKC.String(pw)
}

// MinLength returns the minimum length that applies to a user with or without 2FA.
func (p PasswordPolicy) MinLength(hasTOTP bool) int {
	if hasTOTP {
		return p.MinLength2FA
	}
	return p.MinLength1FA
}

// Check evaluates every applicable rule against pw and returns the results, pass or fail, in
// display order: length.min, length.max, common, context, reuse (only when ctx.PreviousMatch
// is set and HistoryDepth > 0), composition (only when RequireComposition). Lengths are
// counted in code points of the NFKC form.
func (p PasswordPolicy) Check(pw string, ctx PasswordContext) []RuleResult {
	n := NormalizePassword(pw)
	count := utf8.RuneCountInString(n)
	res := make([]RuleResult, 0, 6)

	minLen := p.MinLength(ctx.HasTOTP)
	res = append(res, RuleResult{
		Rule:      RuleLengthMin,
		OK:        count >= minLen,
		Message:   fmt.Sprintf("at least %d characters (%d so far)", minLen, count),
		MessageFR: fmt.Sprintf("au moins %d caractères (%d pour l’instant)", minLen, count),
	})

	if p.MaxLength > 0 {
		r := RuleResult{
			Rule:      RuleLengthMax,
			OK:        count <= p.MaxLength,
			Message:   fmt.Sprintf("at most %d characters", p.MaxLength),
			MessageFR: fmt.Sprintf("au plus %d caractères", p.MaxLength),
		}
		if !r.OK {
			r.Message += fmt.Sprintf(" (%d now)", count)
			r.MessageFR += fmt.Sprintf(" (%d actuellement)", count)
		}
		res = append(res, r)
	}

	res = append(res, RuleResult{
		Rule:      RuleCommon,
		OK:        !isCommonNormalized(n),
		Message:   "not a commonly used password",
		MessageFR: "pas un mot de passe courant",
	})

	res = append(res, checkContext(n, ctx))

	if ctx.PreviousMatch != nil && p.HistoryDepth > 0 {
		res = append(res, RuleResult{
			Rule:      RuleReuse,
			OK:        !ctx.PreviousMatch(n),
			Message:   fmt.Sprintf("not one of your last %d passwords", p.HistoryDepth),
			MessageFR: fmt.Sprintf("différent de vos %d derniers mots de passe", p.HistoryDepth),
		})
	}

	if p.RequireComposition {
		res = append(res, checkComposition(n))
	}
	return res
}

// Validate checks pw against every rule and that confirm equals it (after normalization).
// It returns nil or a *PolicyError listing the failed rules.
func (p PasswordPolicy) Validate(pw, confirm string, ctx PasswordContext) error {
	var failed []RuleResult
	for _, r := range p.Check(pw, ctx) {
		if !r.OK {
			failed = append(failed, r)
		}
	}
	if NormalizePassword(pw) != NormalizePassword(confirm) {
		failed = append(failed, RuleResult{
			Rule:      RuleConfirm,
			Message:   "the two passwords match",
			MessageFR: "les deux mots de passe sont identiques",
		})
	}
	if len(failed) > 0 {
		return &PolicyError{Failed: failed}
	}
	return nil
}

// Expired reports whether a password changed at changedDaysAgo days is past the policy's
// maximum age. It is always false when MaxAgeDays is 0 (the default).
func (p PasswordPolicy) Expired(changedDaysAgo int) bool {
	return p.MaxAgeDays > 0 && changedDaysAgo >= p.MaxAgeDays
}

// ---- context rule ----

// genericOrgWords are organization-name words too generic to forbid on their own.
var genericOrgWords = map[string]bool{
	"the": true, "and": true, "group": true, "groupe": true, "company": true, "compagnie": true,
	"services": true, "service": true, "university": true, "université": true, "universite": true,
	"hospital": true, "hôpital": true, "hopital": true, "school": true, "école": true, "ecole": true,
	"société": true, "societe": true, "association": true, "corporation": true, "corp": true,
	"centre": true, "center": true, "clinic": true, "clinique": true, "institut": true,
	"institute": true, "gmbh": true, "sarl": true, "limited": true, "holding": true,
}

type contextToken struct {
	word  string // case-folded, NFKC
	kind  string // English
	kindF string // French
}

// words splits s on anything that is not a letter, digit or mark.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
}

// contextTokens lists the case-folded strings a password may not contain:
//   - the login code (3+ characters) and each of its parts of 4+ characters;
//   - the e-mail's local part (before any "+tag", 3+ characters) and each part of 4+;
//   - the full name (3+ characters) and each name part of 4+ letters;
//   - each organization name (4+ characters, also without its spaces and punctuation) and
//     each of its words of 4+ letters, except generic ones ("group", "université"…).
func contextTokens(ctx PasswordContext, fold func(string) string) []contextToken {
	var toks []contextToken
	add := func(s string, minLen int, kind, kindF string) {
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) >= minLen {
			toks = append(toks, contextToken{s, kind, kindF})
		}
	}
	addParts := func(s string, kind, kindF string, skip map[string]bool) {
		for _, w := range words(s) {
			if !skip[w] {
				add(w, 4, kind, kindF)
			}
		}
	}
	if ctx.Login != "" {
		l := fold(ctx.Login)
		add(l, 3, "login code", "identifiant")
		addParts(l, "login code", "identifiant", nil)
	}
	if ctx.Email != "" {
		local := fold(ctx.Email)
		if i := strings.LastIndexByte(local, '@'); i >= 0 {
			local = local[:i]
		}
		if i := strings.IndexByte(local, '+'); i > 0 {
			local = local[:i]
		}
		local = strings.Trim(local, `"`)
		add(local, 3, "e-mail address", "adresse e-mail")
		addParts(local, "e-mail address", "adresse e-mail", nil)
	}
	if ctx.Name != "" {
		n := fold(ctx.Name)
		add(n, 3, "name", "nom")
		addParts(n, "name", "nom", nil)
	}
	for _, o := range ctx.OrgNames {
		o = fold(o)
		add(o, 4, "organization's name", "nom de l’organisation")
		if compact := strings.Join(words(o), ""); compact != o {
			add(compact, 4, "organization's name", "nom de l’organisation")
		}
		addParts(o, "organization's name", "nom de l’organisation", genericOrgWords)
	}
	return toks
}

func checkContext(normalized string, ctx PasswordContext) RuleResult {
	caser := cases.Fold()
	fold := func(s string) string { return caser.String(norm.NFKC.String(s)) }
	pw := fold(normalized)
	r := RuleResult{
		Rule:      RuleContext,
		OK:        true,
		Message:   "does not contain your login, e-mail, name or organization",
		MessageFR: "ne contient ni votre identifiant, ni votre e-mail, ni votre nom, ni votre organisation",
	}
	var kinds, kindsF []string
	seen := map[string]bool{}
	for _, t := range contextTokens(ctx, fold) {
		if strings.Contains(pw, t.word) && !seen[t.kind] {
			seen[t.kind] = true
			kinds = append(kinds, t.kind)
			kindsF = append(kindsF, t.kindF)
		}
	}
	if len(kinds) > 0 {
		r.OK = false
		r.Message += " (contains your " + strings.Join(kinds, ", ") + ")"
		r.MessageFR += " (contient : " + strings.Join(kindsF, ", ") + ")"
	}
	return r
}

func checkComposition(pw string) RuleResult {
	var upper, lower, digit, symbol bool
	for _, c := range pw {
		switch {
		case unicode.IsUpper(c):
			upper = true
		case unicode.IsLower(c):
			lower = true
		case unicode.IsDigit(c):
			digit = true
		case unicode.IsLetter(c):
			// letters without case (CJK…) count as neither upper nor lower
		default:
			symbol = true
		}
	}
	r := RuleResult{
		Rule:      RuleComposition,
		OK:        upper && lower && digit && symbol,
		Message:   "an upper-case and a lower-case letter, a digit and a symbol",
		MessageFR: "une majuscule, une minuscule, un chiffre et un symbole",
	}
	if !r.OK {
		var miss, missF []string
		for _, m := range []struct {
			ok    bool
			en, f string
		}{
			{upper, "upper-case letter", "majuscule"},
			{lower, "lower-case letter", "minuscule"},
			{digit, "digit", "chiffre"},
			{symbol, "symbol", "symbole"},
		} {
			if !m.ok {
				miss, missF = append(miss, m.en), append(missF, m.f)
			}
		}
		r.Message += " (missing: " + strings.Join(miss, ", ") + ")"
		r.MessageFR += " (manque : " + strings.Join(missF, ", ") + ")"
	}
	return r
}

// ---- common passwords ----

//go:embed commonpasswords.txt
var commonPasswordsText string

var (
	commonOnce sync.Once
	commonRank map[string]int // lowercased password -> rank (1 = most common)
)

func commonPasswords() map[string]int {
	commonOnce.Do(func() {
		m := make(map[string]int, 30000)
		sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
		rank := 0
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			rank++
			if _, dup := m[line]; !dup {
				m[line] = rank
			}
		}
		commonRank = m
	})
	return commonRank
}

// CommonPasswordCount returns the number of entries of the shipped common-password list.
func CommonPasswordCount() int { return len(commonPasswords()) }

func isCommonNormalized(normalized string) bool {
	_, ok := commonPasswords()[strings.ToLower(normalized)]
	return ok
}

// IsCommonPassword reports whether pw (NFKC-normalized, compared in lower case) is in the
// shipped list of the most common passwords.
func IsCommonPassword(pw string) bool {
	return isCommonNormalized(NormalizePassword(pw))
}

// ---- strength estimate ----

// Strength labels, by score.
var (
	strengthLabels   = [5]string{"very weak", "weak", "fair", "strong", "very strong"}
	strengthLabelsFR = [5]string{"très faible", "faible", "moyen", "fort", "très fort"}
)

// capRunes returns at most the first n runes of s.
func capRunes(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// StrengthLabelFR returns the French label of a Strength score.
func StrengthLabelFR(score int) string {
	return strengthLabelsFR[max(0, min(4, score))]
}

// Strength returns a rough strength estimate of pw, a score from 0 (very weak) to 4 (very
// strong) with its English label. It is an entropy estimate, not a guarantee: common
// passwords score 0; embedded common passwords (4+ characters) cost only the log2 of their
// rank; repeated characters and runs (abc, 987) cost 1 bit each; other characters cost
// log2 of the size of the character classes used. Thresholds: <28 bits 0, <40 1, <60 2,
// <80 3, else 4.
func Strength(pw string) (score int, label string) {
	bits := strengthBits(NormalizePassword(pw))
	switch {
	case bits < 28:
		score = 0
	case bits < 40:
		score = 1
	case bits < 60:
		score = 2
	case bits < 80:
		score = 3
	default:
		score = 4
	}
	return score, strengthLabels[score]
}

func strengthBits(pw string) float64 {
	if pw == "" {
		return 0
	}
	common := commonPasswords()
	if isCommonNormalized(pw) {
		return 0
	}
	// Beyond 256 characters the score is "very strong" anyway: bound the work on a huge paste.
	const maxRunes = 256
	low := []rune(strings.ToLower(capRunes(pw, maxRunes)))
	// Size of the character pool.
	var lower, upper, digit, symbol, other bool
	for _, c := range pw {
		switch {
		case c < 0x80 && unicode.IsLower(c):
			lower = true
		case c < 0x80 && unicode.IsUpper(c):
			upper = true
		case c < 0x80 && unicode.IsDigit(c):
			digit = true
		case c < 0x80:
			symbol = true
		default:
			other = true
		}
	}
	pool := 0
	for _, c := range []struct {
		used bool
		n    int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.used {
			pool += c.n
		}
	}
	perChar := math.Log2(float64(pool))

	const maxWord = 20 // longest entry of the list
	bits := 0.0
	for i := 0; i < len(low); {
		// Longest common password (4+ runes) starting at i.
		best, bestRank := 0, 0
		for j := min(len(low), i+maxWord); j >= i+4; j-- {
			if r, ok := common[string(low[i:j])]; ok {
				best, bestRank = j-i, r
				break
			}
		}
		if best > 0 {
			bits += math.Log2(float64(bestRank)) + 1
			i += best
			continue
		}
		if i > 0 {
			d := low[i] - low[i-1]
			if d >= -1 && d <= 1 { // repeat or ascending/descending run
				bits++
				i++
				continue
			}
		}
		bits += perChar
		i++
	}
	return bits
}
