package model

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"
)

// RFC 6238 Appendix B, SHA-1, secret "12345678901234567890".
var rfc6238 = []struct {
	unix  int64
	step  int64
	code8 string
}{
	{59, 0x1, "94287082"},
	{1111111109, 0x23523EC, "07081804"},
	{1111111111, 0x23523ED, "14050471"},
	{1234567890, 0x273EF07, "89005924"},
	{2000000000, 0x3F940AA, "69279037"},
	{20000000000, 0x27BC86AA, "65353130"},
}

var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestTOTPRFC6238(t *testing.T) {
	for _, v := range rfc6238 {
		tm := time.Unix(v.unix, 0).UTC()
		if s := totpStep(tm); s != v.step {
			t.Errorf("step(%d) = %x, want %x", v.unix, s, v.step)
		}
		if got := hotp([]byte("12345678901234567890"), uint64(v.step), 8); got != v.code8 {
			t.Errorf("8-digit code at %d = %s, want %s", v.unix, got, v.code8)
		}
		got, err := TOTPCode(rfcSecret, tm)
		if err != nil || got != v.code8[2:] {
			t.Errorf("TOTPCode at %d = %s, %v; want %s", v.unix, got, err, v.code8[2:])
		}
	}
}

func TestTOTPSecretForms(t *testing.T) {
	tm := time.Unix(59, 0)
	// lower case, spaces and padding are accepted
	spaced := strings.ToLower(rfcSecret[:4]) + " " + rfcSecret[4:] + "===="
	if got, err := TOTPCode(spaced, tm); err != nil || got != "287082" {
		t.Errorf("TOTPCode(spaced) = %s, %v", got, err)
	}
	for _, bad := range []string{"", "1!!", "abc8"} {
		if _, err := TOTPCode(bad, tm); err == nil {
			t.Errorf("TOTPCode(%q) accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
	s := NewTOTPSecret()
	if len(s) != 32 || strings.Contains(s, "=") {
		t.Errorf("NewTOTPSecret = %q", s)
	}
	if s == NewTOTPSecret() {
		t.Error("two identical secrets")
	}
	if _, err := TOTPCode(s, time.Now()); err != nil {
		t.Error(err)
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret := NewTOTPSecret()
	now := time.Unix(1_700_000_015, 0) // mid-step
	cur := totpStep(now)
	code := func(d time.Duration) string {
		c, err := TOTPCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastStep int64
		wantStep int64
		ok       bool
	}{
		{"current", code(0), 0, cur, true},
		{"previous step", code(-30 * time.Second), 0, cur - 1, true},
		{"next step", code(30 * time.Second), 0, cur + 1, true},
		{"two steps ago", code(-60 * time.Second), 0, 0, false},
		{"two steps ahead", code(60 * time.Second), 0, 0, false},
		{"with spaces", code(0)[:3] + " " + code(0)[3:], 0, cur, true},
		{"replay same step", code(0), cur, 0, false},
		{"older than last", code(-30 * time.Second), cur, 0, false},
		{"after last", code(30 * time.Second), cur, cur + 1, true},
		{"wrong", "000000", 0, 0, false},
		{"too short", code(0)[:5], 0, 0, false},
		{"letters", "abcdef", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		if tt.name == "wrong" && (code(0) == "000000" || code(-30*time.Second) == "000000" || code(30*time.Second) == "000000") {
			continue
		}
		step, ok := VerifyTOTP(secret, tt.code, now, tt.lastStep)
		if ok != tt.ok || step != tt.wantStep {
			t.Errorf("%s: VerifyTOTP = %d, %v; want %d, %v", tt.name, step, ok, tt.wantStep, tt.ok)
		}
	}
	if _, ok := VerifyTOTP("not base32!", "123456", now, 0); ok {
		t.Error("bad secret accepted")
	}
}

func TestTOTPURI(t *testing.T) {
	uri := TOTPURI("jbsw y3dp ehpk 3pxp", "ACME Portal", "jean@example.com")
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("uri = %s", uri)
	}
	if u.Path != "/ACME Portal:jean@example.com" {
		t.Errorf("label = %q", u.Path)
	}
	q := u.Query()
	if q.Get("secret") != "JBSWY3DPEHPK3PXP" || q.Get("issuer") != "ACME Portal" ||
		q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("query = %v", q)
	}
	if strings.Contains(uri, "+") {
		t.Errorf("spaces must be %%20: %s", uri)
	}
	if u2 := TOTPURI("JBSWY3DPEHPK3PXP", "", "bob"); u2 != "otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30" {
		t.Errorf("no issuer: %s", u2)
	}
}
