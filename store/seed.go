package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// Seed (`gatehouse seed`) loads realistic, reproducible demo data: organizations of very
// different sizes, users with names from many languages in one to three organizations each,
// every account status, TOTP, lockouts with matching failure histories, an attack from a few
// IPs last night, 90 days of authentication events, invitations in every state and some
// audit rows.
//
// Everything is derived from SeedOptions.Seed: the same options give the same organizations,
// users, logins, e-mails and event sequence (timestamps are relative to the time of the run).
// Identifiers cannot collide with rows already present: ids are reserved from the tables'
// sequences, login codes and e-mail local parts are built from the user id (login codes from a
// fixed bijection of it, e-mails end with it), organization slugs are checked against the
// existing ones, and invitation token hashes are derived from the invitation id.
//
// Loading uses COPY (pq.CopyIn) inside one transaction; the rows are generated in a goroutine
// while the previous batch is being copied. When the role is a superuser, foreign-key
// triggers are skipped during the load (session_replication_role = replica); the generator
// only produces consistent references. For large loads into small tables, the secondary
// (non-constraint) indexes of users, memberships and auth_events are dropped and rebuilt
// from their own definitions after the load, which is several times faster than maintaining
// them row by row. Audit rows are INSERTed, so the audit trigger chains them.

// SeedOptions sizes a seed.
type SeedOptions struct {
	Users, Events int
	Orgs          int   // 0: one per 200 users (at least 1)
	Seed          int64 // the random seed: same seed, same data
	Invitations   int   // 0: Users/50
}

// SeedSample is a demo account that can log in (active, unlocked, no 2FA, no forced change).
type SeedSample struct {
	Login, Email, Password string
}

// SeedSummary reports what Seed loaded.
type SeedSummary struct {
	Users, Events, Orgs, Memberships, Invitations, Audit int64
	Elapsed                                              time.Duration
	Samples                                              []SeedSample
}

// SeedPasswords are the demo passwords shared by seeded accounts (≥ 15 characters, not in any
// common-password list). They are public: only for demo data.
var SeedPasswords = [3]string{"lantern-orchard-velvet-42", "copper-meadow-harbor-17", "quiet-glacier-pancake-88"}

// Seed loads opt.Users users, opt.Events auth events and the rest into db, which must be
// migrated and may already hold data. progress, if not nil, is called now and then (from the
// calling goroutine) with the rows done and the total rows to load.
func Seed(ctx context.Context, db *sqlx.DB, opt SeedOptions, progress func(done, total int64)) (SeedSummary, error) {
	start := time.Now()
	if opt.Users < 0 || opt.Events < 0 || opt.Orgs < 0 || opt.Invitations < 0 {
		return SeedSummary{}, errors.New("seed: negative count")
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
	for i, pw := range SeedPasswords {
		h, err := HashPassword(ctx, pw)
		if err != nil {
			return SeedSummary{}, fmt.Errorf("seed: hash demo password: %w", err)
		}
		g.hashes[i] = h
	}
	b, err := bcrypt.GenerateFromPassword([]byte(SeedPasswords[0]), 10)
	if err != nil {
		return SeedSummary{}, fmt.Errorf("seed: bcrypt demo password: %w", err)
	}
	g.bcryptHash = string(b)

	conn, err := db.Conn(ctx)
	if err != nil {
		return SeedSummary{}, err
	}
	defer conn.Close()

	// Existing slugs, so that new ones are unique.
	existing := map[string]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT slug FROM organizations`)
	if err != nil {
		return SeedSummary{}, err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return SeedSummary{}, err
		}
		existing[s] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return SeedSummary{}, err
	}

	// Reserve id ranges (sequences are not transactional: a failed seed burns its range).
	if g.orgBase, err = reserveIDs(ctx, conn, "organizations", opt.Orgs); err != nil {
		return SeedSummary{}, err
	}
	if g.userBase, err = reserveIDs(ctx, conn, "users", opt.Users); err != nil {
		return SeedSummary{}, err
	}
	if g.invBase, err = reserveIDs(ctx, conn, "invitations", opt.Invitations); err != nil {
		return SeedSummary{}, err
	}
	if g.eventBase, err = reserveIDs(ctx, conn, "auth_events", opt.Events); err != nil {
		return SeedSummary{}, err
	}

	g.planOrgs(existing)
	g.planUsers()
	g.planInvitations()
	if err := g.simulate(nil); err != nil { // pass 1: the users' final state
		return SeedSummary{}, err
	}
	audit := g.planAudit()

	sum := SeedSummary{
		Users: int64(opt.Users), Events: int64(opt.Events), Orgs: int64(opt.Orgs),
		Memberships: g.nMemberships, Invitations: int64(len(g.invs)), Audit: int64(len(audit.action)),
		Samples: g.samples(),
	}
	total := sum.Users + sum.Events + sum.Orgs + sum.Memberships + g.nMembershipRights +
		sum.Invitations + g.nInvitationRights + sum.Audit

	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return SeedSummary{}, err
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
		return SeedSummary{}, err
	}
	var super bool
	if err := conn.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		return SeedSummary{}, err
	}
	if super {
		if _, err := conn.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return SeedSummary{}, err
		}
	}
	// The search blocks and the failures' summaries are rebuilt at the end: a load with
	// triggers on (not a superuser) must not write them one row at a time meanwhile.
	if !super {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE users DISABLE TRIGGER users_search_blocks_insert;
			ALTER TABLE auth_events DISABLE TRIGGER auth_events_failure_rollups`); err != nil {
			return SeedSummary{}, err
		}
	}
	rebuild, err := dropIndexesForLoad(ctx, conn, opt)
	if err != nil {
		return SeedSummary{}, err
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
			return SeedSummary{}, fmt.Errorf("seed: load %s: %w", st.table, err)
		}
	}

	// Audit rows go through the chain trigger, which must fire.
	if super {
		if _, err := conn.ExecContext(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
			return SeedSummary{}, err
		}
	}
	if len(audit.action) > 0 {
		if _, err := conn.ExecContext(ctx, `INSERT INTO audit_entries
			(operator_name, action, target_user_id, target_org_id, summary)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])`,
			pq.Array(audit.operator), pq.Array(audit.action), pq.Array(audit.user),
			pq.Array(audit.org), pq.Array(audit.summary)); err != nil {
			return SeedSummary{}, fmt.Errorf("seed: audit: %w", err)
		}
		cp.done += int64(len(audit.action))
		progress(cp.done, total)
	}
	for _, ix := range rebuild {
		if _, err := conn.ExecContext(ctx, ix.def); err != nil {
			return SeedSummary{}, fmt.Errorf("seed: rebuild index: %w", err)
		}
		cp.done += loaded[ix.table] / perTable[ix.table]
		progress(cp.done, total)
	}
	// The load ran without their triggers: the blocks are cut from the users loaded.
	if !super {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE users ENABLE TRIGGER users_search_blocks_insert;
			ALTER TABLE auth_events ENABLE TRIGGER auth_events_failure_rollups`); err != nil {
			return SeedSummary{}, err
		}
	}
	if _, err := conn.ExecContext(ctx, `SELECT search_blocks_rebuild($1)`, SearchBlockSize); err != nil {
		return SeedSummary{}, fmt.Errorf("seed: search blocks: %w", err)
	}
	// So are the failures' summaries by address (migration 0009).
	if _, err := conn.ExecContext(ctx, `SET LOCAL work_mem = '256MB'; SELECT failure_rollups_rebuild()`); err != nil {
		return SeedSummary{}, fmt.Errorf("seed: failure summaries: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return SeedSummary{}, err
	}
	committed = true

	// Fresh statistics for the planner.
	if _, err := conn.ExecContext(ctx, `BEGIN; SET LOCAL statement_timeout = 0;
		ANALYZE organizations, users, memberships, membership_rights, invitations,
			invitation_rights, auth_events, audit_entries, search_blocks, failure_ip_hours,
			failure_ip_accounts; COMMIT`); err != nil {
		return SeedSummary{}, fmt.Errorf("seed: analyze: %w", err)
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
func dropIndexesForLoad(ctx context.Context, conn *sql.Conn, opt SeedOptions) ([]droppedIndex, error) {
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

// ---------------------------------------------------------------------------------------
// COPY plumbing

const seedChunkSize = 256 << 10

// rowSink accumulates COPY text rows and hands full chunks to the copier.
type rowSink struct {
	b     []byte
	rows  int64
	out   chan<- *seedChunk
	free  <-chan *seedChunk
	stop  <-chan struct{}
	limit int
}

type seedChunk struct {
	b    []byte
	rows int64
}

var errSeedStopped = errors.New("seed: stopped")

func (w *rowSink) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10); w.b = append(w.b, '\t') }
func (w *rowSink) null()       { w.b = append(w.b, '\\', 'N', '\t') }
func (w *rowSink) bool(v bool) {
	if v {
		w.b = append(w.b, 't', '\t')
	} else {
		w.b = append(w.b, 'f', '\t')
	}
}

// str writes s escaped for COPY's text format.
func (w *rowSink) str(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			w.b = append(w.b, '\\', '\\')
		case '\t':
			w.b = append(w.b, '\\', 't')
		case '\n':
			w.b = append(w.b, '\\', 'n')
		case '\r':
			w.b = append(w.b, '\\', 'r')
		default:
			w.b = append(w.b, c)
		}
	}
	w.b = append(w.b, '\t')
}

func (w *rowSink) strOrNull(s string) {
	if s == "" {
		w.null()
	} else {
		w.str(s)
	}
}

// ts writes a timestamp given in microseconds since the epoch.
func (w *rowSink) ts(us int64) {
	w.b = time.UnixMicro(us).UTC().AppendFormat(w.b, "2006-01-02 15:04:05.000000Z07:00")
	w.b = append(w.b, '\t')
}

// end finishes a row, and sends the chunk when it is full.
func (w *rowSink) end() error {
	w.b[len(w.b)-1] = '\n'
	w.rows++
	if len(w.b) >= w.limit {
		return w.flush()
	}
	return nil
}

func (w *rowSink) flush() error {
	if w.rows == 0 {
		return nil
	}
	select {
	case w.out <- &seedChunk{b: w.b, rows: w.rows}:
	case <-w.stop:
		return errSeedStopped
	}
	select {
	case c := <-w.free:
		w.b = c.b[:0]
	default:
		w.b = make([]byte, 0, w.limit+4096)
	}
	w.rows = 0
	return nil
}

// copier runs COPY statements on one connection and reports progress.
type copier struct {
	conn        *sql.Conn
	done, total int64
	progress    func(done, total int64)
	lastReport  time.Time
}

type copyDataer interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copy loads table with the rows gen writes; gen runs in its own goroutine.
func (cp *copier) copy(ctx context.Context, table string, cols []string, gen func(w *rowSink) error) error {
	out := make(chan *seedChunk, 4)
	free := make(chan *seedChunk, 8)
	stop := make(chan struct{})
	genErr := make(chan error, 1)
	go func() {
		defer close(out)
		w := &rowSink{out: out, free: free, stop: stop, limit: seedChunkSize,
			b: make([]byte, 0, seedChunkSize+4096)}
		err := gen(w)
		if err == nil {
			err = w.flush()
		}
		genErr <- err
	}()
	defer func() {
		close(stop)
		for range out { // let the generator finish
		}
	}()

	err := cp.conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection")
		}
		st, err := c.Prepare(pq.CopyIn(table, cols...))
		if err != nil {
			return err
		}
		defer st.Close()
		cd, ok := st.(copyDataer)
		if !ok {
			return errors.New("driver does not support CopyData")
		}
		for chunk := range out {
			if err := ctx.Err(); err != nil {
				return err
			}
			// CopyData appends the final newline itself.
			if _, err := cd.CopyData(context.Background(), string(chunk.b[:len(chunk.b)-1])); err != nil {
				return err
			}
			cp.done += chunk.rows
			if now := time.Now(); now.Sub(cp.lastReport) >= 50*time.Millisecond {
				cp.lastReport = now
				cp.progress(cp.done, cp.total)
			}
			select {
			case free <- chunk:
			default:
			}
		}
		// Exec(nil) is how lib/pq ends a COPY and reports its errors.
		_, err = st.Exec(nil)
		return err
	})
	if err != nil {
		return err
	}
	if err := <-genErr; err != nil {
		return err
	}
	cp.progress(cp.done, cp.total)
	return nil
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness

// splitmix64 scrambles x (used to derive independent seeds).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seedRNG is a reseedable generator: one per goroutine, reseeded per entity.
type seedRNG struct {
	pcg rand.PCG
	*rand.Rand
}

func newSeedRNG() *seedRNG {
	r := &seedRNG{}
	r.Rand = rand.New(&r.pcg)
	return r
}

// reset seeds the generator for entity i of the given stream.
func (r *seedRNG) reset(seed int64, stream, i uint64) {
	r.pcg.Seed(splitmix64(uint64(seed)^splitmix64(stream)), splitmix64(i^(stream<<48)))
}

// streams of randomness
const (
	streamOrgs = iota + 1
	streamUserPlan
	streamIdentity
	streamEvents
	streamInvitations
	streamAudit
	streamSpecials
)

// ---------------------------------------------------------------------------------------
// Names

type seedName struct{ disp, ascii string }

type seedLocale struct {
	code        string
	lang        string // the users' preferred UI language ('fr' or 'en')
	weight      float64
	familyFirst bool
	first, last []seedName
	places      []seedName
	orgForms    []string // "display template|ascii template"; {L} last name, {P} place
}

// parseNames reads "display" or "display|ascii" entries.
func parseNames(s string) []seedName {
	var out []seedName
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		d, a, ok := strings.Cut(e, "|")
		if !ok {
			a = d
		}
		out = append(out, seedName{disp: d, ascii: a})
	}
	return out
}

var seedLocales = []*seedLocale{
	{code: "fr", lang: "fr", weight: 34,
		first:  parseNames("Jean, Marie, Hélène, François, Élodie, Stéphane, Amélie, Jérôme, Chloé, Théo, Léa, Benoît, Céline, Gaëlle, Noël, Zoé, Mathéo, Inès, Loïc, Anaïs, Pierre, Camille, Nicolas, Sébastien, Jean-Baptiste, Marie-Claire, Aurélie, Cédric"),
		last:   parseNames("Dupont, Lefèvre, Martin, Bernard, Moreau, Girard, Rousseau, Fontaine, Chevalier, Gauthier, Mercier, Bélanger, Lévesque, Côté, Tremblay, Gagnon, Roy, Bouchard, Lefebvre, Perrin, Faure, Giraud, Brûlé, Desjardins, Dubois, Lemaître"),
		places: parseNames("du Lac, des Alpes, Bellevue, du Port, Saint-Michel, de la Gare, du Centre, Les Tilleuls, Beau Séjour, du Château, des Cévennes, de l'Étoile"),
		orgForms: []string{"Hôtel {P}", "Boulangerie {L}", "Cabinet {L} & Associés", "Transports {L} SARL",
			"Clinique {P}", "Garage {L}", "Pharmacie {P}", "Camping {P}", "Groupe {L}", "{L} & Fils"}},
	{code: "de", lang: "en", weight: 10,
		first:  parseNames("Jürgen, Jörg, Günter, Anna, Lena, Lukas, Felix, Sören, Mia, Björn, Käthe, Maximilian, Sophie, Ursula, Dieter, Hannah, Jonas, Leonie, Matthias, Anke"),
		last:   parseNames("Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Krüger, Hartmann, Lange, Weiß"),
		places: parseNames("Zum Löwen, Alpenblick, Seeblick, Am Markt, Sonnenhof, Rheinterrasse"),
		orgForms: []string{"{L} Logistik GmbH", "Bäckerei {L}", "Autohaus {L} KG", "{L} & Söhne GmbH",
			"Hotel {P}", "Praxis Dr. {L}", "Gasthof {P}"}},
	{code: "pl", lang: "en", weight: 8,
		first:    parseNames("Łukasz, Paweł, Małgorzata, Agnieszka, Krzysztof, Tomasz, Katarzyna, Michał, Zofia, Wojciech, Jędrzej, Bożena, Grzegorz, Anna, Piotr, Ewa, Jakub, Magdalena"),
		last:     parseNames("Kowalski, Nowak, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk, Piotrowski, Grabowski, Pawłowski"),
		places:   parseNames("Wawel, Pod Różą, Łazienki, Mazury, Bałtyk"),
		orgForms: []string{"{L} Sp. z o.o.", "Piekarnia {L}", "Hotel {P}", "Kancelaria {L}", "Transport {L} S.A."}},
	{code: "es", lang: "en", weight: 8,
		first:    parseNames("José, María, Lucía, Álvaro, Sofía, Martín, Javier, Carmen, Íñigo, Nuria, Pablo, Ana, Sergio, Marta, Raúl, Begoña, Andrés, Elena"),
		last:     parseNames("García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Núñez, Ibáñez"),
		places:   parseNames("La Giralda, El Mirador, Sol y Mar, Costa Brava, La Alhambra"),
		orgForms: []string{"Hostal {P}", "Transportes {L} S.L.", "Clínica {P}", "Farmacia {L}", "Bodegas {L}"}},
	{code: "en", lang: "en", weight: 12,
		first:    parseNames("James, Olivia, William, Emma, Oliver, Charlotte, Harry, Amelia, George, Isla, Jack, Sophie, Noah, Grace, Thomas, Emily, Liam, Chloe, Aiden, Zoe"),
		last:     parseNames("Smith, Johnson, Williams, Brown, Jones, Taylor, Davies, Evans, Wilson, Thomas, Roberts, Walker, O'Brien, Murphy, Hughes, Clarke, MacDonald, Wright, Green, Baker"),
		places:   parseNames("Harbor View, Riverside, Oakwood, Northwind, Acme, Bluebell"),
		orgForms: []string{"{L} & Partners", "{P} Hotel", "{L} Logistics Ltd", "{P} Corporation", "{P} Dental Care"}},
	{code: "it", lang: "en", weight: 4,
		first:    parseNames("Giulia, Alessandro, Francesca, Lorenzo, Chiara, Matteo, Niccolò, Federica, Giuseppe, Aurora"),
		last:     parseNames("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, De Luca, Mancini"),
		places:   parseNames("Bellavista, Miramare, La Pergola, Il Faro"),
		orgForms: []string{"Albergo {P} S.r.l.", "{L} & Figli", "Trattoria {P}"}},
	{code: "pt", lang: "en", weight: 4,
		first:    parseNames("João, Inês, Gonçalo, Beatriz, Tomás, Leonor, Conceição, Duarte"),
		last:     parseNames("Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Gonçalves, Magalhães, Araújo"),
		places:   parseNames("Atlântico, Ribeira, São Bento, Alfama"),
		orgForms: []string{"Hotel {P}", "{L} & Filhos Lda.", "Construções {L}"}},
	{code: "ja", lang: "en", weight: 6, familyFirst: true,
		first:    parseNames("花子|Hanako, 太郎|Taro, 健太|Kenta, 陽菜|Hina, 翔|Sho, 美咲|Misaki, 大輔|Daisuke, さくら|Sakura, 拓也|Takuya, 結衣|Yui, 蓮|Ren, 葵|Aoi"),
		last:     parseNames("佐藤|Sato, 鈴木|Suzuki, 高橋|Takahashi, 田中|Tanaka, 伊藤|Ito, 渡辺|Watanabe, 山本|Yamamoto, 中村|Nakamura, 小林|Kobayashi, 加藤|Kato, 吉田|Yoshida, 山田|Yamada"),
		places:   parseNames("サクラ|Sakura, ミドリ|Midori, ヒカリ|Hikari, アサヒ|Asahi, 富士|Fuji, 京都|Kyoto"),
		orgForms: []string{"株式会社{P}|{P} KK", "{L}商事株式会社|{L} Shoji KK", "ホテル{P}|Hotel {P}", "{L}工業|{L} Kogyo"}},
	{code: "ar", lang: "fr", weight: 8,
		first:    parseNames("محمد|Mohamed, فاطمة|Fatima, أحمد|Ahmed, ليلى|Leila, يوسف|Youssef, مريم|Mariam, عمر|Omar, سارة|Sara, خالد|Khaled, نور|Nour, كريم|Karim, ياسمين|Yasmine"),
		last:     parseNames("العلي|Al-Ali, بن علي|Benali, الحسن|El Hassan, المنصوري|El Mansouri, حداد|Haddad, خوري|Khoury, العمراني|El Amrani, بوزيد|Bouzid, الشريف|Cherif, ناصر|Nasser"),
		places:   parseNames("النور|Al Noor, الأمل|Al Amal, الواحة|Al Waha, الفجر|Al Fajr"),
		orgForms: []string{"شركة {P}|{P} Company", "{P} Trading LLC|{P} Trading LLC", "مؤسسة {L}|{L} Est."}},
	{code: "vi", lang: "en", weight: 6, familyFirst: true,
		first:    parseNames("Văn An, Thị Hương, Minh Anh, Thu Trang, Quốc Bảo, Ngọc Lan, Đức Minh, Thị Mai, Hoàng Long, Thanh Hằng, Gia Huy, Bảo Ngọc"),
		last:     parseNames("Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ"),
		places:   parseNames("Hoa Sen, Sài Gòn, Hạ Long, Sông Hàn"),
		orgForms: []string{"Công ty TNHH {P}", "Khách sạn {P}", "Công ty {L}"}},
}

var seedLocaleCum []float64

func init() {
	sum := 0.0
	for _, l := range seedLocales {
		sum += l.weight
		seedLocaleCum = append(seedLocaleCum, sum)
	}
	for i := range seedLocaleCum {
		seedLocaleCum[i] /= sum
	}
}

func pickLocale(r *seedRNG) uint8 {
	f := r.Float64()
	i, _ := slices.BinarySearch(seedLocaleCum, f)
	return uint8(min(i, len(seedLocales)-1))
}

// foldASCII transliterates s to lowercase ASCII letters, digits and single '-' separators.
func foldASCII(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ł', 'Ł':
			r = 'l'
		case 'đ', 'Đ':
			r = 'd'
		case 'ø', 'Ø':
			r = 'o'
		case 'ß':
			b.WriteString("ss")
			dash = false
			continue
		case 'æ', 'Æ':
			b.WriteString("ae")
			dash = false
			continue
		case 'œ', 'Œ':
			b.WriteString("oe")
			dash = false
			continue
		case '\'', '’':
			continue
		}
		r = unicode.ToLower(r)
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// lettersOnly keeps the ASCII letters of a folded string.
func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, s)
}

// ---------------------------------------------------------------------------------------
// Plan

// Times in the plan are seconds relative to the run's now (negative: in the past).
const (
	day   = 86400
	hour  = 3600
	years = 365 * day
)

const (
	stActive uint8 = iota
	stInvited
	stDisabled
	stDeleted
)

var statusNames = [...]string{"active", "invited", "disabled", "deleted"}

const (
	fMustChange uint8 = 1 << iota
	fTOTP
	fLocked
	fAttack // locked by last night's attack
	fBcrypt
	fHit // attacked without being locked
)

var rightCodes = [...]string{"users.manage", "billing.view", "billing.manage", "bookings.manage",
	"reports.view", "settings.manage"}

// rightProfiles are typical sets of rights (bit i = rightCodes[i]), with their weights.
var rightProfiles = [...]struct {
	mask   uint8
	weight float64
}{
	{1 << 4, 30},                    // viewer: reports
	{1<<3 | 1<<4, 35},               // bookings + reports
	{1<<1 | 1<<2 | 1<<4, 15},        // accountant
	{1<<0 | 1<<1 | 1<<3 | 1<<4, 12}, // manager
	{0x3f, 8},                       // administrator: all
}

func pickProfile(r *seedRNG) uint8 {
	f := r.Float64() * 100
	for i, p := range rightProfiles {
		if f < p.weight {
			return uint8(i)
		}
		f -= p.weight
	}
	return 0
}

type orgPlan struct {
	name, slug, prefix, domain string
	locale                     uint8
	created                    int32
}

type userPlan struct {
	org     [3]int32 // org indexes, -1 = none
	prof    [3]uint8 // right profile per membership
	created int32
	end     int32 // disabled or deleted at
	pwSet   int32 // temporary password set at (must change)
	lockAt  int32 // planned lock
	ip      int32 // home IP (pool index)
	status  uint8
	flags   uint8
	class   uint8 // activity: 0 none, 1 light, 2 normal, 3 heavy
	locale  uint8
	pw      uint8 // demo password index
	ua      uint8
	lockN   uint8 // failures in the lock sequence (≥ 5)
}

type invPlan struct {
	org, user         int32 // user -1 = a new person
	email, name       string
	created, expires  int32
	accepted, revoked int32 // 0 = not
	resend            uint8
	rights            uint8
}

type seedGen struct {
	names   []string // each user's name, kept by writeUsers for writeMemberships
	opt     SeedOptions
	now     time.Time
	nowUnix int64

	orgBase, userBase, invBase, eventBase int64

	hashes     [3]string
	bcryptHash string

	orgs  []orgPlan
	users []userPlan
	invs  []invPlan
	state []userState

	classes [4][]int32 // user indexes by activity class

	nMemberships, nMembershipRights, nInvitationRights int64

	specials        []seedEvent
	specialsPlanned bool
}

// users' activity classes: share of users, share of events
var classShare = [4]float64{0, 0.40, 0.50, 0.10}
var classEvents = [4]float64{0, 0.10, 0.45, 0.45}

func (g *seedGen) planOrgs(existing map[string]bool) {
	r := newSeedRNG()
	g.orgs = make([]orgPlan, g.opt.Orgs)
	names := map[string]int{}
	for i := range g.orgs {
		r.reset(g.opt.Seed, streamOrgs, uint64(i))
		loc := pickLocale(r)
		l := seedLocales[loc]
		form := l.orgForms[r.IntN(len(l.orgForms))]
		disp, asc, ok := strings.Cut(form, "|")
		if !ok {
			asc = disp
		}
		last := l.last[r.IntN(len(l.last))]
		place := l.places[r.IntN(len(l.places))]
		name := strings.NewReplacer("{L}", last.disp, "{P}", place.disp).Replace(disp)
		ascii := strings.NewReplacer("{L}", last.ascii, "{P}", place.ascii).Replace(asc)
		distinct := place.ascii
		if strings.Contains(form, "{L}") {
			distinct = last.ascii
		}
		if n := names[name]; n > 0 {
			// Branches of the same business: "Hôtel du Lac (2)".
			names[name] = n + 1
			name = fmt.Sprintf("%s (%d)", name, n+1)
			ascii = fmt.Sprintf("%s %d", ascii, n+1)
		} else {
			names[name] = 1
		}
		base := foldASCII(ascii)
		if len(base) > 50 {
			base = strings.TrimRight(base[:50], "-")
		}
		if base == "" {
			base = "org"
		}
		slug := base
		for n := 2; existing[slug]; n++ {
			slug = base + "-" + strconv.Itoa(n)
		}
		existing[slug] = true
		words := strings.Fields(strings.ReplaceAll(foldASCII(distinct), "-", " "))
		prefix := "ORG"
		if len(words) > 0 {
			prefix = strings.ToUpper(lettersOnly(words[len(words)-1]))
		}
		if len(prefix) > 5 {
			prefix = prefix[:5]
		}
		for len(prefix) < 3 {
			prefix += "X"
		}
		g.orgs[i] = orgPlan{name: name, slug: slug, prefix: prefix, domain: base + ".example",
			locale: loc, created: -int32(3*years + r.IntN(2*years))}
	}
}

func (g *seedGen) planUsers() {
	n := g.opt.Users
	g.users = make([]userPlan, n)
	r := newSeedRNG()
	var zipf *rand.Zipf
	if g.opt.Orgs > 1 {
		zipf = rand.NewZipf(r.Rand, 1.15, 2, uint64(g.opt.Orgs-1))
	}
	pickOrg := func() int32 {
		if zipf == nil {
			return 0
		}
		// Scramble the rank so that the big organizations are spread over the id range.
		k := zipf.Uint64()
		return int32((k*7919 + 13) % uint64(g.opt.Orgs))
	}
	for i := range g.users {
		r.reset(g.opt.Seed, streamUserPlan, uint64(i))
		u := &g.users[i]
		u.org = [3]int32{-1, -1, -1}
		if i < g.opt.Orgs && i*4 < n {
			u.org[0] = int32(i) // every organization has at least one user
		} else {
			u.org[0] = pickOrg()
		}
		extra := 0
		if f := r.Float64(); f < 0.05 {
			extra = 2
		} else if f < 0.20 {
			extra = 1
		}
		for k := 1; k <= extra && g.opt.Orgs > k; k++ {
			for try := 0; try < 10; try++ {
				o := pickOrg()
				if o != u.org[0] && o != u.org[1] {
					u.org[k] = o
					break
				}
			}
		}
		for k := range u.org {
			if u.org[k] >= 0 {
				u.prof[k] = pickProfile(r)
				g.nMemberships++
				g.nMembershipRights += int64(popcount(rightProfiles[u.prof[k]].mask))
			}
		}
		if r.Float64() < 0.6 {
			u.locale = g.orgs[u.org[0]].locale
		} else {
			u.locale = pickLocale(r)
		}
		// Status: mostly active.
		switch f := r.Float64(); {
		case f < 0.04:
			u.status = stInvited
		case f < 0.075:
			u.status = stDisabled
		case f < 0.10:
			u.status = stDeleted
		default:
			u.status = stActive
		}
		if r.Float64() < 0.8 {
			u.created = -int32(90*day + r.IntN(3*years-90*day))
		} else {
			u.created = -int32(day + r.IntN(89*day))
		}
		if u.status == stInvited {
			u.created = -int32(hour + r.IntN(60*day))
		}
		if u.status == stDisabled || u.status == stDeleted {
			span := int(-u.created) - hour
			u.end = u.created + int32(min(span, day+r.IntN(max(1, span))))
		}
		u.ip = ipPoolUsers + int32(r.IntN(ipPoolSize-ipPoolUsers))
		u.ua = uint8(r.IntN(len(seedUserAgents)))
		u.pw = uint8(r.IntN(len(SeedPasswords)))
		if u.status != stInvited {
			if r.Float64() < 0.10 {
				u.flags |= fTOTP
			}
			if r.Float64() < 0.03 {
				u.flags |= fBcrypt
			}
			switch f := r.Float64(); {
			case f < 0.10:
				u.class = 3
			case f < 0.60:
				u.class = 2
			default:
				u.class = 1
			}
			g.classes[u.class] = append(g.classes[u.class], int32(i))
		}
		if u.status == stActive {
			if r.Float64() < 0.03 {
				u.flags |= fMustChange
				u.flags &^= fBcrypt
				u.pwSet = max(u.created+60, -int32(hour+r.IntN(10*day)))
			} else if r.Float64() < 0.0055 {
				u.flags |= fLocked
			}
		}
		u.lockN = uint8(5 + r.IntN(4))
	}
	// At least one locked account.
	locked := 0
	for i := range g.users {
		if g.users[i].flags&fLocked != 0 {
			locked++
		}
	}
	if locked == 0 {
		for i := range g.users {
			if u := &g.users[i]; u.status == stActive && u.flags&fMustChange == 0 {
				u.flags |= fLocked
				break
			}
		}
	}
}

func popcount(m uint8) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// identity is the part of a user that is text: name, e-mail, TOTP secret.
type identity struct {
	name, email, first, last, totp string
}

func (g *seedGen) identity(r *seedRNG, i int) identity {
	u := &g.users[i]
	r.reset(g.opt.Seed, streamIdentity, uint64(i))
	l := seedLocales[u.locale]
	f, la := l.first[r.IntN(len(l.first))], l.last[r.IntN(len(l.last))]
	var id identity
	switch {
	case l.code == "ar" && r.Float64() < 0.5:
		id.name = f.ascii + " " + la.ascii
	case l.code == "ja":
		id.name = la.disp + " " + f.disp
	case l.familyFirst:
		id.name = la.disp + " " + f.disp
	default:
		id.name = f.disp + " " + la.disp
	}
	fa, lastA := lettersOnly(foldASCII(f.ascii)), lettersOnly(foldASCII(la.ascii))
	if l.code == "vi" { // the given name is the last word
		words := strings.Fields(f.ascii)
		fa = lettersOnly(foldASCII(words[len(words)-1]))
	}
	if fa == "" {
		fa = "user"
	}
	if lastA == "" {
		lastA = "x"
	}
	id.first, id.last = fa, lastA
	num := strconv.FormatInt(g.userBase+int64(i), 10)
	var local string
	switch f := r.Float64(); {
	case f < 0.55:
		local = fa + "." + lastA + "." + num
	case f < 0.70:
		local = fa[:1] + lastA + num
	case f < 0.80:
		local = fa + "_" + lastA + num
	case f < 0.90:
		local = lastA + "." + fa + "." + num
	default:
		local = fa + lastA + "." + num
	}
	if r.Float64() < 0.05 {
		local += "+" + [...]string{"portal", "work", "extranet", "booking"}[r.IntN(4)]
	}
	domain := g.orgs[u.org[0]].domain
	if r.Float64() < 0.45 {
		domain = [...]string{"example.com", "example.org", "example.net", "mail.example", "post.example"}[r.IntN(5)]
	}
	id.email = local + "@" + domain
	if u.flags&fTOTP != 0 {
		const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
		var s [32]byte
		for k := range s {
			s[k] = b32[r.IntN(32)]
		}
		id.totp = string(s[:])
	}
	return id
}

// loginCode is PREFIX-CODE, CODE a fixed bijection of the user id (so it is unique across
// seeds and runs): 6 characters below 2^30, 7 above.
func (g *seedGen) loginCode(i int) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" // 32 symbols, no 0/O, 1/I
	id := uint64(g.userBase + int64(i))
	n, bits := 6, uint(30)
	if id >= 1<<30 {
		n, bits = 7, 35
	}
	mask := uint64(1)<<bits - 1
	x := (id*0x2545F491 + 0x5bd1e995) & mask // odd multiplier: a bijection modulo 2^bits
	var b [7]byte
	for k := n - 1; k >= 0; k-- {
		b[k] = alphabet[x&31]
		x >>= 5
	}
	return g.orgs[g.users[i].org[0]].prefix + "-" + string(b[:n])
}

func (g *seedGen) planInvitations() {
	r := newSeedRNG()
	var invited, active []int32
	for i := range g.users {
		switch g.users[i].status {
		case stInvited:
			invited = append(invited, int32(i))
		case stActive:
			active = append(active, int32(i))
		}
	}
	idr := newSeedRNG()
	nextInvited := 0
	g.invs = make([]invPlan, 0, g.opt.Invitations)
	for j := 0; j < g.opt.Invitations; j++ {
		r.reset(g.opt.Seed, streamInvitations, uint64(j))
		inv := invPlan{user: -1, resend: uint8(r.IntN(3))}
		inv.rights = rightProfiles[pickProfile(r)].mask
		kind := r.Float64()
		open := kind < 0.60 // pending or expired
		switch {
		case open && nextInvited < len(invited):
			inv.user = invited[nextInvited]
			nextInvited++
		case !open && kind < 0.90 && len(active) > 0: // accepted by an existing user
			inv.user = active[r.IntN(len(active))]
		}
		if inv.user >= 0 {
			id := g.identity(idr, int(inv.user))
			inv.email, inv.name, inv.org = id.email, id.name, g.users[inv.user].org[0]
		} else {
			loc := seedLocales[pickLocale(r)]
			f, l := loc.first[r.IntN(len(loc.first))], loc.last[r.IntN(len(loc.last))]
			inv.name = f.disp + " " + l.disp
			inv.org = int32(r.IntN(max(1, g.opt.Orgs)))
			inv.email = lettersOnly(foldASCII(f.ascii)) + "." + lettersOnly(foldASCII(l.ascii)) +
				".inv" + strconv.FormatInt(g.invBase+int64(j), 10) + "@" + g.orgs[inv.org].domain
		}
		switch {
		case kind < 0.45: // pending
			inv.created = -int32(hour + r.IntN(6*day))
			inv.expires = inv.created + 7*day
		case kind < 0.60: // expired
			inv.created = -int32(8*day + r.IntN(52*day))
			inv.expires = inv.created + 7*day
		case kind < 0.90 && inv.user >= 0: // accepted
			inv.created = max(g.users[inv.user].created-3*day, -int32(400*day))
			inv.expires = inv.created + 7*day
			inv.accepted = inv.created + int32(hour+r.IntN(3*day))
		default: // revoked
			inv.created = -int32(10*day + r.IntN(190*day))
			inv.expires = inv.created + 7*day
			inv.revoked = inv.created + int32(hour+r.IntN(5*day))
		}
		g.invs = append(g.invs, inv)
		g.nInvitationRights += int64(popcount(inv.rights))
	}
}

// ---------------------------------------------------------------------------------------
// Network and user agents

const (
	ipPoolSize  = 8192
	ipPoolUsers = 8 // the first entries are the attackers'
)

var seedIPs = func() []string {
	r := newSeedRNG()
	r.reset(0, 99, 0)
	ips := []string{"203.0.113.66", "203.0.113.77", "203.0.113.199", "2001:db8:bad:1::66",
		"203.0.113.13", "203.0.113.250", "2001:db8:bad:2::13", "203.0.113.42"}
	for len(ips) < ipPoolSize {
		switch f := r.Float64(); {
		case f < 0.30:
			ips = append(ips, "192.0.2."+strconv.Itoa(1+r.IntN(254)))
		case f < 0.55:
			ips = append(ips, "198.51.100."+strconv.Itoa(1+r.IntN(254)))
		default:
			ips = append(ips, fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xffff)))
		}
	}
	return ips
}()

var seedUserAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.92",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko",
	"PortalMobile/3.14.2 (iOS 17.5; iPhone14,2)",
	"PortalMobile/3.14.1 (Android 14; Pixel 7)",
}

var attackerAgents = []string{"python-requests/2.31.0", "curl/8.5.0", "Go-http-client/1.1",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36"}

// attacker user agents follow the users' in one index space
func userAgent(i uint8) string {
	if int(i) < len(seedUserAgents) {
		return seedUserAgents[i]
	}
	return attackerAgents[int(i)-len(seedUserAgents)]
}

// ---------------------------------------------------------------------------------------
// Auth events: a deterministic simulation, run twice (once for the users' final state,
// once to write the rows).

const (
	kSuccess uint8 = iota
	kFailure
	kLock
	kUnlock
	kPasswordChanged
	kResetRequested
	kResetCompleted
	kTOTPReset
	kSessionEnded
)

var kindNames = [...]string{"login_success", "login_failure", "lock", "unlock", "password_changed",
	"reset_requested", "reset_completed", "totp_reset", "session_ended"}

const (
	rNone uint8 = iota
	rBadPassword
	rUnknownLogin
	rLocked
	rDisabled
	rDeleted
	rBadTOTP
	rExpiredPassword
	rOperator
	rResetLink
	rThreshold
)

var reasonNames = [...]string{"", "bad_password", "unknown_login", "locked", "disabled", "deleted",
	"bad_totp", "expired_password", "operator", "reset_link", "threshold"}

type seedEvent struct {
	t      int32 // seconds relative to now
	user   int32 // -1: unknown login
	ip     int32
	kind   uint8
	reason uint8
	ua     uint8
	login  string // as typed, for unknown logins
}

type userState struct {
	lastLogin, firstFail, lastFail, pwChanged, lockedAt int32
	lastLoginIP, lastFailIP                             int32
	fails, lockCount                                    uint8
}

func (st *userState) apply(ev *seedEvent) {
	switch ev.kind {
	case kSuccess:
		st.lastLogin, st.lastLoginIP = ev.t, ev.ip
		st.fails, st.firstFail = 0, 0
	case kFailure:
		switch ev.reason {
		case rBadPassword, rBadTOTP, rLocked, rExpiredPassword:
			if st.firstFail == 0 || ev.t-st.firstFail > 15*60 && st.lockedAt == 0 {
				st.fails, st.firstFail = 0, ev.t
			}
			if st.fails < 255 {
				st.fails++
			}
			st.lastFail, st.lastFailIP = ev.t, ev.ip
		}
	case kLock:
		st.lockedAt = ev.t
		st.lockCount++
	case kUnlock:
		st.lockedAt, st.fails, st.firstFail = 0, 0, 0
	case kPasswordChanged:
		st.pwChanged = ev.t
	case kResetCompleted:
		st.pwChanged = ev.t
		st.lockedAt, st.fails, st.firstFail = 0, 0, 0
	}
}

// attackStart is last night's attack: 02:10 UTC today, or yesterday if that is too recent.
func (g *seedGen) attackStart() int32 {
	d := time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 2, 10, 0, 0, time.UTC)
	if g.now.Sub(d) < 2*time.Hour {
		d = d.Add(-24 * time.Hour)
	}
	return int32(d.Unix() - g.nowUnix)
}

// planSpecials builds the events that are not random logins: temporary passwords set by an
// operator, lock sequences, the attack. They are kept in time order and merged into the stream.
func (g *seedGen) planSpecials() {
	r := newSeedRNG()
	r.reset(g.opt.Seed, streamSpecials, 0)
	budget := g.opt.Events
	var sp []seedEvent
	add := func(ev seedEvent) bool {
		if len(sp) >= budget {
			return false
		}
		sp = append(sp, ev)
		return true
	}
	attack := g.attackStart()
	const attackLen = 50 * 60
	attackerUA := uint8(len(seedUserAgents))
	var lockedUsers, candidates []int32
	for i := range g.users {
		u := &g.users[i]
		if u.flags&fLocked != 0 {
			lockedUsers = append(lockedUsers, int32(i))
		} else if u.status == stActive && u.flags&fMustChange == 0 && r.Float64() < 0.005 {
			candidates = append(candidates, int32(i))
		}
	}
	// Temporary passwords set by operators.
	for i := range g.users {
		u := &g.users[i]
		if u.flags&fMustChange != 0 {
			add(seedEvent{t: u.pwSet, user: int32(i), kind: kPasswordChanged, reason: rOperator, ip: u.ip, ua: u.ua})
		}
	}
	// Lock sequences: 60% by the attack, the others forgetful users over two weeks.
	for k, i := range lockedUsers {
		u := &g.users[i]
		ip, ua := u.ip, u.ua
		var t int32
		gap := 15 + r.IntN(60)
		if r.Float64() < 0.6 {
			u.flags |= fAttack
			t = attack + int32(k*attackLen/max(1, len(lockedUsers))) + int32(r.IntN(60))
			ip, ua, gap = int32(r.IntN(ipPoolUsers)), attackerUA+uint8(r.IntN(len(attackerAgents))), 2+r.IntN(5)
		} else {
			t = -int32(2*hour + r.IntN(14*day))
		}
		t = max(t, u.created+hour)
		u.lockAt = t
		for f := 0; f < int(u.lockN); f++ {
			reason := rBadPassword
			if f >= 5 {
				reason = rLocked
			}
			add(seedEvent{t: t, user: i, kind: kFailure, reason: reason, ip: ip, ua: ua})
			if f == 4 {
				add(seedEvent{t: t + 1, user: i, kind: kLock, reason: rThreshold, ip: ip, ua: ua})
			}
			t += int32(gap + r.IntN(gap+1))
		}
	}
	// The attack also tries one or two passwords on other accounts...
	for _, i := range candidates {
		g.users[i].flags |= fHit
		t := attack + int32(r.IntN(attackLen))
		ip, ua := int32(r.IntN(ipPoolUsers)), attackerUA+uint8(r.IntN(len(attackerAgents)))
		for range 1 + r.IntN(2) {
			add(seedEvent{t: t, user: i, kind: kFailure, reason: rBadPassword, ip: ip, ua: ua})
			t += int32(2 + r.IntN(5))
		}
	}
	// ... and sprays unknown logins, mostly during the night, some over the past week.
	spray := g.opt.Events / 100
	for range spray {
		t := attack + int32(r.IntN(attackLen))
		if r.Float64() < 0.3 {
			t = -int32(hour + r.IntN(7*day))
		}
		add(seedEvent{t: t, user: -1, kind: kFailure, reason: rUnknownLogin,
			ip: int32(r.IntN(ipPoolUsers)), ua: attackerUA + uint8(r.IntN(len(attackerAgents))),
			login: junkLogin(r, g)})
	}
	slices.SortStableFunc(sp, func(a, b seedEvent) int { return int(a.t) - int(b.t) })
	g.specials = sp
}

// junkLogin is what attackers and typos send: names, e-mails, made-up codes.
func junkLogin(r *seedRNG, g *seedGen) string {
	switch r.IntN(4) {
	case 0:
		return [...]string{"admin", "administrator", "root", "test", "user", "guest", "demo", "info",
			"support", "contact", "sales", "webmaster"}[r.IntN(12)]
	case 1:
		return fmt.Sprintf("%s@%s", [...]string{"admin", "info", "contact", "it", "compta"}[r.IntN(5)],
			[...]string{"example.com", "example.org", "mail.example"}[r.IntN(3)])
	case 2:
		if len(g.orgs) > 0 {
			return fmt.Sprintf("%s-%05d", g.orgs[r.IntN(len(g.orgs))].prefix, r.IntN(100000))
		}
		fallthrough
	default:
		return fmt.Sprintf("user%d", r.IntN(10000))
	}
}

// rhythm maps a fraction of the bulk events to a time, following office hours and weekdays.
type rhythm struct {
	start int32
	cum   []float64 // per hour, cumulative, normalized
}

// newRhythm covers length seconds from back seconds before now.
func newRhythm(now time.Time, back, length int32) *rhythm {
	hours := int(length / hour)
	rh := &rhythm{start: -back, cum: make([]float64, hours)}
	hourWeight := [24]float64{0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 4.5, 4, 3.5, 2.5, 3,
		3.8, 3.5, 3.2, 2.5, 1.6, 1.2, 1, 0.8, 0.5, 0.3}
	sum := 0.0
	for h := range hours {
		at := now.Add(time.Duration(int64(-back)+int64(h)*hour) * time.Second)
		w := hourWeight[at.Hour()]
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.3
		}
		sum += w
		rh.cum[h] = sum
	}
	for h := range rh.cum {
		rh.cum[h] /= sum
	}
	return rh
}

func (rh *rhythm) at(f float64) int32 {
	h, _ := slices.BinarySearch(rh.cum, f)
	h = min(h, len(rh.cum)-1)
	lo := 0.0
	if h > 0 {
		lo = rh.cum[h-1]
	}
	frac := 0.0
	if w := rh.cum[h] - lo; w > 0 {
		frac = (f - lo) / w
	}
	return rh.start + int32(h)*hour + int32(frac*hour)
}

// simulate runs the event stream. With emit == nil it records the users' final state in
// g.state; otherwise it calls emit for every event, in order (the state is then discarded).
func (g *seedGen) simulate(emit func(ev *seedEvent) error) error {
	if !g.specialsPlanned {
		g.planSpecials()
		g.specialsPlanned = true
	}
	state := make([]userState, len(g.users))
	r := newSeedRNG()
	r.reset(g.opt.Seed, streamEvents, 0)
	bulk := g.opt.Events - len(g.specials)
	const span = 90 * day
	rh := newRhythm(g.now, span, span-600)
	var classCum [4]float64
	total := 0.0
	for c := 1; c < 4; c++ {
		if len(g.classes[c]) > 0 {
			total += classEvents[c]
		}
		classCum[c] = total
	}
	next := 0 // next special
	done := 0 // bulk events emitted
	var err error
	out := func(ev seedEvent) bool {
		if err != nil {
			return false
		}
		if ev.user >= 0 {
			state[ev.user].apply(&ev)
		}
		if emit != nil {
			err = emit(&ev)
		}
		return err == nil
	}
	bulkOut := func(ev seedEvent) bool {
		if done >= bulk || ev.t > -1 {
			return false
		}
		done++
		return out(ev)
	}
	for done < bulk && err == nil {
		t := rh.at((float64(done) + 0.5) / float64(bulk))
		for next < len(g.specials) && g.specials[next].t <= t {
			out(g.specials[next])
			next++
		}
		g.episode(r, state, t, classCum, total, bulkOut)
	}
	for ; next < len(g.specials) && err == nil; next++ {
		out(g.specials[next])
	}
	if emit == nil {
		g.state = state
	}
	return err
}

// episode emits one login episode at time t: a user signs in (sometimes after failures,
// typos or a reset), or an attempt on a closed account, or an unknown login.
func (g *seedGen) episode(r *seedRNG, state []userState, t int32, classCum [4]float64, total float64, out func(seedEvent) bool) {
	roaming := func() int32 { return ipPoolUsers + int32(r.IntN(ipPoolSize-ipPoolUsers)) }
	for try := 0; try < 8 && total > 0; try++ {
		f := r.Float64() * total
		c := 1
		for c < 3 && (f >= classCum[c] || len(g.classes[c]) == 0) {
			c++
		}
		list := g.classes[c]
		if len(list) == 0 {
			continue
		}
		ui := list[r.IntN(len(list))]
		u, st := &g.users[ui], &state[ui]
		if t < u.created+60 {
			continue
		}
		ip, ua := u.ip, u.ua
		if r.Float64() < 0.2 {
			ip = roaming()
		}
		if r.Float64() < 0.15 {
			ua = uint8(r.IntN(len(seedUserAgents)))
		}
		ev := seedEvent{t: t, user: ui, ip: ip, ua: ua}
		fail := func(reason uint8) bool {
			e := ev
			e.kind, e.reason = kFailure, reason
			return out(e)
		}
		if (u.status == stDisabled || u.status == stDeleted) && t >= u.end {
			if r.Float64() < 0.15 {
				fail([...]uint8{stDisabled: rDisabled, stDeleted: rDeleted}[u.status])
				return
			}
			continue
		}
		if st.lockedAt != 0 {
			if r.Float64() < 0.3 {
				fail(rLocked)
				return
			}
			continue
		}
		if u.flags&fLocked != 0 && t >= u.lockAt-hour {
			continue // leave the lock sequence alone
		}
		if u.flags&fMustChange != 0 && t >= u.pwSet {
			if t > u.pwSet+72*hour && r.Float64() < 0.5 {
				fail(rExpiredPassword)
				return
			}
			continue
		}
		g.loginEpisode(r, st, ev, out)
		return
	}
	out(seedEvent{t: t, user: -1, kind: kFailure, reason: rUnknownLogin, ip: roaming(),
		ua: uint8(r.IntN(len(seedUserAgents))), login: junkLogin(r, g)})
}

func (g *seedGen) loginEpisode(r *seedRNG, st *userState, ev seedEvent, out func(seedEvent) bool) {
	u := &g.users[ev.user]
	at := func(kind, reason uint8, dt int) bool {
		e := ev
		e.kind, e.reason = kind, reason
		ev.t += int32(dt)
		e.t = ev.t
		return out(e)
	}
	gap := func() int { return 15 + r.IntN(90) }
	switch f := r.Float64(); {
	case f < 0.80:
		at(kSuccess, rNone, 0)
	case f < 0.90:
		_ = at(kFailure, rBadPassword, 0) && at(kSuccess, rNone, gap())
	case f < 0.93:
		_ = at(kFailure, rBadPassword, 0) && at(kFailure, rBadPassword, gap()) && at(kSuccess, rNone, gap())
	case f < 0.945:
		if st.fails >= 3 {
			at(kSuccess, rNone, 0)
		} else {
			at(kFailure, rBadPassword, 0) // gave up
		}
	case f < 0.955:
		typo := seedEvent{t: ev.t, user: -1, kind: kFailure, reason: rUnknownLogin, ip: ev.ip, ua: ev.ua,
			login: typoOf(r, g.loginCode(int(ev.user)))}
		_ = out(typo) && at(kSuccess, rNone, gap())
	case f < 0.965 && u.flags&fTOTP != 0:
		_ = at(kFailure, rBadTOTP, 0) && at(kSuccess, rNone, gap())
	case f < 0.975:
		_ = at(kSuccess, rNone, 0) && at(kPasswordChanged, rNone, 60+r.IntN(300))
	case f < 0.982:
		_ = at(kResetRequested, rNone, 0) && at(kResetCompleted, rResetLink, 120+r.IntN(900)) &&
			at(kSuccess, rNone, gap())
	case f < 0.99:
		_ = at(kSuccess, rNone, 0) && at(kSessionEnded, rNone, 600+r.IntN(4*hour))
	case f < 0.992:
		// An earlier lockout, unlocked by an operator a few hours later.
		ok := true
		for k := 0; k < 5 && ok; k++ {
			ok = at(kFailure, rBadPassword, gap())
		}
		_ = ok && at(kLock, rThreshold, 1) && at(kUnlock, rOperator, hour+r.IntN(5*hour)) &&
			at(kSuccess, rNone, gap())
	case f < 0.993 && u.flags&fTOTP != 0:
		_ = at(kTOTPReset, rOperator, 0) && at(kSuccess, rNone, gap())
	default:
		at(kSuccess, rNone, 0)
	}
}

// typoOf is a login code as mistyped: one character changed, or the wrong prefix.
func typoOf(r *seedRNG, code string) string {
	b := []byte(code)
	switch r.IntN(3) {
	case 0:
		k := len(b) - 1 - r.IntN(4)
		b[k] = "0O1IL8B5S"[r.IntN(9)]
		return string(b)
	case 1:
		return strings.ToLower(string(b[:len(b)-1]))
	default:
		return string(b) + string("0123456789"[r.IntN(10)])
	}
}

// ---------------------------------------------------------------------------------------
// Samples and audit

func (g *seedGen) samples() []SeedSample {
	r := newSeedRNG()
	var out []SeedSample
	usedPw := map[uint8]int{}
	for i := range g.users {
		u := &g.users[i]
		if u.status != stActive || u.flags&(fMustChange|fTOTP|fLocked|fBcrypt|fHit) != 0 ||
			g.state[i].lockedAt != 0 || usedPw[u.pw] >= 2 {
			continue
		}
		usedPw[u.pw]++
		id := g.identity(r, i)
		out = append(out, SeedSample{Login: g.loginCode(i), Email: id.email, Password: SeedPasswords[u.pw]})
		if len(out) == 4 {
			break
		}
	}
	return out
}

type auditPlan struct {
	operator, action, summary []string
	user, org                 []int64
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
	for range n {
		ui := r.IntN(len(g.users))
		u := &g.users[ui]
		var action, summary string
		switch r.IntN(8) {
		case 0:
			action, summary = "user.invite", "invited to "+g.orgs[u.org[0]].slug
		case 1:
			action, summary = "user.unlock", fmt.Sprintf("unlocked after a call (ticket #%d)", 4000+r.IntN(6000))
		case 2:
			action, summary = "user.password.temporary", "temporary password generated; must change at next login"
		case 3:
			action, summary = "user.disable", "left the company"
		case 4:
			action, summary = "user.totp.reset", "lost phone; 2FA reset, re-enrolls at next login"
		case 5:
			action, summary = "membership.rights", "rights set to reports.view, bookings.manage"
		case 6:
			action, summary = "user.reset_link", "reset link sent"
		default:
			action, summary = "user.login_code", "login code sent by e-mail"
		}
		a.operator = append(a.operator, ops[r.IntN(len(ops))])
		a.action = append(a.action, action)
		a.summary = append(a.summary, summary)
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
	g.names = make([]string, len(g.users)) // copied onto memberships (their triggers are off)
	for i := range g.users {
		u, st := &g.users[i], &g.state[i]
		id := g.identity(r, i)
		g.names[i] = id.name
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

func (g *seedGen) writeMemberships(w *rowSink) error {
	for i := range g.users {
		u := &g.users[i]
		for k, o := range u.org {
			if o < 0 {
				continue
			}
			w.int(g.userBase + int64(i))
			w.int(g.orgBase + int64(o))
			w.ts(g.us(u.created + int32(k)*int32(30*day)%max(1, -u.created)))
			w.str(g.names[i])
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
