package store

import (
	"context"
	"regexp"
	"time"
	_ "time/tzdata" // the zones of organizations, on a host without a zoneinfo database

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// Dates in e-mails. The catalog's e-mail texts take their dates as the UTC stamp
// "2006-01-02 15:04 UTC"; an e-mail is queued with each such stamp written for its recipient,
// in their language and in the time zone of the organization it is about ("8 décembre 2026
// à 18:33 (heure de Paris)"). The organization is the invitation's, else the recipient's first
// (by id); its zone is organizations.time_zone, or by the recipient's language when it has
// none: Europe/Paris in French, UTC in English.

var mailStamp = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\b`)

// defaultZone is the zone of a recipient whose organization has none.
func defaultZone(lang i18n.Lang) *time.Location {
	if lang == i18n.FR {
		if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
			return loc
		}
	}
	return time.UTC
}

// mailZone is the time zone of the dates of m.
func mailZone(ctx context.Context, tx *sqlx.Tx, m Mail, lang i18n.Lang) (*time.Location, error) {
	var zones []string
	var err error
	switch {
	case m.InvitationID != nil:
		err = tx.SelectContext(ctx, &zones, `SELECT coalesce(o.time_zone, '') FROM invitations i
			JOIN organizations o ON o.id = i.org_id WHERE i.id = $1`, *m.InvitationID)
	case m.UserID != nil:
		err = tx.SelectContext(ctx, &zones, `SELECT coalesce(o.time_zone, '') FROM memberships m
			JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.id LIMIT 1`, *m.UserID)
	}
	if err != nil {
		return nil, err
	}
	if len(zones) == 1 && zones[0] != "" {
		if loc, err := time.LoadLocation(zones[0]); err == nil {
			return loc, nil
		}
	}
	return defaultZone(lang), nil
}

// localizeDates writes the UTC stamps of body in lang and loc.
func localizeDates(body string, lang i18n.Lang, loc *time.Location) string {
	return mailStamp.ReplaceAllStringFunc(body, func(stamp string) string {
		t, err := time.ParseInLocation("2006-01-02 15:04 UTC", stamp, time.UTC)
		if err != nil {
			return stamp
		}
		return i18n.LongDate(lang, t, loc)
	})
}

// validZone checks an IANA time zone name ("" is none: by the recipient's language).
func validZone(name string) error {
	if name == "" {
		return nil
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return &DBError{Kind: ErrInvalid, Detail: "time zone " + name + ": not a time zone name such as Europe/Paris, America/Montreal or UTC"}
	}
	return nil
}

// SetOrganizationTimeZone sets the time zone of the dates in the e-mails about an
// organization (support only; "" goes back to the default by the recipient's language).
// ErrNotFound for an unknown slug. Audited.
func (s *Store) SetOrganizationTimeZone(ctx context.Context, op model.Operator, slug, zone string) error {
	if err := writable(op); err != nil {
		return err
	}
	if op.ID != 0 && op.Role != model.RoleSupport {
		return ErrForbidden
	}
	if err := validZone(zone); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.GetContext(ctx, &id, `UPDATE organizations SET time_zone = NULLIF($2, '') WHERE slug = $1 RETURNING id`, slug, zone); err != nil {
			return err
		}
		return audit(ctx, tx, op, "org.time_zone", nil, &id, model.AuditDetail{"org": slug, "zone": zone})
	})
}
