package model

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Alphabets without look-alike characters (no 0 O o 1 l I i).
const (
	tempUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ" // no I, O
	tempLower   = "abcdefghjkmnpqrstuvwxyz"  // no i, l, o
	tempDigits  = "23456789"                 // no 0, 1
	tempSymbols = "#%*+=?@!"
	tempAlpha   = tempUpper + tempLower + tempDigits + tempSymbols

	// loginAlpha is the alphabet of the random part of login codes: upper case and digits
	// without 0 O 1 I L.
	loginAlpha = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

	// TemporaryPasswordLength is the length of NewTemporaryPassword's result.
	TemporaryPasswordLength = 16
	// DefaultLoginPrefix is the login-code prefix used when none is given.
	DefaultLoginPrefix = "GH"
)

// randString returns n characters drawn uniformly from alphabet (at most 256 characters)
// with crypto/rand, using rejection sampling so that no character is favoured.
func randString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet) // bytes >= limit would bias the modulo
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		rand.Read(buf) // never fails (crypto/rand crashes the program instead)
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}

// NewTemporaryPassword returns a 16-character password drawn uniformly (crypto/rand) from
// upper- and lower-case letters, digits and a few symbols, without look-alike characters.
// It always holds at least one character of each class (draws lacking one are redrawn,
// which keeps the result uniform among such passwords).
func NewTemporaryPassword() string {
	for {
		pw := randString(tempAlpha, TemporaryPasswordLength)
		if strings.ContainsAny(pw, tempUpper) && strings.ContainsAny(pw, tempLower) &&
			strings.ContainsAny(pw, tempDigits) && strings.ContainsAny(pw, tempSymbols) {
			return pw
		}
	}
}

// NewToken returns a new single-use token (invitation, reset link): 32 random bytes in
// unpadded URL-safe base64, and its SHA-256 hash, the only form to store.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	for {
		rand.Read(b)
		token = base64.RawURLEncoding.EncodeToString(b)
		// A token is pasted on command lines (gatehouse reset TOKEN): one starting with '-'
		// would be read as a flag. Drawing again costs 1/64 of one character's entropy.
		if token[0] != '-' {
			return token, HashToken(token)
		}
	}
}

// HashToken returns the SHA-256 of the token, for lookups. Surrounding spaces (a copy and
// paste artefact) are ignored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return h[:]
}

// NewLoginCode returns a new login code such as "ACME-7K2Q9": the prefix reduced to its
// ASCII letters and digits (accents removed), upper-cased, at most 6 characters, or
// DefaultLoginPrefix when nothing remains; then '-' and 5 random characters from an
// alphabet without look-alikes.
func NewLoginCode(prefix string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(prefix) {
		r = unicode.ToUpper(r)
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			if b.Len() == 6 {
				break
			}
		}
	}
	p := b.String()
	if p == "" {
		p = DefaultLoginPrefix
	}
	return p + "-" + randString(loginAlpha, 5)
}

// isIgnorableAround reports whether r may be trimmed around an identifier: Unicode spaces
// and the invisible characters that copy and paste brings along.
func isIgnorableAround(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' ||
		r == '\u2060' || r == '\ufeff'
}

// NormalizeIdentifier returns s in NFKC form with the spaces (any Unicode space, and
// zero-width characters) around it removed. Never use it on a password.
func NormalizeIdentifier(s string) string {
	return strings.TrimFunc(norm.NFKC.String(strings.TrimFunc(s, isIgnorableAround)), isIgnorableAround)
}

// NormalizeLogin returns the form under which login codes are compared: normalized and
// upper-cased.
func NormalizeLogin(s string) string { return strings.ToUpper(NormalizeIdentifier(s)) }

// NormalizeEmail returns the form under which e-mail addresses are compared and stored:
// normalized and lower-cased.
func NormalizeEmail(s string) string { return strings.ToLower(NormalizeIdentifier(s)) }

// Validation errors. The messages returned wrap these (test with errors.Is) and never
// repeat the input.
var (
	ErrInvalidEmail = errors.New("invalid e-mail address")
	ErrInvalidName  = errors.New("invalid name")
)

func emailErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidEmail}, a...)...)
}

// ValidateEmail checks that s (spaces around it ignored) is a practical e-mail address:
// one '@' (outside a quoted local part), a local part of 1 to 64 characters, a domain with a
// dot made of labels of letters (any script: IDN), digits and inner hyphens, at most 254
// characters in all, no spaces or control characters. Plus addressing (a+tag@x.org) and
// quoted local parts ("john doe"@example.com) are accepted; IP-literal domains are not.
func ValidateEmail(s string) error {
	s = NormalizeIdentifier(s)
	if s == "" {
		return emailErr("it is empty")
	}
	if !utf8.ValidString(s) {
		return emailErr("it is not valid text")
	}
	if n := utf8.RuneCountInString(s); n > 254 {
		return emailErr("at most 254 characters (%d now)", n)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return emailErr("it contains a control or invisible character")
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return emailErr("it needs an '@', as in name@example.com")
	}
	local, domain := s[:at], s[at+1:]
	if err := validateLocalPart(local); err != nil {
		return err
	}
	return validateDomain(domain)
}

func validateLocalPart(local string) error {
	if local == "" {
		return emailErr("nothing before the '@'")
	}
	if n := utf8.RuneCountInString(local); n > 64 {
		return emailErr("at most 64 characters before the '@' (%d now)", n)
	}
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		// Quoted local part: any printable character; '"' and '\' only escaped.
		inner := local[1 : len(local)-1]
		if inner == "" {
			return emailErr("nothing between the quotes before the '@'")
		}
		for i := 0; i < len(inner); i++ {
			switch inner[i] {
			case '\\':
				i++
				if i == len(inner) {
					return emailErr("a quoted name ends with a lone '\\'")
				}
			case '"':
				return emailErr("a quote inside the quoted part must be escaped")
			}
		}
		return nil
	}
	if strings.ContainsRune(local, '@') {
		return emailErr("only one '@' is allowed (quote the part before it if it holds one)")
	}
	for _, r := range local {
		if unicode.IsSpace(r) {
			return emailErr("no spaces allowed (unless the part before the '@' is quoted)")
		}
		if strings.ContainsRune(`"(),:;<>[\]`, r) {
			return emailErr("the character %q is not allowed before the '@'", r)
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return emailErr("the part before the '@' cannot start or end with a dot, or hold two dots in a row")
	}
	return nil
}

func validateDomain(domain string) error {
	if domain == "" {
		return emailErr("nothing after the '@'")
	}
	if strings.HasPrefix(domain, "[") {
		return emailErr("IP-address domains are not accepted")
	}
	domain = strings.TrimSuffix(domain, ".") // a fully qualified "example.com." is fine
	if !strings.Contains(domain, ".") {
		return emailErr("the domain needs a dot, as in example.com")
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if l == "" {
			return emailErr("the domain has an empty part (two dots in a row, or a leading dot)")
		}
		if utf8.RuneCountInString(l) > 63 {
			return emailErr("a part of the domain is longer than 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return emailErr("a part of the domain cannot start or end with '-'")
		}
		for _, r := range l {
			if unicode.IsSpace(r) {
				return emailErr("no spaces allowed in the domain")
			}
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return emailErr("the character %q is not allowed in the domain", r)
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return emailErr("the domain must end with a name such as .com, not a number")
	}
	return nil
}

// ValidateName checks a person's or organization's name: 1 to 200 characters (code points)
// once spaces around it are trimmed, valid UTF-8, no control characters, line separators or
// bidirectional overrides and isolates. Letters of every script and joiners (ZWJ, ZWNJ,
// which some scripts need) are accepted.
func ValidateName(s string) error {
	s = strings.TrimFunc(s, unicode.IsSpace)
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: it is not valid text", ErrInvalidName)
	}
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return fmt.Errorf("%w: it is empty", ErrInvalidName)
	}
	if n > 200 {
		return fmt.Errorf("%w: at most 200 characters (%d now)", ErrInvalidName, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
			(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\ufeff' {
			return fmt.Errorf("%w: it contains a control or invisible character", ErrInvalidName)
		}
	}
	return nil
}
