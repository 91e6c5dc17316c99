package model

import (
	"testing"
	"time"
)

func TestDefaultLockoutPolicy(t *testing.T) {
	p := DefaultLockoutPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Threshold != 5 || p.Window != 15*time.Minute || p.Mode != LockUntilReset ||
		p.BaseDuration != 15*time.Minute || p.MaxDuration != 24*time.Hour {
		t.Fatalf("defaults = %+v", p)
	}
	if p.LockDuration(1) != 0 || p.LockedUntil(3, time.Now()) != nil {
		t.Error("until-reset lock has a duration")
	}
}

func TestLockoutValidate(t *testing.T) {
	bad := []func(*LockoutPolicy){
		func(p *LockoutPolicy) { p.Threshold = 0 },
		func(p *LockoutPolicy) { p.Window = 0 },
		func(p *LockoutPolicy) { p.Mode = "forever" },
		func(p *LockoutPolicy) { p.Mode = LockTemporary; p.BaseDuration = 0 },
		func(p *LockoutPolicy) { p.Mode = LockTemporary; p.MaxDuration = time.Minute },
	}
	for i, f := range bad {
		p := DefaultLockoutPolicy()
		f(&p)
		if p.Validate() == nil {
			t.Errorf("case %d: %+v accepted", i, p)
		}
	}
	p := DefaultLockoutPolicy()
	p.Mode = LockTemporary
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}

func TestLockDuration(t *testing.T) {
	p := DefaultLockoutPolicy()
	p.Mode = LockTemporary
	want := []time.Duration{
		0:  15 * time.Minute, // n=0 counts as 1
		1:  15 * time.Minute,
		2:  30 * time.Minute,
		3:  time.Hour,
		4:  2 * time.Hour,
		5:  4 * time.Hour,
		6:  8 * time.Hour,
		7:  16 * time.Hour,
		8:  24 * time.Hour,
		9:  24 * time.Hour,
		10: 24 * time.Hour,
	}
	for n, w := range want {
		if got := p.LockDuration(n); got != w {
			t.Errorf("LockDuration(%d) = %v, want %v", n, got, w)
		}
	}
	if got := p.LockDuration(1 << 30); got != 24*time.Hour {
		t.Errorf("LockDuration(huge) = %v", got)
	}
	p.MaxDuration = 0 // invalid, but must not overflow
	if got := p.LockDuration(200); got <= 0 {
		t.Errorf("uncapped LockDuration overflowed: %v", got)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p = DefaultLockoutPolicy()
	p.Mode = LockTemporary
	if u := p.LockedUntil(2, now); u == nil || !u.Equal(now.Add(30*time.Minute)) {
		t.Errorf("LockedUntil = %v", u)
	}
}

func TestRegisterFailure(t *testing.T) {
	p := DefaultLockoutPolicy()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { x := now.Add(-d); return &x }

	count, lock := 0, false
	var first *time.Time
	for i := 1; i <= 5; i++ {
		at := now.Add(time.Duration(i) * time.Minute)
		var f time.Time
		count, f, lock = p.RegisterFailure(count, first, at)
		first = &f
		if count != i || lock != (i == 5) || !f.Equal(now.Add(time.Minute)) {
			t.Fatalf("failure %d: count %d lock %v first %v", i, count, lock, f)
		}
	}
	// The window counts from the first failure of the count, not from the previous one.
	if c, _, l := p.RegisterFailure(4, ago(15*time.Minute), now); c != 5 || !l {
		t.Errorf("at the window edge: %d %v", c, l)
	}
	if c, f, l := p.RegisterFailure(4, ago(16*time.Minute), now); c != 1 || l || !f.Equal(now) {
		t.Errorf("after the window: %d %v %v", c, f, l)
	}
	if c, _, _ := p.RegisterFailure(3, nil, now); c != 1 {
		t.Errorf("no previous failure: %d", c)
	}
}
