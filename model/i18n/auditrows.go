package i18n

// Audit rows in the reader's language: each action's text, rendered from the row's
// structured part (model.AuditText: the arguments in the order model names them), and the
// actions' names.
func init() {
	add(map[string][2]string{
		"audit.word.yes":                       {"yes", "oui"},
		"audit.word.no":                        {"no", "non"},
		"audit.word.new_person":                {"new person", "nouvelle personne"},
		"audit.word.existing_account":          {"existing account", "compte existant"},
		"audit.word.password_proven":           {"existing account, password proven", "compte existant, mot de passe vérifié"},
		"audit.word.password_chosen":           {"new account, password chosen", "nouveau compte, mot de passe choisi"},
		"audit.do.user.unlock":                 {"unlocked %s (was locked: %s, failures: %d); reason: %s", "%s déverrouillé (était verrouillé\u00a0: %s, échecs\u00a0: %d)\u00a0; motif\u00a0: %s"},
		"audit.do.user.disable":                {"disabled %s (%d sessions ended)", "%s désactivé (%d sessions fermées)"},
		"audit.do.user.disable.one":            {"disabled %s (%d session ended)", "%s désactivé (%d session fermée)"},
		"audit.do.user.enable":                 {"enabled %s", "%s réactivé"},
		"audit.do.user.password_set":           {"password set by an operator for %s (must change at next login: %s; %d sessions ended)", "mot de passe défini par un opérateur pour %s (à changer à la prochaine connexion\u00a0: %s\u00a0; %d sessions fermées)"},
		"audit.do.user.password_set.one":       {"password set by an operator for %s (must change at next login: %s; %d session ended)", "mot de passe défini par un opérateur pour %s (à changer à la prochaine connexion\u00a0: %s\u00a0; %d session fermée)"},
		"audit.do.user.password_temporary":     {"temporary password set by an operator for %s (must change at first login; expires %s UTC; %d sessions ended)", "mot de passe temporaire défini par un opérateur pour %s (à changer à la première connexion\u00a0; expire le %s UTC\u00a0; %d sessions fermées)"},
		"audit.do.user.password_temporary.one": {"temporary password set by an operator for %s (must change at first login; expires %s UTC; %d session ended)", "mot de passe temporaire défini par un opérateur pour %s (à changer à la première connexion\u00a0; expire le %s UTC\u00a0; %d session fermée)"},
		"audit.do.user.reset_link":             {"reset link e-mailed to %s", "lien de réinitialisation envoyé par courriel à %s"},
		"audit.do.user.login_code":             {"login code e-mailed to %s", "code d'usager envoyé par courriel à %s"},
		"audit.do.user.totp_reset":             {"2FA reset for %s (was enabled: %s; %d sessions ended); re-enrolls at next login; reason: %s", "2FA réinitialisée pour %s (était activée\u00a0: %s\u00a0; %d sessions fermées)\u00a0; nouvelle configuration à la prochaine connexion\u00a0; motif\u00a0: %s"},
		"audit.do.user.totp_reset.one":         {"2FA reset for %s (was enabled: %s; %d session ended); re-enrolls at next login; reason: %s", "2FA réinitialisée pour %s (était activée\u00a0: %s\u00a0; %d session fermée)\u00a0; nouvelle configuration à la prochaine connexion\u00a0; motif\u00a0: %s"},
		"audit.do.user.delete":                 {"deleted %s (%s, was %s; %d sessions ended)", "%s supprimé (%s, était %s\u00a0; %d sessions fermées)"},
		"audit.do.user.delete.one":             {"deleted %s (%s, was %s; %d session ended)", "%s supprimé (%s, était %s\u00a0; %d session fermée)"},
		"audit.do.session.end":                 {"ended session %d of %s", "session %d de %s fermée"},
		"audit.do.session.end_all":             {"ended %d sessions of %s", "%d sessions de %s fermées"},
		"audit.do.session.end_all.one":         {"ended %d session of %s", "%d session de %s fermée"},
		"audit.do.invitation.create":           {"invited %s (%s %s) to %s with rights %s; expires %s UTC", "invitation de %s (%s %s) dans %s avec les droits %s\u00a0; expire le %s UTC"},
		"audit.do.invitation.accept":           {"%s accepted invitation #%d to %s (%s); rights added: %s", "%s a accepté l'invitation n°\u00a0%d dans %s (%s)\u00a0; droits ajoutés\u00a0: %s"},
		"audit.do.invitation.revoke":           {"revoked invitation #%d to %s (%s)", "invitation n°\u00a0%d de %s (%s) révoquée"},
		"audit.do.invitation.resend":           {"resent invitation #%d to %s (%s); new link, expires %s UTC", "invitation n°\u00a0%d renvoyée à %s (%s)\u00a0; nouveau lien, expire le %s UTC"},
		"audit.do.invitation.extend":           {"extended invitation #%d to %s (%s) until %s UTC", "invitation n°\u00a0%d de %s (%s) prolongée jusqu'au %s UTC"},

		"audit.action.user.unlock":             {"user.unlock", "déverrouillage"},
		"audit.action.user.reset_link":         {"user.reset_link", "lien de réinit."},
		"audit.action.user.reset_completed":    {"user.reset_completed", "réinit. terminée"},
		"audit.action.user.password_set":       {"user.password_set", "mot de passe défini"},
		"audit.action.user.password_temporary": {"user.password_temporary", "mot de passe temporaire"},
		"audit.action.user.update":             {"user.update", "modification"},
		"audit.action.user.disable":            {"user.disable", "désactivation"},
		"audit.action.user.enable":             {"user.enable", "réactivation"},
		"audit.action.user.delete":             {"user.delete", "suppression"},
		"audit.action.user.totp_reset":         {"user.totp_reset", "réinit. 2FA"},
		"audit.action.user.login_code":         {"user.login_code", "envoi du code d'usager"},
		"audit.action.session.end":             {"session.end", "fin de session"},
		"audit.action.session.end_all":         {"session.end_all", "fin des sessions"},
		"audit.action.invitation.create":       {"invitation.create", "invitation"},
		"audit.action.invitation.accept":       {"invitation.accept", "invitation acceptée"},
		"audit.action.invitation.revoke":       {"invitation.revoke", "invitation révoquée"},
		"audit.action.invitation.resend":       {"invitation.resend", "invitation renvoyée"},
		"audit.action.invitation.extend":       {"invitation.extend", "invitation prolongée"},
		"audit.action.operator.add":            {"operator.add", "ajout d'opérateur"},
		"audit.action.operator.remove":         {"operator.remove", "retrait d'opérateur"},
		"audit.action.org.add":                 {"org.add", "ajout d'établissement"},
		"audit.action.right.add":               {"right.add", "ajout de droit"},
		"audit.action.right.remove":            {"right.remove", "retrait de droit"},
		"audit.action.right.set":               {"right.set", "texte de droit"},
		"audit.action.org.time_zone":           {"org.time_zone", "fuseau horaire"},
	})
}

// The Audit screen's words for a row about an organization.
func init() {
	add(map[string][2]string{
		"audit.target.org": {"org:%s", "%s (établissement)"},
	})
}
