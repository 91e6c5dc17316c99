package demodata

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Auth events: a deterministic simulation, run twice (once for the users' final state,
// once to write the rows).

const (
	kSuccess uint8 = iota
	kFailure
	kLock
	kUnlock
	kPasswordChanged
	kResetRequested
	kResetCompleted
	kTOTPReset
	kSessionEnded
)

var kindNames = [...]string{"login_success", "login_failure", "lock", "unlock", "password_changed",
	"reset_requested", "reset_completed", "totp_reset", "session_ended"}

const (
	rNone uint8 = iota
	rBadPassword
	rUnknownLogin
	rLocked
	rDisabled
	rDeleted
	rBadTOTP
	rExpiredPassword
	rOperator
	rResetLink
	rThreshold
)

var reasonNames = [...]string{"", "bad_password", "unknown_login", "locked", "disabled", "deleted",
	"bad_totp", "expired_password", "operator", "reset_link", "threshold"}

type seedEvent struct {
	t      int32 // seconds relative to now
	user   int32 // -1: unknown login
	ip     int32
	kind   uint8
	reason uint8
	ua     uint8
	login  string // as typed, for unknown logins
}

type userState struct {
	lastLogin, firstFail, lastFail, pwChanged, lockedAt int32
	lastLoginIP, lastFailIP                             int32
	fails, lockCount                                    uint8
}

func (st *userState) apply(ev *seedEvent) {
	switch ev.kind {
	case kSuccess:
		st.lastLogin, st.lastLoginIP = ev.t, ev.ip
		st.fails, st.firstFail = 0, 0
	case kFailure:
		switch ev.reason {
		case rBadPassword, rBadTOTP, rLocked, rExpiredPassword:
			if st.firstFail == 0 || ev.t-st.firstFail > 15*60 && st.lockedAt == 0 {
				st.fails, st.firstFail = 0, ev.t
			}
			if st.fails < 255 {
				st.fails++
			}
			st.lastFail, st.lastFailIP = ev.t, ev.ip
		}
	case kLock:
		st.lockedAt = ev.t
		st.lockCount++
	case kUnlock:
		st.lockedAt, st.fails, st.firstFail = 0, 0, 0
	case kPasswordChanged:
		st.pwChanged = ev.t
	case kResetCompleted:
		st.pwChanged = ev.t
		st.lockedAt, st.fails, st.firstFail = 0, 0, 0
	}
}

// attackStart is last night's attack: 02:10 UTC today, or yesterday if that is too recent.
func (g *seedGen) attackStart() int32 {
	d := time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 2, 10, 0, 0, time.UTC)
	if g.now.Sub(d) < 2*time.Hour {
		d = d.Add(-24 * time.Hour)
	}
	return int32(d.Unix() - g.nowUnix)
}

// planSpecials builds the events that are not random logins: temporary passwords set by an
// operator, lock sequences, the attack. They are kept in time order and merged into the stream.
func (g *seedGen) planSpecials() {
	r := newSeedRNG()
	r.reset(g.opt.Seed, streamSpecials, 0)
	budget := g.opt.Events
	var sp []seedEvent
	add := func(ev seedEvent) bool {
		if len(sp) >= budget {
			return false
		}
		sp = append(sp, ev)
		return true
	}
	attack := g.attackStart()
	const attackLen = 50 * 60
	attackerUA := uint8(len(seedUserAgents))
	var lockedUsers, candidates []int32
	for i := range g.users {
		u := &g.users[i]
		if u.flags&fLocked != 0 {
			lockedUsers = append(lockedUsers, int32(i))
		} else if u.status == stActive && u.flags&fMustChange == 0 && r.Float64() < 0.005 {
			candidates = append(candidates, int32(i))
		}
	}
	// Temporary passwords set by operators.
	for i := range g.users {
		u := &g.users[i]
		if u.flags&fMustChange != 0 {
			add(seedEvent{t: u.pwSet, user: int32(i), kind: kPasswordChanged, reason: rOperator, ip: u.ip, ua: u.ua})
		}
	}
	// Lock sequences: 60% by the attack, the others forgetful users over two weeks.
	for k, i := range lockedUsers {
		u := &g.users[i]
		ip, ua := u.ip, u.ua
		var t int32
		gap := 15 + r.IntN(60)
		if r.Float64() < 0.6 {
			u.flags |= fAttack
			t = attack + int32(k*attackLen/max(1, len(lockedUsers))) + int32(r.IntN(60))
			ip, ua, gap = int32(r.IntN(ipPoolUsers)), attackerUA+uint8(r.IntN(len(attackerAgents))), 2+r.IntN(5)
		} else {
			t = -int32(2*hour + r.IntN(14*day))
		}
		t = max(t, u.created+hour)
		u.lockAt = t
		for f := 0; f < int(u.lockN); f++ {
			reason := rBadPassword
			if f >= 5 {
				reason = rLocked
			}
			add(seedEvent{t: t, user: i, kind: kFailure, reason: reason, ip: ip, ua: ua})
			if f == 4 {
				add(seedEvent{t: t + 1, user: i, kind: kLock, reason: rThreshold, ip: ip, ua: ua})
			}
			t += int32(gap + r.IntN(gap+1))
		}
	}
	// The attack also tries one or two passwords on other accounts...
	for _, i := range candidates {
		g.users[i].flags |= fHit
		t := attack + int32(r.IntN(attackLen))
		ip, ua := int32(r.IntN(ipPoolUsers)), attackerUA+uint8(r.IntN(len(attackerAgents)))
		for range 1 + r.IntN(2) {
			add(seedEvent{t: t, user: i, kind: kFailure, reason: rBadPassword, ip: ip, ua: ua})
			t += int32(2 + r.IntN(5))
		}
	}
	// ... walks the addresses of one /64, a try or two on each of walkAccounts accounts
	// within the last day (its own stream: the rest of the plan is as it was) ...
	g.planWalk64(add, attack)
	// ... and sprays unknown logins, mostly during the night, some over the past week.
	spray := g.opt.Events / 100
	for range spray {
		t := attack + int32(r.IntN(attackLen))
		if r.Float64() < 0.3 {
			t = -int32(hour + r.IntN(7*day))
		}
		add(seedEvent{t: t, user: -1, kind: kFailure, reason: rUnknownLogin,
			ip: int32(r.IntN(ipPoolUsers)), ua: attackerUA + uint8(r.IntN(len(attackerAgents))),
			login: junkLogin(r, g)})
	}
	slices.SortStableFunc(sp, func(a, b seedEvent) int { return int(a.t) - int(b.t) })
	g.specials = sp
}

// walkAccounts is how many accounts the attack from 2001:db8:bad:1::/64 fails on: more than
// the AttackAccounts that flag a source, so the Lockouts screen's by-IP pane shows the /64
// flagged, its addresses each failing on one or two accounts.
const walkAccounts = 8

// planWalk64 adds the attack spread over the addresses of 2001:db8:bad:1::/64 (walk64): one
// or two wrong passwords on each of walkAccounts active accounts (not locked, older than the
// walk), in the night's attack when it is less than 20 hours old, else 20 hours ago: always
// within the last day, the by-IP pane's window.
func (g *seedGen) planWalk64(add func(seedEvent) bool, attack int32) {
	r := newSeedRNG()
	r.reset(g.opt.Seed, streamSpecials, 64)
	start := max(attack, -int32(20*hour))
	var pool []int32
	for i := range g.users {
		u := &g.users[i]
		if u.status == stActive && u.flags&(fLocked|fMustChange) == 0 && u.created < start-hour {
			pool = append(pool, int32(i))
		}
	}
	attackerUA := uint8(len(seedUserAgents))
	for k := 0; k < walkAccounts && len(pool) > 0; k++ {
		j := r.IntN(len(pool))
		i := pool[j]
		pool[j] = pool[len(pool)-1]
		pool = pool[:len(pool)-1]
		u := &g.users[i]
		u.flags |= fHit
		t := start + int32(k*5*60+r.IntN(120))
		ip, ua := int32(ipPoolSize+k%len(walk64)), attackerUA+uint8(r.IntN(len(attackerAgents)))
		for range 1 + r.IntN(2) {
			add(seedEvent{t: t, user: i, kind: kFailure, reason: rBadPassword, ip: ip, ua: ua})
			t += int32(2 + r.IntN(5))
		}
	}
}

// junkLogin is what attackers and typos send: names, e-mails, made-up codes.
func junkLogin(r *seedRNG, g *seedGen) string {
	switch r.IntN(4) {
	case 0:
		return [...]string{"admin", "administrator", "root", "test", "user", "guest", "demo", "info",
			"support", "contact", "sales", "webmaster"}[r.IntN(12)]
	case 1:
		return fmt.Sprintf("%s@%s", [...]string{"admin", "info", "contact", "it", "compta"}[r.IntN(5)],
			[...]string{"example.com", "example.org", "mail.example"}[r.IntN(3)])
	case 2:
		if len(g.orgs) > 0 {
			return fmt.Sprintf("%s-%05d", g.orgs[r.IntN(len(g.orgs))].prefix, r.IntN(100000))
		}
		fallthrough
	default:
		return fmt.Sprintf("user%d", r.IntN(10000))
	}
}

// rhythm maps a fraction of the bulk events to a time, following office hours and weekdays.
type rhythm struct {
	start int32
	cum   []float64 // per hour, cumulative, normalized
}

// newRhythm covers length seconds from back seconds before now.
func newRhythm(now time.Time, back, length int32) *rhythm {
	hours := int(length / hour)
	rh := &rhythm{start: -back, cum: make([]float64, hours)}
	hourWeight := [24]float64{0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 4.5, 4, 3.5, 2.5, 3,
		3.8, 3.5, 3.2, 2.5, 1.6, 1.2, 1, 0.8, 0.5, 0.3}
	sum := 0.0
	for h := range hours {
		at := now.Add(time.Duration(int64(-back)+int64(h)*hour) * time.Second)
		w := hourWeight[at.Hour()]
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.3
		}
		sum += w
		rh.cum[h] = sum
	}
	for h := range rh.cum {
		rh.cum[h] /= sum
	}
	return rh
}

func (rh *rhythm) at(f float64) int32 {
	h, _ := slices.BinarySearch(rh.cum, f)
	h = min(h, len(rh.cum)-1)
	lo := 0.0
	if h > 0 {
		lo = rh.cum[h-1]
	}
	frac := 0.0
	if w := rh.cum[h] - lo; w > 0 {
		frac = (f - lo) / w
	}
	return rh.start + int32(h)*hour + int32(frac*hour)
}

// simulate runs the event stream. With emit == nil it records the users' final state in
// g.state; otherwise it calls emit for every event, in order (the state is then discarded).
func (g *seedGen) simulate(emit func(ev *seedEvent) error) error {
	if !g.specialsPlanned {
		g.planSpecials()
		g.specialsPlanned = true
	}
	state := make([]userState, len(g.users))
	r := newSeedRNG()
	r.reset(g.opt.Seed, streamEvents, 0)
	bulk := g.opt.Events - len(g.specials)
	const span = 90 * day
	rh := newRhythm(g.now, span, span-600)
	var classCum [4]float64
	total := 0.0
	for c := 1; c < 4; c++ {
		if len(g.classes[c]) > 0 {
			total += classEvents[c]
		}
		classCum[c] = total
	}
	next := 0 // next special
	done := 0 // bulk events emitted
	var err error
	out := func(ev seedEvent) bool {
		if err != nil {
			return false
		}
		if ev.user >= 0 {
			state[ev.user].apply(&ev)
		}
		if emit != nil {
			err = emit(&ev)
		}
		return err == nil
	}
	bulkOut := func(ev seedEvent) bool {
		if done >= bulk || ev.t > -1 {
			return false
		}
		done++
		return out(ev)
	}
	for done < bulk && err == nil {
		t := rh.at((float64(done) + 0.5) / float64(bulk))
		for next < len(g.specials) && g.specials[next].t <= t {
			out(g.specials[next])
			next++
		}
		g.episode(r, state, t, classCum, total, bulkOut)
	}
	for ; next < len(g.specials) && err == nil; next++ {
		out(g.specials[next])
	}
	if emit == nil {
		g.state = state
	}
	return err
}

// episode emits one login episode at time t: a user signs in (sometimes after failures,
// typos or a reset), or an attempt on a closed account, or an unknown login.
func (g *seedGen) episode(r *seedRNG, state []userState, t int32, classCum [4]float64, total float64, out func(seedEvent) bool) {
	roaming := func() int32 { return ipPoolUsers + int32(r.IntN(ipPoolSize-ipPoolUsers)) }
	for try := 0; try < 8 && total > 0; try++ {
		f := r.Float64() * total
		c := 1
		for c < 3 && (f >= classCum[c] || len(g.classes[c]) == 0) {
			c++
		}
		list := g.classes[c]
		if len(list) == 0 {
			continue
		}
		ui := list[r.IntN(len(list))]
		u, st := &g.users[ui], &state[ui]
		if t < u.created+60 {
			continue
		}
		ip, ua := u.ip, u.ua
		if r.Float64() < 0.2 {
			ip = roaming()
		}
		if r.Float64() < 0.15 {
			ua = uint8(r.IntN(len(seedUserAgents)))
		}
		ev := seedEvent{t: t, user: ui, ip: ip, ua: ua}
		fail := func(reason uint8) bool {
			e := ev
			e.kind, e.reason = kFailure, reason
			return out(e)
		}
		if (u.status == stDisabled || u.status == stDeleted) && t >= u.end {
			if r.Float64() < 0.15 {
				fail([...]uint8{stDisabled: rDisabled, stDeleted: rDeleted}[u.status])
				return
			}
			continue
		}
		if st.lockedAt != 0 {
			if r.Float64() < 0.3 {
				fail(rLocked)
				return
			}
			continue
		}
		if u.flags&fLocked != 0 && t >= u.lockAt-hour {
			continue // leave the lock sequence alone
		}
		if u.flags&fMustChange != 0 && t >= u.pwSet {
			if t > u.pwSet+72*hour && r.Float64() < 0.5 {
				fail(rExpiredPassword)
				return
			}
			continue
		}
		g.loginEpisode(r, st, ev, out)
		return
	}
	out(seedEvent{t: t, user: -1, kind: kFailure, reason: rUnknownLogin, ip: roaming(),
		ua: uint8(r.IntN(len(seedUserAgents))), login: junkLogin(r, g)})
}

func (g *seedGen) loginEpisode(r *seedRNG, st *userState, ev seedEvent, out func(seedEvent) bool) {
	u := &g.users[ev.user]
	at := func(kind, reason uint8, dt int) bool {
		e := ev
		e.kind, e.reason = kind, reason
		ev.t += int32(dt)
		e.t = ev.t
		return out(e)
	}
	gap := func() int { return 15 + r.IntN(90) }
	switch f := r.Float64(); {
	case f < 0.80:
		at(kSuccess, rNone, 0)
	case f < 0.90:
		_ = at(kFailure, rBadPassword, 0) && at(kSuccess, rNone, gap())
	case f < 0.93:
		_ = at(kFailure, rBadPassword, 0) && at(kFailure, rBadPassword, gap()) && at(kSuccess, rNone, gap())
	case f < 0.945:
		if st.fails >= 3 {
			at(kSuccess, rNone, 0)
		} else {
			at(kFailure, rBadPassword, 0) // gave up
		}
	case f < 0.955:
		typo := seedEvent{t: ev.t, user: -1, kind: kFailure, reason: rUnknownLogin, ip: ev.ip, ua: ev.ua,
			login: typoOf(r, g.loginCode(int(ev.user)))}
		_ = out(typo) && at(kSuccess, rNone, gap())
	case f < 0.965 && u.flags&fTOTP != 0:
		_ = at(kFailure, rBadTOTP, 0) && at(kSuccess, rNone, gap())
	case f < 0.975:
		_ = at(kSuccess, rNone, 0) && at(kPasswordChanged, rNone, 60+r.IntN(300))
	case f < 0.982:
		_ = at(kResetRequested, rNone, 0) && at(kResetCompleted, rResetLink, 120+r.IntN(900)) &&
			at(kSuccess, rNone, gap())
	case f < 0.99:
		_ = at(kSuccess, rNone, 0) && at(kSessionEnded, rNone, 600+r.IntN(4*hour))
	case f < 0.992:
		// An earlier lockout, unlocked by an operator a few hours later.
		ok := true
		for k := 0; k < 5 && ok; k++ {
			ok = at(kFailure, rBadPassword, gap())
		}
		_ = ok && at(kLock, rThreshold, 1) && at(kUnlock, rOperator, hour+r.IntN(5*hour)) &&
			at(kSuccess, rNone, gap())
	case f < 0.993 && u.flags&fTOTP != 0:
		_ = at(kTOTPReset, rOperator, 0) && at(kSuccess, rNone, gap())
	default:
		at(kSuccess, rNone, 0)
	}
}

// typoOf is a login code as mistyped: one character changed, or the wrong prefix.
func typoOf(r *seedRNG, code string) string {
	b := []byte(code)
	switch r.IntN(3) {
	case 0:
		k := len(b) - 1 - r.IntN(4)
		b[k] = "0O1IL8B5S"[r.IntN(9)]
		return string(b)
	case 1:
		return strings.ToLower(string(b[:len(b)-1]))
	default:
		return string(b) + string("0123456789"[r.IntN(10)])
	}
}
