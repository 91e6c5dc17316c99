package i18n

func init() {
	add(map[string][2]string{
		// the last line an SSH session shows when `gatehouse serve` stops
		"ssh.shutdown": {"gatehouse: the server is shutting down; your session is closed.",
			"gatehouse\u00a0: le serveur s'arrête\u00a0; votre session est fermée."},

		// Why an SSH session is refused, on its error stream before it ends.
		"ssh.refused":             {"gatehouse: %s", "gatehouse\u00a0: %s"},
		"ssh.refused.busy":        {"too many sessions (%d), try again later", "trop de sessions ouvertes (%d), réessayez plus tard"},
		"ssh.refused.command":     {"commands are not accepted here; connect without one (ssh -t HOST) to open the console", "les commandes ne sont pas acceptées ici\u00a0; connectez-vous sans commande (ssh -t HÔTE) pour ouvrir la console"},
		"ssh.refused.terminal":    {"the console needs a terminal; connect with ssh -t", "la console a besoin d'un terminal\u00a0; connectez-vous avec ssh -t"},
		"ssh.refused.unknown_key": {"this key (%s) belongs to no operator any more: ask support to register it", "cette clé (%s) n'appartient plus à aucun opérateur\u00a0: demandez au support de l'enregistrer"},
		"ssh.refused.denied":      {"permission denied", "accès refusé"},
		"ssh.refused.lookup":      {"the operators cannot be looked up now (the database does not answer); try again later", "les opérateurs ne peuvent pas être consultés (la base ne répond pas)\u00a0; réessayez plus tard"},
		"ssh.refused.channel":     {"port forwarding and other channels are disabled", "la redirection de ports et les autres canaux sont désactivés"},

		// Why an operator's SSH public key is refused when it is added (%s: its type).
		"ssh.key.type": {"an SSH key of type %s is not accepted: gatehouse serve accepts only ssh-ed25519, sk-ssh-ed25519@openssh.com (on a security key) and ssh-rsa (RSA, signing with SHA-2)",
			"une clé SSH de type %s n'est pas acceptée\u00a0: gatehouse serve n'accepte que ssh-ed25519, sk-ssh-ed25519@openssh.com (sur une clé de sécurité) et ssh-rsa (RSA, signant en SHA-2)"},
	})
}
