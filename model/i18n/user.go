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
		"mail.email_changed.subject":  {"The e-mail address of your account was changed", "L'adresse courriel de votre compte a été changée"},
		"mail.email_changed.body":     {"The e-mail address of your portal account (%s) was changed from %s to %s by an operator on %s UTC.\nIf you did not ask for this, contact your administrator.", "L'adresse courriel de votre compte du portail (%s) est passée de %s à %s\u00a0; un opérateur l'a changée le %s UTC.\nSi vous n'en avez pas fait la demande, contactez votre administrateur."},
		"mail.login_code.subject":     {"Your login code", "Votre code d'usager"},
		"mail.login_code.body":        {"As requested, here is the login code of your portal account: %s\nSent on %s UTC. Type it as shown, without spaces before or after.", "Comme demandé, voici le code d'usager de votre compte du portail\u00a0: %s\nEnvoyé le %s UTC. Saisissez-le tel quel, sans espace avant ni après."},
	})

	add(map[string][2]string{
		// User screen: keys.
		"user.key.save":       {"save", "enregistrer"},
		"user.key.next":       {"next field", "champ suivant"},
		"user.key.prev":       {"previous field", "champ précédent"},
		"user.key.toggle":     {"tick / untick", "cocher / décocher"},
		"user.key.reload":     {"reload", "recharger"},
		"user.key.password":   {"set password", "définir le mot de passe"},
		"user.key.temp":       {"temporary password", "mot de passe temporaire"},
		"user.key.resetlink":  {"send reset link", "envoyer un lien de réinitialisation"},
		"user.key.logincode":  {"e-mail login code", "envoyer le code d'usager"},
		"user.key.unlock":     {"unlock", "déverrouiller"},
		"user.key.totp":       {"reset 2FA", "réinitialiser la 2FA"},
		"user.key.disable":    {"disable", "désactiver"},
		"user.key.enable":     {"enable", "activer"},
		"user.key.delete":     {"delete", "supprimer"},
		"user.key.endsession": {"end this session", "fermer cette session"},
		"user.key.endall":     {"end all sessions", "fermer toutes les sessions"},
		"user.key.copy":       {"copy", "copier"},

		// User screen: form.
		"user.email.supportonly":     {"(changed by support only)", "(modifiable par le support uniquement)"},
		"user.password.setnodate":    {"set", "défini"},
		"user.status.hint":           {"space: enable / disable", "espace\u00a0: activer / désactiver"},
		"user.sessions":              {"Open sessions (%d)", "Sessions ouvertes (%d)"},
		"user.no.sessions":           {"No open session.", "Aucune session ouverte."},
		"user.rights.readonly":       {"rights you may not grant are greyed", "les droits que vous ne pouvez pas accorder sont grisés"},
		"user.dirty":                 {"Unsaved changes — ctrl+s saves, esc discards.", "Modifications non enregistrées — ctrl+s enregistre, échap abandonne."},
		"user.conflict":              {"Changed meanwhile by another operator: %s. ctrl+r reloads and keeps your edits; then ctrl+s saves them.", "Modifié entre-temps par un autre opérateur\u00a0: %s. ctrl+r recharge en gardant vos modifications\u00a0; puis ctrl+s les enregistre."},
		"user.conflict.unknown":      {"the account", "le compte"},
		"user.fieldname.name":        {"name", "nom"},
		"user.fieldname.email":       {"e-mail", "courriel"},
		"user.fieldname.status":      {"status", "statut"},
		"user.fieldname.memberships": {"organizations and rights", "établissements et droits"},
		"user.fieldname.password":    {"password", "mot de passe"},
		"user.fieldname.totp":        {"2FA", "2FA"},
		"user.fieldname.lock":        {"lock state", "verrouillage"},
		"user.saved":                 {"Saved.", "Enregistré."},
		"user.nothing":               {"Nothing to save.", "Rien à enregistrer."},
		"user.reloaded.kept":         {"Reloaded; your edits are kept — ctrl+s saves them.", "Rechargé\u00a0; vos modifications sont conservées — ctrl+s les enregistre."},
		"user.err.name":              {"Enter a name of 1 to 200 characters, without control characters.", "Saisissez un nom de 1 à 200 caractères, sans caractère de contrôle."},
		"user.err.email":             {"Enter a valid e-mail address, such as marie.dupont@example.org.", "Saisissez une adresse courriel valide, par exemple marie.dupont@example.org."},
		"user.err.emailtaken":        {"Another account already uses this e-mail address.", "Un autre compte utilise déjà cette adresse courriel."},
		"user.discard.ask":           {"Discard your unsaved changes? (y/n)", "Abandonner vos modifications non enregistrées\u00a0? (o/n)"},

		// User screen: password panel.
		"user.pw.title":      {"New password for %s", "Nouveau mot de passe pour %s"},
		"user.pw.new":        {"New password", "Nouveau mot de passe"},
		"user.pw.confirm":    {"Confirm password", "Confirmez le mot de passe"},
		"user.pw.mustchange": {"Must change at next login (recommended)", "Changement obligatoire à la prochaine connexion (recommandé)"},
		"user.pw.reuse":      {"not one of the last %d passwords (checked when saving)", "différent des %d derniers mots de passe (vérifié à l'enregistrement)"},
		"user.pw.match":      {"the two passwords match", "les deux mots de passe doivent être identiques"},
		"user.pw.strength":   {"Strength: %s", "Robustesse\u00a0: %s"},
		"user.pw.hint":       {"tab: next field · space: tick · enter or ctrl+s: save · esc: cancel", "tab\u00a0: champ suivant · espace\u00a0: cocher · entrée ou ctrl+s\u00a0: enregistrer · échap\u00a0: annuler"},
		"user.pw.saving":     {"Hashing and saving…", "Hachage et enregistrement…"},
		"user.pw.refused":    {"Refused, nothing was saved:", "Refusé, rien n'a été enregistré\u00a0:"},
		"user.pw.done":       {"Password set for %s: sessions ended, user notified.", "Mot de passe défini pour %s\u00a0: sessions fermées, utilisateur prévenu."},

		// User screen: temporary password.
		"user.temp.ask":    {"Generate a temporary password for %s? It replaces the current password and ends their sessions. (y/n)", "Générer un mot de passe temporaire pour %s\u00a0? Il remplace le mot de passe actuel et ferme ses sessions. (o/n)"},
		"user.temp.title":  {"Temporary password for %s — shown once", "Mot de passe temporaire pour %s — affiché une seule fois"},
		"user.temp.note":   {"Valid 72 hours if unused; must be changed at the first login.", "Valable 72 heures s'il n'est pas utilisé\u00a0; à changer à la première connexion."},
		"user.temp.hint":   {"c: copy to your clipboard · esc: close (it will not be shown again)", "c\u00a0: copier dans votre presse-papiers · échap\u00a0: fermer (il ne sera plus affiché)"},
		"user.temp.copied": {"Sent to your clipboard (OSC 52; if your terminal allows it).", "Envoyé dans votre presse-papiers (OSC 52\u00a0; si votre terminal l'autorise)."},
		"user.temp.nocopy": {"No terminal to copy to.", "Aucun terminal où copier."},

		// User screen: actions.
		"user.ask.resetlink":   {"Send a reset link to %s? (y/n)", "Envoyer un lien de réinitialisation à %s\u00a0? (o/n)"},
		"user.ask.logincode":   {"E-mail the login code to %s? (y/n)", "Envoyer le code d'usager par courriel à %s\u00a0? (o/n)"},
		"user.ask.disable":     {"Disable %s? Their sessions end. (y/n)", "Désactiver %s\u00a0? Ses sessions seront fermées. (o/n)"},
		"user.ask.enable":      {"Enable %s again? (y/n)", "Réactiver %s\u00a0? (o/n)"},
		"user.ask.endall":      {"End every open session of %s? (y/n)", "Fermer toutes les sessions ouvertes de %s\u00a0? (o/n)"},
		"user.ask.endsession":  {"End this session? (y/n)", "Fermer cette session\u00a0? (o/n)"},
		"user.prompt.unlock":   {"Reason for unlocking:", "Motif du déverrouillage\u00a0:"},
		"user.prompt.totp":     {"Reset 2FA for %s (they set it up again at their next login). Reason:", "Réinitialiser la 2FA de %s (il la configurera à nouveau à sa prochaine connexion). Motif\u00a0:"},
		"user.prompt.delete":   {"Type the account's e-mail (%s) to delete it:", "Tapez le courriel du compte (%s) pour le supprimer\u00a0:"},
		"user.done.resetlink":  {"Reset link e-mailed to %s.", "Lien de réinitialisation envoyé à %s."},
		"user.done.logincode":  {"Login code e-mailed to %s.", "Code d'usager envoyé à %s."},
		"user.done.unlock":     {"%s unlocked.", "%s déverrouillé."},
		"user.done.totp":       {"2FA reset for %s; they re-enroll at their next login.", "2FA réinitialisée pour %s\u00a0; nouvelle configuration à sa prochaine connexion."},
		"user.done.disable":    {"%s disabled; sessions ended.", "%s désactivé\u00a0; sessions fermées."},
		"user.done.enable":     {"%s enabled.", "%s réactivé."},
		"user.done.delete":     {"%s deleted.", "%s supprimé."},
		"user.done.endsession": {"Session ended.", "Session fermée."},
		"user.done.endall":     {"%d sessions ended.", "%d sessions fermées."},

		// User screen: why an action cannot run now (said on the flash line instead of asking).
		"user.unavailable.deleted":   {"This account is deleted: nothing can be changed.", "Ce compte est supprimé\u00a0: rien ne peut être modifié."},
		"user.unavailable.busy":      {"Wait: the previous action is still running.", "Patientez\u00a0: l'action précédente est en cours."},
		"user.unavailable.shared":    {"This account also belongs to another organization: ask support.", "Ce compte appartient aussi à un autre établissement\u00a0: demandez au support."},
		"user.unavailable.notlocked": {"This account is not locked and has no failed attempts to clear.", "Ce compte n'est pas verrouillé et n'a aucun échec à effacer."},
		"user.unavailable.no2fa":     {"2FA is not set up for this account.", "La 2FA n'est pas configurée pour ce compte."},
		"user.unavailable.disabled":  {"This account is already disabled.", "Ce compte est déjà désactivé."},
		"user.unavailable.enabled":   {"This account is not disabled.", "Ce compte n'est pas désactivé."},
		"user.unavailable.nosession": {"Move to the open sessions first (tab), then to the session.", "Placez-vous d'abord sur les sessions ouvertes (tab), puis sur la session."},
		"user.unavailable.notick":    {"Nothing to tick here: move to a box first (tab).", "Rien à cocher ici\u00a0: placez-vous d'abord sur une case (tab)."},

		// User screen: the columns of the sessions and events panes.
		"user.col.opened": {"Opened", "Ouverte"},
		"user.col.seen":   {"Last seen", "Dernière activité"},
		"user.col.ip":     {"Address", "Adresse"},
		"user.col.agent":  {"Browser", "Navigateur"},
		"user.col.at":     {"When", "Quand"},
		"user.col.event":  {"Event", "Événement"},
		"user.col.reason": {"Reason", "Motif"},
	})
}
