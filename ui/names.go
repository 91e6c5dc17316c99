package ui

import (
	"slices"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	"golang.org/x/text/unicode/norm"

	"gatehouse/model/i18n"
)

// The words of the console that name things the operator types or presses: the screens of
// the ":" command line and the keys shown in the footer and in help. Both come from the
// catalog in the session's language; a screen is reached by its name in either language.

// commandWords are the command line's names that are not screens.
var commandWords = []string{"org", "quit"}

// screenName is what a screen (or command word) is called in lang: "screen.NAME" in the
// catalog, else its registered name.
func screenName(lang i18n.Lang, name string) string {
	if k := "screen." + name; i18n.Has(lang, k) {
		return i18n.T(lang, k)
	}
	return name
}

// foldName is a typed name compared without case or accents ("Etablissement" is
// "établissement").
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// resolveScreen returns the registered name (or command word) typed after ":", by its
// registered name or its name in any language; "" when it names nothing.
func resolveScreen(typed string) string {
	t := foldName(typed)
	if t == "" {
		return ""
	}
	names := append(slices.Collect(func(yield func(string) bool) {
		for n := range screens {
			if !yield(n) {
				return
			}
		}
	}), commandWords...)
	slices.Sort(names)
	for _, n := range names {
		if foldName(n) == t {
			return n
		}
	}
	for _, lang := range []i18n.Lang{i18n.EN, i18n.FR} {
		for _, n := range names {
			if foldName(screenName(lang, n)) == t {
				return n
			}
		}
	}
	return ""
}

// keyName is a key's label as shown in the footer and help, in lang: "enter/esc" reads
// "entrée/échap" in French. Each part of a label ("shift+tab", "pgdn/]") is looked up as
// "keyname.PART"; a part without an entry (a letter, "ctrl") is kept.
func keyName(lang i18n.Lang, label string) string {
	var b strings.Builder
	start := 0
	flush := func(end int) {
		part := label[start:end]
		if k := "keyname." + part; part != "" && i18n.Has(lang, k) {
			part = i18n.T(lang, k)
		}
		b.WriteString(part)
	}
	for i, r := range label {
		if (r == '/' || r == '+') && i > start {
			flush(i)
			b.WriteRune(r)
			start = i + 1
		}
	}
	flush(len(label))
	return b.String()
}

// localKeys returns the bindings with their key labels in lang (enabled state kept).
func localKeys(lang i18n.Lang, bs []key.Binding) []key.Binding {
	out := make([]key.Binding, len(bs))
	for i, b := range bs {
		h := b.Help()
		b.SetHelp(keyName(lang, h.Key), h.Desc)
		out[i] = b
	}
	return out
}

// tn returns a catalog message for a count in the session's language (i18n.TN).
func (c *common) tn(key string, n int, args ...any) string { return i18n.TN(c.lang, key, n, args...) }

// eventText is the catalog's words for an authentication event's kind ("login_failure" reads
// "failed login", "échec"); a kind the catalog does not know yet shows as its code.
func eventText(c *common, kind string) string {
	if k := "ev." + kind; i18n.Has(c.lang, k) {
		return c.t(k)
	}
	return kind
}

// reasonText is the catalog's words for an authentication event's reason ("" for none); a
// reason the catalog does not know yet shows as its code.
func reasonText(c *common, reason string) string {
	if k := "why." + reason; reason != "" && i18n.Has(c.lang, k) {
		return c.t(k)
	}
	return reason
}
