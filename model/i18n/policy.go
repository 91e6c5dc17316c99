package i18n

// Why an action is not offered in a session (model.Operator.May's reasons).
func init() {
	add(map[string][2]string{
		"policy.readonly": {"This session is read-only: nothing can be changed.",
			"Session en lecture seule\u00a0: rien ne peut être modifié."},
		"policy.oncall": {"On-call operators may only unlock accounts and reset failure counters.",
			"Les opérateurs d'astreinte peuvent seulement déverrouiller des comptes et remettre à zéro les compteurs d'échecs."},
		"policy.support.only": {"Only support operators may do this.",
			"Seuls les opérateurs du support peuvent faire cela."},
		"policy.role": {"Your role does not allow this.",
			"Votre rôle ne permet pas cette action."},
	})
}
