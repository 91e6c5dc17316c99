package demodata

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// The sample accounts, the audit rows, and the writers of every table's COPY rows.

func (g *seedGen) samples() []Sample {
	r := newSeedRNG()
	var out []Sample
	usedPw := map[uint8]int{}
	for i := range g.users {
		u := &g.users[i]
		if u.status != stActive || u.flags&(fMustChange|fTOTP|fLocked|fBcrypt|fHit) != 0 ||
			g.state[i].lockedAt != 0 || usedPw[u.pw] >= 2 {
			continue
		}
		usedPw[u.pw]++
		id := g.identity(r, i)
		out = append(out, Sample{Login: g.loginCode(i), Email: id.email, Password: Passwords[u.pw]})
		if len(out) == 4 {
			break
		}
	}
	return out
}

// auditPlan is the demo's audit rows, as the store writes them: each with its structured
// part (JSON), which shows it in the reader's language, and its English summary rendered
// from it.
type auditPlan struct {
	operator, action, summary, detail []string
	user, org                         []int64
}

func (g *seedGen) planAudit() auditPlan {
	var a auditPlan
	if len(g.users) == 0 {
		return a
	}
	n := min(300, 20+len(g.users)/10)
	r := newSeedRNG()
	r.reset(g.opt.Seed, streamAudit, 0)
	ops := []string{"seed", "c.martin", "support.lyon", "oncall.nuit", "a.nowak"}
	expires := g.now.Add(72 * time.Hour).UTC().Format("2006-01-02 15:04")
	for range n {
		ui := r.IntN(len(g.users))
		u := &g.users[ui]
		login := g.loginCode(ui)
		var action string
		var d model.AuditDetail
		switch r.IntN(8) {
		case 0:
			action, d = "user.enable", model.AuditDetail{"login": login}
		case 1:
			action, d = "user.unlock", model.AuditDetail{"login": login, "was_locked": true, "failures": 5 + r.IntN(4),
				"reason": fmt.Sprintf("ticket #%d", 4000+r.IntN(6000))}
		case 2:
			action, d = "user.password_temporary", model.AuditDetail{"login": login, "expires": expires, "sessions": r.IntN(2)}
		case 3:
			action, d = "user.disable", model.AuditDetail{"login": login, "sessions": r.IntN(3)}
		case 4:
			action, d = "user.totp_reset", model.AuditDetail{"login": login, "was_enabled": true, "sessions": r.IntN(2),
				"reason": fmt.Sprintf("ticket #%d", 4000+r.IntN(6000))}
		case 5:
			action, d = "user.update", model.AuditDetail{"login": login, "changes": []model.AuditDetail{
				{"part": "rights_added", "org": g.orgs[u.org[0]].slug, "rights": "bookings.manage, reports.view"}}}
		case 6:
			action, d = "user.reset_link", model.AuditDetail{"login": login}
		default:
			action, d = "user.login_code", model.AuditDetail{"login": login}
		}
		summary, _ := model.AuditText(i18n.EN, action, d)
		raw, _ := json.Marshal(d)
		a.operator = append(a.operator, ops[r.IntN(len(ops))])
		a.action = append(a.action, action)
		a.summary = append(a.summary, summary)
		a.detail = append(a.detail, string(raw))
		a.user = append(a.user, g.userBase+int64(ui))
		a.org = append(a.org, g.orgBase+int64(u.org[0]))
	}
	return a
}

// ---------------------------------------------------------------------------------------
// Writers

func (g *seedGen) us(t int32) int64 { return (g.nowUnix + int64(t)) * 1e6 }

func (g *seedGen) tsOrNull(w *rowSink, t int32) {
	if t == 0 {
		w.null()
	} else {
		w.ts(g.us(t))
	}
}

func (g *seedGen) writeOrgs(w *rowSink) error {
	for i := range g.orgs {
		o := &g.orgs[i]
		w.int(g.orgBase + int64(i))
		w.str(o.slug)
		w.str(o.name)
		w.ts(g.us(o.created))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *seedGen) writeUsers(w *rowSink) error {
	r := newSeedRNG()
	for i := range g.users {
		u, st := &g.users[i], &g.state[i]
		id := g.identity(r, i)
		w.int(g.userBase + int64(i))
		w.str(g.loginCode(i))
		w.str(id.email)
		w.str(id.name)
		w.str(seedLocales[u.locale].lang)
		w.str(statusNames[u.status])
		switch {
		case u.status == stInvited:
			w.null()
		case u.flags&fBcrypt != 0:
			w.str(g.bcryptHash)
		default:
			w.str(g.hashes[u.pw])
		}
		w.bool(u.flags&fMustChange != 0)
		pwChanged := st.pwChanged
		if u.status == stInvited {
			pwChanged = 0
		} else if pwChanged == 0 {
			pwChanged = u.created + 120
		}
		if u.flags&fMustChange != 0 {
			pwChanged = u.pwSet
		}
		g.tsOrNull(w, pwChanged)
		if u.flags&fMustChange != 0 {
			w.ts(g.us(u.pwSet + 72*hour))
		} else {
			w.null()
		}
		w.bool(u.flags&fTOTP != 0)
		w.strOrNull(id.totp)
		fails, firstFail, lastFail, lastFailIP := st.fails, st.firstFail, st.lastFail, st.lastFailIP
		lockedAt := st.lockedAt
		lockCount := st.lockCount
		if u.flags&fLocked != 0 && lockedAt == 0 { // no room for its events
			lockedAt, lockCount = u.lockAt, max(lockCount, 1)
			fails = max(fails, 5)
			firstFail, lastFail, lastFailIP = u.lockAt-300, u.lockAt, u.ip
		}
		if lockedAt != 0 && fails < 5 {
			fails = 5
		}
		w.int(int64(fails))
		if fails == 0 {
			firstFail = 0
		}
		g.tsOrNull(w, firstFail)
		g.tsOrNull(w, lastFail)
		if lastFail != 0 {
			w.str(seedIPs[lastFailIP])
		} else {
			w.null()
		}
		g.tsOrNull(w, lockedAt)
		w.null() // locked_until: until reset
		if lockedAt != 0 {
			w.str("threshold")
		} else {
			w.null()
		}
		w.int(int64(lockCount))
		g.tsOrNull(w, st.lastLogin)
		if st.lastLogin != 0 {
			w.str(seedIPs[st.lastLoginIP])
		} else {
			w.null()
		}
		w.ts(g.us(u.created))
		updated := max(u.created, pwChanged, u.end, lockedAt, st.lastLogin, lastFail)
		w.ts(g.us(updated))
		if u.status == stDeleted {
			w.ts(g.us(u.end))
		} else {
			w.null()
		}
		w.int(1 + int64(lockCount) + int64(i%3))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// writeMemberships copies each user's name and status onto its memberships (their triggers
// are off). The name is the user's identity, drawn again: the users may be written at the
// same time, by another transaction.
func (g *seedGen) writeMemberships(w *rowSink) error {
	r := newSeedRNG()
	for i := range g.users {
		u := &g.users[i]
		name := ""
		for k, o := range u.org {
			if o < 0 {
				continue
			}
			if name == "" {
				name = g.identity(r, i).name
			}
			w.int(g.userBase + int64(i))
			w.int(g.orgBase + int64(o))
			w.ts(g.us(u.created + int32(k)*int32(30*day)%max(1, -u.created)))
			w.str(name)
			w.str(statusNames[u.status])
			if err := w.end(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *seedGen) writeMembershipRights(w *rowSink) error {
	for i := range g.users {
		u := &g.users[i]
		for k, o := range u.org {
			if o < 0 {
				continue
			}
			mask := rightProfiles[u.prof[k]].mask
			for b, code := range rightCodes {
				if mask&(1<<b) == 0 {
					continue
				}
				w.int(g.userBase + int64(i))
				w.int(g.orgBase + int64(o))
				w.str(code)
				if err := w.end(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *seedGen) writeInvitations(w *rowSink) error {
	for j := range g.invs {
		inv := &g.invs[j]
		id := g.invBase + int64(j)
		w.int(id)
		w.int(g.orgBase + int64(inv.org))
		w.str(inv.email)
		w.str(inv.name)
		if inv.user >= 0 {
			w.int(g.userBase + int64(inv.user))
		} else {
			w.null()
		}
		w.str("seed")
		// A token nobody holds: a hash derived from the seed and the (unique) id.
		var in [16]byte
		binary.LittleEndian.PutUint64(in[:8], uint64(g.opt.Seed))
		binary.LittleEndian.PutUint64(in[8:], uint64(id))
		h := sha256.Sum256(in[:])
		w.str(`\x` + hex.EncodeToString(h[:]))
		w.ts(g.us(inv.created))
		w.ts(g.us(inv.expires))
		g.tsOrNull(w, inv.accepted)
		g.tsOrNull(w, inv.revoked)
		w.int(int64(inv.resend))
		w.ts(g.us(inv.created + int32(inv.resend)*int32(day)))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *seedGen) writeInvitationRights(w *rowSink) error {
	for j := range g.invs {
		for b, code := range rightCodes {
			if g.invs[j].rights&(1<<b) == 0 {
				continue
			}
			w.int(g.invBase + int64(j))
			w.str(code)
			if err := w.end(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *seedGen) writeEvents(w *rowSink) error {
	if g.opt.Events == 0 {
		return nil
	}
	n := int64(0)
	idr := newSeedRNG()
	return g.simulate(func(ev *seedEvent) error {
		id := g.eventBase + n
		n++
		w.int(id)
		// Sub-second jitter from the id: presentation only, no effect on the simulation.
		w.ts(g.us(ev.t) + int64(splitmix64(uint64(id))%1_000_000))
		if ev.user >= 0 {
			w.int(g.userBase + int64(ev.user))
			switch h := splitmix64(uint64(id)^0xabcdef) % 10; {
			case h < 6:
				w.str(g.loginCode(int(ev.user)))
			case h < 7:
				w.str(strings.ToLower(g.loginCode(int(ev.user))))
			default:
				w.str(g.identity(idr, int(ev.user)).email)
			}
		} else {
			w.null()
			w.str(ev.login)
		}
		w.str(kindNames[ev.kind])
		if ev.reason == rNone {
			w.null()
		} else {
			w.str(reasonNames[ev.reason])
		}
		w.str(seedIPs[ev.ip])
		w.str(userAgent(ev.ua))
		return w.end()
	})
}
