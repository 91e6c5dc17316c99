package portal

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// 2FA enrolment. The page shows a QR code of the otpauth:// URI (drawn here as inline SVG:
// nothing leaves the server) and the secret as text, and turns 2FA on once one code from the
// app matches. A sign-in that must enrol (after an operator's 2FA reset, or because an
// organization requires 2FA) lands here with its ticket, before any session; a signed-in
// user starts an enrolment from the account page, and the new factor replaces the session.

func (p *Portal) totpPage(w http.ResponseWriter, r *http.Request) {
	vs := p.visit(r)
	if ticket, pend, state := p.pendingAt(w, r, store.StepEnrol); state != noPending {
		if state == atStep {
			v, err := p.enrolForm(r, vs, ticket, pend)
			if err != nil {
				p.fail(w, r, err)
				return
			}
			p.render(w, r, http.StatusOK, "totp", v)
		}
		return
	}
	if vs.acct == nil {
		p.redirect(w, r, p.url("/login"))
		return
	}
	v := p.view(r, vs, "portal.totp.title", "")
	v.Step = "off"
	if vs.acct.TOTPEnabled {
		v.Step = "on"
	}
	p.notice(v, r)
	p.render(w, r, http.StatusOK, "totp", v)
}

// enrolForm shows the secret of an enrolment ticket as a QR code and as text.
func (p *Portal) enrolForm(r *http.Request, vs *visit, ticket string, pend store.PendingSignIn) (*view, error) {
	secret, err := p.st.EnrolmentSecret(r.Context(), ticket)
	if err != nil {
		return nil, err
	}
	v := p.view(r, vs, "portal.totp.title", pend.Lang)
	v.Step = "enrol"
	switch {
	case vs.acct != nil:
	case pend.TOTPRequired:
		v.Text = v.T("portal.totp.required")
	default:
		v.Text = v.T("portal.totp.reset")
	}
	uri := model.TOTPURI(secret, safe.Line(p.cfg.issuer), safe.Line(pend.Login))
	qr, err := qrSVG(uri)
	if err != nil {
		return nil, err
	}
	v.QR = qr
	v.Secret = groupSecret(secret)
	return v, nil
}

func (p *Portal) totpSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	vs := p.visit(r)
	if r.PostForm.Get("step") == "start" {
		if vs.acct == nil {
			p.redirect(w, r, p.url("/login"))
			return
		}
		res, err := p.st.StartTOTPEnrolment(r.Context(), vs.token, p.clientIP(r), r.UserAgent())
		if errors.Is(err, store.ErrInvalid) { // already on
			p.redirect(w, r, p.url("/totp"))
			return
		}
		if err != nil {
			p.fail(w, r, err)
			return
		}
		p.pend(w, res)
		p.redirect(w, r, p.url("/totp"))
		return
	}
	ticket := cookieValue(r, p.cfg.cookies.pending)
	pend, err := p.st.PendingSignIn(r.Context(), ticket)
	if err != nil || pend.Step != store.StepEnrol {
		p.clearCookie(w, p.cfg.cookies.pending)
		if vs.acct != nil {
			p.redirect(w, r, p.url("/totp"))
			return
		}
		p.loginRefused(w, r, "", "portal.login.expired")
		return
	}
	res, err := p.st.ContinueSignIn(r.Context(), ticket, store.StepInput{TOTP: r.PostForm.Get("code"),
		IP: p.clientIP(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, store.ErrTOTPCode):
		v, ferr := p.enrolForm(r, vs, ticket, pend)
		if errors.Is(ferr, store.ErrSignInExpired) { // too many wrong codes
			p.clearCookie(w, p.cfg.cookies.pending)
			p.loginRefused(w, r, "", "portal.login.expired")
			return
		}
		if ferr != nil {
			p.fail(w, r, ferr)
			return
		}
		v.Error = v.T("portal.totp.badcode")
		p.render(w, r, http.StatusOK, "totp", v)
	case errors.Is(err, store.ErrSignInExpired), errors.Is(err, store.ErrAuthFailed):
		p.clearCookie(w, p.cfg.cookies.pending)
		p.loginRefused(w, r, "", "portal.login.expired")
	case err != nil:
		p.fail(w, r, err)
	default:
		p.signInDone(w, r, res, "totp")
	}
}

// groupSecret writes a base32 secret in groups of four, as apps accept it typed.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// qrCache keeps the QR codes drawn for enrolments in progress (a page reloaded after a
// wrong code is not drawn again), each for as long as an enrolment ticket lives.
var qrCache = struct {
	sync.Mutex
	m map[[32]byte]qrEntry
}{m: map[[32]byte]qrEntry{}}

type qrEntry struct {
	svg     template.HTML
	expires time.Time
}

const qrCacheMax = 512

// qrSVG draws the QR code of text as an SVG path, one unit per module, the quiet zone
// included. The markup is built here from the code's bitmap only: no input reaches it.
func qrSVG(text string) (template.HTML, error) {
	key := sha256.Sum256([]byte(text))
	now := time.Now()
	qrCache.Lock()
	e, ok := qrCache.m[key]
	qrCache.Unlock()
	if ok && now.Before(e.expires) {
		return e.svg, nil
	}
	svg, err := drawQR(text)
	if err != nil {
		return "", err
	}
	qrCache.Lock()
	if len(qrCache.m) >= qrCacheMax {
		for k, v := range qrCache.m {
			if !now.Before(v.expires) || len(qrCache.m) >= qrCacheMax {
				delete(qrCache.m, k)
			}
		}
	}
	qrCache.m[key] = qrEntry{svg: svg, expires: now.Add(store.TicketTTL)}
	qrCache.Unlock()
	return svg, nil
}

func drawQR(text string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	bm := q.Bitmap()
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" focusable="false" aria-hidden="true">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil //nolint:gosec // built from the bitmap alone
}
