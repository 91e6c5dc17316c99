package cli

import (
	"os"
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

// TestIsolateClearsTheDevelopersEnvironment: with every setting's variable set (the demo
// setting among them), a test's isolate leaves none, and the configuration it loads uses
// neither the demo's database nor the developer's.
func TestIsolateClearsTheDevelopersEnvironment(t *testing.T) {
	for _, s := range settings {
		if s.env != "" {
			t.Setenv(s.env, "from-the-developer")
		}
	}
	t.Setenv("GATEHOUSE_DEMO", "1")
	t.Setenv("DATABASE_URL", "postgres://developer@elsewhere/db")
	t.Setenv("GATEHOUSE_CONFIG", "/nonexistent/developer/config")
	t.Setenv("GATEHOUSE_OUTBOX_KEY", "from-the-developer")
	isolate(t)
	for _, s := range settings {
		if v := os.Getenv(s.env); s.env != "" && v != "" && s.env != "GATEHOUSE_DATA_DIR" {
			t.Errorf("%s is still %q", s.env, v)
		}
	}
	for _, v := range []string{"GATEHOUSE_CONFIG", "GATEHOUSE_OUTBOX_KEY"} {
		if os.Getenv(v) != "" {
			t.Errorf("%s is still set", v)
		}
	}
	cfg, err := loadConfig(newFlags(&env{}, &command{name: "x"}, true).global)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Demo || cfg.DatabaseURL != "" || cfg.DataDir == "from-the-developer" {
		t.Fatalf("after isolate the configuration is %+v", cfg)
	}
}
