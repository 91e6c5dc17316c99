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

// timeLit is a timestamptz literal of t, written as lib/pq sends a time parameter (years
// before 1 as BC), for a bound that chooses the plan, as lit's values do.
func timeLit(t time.Time) string {
	return pq.QuoteLiteral(string(pq.FormatTimestamp(t))) + "::timestamptz"
}
