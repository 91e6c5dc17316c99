package i18n

// Replacing an identifier (an invitation to a new e-mail carrying an account's memberships
// and rights, the account deleted on acceptance) and bringing back a deleted account: the
// e-mail's additions, the User screen's keys, questions and answers.
func init() {
	add(map[string][2]string{
		// The replacement's e-mail: each organization with its rights, and what accepting does.
		"mail.replace.org":       {"%s: %s", "%s\u00a0: %s"},
		"mail.replace.norights":  {"no rights", "aucun droit"},
		"mail.replace.note":      {"This invitation replaces your former identifier on the portal: it is deleted when you accept.", "Cette invitation remplace votre ancien compte du portail\u00a0: il sera supprimé dès que vous l'aurez acceptée."},
		"user.key.replace":       {"replace identifier", "remplacer le compte"},
		"user.key.undelete":      {"undelete", "restaurer le compte"},
		"user.prompt.replace":    {"New e-mail address of %s (the replacement is sent there):", "Nouvelle adresse de courriel de %s (le remplacement y sera envoyé)\u00a0:"},
		"user.prompt.replace.to": {"Name on the new identifier:", "Nom sur le nouveau compte\u00a0:"},
		"user.replace.ask": {
			"Invite %s <%s> with: %s. Left out: %s. %s is deleted when the invitation is accepted. Send? (y/n)",
			"Inviter %s <%s> avec\u00a0: %s. Laissé de côté\u00a0: %s. %s sera supprimé dès que l'invitation sera acceptée. Envoyer\u00a0? (o/n)"},
		"user.replace.org":        {"%s: %s", "%s\u00a0: %s"},
		"user.replace.norights":   {"no rights", "aucun droit"},
		"user.replace.leftout":    {"%s: %s (not yours to grant)", "%s\u00a0: %s (vous ne pouvez pas l'accorder)"},
		"user.replace.nothingout": {"nothing", "rien"},
		"user.replace.link":       {"Replacement sent to %s (login code %s); %s is deleted when it is accepted. Its link is in the e-mail.", "Remplacement envoyé à %s (code d'usager %s)\u00a0; %s sera supprimé dès que le remplacement sera accepté. Le lien est dans le courriel."},
		"user.replace.same":       {"This is the account's own e-mail address: give the person's new one.", "C'est déjà l'adresse de courriel du compte\u00a0: donnez la nouvelle adresse de la personne."},
		"user.replace.open":       {"A replacement of this account is already open (invitation #%d): revoke it first.", "Un remplacement de ce compte est déjà en cours (invitation n°\u00a0%d)\u00a0: révoquez-la d'abord."},
		"user.replace.exists":     {"This e-mail address already belongs to %s (%s): it cannot be the new identifier.", "Cette adresse de courriel appartient déjà à %s (%s)\u00a0: elle ne peut pas servir au nouveau compte."},
		"user.replace.invited":    {"This e-mail address already has an open invitation: revoke or resend it.", "Cette adresse de courriel a déjà une invitation en cours\u00a0: révoquez-la ou renvoyez-la."},
		"user.replace.nothing":    {"This account belongs to no organization: invite the person instead.", "Ce compte n'appartient à aucun établissement\u00a0: invitez plutôt la personne."},

		"user.prompt.undelete":        {"Undelete %s (it comes back disabled, without a password). Reason:", "Restaurer %s (il revient désactivé, sans mot de passe). Motif\u00a0:"},
		"user.done.undelete":          {"%s is back, disabled: set a temporary password (t), then enable it (e).", "%s est restauré, désactivé\u00a0: définissez un mot de passe temporaire (t), puis activez-le (e)."},
		"user.undelete.too_old":       {"Not undeleted: deleted on %s, more than 30 days ago.", "Non restauré\u00a0: supprimé le %s, il y a plus de 30 jours."},
		"user.undelete.email_taken":   {"Not undeleted: another account uses its e-mail address now.", "Non restauré\u00a0: un autre compte utilise maintenant son adresse de courriel."},
		"user.undelete.login_taken":   {"Not undeleted: another account uses its login code now.", "Non restauré\u00a0: un autre compte utilise maintenant son code d'usager."},
		"user.unavailable.notdeleted": {"This account is not deleted.", "Ce compte n'est pas supprimé."},
	})
}
