package i18n

// The password rules (model.PasswordPolicy): each rule's requirement, written to read well
// next to a pass or fail mark, and the detail added when it fails. None of them ever holds
// the password or a part of it.
func init() {
	add(map[string][2]string{
		"password.refused": {"password rejected", "mot de passe refusé"},

		"password.rule.length.min":     {"at least %d characters (%d so far)", "au moins %d caractères (%d pour l'instant)"},
		"password.rule.length.max":     {"at most %d characters", "au plus %d caractères"},
		"password.rule.length.max.now": {"at most %d characters (%d now)", "au plus %d caractères (%d actuellement)"},

		"password.rule.characters":         {"only visible characters, not only spaces", "uniquement des caractères visibles, pas seulement des espaces"},
		"password.rule.characters.utf8":    {"the text is not valid UTF-8", "le texte n'est pas de l'UTF-8 valide"},
		"password.rule.characters.control": {"contains a control character", "contient un caractère de contrôle"},
		"password.rule.characters.format":  {"contains an invisible or text-direction character", "contient un caractère invisible ou de sens d'écriture"},
		"password.rule.characters.blank":   {"only spaces", "uniquement des espaces"},

		"password.rule.common":          {"not a commonly used password or word, even disguised as P@ssw0rd2024!", "pas un mot de passe ni un mot courant, même déguisé en «\u00a0P@ssw0rd2024!\u00a0»"},
		"password.rule.common.list":     {"one of the most common passwords", "l'un des mots de passe les plus courants"},
		"password.rule.common.word":     {"a common word with digits, symbols or look-alikes", "un mot courant avec des chiffres, des symboles ou des sosies de lettres"},
		"password.rule.common.repeated": {"a common word repeated", "un mot courant répété"},

		"password.rule.pattern":          {"not mostly repeats, sequences or keyboard walks such as aaaa, 1234, qwerty", "pas surtout des répétitions, des suites ou des touches voisines comme aaaa, 1234, azerty"},
		"password.rule.pattern.repeat":   {"mostly repeated characters or blocks", "surtout des caractères ou des blocs répétés"},
		"password.rule.pattern.sequence": {"mostly a sequence", "surtout une suite"},
		"password.rule.pattern.keyboard": {"mostly neighbouring keys", "surtout des touches voisines"},

		"password.rule.context":              {"does not contain your login, e-mail, name or organization, nor the service's name", "ne contient ni votre code d'usager, ni votre courriel, ni votre nom, ni votre établissement, ni le nom du service"},
		"password.rule.context.login":        {"your login code", "votre code d'usager"},
		"password.rule.context.email":        {"your e-mail address", "votre courriel"},
		"password.rule.context.name":         {"your name", "votre nom"},
		"password.rule.context.organization": {"your organization's name", "le nom de votre établissement"},
		"password.rule.context.service":      {"the service's name", "le nom du service"},
		"password.rule.context.contains":     {"contains %s", "contient\u00a0: %s"},

		"password.rule.reuse":               {"not one of your last %d passwords", "différent de vos %d derniers mots de passe"},
		"password.rule.composition":         {"an upper-case and a lower-case letter, a digit and a symbol", "une majuscule, une minuscule, un chiffre et un symbole"},
		"password.rule.composition.missing": {"missing: %s", "manque\u00a0: %s"},
		"password.rule.composition.upper":   {"upper-case letter", "majuscule"},
		"password.rule.composition.lower":   {"lower-case letter", "minuscule"},
		"password.rule.composition.digit":   {"digit", "chiffre"},
		"password.rule.composition.symbol":  {"symbol", "symbole"},
		"password.rule.confirm":             {"the two passwords must match", "les deux mots de passe doivent être identiques"},

		"password.strength.0": {"very weak", "très faible"},
		"password.strength.1": {"weak", "faible"},
		"password.strength.2": {"fair", "moyen"},
		"password.strength.3": {"strong", "fort"},
		"password.strength.4": {"very strong", "très fort"},
	})
}

// The rules that speak of the account's owner, as an operator reads them when choosing the
// password of someone else (PasswordContext.ForOperator).
func init() {
	add(map[string][2]string{
		"password.rule.context.user":              {"does not contain the user's login code, e-mail, name or organization, nor the service's name", "ne contient ni le code d'usager, ni le courriel, ni le nom de l'utilisateur, ni son établissement, ni le nom du service"},
		"password.rule.context.login.user":        {"their login code", "son code d'usager"},
		"password.rule.context.email.user":        {"their e-mail address", "son courriel"},
		"password.rule.context.name.user":         {"their name", "son nom"},
		"password.rule.context.organization.user": {"their organization's name", "le nom de son établissement"},
		"password.rule.reuse.user":                {"not one of the user's last %d passwords", "différent des %d derniers mots de passe de l'utilisateur"},
	})
}
