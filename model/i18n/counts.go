package i18n

// The singular forms of the messages that show a count (TN picks them: n = 1 in English, 0 or
// 1 in French). Each plural form is the message of the same key without ".one", beside its
// area's other messages.
func init() {
	add(map[string][2]string{
		"bulk.unlock.prompt.one":  {"Unlock %d user — reason:", "Déverrouiller %d utilisateur — motif\u00a0:"},
		"bulk.reset.prompt.one":   {"Send a reset link to %d user? (y/n)", "Envoyer un lien de réinitialisation à %d utilisateur\u00a0? (o/n)"},
		"bulk.disable.prompt.one": {"Disable %d user and end their sessions? (y/n)", "Désactiver %d utilisateur et fermer ses sessions\u00a0? (o/n)"},
		"bulk.unlocked.one":       {"Unlocked %d user.", "%d utilisateur déverrouillé."},
		"bulk.reset.sent.one":     {"Reset link queued for %d user.", "Lien de réinitialisation envoyé à %d utilisateur."},
		"bulk.disabled.one":       {"Disabled %d user.", "%d utilisateur désactivé."},
		"users.selected.one":      {"%d selected", "%d sélectionné"},
		"lo.prompt.unlock.one":    {"Unlock %d account — reason:", "Déverrouiller %d compte — motif\u00a0:"},
		"lo.selected.one":         {"%d selected", "%d sélectionné"},
		"lo.unlocked.one":         {"Unlocked %d account.", "%d compte déverrouillé."},
		"lo.unlocked.reset.one":   {"Unlocked %d account; reset links queued: %d.", "%d compte déverrouillé\u00a0; liens de réinitialisation en file\u00a0: %d."},
		"lo.rows.one":             {"%d row", "%d ligne"},
		"user.done.endall.one":    {"%d session ended.", "%d session fermée."},
		"audit.page.one":          {"page %[2]d · %[1]d entry, newest first", "page %[2]d · %[1]d entrée, la plus récente d'abord"},
		"hdr.scope.orgs":          {"%d organizations", "%d établissements"},
		"hdr.scope.orgs.one":      {"%d organization", "%d établissement"},
		"user.failures.count":     {"Failures: %d", "Échecs\u00a0: %d"},
	})
}
