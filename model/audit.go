package model

import (
	"math"
	"sort"
	"strings"

	"gatehouse/model/i18n"
)

// AuditDetail is the structured part of an audit row: the arguments of its action's text, by
// name (strings, whole numbers, booleans, and lists of parts, each a detail of its own).
// Every row the store writes has one; the row's English summary is its text in English,
// and a reader sees it rendered in their language. Like the summary, it never holds a
// secret.
type AuditDetail map[string]any

// AuditVariant names, in a detail, the form of its action's text when an action is written
// in more than one shape ("user.delete" of an account replaced on acceptance of an
// invitation): the text is then "audit.do.ACTION.VARIANT", its arguments those of
// auditTexts["ACTION.VARIANT"].
const AuditVariant = "variant"

// auditTexts names, for each action (and each variant, "ACTION.VARIANT"), the arguments of
// its catalog text "audit.do.ACTION", in order. An argument is written name or name:kind:
//
//	(none)   a number prints as a number, a text as itself, an empty text as "—"
//	bool     yes or no
//	count    a number that picks the text's singular or plural form (i18n.Form)
//	word     the catalog's "audit.word.VALUE"
//	status   the status badge ("status.VALUE")
//	=PREFIX  the catalog's PREFIX+VALUE ("=role.": the role's name), else the value
//	n=KEY    the number with its noun: i18n.TN(KEY, n) ("3 open invitations")
//	or=WORD  the text, or the catalog's "audit.word.WORD" when it is empty
//	span     a number of seconds, as a span of time ("1 h 30 min")
//	parts    a list of parts (or one), each a detail whose "part" names its text
//	         "audit.part.PART" and its arguments auditParts[PART], joined by "audit.join";
//	         an empty list reads as "audit.word.nothing"
var auditTexts = map[string][]string{
	"user.unlock":                  {"login", "was_locked:bool", "failures", "reason"},
	"user.disable":                 {"login", "sessions:count"},
	"user.enable":                  {"login"},
	"user.update":                  {"login", "changes:parts"},
	"user.password_set":            {"login", "must_change:bool", "sessions:count"},
	"user.password_temporary":      {"login", "expires", "sessions:count"},
	"user.password_changed":        {"login", "sessions:count"},
	"user.password_changed.forced": {"login"},
	"user.totp_enrolled":           {"login"},
	"user.reset_link":              {"login"},
	"user.reset_completed":         {"login", "was_locked:bool", "failures", "sessions:count"},
	"user.login_code":              {"login"},
	"user.totp_reset":              {"login", "was_enabled:bool", "sessions:count", "reason"},
	"user.delete":                  {"login", "email", "was:status", "sessions:count"},
	"user.delete.replaced":         {"login", "email", "was:status", "sessions:count", "by", "invitation"},
	"user.undelete":                {"login", "email", "deleted", "reason"},
	"user.replace":                 {"login", "email", "new_email", "invitation", "carried:parts", "left:parts"},
	"user.replace_kept":            {"login", "invitation", "by", "why:parts"},
	"session.end":                  {"session", "login"},
	"session.end_all":              {"sessions:count", "login"},
	"invitation.create":            {"email", "kind:word", "login", "org", "rights", "expires"},
	"invitation.accept":            {"login", "invitation", "org", "how:word", "rights"},
	"invitation.revoke":            {"invitation", "email", "org"},
	"invitation.resend":            {"invitation", "email", "org", "expires"},
	"invitation.extend":            {"invitation", "email", "org", "expires"},
	"invitation.stand_in":          {"invitation", "by", "org", "what:parts"},
	"invitation.stand_in_used":     {"invitation"},
	"operator.add":                 {"operator", "role:=role.", "orgs:or=none", "keys:count"},
	"operator.remove":              {"operator"},
	"operator.key_add":             {"fingerprint", "operator"},
	"operator.key_remove":          {"fingerprint", "operator"},
	"org.add":                      {"org"},
	"org.time_zone":                {"org", "zone:or=default_zone"},
	"org.require_totp":             {"org", "rule:word"},
	"right.add":                    {"right", "label"},
	"right.set":                    {"right", "lang:word", "changes:parts"},
	"right.remove":                 {"right", "memberships:n=audit.n.memberships", "invitations:n=audit.n.invitations", "operators:n=audit.n.operators"},
	"settings.lockout":             {"threshold:count", "window:span", "mode:parts"},
	"settings.sessions":            {"idle:span", "absolute:span"},
	"auth_events.prune":            {"events:count", "before"},
	"auth_events.prune.stopped":    {"events:count", "before"},
	"search.reindex":               {"blocks:count"},
	"mail.retry":                   {"mail", "kind:=outbox.kind.", "who", "was:=outbox.status.", "attempts:n=audit.n.attempts"},
	"mail.cancel":                  {"mail", "kind:=outbox.kind.", "who", "attempts:n=audit.n.attempts"},
}

// auditParts names the arguments of each part's text "audit.part.PART", as auditTexts does.
var auditParts = map[string][]string{
	// user.update: what changed
	"name":           {},
	"email":          {"from", "to"},
	"status":         {"from:status", "to:status"},
	"joined":         {"org"},
	"left":           {"org"},
	"rights_added":   {"org", "rights"},
	"rights_removed": {"org", "rights"},
	// user.replace: the memberships carried, the rights left out
	"carried":  {"org", "rights:or=no_rights"},
	"left_out": {"org", "right"},
	// user.replace_kept: why the old account was kept
	"kept_deleted":   {},
	"kept_accepting": {},
	"kept_outside":   {"orgs:count"},
	// invitation.stand_in: what was done instead of what the operator saw
	"stand_in_disabled": {"email"},
	"stand_in_none":     {"login", "email"},
	"stand_in_invited":  {"email", "login"},
	"stand_in_other":    {"email", "login"},
	"stand_in_shown":    {"login"},
	// right.set: the texts changed
	"label":               {"text"},
	"label_cleared":       {},
	"description":         {"text"},
	"description_cleared": {},
	// settings.lockout: the mode
	"lock_until_reset": {},
	"lock_temporary":   {"base:span", "max:span"},
}

// AuditActions lists the actions rendered from their detail, sorted (a variant is its
// action's).
func AuditActions() []string {
	seen := map[string]bool{}
	var out []string
	for a := range auditTexts {
		if i := strings.LastIndexByte(a, '.'); i > 0 {
			if _, isVariant := auditTexts[a[:i]]; isVariant {
				a = a[:i]
			}
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// HasAuditText reports whether action is rendered from its detail.
func HasAuditText(action string) bool {
	_, ok := auditTexts[action]
	return ok
}

// AuditText renders an action's detail in lang; ok is false when the action has no text or
// the detail lacks one of its arguments (or holds one of another kind).
func AuditText(lang i18n.Lang, action string, d AuditDetail) (text string, ok bool) {
	if d == nil {
		return "", false
	}
	name := action
	if v, isText := d[AuditVariant].(string); isText && v != "" {
		name = action + "." + v
	}
	spec, known := auditTexts[name]
	if !known {
		return "", false
	}
	return renderAudit(lang, "audit.do."+name, spec, d, 0)
}

// renderAudit formats the text key with the arguments spec names in d.
func renderAudit(lang i18n.Lang, key string, spec []string, d AuditDetail, depth int) (string, bool) {
	args := make([]any, len(spec))
	for i, s := range spec {
		name, kind, _ := strings.Cut(s, ":")
		v, found := d[name]
		if !found {
			return "", false
		}
		var ok bool
		if kind == "count" {
			var n int64
			if n, ok = auditNumber(v); ok {
				key = i18n.Form(lang, key, int(n))
				args[i] = n
			}
		} else {
			args[i], ok = auditArg(lang, kind, v, depth)
		}
		if !ok {
			return "", false
		}
	}
	return i18n.T(lang, key, args...), true
}

// auditArg is one argument of a text, of its kind (see auditTexts).
func auditArg(lang i18n.Lang, kind string, v any, depth int) (any, bool) {
	switch {
	case kind == "bool":
		b, ok := v.(bool)
		if !ok {
			return nil, false
		}
		if b {
			return i18n.T(lang, "audit.word.yes"), true
		}
		return i18n.T(lang, "audit.word.no"), true
	case kind == "status":
		return catalogWord(lang, "status.", v)
	case kind == "word":
		return catalogWord(lang, "audit.word.", v)
	case strings.HasPrefix(kind, "="):
		return catalogWord(lang, kind[1:], v)
	case strings.HasPrefix(kind, "n="):
		n, ok := auditNumber(v)
		if !ok {
			return nil, false
		}
		return i18n.TN(lang, kind[2:], int(n)), true
	case strings.HasPrefix(kind, "or="):
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		if s == "" {
			return i18n.T(lang, "audit.word."+kind[3:]), true
		}
		return s, true
	case kind == "span":
		n, ok := auditNumber(v)
		if !ok || n < 0 {
			return nil, false
		}
		return auditSpan(lang, n), true
	case kind == "parts":
		return auditPartsText(lang, v, depth)
	case kind == "":
		if n, ok := auditNumber(v); ok {
			return n, true
		}
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		if s == "" {
			return "—", true
		}
		return s, true
	}
	return nil, false
}

// catalogWord is the catalog's prefix+value, or the value when the catalog has no such text.
func catalogWord(lang i18n.Lang, prefix string, v any) (any, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	if i18n.Has(i18n.EN, prefix+s) {
		return i18n.T(lang, prefix+s), true
	}
	if s == "" {
		return "—", true
	}
	return s, true
}

// auditPartsText renders a list of parts (or one part), each by its own text.
func auditPartsText(lang i18n.Lang, v any, depth int) (any, bool) {
	if depth > 2 {
		return nil, false
	}
	var items []any
	switch p := v.(type) {
	case []any:
		items = p
	case []AuditDetail:
		for _, x := range p {
			items = append(items, x)
		}
	case []map[string]any:
		for _, x := range p {
			items = append(items, x)
		}
	case AuditDetail, map[string]any:
		items = []any{p}
	case nil:
	default:
		return nil, false
	}
	if len(items) == 0 {
		return i18n.T(lang, "audit.word.nothing"), true
	}
	texts := make([]string, 0, len(items))
	for _, it := range items {
		var d AuditDetail
		switch m := it.(type) {
		case AuditDetail:
			d = m
		case map[string]any:
			d = m
		default:
			return nil, false
		}
		name, _ := d["part"].(string)
		spec, known := auditParts[name]
		if !known {
			return nil, false
		}
		t, ok := renderAudit(lang, "audit.part."+name, spec, d, depth+1)
		if !ok {
			return nil, false
		}
		texts = append(texts, t)
	}
	return strings.Join(texts, i18n.T(lang, "audit.join")), true
}

// auditSpan writes a number of seconds as days, hours, minutes and seconds ("1 h 30 min"),
// leaving out the units that are zero.
func auditSpan(lang i18n.Lang, secs int64) string {
	if secs == 0 {
		return i18n.T(lang, "audit.unit.s", 0)
	}
	var out []string
	for _, u := range []struct {
		key  string
		size int64
	}{{"audit.unit.d", 86400}, {"audit.unit.h", 3600}, {"audit.unit.min", 60}, {"audit.unit.s", 1}} {
		if n := secs / u.size; n > 0 {
			out = append(out, i18n.TN(lang, u.key, int(n)))
			secs -= n * u.size
		}
	}
	return strings.Join(out, " ")
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

// auditNumber reads a whole number (an integer in memory, a float64 once read back from
// JSON).
func auditNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}
