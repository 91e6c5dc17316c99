package model

import (
	"slices"
	"testing"
)

func TestFoldSearch(t *testing.T) {
	for in, want := range map[string]string{
		"Amélie Rousseau":         "amelie rousseau",
		"ÉLODIE":                  "elodie",
		"Conceição Gonçalves":     "conceicao goncalves",
		"Nguyễn Đức Minh":         "nguyen duc minh",
		"Łukasz Wiśniewski":       "lukasz wisniewski",
		"Jürgen Weiß":             "jurgen weiss",
		"Œuvre Ærø":               "oeuvre aero",
		"Þór Ðorvaldsson":         "thor dorvaldsson",
		"O’Brien":                 "o'brien",
		"ΣΟΦΟΣ":                   "σοφοσ",
		"ﬁnance Ｆｕｌｌ":             "finance full",
		"佐藤 さくら":                  "佐藤 さくら",
		"ACME-7K2Q9":              "acme-7k2q9",
		"jean.dupont@example.org": "jean.dupont@example.org",
		"100% Sure_Thing":         "100% sure_thing",
	} {
		if got := FoldSearch(in); got != want {
			t.Errorf("FoldSearch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchWords(t *testing.T) {
	for in, want := range map[string][]string{
		"":                       nil,
		"   ":                    nil,
		"amelie rousseau":        {"amelie", "rousseau"},
		"  Rousseau   AMÉLIE ":   {"rousseau", "amelie"},
		"jean jean":              {"jean"},
		"ean jean":               {"jean"}, // "ean" is inside "jean": implied
		"jean ean":               {"jean"},
		"jean-baptiste baptiste": {"jean-baptiste"},
		"dupont\tmarie":          {"dupont", "marie"},
	} {
		if got := SearchWords(in); !slices.Equal(got, want) {
			t.Errorf("SearchWords(%q) = %q, want %q", in, got, want)
		}
	}
}
