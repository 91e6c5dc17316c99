package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestNewTemporaryPassword(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 2000
	for i := 0; i < n; i++ {
		pw := NewTemporaryPassword()
		if len(pw) != 16 {
			t.Fatalf("length %d", len(pw))
		}
		if strings.ContainsAny(pw, "0Oo1lIi") {
			t.Fatalf("look-alike character in %q", pw)
		}
		for _, class := range []string{tempUpper, tempLower, tempDigits, tempSymbols} {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("%q lacks one of %q", pw, class)
			}
		}
		for _, r := range pw {
			if !strings.ContainsRune(tempAlpha, r) {
				t.Fatalf("%q outside the alphabet", r)
			}
			counts[r]++
		}
		if seen[pw] {
			t.Fatalf("duplicate %q", pw)
		}
		seen[pw] = true
	}
	// Every character of the alphabet turns up, none wildly more than others.
	if len(counts) != len(tempAlpha) {
		t.Fatalf("%d distinct characters, want %d", len(counts), len(tempAlpha))
	}
	mean := float64(n*16) / float64(len(tempAlpha))
	for r, c := range counts {
		if float64(c) < mean*0.6 || float64(c) > mean*1.6 {
			t.Errorf("character %q drawn %d times (mean %.0f)", r, c, mean)
		}
	}
	if !DefaultPasswordPolicy().Check(NewTemporaryPassword(), PasswordContext{HasTOTP: true})[0].OK {
		t.Error("temporary password fails the 2FA minimum length")
	}
}

func TestNewToken(t *testing.T) {
	tok, hash := NewToken()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %v, %d bytes", tok, err, len(raw))
	}
	want := sha256.Sum256([]byte(tok))
	if !bytes.Equal(hash, want[:]) {
		t.Fatal("hash is not SHA-256 of the token string")
	}
	if !bytes.Equal(HashToken("  "+tok+"\n"), hash) {
		t.Fatal("HashToken does not trim spaces")
	}
	tok2, _ := NewToken()
	if tok == tok2 {
		t.Fatal("two identical tokens")
	}
}

func TestNewLoginCode(t *testing.T) {
	re := regexp.MustCompile(`^[A-Z0-9]{1,6}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{5}$`)
	tests := map[string]string{
		"acme":            "ACME-",
		"":                "GH-",
		"  ":              "GH-",
		"Crédit Agricole": "CREDIT-",
		"a-b_c d":         "ABCD-",
		"東京":              "GH-",
		"x1":              "X1-",
		"ｆｕｌｌ":            "FULL-",
	}
	for in, prefix := range tests {
		c := NewLoginCode(in)
		if !strings.HasPrefix(c, prefix) || !re.MatchString(c) {
			t.Errorf("NewLoginCode(%q) = %q, want prefix %q", in, c, prefix)
		}
	}
}

func TestNormalizeIdentifiers(t *testing.T) {
	if got := NormalizeLogin("  acme-7k2q9\u00a0\t"); got != "ACME-7K2Q9" {
		t.Errorf("NormalizeLogin = %q", got)
	}
	if got := NormalizeLogin("\ufeffＡＣＭＥ-7k2q9\u3000"); got != "ACME-7K2Q9" {
		t.Errorf("NormalizeLogin fullwidth = %q", got)
	}
	if got := NormalizeEmail(" Jean.Dupont@Example.COM "); got != "jean.dupont@example.com" {
		t.Errorf("NormalizeEmail = %q", got)
	}
	if got := NormalizeIdentifier(" a b "); got != "a b" {
		t.Errorf("inner space removed: %q", got)
	}
}

func TestValidateEmail(t *testing.T) {
	good := []string{
		"a@b.co",
		"jean.dupont@example.com",
		"jean+portal@example.com",
		" spaced@example.com ",
		`"john doe"@example.com`,
		`"a@b"@example.com`,
		"user@münchen.de",
		"用户@例子.中国",
		"o'brien@example.ie",
		"x@sub-domain.example.org.",
		strings.Repeat("a", 64) + "@example.com",
	}
	bad := []string{
		"",
		"   ",
		"plain",
		"@example.com",
		"a@",
		"a@b",
		"a@@b.com",
		"a@b@c.com",
		"john doe@example.com",
		"a@exa mple.com",
		"a\x00@example.com",
		"a\u202e@example.com",
		".a@example.com",
		"a..b@example.com",
		"a@-example.com",
		"a@example..com",
		"a@example.123",
		"a@[127.0.0.1]",
		`"unterminated@example.com`,
		`"a"b"@example.com`,
		strings.Repeat("a", 65) + "@example.com",
		"a@" + strings.Repeat("b", 250) + ".com",
		"a@ex_ample.com",
		"a\xff@example.com",
	}
	for _, s := range good {
		if err := ValidateEmail(s); err != nil {
			t.Errorf("ValidateEmail(%q) = %v", s, err)
		}
	}
	for _, s := range bad {
		err := ValidateEmail(s)
		if err == nil {
			t.Errorf("ValidateEmail(%q) accepted", s)
			continue
		}
		if !errors.Is(err, ErrInvalidEmail) {
			t.Errorf("ValidateEmail(%q) = %v, not ErrInvalidEmail", s, err)
		}
	}
	if err := ValidateEmail("a@b"); !strings.Contains(err.Error(), "dot") {
		t.Errorf("unclear message: %v", err)
	}
}

func TestValidateName(t *testing.T) {
	good := []string{"A", "Jean-Baptiste Dupont", "  Zoë  ", "東京太郎", "محمد", strings.Repeat("é", 200), "می\u200cخواهم"}
	bad := []string{"", "   ", strings.Repeat("é", 201), "a\x1b[31m", "a\nb", "evil\u202eoxt", "a\u2066b", "a\x7fb", "\xff"}
	for _, s := range good {
		if err := ValidateName(s); err != nil {
			t.Errorf("ValidateName(%q) = %v", s, err)
		}
	}
	for _, s := range bad {
		if err := ValidateName(s); err == nil || !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v", s, err)
		}
	}
}

func TestNewTokenNeverLooksLikeAFlag(t *testing.T) {
	for i := 0; i < 5000; i++ {
		if tok, _ := NewToken(); strings.HasPrefix(tok, "-") {
			t.Fatalf("token %d starts with '-': a command line would read it as a flag", i)
		}
	}
}
