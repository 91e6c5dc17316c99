package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

func itoa(i int) string { return strconv.Itoa(i) }

// escapeLike escapes LIKE metacharacters so user input matches literally (escape char '\').
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func int64Array(ids []int64) any {
	if ids == nil {
		ids = []int64{}
	}
	return pq.Array(ids)
}

func stringArray(v []string) any {
	if v == nil {
		v = []string{}
	}
	return pq.Array(v)
}

// lit writes a value into the statement's text instead of passing it as a parameter: a value
// that chooses the plan (a status, a flag, an organization), so that a prepared statement's
// generic plan is the one for that value (stmtcache.go). Integers, booleans, strings (quoted
// by pq.QuoteLiteral) and lists of ids only.
func (b *queryBuilder) lit(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return pq.QuoteLiteral(x)
	case []int64:
		parts := make([]string, len(x))
		for i, id := range x {
			parts[i] = strconv.FormatInt(id, 10)
		}
		return "'{" + strings.Join(parts, ",") + "}'::bigint[]"
	}
	panic(fmt.Sprintf("store: no literal for %T", v))
}

// timeLit is a timestamptz literal of t (to the microsecond, as PostgreSQL keeps it), for a
// bound that chooses the plan, as lit's values do.
func timeLit(t time.Time) string {
	if t.UTC().Year() < 1 {
		return "'-infinity'::timestamptz" // before any time PostgreSQL writes as a year
	}
	return pq.QuoteLiteral(t.UTC().Format("2006-01-02 15:04:05.999999Z07:00")) + "::timestamptz"
}
