package model

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"gatehouse/model/i18n"
)

// auditSamples is a detail for each action and variant rendered from its detail, as the
// store writes it.
var auditSamples = map[string]AuditDetail{
	"user.unlock":                  {"login": "ACME-7K2Q9", "was_locked": true, "failures": 5, "reason": "ticket 4711"},
	"user.disable":                 {"login": "ACME-7K2Q9", "sessions": int64(2)},
	"user.enable":                  {"login": "ACME-7K2Q9"},
	"user.update":                  {"login": "ACME-7K2Q9", "changes": []AuditDetail{{"part": "name"}, {"part": "email", "from": "jean@example.org", "to": "jean.dupont@example.org"}, {"part": "status", "from": "active", "to": "disabled"}, {"part": "joined", "org": "globex"}, {"part": "left", "org": "initech"}, {"part": "rights_added", "org": "acme", "rights": "billing.view, reports.view"}, {"part": "rights_removed", "org": "acme", "rights": "users.manage"}}},
	"user.password_set":            {"login": "ACME-7K2Q9", "must_change": true, "sessions": int64(1)},
	"user.password_temporary":      {"login": "ACME-7K2Q9", "expires": "2026-11-23 09:30", "sessions": int64(0)},
	"user.password_changed":        {"login": "ACME-7K2Q9", "sessions": int64(2)},
	"user.password_changed.forced": {"login": "ACME-7K2Q9", "variant": "forced"},
	"user.totp_enrolled":           {"login": "ACME-7K2Q9"},
	"user.reset_link":              {"login": "ACME-7K2Q9"},
	"user.reset_completed":         {"login": "ACME-7K2Q9", "was_locked": true, "failures": int64(6), "sessions": int64(1)},
	"user.login_code":              {"login": "ACME-7K2Q9"},
	"user.totp_reset":              {"login": "ACME-7K2Q9", "was_enabled": true, "sessions": int64(3), "reason": "lost her phone"},
	"user.delete":                  {"login": "ACME-7K2Q9", "email": "jean@example.org", "was": "active", "sessions": int64(0)},
	"user.delete.replaced":         {"login": "ACME-7K2Q9", "email": "jean@example.org", "was": "active", "sessions": int64(2), "by": "ACME-3HF8M", "invitation": int64(7), "variant": "replaced"},
	"user.undelete":                {"login": "ACME-7K2Q9", "email": "jean@example.org", "deleted": "2026-11-20 10:00", "reason": "ticket 4711"},
	"user.replace":                 {"login": "ACME-7K2Q9", "email": "jean@example.org", "new_email": "jean@new.example.org", "invitation": int64(7), "carried": []AuditDetail{{"part": "carried", "org": "acme", "rights": "billing.view"}, {"part": "carried", "org": "globex", "rights": ""}}, "left": []AuditDetail{{"part": "left_out", "org": "acme", "right": "billing.manage"}}},
	"user.replace_kept":            {"login": "ACME-7K2Q9", "invitation": int64(7), "by": "ACME-3HF8M", "why": AuditDetail{"part": "kept_outside", "orgs": int64(1)}},
	"session.end":                  {"session": int64(42), "login": "ACME-7K2Q9"},
	"session.end_all":              {"sessions": int64(2), "login": "ACME-7K2Q9"},
	"invitation.create":            {"email": "amelie@example.org", "kind": "new_person", "login": "ACME-3HF8M", "org": "acme", "rights": "billing.view", "expires": "2026-11-27 09:30"},
	"invitation.accept":            {"login": "ACME-3HF8M", "invitation": int64(7), "org": "acme", "how": "password_chosen", "rights": ""},
	"invitation.revoke":            {"invitation": int64(7), "email": "amelie@example.org", "org": "acme"},
	"invitation.resend":            {"invitation": int64(7), "email": "amelie@example.org", "org": "acme", "expires": "2026-11-27 09:30"},
	"invitation.extend":            {"invitation": int64(7), "email": "amelie@example.org", "org": "acme", "expires": "2026-11-27 09:30"},
	"invitation.stand_in":          {"invitation": int64(7), "by": "ana", "org": "acme", "what": []AuditDetail{{"part": "stand_in_other", "email": "paul@example.org", "login": "GLOB-22222"}, {"part": "stand_in_shown", "login": "ACME-3HF8M"}}},
	"invitation.stand_in_used":     {"invitation": int64(7)},
	"operator.add":                 {"operator": "ana", "role": "admin", "orgs": "acme, globex", "keys": int64(1)},
	"operator.remove":              {"operator": "ana"},
	"operator.key_add":             {"fingerprint": "SHA256:abc", "operator": "ana"},
	"operator.key_remove":          {"fingerprint": "SHA256:abc", "operator": "ana"},
	"org.add":                      {"org": "acme"},
	"org.time_zone":                {"org": "acme", "zone": ""},
	"org.require_totp":             {"org": "acme", "rule": "totp_required"},
	"right.add":                    {"right": "billing.view", "label": "Billing"},
	"right.set":                    {"right": "billing.view", "lang": "fr", "changes": []AuditDetail{{"part": "label", "text": "Facturation"}, {"part": "description_cleared"}}},
	"right.remove":                 {"right": "billing.view", "memberships": int64(3), "invitations": int64(1), "operators": int64(0)},
	"settings.lockout":             {"threshold": int64(5), "window": int64(900), "mode": AuditDetail{"part": "lock_temporary", "base": int64(900), "max": int64(86400)}},
	"settings.sessions":            {"idle": int64(1800), "absolute": int64(43200)},
	"auth_events.prune":            {"events": int64(1200), "before": "2026-09-01 00:00"},
	"auth_events.prune.stopped":    {"events": int64(1), "before": "2026-09-01 00:00", "variant": "stopped"},
	"search.reindex":               {"blocks": int64(4)},
	"mail.retry":                   {"mail": int64(12), "kind": "reset_link", "who": "ACME-7K2Q9", "was": "failed", "attempts": int64(3)},
	"mail.cancel":                  {"mail": int64(12), "kind": "invitation", "who": "amelie@example.org", "attempts": int64(1)},
}

// auditShared are the words French shares with English, or that are names: an English
// word of this list may appear in a French text.
var auditShared = map[string]bool{}

func init() {
	for _, w := range strings.Fields("session sessions invitation invitations fa utc description min h s d mode id code dates") {
		auditShared[w] = true
	}
}

// englishIn returns the first word of the English text (not an argument's) found in the
// French text.
func englishIn(en, fr string, d AuditDetail) string {
	values := map[string]bool{}
	var walk func(d AuditDetail)
	walk = func(d AuditDetail) {
		for _, v := range d {
			switch v := v.(type) {
			case string:
				for _, w := range auditWords(v) {
					values[w] = true
				}
			case AuditDetail:
				walk(v)
			case []AuditDetail:
				for _, p := range v {
					walk(p)
				}
			}
		}
	}
	walk(d)
	frWords := map[string]bool{}
	for _, w := range auditWords(fr) {
		frWords[w] = true
	}
	for _, w := range auditWords(en) {
		if len(w) > 1 && !values[w] && !auditShared[w] && frWords[w] {
			return w
		}
	}
	return ""
}

func auditWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

// Every action rendered from its detail has a text in both languages that takes its
// arguments, in memory and read back from JSON, with no English left in French.
func TestAuditTextsRender(t *testing.T) {
	for action := range auditTexts {
		d, ok := auditSamples[action]
		if !ok {
			t.Errorf("%s: no sample detail in this test", action)
			continue
		}
		base := action
		if v, _ := d[AuditVariant].(string); v != "" {
			base = strings.TrimSuffix(action, "."+v)
		}
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back AuditDetail
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []i18n.Lang{i18n.EN, i18n.FR} {
			for _, detail := range []AuditDetail{d, back} {
				text, ok := AuditText(lang, base, detail)
				if !ok || text == "" || strings.Contains(text, "%!") || strings.Contains(text, "audit.") {
					t.Errorf("%s (%s): %q, %v", action, lang, text, ok)
				}
				if lang == i18n.FR && (strings.Contains(text, "true") || strings.Contains(text, "false") || strings.Contains(text, "new_person") || strings.Contains(text, "password_chosen")) {
					t.Errorf("%s: English in the French text: %q", action, text)
				}
			}
		}
		en, _ := AuditText(i18n.EN, base, d)
		fr, _ := AuditText(i18n.FR, base, d)
		if en == fr {
			t.Errorf("%s: the French text is the English one: %q", action, fr)
		}
		if w := englishIn(en, fr, d); w != "" {
			t.Errorf("%s: the English word %q in the French text %q (English: %q)", action, w, fr, en)
		}
	}
	// Every action is named in French.
	for _, action := range AuditActions() {
		if name := ActionIn(i18n.FR, action); name == action {
			t.Errorf("%s: no French name (audit.action.%s)", action, action)
		}
	}
	e := AuditEntry{Action: "user.unlock", Summary: "unlocked ACME-7K2Q9 (was locked: true, failures: 5); reason: ticket 4711", Detail: auditSamples["user.unlock"]}
	if got := e.SummaryIn(i18n.FR); got != "ACME-7K2Q9 déverrouillé (était verrouillé\u00a0: oui, échecs\u00a0: 5)\u00a0; motif\u00a0: ticket 4711" {
		t.Errorf("French unlock: %q", got)
	}
	if got := e.SummaryIn(i18n.EN); got != "unlocked ACME-7K2Q9 (was locked: yes, failures: 5); reason: ticket 4711" {
		t.Errorf("English unlock: %q", got)
	}
	// Counts agree; the French text elides ("de ACME" reads "d'ACME").
	one := AuditEntry{Action: "session.end_all", Detail: AuditDetail{"sessions": 1.0, "login": "ACME-7K2Q9"}}
	if got := one.SummaryIn(i18n.FR); got != "1 session d'ACME-7K2Q9 fermée" {
		t.Errorf("French end_all: %q", got)
	}
	if got := one.SummaryIn(i18n.EN); got != "ended 1 session of ACME-7K2Q9" {
		t.Errorf("English end_all: %q", got)
	}
}

// auditPartSamples is a detail for each part.
var auditPartSamples = map[string]AuditDetail{
	"name":                {},
	"email":               {"from": "jean@example.org", "to": "jean.dupont@example.org"},
	"status":              {"from": "active", "to": "disabled"},
	"joined":              {"org": "globex"},
	"left":                {"org": "initech"},
	"rights_added":        {"org": "acme", "rights": "billing.view, reports.view"},
	"rights_removed":      {"org": "acme", "rights": "users.manage"},
	"carried":             {"org": "acme", "rights": ""},
	"left_out":            {"org": "acme", "right": "billing.manage"},
	"kept_deleted":        {},
	"kept_accepting":      {},
	"kept_outside":        {"orgs": int64(2)},
	"stand_in_disabled":   {"email": "paul@example.org"},
	"stand_in_none":       {"login": "GLOB-22222", "email": "paul@example.org"},
	"stand_in_invited":    {"email": "paul@example.org", "login": "GLOB-22222"},
	"stand_in_other":      {"email": "paul@example.org", "login": "GLOB-22222"},
	"stand_in_shown":      {"login": "ACME-3HF8M"},
	"label":               {"text": "Facturation"},
	"label_cleared":       {},
	"description":         {"text": "Voir les factures"},
	"description_cleared": {},
	"lock_until_reset":    {},
	"lock_temporary":      {"base": int64(900), "max": int64(86400)},
}

// Every part renders in both languages (in a one-part list), with no English left in French.
func TestAuditPartsRender(t *testing.T) {
	for part := range auditParts {
		d, ok := auditPartSamples[part]
		if !ok {
			t.Errorf("part %s: no sample detail in this test", part)
			continue
		}
		p := AuditDetail{"part": part}
		for k, v := range d {
			p[k] = v
		}
		var texts [2]string
		for i, lang := range []i18n.Lang{i18n.EN, i18n.FR} {
			text, ok := auditPartsText(lang, []AuditDetail{p}, 0)
			s, _ := text.(string)
			if !ok || s == "" || strings.Contains(s, "%!") || strings.Contains(s, "audit.") {
				t.Errorf("part %s (%s): %q, %v", part, lang, s, ok)
			}
			texts[i] = s
		}
		if texts[0] == texts[1] {
			t.Errorf("part %s: the French text is the English one: %q", part, texts[1])
		}
		if w := englishIn(texts[0], texts[1], d); w != "" {
			t.Errorf("part %s: the English word %q in the French text %q", part, w, texts[1])
		}
	}
	// A part the catalog does not know, or without its arguments, is no text.
	for _, bad := range []any{[]AuditDetail{{"part": "nope"}}, []AuditDetail{{"part": "email", "from": "a"}}, "a text", []any{"a text"}} {
		if _, ok := auditPartsText(i18n.FR, bad, 0); ok {
			t.Errorf("%v rendered", bad)
		}
	}
	// An empty list reads as nothing.
	if s, ok := auditPartsText(i18n.FR, []any{}, 0); !ok || s != "rien" {
		t.Errorf("an empty list: %q", s)
	}
}

// A span of time reads in the reader's language, its zero units left out.
func TestAuditSpan(t *testing.T) {
	for _, c := range []struct {
		secs   int64
		en, fr string
	}{
		{900, "15 min", "15\u00a0min"},
		{5400, "1 h 30 min", "1\u00a0h 30\u00a0min"},
		{86400, "1 day", "1 jour"},
		{2*86400 + 1, "2 days 1 s", "2 jours 1\u00a0s"},
		{0, "0 s", "0\u00a0s"},
	} {
		if en, fr := auditSpan(i18n.EN, c.secs), auditSpan(i18n.FR, c.secs); en != c.en || fr != c.fr {
			t.Errorf("%d s: %q / %q, want %q / %q", c.secs, en, fr, c.en, c.fr)
		}
	}
}

// A row without a detail (written before there was one), or with a detail it cannot read,
// shows its English summary.
func TestAuditSummaryFallsBack(t *testing.T) {
	for _, e := range []AuditEntry{
		{Action: "user.unlock", Summary: "unlocked X"},
		{Action: "user.unlock", Summary: "unlocked X", Detail: AuditDetail{"login": "X"}},
		{Action: "user.unlock", Summary: "unlocked X", Detail: AuditDetail{"login": "X", "was_locked": "maybe", "failures": 1, "reason": "r"}},
		{Action: "right.add", Summary: "right x added", Detail: AuditDetail{"code": "x"}},
	} {
		if got := e.SummaryIn(i18n.FR); got != e.Summary {
			t.Errorf("%+v: %q", e, got)
		}
	}
	if ActionIn(i18n.FR, "user.unlock") != "déverrouillage" || ActionIn(i18n.EN, "user.unlock") != "user.unlock" || ActionIn(i18n.FR, "no.such") != "no.such" {
		t.Error("action names")
	}
}
