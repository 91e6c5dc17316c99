package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gatehouse/store"
)

// setting is one configuration key: its flag (if any), environment variable and file key.
type setting struct {
	key  string // in the config file
	flag string // global flag name, "" if the setting has no global flag
	env  string // environment variable
}

// settings in precedence order of their sources: flag, then environment, then config file.
// Commands added later can extend it with registerSetting (e.g. a listen address for serve).
var settings = []setting{
	{key: "database_url", flag: "database-url", env: "DATABASE_URL"},
	{key: "read_database_url", flag: "read-database-url", env: "GATEHOUSE_READ_DATABASE_URL"},
	{key: "data_dir", flag: "data-dir", env: "GATEHOUSE_DATA_DIR"},
	{key: "demo", flag: "demo", env: "GATEHOUSE_DEMO"},
	{key: "lang", flag: "lang", env: "GATEHOUSE_LANG"},
	{key: "smtp_url", env: "GATEHOUSE_SMTP_URL"},
	{key: "outbox_key_file", env: "GATEHOUSE_OUTBOX_KEY_FILE"},
	{key: "portal_url", flag: "portal-url", env: "GATEHOUSE_PORTAL_URL"},
	{key: "mail_from", env: "GATEHOUSE_MAIL_FROM"},
	{key: "portal_listen", env: "GATEHOUSE_PORTAL_LISTEN"},
	{key: "portal_trusted_proxies", env: "GATEHOUSE_PORTAL_TRUSTED_PROXIES"},
}

// registerSetting adds a config-file key (and its environment variable) for a command
// defined in another file; call it from init. Without it, the key is an error in the file.
func registerSetting(key, envVar string) {
	settings = append(settings, setting{key: key, env: envVar})
}

const globalFlagsHelp = `Global flags (every command that uses the database):
  --database-url URL       PostgreSQL URL (default: the embedded cluster in the data directory)
  --read-database-url URL  a read replica for lists and searches
  --data-dir DIR           state directory of the embedded cluster and the outbox key
  --demo                   use the demo's database (gatehouse_demo, made by gatehouse demo)
  --lang en|fr             language of the console
  --config FILE            configuration file
  --portal-url URL         base of the portal's pages, for the links in e-mails

`

// configHelp describes where the configuration comes from, one line per setting of the
// table (registered ones included: call it after init).
func configHelp() string {
	var b strings.Builder
	b.WriteString(`Configuration: flags first, then the environment, then the file
$XDG_CONFIG_HOME/gatehouse/config (default ~/.config/gatehouse/config; another with --config
FILE or GATEHOUSE_CONFIG) of key = value lines, # starting a comment line:
`)
	t := &table{header: []string{"  FILE KEY", "ENVIRONMENT", "FLAG"}}
	for _, s := range settings {
		flag := ""
		if s.flag != "" {
			flag = "--" + s.flag
		}
		t.add("  "+s.key, s.env, flag)
	}
	t.add("", "GATEHOUSE_OUTBOX_KEY", "(environment only: hex or base64 of 32 bytes)")
	var rows strings.Builder
	_ = t.write(&rows) // a strings.Builder does not fail
	for _, line := range strings.Split(strings.TrimSuffix(rows.String(), "\n"), "\n") {
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

// globalFlags are the flags every database command accepts.
type globalFlags struct {
	fs     *flag.FlagSet
	values map[string]*string // flag name → value
	pre    *globalFlags       // flags given before the command name
	notes  io.Writer          // where opening the store says which database it uses (stderr); nil: nowhere
}

var globalFlagNames = []struct {
	name, arg, usage string
	isBool           bool // --demo alone means --demo=true
}{
	{"database-url", "URL", "PostgreSQL `URL` (default: the embedded cluster)", false},
	{"read-database-url", "URL", "read replica `URL` for lists and searches", false},
	{"data-dir", "DIR", "state directory `DIR` of the embedded cluster and the outbox key", false},
	{"demo", "", "use the demo's database (gatehouse_demo in the embedded cluster, made by gatehouse demo); its e-mails link to the demo's portal", true},
	{"lang", "LANG", "console language `LANG`: en or fr (default: from $LANG)", false},
	{"config", "FILE", "configuration `FILE`", false},
	{"portal-url", "URL", "base `URL` of the portal's pages: every link in every e-mail starts with it", false},
}

func addGlobalFlags(fs *flag.FlagSet, pre *globalFlags) *globalFlags {
	g := &globalFlags{fs: fs, values: map[string]*string{}, pre: pre}
	for _, gf := range globalFlagNames {
		if gf.isBool {
			v := new(string)
			fs.Var(boolText{v}, gf.name, gf.usage)
			g.values[gf.name] = v
			continue
		}
		g.values[gf.name] = fs.String(gf.name, "", gf.usage)
	}
	return g
}

// boolText is a boolean flag kept as text ("true", "false"), like the other global flags: the
// configuration reads it as it reads the environment and the file.
type boolText struct{ p *string }

func (b boolText) String() string {
	if b.p == nil {
		return ""
	}
	return *b.p
}

func (b boolText) Set(s string) error {
	v, err := parseBool(s)
	if err != nil {
		return err
	}
	*b.p = strconv.FormatBool(v)
	return nil
}

func (b boolText) IsBoolFlag() bool { return true }

// parseBool reads a yes/no setting: 1, t, true, yes, on; 0, f, false, no, off (any case).
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value (true or false, 1 or 0)", s)
}

func (g *globalFlags) owns(name string) bool { _, ok := g.values[name]; return ok }

// given returns the value of a global flag and whether it was on the command line (after
// the command name, or else before it).
func (g *globalFlags) given(name string) (string, bool) {
	if g == nil {
		return "", false
	}
	set := false
	g.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			set = true
		}
	})
	if set {
		return *g.values[name], true
	}
	return g.pre.given(name)
}

// Config is the resolved configuration of one command.
type Config struct {
	DatabaseURL     string
	ReadDatabaseURL string
	DataDir         string // "" = store.DefaultStateDir() (resolved by dataDir)
	Demo            bool   // use the demo's database of the embedded cluster (DatabaseURL is then "")
	Lang            string // "en", "fr" or "" (from LANG)
	SMTPURL         string
	OutboxKeyFile   string
	OutboxKey       string // GATEHOUSE_OUTBOX_KEY: hex or base64 of 32 bytes (environment only)
	PortalURL       string // the base of every link in e-mails ("" = the store's default)
	MailFrom        string // the sender of the e-mails ("" = noreply@ the portal's host)
	File            string // the config file that was read, "" if none

	statementTimeout time.Duration // 0 = the store's default (interactive)
	tracer           *store.Tracer // benchmarks: record the SQL each store call sends
	maxOpenConns     int           // 0 = the store's default
	notes            io.Writer     // where opening the store says which database it uses; nil: nowhere

	values map[string]string // every key, resolved
	source map[string]string // where each value came from: "flag", "env NAME", "FILE:LINE"
}

// Get returns a resolved setting by its config-file key.
func (c *Config) Get(key string) string { return c.values[key] }

// Source says where a setting came from ("flag", "env DATABASE_URL", "file:3"), "" if unset.
func (c *Config) Source(key string) string { return c.source[key] }

// loadConfig resolves the configuration: flags, then environment, then the config file.
func loadConfig(g *globalFlags) (*Config, error) {
	path, explicit := "", false
	if v, ok := g.given("config"); ok && v != "" {
		path, explicit = v, true
	} else if v := os.Getenv("GATEHOUSE_CONFIG"); v != "" {
		path, explicit = v, true
	} else {
		path = defaultConfigPath()
	}
	file := map[string]string{}
	fileLine := map[string]int{}
	cfg := &Config{values: map[string]string{}, source: map[string]string{}}
	if g != nil {
		cfg.notes = g.notes
	}
	if path != "" {
		var err error
		file, fileLine, err = readConfigFile(path)
		switch {
		case err == nil:
			cfg.File = path
		case errors.Is(err, os.ErrNotExist) && !explicit:
			// no config file: fine
		default:
			return nil, err
		}
	}
	for _, s := range settings {
		if s.flag != "" {
			if v, ok := g.given(s.flag); ok {
				cfg.values[s.key], cfg.source[s.key] = v, "flag --"+s.flag
				continue
			}
		}
		if v := os.Getenv(s.env); s.env != "" && v != "" {
			cfg.values[s.key], cfg.source[s.key] = v, "env "+s.env
			continue
		}
		if v, ok := file[s.key]; ok {
			cfg.values[s.key], cfg.source[s.key] = v, fmt.Sprintf("%s:%d", path, fileLine[s.key])
		}
	}
	cfg.DatabaseURL = cfg.values["database_url"]
	cfg.ReadDatabaseURL = cfg.values["read_database_url"]
	if err := cfg.resolveDemo(); err != nil {
		return nil, err
	}
	cfg.DataDir = expandHome(cfg.values["data_dir"])
	cfg.SMTPURL = cfg.values["smtp_url"]
	cfg.OutboxKeyFile = expandHome(cfg.values["outbox_key_file"])
	cfg.OutboxKey = os.Getenv("GATEHOUSE_OUTBOX_KEY")
	cfg.MailFrom = strings.TrimSpace(cfg.values["mail_from"])
	pu, err := portalURL(cfg.values["portal_url"])
	if err != nil {
		return nil, fmt.Errorf("%s (from %s)", err, cfg.source["portal_url"])
	}
	cfg.PortalURL = pu
	if cfg.Demo && cfg.PortalURL == "" {
		// The e-mails queued in the demo's database link to the demo's portal.
		cfg.PortalURL = demoPortalURL(demoPortalListen)
	}
	lang, err := normalizeLang(cfg.values["lang"])
	if err != nil {
		return nil, fmt.Errorf("%s (from %s)", err, cfg.source["lang"])
	}
	cfg.Lang = lang
	return cfg, nil
}

// resolveDemo reads the demo setting. The demo's database and a database URL are two
// different databases: the setting from the stronger source (flag, then environment, then
// file) wins, and the same source naming both is refused.
func (c *Config) resolveDemo() error {
	demo, err := parseBool(c.values["demo"])
	if err != nil {
		return fmt.Errorf("demo: %s (from %s)", err, c.source["demo"])
	}
	if !demo {
		return nil
	}
	for _, key := range []string{"database_url", "read_database_url"} {
		if c.values[key] == "" {
			continue
		}
		rd, ru := sourceRank(c.source["demo"]), sourceRank(c.source[key])
		if rd == ru {
			return fmt.Errorf("%s and %s cannot be used together: %s opens the demo's database (%s in the embedded cluster of the data directory), %s another database; give one of them",
				settingName(c, "demo"), settingName(c, key), settingName(c, "demo"), demoDB, settingName(c, key))
		}
		if ru > rd {
			return nil // the URL wins: no demo
		}
	}
	c.Demo, c.DatabaseURL, c.ReadDatabaseURL = true, "", ""
	return nil
}

// sourceRank orders the sources of a setting: flag 3, environment 2, file 1.
func sourceRank(source string) int {
	switch {
	case strings.HasPrefix(source, "flag "):
		return 3
	case strings.HasPrefix(source, "env "):
		return 2
	case source != "":
		return 1
	}
	return 0
}

// settingName names a setting as its source spells it: --demo, GATEHOUSE_DEMO, or the file
// key with its line.
func settingName(c *Config, key string) string {
	src := c.source[key]
	switch {
	case strings.HasPrefix(src, "flag "):
		return strings.TrimPrefix(src, "flag ")
	case strings.HasPrefix(src, "env "):
		return strings.TrimPrefix(src, "env ")
	}
	return key + " (" + src + ")"
}

// defaultConfigPath is $XDG_CONFIG_HOME/gatehouse/config, else ~/.config/gatehouse/config.
func defaultConfigPath() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "gatehouse", "config")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "gatehouse", "config")
}

// readConfigFile parses key = value lines; blank lines and lines starting with # are
// skipped; a value may be quoted ("..." or '...'). Unknown keys are errors (a typo must not
// silently send gatehouse to another database).
func readConfigFile(path string) (map[string]string, map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("config file %s: %w", path, os.ErrNotExist)
		}
		return nil, nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	known := map[string]bool{}
	for _, s := range settings {
		known[s.key] = true
	}
	values, lines := map[string]string{}, map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, nil, fmt.Errorf("config file %s:%d: expected key = value", path, n)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !known[k] {
			return nil, nil, fmt.Errorf("config file %s:%d: unknown key %q (known: %s)", path, n, k, strings.Join(knownKeys(), ", "))
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		values[k], lines[k] = v, n
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return values, lines, nil
}

func knownKeys() []string {
	var out []string
	for _, s := range settings {
		out = append(out, s.key)
	}
	return out
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// normalizeLang accepts en, fr, and locale names such as fr_FR.UTF-8.
func normalizeLang(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	base := s
	if i := strings.IndexAny(s, "_-.@"); i >= 0 {
		base = s[:i]
	}
	if base == "en" || base == "fr" {
		return base, nil
	}
	return "", fmt.Errorf("language %q: gatehouse speaks en and fr", s)
}

// args re-emits the global flags that were given, for a child process of the same command.
func (g *globalFlags) args() []string {
	var out []string
	for _, gf := range globalFlagNames {
		if v, ok := g.given(gf.name); ok {
			out = append(out, "--"+gf.name+"="+v)
		}
	}
	return out
}
