package i18n

// Messages of the outbox in the console: the Outbox screen, the flash of a delivery failure,
// an account's recent e-mails, the mark of the Users list.
func init() {
	add(map[string][2]string{
		"outbox.title":       {"Outbox", "Boîte d'envoi"},
		"outbox.label":       {"%s:", "%s\u00a0:"}, // a label before its value
		"outbox.empty":       {"No e-mail is waiting or failed.", "Aucun courriel en attente ni en échec."},
		"outbox.filter.open": {"pending and failed", "en attente et en échec"},
		"outbox.filter.hint": {"s: pending / failed · enter: the whole e-mail", "s\u00a0: en attente / en échec · entrée\u00a0: le courriel en entier"},
		"outbox.page":        {"Page %d", "Page %d"},
		"outbox.more":        {"older e-mails follow (pgdn)", "des courriels plus anciens suivent (pgdn)"},

		"outbox.status.pending":   {"pending", "en attente"},
		"outbox.status.failed":    {"failed", "en échec"},
		"outbox.status.sent":      {"sent", "envoyé"},
		"outbox.status.cancelled": {"cancelled", "annulé"},

		"outbox.kind.invitation": {"invitation", "invitation"},
		"outbox.kind.reset_link": {"reset link", "réinitialisation"},
		"outbox.kind.login_code": {"login code", "code d'usager"},
		"outbox.kind.notice":     {"notice", "avis"},

		"outbox.col.queued": {"Queued", "Mis en file"},
		"outbox.col.status": {"Status", "État"},
		"outbox.col.kind":   {"E-mail", "Courriel"},
		"outbox.col.to":     {"To", "Destinataire"},
		"outbox.col.orgs":   {"Organization", "Établissement"},
		"outbox.col.tries":  {"Tries", "Essais"},
		"outbox.col.next":   {"Next try", "Prochain essai"},
		"outbox.col.answer": {"Server's answer", "Réponse du serveur"},
		"outbox.col.when":   {"When", "Quand"},

		"outbox.key.state":   {"pending / failed", "en attente / en échec"},
		"outbox.key.detail":  {"the whole e-mail", "le courriel en entier"},
		"outbox.key.retry":   {"send again now", "renvoyer maintenant"},
		"outbox.key.cancel":  {"cancel the e-mail", "annuler le courriel"},
		"outbox.key.newlink": {"send a new link", "envoyer un nouveau lien"},
		"outbox.key.account": {"open the account", "ouvrir le compte"},

		"outbox.confirm.cancel":     {"Cancel this e-mail (%s) to %s? It will never be sent.", "Annuler ce courriel (%s) à %s\u00a0? Il ne sera jamais envoyé."},
		"outbox.confirm.reset":      {"Send %s a new reset link (to %s)?", "Envoyer à %s un nouveau lien de réinitialisation (à %s)\u00a0?"},
		"outbox.confirm.invitation": {"Send the invitation again to %s? A new link; the old one stops working.", "Renvoyer l'invitation à %s\u00a0? Un nouveau lien\u00a0; l'ancien cesse de fonctionner."},

		"outbox.retried":         {"E-mail #%d is due now: the mailer sends it at its next round.", "Le courriel n°\u00a0%d est à envoyer maintenant\u00a0: il partira au prochain passage de l'envoi."},
		"outbox.cancelled":       {"E-mail #%d cancelled: it will never be sent.", "Courriel n°\u00a0%d annulé\u00a0: il ne sera jamais envoyé."},
		"outbox.reset.sent":      {"A new reset link for %s is queued.", "Un nouveau lien de réinitialisation pour %s est mis en file."},
		"outbox.invitation.sent": {"The invitation to %s is sent again with a new link.", "L'invitation à %s est renvoyée avec un nouveau lien."},

		// Why an e-mail cannot be sent again as it is, and what makes a new one.
		"outbox.refused.link_dropped":      {"Its link was dropped when it failed (a link is never kept after a failure): it cannot be sent again as it is.", "Son lien a été effacé à l'échec (un lien n'est jamais gardé après un échec)\u00a0: il ne peut pas être renvoyé tel quel."},
		"outbox.refused.link_replaced":     {"A later e-mail carries a new link: this one's no longer works.", "Un courriel plus récent porte un nouveau lien\u00a0: celui-ci ne fonctionne plus."},
		"outbox.refused.link_expired":      {"The link it carries has expired.", "Le lien qu'il porte a expiré."},
		"outbox.refused.invitation_closed": {"Its invitation was accepted or revoked: there is nothing to send.", "Son invitation a été acceptée ou révoquée\u00a0: il n'y a rien à envoyer."},
		"outbox.refused.not_open":          {"This e-mail is %s already.", "Ce courriel est déjà %s."},
		"outbox.refused.not_pending":       {"Only a pending e-mail can be cancelled; this one is %s.", "Seul un courriel en attente peut être annulé\u00a0; celui-ci est %s."},
		"outbox.remedy.send_reset":         {"n sends a new reset link.", "n envoie un nouveau lien de réinitialisation."},
		"outbox.remedy.resend_invitation":  {"n sends the invitation again with a new link.", "n renvoie l'invitation avec un nouveau lien."},
		"outbox.nolink":                    {"Only a reset link or an invitation has a link to make anew; r sends this e-mail again.", "Seuls un lien de réinitialisation et une invitation ont un lien à refaire\u00a0; r renvoie ce courriel."},
		"outbox.noaccount":                 {"This e-mail concerns no account.", "Ce courriel ne concerne aucun compte."},
		"outbox.replaced":                  {"replaced by #%d", "remplacé par le n°\u00a0%d"},
		"outbox.link.dropped":              {"link dropped", "lien effacé"},

		// The whole e-mail (enter).
		"outbox.f.id":       {"E-mail", "Courriel"},
		"outbox.f.kind":     {"Kind", "Type"},
		"outbox.f.status":   {"Status", "État"},
		"outbox.f.to":       {"To", "Destinataire"},
		"outbox.f.account":  {"Account", "Compte"},
		"outbox.f.orgs":     {"Organizations", "Établissements"},
		"outbox.f.subject":  {"Subject", "Objet"},
		"outbox.f.queued":   {"Queued", "Mis en file"},
		"outbox.f.tries":    {"Attempts", "Essais"},
		"outbox.f.next":     {"Next attempt", "Prochain essai"},
		"outbox.f.sent":     {"Sent", "Envoyé"},
		"outbox.f.answer":   {"The server's last answer", "Dernière réponse du serveur"},
		"outbox.f.noanswer": {"No answer recorded: not tried yet.", "Aucune réponse enregistrée\u00a0: pas encore essayé."},
		"outbox.detail.hint": {"esc or enter: back to the list · ↑/↓: the previous or next e-mail",
			"échap ou entrée\u00a0: retour à la liste · ↑/↓\u00a0: courriel précédent ou suivant"},

		// The flash of a delivery failure, on whatever screen the operator is.
		"outbox.flash.one":  {"E-mail not delivered: %s to %s: %s (see :outbox)", "Courriel non remis\u00a0: %s à %s\u00a0: %s (voir :courriels)"},
		"outbox.flash.many": {"%d e-mails not delivered, the latest: %s to %s: %s (see :outbox)", "%d courriels non remis, dont le dernier\u00a0: %s à %s\u00a0: %s (voir :courriels)"},

		// An account's recent e-mails (the User screen).
		"mailpane.title": {"Recent e-mails", "Courriels récents"},
		"mailpane.empty": {"No e-mail to this account yet.", "Aucun courriel à ce compte pour l'instant."},

		// The Users list's mark of an account whose latest e-mail failed.
		"users.mail.failed.mark":   {"✉✗ ", "✉✗ "},
		"users.mail.failed.legend": {"✉✗ latest e-mail not delivered (:outbox)", "✉✗ dernier courriel non remis (:courriels)"},
	})
}
