package i18n

// E-mails sent to portal users. Bodies never hold a secret in clear: a link with a token is
// written as {{secret}} and filled in at delivery from the sealed outbox column. A date is
// given as the stamp "2006-01-02 15:04 UTC"; the outbox writes it for the recipient, in their
// language and their organization's time zone (LongDate).
func init() {
	add(map[string][2]string{
		"mail.greeting":  {"Hello %s,", "Bonjour %s,"},
		"mail.signature": {"— The customer portal team\n(This message was sent automatically; if you did not expect it, contact your administrator.)", "— L'équipe du portail client\n(Ce message est envoyé automatiquement\u00a0; si vous ne l'attendiez pas, contactez votre administrateur.)"},

		"mail.unlock.subject": {"Your account was unlocked", "Votre compte a été déverrouillé"},
		"mail.unlock.body":    {"Your portal account (%s) was unlocked by an operator on %s UTC.", "Votre compte du portail (%s) a été déverrouillé par un opérateur le %s UTC."},

		"mail.reset.subject": {"Reset your password", "Réinitialisez votre mot de passe"},
		"mail.reset.body":    {"A password reset was requested for your account (%s) on %s UTC.\nChoose a new password with this link, valid for one hour and usable once:\n\n{{secret}}\n\nIf your account was locked, completing the reset unlocks it.", "Une réinitialisation du mot de passe a été demandée pour votre compte (%s) le %s UTC.\nChoisissez un nouveau mot de passe avec ce lien, valable une heure et utilisable une seule fois\u00a0:\n\n{{secret}}\n\nSi votre compte était verrouillé, la réinitialisation le déverrouille."},
	})
}
