package i18n

func init() {
	add(map[string][2]string{
		// the last line an SSH session shows when `gatehouse serve` stops
		"ssh.shutdown": {"gatehouse: the server is shutting down; your session is closed.",
			"gatehouse\u00a0: le serveur s'arrête\u00a0; votre session est fermée."},
	})
}
