package i18n

// Messages of the console's shared components (the prompt, the list pane).
func init() {
	add(map[string][2]string{
		"prompt.yes.key":        {"y/enter", "o/entrée"},
		"prompt.yes":            {"yes", "oui"},
		"prompt.no.key":         {"n/esc", "n/échap"},
		"prompt.no":             {"no", "non"},
		"prompt.submit":         {"send", "valider"},
		"prompt.cancel":         {"cancel", "annuler"},
		"prompt.option":         {"%s: %s [%s]", "%s\u00a0: %s [%s]"},
		"key.tabs.next":         {"next pane", "volet suivant"},
		"key.tabs.prev":         {"previous pane", "volet précédent"},
		"prompt.typed.mismatch": {"That is not the expected text; nothing changed.", "Ce n'est pas le texte attendu\u00a0; rien n'a changé."},
	})
}
