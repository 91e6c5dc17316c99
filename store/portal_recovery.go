package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// Self-service recovery from the portal: "forgot password" e-mails a reset link, "lost login
// code" e-mails the login code. Both answer the same whether or not the identifier names an
// account (the caller learns nothing), and both are rate-limited in the database, so the
// limit holds across every portal process: per account (further requests are silently not
// sent) and per client address (refused with ErrRateLimited, whatever the identifier).

// Limits of the e-mail-sending pages, per fixed window.
const (
	RecoveryWindow        = time.Hour
	RecoveryPerAccount    = 3  // e-mails of one kind to one account per window
	RecoveryPerIdentifier = 5  // requests naming one identifier per window (known or not)
	RecoveryPerAddress    = 20 // requests from one client address (IPv6: its /64) per window
)

// ErrRateLimited refuses a request from a client address that asked too often; try later.
// It is returned the same for known and unknown identifiers.
var ErrRateLimited = errors.New("too many requests from this address; try again later")

// RecoveryRequest is one request of a recovery page.
type RecoveryRequest struct {
	Identifier string // login code or e-mail, as typed
	IP         netip.Addr
	UserAgent  string
}

// addressBucket names a client address for the limits: IPv4 whole, IPv6 by its /64 (one
// subscriber's network).
func addressBucket(ip netip.Addr) string {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return "addr:unknown"
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + ip.String()
}

// hit counts one request in bucket's current window and returns the count so far.
func (s *Store) hit(ctx context.Context, tx *sqlx.Tx, bucket string, now time.Time) (int, error) {
	start := now.UTC().Truncate(RecoveryWindow)
	var n int
	err := tx.GetContext(ctx, &n, `INSERT INTO portal_rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = portal_rate_limits.hits + 1 RETURNING hits`, bucket, start)
	return n, err
}

// RequestPasswordReset is the "forgot password" page: when the identifier names an active
// account (locked or not) that has not asked too often, a reset link (1 hour, single use;
// earlier links die) is e-mailed to it. nil whatever the identifier names; ErrRateLimited
// when the client address asked too often.
func (s *Store) RequestPasswordReset(ctx context.Context, req RecoveryRequest) error {
	return s.recovery(ctx, req, "reset", func(tx *sqlx.Tx, u model.User, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `UPDATE reset_tokens SET revoked_at = $2 WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, u.ID, now); err != nil {
			return err
		}
		token, hash := model.NewToken()
		if _, err := tx.ExecContext(ctx, `INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at, requested_by)
			VALUES ($1, $2, $3, $4, 'self')`, u.ID, hash, now, now.Add(ResetLinkTTL)); err != nil {
			return err
		}
		lang := i18n.Parse(u.Lang)
		body := i18n.T(lang, "mail.greeting", u.Name) + "\n\n" +
			i18n.T(lang, "mail.reset.self.body", u.Login, now.UTC().Format("2006-01-02 15:04")) + "\n\n" + i18n.T(lang, "mail.signature")
		if _, err := s.enqueueMail(ctx, tx, Mail{Kind: "reset_link", UserID: &u.ID, To: u.Email, Lang: string(lang),
			Subject: i18n.T(lang, "mail.reset.subject"), Body: body,
			Secret: s.cfg.PortalURL + "/reset?token=" + token}); err != nil {
			return err
		}
		return authEvent(ctx, tx, now, &u.ID, u.Login, "reset_requested", "self", req.IP.Unmap(), req.UserAgent)
	})
}

// RequestLoginCode is the "lost login code" page: when the identifier (usually the e-mail)
// names an active account that has not asked too often, its login code is e-mailed to it.
// The same answers as RequestPasswordReset.
func (s *Store) RequestLoginCode(ctx context.Context, req RecoveryRequest) error {
	return s.recovery(ctx, req, "code", func(tx *sqlx.Tx, u model.User, now time.Time) error {
		lang := i18n.Parse(u.Lang)
		body := i18n.T(lang, "mail.greeting", u.Name) + "\n\n" +
			i18n.T(lang, "mail.login_code.body", u.Login, now.UTC().Format("2006-01-02 15:04")) + "\n\n" + i18n.T(lang, "mail.signature")
		if _, err := s.enqueueMail(ctx, tx, Mail{Kind: "login_code", UserID: &u.ID, To: u.Email, Lang: string(lang),
			Subject: i18n.T(lang, "mail.login_code.subject"), Body: body}); err != nil {
			return err
		}
		return authEvent(ctx, tx, now, &u.ID, u.Login, "login_code_sent", "self", req.IP.Unmap(), req.UserAgent)
	})
}

// recovery runs one request of a recovery page: the address's limit, the identifier's and
// the account's, then send for an active account. Known and unknown identifiers take the
// same statements up to the sending.
func (s *Store) recovery(ctx context.Context, req RecoveryRequest, kind string, send func(*sqlx.Tx, model.User, time.Time) error) error {
	ident := cleanText(model.NormalizeIdentifier(cleanText(req.Identifier, 4*maxIdentifier)), 4*maxIdentifier)
	req.UserAgent = cleanText(req.UserAgent, 512)
	r, found, err := s.lookupLogin(ctx, ident)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(model.NormalizeEmail(ident)))
	limited := false
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		limited = false
		now := s.now()
		n, err := s.hit(ctx, tx, kind+":"+addressBucket(req.IP), now)
		if err != nil {
			return err
		}
		if n > RecoveryPerAddress {
			limited = true
			return nil
		}
		if n, err = s.hit(ctx, tx, kind+":ident:"+hex.EncodeToString(sum[:16]), now); err != nil || n > RecoveryPerIdentifier {
			return err
		}
		if !found || model.Status(r.Status) != model.StatusActive {
			return authEvent(ctx, tx, now, nil, cleanText(ident, 256), kindEvent(kind), "unknown_login", req.IP.Unmap(), req.UserAgent)
		}
		if n, err = s.hit(ctx, tx, kind+":account:"+itoa(int(r.ID)), now); err != nil || n > RecoveryPerAccount {
			return err
		}
		u, err := s.userForUpdate(ctx, tx, supportScope, r.ID)
		if err != nil {
			return err
		}
		if u.Status != model.StatusActive {
			return nil
		}
		if rand.IntN(200) == 0 { // now and then, forget the windows of yesterday
			if _, err := tx.ExecContext(ctx, `DELETE FROM portal_rate_limits WHERE window_start < $1`, now.Add(-24*time.Hour)); err != nil {
				return err
			}
		}
		return send(tx, u, now)
	})
	if err != nil {
		return err
	}
	if limited {
		return ErrRateLimited
	}
	return nil
}

// kindEvent is the auth event of a recovery request.
func kindEvent(kind string) string {
	if kind == "code" {
		return "login_code_sent"
	}
	return "reset_requested"
}

// ResetPreview is what the reset page shows before the new password is typed.
type ResetPreview struct {
	Login       string
	Name        string
	Lang        string
	ExpiresAt   time.Time
	Policy      model.PasswordPolicy
	PolicyFacts model.PasswordContext
}

// InspectResetToken tells the reset page whose link this is and which rules the new
// password must pass, or why the link is refused (ErrTokenUnknown, ErrTokenUsed,
// ErrTokenExpired, ErrTokenReplaced, ErrAccountClosed). It changes nothing.
func (s *Store) InspectResetToken(ctx context.Context, token string) (ResetPreview, error) {
	if token == "" || len(token) > 256 {
		return ResetPreview{}, ErrTokenUnknown
	}
	var r struct {
		ExpiresAt time.Time    `db:"expires_at"`
		UsedAt    sql.NullTime `db:"used_at"`
		RevokedAt sql.NullTime `db:"revoked_at"`
		UserID    int64        `db:"id"`
		Login     string       `db:"login_code"`
		Name      string       `db:"name"`
		Email     string       `db:"email"`
		Lang      string       `db:"lang"`
		Status    string       `db:"status"`
		TOTP      bool         `db:"totp_enabled"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT t.expires_at, t.used_at, t.revoked_at, u.id, u.login_code, u.name, u.email,
		u.lang, u.status, u.totp_enabled
		FROM reset_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, model.HashToken(token))
	switch {
	case isNoRows(err):
		return ResetPreview{}, ErrTokenUnknown
	case err != nil:
		return ResetPreview{}, mapErr(err)
	case r.UsedAt.Valid:
		return ResetPreview{}, ErrTokenUsed
	case r.RevokedAt.Valid:
		return ResetPreview{}, ErrTokenReplaced
	case !r.ExpiresAt.After(s.now()):
		return ResetPreview{}, ErrTokenExpired
	case model.Status(r.Status) == model.StatusDeleted || model.Status(r.Status) == model.StatusDisabled:
		return ResetPreview{}, ErrAccountClosed
	}
	p := ResetPreview{Login: r.Login, Name: r.Name, Lang: r.Lang, ExpiresAt: r.ExpiresAt}
	u := model.User{ID: r.UserID, Login: r.Login, Email: r.Email, Name: r.Name, TOTPEnabled: r.TOTP}
	if p.Policy, p.PolicyFacts, err = passwordRules(ctx, s.db, u); err != nil {
		return ResetPreview{}, err
	}
	return p, nil
}
