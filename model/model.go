// Package model is gatehouse's domain: types, validation, and the password and lockout
// policies. It is pure: no I/O, no database, no terminal.
package model

import (
	"net/netip"
	"time"

	"gatehouse/model/i18n"
)

// Status of a user account.
type Status string

const (
	StatusInvited  Status = "invited"
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
	StatusDeleted  Status = "deleted"
)

// Statuses lists the stored statuses in display order.
var Statuses = []Status{StatusActive, StatusInvited, StatusDisabled, StatusDeleted}

// Valid reports whether s is a stored status.
func (s Status) Valid() bool {
	switch s {
	case StatusInvited, StatusActive, StatusDisabled, StatusDeleted:
		return true
	}
	return false
}

// Role of an operator (a person using gatehouse).
type Role string

const (
	RoleSupport Role = "support" // every organization, every action
	RoleAdmin   Role = "admin"   // assigned organizations, grants only rights they hold
	RoleOncall  Role = "oncall"  // reads everything, may unlock and reset failure counters
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleSupport || r == RoleAdmin || r == RoleOncall }

// Operator is the acting person behind every store call.
type Operator struct {
	ID     int64
	Name   string
	Role   Role
	OrgIDs []int64  // admin scope; empty for support and oncall (they see all)
	Rights []string // rights an admin may grant; support may grant every right
	// ReadOnly marks a session opened read-only (--read-only): it changes nothing, whatever
	// the role (see May). Not stored: a property of the session, not of the operator.
	ReadOnly bool
}

// AllOrgs reports whether the operator sees every organization.
func (o Operator) AllOrgs() bool { return o.Role == RoleSupport || o.Role == RoleOncall }

// InScope reports whether the organization is within the operator's scope.
func (o Operator) InScope(orgID int64) bool {
	if o.AllOrgs() {
		return true
	}
	for _, id := range o.OrgIDs {
		if id == orgID {
			return true
		}
	}
	return false
}

// CanWrite reports whether the operator may change accounts beyond unlocking them (the
// action policy: false for oncall and for every read-only session).
func (o Operator) CanWrite() bool { return o.Allows(ActionEditProfile) }

// CanUnlock reports whether the operator may unlock accounts and reset failure counters
// (the action policy: false for every read-only session).
func (o Operator) CanUnlock() bool { return o.Allows(ActionUnlock) }

// CanGrant reports whether the operator's role may grant the right (what they may offer;
// whether they may change anything at all is May's answer).
func (o Operator) CanGrant(right string) bool {
	switch o.Role {
	case RoleSupport:
		return true
	case RoleAdmin:
		for _, r := range o.Rights {
			if r == right {
				return true
			}
		}
	}
	return false
}

// Organization is a customer organization ("établissement", "entreprise").
type Organization struct {
	ID        int64     `db:"id" json:"id"`
	Slug      string    `db:"slug" json:"slug"`
	Name      string    `db:"name" json:"name"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`

	// TimeZone is the zone of the dates in the e-mails about it ("": by the recipient's
	// language).
	TimeZone string `db:"time_zone" json:"time_zone,omitempty"`
}

// Right is an entry of the rights catalog.
type Right struct {
	Code        string `db:"code" json:"code"`
	Label       string `db:"label" json:"label"`
	Description string `db:"description" json:"description"`

	// The French texts ("" until written: the English one is shown).
	LabelFR       string `db:"label_fr" json:"label_fr,omitempty"`
	DescriptionFR string `db:"description_fr" json:"description_fr,omitempty"`
}

// LabelIn is the right's label for a reader of lang (English when it has none in lang).
func (r Right) LabelIn(lang i18n.Lang) string {
	if lang == i18n.FR && r.LabelFR != "" {
		return r.LabelFR
	}
	return r.Label
}

// DescriptionIn is the right's description for a reader of lang (English when it has none
// in lang).
func (r Right) DescriptionIn(lang i18n.Lang) string {
	if lang == i18n.FR && r.DescriptionFR != "" {
		return r.DescriptionFR
	}
	return r.Description
}

// Membership is a user's access to one organization, with its rights.
type Membership struct {
	OrgID   int64    `json:"org_id"`
	OrgSlug string   `json:"org_slug"`
	OrgName string   `json:"org_name"`
	Rights  []string `json:"rights"`
}

// User is an account of the customer portal. Secrets (hashes, TOTP secret) are not part of it.
type User struct {
	ID                 int64        `json:"id"`
	Login              string       `json:"login"`
	Email              string       `json:"email"`
	Name               string       `json:"name"`
	Lang               string       `json:"lang"`
	Status             Status       `json:"status"`
	HasPassword        bool         `json:"has_password"`
	MustChangePassword bool         `json:"must_change_password"`
	PasswordChangedAt  *time.Time   `json:"password_changed_at"`
	PasswordExpiresAt  *time.Time   `json:"password_expires_at"`
	TOTPEnabled        bool         `json:"totp_enabled"`
	FailedAttempts     int          `json:"failed_attempts"`
	LastFailedAt       *time.Time   `json:"last_failed_at"`
	LastFailedIP       string       `json:"last_failed_ip,omitempty"`
	Locked             bool         `json:"locked"`
	LockedAt           *time.Time   `json:"locked_at"`
	LockedUntil        *time.Time   `json:"locked_until"`
	LockReason         string       `json:"lock_reason,omitempty"`
	LastLoginAt        *time.Time   `json:"last_login_at"`
	LastLoginIP        string       `json:"last_login_ip,omitempty"`
	CreatedAt          time.Time    `json:"created_at"`
	UpdatedAt          time.Time    `json:"updated_at"`
	Version            int          `json:"version"`
	Organizations      []string     `json:"organizations"` // slugs
	Memberships        []Membership `json:"memberships,omitempty"`
	MailFailed         bool         `json:"mail_failed,omitempty"` // the account's latest e-mail failed (set by the Users list)
}

// LockedNow reports whether the account is locked at the given time (a temporary lock
// whose time has passed is no longer in force).
func (u User) LockedNow(now time.Time) bool {
	if u.LockedAt == nil {
		return false
	}
	return u.LockedUntil == nil || u.LockedUntil.After(now)
}

// Badge is the one status word the Users table shows for an account.
func (u User) Badge(now time.Time) string {
	switch {
	case u.Status == StatusActive && u.LockedNow(now):
		return "locked"
	case u.Status == StatusActive && u.MustChangePassword:
		return "must-change"
	}
	return string(u.Status)
}

// AuthEvent is one entry of the append-only authentication log.
type AuthEvent struct {
	ID        int64      `json:"id"`
	At        time.Time  `json:"at"`
	UserID    *int64     `json:"user_id"`
	Login     string     `json:"login"`
	Kind      string     `json:"kind"`
	Reason    string     `json:"reason,omitempty"`
	IP        netip.Addr `json:"ip"`
	UserAgent string     `json:"user_agent"`
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	OperatorName string    `json:"operator"`
	Action       string    `json:"action"`
	TargetUserID *int64    `json:"target_user_id"`
	TargetOrgID  *int64    `json:"target_org_id"`
	TargetLogin  string    `json:"target_login,omitempty"` // the target user's login code, when it still exists
	TargetOrg    string    `json:"target_org,omitempty"`   // the target organization's slug, when it still exists
	Summary      string    `json:"summary"`

	// Detail is the row's structured part (nil on older rows): SummaryIn renders it in the
	// reader's language.
	Detail AuditDetail `json:"detail,omitempty"`
}
