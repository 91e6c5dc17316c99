package ui

import (
	"strings"

	"gatehouse/model/i18n"
	"gatehouse/model/safe"
)

// Widths laid out for the session's language: a label column or a column of catalog words
// is as wide as its longest text in that language ("Confirmez le mot de passe" is longer than
// "Confirm password"), so that no label is cut where the screen has the room.

// widestOf is the width of the longest catalog text, in the session's language, among the
// given keys.
func (c *common) widestOf(keys ...string) int {
	w := 0
	for _, k := range keys {
		w = max(w, safe.Width(c.t(k)))
	}
	return w
}

// widestPrefixed is the width of the longest catalog text, in the session's language, of
// the keys starting with prefix (every "ev." event kind).
func (c *common) widestPrefixed(prefix string) int {
	w := 0
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, prefix) {
			w = max(w, safe.Width(c.t(k)))
		}
	}
	return w
}
