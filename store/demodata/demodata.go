// Package demodata generates and loads realistic, reproducible demo data (`gatehouse seed`,
// `demo`, `bench`): organizations of very different sizes, users with names from many
// languages in one to three organizations each, every account status, TOTP, lockouts with
// matching failure histories, an attack from a few IPs last night, 90 days of authentication
// events, invitations in every state and some audit rows. It sits beside the store, not in
// it: it writes the store's tables directly and needs of the store only its password hash
// (HashPassword) and the size of its search blocks (SearchBlockSize).
//
// Everything is derived from Options.Seed: the same options give the same organizations,
// users, logins, e-mails and event sequence (timestamps are relative to the time of the run).
// Identifiers cannot collide with rows already present: ids are reserved from the tables'
// sequences, login codes and e-mail local parts are built from the user id (login codes from a
// fixed bijection of it, e-mails end with it), organization slugs are checked against the
// existing ones, and invitation token hashes are derived from the invitation id.
//
// Loading uses COPY … FROM STDIN inside one transaction; the rows are generated in a goroutine
// while the previous batch is being copied. When the role is a superuser, foreign-key
// triggers are skipped during the load (session_replication_role = replica); the generator
// only produces consistent references. For large loads into small tables, the secondary
// (non-constraint) indexes of users, memberships and auth_events are dropped and rebuilt
// from their own definitions after the load, which is several times faster than maintaining
// them row by row. Audit rows are INSERTed, so the audit trigger chains them.
package demodata

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"gatehouse/store"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
)

// Options sizes a seed.
type Options struct {
	Users, Events int
	Orgs          int   // 0: one per 200 users (at least 1)
	Seed          int64 // the random seed: same seed, same data
	Invitations   int   // 0: Users/50
}

// Sample is a demo account that can log in (active, unlocked, no 2FA, no forced change).
type Sample struct {
	Login, Email, Password string
}

// Summary reports what Load loaded.
type Summary struct {
	Users, Events, Orgs, Memberships, Invitations, Audit int64
	Elapsed                                              time.Duration
	Samples                                              []Sample
}

// Passwords are the demo passwords shared by seeded accounts (≥ 15 characters, not in any
// common-password list). They are public: only for demo data.
var Passwords = [3]string{"lantern-orchard-velvet-42", "copper-meadow-harbor-17", "quiet-glacier-pancake-88"}

// Load loads opt.Users users, opt.Events auth events and the rest into db, which must be
// migrated and may already hold data. progress, if not nil, is called now and then (from the
// calling goroutine) with the rows done and the total rows to load.
func Load(ctx context.Context, db *sqlx.DB, opt Options, progress func(done, total int64)) (Summary, error) {
	start := time.Now()
	if opt.Users < 0 || opt.Events < 0 || opt.Orgs < 0 || opt.Invitations < 0 {
		return Summary{}, errors.New("seed: negative count")
	}
	if opt.Orgs == 0 {
		opt.Orgs = max(1, (opt.Users+199)/200)
	}
	if opt.Invitations == 0 {
		opt.Invitations = opt.Users / 50
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	g := &seedGen{opt: opt, now: time.Now().UTC().Truncate(time.Second)}
	g.nowUnix = g.now.Unix()

	// Shared demo hashes: three argon2id (one per demo password) and one bcrypt, for the
	// "imported" accounts.
	for i, pw := range Passwords {
		h, err := store.HashPassword(ctx, pw)
		if err != nil {
			return Summary{}, fmt.Errorf("seed: hash demo password: %w", err)
		}
		g.hashes[i] = h
	}
	b, err := bcrypt.GenerateFromPassword([]byte(Passwords[0]), 10)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: bcrypt demo password: %w", err)
	}
	g.bcryptHash = string(b)

	conn, err := db.Conn(ctx)
	if err != nil {
		return Summary{}, err
	}
	defer conn.Close()

	// Existing slugs, so that new ones are unique.
	existing := map[string]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT slug FROM organizations`)
	if err != nil {
		return Summary{}, err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return Summary{}, err
		}
		existing[s] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Summary{}, err
	}

	// Reserve id ranges (sequences are not transactional: a failed seed burns its range).
	if g.orgBase, err = reserveIDs(ctx, conn, "organizations", opt.Orgs); err != nil {
		return Summary{}, err
	}
	if g.userBase, err = reserveIDs(ctx, conn, "users", opt.Users); err != nil {
		return Summary{}, err
	}
	if g.invBase, err = reserveIDs(ctx, conn, "invitations", opt.Invitations); err != nil {
		return Summary{}, err
	}
	if g.eventBase, err = reserveIDs(ctx, conn, "auth_events", opt.Events); err != nil {
		return Summary{}, err
	}

	g.planOrgs(existing)
	g.planUsers()
	g.planInvitations()
	if err := g.simulate(nil); err != nil { // pass 1: the users' final state
		return Summary{}, err
	}
	audit := g.planAudit()

	sum := Summary{
		Users: int64(opt.Users), Events: int64(opt.Events), Orgs: int64(opt.Orgs),
		Memberships: g.nMemberships, Invitations: int64(len(g.invs)), Audit: int64(len(audit.action)),
		Samples: g.samples(),
	}
	total := sum.Users + sum.Events + sum.Orgs + sum.Memberships + g.nMembershipRights +
		sum.Invitations + g.nInvitationRights + sum.Audit

	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return Summary{}, err
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); err != nil {
			// The connection may be mid-COPY: make the pool discard it.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if _, err := conn.ExecContext(ctx, `SET LOCAL statement_timeout = 0;
		SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return Summary{}, err
	}
	var super bool
	if err := conn.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		return Summary{}, err
	}
	if super {
		if _, err := conn.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return Summary{}, err
		}
	}
	// The search blocks and the failures' summaries are rebuilt at the end: a load with
	// triggers on (not a superuser) must not write them one row at a time meanwhile.
	if !super {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE users DISABLE TRIGGER users_search_blocks_insert;
			ALTER TABLE auth_events DISABLE TRIGGER auth_events_failure_rollups`); err != nil {
			return Summary{}, err
		}
	}
	rebuild, err := dropIndexesForLoad(ctx, conn, opt)
	if err != nil {
		return Summary{}, err
	}
	// Rebuilding an index counts, for progress, as its share of the rows of its table.
	loaded := map[string]int64{"users": sum.Users, "memberships": sum.Memberships, "auth_events": sum.Events}
	perTable := map[string]int64{}
	for _, ix := range rebuild {
		perTable[ix.table]++
	}
	for t, n := range perTable {
		total += loaded[t] / n * n
	}
	cp := &copier{conn: conn, total: total, progress: progress}
	progress(0, total)

	steps := []struct {
		table string
		cols  []string
		gen   func(w *rowSink) error
	}{
		{"organizations", []string{"id", "slug", "name", "created_at"}, g.writeOrgs},
		{"users", []string{"id", "login_code", "email", "name", "lang", "status", "password_hash",
			"must_change_password", "password_changed_at", "password_expires_at", "totp_enabled",
			"totp_secret", "failed_attempts", "first_failed_at", "last_failed_at", "last_failed_ip",
			"locked_at", "locked_until", "lock_reason", "lock_count", "last_login_at", "last_login_ip",
			"created_at", "updated_at", "deleted_at", "version"}, g.writeUsers},
		{"memberships", []string{"user_id", "org_id", "created_at", "user_name", "user_status"}, g.writeMemberships},
		{"membership_rights", []string{"user_id", "org_id", "right_code"}, g.writeMembershipRights},
		{"invitations", []string{"id", "org_id", "email", "name", "user_id", "invited_by_name",
			"token_hash", "created_at", "expires_at", "accepted_at", "revoked_at", "resend_count",
			"last_sent_at"}, g.writeInvitations},
		{"invitation_rights", []string{"invitation_id", "right_code"}, g.writeInvitationRights},
		{"auth_events", []string{"id", "at", "user_id", "login", "kind", "reason", "ip", "user_agent"},
			g.writeEvents},
	}
	for _, st := range steps {
		if err := cp.copy(ctx, st.table, st.cols, st.gen); err != nil {
			return Summary{}, fmt.Errorf("seed: load %s: %w", st.table, err)
		}
	}

	// Audit rows go through the chain trigger, which must fire.
	if super {
		if _, err := conn.ExecContext(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
			return Summary{}, err
		}
	}
	if len(audit.action) > 0 {
		if _, err := conn.ExecContext(ctx, `INSERT INTO audit_entries
			(operator_name, action, target_user_id, target_org_id, summary, detail)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::jsonb[])`,
			pq.Array(audit.operator), pq.Array(audit.action), pq.Array(audit.user),
			pq.Array(audit.org), pq.Array(audit.summary), pq.Array(audit.detail)); err != nil {
			return Summary{}, fmt.Errorf("seed: audit: %w", err)
		}
		cp.done += int64(len(audit.action))
		progress(cp.done, total)
	}
	for _, ix := range rebuild {
		if _, err := conn.ExecContext(ctx, ix.def); err != nil {
			return Summary{}, fmt.Errorf("seed: rebuild index: %w", err)
		}
		cp.done += loaded[ix.table] / perTable[ix.table]
		progress(cp.done, total)
	}
	// The load ran without their triggers: the blocks are cut from the users loaded.
	if !super {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE users ENABLE TRIGGER users_search_blocks_insert;
			ALTER TABLE auth_events ENABLE TRIGGER auth_events_failure_rollups`); err != nil {
			return Summary{}, err
		}
	}
	if _, err := conn.ExecContext(ctx, `SELECT search_blocks_rebuild($1)`, store.SearchBlockSize); err != nil {
		return Summary{}, fmt.Errorf("seed: search blocks: %w", err)
	}
	// So are the failures' summaries by address (migration 0009).
	if _, err := conn.ExecContext(ctx, `SET LOCAL work_mem = '256MB'; SELECT failure_rollups_rebuild()`); err != nil {
		return Summary{}, fmt.Errorf("seed: failure summaries: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return Summary{}, err
	}
	committed = true

	// Fresh statistics for the planner.
	if _, err := conn.ExecContext(ctx, `BEGIN; SET LOCAL statement_timeout = 0;
		ANALYZE organizations, users, memberships, membership_rights, invitations,
			invitation_rights, auth_events, audit_entries, search_blocks, failure_ip_hours,
			failure_ip_accounts; COMMIT`); err != nil {
		return Summary{}, fmt.Errorf("seed: analyze: %w", err)
	}
	progress(total, total)
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// reserveIDs takes n consecutive ids from table's id sequence and returns the first.
func reserveIDs(ctx context.Context, conn *sql.Conn, table string, n int) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	var last int64
	err := conn.QueryRowContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'),
		nextval(pg_get_serial_sequence($1, 'id')) + $2 - 1)`, table, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("seed: reserve %s ids: %w", table, err)
	}
	return last - int64(n) + 1, nil
}

// droppedIndex is an index dropped for the load, and the statement that rebuilds it.
type droppedIndex struct{ table, def string }

// dropIndexesForLoad drops the secondary indexes (those that back no constraint) of the big
// tables when the load is large and the tables are small, and returns the statements that
// rebuild them. Uniqueness is checked again when a unique index is rebuilt.
func dropIndexesForLoad(ctx context.Context, conn *sql.Conn, opt Options) ([]droppedIndex, error) {
	if opt.Users < 50000 && opt.Events < 500000 {
		return nil, nil
	}
	var rebuild []droppedIndex
	for _, t := range []struct {
		table string
		added int
	}{{"users", opt.Users}, {"memberships", opt.Users}, {"auth_events", opt.Events}} {
		var est float64
		if err := conn.QueryRowContext(ctx, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = $1::regclass`, t.table).Scan(&est); err != nil {
			return nil, err
		}
		if float64(t.added) < 2*est || t.added < 50000 {
			continue
		}
		rows, err := conn.QueryContext(ctx, `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
				pg_get_indexdef(i.indexrelid)
			FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE i.indrelid = $1::regclass
			  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			ORDER BY c.relname`, t.table)
		if err != nil {
			return nil, err
		}
		var names, defs []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for k, name := range names {
			// Not the owner? Keep the index (the load is just slower).
			if _, err := conn.ExecContext(ctx, `SAVEPOINT seed_drop`); err != nil {
				return nil, err
			}
			if _, err := conn.ExecContext(ctx, `DROP INDEX `+name); err != nil {
				if _, err := conn.ExecContext(ctx, `ROLLBACK TO SAVEPOINT seed_drop`); err != nil {
					return nil, err
				}
				continue
			}
			if _, err := conn.ExecContext(ctx, `RELEASE SAVEPOINT seed_drop`); err != nil {
				return nil, err
			}
			rebuild = append(rebuild, droppedIndex{table: t.table, def: defs[k]})
		}
	}
	return rebuild, nil
}
