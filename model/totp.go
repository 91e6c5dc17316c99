package model

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238 defaults, what every authenticator app supports).
const (
	TOTPDigits = 6
	TOTPPeriod = 30 // seconds
)

// ErrTOTPSecret is returned for a malformed TOTP secret. It never carries the secret.
var ErrTOTPSecret = errors.New("invalid TOTP secret")

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new TOTP secret: 20 random bytes (160 bits, RFC 4226's
// recommendation), base32 without padding.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return b32.EncodeToString(b)
}

// normalizeTOTPSecret upper-cases the secret and drops spaces, hyphens and padding, as
// users and apps write it.
func normalizeTOTPSecret(secret string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '=':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, secret)
}

func decodeTOTPSecret(secret string) ([]byte, error) {
	key, err := b32.DecodeString(normalizeTOTPSecret(secret))
	if err != nil || len(key) == 0 {
		return nil, ErrTOTPSecret
	}
	return key, nil
}

// hotp computes the RFC 4226 code of key at counter with the given number of digits.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpStep returns the RFC 6238 time step of t (floor of Unix time / 30 s).
func totpStep(t time.Time) int64 {
	u := t.Unix()
	s := u / TOTPPeriod
	if u < 0 && u%TOTPPeriod != 0 {
		s--
	}
	return s
}

// TOTPCode returns the 6-digit TOTP code (HMAC-SHA-1, 30 s step) of secret at time t.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(key, uint64(totpStep(t)), TOTPDigits), nil
}

// VerifyTOTP checks code against secret at time t, accepting the previous, current and next
// step (±30 s of clock drift). Spaces in the code are ignored. A code whose step is not
// after lastStep (the step of the last code accepted for this user) is refused: a code is
// good once. On success it returns the matched step, to be stored as the new lastStep.
// The comparison is constant-time and all three steps are always computed.
func VerifyTOTP(secret, code string, t time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != TOTPDigits {
		return 0, false
	}
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return 0, false
	}
	cur := totpStep(t)
	for s := cur - 1; s <= cur+1; s++ {
		match := subtle.ConstantTimeCompare([]byte(hotp(key, uint64(s), TOTPDigits)), []byte(code)) == 1
		if match && s > lastStep && (!ok || s > step) {
			step, ok = s, true
		}
	}
	return step, ok
}

// TOTPURI returns the otpauth:// URI that authenticator apps read from a QR code
// (Google Authenticator key URI format): label "issuer:account", secret, issuer,
// SHA1, 6 digits, 30 s. The URI holds the secret: never log it.
func TOTPURI(secret, issuer, account string) string {
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	label := url.PathEscape(account)
	if issuer != "" {
		label = url.PathEscape(issuer) + ":" + label
	}
	q := "secret=" + normalizeTOTPSecret(secret)
	if issuer != "" {
		q += "&issuer=" + esc(issuer)
	}
	q += fmt.Sprintf("&algorithm=SHA1&digits=%d&period=%d", TOTPDigits, TOTPPeriod)
	return "otpauth://totp/" + label + "?" + q
}
