package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/model"
)

// estimateTTL is how long a Users query's estimated total is reused. The estimate is a
// statement of its own (EXPLAIN); within this time the next page, the previous page and a
// refresh of the same screen are one statement each. A write of this process forgets them.
const estimateTTL = 5 * time.Second

// estimateMax bounds the estimates kept.
const estimateMax = 512

// estimateKey is what an estimate depends on: the operator's scope and the query without
// its cursor and page size.
type estimateKey struct {
	scope                    string // "*": every organization; else the organizations' ids
	search                   string
	status                   model.Status
	org                      int64
	locked, totp, mustChange int8 // 0: any, 1: false, 2: true
	inactive                 int
	sort                     UserSort
}

func tristate(b *bool) int8 {
	switch {
	case b == nil:
		return 0
	case *b:
		return 2
	}
	return 1
}

func estimateKeyOf(op model.Operator, q UserQuery) estimateKey {
	scope := "*"
	if !op.AllOrgs() {
		ids := slices.Clone(op.OrgIDs)
		slices.Sort(ids)
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatInt(id, 10)
		}
		scope = strings.Join(parts, ",")
	}
	sort := q.Sort
	if sort == "" {
		sort = SortName
	}
	return estimateKey{scope: scope, search: strings.Join(q.words(), " "), status: q.Status, org: q.OrgID,
		locked: tristate(q.Locked), totp: tristate(q.TOTP), mustChange: tristate(q.MustChange),
		inactive: q.InactiveDays, sort: sort}
}

type estimateEntry struct {
	n  int64
	at time.Time // wall clock (not the store's, which tests set)
}

// estimateCache keeps recent estimates for estimateTTL.
type estimateCache struct {
	mu sync.Mutex
	m  map[estimateKey]estimateEntry
}

func (c *estimateCache) get(k estimateKey) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Since(e.at) > estimateTTL {
		return 0, false
	}
	return e.n, true
}

func (c *estimateCache) put(k estimateKey, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[estimateKey]estimateEntry{}
	}
	if len(c.m) >= estimateMax {
		for k, e := range c.m {
			if time.Since(e.at) > estimateTTL {
				delete(c.m, k)
			}
		}
		if len(c.m) >= estimateMax {
			clear(c.m)
		}
	}
	c.m[k] = estimateEntry{n, time.Now()}
}

// forget drops every estimate (after a write: the next page counts again).
func (c *estimateCache) forget() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// estimatedUsers is estimateUsers, reused for estimateTTL.
func (s *Store) estimatedUsers(ctx context.Context, op model.Operator, q UserQuery, now time.Time) int64 {
	k := estimateKeyOf(op, q)
	if n, ok := s.estimates.get(k); ok {
		return n
	}
	n := s.estimateUsers(ctx, op, q, now)
	if n >= 0 {
		s.estimates.put(k, n)
	}
	return n
}
