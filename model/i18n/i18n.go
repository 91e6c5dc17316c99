// Package i18n is gatehouse's one message catalog: every text a person reads (screens,
// command output, e-mails) comes from here, in English and French. Each area of the product
// keeps its messages in its own file of this package and registers them with add.
package i18n

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// Lang is a supported language.
type Lang string

const (
	EN Lang = "en"
	FR Lang = "fr"
)

var (
	mu      sync.RWMutex
	catalog = map[Lang]map[string]string{EN: {}, FR: {}}
)

// add registers messages: each entry is key → {English, French}.
func add(m map[string][2]string) {
	mu.Lock()
	defer mu.Unlock()
	for k, v := range m {
		if _, dup := catalog[EN][k]; dup {
			panic("i18n: duplicate key " + k)
		}
		catalog[EN][k] = v[0]
		catalog[FR][k] = v[1]
	}
}

// Parse turns "fr", "fr_FR.UTF-8", "en-GB"... into a supported language (English by default).
func Parse(s string) Lang {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "fr") {
		return FR
	}
	return EN
}

// FromEnv picks the language from GATEHOUSE_LANG, LC_ALL, LC_MESSAGES or LANG.
func FromEnv() Lang {
	for _, k := range []string{"GATEHOUSE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" && v != "C" && v != "POSIX" && !strings.HasPrefix(v, "C.") {
			return Parse(v)
		}
	}
	return EN
}

// T returns the message for key in lang, formatted with args (fmt verbs). A missing key
// shows as the key itself so it is noticed, never as an empty line.
func T(lang Lang, key string, args ...any) string {
	mu.RLock()
	msg, ok := catalog[lang][key]
	if !ok || msg == "" {
		msg, ok = catalog[EN][key]
	}
	mu.RUnlock()
	if !ok {
		msg = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Keys lists every key (for tests that check both languages are complete).
func Keys() []string {
	mu.RLock()
	defer mu.RUnlock()
	keys := make([]string, 0, len(catalog[EN]))
	for k := range catalog[EN] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether lang has its own text for key.
func Has(lang Lang, key string) bool {
	mu.RLock()
	defer mu.RUnlock()
	return catalog[lang][key] != ""
}
