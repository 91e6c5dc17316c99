package model

import (
	_ "embed"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"gatehouse/model/i18n"
)

// Password rule identifiers (RuleResult.Rule). They are stable: the UI and tests key on them.
const (
	RuleLengthMin   = "length.min"
	RuleLengthMax   = "length.max"
	RuleCharacters  = "characters"
	RuleCommon      = "common"
	RulePattern     = "pattern"
	RuleContext     = "context"
	RuleReuse       = "reuse"
	RuleComposition = "composition"
	RuleConfirm     = "confirm"
)

// Refusal reasons (RuleResult.Reason): the precise cause of a failed rule. The length,
// reuse, composition and confirm rules have one cause each, their rule id.
const (
	ReasonUTF8         = "characters.utf8"      // not valid UTF-8
	ReasonControl      = "characters.control"   // a control character (Cc), a line or paragraph separator
	ReasonFormat       = "characters.format"    // an invisible format character (Cf): zero-width, bidi, soft hyphen…
	ReasonBlank        = "characters.blank"     // nothing but spaces
	ReasonCommonList   = "common.list"          // one of the shipped common passwords
	ReasonCommonWord   = "common.word"          // a common password or word, padded, capitalised or in leetspeak
	ReasonCommonRepeat = "common.repeated"      // one common word repeated
	ReasonRepeat       = "pattern.repeat"       // mostly repeated characters or blocks
	ReasonSequence     = "pattern.sequence"     // mostly a sequence
	ReasonKeyboard     = "pattern.keyboard"     // mostly a keyboard walk
	ReasonLogin        = "context.login"        // contains the login code
	ReasonEmail        = "context.email"        // contains the e-mail's local part
	ReasonName         = "context.name"         // contains the user's name
	ReasonOrganization = "context.organization" // contains an organization's name
	ReasonService      = "context.service"      // contains the service's name
)

// PasswordPolicy holds the password rules (NIST SP 800-63B-4 §3.1.1.2).
// The zero value is not useful; start from DefaultPasswordPolicy.
type PasswordPolicy struct {
	MinLength1FA       int  // minimum code points when the password is the only factor (15)
	MinLength2FA       int  // minimum code points when the user has 2FA (8)
	MaxLength          int  // maximum code points (128); longer passwords are refused, never truncated
	HistoryDepth       int  // how many previous passwords may not be reused (5); 0 disables the rule
	RequireComposition bool // per-organization option: upper, lower, digit and symbol (off by default)
	MaxAgeDays         int  // per-organization option: password expiry in days; 0 = off (default)
	// ServiceNames are the names of the service itself, which no password may contain
	// (in any case, accents or leetspeak): "gatehouse", "portal", "portail".
	ServiceNames []string
}

// DefaultPasswordPolicy returns the installation defaults.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{
		MinLength1FA: 15,
		MinLength2FA: 8,
		MaxLength:    128,
		HistoryDepth: 5,
		ServiceNames: []string{"gatehouse", "portal", "portail"},
	}
}

// PasswordContext is what is known about the account whose password is checked.
type PasswordContext struct {
	Login    string   // login code, e.g. "ACME-7K2Q9"
	Email    string   // e-mail address; only its local part is used
	Name     string   // the user's full name
	OrgNames []string // names of the user's organizations
	HasTOTP  bool     // the user has a second factor: the shorter minimum applies
	// ForOperator marks rules read by an operator choosing someone else's password: they
	// speak of the user ("the user's name"), not to the reader ("your name").
	ForOperator bool
	// PreviousMatch reports whether the NFKC-normalized candidate equals one of the user's
	// last HistoryDepth passwords (typically by verifying it against the stored hashes).
	// nil means no history is available and the reuse rule is not shown.
	PreviousMatch func(normalized string) bool
}

// RuleResult is the outcome of one password rule. Messages describe the requirement (they
// read well next to a pass or fail mark), say what failed when the rule fails, and never
// contain the password.
type RuleResult struct {
	Rule      string // stable id: "length.min", "length.max", "characters", "common", "pattern", "context", "reuse", "composition", "confirm"
	OK        bool
	Reason    string // when the rule fails, its precise cause: the rule id or one of the Reason constants
	Message   string // English, e.g. "at least 15 characters (12 so far)"
	MessageFR string // French
}

// PolicyError lists the rules a password failed. Its message never contains the password.
type PolicyError struct {
	Failed []RuleResult
}

// Error joins the failed rules' English messages.
func (e *PolicyError) Error() string {
	return e.join(i18n.EN, "; ")
}

// ErrorFR joins the failed rules' French messages.
func (e *PolicyError) ErrorFR() string {
	return e.join(i18n.FR, "\u00a0; ")
}

func (e *PolicyError) join(lang i18n.Lang, sep string) string {
	head := i18n.T(lang, "password.refused")
	if e == nil || len(e.Failed) == 0 {
		return head
	}
	msgs := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		msgs[i] = r.Message
		if lang == i18n.FR {
			msgs[i] = r.MessageFR
		}
	}
	colon := ": "
	if lang == i18n.FR {
		colon = "\u00a0: "
	}
	return head + colon + strings.Join(msgs, sep)
}

// result builds a rule's result from catalog keys: the requirement (key, with args) and,
// when it fails, the detail (detailKey, with detailArgs) in parentheses.
func result(rule string, ok bool, reason string, key string, args []any, detailKey string, detailArgs ...any) RuleResult {
	r := RuleResult{Rule: rule, OK: ok,
		Message:   i18n.T(i18n.EN, key, args...),
		MessageFR: i18n.T(i18n.FR, key, args...),
	}
	if !ok {
		r.Reason = reason
		if r.Reason == "" {
			r.Reason = rule
		}
		if detailKey != "" {
			r.Message += " (" + i18n.T(i18n.EN, detailKey, detailArgs...) + ")"
			r.MessageFR += " (" + i18n.T(i18n.FR, detailKey, detailArgs...) + ")"
		}
	}
	return r
}

// NormalizePassword returns the NFKC form of pw. It never trims nor truncates: spaces are
// significant in a password. Hash and compare the normalized form.
func NormalizePassword(pw string) string {
	return norm.NFKC.String(pw)
}

// PasswordLength is the length the rules count: code points, before and after NFKC, the
// smaller counting (a ligature or "ﷺ", one code point that NFKC spells in 18, counts as
// typed; 15 full-width letters count 15 either way).
func PasswordLength(pw string) int {
	return min(utf8.RuneCountInString(pw), utf8.RuneCountInString(NormalizePassword(pw)))
}

// MinLength returns the minimum length that applies to a user with or without 2FA.
func (p PasswordPolicy) MinLength(hasTOTP bool) int {
	if hasTOTP {
		return p.MinLength2FA
	}
	return p.MinLength1FA
}

// Check evaluates every applicable rule against pw and returns the results, pass or fail, in
// display order: length.min, length.max, characters, common, pattern, context, reuse (only
// when ctx.PreviousMatch is set and HistoryDepth > 0), composition (only when
// RequireComposition). Lengths are counted by PasswordLength.
func (p PasswordPolicy) Check(pw string, ctx PasswordContext) []RuleResult {
	n := NormalizePassword(pw)
	count := PasswordLength(pw)
	res := make([]RuleResult, 0, 8)

	minLen := p.MinLength(ctx.HasTOTP)
	res = append(res, result(RuleLengthMin, count >= minLen, "", "password.rule.length.min", []any{minLen, count}, ""))

	if p.MaxLength > 0 {
		ok := count <= p.MaxLength
		key := "password.rule.length.max"
		args := []any{p.MaxLength}
		if !ok {
			key, args = "password.rule.length.max.now", []any{p.MaxLength, count}
		}
		res = append(res, result(RuleLengthMax, ok, "", key, args, ""))
	}

	reason := characterReason(pw)
	res = append(res, result(RuleCharacters, reason == "", reason, "password.rule.characters", nil, reasonKey(reason)))

	// The other rules look at a bounded prefix: beyond it the maximum length refuses anyway.
	low := []rune(strings.ToLower(capRunes(n, patternMaxRunes)))

	reason = commonReason(low)
	res = append(res, result(RuleCommon, reason == "", reason, "password.rule.common", nil, reasonKey(reason)))

	reason = patternReason(low)
	res = append(res, result(RulePattern, reason == "", reason, "password.rule.pattern", nil, reasonKey(reason)))

	res = append(res, p.checkContext(n, ctx))

	if ctx.PreviousMatch != nil && p.HistoryDepth > 0 {
		res = append(res, result(RuleReuse, !ctx.PreviousMatch(n), "", ctx.voiced("password.rule.reuse"), []any{p.HistoryDepth}, ""))
	}

	if p.RequireComposition {
		res = append(res, checkComposition(n))
	}
	return res
}

// voiced is the catalog key of a rule's text for the reader: its ".user" form (about the
// user) when an operator reads it and the catalog has one, else the text to the owner.
func (ctx PasswordContext) voiced(key string) string {
	if ctx.ForOperator && i18n.Has(i18n.EN, key+".user") {
		return key + ".user"
	}
	return key
}

// reasonKey is the catalog key of a reason's detail ("" for none).
func reasonKey(reason string) string {
	if reason == "" {
		return ""
	}
	return "password.rule." + reason
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
		failed = append(failed, result(RuleConfirm, false, "", "password.rule.confirm", nil, ""))
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

// ---- characters rule ----

// characterReason returns why pw holds characters a password may not hold, or "":
//   - bytes that are not UTF-8;
//   - control characters (Cc: NUL, tab, newline, escape, C1…) and the line and paragraph
//     separators U+2028, U+2029;
//   - format characters (Cf), which are invisible or change the direction of the text: the
//     zero-width space U+200B, the bidi marks and overrides (U+200E, U+202A…U+202E,
//     U+2066…U+2069), the soft hyphen, U+FEFF… The zero-width joiner and non-joiner
//     (U+200C, U+200D), which emoji sequences and some scripts need, are accepted between
//     two visible characters;
//   - nothing but spaces.
func characterReason(pw string) string {
	if !utf8.ValidString(pw) {
		return ReasonUTF8
	}
	rs := []rune(pw)
	visible := func(i int) bool {
		if i < 0 || i >= len(rs) {
			return false
		}
		r := rs[i]
		return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Z)
	}
	format, blank := false, len(rs) > 0
	for i, r := range rs {
		switch {
		case unicode.Is(unicode.Cc, r), unicode.In(r, unicode.Zl, unicode.Zp):
			return ReasonControl
		case r == '\u200c' || r == '\u200d':
			if !visible(i-1) || !visible(i+1) {
				format = true
			}
			blank = false
		case unicode.Is(unicode.Cf, r):
			format = true
		case !unicode.IsSpace(r) && !unicode.Is(unicode.Zs, r):
			blank = false
		}
	}
	switch {
	case format:
		return ReasonFormat
	case blank:
		return ReasonBlank
	}
	return ""
}

// ---- common rule ----

// commonCoreMin is the shortest core that the padded-word check looks up: shorter words
// padded with digits or symbols leave most of the password to the padding.
const commonCoreMin = 4

// commonReason returns why low (the lower-case NFKC password) is a common password, or "":
//   - it is one of the shipped common passwords (ReasonCommonList);
//   - its core — what remains when the digits, symbols and spaces before the first letter
//     and after the last one are taken away, with or without the separators inside it — is,
//     once capitals, accents and look-alike characters are undone (P@ssw0rd → password), a
//     common password or word of 4 characters or more (at least half of them letters), or
//     one repeated (ReasonCommonWord):
//     "Password123456!", "Welcome123456789", "!!P4ssw0rd2024", "passwordpassword";
//   - its words (runs of letters) are all one common word (ReasonCommonRepeat):
//     "Summer2024Summer", "monkey monkey monkey".
func commonReason(low []rune) string {
	if len(low) == 0 {
		return ""
	}
	if _, ok := commonPasswords()[string(low)]; ok {
		return ReasonCommonList
	}
	first, last := -1, -1
	for i, r := range low {
		if unicode.IsLetter(r) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return "" // no letter: only the whole-list check applies (and the pattern rule)
	}
	words := commonWords()
	isCommon := func(core []rune) bool {
		letters := 0
		for _, r := range core {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		// At least half letters: look-alike characters disguise a word, they do not make one.
		if len(core) < commonCoreMin || 2*letters < len(core) {
			return false
		}
		sk := skeleton(string(core))
		if _, ok := words[sk]; ok {
			return true
		}
		if u := repeatedUnit([]rune(sk)); len(u) >= commonCoreMin-1 {
			_, ok := words[string(u)]
			return ok
		}
		return false
	}
	// The core may begin or end with look-alike characters (@dmin, passw0rd!): try the
	// borders that take up to three of them.
	var starts, ends []int
	for i := first; i >= 0 && first-i <= 3 && (i == first || isLeet(low[i])); i-- {
		starts = append(starts, i)
	}
	for j := last + 1; j <= len(low) && j-last-1 <= 3 && (j == last+1 || isLeet(low[j-1])); j++ {
		ends = append(ends, j)
	}
	for _, i := range starts {
		for _, j := range ends {
			core := low[i:j]
			if isCommon(core) {
				return ReasonCommonWord
			}
			// The same core without its separators: "pass-word", "sun flower".
			joined := make([]rune, 0, len(core))
			for _, r := range core {
				if !unicode.IsSpace(r) && !strings.ContainsRune("-_.·'’", r) {
					joined = append(joined, r)
				}
			}
			if len(joined) < len(core) && isCommon(joined) {
				return ReasonCommonWord
			}
		}
	}
	// One common word, repeated with digits or symbols between.
	tokens := strings.FieldsFunc(string(low), func(r rune) bool { return !unicode.IsLetter(r) })
	if len(tokens) >= 2 {
		same := true
		for _, t := range tokens[1:] {
			same = same && t == tokens[0]
		}
		if _, common := words[skeleton(tokens[0])]; same && common && utf8.RuneCountInString(tokens[0]) >= commonCoreMin-1 {
			return ReasonCommonRepeat
		}
	}
	return ""
}

// ---- pattern rule ----

// patternReason returns why low (the lower-case NFKC password) is mostly a pattern, or "":
// when the repeats, sequences and keyboard walks that patternCoverage finds cover two thirds
// of its characters or more, the kind that covers the most names the reason (on a tie: repeat,
// then sequence, then keyboard).
func patternReason(low []rune) string {
	if len(low) == 0 {
		return ""
	}
	covered, byKind := patternCoverage(low)
	c := 0
	for _, v := range covered {
		if v {
			c++
		}
	}
	if 3*c < 2*len(low) {
		return ""
	}
	best := patternRepeat
	for k := range patternKinds {
		if byKind[k] > byKind[best] {
			best = k
		}
	}
	return [patternKinds]string{ReasonRepeat, ReasonSequence, ReasonKeyboard}[best]
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
	word   string // case-folded, NFKC
	reason string // ReasonLogin, ReasonEmail…
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
//     each of its words of 4+ letters, except generic ones ("group", "université"…);
//   - each of the service's names.
func (p PasswordPolicy) contextTokens(ctx PasswordContext, fold func(string) string) []contextToken {
	var toks []contextToken
	add := func(s string, minLen int, reason string) {
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) >= minLen {
			toks = append(toks, contextToken{s, reason})
		}
	}
	addParts := func(s string, reason string, skip map[string]bool) {
		for _, w := range words(s) {
			if !skip[w] {
				add(w, 4, reason)
			}
		}
	}
	if ctx.Login != "" {
		l := fold(ctx.Login)
		add(l, 3, ReasonLogin)
		addParts(l, ReasonLogin, nil)
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
		add(local, 3, ReasonEmail)
		addParts(local, ReasonEmail, nil)
	}
	if ctx.Name != "" {
		n := fold(ctx.Name)
		add(n, 3, ReasonName)
		addParts(n, ReasonName, nil)
	}
	for _, o := range ctx.OrgNames {
		o = fold(o)
		add(o, 4, ReasonOrganization)
		if compact := strings.Join(words(o), ""); compact != o {
			add(compact, 4, ReasonOrganization)
		}
		addParts(o, ReasonOrganization, genericOrgWords)
	}
	for _, s := range p.ServiceNames {
		add(fold(s), 3, ReasonService)
	}
	return toks
}

// checkContext refuses a password that contains one of the context tokens, compared
// case-folded and, for tokens of 4 characters or more, also by skeleton (accents and
// look-alike characters undone: "G@t3h0use", "@cme industries").
func (p PasswordPolicy) checkContext(normalized string, ctx PasswordContext) RuleResult {
	caser := cases.Fold()
	fold := func(s string) string { return caser.String(norm.NFKC.String(s)) }
	pw := fold(normalized)
	var skel string
	var reasons []string
	seen := map[string]bool{}
	for _, t := range p.contextTokens(ctx, fold) {
		if seen[t.reason] {
			continue
		}
		hit := strings.Contains(pw, t.word)
		if !hit && utf8.RuneCountInString(t.word) >= 4 {
			if skel == "" {
				skel = skeleton(pw)
			}
			hit = strings.Contains(skel, skeleton(t.word))
		}
		if hit {
			seen[t.reason] = true
			reasons = append(reasons, t.reason)
		}
	}
	r := result(RuleContext, len(reasons) == 0, "", ctx.voiced("password.rule.context"), nil, "")
	if len(reasons) > 0 {
		// In the order of the requirement's text, whatever the order of the tokens; the
		// first names the reason.
		order := []string{ReasonLogin, ReasonEmail, ReasonName, ReasonOrganization, ReasonService}
		var en, fr []string
		for _, o := range order {
			if seen[o] {
				if len(en) == 0 {
					r.Reason = o
				}
				en = append(en, i18n.T(i18n.EN, ctx.voiced(reasonKey(o))))
				fr = append(fr, i18n.T(i18n.FR, ctx.voiced(reasonKey(o))))
			}
		}
		r.Message += " (" + i18n.T(i18n.EN, "password.rule.context.contains", strings.Join(en, ", ")) + ")"
		r.MessageFR += " (" + i18n.T(i18n.FR, "password.rule.context.contains", strings.Join(fr, ", ")) + ")"
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
	ok := upper && lower && digit && symbol
	r := result(RuleComposition, ok, "", "password.rule.composition", nil, "")
	if !ok {
		var miss, missF []string
		for _, m := range []struct {
			ok  bool
			key string
		}{
			{upper, "password.rule.composition.upper"},
			{lower, "password.rule.composition.lower"},
			{digit, "password.rule.composition.digit"},
			{symbol, "password.rule.composition.symbol"},
		} {
			if !m.ok {
				miss, missF = append(miss, i18n.T(i18n.EN, m.key)), append(missF, i18n.T(i18n.FR, m.key))
			}
		}
		r.Message += " (" + i18n.T(i18n.EN, "password.rule.composition.missing", strings.Join(miss, ", ")) + ")"
		r.MessageFR += " (" + i18n.T(i18n.FR, "password.rule.composition.missing", strings.Join(missF, ", ")) + ")"
	}
	return r
}

// ---- common passwords and words ----

// The shipped lists: the most common passwords (whole-entry check, and words for the
// padded-word check and the estimate), and common words and names (padded-word check and
// estimate only).
var (
	//go:embed commonpasswords.txt
	commonPasswordsText string
	//go:embed commonwords.txt
	commonWordsText string
)

var (
	commonOnce sync.Once
	commonRank map[string]int // lowercased password -> rank (1 = most common)
	wordRank   map[string]int // skeleton of a common password or word -> best rank in its list
)

func loadCommon() {
	commonOnce.Do(func() {
		m := make(map[string]int, 30000)
		words := make(map[string]int, 70000)
		addWord := func(w string, rank int) {
			if utf8.RuneCountInString(w) < commonCoreMin-1 {
				return
			}
			sk := skeleton(w)
			if r, ok := words[sk]; !ok || rank < r {
				words[sk] = rank
			}
		}
		rank := 0
		for line := range strings.Lines(commonPasswordsText) {
			line = strings.TrimRight(line, "\r\n")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			rank++
			if _, dup := m[line]; !dup {
				m[line] = rank
			}
			addWord(line, rank)
		}
		rank = 0
		for line := range strings.Lines(commonWordsText) {
			line = strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(line, "## "):
				rank = 0 // a new list: ranks start again
				continue
			case line == "" || strings.HasPrefix(line, "#"):
				continue
			}
			rank++
			addWord(line, rank)
		}
		commonRank, wordRank = m, words
	})
}

func commonPasswords() map[string]int {
	loadCommon()
	return commonRank
}

// commonWords returns the skeletons (see skeleton) of the common passwords (3 characters or
// more) and of the common words and names, with their rank in their list.
func commonWords() map[string]int {
	loadCommon()
	return wordRank
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

// capRunes returns at most the first n runes of s.
func capRunes(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// StrengthLabel returns the label of a Strength score in lang.
func StrengthLabel(lang i18n.Lang, score int) string {
	return i18n.T(lang, "password.strength."+string(rune('0'+max(0, min(4, score)))))
}

// StrengthLabelFR returns the French label of a Strength score.
func StrengthLabelFR(score int) string { return StrengthLabel(i18n.FR, score) }

// Strength estimates how hard pw is to guess for a user with this context: a score from 0
// (very weak) to 4 (very strong) and its English label. A password that fails any rule of
// the policy (the reuse rule aside, which needs the stored hashes) scores 0, so the
// estimate never calls a refused password strong.
func (p PasswordPolicy) Strength(pw string, ctx PasswordContext) (score int, label string) {
	ctx.PreviousMatch = nil
	for _, r := range p.Check(pw, ctx) {
		if !r.OK {
			return 0, StrengthLabel(i18n.EN, 0)
		}
	}
	score = estimateScore(NormalizePassword(pw))
	return score, StrengthLabel(i18n.EN, score)
}

// Strength is DefaultPasswordPolicy().Strength for a user without 2FA and without context.
func Strength(pw string) (score int, label string) {
	return DefaultPasswordPolicy().Strength(pw, PasswordContext{})
}

// estimateScore is the estimate of a password that passes every rule, from estimateBits:
// below 30 bits 0, below 40 1, below 50 2, below 64 3, else 4.
func estimateScore(pw string) int {
	bits := estimateBits(pw)
	switch {
	case bits < 30:
		return 0
	case bits < 40:
		return 1
	case bits < 50:
		return 2
	case bits < 64:
		return 3
	}
	return 4
}

// estimateMaxRunes bounds the estimate's work (the search is quadratic in the length):
// whatever follows only makes the password stronger, and 128 characters are the maximum.
const estimateMaxRunes = 128

// estimateBits estimates, in bits (log2 of the guesses), what a guesser who knows the
// shipped lists and the usual patterns needs to find pw. The password is cut into the
// cheapest sequence of pieces (dynamic programming over its characters), each piece being:
//   - a common password, word or name of 3 characters or more, compared by skeleton:
//     log2 of its rank in its list, plus 1 bit, plus 1 if it has capitals, plus 1 if it
//     has look-alike characters;
//   - a block equal to the one right before it: 1 bit plus log2 of its length;
//   - a year from 1900 to 2099: 8 bits; a run of digits: 1 bit plus log2(10) a digit;
//   - one character that repeats the one before, or steps from it by one (abc, 987), or
//     is a neighbouring key on one of the keyboards (qwerty, azerty, qwertz): 1 bit for
//     a repeat or a step, 2 for a neighbouring key;
//   - any other character: log2 of the size of the character classes the password uses
//     (26 lower-case, 26 upper-case, 10 digits, 33 ASCII symbols, 100 for the rest).
func estimateBits(pw string) float64 {
	rs := []rune(capRunes(pw, estimateMaxRunes))
	n := len(rs)
	if n == 0 {
		return 0
	}
	low := make([]rune, n)
	skel := make([]rune, n)
	var lower, upper, digit, symbol, other bool
	for i, r := range rs {
		switch {
		case r < 0x80 && unicode.IsLower(r):
			lower = true
		case r < 0x80 && unicode.IsUpper(r):
			upper = true
		case r < 0x80 && unicode.IsDigit(r):
			digit = true
		case r < 0x80:
			symbol = true
		default:
			other = true
		}
		low[i] = unicode.ToLower(r)
		skel[i] = skeletonRune(low[i])
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
	words := commonWords()

	const maxWord = 24 // longer entries are too rare to matter
	cost := make([]float64, n+1)
	for i := 1; i <= n; i++ {
		cost[i] = math.Inf(1)
	}
	relax := func(j int, c float64) {
		if c < cost[j] {
			cost[j] = c
		}
	}
	for i := 0; i < n; i++ {
		// One character.
		c := perChar
		if i > 0 {
			a, b := low[i-1], low[i]
			switch {
			case a == b, b == a+1, b == a-1, a == '9' && b == '0', a == '0' && b == '9':
				c = 1
			case neighbourKeys(a, b):
				c = 2
			}
		}
		relax(i+1, cost[i]+min(c, perChar))
		// A common word.
		for j := i + commonCoreMin - 1; j <= min(n, i+maxWord); j++ {
			rank, ok := words[string(skel[i:j])]
			if !ok {
				continue
			}
			bits := math.Log2(float64(rank)) + 1
			var caps, leet bool
			for k := i; k < j; k++ {
				caps = caps || rs[k] != low[k]
				leet = leet || (skel[k] != low[k] && low[k] != 'l')
			}
			if caps {
				bits++
			}
			if leet {
				bits++
			}
			relax(j, cost[i]+bits)
		}
		// Digits: a run of them, or a year.
		for j := i; j < n && j-i < 16 && low[j] >= '0' && low[j] <= '9'; j++ {
			k := j - i + 1
			bits := 1 + float64(k)*math.Log2(10)
			if k == 4 && (low[i] == '1' && low[i+1] == '9' || low[i] == '2' && low[i+1] == '0') {
				bits = 8
			}
			relax(j+1, cost[i]+bits)
		}
		// A block repeating the one before it.
		for l := 2; l <= i && i+l <= n; l++ {
			if string(low[i-l:i]) == string(low[i:i+l]) {
				relax(i+l, cost[i]+1+math.Log2(float64(l)))
			}
		}
	}
	return cost[n]
}

// neighbourKeys reports whether a and b are neighbouring keys on one of the keyboards.
func neighbourKeys(a, b rune) bool {
	for _, keys := range keyboardMaps {
		p, ok1 := keys[a]
		q, ok2 := keys[b]
		if ok1 && ok2 && adjacentKeys(p, q) {
			return true
		}
	}
	return false
}
