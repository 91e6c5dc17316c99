package model

import (
	"errors"
	"fmt"
	"time"
)

// LockoutMode says how long a lock caused by failed logins lasts.
type LockoutMode string

const (
	// LockUntilReset keeps the account locked until an operator unlocks it or the user
	// completes a reset link (the default).
	LockUntilReset LockoutMode = "until-reset"
	// LockTemporary locks for BaseDuration, doubling with each repeated lock, up to
	// MaxDuration.
	LockTemporary LockoutMode = "temporary"
)

// Valid reports whether m is a known mode.
func (m LockoutMode) Valid() bool { return m == LockUntilReset || m == LockTemporary }

// LockoutPolicy is the failed-login lockout policy: Threshold consecutive
// failures, each within Window of the previous one, lock the account.
type LockoutPolicy struct {
	Threshold    int           // failures that lock the account (5)
	Window       time.Duration // a failure more than Window after the previous one starts a new count (15m)
	Mode         LockoutMode   // until-reset (default) or temporary
	BaseDuration time.Duration // first temporary lock (15m)
	MaxDuration  time.Duration // longest temporary lock (24h)
}

// DefaultLockoutPolicy returns the installation defaults (5 failures within 15 minutes, locked until reset).
func DefaultLockoutPolicy() LockoutPolicy {
	return LockoutPolicy{
		Threshold:    5,
		Window:       15 * time.Minute,
		Mode:         LockUntilReset,
		BaseDuration: 15 * time.Minute,
		MaxDuration:  24 * time.Hour,
	}
}

// Validate reports the first inconsistency of the policy, or nil.
func (p LockoutPolicy) Validate() error {
	switch {
	case p.Threshold < 1:
		return fmt.Errorf("lockout threshold must be at least 1 (got %d)", p.Threshold)
	case p.Window <= 0:
		return errors.New("lockout window must be positive")
	case !p.Mode.Valid():
		return fmt.Errorf("lockout mode must be %q or %q (got %q)", LockUntilReset, LockTemporary, p.Mode)
	}
	if p.Mode == LockTemporary {
		switch {
		case p.BaseDuration <= 0:
			return errors.New("temporary lockout: base duration must be positive")
		case p.MaxDuration < p.BaseDuration:
			return errors.New("temporary lockout: maximum duration must be at least the base duration")
		}
	}
	return nil
}

// LockDuration returns how long the n-th consecutive lock lasts (n >= 1; smaller n counts
// as 1): in temporary mode BaseDuration * 2^(n-1), capped at MaxDuration (without
// overflow); in until-reset mode 0, meaning until reset.
func (p LockoutPolicy) LockDuration(n int) time.Duration {
	if p.Mode != LockTemporary || p.BaseDuration <= 0 {
		return 0
	}
	d := p.BaseDuration
	for i := 1; i < n; i++ {
		if p.MaxDuration > 0 && d >= p.MaxDuration {
			break
		}
		if d > (1<<63-1)/2 {
			break // would overflow
		}
		d *= 2
	}
	if p.MaxDuration > 0 && d > p.MaxDuration {
		d = p.MaxDuration
	}
	return d
}

// LockedUntil returns the end of the n-th consecutive lock starting at now, or nil for a
// lock that lasts until reset.
func (p LockoutPolicy) LockedUntil(n int, now time.Time) *time.Time {
	d := p.LockDuration(n)
	if d == 0 {
		return nil
	}
	end := now.Add(d)
	return &end
}

// RegisterFailure applies one failed login to the counter (Threshold failures within
// Window lock the account). prev is the current count and firstFailedAt the time of the first
// failure of that count (nil if none): a failure more than Window after it starts a new count.
// It returns the new count, the first failure of the count, and whether to lock now. The store
// applies it to the user row it holds locked, so concurrent attempts count exactly.
func (p LockoutPolicy) RegisterFailure(prev int, firstFailedAt *time.Time, now time.Time) (count int, first time.Time, lock bool) {
	if prev <= 0 || firstFailedAt == nil || now.Sub(*firstFailedAt) > p.Window {
		return 1, now, p.Threshold == 1
	}
	count = prev + 1
	return count, *firstFailedAt, p.Threshold > 0 && count >= p.Threshold
}
