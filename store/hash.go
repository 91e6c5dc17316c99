package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Password hashing: argon2id with m=19 MiB, t=2, p=1 (the OWASP baseline), a 16-byte
// salt and a 32-byte key, stored as a PHC string:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64 raw std>$<key, base64 raw std>
//
// Verification reads the parameters from the stored string, so hashes made with other
// parameters keep working, up to a cost ceiling (see maxArgonMemory); bcrypt hashes of imported users ($2a$, $2b$, $2y$) verify too. Both
// report needsUpgrade when the hash should be replaced by a fresh argon2id one after a
// successful login.
//
// Hashing costs about 19 MiB and tens of milliseconds of one core, so at most hashConcurrency
// hashes run at once in the whole process; callers wait for a slot, and stop waiting when
// their context ends.
//
// The password is never part of an error: errors only name what was wrong with the hash.

// The parameters of new hashes.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// hashConcurrency is how many hashes (argon2id or bcrypt) may run at once process-wide.
const hashConcurrency = 2

// The ceiling of a stored hash's cost. Verification reads the parameters from the stored
// string, so a planted or corrupt row ("m=1048576,t=100,p=8", "$2a$31$") could make every
// login attempt on that account allocate a GiB or spin for hours. A hash over the ceiling is
// refused before anything is computed (ErrHashOverCeiling): the login fails as with a wrong
// password, after the usual DummyVerify. The ceiling is RFC 9106's second recommended
// option, m=64 MiB, t=3, p=4 (5 times the cost of the current parameters), with the time
// allowed to grow while the memory shrinks (OWASP's m=7 MiB, t=5 passes); bcrypt up to cost
// 13, one step above the defaults of the systems users are imported from (10 or 12).
const (
	maxArgonMemory  = 64 * 1024     // KiB
	maxArgonWork    = 3 * 64 * 1024 // memory × passes, KiB
	maxArgonThreads = 4
	maxBcryptCost   = 13
)

// Bounds of a well-formed stored argon2id hash (beyond them it is malformed).
const (
	minArgonSaltLen = 8
	maxArgonSaltLen = 64
	minArgonKeyLen  = 16
	maxArgonKeyLen  = 128
)

// ErrMalformedHash is returned when a stored password hash cannot be parsed.
var ErrMalformedHash = errors.New("store: malformed password hash")

// ErrUnsupportedHash is returned for a well-formed hash of an algorithm or version that
// gatehouse does not verify (for example argon2i, or argon2 version 0x10).
var ErrUnsupportedHash = errors.New("store: unsupported password hash")

// ErrHashOverCeiling is returned, before any hashing, for a well-formed stored hash whose
// cost is over the ceiling (see maxArgonMemory). It is an ErrUnsupportedHash.
var ErrHashOverCeiling = fmt.Errorf("%w: cost over the ceiling", ErrUnsupportedHash)

// hashSem holds one token per hash in progress.
var hashSem = make(chan struct{}, hashConcurrency)

// Test hooks (nil in production): hookWaiting is called with +1 when a caller starts waiting
// for a hashing slot and -1 when it stops waiting (slot acquired or context ended); hookHashing
// is called while a slot is held, just before the hash is computed.
var (
	hookWaiting func(delta int)
	hookHashing func()
)

// hookArgon (nil in production) is called with the parameters of every argon2id computation,
// the hash of a new password, a verification and DummyVerify alike.
var hookArgon func(p argonParams, saltLen, keyLen int)

// argonKey computes one argon2id key; every argon2id computation goes through it.
func argonKey(password string, salt []byte, p argonParams, keyLen uint32) []byte {
	if hookArgon != nil {
		hookArgon(p, len(salt), int(keyLen))
	}
	return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, keyLen)
}

// acquireHashSlot waits for a hashing slot, or until ctx ends.
func acquireHashSlot(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if hookWaiting != nil {
		hookWaiting(+1)
	}
	var err error
	select {
	case hashSem <- struct{}{}:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if hookWaiting != nil {
		hookWaiting(-1)
	}
	if err != nil {
		return err
	}
	if hookHashing != nil {
		hookHashing()
	}
	return nil
}

func releaseHashSlot() { <-hashSem }

// argonParams are the parameters of one argon2id hash.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

var currentParams = argonParams{memory: argonMemory, time: argonTime, threads: argonThreads}

// HashPassword hashes password with argon2id and the current parameters, and returns the PHC
// string to store. It waits for a hashing slot (see hashConcurrency) and returns ctx's error if
// ctx ends first.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("store: hash password: salt: %w", err)
	}
	if err := acquireHashSlot(ctx); err != nil {
		return "", err
	}
	key := argonKey(password, salt, currentParams, argonKeyLen)
	releaseHashSlot()
	return encodeArgon(currentParams, salt, key), nil
}

// encodeArgon formats an argon2id hash as a PHC string.
func encodeArgon(p argonParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether password matches the stored hash encoded (argon2id PHC
// string, or bcrypt). needsUpgrade is true when the password matched but the hash should be
// replaced with HashPassword's: a bcrypt hash, or argon2id parameters weaker than the current
// ones. err is set only for a hash that cannot be verified (malformed, unsupported, over the
// cost ceiling: then nothing was computed) or when ctx ended while waiting for a hashing
// slot; a wrong password is (false, false, nil).
func VerifyPassword(ctx context.Context, encoded, password string) (ok bool, needsUpgrade bool, err error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		return verifyArgon(ctx, encoded, password)
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"),
		strings.HasPrefix(encoded, "$2y$"):
		return verifyBcrypt(ctx, encoded, password)
	case strings.HasPrefix(encoded, "$argon2"), strings.HasPrefix(encoded, "$2"):
		return false, false, ErrUnsupportedHash
	}
	return false, false, ErrMalformedHash
}

func verifyArgon(ctx context.Context, encoded, password string) (bool, bool, error) {
	p, salt, want, err := parseArgon(encoded)
	if err != nil {
		return false, false, err
	}
	if p.overCeiling() {
		return false, false, ErrHashOverCeiling
	}
	if err := acquireHashSlot(ctx); err != nil {
		return false, false, err
	}
	got := argonKey(password, salt, p, uint32(len(want)))
	releaseHashSlot()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	weaker := p.memory < currentParams.memory || p.time < currentParams.time ||
		len(salt) < argonSaltLen || len(want) < argonKeyLen
	return true, weaker, nil
}

// overCeiling reports whether verifying a hash with these parameters would cost more than
// the ceiling allows.
func (p argonParams) overCeiling() bool {
	return p.memory > maxArgonMemory || p.threads > maxArgonThreads ||
		uint64(p.memory)*uint64(p.time) > maxArgonWork
}

// parseArgon parses "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func parseArgon(encoded string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	v, found := strings.CutPrefix(parts[2], "v=")
	if !found {
		return p, nil, nil, ErrMalformedHash
	}
	version, err := strconv.Atoi(v)
	if err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	if version != argon2.Version {
		return p, nil, nil, ErrUnsupportedHash
	}
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil || n == 0 {
			return p, nil, nil, ErrMalformedHash
		}
		switch name {
		case "m":
			if seen[0] {
				return p, nil, nil, ErrMalformedHash
			}
			seen[0], p.memory = true, uint32(n)
		case "t":
			if seen[1] {
				return p, nil, nil, ErrMalformedHash
			}
			seen[1], p.time = true, uint32(n)
		case "p":
			if seen[2] || n > 255 {
				return p, nil, nil, ErrMalformedHash
			}
			seen[2], p.threads = true, uint8(n)
		default:
			return p, nil, nil, ErrMalformedHash
		}
	}
	if !seen[0] || !seen[1] || !seen[2] || p.memory < 8*uint32(p.threads) {
		return p, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err = b64.DecodeString(parts[4])
	if err != nil || len(salt) < minArgonSaltLen || len(salt) > maxArgonSaltLen {
		return p, nil, nil, ErrMalformedHash
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) < minArgonKeyLen || len(key) > maxArgonKeyLen {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}

func verifyBcrypt(ctx context.Context, encoded, password string) (bool, bool, error) {
	// Reject a malformed or too costly hash before waiting for a slot.
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return false, false, ErrMalformedHash
	}
	if cost > maxBcryptCost {
		return false, false, ErrHashOverCeiling
	}
	if err := acquireHashSlot(ctx); err != nil {
		return false, false, err
	}
	err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	releaseHashSlot()
	switch {
	case err == nil:
		return true, true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, false, nil
	}
	// Never wrap bcrypt's error: keep the message ours.
	return false, false, ErrMalformedHash
}

// dummySalt and dummyKey stand in for a stored hash in DummyVerify.
var (
	dummySalt = make([]byte, argonSaltLen)
	dummyKey  = make([]byte, argonKeyLen)
)

// DummyVerify spends about the time of one verification with the current parameters, and
// takes a hashing slot like one, so that a login attempt for an unknown (or password-less)
// account takes as long as one for a real account. It returns early if ctx ends while waiting.
func DummyVerify(ctx context.Context, password string) {
	if err := acquireHashSlot(ctx); err != nil {
		return
	}
	got := argonKey(password, dummySalt, currentParams, argonKeyLen)
	releaseHashSlot()
	subtle.ConstantTimeCompare(got, dummyKey)
}
