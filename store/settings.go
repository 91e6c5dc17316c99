package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Installation-wide settings live in the settings table as JSON, one row per key. A missing
// row means the defaults (README, Configuration); a row may set only some fields (the others keep their
// defaults). Durations are Go duration strings ("15m", "24h").

// Setting keys.
const (
	settingLockout  = "lockout"
	settingSessions = "sessions"
)

// SessionPolicy says how long a portal session lasts.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without activity (30m)
	Absolute time.Duration // ends this long after login whatever happens (12h)
}

// DefaultSessionPolicy is the installation default.
func DefaultSessionPolicy() SessionPolicy {
	return SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}
}

// Validate reports the first inconsistency of the policy, or nil.
func (p SessionPolicy) Validate() error {
	switch {
	case p.Idle <= 0:
		return fmt.Errorf("%w: session idle timeout must be positive", ErrInvalid)
	case p.Absolute < p.Idle:
		return fmt.Errorf("%w: session absolute lifetime must be at least the idle timeout", ErrInvalid)
	}
	return nil
}

type lockoutJSON struct {
	Threshold *int    `json:"threshold,omitempty"`
	Window    *string `json:"window,omitempty"`
	Mode      *string `json:"mode,omitempty"`
	Base      *string `json:"base,omitempty"`
	Max       *string `json:"max,omitempty"`
}

type sessionsJSON struct {
	Idle     *string `json:"idle,omitempty"`
	Absolute *string `json:"absolute,omitempty"`
}

func parseDur(dst *time.Duration, s *string, name string) error {
	if s == nil {
		return nil
	}
	d, err := time.ParseDuration(*s)
	if err != nil {
		return fmt.Errorf("setting %s: %w", name, err)
	}
	*dst = d
	return nil
}

// readSetting loads one key's JSON into v; found=false when the row does not exist.
func readSetting(ctx context.Context, q sqlx.QueryerContext, key string, v any) (bool, error) {
	var raw []byte
	err := sqlx.GetContext(ctx, q, &raw, `SELECT value FROM settings WHERE key = $1`, key)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("setting %s: %w", key, err)
	}
	return true, nil
}

// LockoutPolicy returns the installation's lockout policy (defaults for what is not set).
// A stored policy that does not validate is an error: authentication must not silently run
// without lockout.
func (s *Store) LockoutPolicy(ctx context.Context) (model.LockoutPolicy, error) {
	return s.lockoutPolicy(ctx, s.db)
}

func (s *Store) lockoutPolicy(ctx context.Context, q sqlx.QueryerContext) (model.LockoutPolicy, error) {
	p := model.DefaultLockoutPolicy()
	var j lockoutJSON
	if _, err := readSetting(ctx, q, settingLockout, &j); err != nil {
		return p, err
	}
	if j.Threshold != nil {
		p.Threshold = *j.Threshold
	}
	if j.Mode != nil {
		p.Mode = model.LockoutMode(*j.Mode)
	}
	if err := parseDur(&p.Window, j.Window, "lockout.window"); err != nil {
		return p, err
	}
	if err := parseDur(&p.BaseDuration, j.Base, "lockout.base"); err != nil {
		return p, err
	}
	if err := parseDur(&p.MaxDuration, j.Max, "lockout.max"); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("setting lockout: %w", err)
	}
	return p, nil
}

// SetLockoutPolicy stores the installation's lockout policy. Support only; audited.
func (s *Store) SetLockoutPolicy(ctx context.Context, op model.Operator, p model.LockoutPolicy) error {
	if err := writable(op); err != nil {
		return err
	}
	if op.Role != model.RoleSupport {
		return ErrForbidden
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	mode, w, b, m := string(p.Mode), p.Window.String(), p.BaseDuration.String(), p.MaxDuration.String()
	j := lockoutJSON{Threshold: &p.Threshold, Window: &w, Mode: &mode, Base: &b, Max: &m}
	how := model.AuditDetail{"part": "lock_until_reset"}
	if p.Mode == model.LockTemporary {
		how = model.AuditDetail{"part": "lock_temporary", "base": seconds(p.BaseDuration), "max": seconds(p.MaxDuration)}
	}
	return s.writeSetting(ctx, op, settingLockout, j, model.AuditDetail{"threshold": p.Threshold, "window": seconds(p.Window), "mode": how})
}

// SessionPolicy returns the installation's portal session lifetimes.
func (s *Store) SessionPolicy(ctx context.Context) (SessionPolicy, error) {
	return s.sessionPolicy(ctx, s.db)
}

func (s *Store) sessionPolicy(ctx context.Context, q sqlx.QueryerContext) (SessionPolicy, error) {
	p := DefaultSessionPolicy()
	var j sessionsJSON
	if _, err := readSetting(ctx, q, settingSessions, &j); err != nil {
		return p, err
	}
	if err := parseDur(&p.Idle, j.Idle, "sessions.idle"); err != nil {
		return p, err
	}
	if err := parseDur(&p.Absolute, j.Absolute, "sessions.absolute"); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("setting sessions: %w", err)
	}
	return p, nil
}

// SetSessionPolicy stores the portal session lifetimes. Support only; audited.
func (s *Store) SetSessionPolicy(ctx context.Context, op model.Operator, p SessionPolicy) error {
	if err := writable(op); err != nil {
		return err
	}
	if op.Role != model.RoleSupport {
		return ErrForbidden
	}
	if err := p.Validate(); err != nil {
		return err
	}
	i, a := p.Idle.String(), p.Absolute.String()
	return s.writeSetting(ctx, op, settingSessions, sessionsJSON{Idle: &i, Absolute: &a},
		model.AuditDetail{"idle": seconds(p.Idle), "absolute": seconds(p.Absolute)})
}

// seconds is a duration in whole seconds, as an audit row's detail holds a span of time.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// writeSetting stores a setting; its audit row is "settings.KEY" with the detail d.
func (s *Store) writeSetting(ctx context.Context, op model.Operator, key string, v any, d model.AuditDetail) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
			key, raw, s.now()); err != nil {
			return err
		}
		return audit(ctx, tx, op, "settings."+key, nil, nil, d)
	})
}
