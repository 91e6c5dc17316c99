package store

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// OperatorInfo is an operator as listed by `gatehouse operator list`.
type OperatorInfo struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Orgs      []string  `json:"organizations"`
	Rights    []string  `json:"rights"`
	Keys      []string  `json:"key_fingerprints"`
	CreatedAt time.Time `json:"created_at"`
}

// NewOperator describes an operator to register.
type NewOperator struct {
	Name     string
	Role     model.Role
	OrgSlugs []string // admin scope
	Rights   []string // rights an admin may grant; empty = every right of the catalog
	Keys     []string // authorized_keys lines
}

// AddOperator registers an operator. actor is who does it (the local OS user for the CLI).
// Only support operators (or the local machine's administrator through the CLI, actor.ID == 0)
// may register operators.
func (s *Store) AddOperator(ctx context.Context, actor model.Operator, n NewOperator) (int64, error) {
	if err := writable(actor); err != nil {
		return 0, err
	}
	if actor.ID != 0 && actor.Role != model.RoleSupport {
		return 0, ErrForbidden
	}
	if !n.Role.Valid() {
		return 0, &DBError{Kind: ErrInvalid, Detail: "role must be support, admin or oncall"}
	}
	if n.Role == model.RoleAdmin && len(n.OrgSlugs) == 0 {
		return 0, &DBError{Kind: ErrInvalid, Detail: "an admin needs at least one organization (--org SLUG)"}
	}
	if n.Role != model.RoleAdmin && len(n.OrgSlugs) > 0 {
		return 0, &DBError{Kind: ErrInvalid, Detail: "only admins are scoped to organizations"}
	}
	var id int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `INSERT INTO operators (name, role) VALUES ($1, $2) RETURNING id`, n.Name, string(n.Role)); err != nil {
			return err
		}
		for _, slug := range n.OrgSlugs {
			res, err := tx.ExecContext(ctx, `INSERT INTO operator_orgs (operator_id, org_id) SELECT $1, id FROM organizations WHERE slug = $2`, id, slug)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return &DBError{Kind: ErrNotFound, Detail: "no organization with slug " + slug}
			}
		}
		if n.Role == model.RoleAdmin {
			if len(n.Rights) == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO operator_rights (operator_id, right_code) SELECT $1, code FROM rights`, id); err != nil {
					return err
				}
			}
			for _, r := range n.Rights {
				if _, err := tx.ExecContext(ctx, `INSERT INTO operator_rights (operator_id, right_code) VALUES ($1, $2)`, id, r); err != nil {
					return err
				}
			}
		}
		for _, k := range n.Keys {
			if err := addKey(ctx, tx, id, k); err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "operator.add", nil, nil, model.AuditDetail{"operator": n.Name, "role": string(n.Role),
			"orgs": strings.Join(n.OrgSlugs, ", "), "keys": len(n.Keys)})
	})
	return id, err
}

// operatorKeyTypes are the SSH public key types gatehouse serve accepts at login (its
// sshAlgorithms): ed25519, ed25519 on a security key, and RSA (which it lets sign with SHA-2
// only). Any other key (ECDSA on a NIST curve, DSA, a certificate) would be registered and
// then refused at every login, so it is refused when it is added.
var operatorKeyTypes = map[string]bool{ssh.KeyAlgoED25519: true, ssh.KeyAlgoSKED25519: true, ssh.KeyAlgoRSA: true}

// KeyTypeError refuses an SSH public key of a type gatehouse serve does not accept (the
// message names the accepted ones). It is an ErrInvalid.
type KeyTypeError struct {
	Type string // the key's type as the authorized_keys line names it, e.g. ecdsa-sha2-nistp256
}

func (e *KeyTypeError) Error() string { return e.In(i18n.EN) }

// In is the refusal in a language.
func (e *KeyTypeError) In(lang i18n.Lang) string { return i18n.T(lang, "ssh.key.type", e.Type) }

func (e *KeyTypeError) Unwrap() error { return ErrInvalid }

// ParseAuthorizedKey parses one authorized_keys line and returns the key in canonical form,
// its SHA256 fingerprint and its comment. A key of a type the SSH server refuses at login is
// refused with a *KeyTypeError.
func ParseAuthorizedKey(line string) (canonical, fingerprint, comment string, err error) {
	pk, c, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		return "", "", "", &DBError{Kind: ErrInvalid, Detail: "not an SSH public key (authorized_keys format)"}
	}
	if !operatorKeyTypes[pk.Type()] {
		return "", "", "", &KeyTypeError{Type: pk.Type()}
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))), ssh.FingerprintSHA256(pk), c, nil
}

func addKey(ctx context.Context, tx *sqlx.Tx, operatorID int64, line string) error {
	canon, fp, comment, err := ParseAuthorizedKey(line)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO operator_keys (operator_id, public_key, fingerprint, comment) VALUES ($1, $2, $3, $4)`,
		operatorID, canon, fp, comment)
	return err
}

// AddOperatorKey adds an SSH public key to an operator.
func (s *Store) AddOperatorKey(ctx context.Context, actor model.Operator, name, line string) (string, error) {
	if err := writable(actor); err != nil {
		return "", err
	}
	if actor.ID != 0 && actor.Role != model.RoleSupport {
		return "", ErrForbidden
	}
	_, fp, _, err := ParseAuthorizedKey(line)
	if err != nil {
		return "", err
	}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.GetContext(ctx, &id, `SELECT id FROM operators WHERE name = $1`, name); err != nil {
			return err
		}
		if err := addKey(ctx, tx, id, line); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "operator.key_add", nil, nil, model.AuditDetail{"fingerprint": fp, "operator": name})
	})
	return fp, err
}

// RemoveOperatorKey removes a key (by fingerprint) from an operator.
func (s *Store) RemoveOperatorKey(ctx context.Context, actor model.Operator, name, fingerprint string) error {
	if err := writable(actor); err != nil {
		return err
	}
	if actor.ID != 0 && actor.Role != model.RoleSupport {
		return ErrForbidden
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM operator_keys k USING operators o
			WHERE k.operator_id = o.id AND o.name = $1 AND k.fingerprint = $2`, name, fingerprint)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, actor, "operator.key_remove", nil, nil, model.AuditDetail{"fingerprint": fingerprint, "operator": name})
	})
}

// RemoveOperator deletes an operator (their audit rows stay, by name).
func (s *Store) RemoveOperator(ctx context.Context, actor model.Operator, name string) error {
	if err := writable(actor); err != nil {
		return err
	}
	if actor.ID != 0 && actor.Role != model.RoleSupport {
		return ErrForbidden
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM operators WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, actor, "operator.remove", nil, nil, model.AuditDetail{"operator": name})
	})
}

// ListOperators lists the operators the actor may know of. Support and oncall operators (and
// the machine's administrator through the CLI) see every operator; an admin sees the admins
// of their own organizations (themselves included), each with only those organizations:
// nothing about another organization, nor about operators who work outside theirs.
func (s *Store) ListOperators(ctx context.Context, actor model.Operator) ([]OperatorInfo, error) {
	orgScope, where := "", ""
	var args []any
	if !actor.AllOrgs() {
		args = append(args, int64Array(actor.OrgIDs), actor.ID)
		orgScope = " AND oo.org_id = ANY($1)"
		where = ` WHERE o.id = $2 OR (o.role = 'admin' AND EXISTS (SELECT 1 FROM operator_orgs oo
			WHERE oo.operator_id = o.id AND oo.org_id = ANY($1)))`
	}
	rows, err := s.db.QueryxContext(ctx, `SELECT o.id, o.name, o.role, o.created_at,
		array(SELECT g.slug FROM operator_orgs oo JOIN organizations g ON g.id = oo.org_id WHERE oo.operator_id = o.id`+orgScope+` ORDER BY g.slug),
		array(SELECT r.right_code FROM operator_rights r WHERE r.operator_id = o.id ORDER BY r.right_code),
		array(SELECT k.fingerprint FROM operator_keys k WHERE k.operator_id = o.id ORDER BY k.id)
		FROM operators o`+where+` ORDER BY o.name`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []OperatorInfo
	for rows.Next() {
		var o OperatorInfo
		var orgs, rights, keys pq.StringArray
		if err := rows.Scan(&o.ID, &o.Name, &o.Role, &o.CreatedAt, &orgs, &rights, &keys); err != nil {
			return nil, err
		}
		o.Orgs, o.Rights, o.Keys = orgs, rights, keys
		out = append(out, o)
	}
	return out, mapErr(rows.Err())
}

// OperatorByName loads an operator for the local console.
func (s *Store) OperatorByName(ctx context.Context, name string) (model.Operator, error) {
	return s.loadOperator(ctx, `o.name = $1`, name)
}

// OperatorByKeyFingerprint loads the operator owning an SSH key (SHA256 fingerprint).
func (s *Store) OperatorByKeyFingerprint(ctx context.Context, fp string) (model.Operator, error) {
	return s.loadOperator(ctx, `o.id = (SELECT operator_id FROM operator_keys WHERE fingerprint = $1)`, fp)
}

func (s *Store) loadOperator(ctx context.Context, cond string, arg any) (model.Operator, error) {
	var r struct {
		ID     int64          `db:"id"`
		Name   string         `db:"name"`
		Role   string         `db:"role"`
		Orgs   pq.Int64Array  `db:"orgs"`
		Rights pq.StringArray `db:"rights"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT o.id, o.name, o.role,
		array(SELECT org_id FROM operator_orgs WHERE operator_id = o.id ORDER BY org_id) AS orgs,
		array(SELECT right_code FROM operator_rights WHERE operator_id = o.id ORDER BY right_code) AS rights
		FROM operators o WHERE `+cond, arg)
	if err != nil {
		return model.Operator{}, mapErr(err)
	}
	return model.Operator{ID: r.ID, Name: r.Name, Role: model.Role(r.Role), OrgIDs: r.Orgs, Rights: r.Rights}, nil
}

// CountOperators returns how many operators are registered.
func (s *Store) CountOperators(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM operators`)
	return n, mapErr(err)
}
