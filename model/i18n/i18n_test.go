package i18n

import (
	"strings"
	"testing"
)

func TestEveryKeyInBothLanguages(t *testing.T) {
	for _, k := range Keys() {
		if !Has(EN, k) || !Has(FR, k) {
			t.Errorf("key %q lacks a translation (en %v, fr %v)", k, Has(EN, k), Has(FR, k))
		}
		if strings.Count(T(EN, k), "%") != strings.Count(T(FR, k), "%") {
			t.Errorf("key %q: English and French have different format verbs", k)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{"fr_FR.UTF-8": FR, "fr": FR, "en_US": EN, "": EN, "de": EN} {
		if got := Parse(in); got != want {
			t.Errorf("Parse(%q) = %v, want %v", in, got, want)
		}
	}
	if T(FR, "no.such.key") != "no.such.key" {
		t.Error("missing key should show as itself")
	}
}
