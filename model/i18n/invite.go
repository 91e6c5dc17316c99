package i18n

// Invitations: the e-mails, the invite wizard, the Invitations screen and the accept command.
func init() {
	add(map[string][2]string{
		// e-mails (the link is the sealed {{secret}}, filled in at delivery)
		"mail.invite.subject": {"Your invitation to the %s customer portal", "Votre invitation au portail client de %s"},
		"mail.invite.body": {
			"You are invited to the customer portal of %s.\nYour login code: %s\nYour rights: %s\n\nChoose your password and activate your account with this link, usable once, valid until %s UTC:\n\n{{secret}}",
			"Vous êtes invité(e) au portail client de %s.\nVotre code d'usager : %s\nVos droits : %s\n\nChoisissez votre mot de passe et activez votre compte avec ce lien, utilisable une seule fois, valable jusqu'au %s UTC :\n\n{{secret}}"},
		"mail.invite.existing.body": {
			"You are given access to %s on the customer portal, with your account %s.\nYour rights there: %s\n\nAccept with this link, usable once, valid until %s UTC (no new password is needed):\n\n{{secret}}",
			"Vous avez reçu l'accès à l'établissement %s sur le portail client, avec votre compte %s.\nVos droits : %s\n\nAcceptez avec ce lien, utilisable une seule fois, valable jusqu'au %s UTC (aucun nouveau mot de passe n'est demandé) :\n\n{{secret}}"},
	})
}
