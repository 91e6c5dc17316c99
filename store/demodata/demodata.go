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
// Loading uses COPY … FROM STDIN in two transactions at once (see LoadReport: the users and
// what hangs on them, and the events); the rows are generated in a goroutine while the
// previous batch is being copied. When the role is a superuser, foreign-key triggers are
// skipped during the load (session_replication_role = replica); the generator only produces
// consistent references. For large loads into small tables, the secondary
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
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"gatehouse/store"
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
	Phases                                               []PhaseTime // in the order they ran
	DatabaseSize                                         int64       // bytes, after the load (pg_database_size)
}

// PhaseTime is how long one phase of a load took.
type PhaseTime struct {
	Phase string
	Rows  int64 // rows the phase loaded (0: the phase counts no rows)
	Took  time.Duration
}

// Passwords are the demo passwords shared by seeded accounts (≥ 15 characters, not in any
// common-password list). They are public: only for demo data.
var Passwords = [3]string{"lantern-orchard-velvet-42", "copper-meadow-harbor-17", "quiet-glacier-pancake-88"}

// Load loads opt.Users users, opt.Events auth events and the rest into db, which must be
// migrated and may already hold data. progress, if not nil, is called now and then (from the
// calling goroutine) with the work done and the total work to do (see Progress: Work and
// WorkTotal); its last call has done == total.
func Load(ctx context.Context, db *sqlx.DB, opt Options, progress func(done, total int64)) (Summary, error) {
	var report func(Progress)
	if progress != nil {
		var mu sync.Mutex
		last := int64(0)
		report = func(p Progress) {
			mu.Lock()
			defer mu.Unlock()
			if p.Work < last {
				p.Work = last // a total revised after planning never moves the count back
			}
			last = p.Work
			progress(p.Work, p.WorkTotal)
		}
	}
	return LoadReport(ctx, db, opt, report)
}

// LoadReport is Load reporting each phase: report, if not nil, is called now and then (never
// two calls at once) with the phases running and the whole load's progress, and once at the
// end of each phase with how long it took.
//
// The users and what hangs on them, and the authentication events, are loaded by two
// transactions at once on two connections (two cores: the server's work is most of a
// load's). The users commit first; the events, whose rows name them, after (or are rolled
// back if the users fail). Without the superuser's right to skip the foreign-key checks, the
// events start once the users are committed. Then each connection goes on with the builds
// (see builds): the indexes dropped for the load, the search blocks, the failures' summaries
// and VACUUM ANALYZE, each in a transaction of its own; a build that fails leaves the rows
// loaded without what it builds (the error says to seed a new database).
func LoadReport(ctx context.Context, db *sqlx.DB, opt Options, report func(Progress)) (Summary, error) {
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
	var phases []PhaseTime
	inner := report
	report = func(p Progress) { // called with the tracker's lock held
		if p.Took > 0 {
			phases = append(phases, PhaseTime{Phase: p.Phase, Rows: p.Total, Took: p.Took})
		}
		if inner != nil {
			inner(p)
		}
	}
	users, events := int64(opt.Users), int64(opt.Events)
	tr := newTracker(loadWork(users, events), report)
	main := tr.track()
	g := &seedGen{opt: opt, now: time.Now().UTC().Truncate(time.Second)}
	g.nowUnix = g.now.Unix()

	main.begin("planning", 0, users*costPlanUser)
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

	// One connection plans the load while two load it (the users' side and the events' side):
	// a smaller pool would wait for itself forever.
	if n := db.Stats().MaxOpenConnections; n > 0 && n < 3 {
		return Summary{}, fmt.Errorf("seed: the pool allows %d connection(s); the load needs 3", n)
	}
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
	var super bool
	if err := conn.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		return Summary{}, err
	}

	g.planOrgs(existing)
	g.planUsers()
	g.planInvitations()
	g.planSpecials()
	g.specialsPlanned = true
	// Pass 1 of the events, for the users' final state, runs while the events are loaded (pass
	// 2 writes them: it needs nothing of pass 1); the users' rows wait for it.
	stateDone := make(chan struct{})
	var stateErr error
	go func() {
		defer close(stateDone)
		stateErr = g.simulate(nil)
	}()
	audit := g.planAudit()

	sum := Summary{
		Users: int64(opt.Users), Events: int64(opt.Events), Orgs: int64(opt.Orgs),
		Memberships: g.nMemberships, Invitations: int64(len(g.invs)), Audit: int64(len(audit.action)),
	}
	loaded := map[string]int64{"users": sum.Users, "memberships": sum.Memberships, "auth_events": sum.Events,
		"failure_ip_accounts": sum.Events, "failure_ip_days": sum.Events, "failure_ip_minutes": sum.Events}

	userSteps := []copyStep{
		{"organizations", "organizations", sum.Orgs, costCopyOther, []string{"id", "slug", "name", "created_at"}, g.writeOrgs},
		{"users", "users", sum.Users, costCopyUser, []string{"id", "login_code", "email", "name", "lang", "status", "password_hash",
			"must_change_password", "password_changed_at", "password_expires_at", "totp_enabled",
			"totp_secret", "failed_attempts", "first_failed_at", "last_failed_at", "last_failed_ip",
			"locked_at", "locked_until", "lock_reason", "lock_count", "last_login_at", "last_login_ip",
			"created_at", "updated_at", "deleted_at", "version"}, g.writeUsers},
		{"invitations", "invitations", sum.Invitations, costCopyInvite, []string{"id", "org_id", "email", "name", "user_id", "invited_by_name",
			"token_hash", "created_at", "expires_at", "accepted_at", "revoked_at", "resend_count",
			"last_sent_at"}, g.writeInvitations},
		{"invitation_rights", "invitation rights", g.nInvitationRights, costCopyRight, []string{"invitation_id", "right_code"}, g.writeInvitationRights},
	}
	memberSteps := []copyStep{
		{"memberships", "memberships", sum.Memberships, costCopyMember, []string{"user_id", "org_id", "created_at", "user_name", "user_status"}, g.writeMemberships},
		{"membership_rights", "membership rights", g.nMembershipRights, costCopyRight, []string{"user_id", "org_id", "right_code"}, g.writeMembershipRights},
	}
	eventSteps := []copyStep{
		{"auth_events", "auth events", sum.Events, costCopyEvent, []string{"id", "at", "user_id", "login", "kind", "reason", "ip", "user_agent"},
			g.writeEvents},
	}
	// The memberships go with the lighter of the two: the users' at 10 events per user, the
	// events' at 3 (the users' trigram index and search blocks then weigh the most).
	userTables, eventTables := []string{"users"}, []string{"auth_events"}
	userWork := sum.Users * (costCopyUser + 8*costIndexBtree + costIndexTrgm + costBlocksUser)
	eventWork := sum.Events * (costCopyEvent + 4*costIndexEvents + costFailEvent)
	if eventWork < userWork {
		eventSteps = append(memberSteps, eventSteps...)
		eventTables = append(eventTables, "memberships")
	} else {
		userSteps = append(userSteps[:2], append(memberSteps, userSteps[2:]...)...)
		userTables = append(userTables, "memberships")
	}
	userTx := &loadTx{db: db, super: super, tables: userTables, steps: userSteps, loaded: loaded,
		trigger: "ALTER TABLE users %s TRIGGER users_search_blocks_insert", waitFor: "users"}
	userTx.wait = func() error { // the users' rows hold their final state: pass 1 of the events
		userTx.track.begin("users' final state", 0, events*costPlanEvent)
		select {
		case <-stateDone:
		case <-ctx.Done():
			return ctx.Err()
		}
		if stateErr != nil {
			return stateErr
		}
		userTx.track.end()
		return nil
	}
	if len(audit.action) > 0 {
		if super { // audit rows go through the chain trigger, which must fire
			userTx.after = append(userTx.after, txStatement{"audit entries", 0, `SET LOCAL session_replication_role = origin`, nil, true})
		}
		userTx.after = append(userTx.after, txStatement{"audit entries", sum.Audit * costAuditRow, `INSERT INTO audit_entries
			(operator_name, action, target_user_id, target_org_id, summary, detail)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::jsonb[])`,
			[]any{pq.Array(audit.operator), pq.Array(audit.action), pq.Array(audit.user),
				pq.Array(audit.org), pq.Array(audit.summary), pq.Array(audit.detail)}, false})
	}
	// The load ran without their triggers: the blocks are cut from the users loaded, and
	// the failures' summaries by address made from the events (migration 0009).
	userTx.final = []txStatement{{"search blocks", sum.Users * costBlocksUser, `SELECT search_blocks_rebuild($1)`, []any{store.SearchBlockSize}, false}}
	eventTx := &loadTx{db: db, super: super, tables: append(eventTables, "failure_ip_accounts", "failure_ip_days", "failure_ip_minutes"), steps: eventSteps, loaded: loaded,
		trigger: "ALTER TABLE auth_events %s TRIGGER auth_events_failure_rollups",
		final: []txStatement{{"failure summaries", sum.Events * costFailEvent,
			`SET LOCAL work_mem = '256MB'; SELECT failure_rollups_rebuild()`, nil, false}}}

	// Both transactions open, and their indexes dropped, before the whole work is known.
	for _, x := range []*loadTx{userTx, eventTx} {
		if err := x.open(ctx, opt); err != nil {
			userTx.close(ctx)
			eventTx.close(ctx)
			return Summary{}, err
		}
	}
	defer userTx.close(ctx)
	defer eventTx.close(ctx)
	vacuum := vacuumSteps(sum, g)
	work := tr.workDone() + planWork(users, events) + userTx.work() + eventTx.work()
	for _, v := range vacuum {
		work += v.weight
	}
	tr.setTotal(work)
	main.end() // planning
	userTx.track, eventTx.track = main, tr.track()

	// The users' transaction commits first; the events' waits for it, or starts after it
	// without the right to skip the foreign-key checks. Once a side has committed, its
	// connection goes on with the builds (indexes, blocks, summaries, VACUUM ANALYZE): those
	// of the users' side while the events are still being loaded, then those of both.
	jobs := newBuilds(buildJobs(userTx, eventTx, vacuum))
	usersDone := make(chan struct{}) // closed when the users' transaction ended (userErr set)
	buildsDone := make(chan struct{})
	var userErr, eventErr, userBuildErr, eventBuildErr error
	loadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(buildsDone)
		userErr = userTx.run(loadCtx, nil)
		close(usersDone)
		if userErr != nil {
			jobs.fail(userErr)
			cancel()
			return
		}
		if userBuildErr = jobs.work(loadCtx, userTx); userBuildErr != nil {
			cancel()
		}
	}()
	waitUsers := func() error {
		<-usersDone
		if userErr != nil {
			return errUsersFailed
		}
		return nil
	}
	if !super {
		_ = waitUsers()
	}
	if userErr == nil {
		if eventErr = eventTx.run(loadCtx, waitUsers); eventErr != nil {
			jobs.fail(eventErr)
			cancel()
		} else {
			jobs.mark(eventsLoaded)
			if eventBuildErr = jobs.work(loadCtx, eventTx); eventBuildErr != nil {
				cancel()
			}
		}
	}
	<-buildsDone
	switch {
	case userErr != nil:
		return Summary{}, userErr
	case userBuildErr != nil && !errors.Is(userBuildErr, eventErr):
		return Summary{}, fmt.Errorf("%w (the rows loaded are committed: seed a new database)", userBuildErr)
	case eventErr != nil:
		return Summary{}, fmt.Errorf("%w (the users were loaded, not their events)", eventErr)
	case eventBuildErr != nil:
		return Summary{}, fmt.Errorf("%w (the rows loaded are committed: seed a new database)", eventBuildErr)
	}
	sum.Samples = g.samples() // the users' final state is known: the users are loaded
	if err := conn.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&sum.DatabaseSize); err != nil {
		return Summary{}, err
	}
	sum.Elapsed = time.Since(start)
	tr.mu.Lock()
	sum.Phases = phases
	tr.mu.Unlock()
	return sum, nil
}

var errUsersFailed = errors.New("seed: the users' transaction failed")

// copyStep is one table's COPY.
type copyStep struct {
	table, phase string
	rows, cost   int64
	cols         []string
	gen          func(w *rowSink) error
}

// txStatement is one statement of a load's transaction, a phase of its own unless quiet.
type txStatement struct {
	phase  string
	weight int64
	sql    string
	args   []any
	quiet  bool // a setting: no phase, no weight
}

// loadTx is one of a load's transactions, on its own connection: COPY its tables, the
// statements after, commit. Its final statements and the indexes it dropped are built after
// (buildJobs), on the same connection or the other.
type loadTx struct {
	db      *sqlx.DB
	super   bool
	tables  []string // whose secondary indexes may be dropped for the load
	steps   []copyStep
	after   []txStatement
	final   []txStatement
	trigger string // ALTER TABLE … %s TRIGGER: the trigger a load without superuser must disable
	loaded  map[string]int64
	waitFor string       // the table whose COPY calls wait first
	wait    func() error // what its rows need

	conn    *sql.Conn
	pid     int
	begun   bool
	rebuild []droppedIndex
	track   *track
}

// open takes a connection, begins the transaction and drops the indexes to rebuild.
func (x *loadTx) open(ctx context.Context, opt Options) error {
	var err error
	if x.conn, err = x.db.Conn(ctx); err != nil {
		return err
	}
	if err := x.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&x.pid); err != nil {
		return err
	}
	if _, err := x.conn.ExecContext(ctx, `BEGIN`); err != nil {
		return err
	}
	x.begun = true
	if _, err := x.conn.ExecContext(ctx, `SET LOCAL statement_timeout = 0;
		SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	if x.super {
		if _, err := x.conn.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
	}
	x.rebuild, err = dropIndexesForLoad(ctx, x.conn, opt, x.tables)
	return err
}

// work is the transaction's estimated work.
func (x *loadTx) work() int64 {
	var w int64
	for _, st := range x.steps {
		w += st.rows * st.cost
	}
	for _, st := range append(x.after, x.final...) {
		if !st.quiet {
			w += st.weight
		}
	}
	for _, ix := range x.rebuild {
		w += ix.work(x.loaded[ix.table])
	}
	return w
}

// run loads, then commits once beforeCommit (if not nil) says so.
func (x *loadTx) run(ctx context.Context, beforeCommit func() error) error {
	// The search blocks and the failures' summaries are rebuilt at the end: a load with
	// triggers on (not a superuser) must not write them one row at a time meanwhile.
	if !x.super {
		if _, err := x.conn.ExecContext(ctx, fmt.Sprintf(x.trigger, "DISABLE")); err != nil {
			return err
		}
	}
	cp := &copier{conn: x.conn, tr: x.track}
	for _, st := range x.steps {
		if st.table == x.waitFor {
			if err := x.wait(); err != nil {
				return err
			}
		}
		x.track.begin(st.phase, st.rows, st.rows*st.cost)
		if err := cp.copy(ctx, st.table, st.cols, st.gen); err != nil {
			return fmt.Errorf("seed: load %s: %w", st.table, err)
		}
		x.track.end()
	}
	if err := x.statements(ctx, x.after); err != nil {
		return err
	}
	if !x.super {
		if _, err := x.conn.ExecContext(ctx, fmt.Sprintf(x.trigger, "ENABLE")); err != nil {
			return err
		}
	}
	if beforeCommit != nil {
		if err := beforeCommit(); err != nil {
			return err
		}
	}
	if _, err := x.conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	x.begun = false
	return nil
}

func (x *loadTx) statements(ctx context.Context, list []txStatement) error {
	for _, st := range list {
		if err := x.statement(ctx, st); err != nil {
			return fmt.Errorf("seed: %s: %w", st.phase, err)
		}
	}
	return nil
}

// statement runs one statement, as a phase of its own (the server's progress polled).
func (x *loadTx) statement(ctx context.Context, st txStatement) error {
	if st.quiet {
		_, err := x.conn.ExecContext(ctx, st.sql, st.args...)
		return err
	}
	x.track.begin(st.phase, 0, st.weight)
	stop := x.track.watch(ctx, x.db.DB, x.pid)
	_, err := x.conn.ExecContext(ctx, st.sql, st.args...)
	stop()
	if err != nil {
		return err
	}
	x.track.end()
	return nil
}

// vacuum runs one VACUUM (ANALYZE) step, outside the transaction (committed by then).
func (x *loadTx) vacuum(ctx context.Context, v vacuumStep) error {
	if _, err := x.conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
		return err
	}
	if err := x.statement(ctx, txStatement{phase: v.phase, weight: v.weight, sql: `VACUUM (ANALYZE) ` + v.tables}); err != nil {
		return err
	}
	_, err := x.conn.ExecContext(ctx, `RESET statement_timeout`)
	return err
}

// close rolls back a transaction not committed and gives the connection back.
func (x *loadTx) close(ctx context.Context) {
	if x.conn == nil {
		return
	}
	if x.begun {
		if _, err := x.conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); err != nil {
			// The connection may be mid-COPY: make the pool discard it.
			x.conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		x.begun = false
	}
	x.conn.Close()
	x.conn = nil
}

// vacuumStep is one VACUUM (ANALYZE) of the load's end.
type vacuumStep struct {
	phase, tables string
	weight        int64
}

// vacuumSteps vacuums the big tables one by one (each its own phase), the others together.
func vacuumSteps(sum Summary, g *seedGen) []vacuumStep {
	return []vacuumStep{
		{"vacuum analyze users", "users", sum.Users * costVacuumUser},
		{"vacuum analyze memberships", "memberships, membership_rights", (sum.Memberships + g.nMembershipRights) * costVacuumRow},
		{"vacuum analyze auth events", "auth_events", sum.Events * costVacuumRow},
		{"vacuum analyze the other tables", `organizations, invitations, invitation_rights, audit_entries,
			search_blocks, failure_ip_days, failure_ip_minutes, failure_ip_accounts`, (sum.Orgs + sum.Invitations + sum.Audit + sum.Users/32) * costVacuumRow},
	}
}

// planWork is the weight of the planning and of the users' final state (pass 1 of the events).
func planWork(users, events int64) int64 { return users*costPlanUser + events*costPlanEvent }

// loadWork is a first estimate of a whole load's work, before it is planned (about 1.3
// memberships and 3 rights per user, eight indexes of users rebuilt, the trigram one among
// them, four of the events).
func loadWork(users, events int64) int64 {
	return planWork(users, events) + users*(costCopyUser+costBlocksUser+costIndexTrgm+7*costIndexBtree+costVacuumUser) +
		users*13/10*(costCopyMember+costIndexBtree+costVacuumRow) + users*3*(costCopyRight+costVacuumRow) +
		events*(costCopyEvent+costFailEvent+costVacuumRow+4*costIndexEvents)
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

// rewritten are the tables a load writes anew whole (the failures' summaries, rebuilt from
// every event): their secondary indexes are dropped and rebuilt around that.
var rewritten = map[string]bool{"failure_ip_accounts": true, "failure_ip_days": true, "failure_ip_minutes": true}

// droppedIndex is an index dropped for the load, and the statement that rebuilds it.
type droppedIndex struct{ table, name, def string }

// trigram tells whether the index is a trigram index (several times a b-tree's cost).
func (ix droppedIndex) trigram() bool { return strings.Contains(ix.def, "gin_trgm_ops") }

// work is the index build's weight for rows rows.
func (ix droppedIndex) work(rows int64) int64 {
	switch {
	case ix.trigram():
		return rows * costIndexTrgm
	case ix.table == "auth_events":
		return rows * costIndexEvents
	case rewritten[ix.table]:
		return rows / 10 * costIndexBtree
	}
	return rows * costIndexBtree
}

// dropIndexesForLoad drops the secondary indexes (those that back no constraint) of the big
// tables when the load is large and the tables are small, and returns the statements that
// rebuild them. Uniqueness is checked again when a unique index is rebuilt.
func dropIndexesForLoad(ctx context.Context, conn *sql.Conn, opt Options, tables []string) ([]droppedIndex, error) {
	if opt.Users < 50000 && opt.Events < 500000 {
		return nil, nil
	}
	var rebuild []droppedIndex
	added := map[string]int{"users": opt.Users, "memberships": opt.Users, "auth_events": opt.Events}
	for _, table := range tables {
		t := struct {
			table string
			added int
		}{table, added[table]}
		if rewritten[table] {
			// Its rows are all written again from the events (a tenth of them or so).
			if opt.Events < 500000 {
				continue
			}
		} else {
			var est float64
			if err := conn.QueryRowContext(ctx, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = $1::regclass`, t.table).Scan(&est); err != nil {
				return nil, err
			}
			if float64(t.added) < 2*est || t.added < 50000 {
				continue
			}
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
			rebuild = append(rebuild, droppedIndex{table: t.table, name: shortName(name), def: defs[k]})
		}
	}
	return rebuild, nil
}

// shortName is an index's name without its schema.
func shortName(qualified string) string {
	if i := strings.LastIndexByte(qualified, '.'); i >= 0 {
		return strings.Trim(qualified[i+1:], `"`)
	}
	return qualified
}
