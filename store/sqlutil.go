package store

import (
	"strconv"
	"strings"

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
