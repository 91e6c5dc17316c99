package store

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// ListOrganizations returns the organizations in the operator's scope, by name in the order
// people expect ("Élan" between "Eagle" and "Zoé": name_order, the users' names' collation).
// Every list and picker of organizations reads them from here.
func (s *Store) ListOrganizations(ctx context.Context, op model.Operator) ([]model.Organization, error) {
	b := &queryBuilder{}
	if !op.AllOrgs() {
		b.and("o.id = ANY(" + b.arg(int64Array(op.OrgIDs)) + ")")
	}
	var out []model.Organization
	err := s.read.SelectContext(ctx, &out, `SELECT o.id, o.slug, o.name, o.created_at, coalesce(o.time_zone, '') AS time_zone FROM organizations o`+b.whereSQL()+` ORDER BY o.name COLLATE name_order, o.id`, b.args...)
	return out, mapErr(err)
}

// OrganizationBySlug finds an organization in the operator's scope.
func (s *Store) OrganizationBySlug(ctx context.Context, op model.Operator, slug string) (model.Organization, error) {
	slug = strings.ToLower(strings.TrimSpace(slug)) // slugs are stored lower-case
	var o model.Organization
	err := s.read.GetContext(ctx, &o, `SELECT id, slug, name, created_at FROM organizations WHERE slug = $1`, slug)
	if err != nil {
		return o, mapErr(err)
	}
	if !op.InScope(o.ID) {
		return model.Organization{}, ErrNotFound
	}
	return o, nil
}

// AddOrganization creates an organization (support only).
func (s *Store) AddOrganization(ctx context.Context, op model.Operator, slug, name string) (int64, error) {
	if err := writable(op); err != nil {
		return 0, err
	}
	if op.ID != 0 && op.Role != model.RoleSupport {
		return 0, ErrForbidden
	}
	var id int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id`, slug, name); err != nil {
			return err
		}
		return audit(ctx, tx, op, "org.add", nil, &id, model.AuditDetail{"org": slug})
	})
	return id, err
}

// ListRights returns the rights catalog, with its texts in every language.
func (s *Store) ListRights(ctx context.Context) ([]model.Right, error) {
	var out []model.Right
	err := s.read.SelectContext(ctx, &out, `SELECT code, label, description,
		coalesce(label_fr, '') AS label_fr, coalesce(description_fr, '') AS description_fr FROM rights ORDER BY code`)
	return out, mapErr(err)
}
