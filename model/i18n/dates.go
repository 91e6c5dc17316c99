package i18n

import (
	"strconv"
	"strings"
	"time"
)

// Dates as an e-mail gives them to its recipient: in their language and in the time zone of
// the organization the e-mail is about ("8 décembre 2026 à 18:33 (heure de Paris)",
// "December 8, 2026 at 18:33 (Paris time)").
func init() {
	add(map[string][2]string{
		"date.long":     {"%[2]s %[1]s, %[3]d at %[4]s (%[5]s)", "%[1]s %[2]s %[3]d à %[4]s (%[5]s)"},
		"date.day.1":    {"1", "1er"},
		"date.zone":     {"%s time", "heure de %s"},
		"date.zone.utc": {"UTC", "UTC"},
		"month.1":       {"January", "janvier"},
		"month.2":       {"February", "février"},
		"month.3":       {"March", "mars"},
		"month.4":       {"April", "avril"},
		"month.5":       {"May", "mai"},
		"month.6":       {"June", "juin"},
		"month.7":       {"July", "juillet"},
		"month.8":       {"August", "août"},
		"month.9":       {"September", "septembre"},
		"month.10":      {"October", "octobre"},
		"month.11":      {"November", "novembre"},
		"month.12":      {"December", "décembre"},
		// A zone's city where French writes it otherwise than its IANA name.
		"zone.city.Europe/Brussels":    {"Brussels", "Bruxelles"},
		"zone.city.Europe/London":      {"London", "Londres"},
		"zone.city.Europe/Lisbon":      {"Lisbon", "Lisbonne"},
		"zone.city.Europe/Vienna":      {"Vienna", "Vienne"},
		"zone.city.Europe/Warsaw":      {"Warsaw", "Varsovie"},
		"zone.city.Europe/Athens":      {"Athens", "Athènes"},
		"zone.city.America/Montreal":   {"Montreal", "Montréal"},
		"zone.city.Africa/Algiers":     {"Algiers", "Alger"},
		"zone.city.Indian/Reunion":     {"Réunion", "La Réunion"},
		"zone.city.America/Martinique": {"Martinique", "la Martinique"},
	})
}

// LongDate writes t in lang, in the time zone loc, with the zone named:
// "8 décembre 2026 à 18:33 (heure de Paris)".
func LongDate(lang Lang, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = T(lang, "date.day.1")
	}
	return T(lang, "date.long", day, T(lang, "month."+strconv.Itoa(int(t.Month()))), t.Year(), t.Format("15:04"), ZoneName(lang, loc))
}

// ZoneName names a time zone for a reader of lang: "UTC", or its city ("heure de Paris",
// "Paris time").
func ZoneName(lang Lang, loc *time.Location) string {
	name := loc.String()
	if name == "UTC" || name == "Etc/UTC" || name == "" || name == "Local" {
		return T(lang, "date.zone.utc")
	}
	city := name
	if k := "zone.city." + name; Has(lang, k) {
		city = T(lang, k)
	} else if i := strings.LastIndexByte(name, '/'); i >= 0 {
		city = strings.ReplaceAll(name[i+1:], "_", " ")
	}
	return T(lang, "date.zone", city)
}
