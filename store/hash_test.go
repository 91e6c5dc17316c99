package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

const testPassword = "correct-horse-staple-42 ünïcødé"

func TestHashPasswordRoundTrip(t *testing.T) {
	ctx := context.Background()
	h, err := HashPassword(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	if strings.Contains(h, testPassword) {
		t.Fatal("hash contains the password")
	}
	ok, up, err := VerifyPassword(ctx, h, testPassword)
	if err != nil || !ok || up {
		t.Fatalf("VerifyPassword(right) = %v, %v, %v; want true, false, nil", ok, up, err)
	}
	ok, up, err = VerifyPassword(ctx, h, testPassword+"x")
	if err != nil || ok || up {
		t.Fatalf("VerifyPassword(wrong) = %v, %v, %v; want false, false, nil", ok, up, err)
	}
	// Salted: the same password hashes differently.
	h2, err := HashPassword(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Fatal("two hashes of the same password are equal")
	}
}

func TestVerifyReadsParamsFromHash(t *testing.T) {
	ctx := context.Background()
	salt := make([]byte, 16)
	rand.Read(salt)
	cases := []struct {
		p       argonParams
		keyLen  uint32
		upgrade bool
	}{
		{argonParams{memory: 8 * 1024, time: 1, threads: 1}, 32, true},   // weaker
		{argonParams{memory: 19456, time: 2, threads: 1}, 16, true},      // short key
		{argonParams{memory: 46 * 1024, time: 3, threads: 2}, 32, false}, // stronger
		{argonParams{memory: 19456, time: 2, threads: 1}, 32, false},     // current
		{argonParams{memory: 12 * 1024, time: 3, threads: 1}, 32, true},  // less memory
	}
	for _, c := range cases {
		key := argon2.IDKey([]byte(testPassword), salt, c.p.time, c.p.memory, c.p.threads, c.keyLen)
		enc := encodeArgon(c.p, salt, key)
		ok, up, err := VerifyPassword(ctx, enc, testPassword)
		if err != nil || !ok || up != c.upgrade {
			t.Errorf("%s: got %v, %v, %v; want true, %v, nil", enc, ok, up, err, c.upgrade)
		}
		ok, _, err = VerifyPassword(ctx, enc, "not the password at all")
		if err != nil || ok {
			t.Errorf("%s wrong password: got %v, %v", enc, ok, err)
		}
	}
}

func TestVerifyBcrypt(t *testing.T) {
	ctx := context.Background()
	b, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		enc := prefix + string(b[4:])
		ok, up, err := VerifyPassword(ctx, enc, testPassword)
		if err != nil || !ok || !up {
			t.Errorf("%s: got %v, %v, %v; want true, true, nil", prefix, ok, up, err)
		}
		ok, up, err = VerifyPassword(ctx, enc, "wrong password here")
		if err != nil || ok || up {
			t.Errorf("%s wrong: got %v, %v, %v; want false, false, nil", prefix, ok, up, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	ctx := context.Background()
	good, err := HashPassword(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	bad := []string{
		"",
		"plaintext",
		testPassword,
		"$argon2id$",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=0,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=1000000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=x,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1,x=3$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$!!!$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$!!!",
		"$argon2id$v=19$m=19456,t=2,p=1$$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key,
		"$argon2id$v=abc$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, // unsupported version
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,  // unsupported variant
		"$2a$",
		"$2b$10$short",
		"$2y$99$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzabcde",
		"$2x$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzabcde",
		"$1$salt$md5crypt",
	}
	for _, enc := range bad {
		ok, up, err := VerifyPassword(ctx, enc, testPassword)
		if err == nil || ok || up {
			t.Errorf("%q: got %v, %v, %v; want an error", enc, ok, up, err)
			continue
		}
		if !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrUnsupportedHash) {
			t.Errorf("%q: unexpected error %v", enc, err)
		}
		if strings.Contains(err.Error(), testPassword) {
			t.Errorf("%q: error contains the password", enc)
		}
	}
}

// TestHashConcurrencyLimit checks, with hooks rather than timing, that at most hashConcurrency
// hashes run at once and the others wait.
func TestHashConcurrencyLimit(t *testing.T) {
	const callers = 7
	var (
		waiting, inside, maxInside atomic.Int32
		release                    = make(chan struct{})
	)
	hookWaiting = func(d int) { waiting.Add(int32(d)) }
	hookHashing = func() {
		n := inside.Add(1)
		for {
			m := maxInside.Load()
			if n <= m || maxInside.CompareAndSwap(m, n) {
				break
			}
		}
		<-release // hold the slot until the test lets one caller go
		inside.Add(-1)
	}
	t.Cleanup(func() { hookWaiting, hookHashing = nil, nil })

	ctx := context.Background()
	bc, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes := []string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				var h string
				h, err = HashPassword(ctx, testPassword)
				mu.Lock()
				hashes = append(hashes, h)
				mu.Unlock()
			case 1:
				var ok bool
				ok, _, err = VerifyPassword(ctx, string(bc), testPassword)
				if !ok {
					t.Error("bcrypt verification failed")
				}
			case 2:
				DummyVerify(ctx, testPassword)
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	// Wait until two callers hold a slot and the rest queue behind them.
	waitFor(t, func() bool { return inside.Load() == hashConcurrency && waiting.Load() == callers-hashConcurrency })
	for range callers {
		release <- struct{}{}
	}
	wg.Wait()
	if got := maxInside.Load(); got != hashConcurrency {
		t.Fatalf("max concurrent hashes = %d; want %d", got, hashConcurrency)
	}
	if waiting.Load() != 0 || inside.Load() != 0 {
		t.Fatalf("waiting=%d inside=%d after all returned", waiting.Load(), inside.Load())
	}
}

// TestHashWaitRespectsContext fills both slots and checks that a waiting caller gives up with
// its context's error.
func TestHashWaitRespectsContext(t *testing.T) {
	var waiting atomic.Int32
	hookWaiting = func(d int) { waiting.Add(int32(d)) }
	t.Cleanup(func() { hookWaiting = nil })
	for range hashConcurrency {
		hashSem <- struct{}{}
	}
	defer func() {
		for range hashConcurrency {
			<-hashSem
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 3)
	go func() { _, err := HashPassword(ctx, testPassword); errc <- err }()
	enc := encodeArgon(currentParams, make([]byte, 16), make([]byte, 32))
	go func() { _, _, err := VerifyPassword(ctx, enc, testPassword); errc <- err }()
	dummyDone := make(chan struct{})
	go func() { DummyVerify(ctx, testPassword); close(dummyDone) }()
	waitFor(t, func() bool { return waiting.Load() == 3 })
	cancel()
	for range 2 {
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v; want context.Canceled", err)
		}
	}
	<-dummyDone
	// Already cancelled: no wait at all.
	if _, err := HashPassword(ctx, testPassword); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
}

// waitFor polls cond until it holds (the hooks make the state observable; polling only
// decides when to look, not what the test asserts).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for condition")
		}
		time.Sleep(time.Millisecond)
	}
}

// DummyVerify stands in for a verification, so it does a verification's work: one argon2id
// computation with the parameters, salt and key lengths of a current hash (held by the work
// done, not by the clock; BenchmarkDummyVerify and BenchmarkVerifyPassword time the two).
func TestDummyVerifyDoesTheWorkOfAVerification(t *testing.T) {
	ctx := context.Background()
	h, err := HashPassword(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	runs := RecordArgon(t)
	if ok, _, err := VerifyPassword(ctx, h, testPassword+"x"); ok || err != nil {
		t.Fatalf("wrong password: %v, %v", ok, err)
	}
	verify := runs()
	DummyVerify(ctx, testPassword)
	dummy := runs()
	if len(verify) != 1 || verify[0] != CurrentArgon() {
		t.Fatalf("a verification ran %+v; want one %+v", verify, CurrentArgon())
	}
	if len(dummy) != 1 || dummy[0] != verify[0] {
		t.Fatalf("DummyVerify ran %+v; a verification runs %+v", dummy, verify)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := HashPassword(ctx, testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDummyVerify(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		DummyVerify(ctx, testPassword)
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	ctx := context.Background()
	h, err := HashPassword(ctx, testPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := VerifyPassword(ctx, h, testPassword); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// TestVerifyRefusesHashesOverTheCeiling: a stored hash whose parameters cost more than the
// ceiling (a planted row: 1 GiB, 100 passes, 8 lanes; bcrypt cost 31) is refused as
// unverifiable before any hashing starts (the hook stops the test before a GiB is spent),
// and hashes at the ceiling still verify.
func TestVerifyRefusesHashesOverTheCeiling(t *testing.T) {
	var refusing atomic.Bool
	hookHashing = func() {
		if refusing.Load() {
			t.Fatal("hashing started for a hash over the ceiling")
		}
	}
	t.Cleanup(func() { hookHashing = nil })
	ctx := context.Background()
	salt := make([]byte, 16)
	rand.Read(salt)
	b64 := func(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }
	key := b64(make([]byte, 32))
	over := []string{
		"$argon2id$v=19$m=1048576,t=100,p=8$" + b64(salt) + "$" + key, // the planted row
		"$argon2id$v=19$m=1048576,t=1,p=1$" + b64(salt) + "$" + key,   // 1 GiB
		"$argon2id$v=19$m=65537,t=1,p=1$" + b64(salt) + "$" + key,     // just over 64 MiB
		"$argon2id$v=19$m=65536,t=4,p=4$" + b64(salt) + "$" + key,     // 64 MiB, one pass too many
		"$argon2id$v=19$m=19456,t=11,p=1$" + b64(salt) + "$" + key,    // the current memory, 11 passes
		"$argon2id$v=19$m=8,t=100000,p=1$" + b64(salt) + "$" + key,    // little memory, endless passes
		"$argon2id$v=19$m=19456,t=2,p=5$" + b64(salt) + "$" + key,     // five lanes
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$" + b64(salt) + "$" + key,
		"$2a$14$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzabcde",
		"$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzabcde",
	}
	refusing.Store(true)
	for _, enc := range over {
		ok, up, err := VerifyPassword(ctx, enc, testPassword)
		if !errors.Is(err, ErrHashOverCeiling) || !errors.Is(err, ErrUnsupportedHash) || ok || up {
			t.Errorf("%s: got %v, %v, %v; want ErrHashOverCeiling", enc, ok, up, err)
		}
	}
	refusing.Store(false)
	// At the ceiling: verified, and not to be upgraded (stronger than the current parameters).
	for _, p := range []argonParams{{memory: 64 * 1024, time: 3, threads: 4}, {memory: 7 * 1024, time: 5, threads: 1}} {
		k := argon2.IDKey([]byte(testPassword), salt, p.time, p.memory, p.threads, 32)
		enc := encodeArgon(p, salt, k)
		ok, _, err := VerifyPassword(ctx, enc, testPassword)
		if err != nil || !ok {
			t.Errorf("%s at the ceiling: got %v, %v", enc, ok, err)
		}
	}
	b, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := VerifyPassword(ctx, string(b), testPassword); err != nil || !ok {
		t.Errorf("bcrypt cost %d: got %v, %v", bcrypt.MinCost, ok, err)
	}
}
