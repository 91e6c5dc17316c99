package model

import (
	"encoding/json"
	"strings"
	"testing"

	"gatehouse/model/i18n"
)

// auditSamples is a detail for each action rendered from its detail, as the store writes it.
var auditSamples = map[string]AuditDetail{
	"user.unlock":             {"login": "ACME-7K2Q9", "was_locked": true, "failures": 5, "reason": "ticket 4711"},
	"user.disable":            {"login": "ACME-7K2Q9", "sessions": int64(2)},
	"user.enable":             {"login": "ACME-7K2Q9"},
	"user.password_set":       {"login": "ACME-7K2Q9", "must_change": true, "sessions": int64(1)},
	"user.password_temporary": {"login": "ACME-7K2Q9", "expires": "2026-11-23 09:30", "sessions": int64(0)},
	"user.reset_link":         {"login": "ACME-7K2Q9"},
	"user.login_code":         {"login": "ACME-7K2Q9"},
	"user.totp_reset":         {"login": "ACME-7K2Q9", "was_enabled": true, "sessions": int64(3), "reason": "lost her phone"},
	"user.delete":             {"login": "ACME-7K2Q9", "email": "jean@example.org", "was": "active", "sessions": int64(0)},
	"session.end":             {"session": int64(42), "login": "ACME-7K2Q9"},
	"session.end_all":         {"sessions": int64(2), "login": "ACME-7K2Q9"},
	"invitation.create":       {"email": "amelie@example.org", "kind": "new_person", "login": "ACME-3HF8M", "org": "acme", "rights": "billing.view", "expires": "2026-11-27 09:30"},
	"invitation.accept":       {"login": "ACME-3HF8M", "invitation": int64(7), "org": "acme", "how": "password_chosen", "rights": ""},
	"invitation.revoke":       {"invitation": int64(7), "email": "amelie@example.org", "org": "acme"},
	"invitation.resend":       {"invitation": int64(7), "email": "amelie@example.org", "org": "acme", "expires": "2026-11-27 09:30"},
	"invitation.extend":       {"invitation": int64(7), "email": "amelie@example.org", "org": "acme", "expires": "2026-11-27 09:30"},
}

// Every action rendered from its detail has a text in both languages that takes its
// arguments, in memory and read back from JSON, with no English left in French.
func TestAuditTextsRender(t *testing.T) {
	for _, action := range AuditActions() {
		d, ok := auditSamples[action]
		if !ok {
			t.Errorf("%s: no sample detail in this test", action)
			continue
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
				text, ok := AuditText(lang, action, detail)
				if !ok || text == "" || strings.Contains(text, "%!") || strings.Contains(text, "audit.") {
					t.Errorf("%s (%s): %q, %v", action, lang, text, ok)
				}
				if lang == i18n.FR && (strings.Contains(text, "true") || strings.Contains(text, "false") || strings.Contains(text, "new_person") || strings.Contains(text, "password_chosen")) {
					t.Errorf("%s: English in the French text: %q", action, text)
				}
			}
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
