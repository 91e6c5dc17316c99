package i18n

// The User screen (edit form, password panel, account actions), the e-mails its actions
// send, and `gatehouse reset`.
func init() {
	add(map[string][2]string{
		// E-mails (NIST §4.2: every recovery action is notified). No secret in any of them.
		"mail.password_set.subject":   {"Your password was changed", "Votre mot de passe a été changé"},
		"mail.password_set.body":      {"An operator set a new password for your portal account (%s) on %s UTC. Your open sessions were closed.\nIf you did not ask for this, contact your administrator.", "Un opérateur a défini un nouveau mot de passe pour votre compte du portail (%s) le %s UTC. Vos sessions ouvertes ont été fermées.\nSi vous n'en avez pas fait la demande, contactez votre administrateur."},
		"mail.password_reset.subject": {"Your password was reset", "Votre mot de passe a été réinitialisé"},
		"mail.password_reset.body":    {"The password of your portal account (%s) was changed with a reset link on %s UTC. Your account is unlocked and your open sessions were closed.\nIf this was not you, contact your administrator now.", "Le mot de passe de votre compte du portail (%s) a été changé avec un lien de réinitialisation le %s UTC. Votre compte est déverrouillé et vos sessions ouvertes ont été fermées.\nSi ce n'était pas vous, contactez votre administrateur sans attendre."},
		"mail.totp_reset.subject":     {"Two-factor authentication was reset", "L'authentification à deux facteurs a été réinitialisée"},
		"mail.totp_reset.body":        {"An operator turned off the authenticator app of your portal account (%s) on %s UTC. At your next login you will be asked to set it up again on your new device.", "Un opérateur a désactivé l'application d'authentification de votre compte du portail (%s) le %s UTC. À votre prochaine connexion, vous devrez la configurer à nouveau sur votre nouvel appareil."},
		"mail.email_changed.subject":  {"The e-mail address of your account was changed", "L'adresse e-mail de votre compte a été changée"},
		"mail.email_changed.body":     {"The e-mail address of your portal account (%s) was changed from %s to %s by an operator on %s UTC.\nIf you did not ask for this, contact your administrator.", "L'adresse e-mail de votre compte du portail (%s) a été changée de %s en %s par un opérateur le %s UTC.\nSi vous n'en avez pas fait la demande, contactez votre administrateur."},
		"mail.login_code.subject":     {"Your login code", "Votre code d'usager"},
		"mail.login_code.body":        {"As requested, here is the login code of your portal account: %s\n(sent on %s UTC). Type it as shown, without spaces before or after.", "Comme demandé, voici le code d'usager de votre compte du portail : %s\n(envoyé le %s UTC). Saisissez-le tel quel, sans espace avant ni après."},
	})
}
