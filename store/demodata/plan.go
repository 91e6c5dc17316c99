package demodata

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The plan: organizations, users and invitations, decided before any row is written; then
// the network (addresses, user agents) their events come from.

// Times in the plan are seconds relative to the run's now (negative: in the past).
const (
	day   = 86400
	hour  = 3600
	years = 365 * day
)

const (
	stActive uint8 = iota
	stInvited
	stDisabled
	stDeleted
)

var statusNames = [...]string{"active", "invited", "disabled", "deleted"}

const (
	fMustChange uint8 = 1 << iota
	fTOTP
	fLocked
	fAttack // locked by last night's attack
	fBcrypt
	fHit // attacked without being locked
)

var rightCodes = [...]string{"users.manage", "billing.view", "billing.manage", "bookings.manage",
	"reports.view", "settings.manage"}

// rightProfiles are typical sets of rights (bit i = rightCodes[i]), with their weights.
var rightProfiles = [...]struct {
	mask   uint8
	weight float64
}{
	{1 << 4, 30},                    // viewer: reports
	{1<<3 | 1<<4, 35},               // bookings + reports
	{1<<1 | 1<<2 | 1<<4, 15},        // accountant
	{1<<0 | 1<<1 | 1<<3 | 1<<4, 12}, // manager
	{0x3f, 8},                       // administrator: all
}

func pickProfile(r *seedRNG) uint8 {
	f := r.Float64() * 100
	for i, p := range rightProfiles {
		if f < p.weight {
			return uint8(i)
		}
		f -= p.weight
	}
	return 0
}

type orgPlan struct {
	name, slug, prefix, domain string
	locale                     uint8
	created                    int32
}

type userPlan struct {
	org     [3]int32 // org indexes, -1 = none
	prof    [3]uint8 // right profile per membership
	created int32
	end     int32 // disabled or deleted at
	pwSet   int32 // temporary password set at (must change)
	lockAt  int32 // planned lock
	ip      int32 // home IP (pool index)
	status  uint8
	flags   uint8
	class   uint8 // activity: 0 none, 1 light, 2 normal, 3 heavy
	locale  uint8
	pw      uint8 // demo password index
	ua      uint8
	lockN   uint8 // failures in the lock sequence (≥ 5)
}

type invPlan struct {
	org, user         int32 // user -1 = a new person
	email, name       string
	created, expires  int32
	accepted, revoked int32 // 0 = not
	resend            uint8
	rights            uint8
}

type seedGen struct {
	opt     Options
	now     time.Time
	nowUnix int64

	orgBase, userBase, invBase, eventBase int64

	hashes     [3]string
	bcryptHash string

	orgs  []orgPlan
	users []userPlan
	invs  []invPlan
	state []userState

	classes [4][]int32 // user indexes by activity class

	nMemberships, nMembershipRights, nInvitationRights int64

	specials        []seedEvent
	specialsPlanned bool
}

// classEvents is each activity class's share of the events (none, light, normal, heavy);
// planUsers draws 40% of the users light, 50% normal and 10% heavy.
var classEvents = [4]float64{0, 0.10, 0.45, 0.45}

func (g *seedGen) planOrgs(existing map[string]bool) {
	r := newSeedRNG()
	g.orgs = make([]orgPlan, g.opt.Orgs)
	names := map[string]int{}
	for i := range g.orgs {
		r.reset(g.opt.Seed, streamOrgs, uint64(i))
		loc := pickLocale(r)
		l := seedLocales[loc]
		form := l.orgForms[r.IntN(len(l.orgForms))]
		disp, asc, ok := strings.Cut(form, "|")
		if !ok {
			asc = disp
		}
		last := l.last[r.IntN(len(l.last))]
		place := l.places[r.IntN(len(l.places))]
		name := strings.NewReplacer("{L}", last.disp, "{P}", place.disp).Replace(disp)
		ascii := strings.NewReplacer("{L}", last.ascii, "{P}", place.ascii).Replace(asc)
		distinct := place.ascii
		if strings.Contains(form, "{L}") {
			distinct = last.ascii
		}
		if n := names[name]; n > 0 {
			// Branches of the same business: "Hôtel du Lac (2)".
			names[name] = n + 1
			name = fmt.Sprintf("%s (%d)", name, n+1)
			ascii = fmt.Sprintf("%s %d", ascii, n+1)
		} else {
			names[name] = 1
		}
		base := foldASCII(ascii)
		if len(base) > 50 {
			base = strings.TrimRight(base[:50], "-")
		}
		if base == "" {
			base = "org"
		}
		slug := base
		for n := 2; existing[slug]; n++ {
			slug = base + "-" + strconv.Itoa(n)
		}
		existing[slug] = true
		words := strings.Fields(strings.ReplaceAll(foldASCII(distinct), "-", " "))
		prefix := "ORG"
		if len(words) > 0 {
			prefix = strings.ToUpper(lettersOnly(words[len(words)-1]))
		}
		if len(prefix) > 5 {
			prefix = prefix[:5]
		}
		for len(prefix) < 3 {
			prefix += "X"
		}
		g.orgs[i] = orgPlan{name: name, slug: slug, prefix: prefix, domain: base + ".example",
			locale: loc, created: -int32(3*years + r.IntN(2*years))}
	}
}

func (g *seedGen) planUsers() {
	n := g.opt.Users
	g.users = make([]userPlan, n)
	r := newSeedRNG()
	var zipf *rand.Zipf
	if g.opt.Orgs > 1 {
		zipf = rand.NewZipf(r.Rand, 1.15, 2, uint64(g.opt.Orgs-1))
	}
	pickOrg := func() int32 {
		if zipf == nil {
			return 0
		}
		// Scramble the rank so that the big organizations are spread over the id range.
		k := zipf.Uint64()
		return int32((k*7919 + 13) % uint64(g.opt.Orgs))
	}
	for i := range g.users {
		r.reset(g.opt.Seed, streamUserPlan, uint64(i))
		u := &g.users[i]
		u.org = [3]int32{-1, -1, -1}
		if i < g.opt.Orgs && i*4 < n {
			u.org[0] = int32(i) // every organization has at least one user
		} else {
			u.org[0] = pickOrg()
		}
		extra := 0
		if f := r.Float64(); f < 0.05 {
			extra = 2
		} else if f < 0.20 {
			extra = 1
		}
		for k := 1; k <= extra && g.opt.Orgs > k; k++ {
			for try := 0; try < 10; try++ {
				o := pickOrg()
				if o != u.org[0] && o != u.org[1] {
					u.org[k] = o
					break
				}
			}
		}
		for k := range u.org {
			if u.org[k] >= 0 {
				u.prof[k] = pickProfile(r)
				g.nMemberships++
				g.nMembershipRights += int64(popcount(rightProfiles[u.prof[k]].mask))
			}
		}
		if r.Float64() < 0.6 {
			u.locale = g.orgs[u.org[0]].locale
		} else {
			u.locale = pickLocale(r)
		}
		// Status: mostly active.
		switch f := r.Float64(); {
		case f < 0.04:
			u.status = stInvited
		case f < 0.075:
			u.status = stDisabled
		case f < 0.10:
			u.status = stDeleted
		default:
			u.status = stActive
		}
		if r.Float64() < 0.8 {
			u.created = -int32(90*day + r.IntN(3*years-90*day))
		} else {
			u.created = -int32(day + r.IntN(89*day))
		}
		if u.status == stInvited {
			u.created = -int32(hour + r.IntN(60*day))
		}
		if u.status == stDisabled || u.status == stDeleted {
			span := int(-u.created) - hour
			u.end = u.created + int32(min(span, day+r.IntN(max(1, span))))
		}
		u.ip = ipPoolUsers + int32(r.IntN(ipPoolSize-ipPoolUsers))
		u.ua = uint8(r.IntN(len(seedUserAgents)))
		u.pw = uint8(r.IntN(len(Passwords)))
		if u.status != stInvited {
			if r.Float64() < 0.10 {
				u.flags |= fTOTP
			}
			if r.Float64() < 0.03 {
				u.flags |= fBcrypt
			}
			switch f := r.Float64(); {
			case f < 0.10:
				u.class = 3
			case f < 0.60:
				u.class = 2
			default:
				u.class = 1
			}
			g.classes[u.class] = append(g.classes[u.class], int32(i))
		}
		if u.status == stActive {
			if r.Float64() < 0.03 {
				u.flags |= fMustChange
				u.flags &^= fBcrypt
				u.pwSet = max(u.created+60, -int32(hour+r.IntN(10*day)))
			} else if r.Float64() < 0.0055 {
				u.flags |= fLocked
			}
		}
		u.lockN = uint8(5 + r.IntN(4))
	}
	// At least one locked account.
	locked := 0
	for i := range g.users {
		if g.users[i].flags&fLocked != 0 {
			locked++
		}
	}
	if locked == 0 {
		for i := range g.users {
			if u := &g.users[i]; u.status == stActive && u.flags&fMustChange == 0 {
				u.flags |= fLocked
				break
			}
		}
	}
}

func popcount(m uint8) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// identity is the part of a user that is text: name, e-mail, TOTP secret.
type identity struct {
	name, email, first, last, totp string
}

func (g *seedGen) identity(r *seedRNG, i int) identity {
	u := &g.users[i]
	r.reset(g.opt.Seed, streamIdentity, uint64(i))
	l := seedLocales[u.locale]
	f, la := l.first[r.IntN(len(l.first))], l.last[r.IntN(len(l.last))]
	var id identity
	switch {
	case l.code == "ar" && r.Float64() < 0.5:
		id.name = f.ascii + " " + la.ascii
	case l.code == "ja":
		id.name = la.disp + " " + f.disp
	case l.familyFirst:
		id.name = la.disp + " " + f.disp
	default:
		id.name = f.disp + " " + la.disp
	}
	fa, lastA := lettersOnly(foldASCII(f.ascii)), lettersOnly(foldASCII(la.ascii))
	if l.code == "vi" { // the given name is the last word
		words := strings.Fields(f.ascii)
		fa = lettersOnly(foldASCII(words[len(words)-1]))
	}
	if fa == "" {
		fa = "user"
	}
	if lastA == "" {
		lastA = "x"
	}
	id.first, id.last = fa, lastA
	num := strconv.FormatInt(g.userBase+int64(i), 10)
	var local string
	switch f := r.Float64(); {
	case f < 0.55:
		local = fa + "." + lastA + "." + num
	case f < 0.70:
		local = fa[:1] + lastA + num
	case f < 0.80:
		local = fa + "_" + lastA + num
	case f < 0.90:
		local = lastA + "." + fa + "." + num
	default:
		local = fa + lastA + "." + num
	}
	if r.Float64() < 0.05 {
		local += "+" + [...]string{"portal", "work", "extranet", "booking"}[r.IntN(4)]
	}
	domain := g.orgs[u.org[0]].domain
	if r.Float64() < 0.45 {
		domain = [...]string{"example.com", "example.org", "example.net", "mail.example", "post.example"}[r.IntN(5)]
	}
	id.email = local + "@" + domain
	if u.flags&fTOTP != 0 {
		const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
		var s [32]byte
		for k := range s {
			s[k] = b32[r.IntN(32)]
		}
		id.totp = string(s[:])
	}
	return id
}

// loginCode is PREFIX-CODE, CODE a fixed bijection of the user id (so it is unique across
// seeds and runs): 6 characters below 2^30, 7 above.
func (g *seedGen) loginCode(i int) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" // 32 symbols, no 0/O, 1/I
	id := uint64(g.userBase + int64(i))
	n, bits := 6, uint(30)
	if id >= 1<<30 {
		n, bits = 7, 35
	}
	mask := uint64(1)<<bits - 1
	x := (id*0x2545F491 + 0x5bd1e995) & mask // odd multiplier: a bijection modulo 2^bits
	var b [7]byte
	for k := n - 1; k >= 0; k-- {
		b[k] = alphabet[x&31]
		x >>= 5
	}
	return g.orgs[g.users[i].org[0]].prefix + "-" + string(b[:n])
}

func (g *seedGen) planInvitations() {
	r := newSeedRNG()
	var invited, active []int32
	for i := range g.users {
		switch g.users[i].status {
		case stInvited:
			invited = append(invited, int32(i))
		case stActive:
			active = append(active, int32(i))
		}
	}
	idr := newSeedRNG()
	nextInvited := 0
	g.invs = make([]invPlan, 0, g.opt.Invitations)
	for j := 0; j < g.opt.Invitations; j++ {
		r.reset(g.opt.Seed, streamInvitations, uint64(j))
		inv := invPlan{user: -1, resend: uint8(r.IntN(3))}
		inv.rights = rightProfiles[pickProfile(r)].mask
		kind := r.Float64()
		open := kind < 0.60 // pending or expired
		switch {
		case open && nextInvited < len(invited):
			inv.user = invited[nextInvited]
			nextInvited++
		case !open && kind < 0.90 && len(active) > 0: // accepted by an existing user
			inv.user = active[r.IntN(len(active))]
		}
		if inv.user >= 0 {
			id := g.identity(idr, int(inv.user))
			inv.email, inv.name, inv.org = id.email, id.name, g.users[inv.user].org[0]
		} else {
			loc := seedLocales[pickLocale(r)]
			f, l := loc.first[r.IntN(len(loc.first))], loc.last[r.IntN(len(loc.last))]
			inv.name = f.disp + " " + l.disp
			inv.org = int32(r.IntN(max(1, g.opt.Orgs)))
			inv.email = lettersOnly(foldASCII(f.ascii)) + "." + lettersOnly(foldASCII(l.ascii)) +
				".inv" + strconv.FormatInt(g.invBase+int64(j), 10) + "@" + g.orgs[inv.org].domain
		}
		switch {
		case kind < 0.45: // pending
			inv.created = -int32(hour + r.IntN(6*day))
			inv.expires = inv.created + 7*day
		case kind < 0.60: // expired
			inv.created = -int32(8*day + r.IntN(52*day))
			inv.expires = inv.created + 7*day
		case kind < 0.90 && inv.user >= 0: // accepted
			inv.created = max(g.users[inv.user].created-3*day, -int32(400*day))
			inv.expires = inv.created + 7*day
			inv.accepted = inv.created + int32(hour+r.IntN(3*day))
		default: // revoked
			inv.created = -int32(10*day + r.IntN(190*day))
			inv.expires = inv.created + 7*day
			inv.revoked = inv.created + int32(hour+r.IntN(5*day))
		}
		g.invs = append(g.invs, inv)
		g.nInvitationRights += int64(popcount(inv.rights))
	}
}

// ---------------------------------------------------------------------------------------
// Network and user agents

const (
	ipPoolSize  = 8192
	ipPoolUsers = 8 // the first entries are the attackers'
)

// walk64 are more addresses of the attackers' 2001:db8:bad:1::/64 (beside its ::66, in the
// pool's first entries): the seedIPs after the pool, where no user's address is picked. An
// attacker given a /64 walks its addresses, so one /64 fails on many accounts from many
// addresses, each address on a few only.
var walk64 = []string{"2001:db8:bad:1::1a7", "2001:db8:bad:1:4::9", "2001:db8:bad:1:9e::31", "2001:db8:bad:1::d0c",
	"2001:db8:bad:1:77::5", "2001:db8:bad:1:c1::e2", "2001:db8:bad:1::4f", "2001:db8:bad:1:2a::b"}

var seedIPs = func() []string {
	r := newSeedRNG()
	r.reset(0, 99, 0)
	ips := []string{"203.0.113.66", "203.0.113.77", "203.0.113.199", "2001:db8:bad:1::66",
		"203.0.113.13", "203.0.113.250", "2001:db8:bad:2::13", "203.0.113.42"}
	for len(ips) < ipPoolSize {
		switch f := r.Float64(); {
		case f < 0.30:
			ips = append(ips, "192.0.2."+strconv.Itoa(1+r.IntN(254)))
		case f < 0.55:
			ips = append(ips, "198.51.100."+strconv.Itoa(1+r.IntN(254)))
		default:
			ips = append(ips, fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xffff)))
		}
	}
	return append(ips, walk64...)
}()

var seedUserAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.92",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko",
	"PortalMobile/3.14.2 (iOS 17.5; iPhone14,2)",
	"PortalMobile/3.14.1 (Android 14; Pixel 7)",
}

var attackerAgents = []string{"python-requests/2.31.0", "curl/8.5.0", "Go-http-client/1.1",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36"}

// attacker user agents follow the users' in one index space
func userAgent(i uint8) string {
	if int(i) < len(seedUserAgents) {
		return seedUserAgents[i]
	}
	return attackerAgents[int(i)-len(seedUserAgents)]
}
