package cli

import (
	"strings"
	"testing"
)

// TestConfigHelpNamesEverySetting: the usage's configuration section is made from the
// settings table, so every setting (registered ones too) has a line with its file key, its
// environment variable and its flag.
func TestConfigHelpNamesEverySetting(t *testing.T) {
	isolate(t)
	prev := settings
	t.Cleanup(func() { settings = prev })
	registerSetting("added_later", "GATEHOUSE_ADDED_LATER")
	_, out, _ := run(t, "--help")
	_, section, ok := strings.Cut(out, "\nConfiguration:")
	if !ok {
		t.Fatalf("no configuration section in the usage:\n%s", out)
	}
	lines := strings.Split(section, "\n")
	for _, s := range settings {
		want := []string{s.key, s.env}
		if s.flag != "" {
			want = append(want, "--"+s.flag)
		}
		found := false
		for _, l := range lines {
			if f := strings.Fields(l); len(f) > 0 && f[0] == s.key {
				found = true
				if strings.Join(f, " ") != strings.Join(want, " ") {
					t.Errorf("setting %s: line %q, want %v", s.key, l, want)
				}
			}
		}
		if !found {
			t.Errorf("setting %s (%s) missing from the usage:\n%s", s.key, s.env, section)
		}
	}
	for _, want := range []string{"ssh_listen", "ssh_host_key", "GATEHOUSE_OUTBOX_KEY ", "GATEHOUSE_CONFIG", "--config"} {
		if !strings.Contains(section, want) {
			t.Errorf("configuration section lacks %q:\n%s", want, section)
		}
	}
}
