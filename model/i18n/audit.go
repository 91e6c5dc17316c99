package i18n

func init() {
	add(map[string][2]string{
		// Audit screen
		"audit.title":          {"Audit", "Journal d'audit"},
		"audit.col.when":       {"When (UTC)", "Quand (UTC)"},
		"audit.col.operator":   {"Operator", "Opérateur"},
		"audit.col.action":     {"Action", "Action"},
		"audit.col.target":     {"About", "Concerne"},
		"audit.col.summary":    {"What changed", "Ce qui a changé"},
		"audit.empty":          {"No audit entry matches.", "Aucune entrée d'audit ne correspond."},
		"audit.page":           {"page %[2]d · %[1]d entries, newest first", "page %[2]d · %[1]d entrées, les plus récentes d'abord"},
		"audit.more":           {"older entries: pgdn", "entrées plus anciennes\u00a0: pg.suiv"},
		"audit.key.filter":     {"filter", "filtrer"},
		"audit.filter.ph":      {"op:NAME user:LOGIN action:user.unlock since:24h until:2026-11-01", "op:NOM user:CODE action:user.unlock since:24h until:2026-11-01"},
		"audit.filter.nouser":  {"No user %q in your organizations.", "Aucun utilisateur %q dans vos établissements."},
		"audit.filter.badtime": {"%q is not a time: use 24h, 7d, 2w or a date such as 2026-11-01 (UTC).", "%q n'est pas une date\u00a0: utilisez 24h, 7d, 2w ou une date comme 2026-11-01 (UTC)."},
		"audit.filter.unknown": {"Unknown filter %q: use op:, user:, action:, since:, until:.", "Filtre inconnu %q\u00a0: utilisez op:, user:, action:, since:, until:."},
		"audit.filter.empty":   {"%s: needs a value after the colon.", "%s\u00a0: il faut une valeur après les deux-points."},
		"audit.filter.order":   {"since must be before until (%s).", "since doit précéder until (%s)."},
		"audit.f.id":           {"Entry", "Entrée"},
		"audit.f.at":           {"When", "Quand"},
		"audit.f.operator":     {"Operator", "Opérateur"},
		"audit.f.action":       {"Action", "Action"},
		"audit.f.user":         {"User", "Utilisateur"},
		"audit.f.org":          {"Organization", "Établissement"},
		"audit.f.summary":      {"What changed", "Ce qui a changé"},
		"audit.detail.hint":    {"esc back to the list · ↑/↓ previous/next entry", "échap retour à la liste · ↑/↓ entrée précédente/suivante"},
	})
}
