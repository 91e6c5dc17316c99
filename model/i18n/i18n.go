// Package i18n is gatehouse's one message catalog: every text a person reads (screens,
// command output, e-mails) comes from here, in English and French. Each area of the product
// keeps its messages in its own file of this package and registers them with add.
package i18n

import (
	"fmt"
	"os"
	"sort"
	"strconv"
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
		if lang == FR {
			msg = elide(msg, args)
		}
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// elide writes French elision before an argument: "de %s" becomes "d'%s" when the text put
// there starts with a vowel ("l'historique d'Ahmed", "la 2FA d'ACME-7K2Q9"), and "que %s"
// "qu'%s". A name starting with h or y is left alone (h aspiré, Yannick).
func elide(format string, args []any) string {
	var b strings.Builder
	arg := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '%' {
			b.WriteString("%%")
			i = j
			continue
		}
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j < len(format) && format[j] == '[' {
			if k := strings.IndexByte(format[j:], ']'); k > 0 {
				if n, err := strconv.Atoi(format[j+1 : j+k]); err == nil {
					arg = n - 1
				}
				j += k + 1
			}
		}
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j < len(format) && (format[j] == 's' || format[j] == 'v') && arg < len(args) {
			if s, ok := args[arg].(string); ok && startsWithVowel(s) {
				out := b.String()
				for _, w := range []string{"de ", "De ", "que ", "Que "} {
					if strings.HasSuffix(out, w) && (len(out) == len(w) || !isLetter(out[len(out)-len(w)-1])) {
						b.Reset()
						b.WriteString(out[:len(out)-2] + "'")
						break
					}
				}
			}
		}
		arg++
		if j >= len(format) {
			b.WriteString(format[i:])
			break
		}
		b.WriteString(format[i : j+1])
		i = j
	}
	return b.String()
}

func startsWithVowel(s string) bool {
	for _, r := range s {
		return strings.ContainsRune("aeiouàâäéèêëîïôöùûüœæAEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ", r)
	}
	return false
}

// isLetter reports whether the byte ends a word (an ASCII letter, or a byte of a multi-byte
// letter).
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }

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

// One reports whether the count n takes the singular form in lang: in English 1 only; in
// French 0 and 1 ("0 ligne", "1 ligne", "2 lignes").
func One(lang Lang, n int) bool {
	if lang == FR {
		return n == 0 || n == 1
	}
	return n == 1
}

// TN returns the message for a count: the form key+".one" when n takes the singular in lang
// and the catalog has that form, else key (the plural), formatted with n and then args. The
// forms are registered as two keys ("lo.rows.one": "%d row", "lo.rows": "%d rows"); a form
// may place n elsewhere with an explicit index (%[1]d).
func TN(lang Lang, key string, n int, args ...any) string {
	return T(lang, Form(lang, key, n), append([]any{n}, args...)...)
}

// Form is the key of the form of key for the count n in lang (TN's choice), for a message
// whose count is not its first argument.
func Form(lang Lang, key string, n int) string {
	if One(lang, n) && hasForm(lang, key+".one") {
		return key + ".one"
	}
	return key
}

func hasForm(lang Lang, key string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := catalog[lang][key]
	return ok
}
