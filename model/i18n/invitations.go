package i18n

// Messages of the Invitations screen's actions (the screen's other texts are in invite.go).
func init() {
	add(map[string][2]string{
		"invitations.noaccount": {"No account to open: the invitee has none yet.", "Aucun compte à ouvrir\u00a0: la personne invitée n'en a pas encore."},
		"invitations.nolink":    {"No new link to copy: resend an invitation first (r).", "Aucun nouveau lien à copier\u00a0: renvoyez d'abord une invitation (r)."},
	})
}
