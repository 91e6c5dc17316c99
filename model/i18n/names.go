package i18n

// The names an operator types or presses, in each language: the screens of the ":" command
// line (each also reached by its English name) and the keys as shown in the footer and help.
func init() {
	add(map[string][2]string{
		"screen.users":       {"users", "utilisateurs"},
		"screen.user":        {"user", "utilisateur"},
		"screen.lockouts":    {"lockouts", "verrouillages"},
		"screen.invitations": {"invitations", "invitations"},
		"screen.invite":      {"invite", "inviter"},
		"screen.audit":       {"audit", "journal"},
		"screen.outbox":      {"outbox", "courriels"},
		"screen.org":         {"org", "établissement"},
		"screen.quit":        {"quit", "quitter"},
		"cmd.org.arg":        {"SLUG", "CODE"},
		"cmd.user.arg":       {"LOGIN|EMAIL|ID", "CODE-D'USAGER|COURRIEL|ID"},

		"hdr.scope.is": {"scope: %s", "périmètre\u00a0: %s"},
		"hdr.db.is":    {"db: %s", "base\u00a0: %s"},

		"keyname.enter":     {"enter", "entrée"},
		"keyname.esc":       {"esc", "échap"},
		"keyname.space":     {"space", "espace"},
		"keyname.shift":     {"shift", "maj"},
		"keyname.pgdn":      {"pgdn", "pg.suiv"},
		"keyname.pgup":      {"pgup", "pg.préc"},
		"keyname.backspace": {"backspace", "retour arrière"},
		"keyname.delete":    {"delete", "suppr"},
		"keyname.home":      {"home", "début"},
		"keyname.end":       {"end", "fin"},
	})
}
