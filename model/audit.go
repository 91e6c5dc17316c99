package model

import (
	"math"
	"strings"

	"gatehouse/model/i18n"
)

// AuditDetail is the structured part of an audit row, stored beside its English summary:
// the arguments of its action's text, by name (strings, whole numbers, booleans). Like the
// summary, it never holds a secret.
type AuditDetail map[string]any

// auditTexts names, for each action rendered from its detail, the arguments of its catalog
// text ("audit.do.ACTION"), in order. An argument is written name or name:kind: a bool reads
// yes or no, a status reads as the status badge, a word is the catalog's "audit.word.VALUE",
// a count prints as a number and picks the text's singular or plural form (i18n.Form). An
// empty text reads "—".
var auditTexts = map[string][]string{
	"user.unlock":             {"login", "was_locked:bool", "failures", "reason"},
	"user.disable":            {"login", "sessions:count"},
	"user.enable":             {"login"},
	"user.password_set":       {"login", "must_change:bool", "sessions:count"},
	"user.password_temporary": {"login", "expires", "sessions:count"},
	"user.reset_link":         {"login"},
	"user.login_code":         {"login"},
	"user.totp_reset":         {"login", "was_enabled:bool", "sessions:count", "reason"},
	"user.delete":             {"login", "email", "was:status", "sessions:count"},
	"session.end":             {"session", "login"},
	"session.end_all":         {"sessions:count", "login"},
	"invitation.create":       {"email", "kind:word", "login", "org", "rights", "expires"},
	"invitation.accept":       {"login", "invitation", "org", "how:word", "rights"},
	"invitation.revoke":       {"invitation", "email", "org"},
	"invitation.resend":       {"invitation", "email", "org", "expires"},
	"invitation.extend":       {"invitation", "email", "org", "expires"},
}

// AuditActions lists the actions rendered from their detail.
func AuditActions() []string {
	out := make([]string, 0, len(auditTexts))
	for a := range auditTexts {
		out = append(out, a)
	}
	return out
}

// AuditText renders an action's detail in lang; ok is false when the action has no text or
// the detail lacks one of its arguments.
func AuditText(lang i18n.Lang, action string, d AuditDetail) (text string, ok bool) {
	spec, known := auditTexts[action]
	if !known || d == nil {
		return "", false
	}
	key := "audit.do." + action
	args := make([]any, len(spec))
	for i, s := range spec {
		name, kind, _ := strings.Cut(s, ":")
		v, found := d[name]
		if !found {
			return "", false
		}
		switch kind {
		case "bool":
			b, isBool := v.(bool)
			if !isBool {
				return "", false
			}
			args[i] = i18n.T(lang, map[bool]string{true: "audit.word.yes", false: "audit.word.no"}[b])
		case "status":
			args[i] = i18n.T(lang, "status."+auditString(v))
		case "word":
			args[i] = i18n.T(lang, "audit.word."+auditString(v))
		case "count":
			n, isNum := auditNumber(v)
			if !isNum {
				return "", false
			}
			key = i18n.Form(lang, key, int(n))
			args[i] = n
		default:
			if n, isNum := auditNumber(v); isNum {
				args[i] = n
			} else if s := auditString(v); s != "" {
				args[i] = s
			} else {
				args[i] = "—"
			}
		}
	}
	return i18n.T(lang, key, args...), true
}

// SummaryIn is the row's summary for a reader of lang: rendered from its detail when it has
// one, else the English summary it was written with.
func (e AuditEntry) SummaryIn(lang i18n.Lang) string {
	if t, ok := AuditText(lang, e.Action, e.Detail); ok {
		return t
	}
	return e.Summary
}

// ActionIn is how an action is named to a reader of lang: the catalog's
// "audit.action.ACTION", else the action's code.
func ActionIn(lang i18n.Lang, action string) string {
	if k := "audit.action." + action; i18n.Has(lang, k) {
		return i18n.T(lang, k)
	}
	return action
}

// auditNumber reads a whole number (an int in memory, a float64 once read back from JSON).
func auditNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func auditString(v any) string {
	s, _ := v.(string)
	return s
}
