package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
)

// UserSort orders the Users screen.
type UserSort string

const (
	SortName      UserSort = "name"       // A→Z
	SortLastLogin UserSort = "last_login" // most recent first, never-logged-in last
	SortCreated   UserSort = "created"    // newest first
)

// UserSorts lists the sorts in the order the screen cycles through them.
var UserSorts = []UserSort{SortName, SortLastLogin, SortCreated}

// Cursor is a keyset position: the sort key and id of a row.
type Cursor struct {
	Name string    `json:"n,omitempty"`
	Time time.Time `json:"t,omitempty"`
	ID   int64     `json:"id"`
}

// UserQuery selects a page of users. Zero values mean "no filter".
type UserQuery struct {
	Search       string       // words to find in name, e-mail or login code (see words)
	Status       model.Status // one status; empty = every status but deleted
	OrgID        int64
	Locked       *bool
	TOTP         *bool
	MustChange   *bool
	InactiveDays int // no login (or never, created before) for at least N days
	Sort         UserSort
	After        *Cursor // next page: rows after this cursor
	Before       *Cursor // previous page: rows before this cursor
	Limit        int
	// Brief: each user carries what a list shows and acts on (id, login code, e-mail, name,
	// status, lock, forced change, 2FA, last login, creation, version, organizations, failed
	// e-mail); the other fields are zero. Reading and decoding the whole row took about a fifth
	// of a filtered page's time at 10M users. GetUser reads the whole row.
	Brief bool

	byTrigram  bool // sort the trigram index's matches instead of walking the name index
	walkBudget int  // walk at most this many entries of the name index for a search (0: no bound)
	byBlocks   bool // walk the name index only inside the search blocks that can match
	planForced bool // tests: the plan above was chosen by the caller (export_test.go)
	// patternLits: the search's patterns are written into the statement as literals, so that
	// its plan, made once per term and cached, is the one for those patterns.
	patternLits bool
}

// searchWalkBudget bounds the first try of a search with many matches: a walk of the name
// index from the cursor reading at most this many entries (about 1 ms here). A term common
// all through the name order fills its page within it ("mar", one match in 11 entries;
// "son", one in 35), more cheaply than the search blocks; when it does not, the search
// blocks go on from the last row it found.
const searchWalkBudget = 4000

// searchWalkMin is the planner's estimate of a search's matches above which the bounded walk
// is tried first: fewer, and they are too sparse to fill a page within its budget.
const searchWalkMin = 20000

// trigramMaxMatches is the planner's estimate of a search's matches under which a page the
// search blocks cannot serve is drawn from the trigram index: reading and sorting 6,000
// matches takes about 20 ms here, whereas walking the name index depends on where the
// matches sit in the name order.
const trigramMaxMatches = 6000

// words are what a search must all find, in any order, each as a substring of a user's name,
// e-mail or login code, ignoring case and accents (model.SearchWords: folded as the search
// column is).
func (q UserQuery) words() []string { return model.SearchWords(q.Search) }

// trigramWord tells whether the trigram indexes can look a word up (3 characters or more).
func trigramWord(w string) bool { return utf8.RuneCountInString(w) >= 3 }

// searchByTrigram tells whether a query is a search sorted by name with a word the trigram
// index can serve.
func (q UserQuery) searchByTrigram() bool {
	return (q.Sort == SortName || q.Sort == "") && slices.ContainsFunc(q.words(), trigramWord)
}

// UserPage is one page of the Users screen.
type UserPage struct {
	Users     []model.User
	HasNext   bool
	HasPrev   bool
	First     *Cursor
	Last      *Cursor
	Estimated int64 // estimated number of matching users (never an exact count of the table)
}

type userRow struct {
	ID                 int64          `db:"id"`
	Login              string         `db:"login_code"`
	Email              string         `db:"email"`
	Name               string         `db:"name"`
	Lang               string         `db:"lang"`
	Status             string         `db:"status"`
	HasPassword        bool           `db:"has_password"`
	MustChangePassword bool           `db:"must_change_password"`
	PasswordChangedAt  sql.NullTime   `db:"password_changed_at"`
	PasswordExpiresAt  sql.NullTime   `db:"password_expires_at"`
	TOTPEnabled        bool           `db:"totp_enabled"`
	FailedAttempts     int            `db:"failed_attempts"`
	LastFailedAt       sql.NullTime   `db:"last_failed_at"`
	LastFailedIP       sql.NullString `db:"last_failed_ip"`
	LockedAt           sql.NullTime   `db:"locked_at"`
	LockedUntil        sql.NullTime   `db:"locked_until"`
	LockReason         sql.NullString `db:"lock_reason"`
	LastLoginAt        sql.NullTime   `db:"last_login_at"`
	LastLoginIP        sql.NullString `db:"last_login_ip"`
	CreatedAt          time.Time      `db:"created_at"`
	UpdatedAt          sql.NullTime   `db:"updated_at"` // NULL in userBriefColumns
	Version            int            `db:"version"`
	Orgs               pq.StringArray `db:"orgs"`
}

// userColumns is the select list for userRow (alias u), without orgs.
const userColumns = `u.id, u.login_code, u.email, u.name, u.lang, u.status,
	u.password_hash IS NOT NULL AS has_password, u.must_change_password, u.password_changed_at,
	u.password_expires_at, u.totp_enabled, u.failed_attempts, u.last_failed_at,
	host(u.last_failed_ip) AS last_failed_ip, u.locked_at, u.locked_until, u.lock_reason,
	u.last_login_at, host(u.last_login_ip) AS last_login_ip, u.created_at, u.updated_at, u.version`

// userBriefColumns is userColumns for a Brief page: the same positions, the columns a list
// does not show NULL or zero.
const userBriefColumns = `u.id, u.login_code, u.email, u.name, '' AS lang, u.status,
	false AS has_password, u.must_change_password, NULL::timestamptz AS password_changed_at,
	NULL::timestamptz AS password_expires_at, u.totp_enabled, 0 AS failed_attempts, NULL::timestamptz AS last_failed_at,
	NULL::text AS last_failed_ip, u.locked_at, u.locked_until, NULL::text AS lock_reason,
	u.last_login_at, NULL::text AS last_login_ip, u.created_at, NULL::timestamptz AS updated_at, u.version`

// columns is the select list of the query's page: userColumns, or userBriefColumns.
func (q UserQuery) columns() string {
	if q.Brief {
		return userBriefColumns
	}
	return userColumns
}

// dest are the fields of r in the order of userColumns (for rows.Scan).
func (r *userRow) dest() []any {
	return []any{&r.ID, &r.Login, &r.Email, &r.Name, &r.Lang, &r.Status, &r.HasPassword,
		&r.MustChangePassword, &r.PasswordChangedAt, &r.PasswordExpiresAt, &r.TOTPEnabled,
		&r.FailedAttempts, &r.LastFailedAt, &r.LastFailedIP, &r.LockedAt, &r.LockedUntil,
		&r.LockReason, &r.LastLoginAt, &r.LastLoginIP, &r.CreatedAt, &r.UpdatedAt, &r.Version}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

func (r userRow) user(now time.Time) model.User {
	u := model.User{
		ID: r.ID, Login: r.Login, Email: r.Email, Name: r.Name, Lang: r.Lang,
		Status: model.Status(r.Status), HasPassword: r.HasPassword,
		MustChangePassword: r.MustChangePassword,
		PasswordChangedAt:  timePtr(r.PasswordChangedAt),
		PasswordExpiresAt:  timePtr(r.PasswordExpiresAt),
		TOTPEnabled:        r.TOTPEnabled, FailedAttempts: r.FailedAttempts,
		LastFailedAt: timePtr(r.LastFailedAt), LastFailedIP: r.LastFailedIP.String,
		LockedAt: timePtr(r.LockedAt), LockedUntil: timePtr(r.LockedUntil), LockReason: r.LockReason.String,
		LastLoginAt: timePtr(r.LastLoginAt), LastLoginIP: r.LastLoginIP.String,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt.Time, Version: r.Version,
		Organizations: []string(r.Orgs),
	}
	if u.Organizations == nil {
		u.Organizations = []string{}
	}
	u.Locked = u.LockedNow(now)
	return u
}

// queryBuilder accumulates numbered arguments.
type queryBuilder struct {
	where []string
	args  []any
}

func (b *queryBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + itoa(len(b.args))
}

func (b *queryBuilder) and(cond string) { b.where = append(b.where, cond) }

func (b *queryBuilder) whereSQL() string {
	if len(b.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.where, " AND ")
}

// scopeUsers restricts to users the operator may see: admins see members of their organizations.
func scopeUsers(b *queryBuilder, op model.Operator, alias string) {
	if op.AllOrgs() {
		return
	}
	b.and(fmt.Sprintf("EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = %s.id AND sm.org_id = ANY(%s))",
		alias, b.lit(op.OrgIDs)))
}

// orgsExpr lists the slugs of a user's organizations (limited to the operator's scope).
// The slug is a scalar subquery per membership so it is always a primary-key lookup.
func orgsExpr(b *queryBuilder, op model.Operator, alias string) string {
	scope := ""
	if !op.AllOrgs() {
		scope = " AND m.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + ")"
	}
	return fmt.Sprintf(`array(SELECT (SELECT o.slug FROM organizations o WHERE o.id = m.org_id) AS slug
		FROM memberships m WHERE m.user_id = %s.id%s ORDER BY 1)`, alias, scope)
}

func (q UserQuery) filters(b *queryBuilder, now time.Time) {
	if q.Status != "" {
		b.and("u.status = " + b.lit(string(q.Status)))
	} else {
		b.and("u.status <> 'deleted'")
	}
	for _, w := range q.words() {
		if p := "%" + escapeLike(w) + "%"; q.patternLits {
			b.and("u.search LIKE " + b.lit(p))
		} else {
			b.and("u.search LIKE " + b.arg(p))
		}
	}
	if q.OrgID != 0 {
		b.and("EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = u.id AND fm.org_id = " + b.lit(q.OrgID) + ")")
	}
	if q.Locked != nil {
		cond := "(u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > " + b.arg(now) + "))"
		if !*q.Locked {
			cond = "NOT " + cond
		}
		b.and(cond)
	}
	if q.TOTP != nil {
		b.and("u.totp_enabled = " + b.lit(*q.TOTP))
	}
	if q.MustChange != nil {
		b.and("u.must_change_password = " + b.lit(*q.MustChange))
	}
	if q.InactiveDays > 0 {
		b.and("coalesce(u.last_login_at, u.created_at) < " + b.arg(now.Add(-time.Duration(q.InactiveDays)*24*time.Hour)))
	}
}

// sortSpec returns the key expression, whether it sorts descending, and how to read a cursor.
func (q UserQuery) sortSpec() (key string, desc bool) {
	switch q.Sort {
	case SortLastLogin:
		return "coalesce(u.last_login_at, '-infinity'::timestamptz)", true
	case SortCreated:
		return "u.created_at", true
	default:
		return "u.name", false
	}
}

func (q UserQuery) cursorValue(c *Cursor) any {
	if q.Sort == SortLastLogin || q.Sort == SortCreated {
		if c.Time.IsZero() {
			return "-infinity"
		}
		return c.Time
	}
	return c.Name
}

// ListUsers returns one keyset page. It never reads the whole table: the sort index is walked
// from the cursor, and the total is an estimate.
func (s *Store) ListUsers(ctx context.Context, op model.Operator, q UserQuery) (UserPage, error) {
	if q.OrgID != 0 && !op.InScope(q.OrgID) {
		return UserPage{}, ErrNotFound // filtering on another organization would tell who belongs to it
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	now := s.now()
	var members []int64
	if q.memberOrgs(op) == nil {
		members = s.smallMembership(ctx, op, q)
	}
	est := int64(-2) // not asked yet
	if q.searchByTrigram() && !q.planForced {
		// A search sorted by name goes through the search blocks, whose cost follows the page
		// (the live users of every organization: not the members plan's nor the deleted). Its
		// first try is a bounded walk of the name index when the term is common enough that
		// the walk may fill the page. The trigram index is not the way to few matches any
		// more: it reads every user holding each trigram of the words, and a login code's
		// trigrams are common ("kob" of Kobayashi), 20-30 ms at 10M users where the blocks
		// take 10. Without the blocks, a substring of a few thousand users is read through
		// the trigram index and sorted (a bounded cost) rather than found by walking the name
		// index, which the planner prices as if matches were spread evenly: "sat" matches
		// 4,500 users, nearly all with Japanese names sorted last, and the walk read 900,000
		// entries (130 ms).
		est = s.estimatedUsers(ctx, op, q, now)
		switch {
		case est < 0:
		case members == nil && q.Status != model.StatusDeleted:
			if est > searchWalkMin {
				q.walkBudget = searchWalkBudget
			} else {
				q.byBlocks = true
			}
		default:
			q.byTrigram = est <= trigramMaxMatches
		}
	}
	list, err := s.usersPage(ctx, op, q, now, members)
	if err != nil {
		return UserPage{}, err
	}
	backward := q.Before != nil && q.After == nil
	page := UserPage{}
	more := len(list) > q.Limit
	if more {
		list = list[:q.Limit]
	}
	if backward {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
		page.HasPrev, page.HasNext = more, true
	} else {
		page.HasNext, page.HasPrev = more, q.After != nil
	}
	page.Users = list
	if len(list) > 0 {
		page.First, page.Last = q.cursorOf(list[0]), q.cursorOf(list[len(list)-1])
	}
	if !page.HasNext && !page.HasPrev {
		page.Estimated = int64(len(list))
	} else {
		if est == -2 {
			est = s.estimatedUsers(ctx, op, q, now)
		}
		page.Estimated = est
	}
	return page, nil
}

// usersPage runs a page query and reads its rows (Limit+1 of them at most, in scan order).
func (s *Store) usersPage(ctx context.Context, op model.Operator, q UserQuery, now time.Time, members []int64) ([]model.User, error) {
	// A search's plan hangs on its patterns (how many users each matches): but for the bounded
	// walk's and the search blocks', whose shape fixes their plan (and whose planning took
	// 2.7 ms of a 10 ms page: one plan for every term), its patterns are literals, its plan
	// made for them once and kept for the next pages and the next time the term is asked.
	q.patternLits = q.Search != "" && q.walkBudget == 0 && !q.byBlocks
	sqlText, args := usersPageSQL(op, q, now, members)
	rows, err := s.prepared().QueryxContext(ctx, sqlText, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var list []model.User
	var r userRow
	var sortKey sql.RawBytes
	var mailFailed bool
	dest := append(r.dest(), &sortKey, &mailFailed, &r.Orgs)
	for rows.Next() {
		// By position: the columns are userColumns, sort_key, mail_failed and orgs (reading
		// them by name took a third of a page's time).
		r.Orgs = nil
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		u := r.user(now)
		u.MailFailed = mailFailed
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return list, nil
}

// searchKeysSQL is the keys step of a search sorted by name with more matches than are worth
// sorting (trigramMaxMatches): a walk of the name index bounded to walkBudget entries from
// the cursor, the search blocks going on from the last row it found when it falls short (in
// the same statement), or, with byBlocks, the search blocks alone.
func searchKeysSQL(b *queryBuilder, op model.Operator, q UserQuery, now time.Time, scanOrder string) string {
	cmp := ">"
	if scanOrder == "DESC" {
		cmp = "<"
	}
	cursor := q.After
	if cursor == nil {
		cursor = q.Before
	}
	var cn, ci string
	if cursor != nil {
		cn, ci = b.arg(cursor.Name), b.arg(cursor.ID)
	}
	limit := itoa(q.Limit + 1)
	if q.byBlocks {
		return blockKeysSQL(b, op, q, now, scanOrder, cn, ci, limit)
	}
	// The budget counts entries of the name index, whatever the filters: the walk reads
	// walkBudget entries from the cursor (every filtered column is in the index), then
	// the filters, the term among them, pick the page's rows from those.
	w := &queryBuilder{args: b.args}
	walk := "u.status <> 'deleted'"
	if cursor != nil {
		walk += fmt.Sprintf(" AND (u.name, u.id) %s (%s, %s)", cmp, cn, ci)
	}
	budget := itoa(q.walkBudget)
	q.filters(w, now)
	scopeUsers(w, op, "u")
	b.args = w.args
	walkSQL := fmt.Sprintf(`SELECT u.id, u.name AS sort_key FROM (SELECT u.id, u.name, u.status, u.search, u.locked_at,
				u.locked_until, u.totp_enabled, u.must_change_password, u.last_login_at, u.created_at
			FROM users u WHERE %s ORDER BY u.name %[2]s, u.id %[2]s LIMIT %[3]s) u%[4]s
		ORDER BY u.name %[2]s, u.id %[2]s LIMIT %[5]s`, walk, scanOrder, budget, w.whereSQL(), limit)
	// Short of a page, the blocks go on from the walk's last row (from the cursor when it
	// found none; a first page from before the first user: every name sorts after '', every
	// id is positive), for the rows still missing: the rows are pulled in order, the walk's
	// first, and a walk that fills the page leaves the blocks unread.
	if cursor == nil {
		cn, ci = "''", "0"
	}
	cn = fmt.Sprintf("coalesce((SELECT wl.sort_key FROM wl), %s)", cn)
	ci = fmt.Sprintf("coalesce((SELECT wl.id FROM wl), %s)", ci)
	blocks := blockKeysSQL(b, op, q, now, scanOrder, cn, ci, limit)
	return fmt.Sprintf(`WITH w AS MATERIALIZED (%[1]s),
			wl AS (SELECT w.id, w.sort_key FROM w ORDER BY w.sort_key %[2]s, w.id %[2]s LIMIT 1)
		SELECT x.id, x.sort_key FROM (SELECT w.id, w.sort_key FROM w UNION ALL (%[3]s)) x LIMIT %[4]s`,
		walkSQL, map[string]string{"ASC": "DESC", "DESC": "ASC"}[scanOrder], blocks, limit)
}

// blockKeysSQL walks the search blocks from the cursor (cn, ci: SQL expressions of its name
// and id, empty for none) and stops after limit rows.
//
// The blocks are walked a bucket at a time, in order from the cursor's (migration 0019): the
// index names the bucket's blocks whose summary holds every trigram of the words, the
// bucket's search_fresh rows that hold every word join them, sorted by position; as the walk
// reaches a block, the texts of its summary (and of its search_fresh row) that hold every
// word name the users to read, by id (only then: a bucket may hold a thousand candidates
// where the page needs two).
func blockKeysSQL(b *queryBuilder, op model.Operator, q UserQuery, now time.Time, scanOrder, cn, ci, limit string) string {
	k := &queryBuilder{args: b.args}
	defer func() { b.args = k.args }()
	// A user read is checked again against its row: a summary keeps the old text of a user
	// renamed or deleted since (search || '': the trigram index is never the way to a
	// handful of users read by id).
	words := q.words()
	grams := fmt.Sprintf("(SELECT search_word_grams(%s::text[]))", k.arg(pq.Array(words)))
	var texts, fresh []string
	for _, w := range words {
		k.and("(u.search || '') LIKE " + k.arg("%"+escapeLike(w)+"%"))
		p := k.arg("%" + escapeLike(strings.ReplaceAll(w, "\x01", " ")) + "%") // as the texts are kept
		texts = append(texts, " AND x.t LIKE "+p)
		fresh = append(fresh, " AND f.texts LIKE "+p)
	}
	rest := q
	rest.Search = ""
	rest.filters(k, now)
	scopeUsers(k, op, "u")
	// The walk starts at the bucket of the block that holds the cursor and ends at the last
	// block's. Positions are non-decreasing in the name order, so a block of a position past
	// the cursor's block lies past it; only the blocks that share that position are compared
	// by name.
	first := "(SELECT c.pos FROM search_blocks c ORDER BY c.lo_name, c.lo_id LIMIT 1)"
	last := "(SELECT c.pos FROM search_blocks c ORDER BY c.lo_name DESC, c.lo_id DESC LIMIT 1)"
	from, to, step := first, last, "1"
	if scanOrder == "DESC" {
		from, to, step = last, first, "-1"
	}
	blockCond := func(string) string { return "" }
	if cn != "" {
		if scanOrder == "ASC" {
			holder := fmt.Sprintf(`FROM search_blocks c WHERE (c.lo_name, c.lo_id) <= (%s, %s)
				ORDER BY c.lo_name DESC, c.lo_id DESC LIMIT 1`, cn, ci)
			from = "(SELECT c.pos " + holder + ")"
			blockCond = func(t string) string {
				return fmt.Sprintf(" AND %[1]s.pos >= %[2]s AND (%[1]s.pos > %[2]s OR (%[1]s.lo_name, %[1]s.lo_id) >= (SELECT c.lo_name, c.lo_id %[3]s))",
					t, from, holder)
			}
			k.and(fmt.Sprintf("(u.name, u.id) > (%s, %s)", cn, ci))
		} else {
			from = fmt.Sprintf(`(SELECT c.pos FROM search_blocks c WHERE (c.lo_name, c.lo_id) < (%s, %s)
				ORDER BY c.lo_name DESC, c.lo_id DESC LIMIT 1)`, cn, ci)
			blockCond = func(t string) string {
				return fmt.Sprintf(" AND %[1]s.pos <= %[2]s AND (%[1]s.pos < %[2]s OR (%[1]s.lo_name, %[1]s.lo_id) < (%[3]s, %[4]s))",
					t, from, cn, ci)
			}
			k.and(fmt.Sprintf("(u.name, u.id) < (%s, %s)", cn, ci))
		}
	}
	// A user is a block's when it lies in its range: a user renamed to another block's range
	// is that block's, wherever its old text still names it.
	k.and("(u.name, u.id) >= (c.lo_name, c.lo_id) AND (u.name, u.id) <= (c.hi_name, c.hi_id)")
	// The page is the first rows of the nested loop: the buckets in order, each bucket's
	// candidates in the order of their positions and names (the blocks do not overlap), each
	// block's users in name order. Ordering by the bucket alone keeps that order and stops
	// at the page, whatever the planner expects (ordered by the users' keys too, the planner
	// would sort every candidate's rows). A block that is a candidate twice (its summary and
	// its search_fresh row) is read once, to its search_fresh row's hi (never below its own).
	return fmt.Sprintf(`SELECT x.id, x.sort_key
		FROM (SELECT g.b FROM generate_series(search_bucket(%[1]s), search_bucket(%[2]s), %[3]s) g(b) ORDER BY 1 %[4]s) g
		CROSS JOIN LATERAL (SELECT c.tid, c.lo_name, c.lo_id, c.hi_name, c.hi_id, c.fresh
			FROM (SELECT DISTINCT ON (c.pos, c.lo_name, c.lo_id) c.*
				FROM (SELECT sb.ctid AS tid, sb.pos, sb.lo_name, sb.lo_id, sb.hi_name, sb.hi_id, false AS fresh FROM search_blocks sb
						WHERE search_block_grams(sb.pos, sb.summary) @> ARRAY(SELECT (g.b || ':' || t)::bytea FROM unnest(%[5]s) t)%[6]s
					UNION ALL
					SELECT sb.ctid, f.pos, f.lo_name, f.lo_id, f.hi_name, f.hi_id, true
						FROM search_fresh f JOIN search_blocks sb ON (sb.lo_name, sb.lo_id) = (f.lo_name, f.lo_id)
						WHERE search_bucket(f.pos) = g.b%[7]s%[8]s) c
				ORDER BY c.pos %[4]s, c.lo_name %[4]s, c.lo_id %[4]s, c.fresh DESC) c) c
		CROSS JOIN LATERAL (SELECT ARRAY(
				SELECT s.ids[x.i] FROM search_blocks s, unnest(string_to_array(s.summary, E'\x01')) WITH ORDINALITY x(t, i)
				WHERE s.ctid = c.tid%[9]s
				UNION ALL
				SELECT f.ids[x.i] FROM search_fresh f, unnest(string_to_array(f.texts, E'\x01')) WITH ORDINALITY x(t, i)
				WHERE c.fresh AND (f.lo_name, f.lo_id) = (c.lo_name, c.lo_id)%[9]s) AS ids) h
		CROSS JOIN LATERAL (SELECT u.id, u.name AS sort_key FROM users u WHERE u.id = ANY (h.ids) AND %[10]s
			ORDER BY u.name %[4]s, u.id %[4]s LIMIT %[11]s) x
		ORDER BY g.b %[4]s LIMIT %[11]s`,
		from, to, step, scanOrder, grams, blockCond("sb"), strings.Join(fresh, ""), blockCond("f"),
		strings.Join(texts, ""), strings.Join(k.where, " AND "), limit)
}

// The members plan reads every member (~6 µs each: an index entry and a heap row), the walk
// probes memberships for each row of the sort index until a page is found (~5 µs each, about
// users/members × page rows of them). They cost the same around members ≈ √(42 × users):
// measured at 1M users, 6,500 members; an organization of 3,000 takes 18 ms among its members
// against 183 ms by the walk, one of 120,000 takes 10 ms by the walk.
func membersPlanMax(users float64) int {
	if users < 1 {
		users = 1
	}
	return int(math.Sqrt(42 * users))
}

// smallMembership returns the organizations a page is restricted to (a filter, or an admin's
// scope) when they hold few enough users together for the members plan; nil otherwise. Sizes
// are cached for a minute.
func (s *Store) smallMembership(ctx context.Context, op model.Operator, q UserQuery) []int64 {
	var orgs []int64
	switch {
	case q.OrgID != 0:
		orgs = []int64{q.OrgID}
	case !op.AllOrgs():
		orgs = op.OrgIDs
	default:
		return nil
	}
	if len(orgs) == 0 {
		return nil
	}
	total := 0
	for _, id := range orgs {
		n, ok := s.orgSizes.get(id, s.now())
		if !ok {
			if err := s.read.GetContext(ctx, &n, `SELECT count(*) FROM memberships WHERE org_id = $1`, id); err != nil {
				return nil
			}
			s.orgSizes.put(id, n, s.now())
		}
		total += n
	}
	users, ok := s.orgSizes.get(0, s.now()) // 0: the users table (planner's estimate)
	if !ok {
		var est float64
		if err := s.read.GetContext(ctx, &est, `SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass`); err != nil {
			return nil
		}
		users = int(est)
		s.orgSizes.put(0, users, s.now())
	}
	if total >= membersPlanMax(float64(users)) {
		return nil
	}
	return orgs
}

// maxMemberOrgs bounds the organizations whose pages are merged by the members-by-name plan.
const maxMemberOrgs = 32

// memberOrgs returns the organizations a page can be read from memberships_org_name (members
// in name order, with their status): a page sorted by name, restricted to a few organizations
// (a filter, or an admin's scope), with no filter other than status. Nil otherwise.
func (q UserQuery) memberOrgs(op model.Operator) []int64 {
	if (q.Sort != SortName && q.Sort != "") || q.Search != "" || q.Locked != nil || q.TOTP != nil ||
		q.MustChange != nil || q.InactiveDays > 0 || q.Status == model.StatusDeleted {
		return nil
	}
	var orgs []int64
	switch {
	case q.OrgID != 0:
		orgs = []int64{q.OrgID} // in scope: checked by ListUsers
	case !op.AllOrgs():
		orgs = op.OrgIDs
	}
	if len(orgs) == 0 || len(orgs) > maxMemberOrgs {
		return nil
	}
	return orgs
}

// memberStatusCond is the status filter on a membership's copy of its user's status.
func memberStatusCond(b *queryBuilder, q UserQuery) string {
	if q.Status != "" {
		return "m.user_status = " + b.lit(string(q.Status))
	}
	return "m.user_status <> 'deleted'"
}

// membersByNameSQL is the keys step of a page drawn from memberships_org_name: each
// organization's first rows after the cursor (an index-only walk of a page), merged, a user
// of several of them once.
func membersByNameSQL(b *queryBuilder, q UserQuery, orgs []int64, scanOrder string) string {
	cond := memberStatusCond(b, q)
	cmp := ">"
	if scanOrder == "DESC" {
		cmp = "<"
	}
	switch {
	case q.After != nil:
		cond += fmt.Sprintf(" AND (m.user_name, m.user_id) %s (%s, %s)", cmp, b.arg(q.After.Name), b.arg(q.After.ID))
	case q.Before != nil:
		cond += fmt.Sprintf(" AND (m.user_name, m.user_id) %s (%s, %s)", cmp, b.arg(q.Before.Name), b.arg(q.Before.ID))
	}
	limit := itoa(q.Limit + 1)
	parts := make([]string, len(orgs))
	for i, org := range orgs {
		parts[i] = fmt.Sprintf(`(SELECT m.user_id AS id, m.user_name AS sort_key FROM memberships m
			WHERE m.org_id = %s AND %s ORDER BY m.user_name %s, m.user_id %s LIMIT %s)`,
			b.arg(org), cond, scanOrder, scanOrder, limit)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return fmt.Sprintf(`SELECT DISTINCT ON (x.sort_key, x.id) x.id, x.sort_key FROM (%s) x
		ORDER BY x.sort_key %s, x.id %s LIMIT %s`, strings.Join(parts, "\n\t\tUNION ALL "), scanOrder, scanOrder, limit)
}

// usersPageSQL is the one query of a Users page (also sent bare by the benchmarks).
//
// members, when not nil, are the organizations whose members the page is drawn from: the
// page is then found among those members (fetched through memberships_org_name and sorted) instead
// of walking the whole sort index and probing memberships at every row — the right plan for
// an organization of a few thousand users among a million (183 ms -> a few ms).
func usersPageSQL(op model.Operator, q UserQuery, now time.Time, members []int64) (string, []any) {
	b := &queryBuilder{}
	if orgs := q.memberOrgs(op); orgs != nil {
		return usersPageWith(b, op, q, func(scanOrder string) string {
			return membersByNameSQL(b, q, orgs, scanOrder)
		})
	}
	if q.walkBudget > 0 || q.byBlocks {
		return usersPageWith(b, op, q, func(scanOrder string) string {
			return searchKeysSQL(b, op, q, now, scanOrder)
		})
	}
	if members == nil && q.walkOnly(op) {
		return usersWalkSQL(q)
	}
	q.filters(b, now)
	scopeUsers(b, op, "u")
	key, desc := q.sortSpec()
	cmpNext := ">"
	if desc {
		cmpNext = "<"
	}
	switch {
	case q.After != nil:
		b.and(fmt.Sprintf("(%s, u.id) %s (%s, %s)", key, cmpNext, b.arg(q.cursorValue(q.After)), b.arg(q.After.ID)))
	case q.Before != nil:
		cmp := map[string]string{">": "<", "<": ">"}[cmpNext]
		b.and(fmt.Sprintf("(%s, u.id) %s (%s, %s)", key, cmp, b.arg(q.cursorValue(q.Before)), b.arg(q.Before.ID)))
	}
	// The page's keys first (an index-only walk + LIMIT when the sort's index covers the
	// filters), then the rows, then their organizations in one join.
	return usersPageWith(b, op, q, func(scanOrder string) string {
		from, mem := "users u", ""
		if members != nil {
			mem = "WITH mem AS MATERIALIZED (SELECT DISTINCT user_id FROM memberships WHERE org_id = ANY(" +
				b.arg(int64Array(members)) + ")) "
			from = "mem JOIN users u ON u.id = mem.user_id"
		}
		orderKey := key
		if q.byTrigram {
			orderKey = key + " || ''" // the same order, but not the index's: matches are sorted
		}
		return fmt.Sprintf(`%sSELECT u.id, %s AS sort_key FROM %s%s
		ORDER BY %s %s, u.id %s LIMIT %d`, mem, key, from, b.whereSQL(), orderKey, scanOrder, scanOrder, q.Limit+1)
	})
}

// walkOnly tells whether a page is the first rows of its sort index from the cursor, each of
// them in the page: no filter but the index's own (not deleted), every organization.
func (q UserQuery) walkOnly(op model.Operator) bool {
	return op.AllOrgs() && q.Search == "" && q.Status == "" && q.OrgID == 0 && q.Locked == nil &&
		q.TOTP == nil && q.MustChange == nil && q.InactiveDays == 0
}

// mailFailedSQL is true when the latest e-mail of the account of alias failed (one probe of
// outbox_failed_user, a small index).
func mailFailedSQL(alias string) string {
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM outbox f WHERE f.user_id = %[1]s.id AND f.status = 'failed'
			AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.user_id = %[1]s.id AND n.id > f.id))`, alias)
}

// usersWalkSQL is the page of a walkOnly query in one walk of the sort index, each row read
// as it is walked: no keys step (a walk that skips no entry gains nothing from reading the
// index alone, and each row would be looked up again by id). Rows come in scan order.
func usersWalkSQL(q UserQuery) (string, []any) {
	b := &queryBuilder{}
	b.and("u.status <> 'deleted'")
	key, desc := q.sortSpec()
	order := "ASC"
	if desc {
		order = "DESC"
	}
	cmp := map[bool]string{false: ">", true: "<"}[desc]
	if q.Before != nil && q.After == nil {
		order = map[string]string{"ASC": "DESC", "DESC": "ASC"}[order]
		cmp = map[string]string{">": "<", "<": ">"}[cmp]
	}
	if c := q.After; c != nil || q.Before != nil {
		if c == nil {
			c = q.Before
		}
		b.and(fmt.Sprintf("(%s, u.id) %s (%s, %s)", key, cmp, b.arg(q.cursorValue(c)), b.arg(c.ID)))
	}
	return fmt.Sprintf(`SELECT %s, %s AS sort_key, %s AS mail_failed, %s AS orgs
		FROM users u%s ORDER BY %s %s, u.id %s LIMIT %d`,
		q.columns(), key, mailFailedSQL("u"), orgSlugsSQL("u", ""), b.whereSQL(), key, order, order, q.Limit+1), b.args
}

// usersPageWith completes a page query around its keys step (ids and sort keys in scan
// order): the rows, whether each account's latest e-mail failed (one probe per row of
// outbox_failed_user, a small index), then their organizations (within the operator's scope).
func usersPageWith(b *queryBuilder, op model.Operator, q UserQuery, keys func(scanOrder string) string) (string, []any) {
	_, desc := q.sortSpec()
	order := "ASC"
	if desc {
		order = "DESC"
	}
	scanOrder := order
	if q.Before != nil && q.After == nil {
		scanOrder = map[string]string{"ASC": "DESC", "DESC": "ASC"}[order]
	}
	k := keys(scanOrder)
	scope := ""
	if !op.AllOrgs() {
		scope = " AND m.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + ")"
	}
	sqlText := fmt.Sprintf(`WITH k AS (%[1]s),
		p AS MATERIALIZED (SELECT %[2]s, k.sort_key, %[5]s AS mail_failed FROM k JOIN users u ON u.id = k.id)
		SELECT p.*, %[3]s AS orgs FROM p
		ORDER BY p.sort_key %[4]s, p.id %[4]s`, k, q.columns(), orgSlugsSQL("p", scope), scanOrder, mailFailedSQL("u"))
	return sqlText, b.args
}

// orgSlugsSQL lists the slugs of the organizations of the user of alias (its id column), in
// order; scope, when not empty, restricts the memberships (a condition on m). One probe of
// the memberships' primary key per row: its plan is the same whatever the page.
func orgSlugsSQL(alias, scope string) string {
	return fmt.Sprintf(`array(SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id
				WHERE m.user_id = %s.id%s ORDER BY o.slug)`, alias, scope)
}

func (q UserQuery) cursorOf(u model.User) *Cursor {
	c := &Cursor{ID: u.ID, Name: u.Name}
	switch q.Sort {
	case SortLastLogin:
		if u.LastLoginAt != nil {
			c.Time = *u.LastLoginAt
		}
	case SortCreated:
		c.Time = u.CreatedAt
	}
	return c
}

// estimateUsers asks the planner how many rows match (EXPLAIN, no scan).
//
// The planner takes the words of a search as independent: "jean baptiste" would be 0.3% of
// "jean" when nearly every Baptiste is a Jean-Baptiste, and its 12,000 matches read and
// sorted as if they were 300. Words that go together also stand together in the text, so
// each pair of words is estimated too, as a pattern holding both in either order (the
// planner tries a pattern on its sample of the column), and the estimate is at least the
// smallest of those: all the words cannot match more users than any two of them.
func (s *Store) estimateUsers(ctx context.Context, op model.Operator, q UserQuery, now time.Time) int64 {
	b := &queryBuilder{}
	from := "users u"
	orgs := q.memberOrgs(op)
	if orgs != nil {
		// The page came from memberships: so does its estimate (a user of several of the
		// organizations counts once per organization).
		from = "memberships m"
		b.and("m.org_id = ANY(" + b.arg(int64Array(orgs)) + ")")
		b.and(memberStatusCond(b, q))
	} else {
		q.filters(b, now)
		scopeUsers(b, op, "u")
	}
	branches := []string{`SELECT 1 FROM ` + from + b.whereSQL()}
	if words := q.words(); orgs == nil && len(words) > 1 {
		rest := q
		rest.Search = ""
		words = words[:min(len(words), maxPairedWords)]
		for i, x := range words {
			for _, y := range words[i+1:] {
				pb := &queryBuilder{args: b.args}
				rest.filters(pb, now)
				scopeUsers(pb, op, "u")
				x, y := escapeLike(x), escapeLike(y)
				pb.and(fmt.Sprintf("(u.search LIKE %s OR u.search LIKE %s)",
					pb.arg("%"+x+"%"+y+"%"), pb.arg("%"+y+"%"+x+"%")))
				b.args = pb.args
				branches = append(branches, `SELECT 1 FROM users u`+pb.whereSQL())
			}
		}
	}
	var plan string
	if err := s.read.GetContext(ctx, &plan, `EXPLAIN (FORMAT JSON) `+strings.Join(branches, " UNION ALL "), b.args...); err != nil {
		return -1
	}
	type node struct {
		Type  string  `json:"Node Type"`
		Rows  float64 `json:"Plan Rows"`
		Plans []node  `json:"Plans"`
	}
	var out []struct {
		Plan node `json:"Plan"`
	}
	if json.Unmarshal([]byte(plan), &out) != nil || len(out) == 0 {
		return -1
	}
	root := out[0].Plan
	if len(branches) == 1 || root.Type != "Append" || len(root.Plans) != len(branches) {
		return int64(root.Rows)
	}
	pairs := root.Plans[1].Rows
	for _, p := range root.Plans[2:] {
		pairs = min(pairs, p.Rows)
	}
	return int64(max(root.Plans[0].Rows, pairs))
}

// maxPairedWords bounds the words of a search whose pairs are estimated (6 pairs).
const maxPairedWords = 4

// GetUser returns one user with memberships, or ErrNotFound when it does not exist or is
// outside the operator's scope (an admin never learns that another organization's user exists).
func (s *Store) GetUser(ctx context.Context, op model.Operator, id int64) (model.User, error) {
	return s.getUser(ctx, s.read, op, id)
}

func (s *Store) getUser(ctx context.Context, q sqlx.QueryerContext, op model.Operator, id int64) (model.User, error) {
	b := &queryBuilder{}
	b.and("u.id = " + b.arg(id))
	scopeUsers(b, op, "u")
	orgs := orgsExpr(b, op, "u")
	var r userRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+userColumns+`, `+orgs+` AS orgs FROM users u`+b.whereSQL(), b.args...)
	if err != nil {
		return model.User{}, mapErr(err)
	}
	u := r.user(s.now())
	ms, err := s.memberships(ctx, q, op, id)
	if err != nil {
		return model.User{}, err
	}
	u.Memberships = ms
	return u, nil
}

func (s *Store) memberships(ctx context.Context, q sqlx.QueryerContext, op model.Operator, userID int64) ([]model.Membership, error) {
	b := &queryBuilder{}
	b.and("m.user_id = " + b.arg(userID))
	if !op.AllOrgs() {
		b.and("m.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + ")")
	}
	rows, err := q.QueryxContext(ctx, `SELECT o.id, o.slug, o.name,
		array(SELECT r.right_code FROM membership_rights r WHERE r.user_id = m.user_id AND r.org_id = m.org_id ORDER BY r.right_code)
		FROM memberships m JOIN organizations o ON o.id = m.org_id`+b.whereSQL()+` ORDER BY o.slug`, b.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []model.Membership{}
	for rows.Next() {
		var m model.Membership
		var rights pq.StringArray
		if err := rows.Scan(&m.OrgID, &m.OrgSlug, &m.OrgName, &rights); err != nil {
			return nil, err
		}
		m.Rights = []string(rights)
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// FindUser resolves a login code, an e-mail or an id (case-insensitive, spaces around
// ignored) within the operator's scope. The identifiers people see come first: a login code
// made of digits is that user, even when it is also another user's internal id.
func (s *Store) FindUser(ctx context.Context, op model.Operator, ident string) (model.User, error) {
	ident = strings.TrimSpace(ident)
	if ident == "" {
		return model.User{}, ErrNotFound
	}
	b := &queryBuilder{}
	p := b.arg(ident)
	b.and("u.status <> 'deleted'")
	b.and("(upper(u.login_code) = upper(" + p + ") OR lower(u.email) = lower(" + p + "))")
	scopeUsers(b, op, "u")
	var id int64
	err := sqlx.GetContext(ctx, s.read, &id, `SELECT u.id FROM users u`+b.whereSQL()+` LIMIT 1`, b.args...)
	if errors.Is(err, sql.ErrNoRows) {
		if n, perr := strconv.ParseInt(ident, 10, 64); perr == nil && strconv.FormatInt(n, 10) == ident {
			return s.GetUser(ctx, op, n)
		}
	}
	if err != nil {
		return model.User{}, mapErr(err)
	}
	return s.GetUser(ctx, op, id)
}

// sizeCache remembers organization sizes for a minute (they guide a plan, nothing more).
type sizeCache struct {
	mu sync.Mutex
	m  map[int64]sizeEntry
}

type sizeEntry struct {
	n  int
	at time.Time
}

func (c *sizeCache) get(id int64, now time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.Sub(e.at) > time.Minute || now.Before(e.at) {
		return 0, false
	}
	return e.n, true
}

func (c *sizeCache) put(id int64, n int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]sizeEntry{}
	}
	c.m[id] = sizeEntry{n, now}
}
