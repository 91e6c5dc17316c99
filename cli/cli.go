// Package cli holds gatehouse's commands: flag parsing (one flag.FlagSet per command),
// configuration, opening the store, and the text and JSON output of the scriptable commands.
//
// Commands live in a table keyed by their full name ("users list", "operator key add").
// To add one, call register from an init function in your own file:
//
//	func init() {
//		register(&command{
//			name:    "audit verify",
//			summary: "check the audit log's hash chain",
//			run:     runAuditVerify,
//		})
//	}
//
// A command whose name has several words is reached by typing them in order; typing only the
// first words ("gatehouse users") lists the commands under them.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"sort"
	"strings"

	"github.com/mattn/go-isatty"
)

// Exit codes.
const (
	exitOK      = 0 // done
	exitRefused = 1 // refused or not found
	exitUsage   = 2 // usage error or infrastructure failure
)

// env is what a command runs with: the process's context and streams.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// pre holds global flags given before the command name (gatehouse --database-url X users list).
	pre *globalFlags
}

// command is one entry of the command table.
type command struct {
	name     string   // full name, e.g. "users list"; "" is the console
	args     string   // synopsis of the positional arguments and flags, e.g. "NAME --role ROLE [flags]"
	summary  string   // one line for the command list
	help     string   // paragraphs shown by --help (optional)
	examples []string // shown by --help
	hidden   bool     // not listed in the top-level usage
	// run parses its own flags (with newFlags) and does the work; it returns the exit code.
	run func(e *env, c *command, args []string) int
}

// commands is the command table: full name → command.
var commands = map[string]*command{}

// register adds a command to the table (call it from init).
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// currentOSUser names the local operator: the OS user running gatehouse. Tests replace it.
var currentOSUser = func() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("cannot tell who you are: %w", err)
	}
	return u.Username, nil
}

// Main runs gatehouse with the arguments after the program name and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) > 0 && args[0] == "help" {
		return helpCommand(e, args[1:])
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		// Flags before any command: the console's flags, or global flags for the command
		// that follows them.
		return runConsoleOrCommand(e, args)
	}
	return dispatch(e, args)
}

// dispatch finds the longest registered command name the arguments start with.
func dispatch(e *env, args []string) int {
	words := 0
	for words < len(args) && words < 4 && !strings.HasPrefix(args[words], "-") {
		words++
	}
	for n := words; n >= 1; n-- {
		name := strings.Join(args[:n], " ")
		if c, ok := commands[name]; ok && name != "" {
			return c.run(e, c, args[n:])
		}
	}
	// A group name alone ("gatehouse users") or with --help: list its commands.
	for n := words; n >= 1; n-- {
		prefix := strings.Join(args[:n], " ")
		if len(subcommands(prefix)) > 0 {
			rest := args[n:]
			asksHelp := len(rest) > 0 && isHelpFlag(rest[0])
			if len(rest) == 0 || asksHelp {
				w := e.stderr
				if asksHelp {
					w = e.stdout
				}
				groupUsage(w, prefix)
				if asksHelp {
					return exitOK
				}
				return exitUsage
			}
			fmt.Fprintf(e.stderr, "gatehouse %s: unknown command %q\n\n", prefix, rest[0])
			groupUsage(e.stderr, prefix)
			return exitUsage
		}
	}
	fmt.Fprintf(e.stderr, "gatehouse: unknown command %q\n\n", args[0])
	mainUsage(e.stderr)
	return exitUsage
}

func isHelpFlag(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

// helpCommand is `gatehouse help [COMMAND...]`.
func helpCommand(e *env, args []string) int {
	if len(args) == 0 {
		mainUsage(e.stdout)
		return exitOK
	}
	return dispatch(e, append(append([]string{}, args...), "--help"))
}

// subcommands returns the commands whose name starts with prefix + " ", sorted.
func subcommands(prefix string) []*command {
	var out []*command
	for name, c := range commands {
		if strings.HasPrefix(name, prefix+" ") && !c.hidden {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func listCommands(w io.Writer, cs []*command) {
	width := 0
	for _, c := range cs {
		width = max(width, len(c.name))
	}
	for _, c := range cs {
		fmt.Fprintf(w, "  gatehouse %-*s  %s\n", width, c.name, c.summary)
	}
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, `gatehouse — administer the user accounts of the customer portal.

Usage:
  gatehouse [flags]              open the console as the local operator (your OS user)
  gatehouse COMMAND [flags]      run a command
  gatehouse COMMAND --help       show a command's flags and examples

Commands:
`)
	var cs []*command
	for name, c := range commands {
		if name != "" && !c.hidden {
			cs = append(cs, c)
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	listCommands(w, cs)
	fmt.Fprint(w, `
Console flags:
  --as NAME               act as another registered operator (you must be a support operator)
  --read-only             change nothing: action keys disabled, every change refused by the store

`)
	fmt.Fprint(w, globalFlagsHelp)
	fmt.Fprint(w, configHelp())
}

func groupUsage(w io.Writer, prefix string) {
	fmt.Fprintf(w, "Usage: gatehouse %s COMMAND [flags]\n\nCommands:\n", prefix)
	listCommands(w, subcommands(prefix))
	fmt.Fprintf(w, "\nRun `gatehouse %s COMMAND --help` for a command's flags.\n", prefix)
}

// flags is one command's FlagSet plus what the usage text needs.
type flags struct {
	*flag.FlagSet
	cmd    *command
	global *globalFlags // nil for commands that do not touch the database
}

// newFlags makes the FlagSet of a command. withGlobal adds --database-url, --data-dir,
// --lang, --config (and --read-database-url).
func newFlags(e *env, c *command, withGlobal bool) *flags {
	fs := flag.NewFlagSet("gatehouse "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &flags{FlagSet: fs, cmd: c}
	if withGlobal {
		f.global = addGlobalFlags(fs, e.pre)
		f.global.notes = e.stderr
	}
	return f
}

// parse parses flags placed anywhere among the positional arguments (flags after NAME are
// common: `operator add alice --role support`); "--" ends the flags. It returns the
// positional arguments, or ok=false with the exit code when parsing ends the command
// (--help: 0, a bad flag: 2).
// parseNone parses a command that takes flags only: a positional argument is a usage error.
func (f *flags) parseNone(e *env, args []string) (code int, ok bool) {
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code, false
	}
	return f.wantArgs(e, pos, 0, "")
}

func (f *flags) parse(e *env, args []string) (pos []string, code int, ok bool) {
	for {
		err := f.FlagSet.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			f.usage(e.stdout)
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "gatehouse %s: %v\n\n", f.cmd.name, err)
			f.usage(e.stderr)
			return nil, exitUsage, false
		}
		rest := f.FlagSet.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), exitOK, true
		}
		if len(rest) == 0 {
			return pos, exitOK, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// set reports whether the flag was given on the command line.
func (f *flags) set(name string) bool {
	found := false
	f.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			found = true
		}
	})
	return found
}

// usageError prints a usage problem found after parsing and returns exit code 2.
func (f *flags) usageError(e *env, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "gatehouse %s: %s\n\n", f.cmd.name, fmt.Sprintf(format, a...))
	f.usage(e.stderr)
	return exitUsage
}

// usage writes the command's help: synopsis, description, flags, examples.
func (f *flags) usage(w io.Writer) {
	c := f.cmd
	if c.name == "" {
		mainUsage(w)
		return
	}
	fmt.Fprintf(w, "Usage: gatehouse %s", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", upperFirst(c.summary))
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	var own, global []*flag.Flag
	f.VisitAll(func(fl *flag.Flag) {
		if f.global != nil && f.global.owns(fl.Name) {
			global = append(global, fl)
		} else {
			own = append(own, fl)
		}
	})
	if len(own) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		printFlags(w, own)
	}
	if len(global) > 0 {
		fmt.Fprint(w, "\nGlobal flags:\n")
		printFlags(w, global)
	}
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, ex := range c.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
}

func printFlags(w io.Writer, fls []*flag.Flag) {
	type line struct{ head, usage string }
	var lines []line
	width := 0
	for _, fl := range fls {
		name, usage := flag.UnquoteUsage(fl)
		head := "--" + fl.Name
		if name != "" {
			head += " " + name
		}
		if _, isList := fl.Value.(*stringList); isList {
			head += " (repeatable)"
		} else if fl.DefValue != "" && fl.DefValue != "false" && fl.DefValue != "0" {
			usage += " (default: " + fl.DefValue + ")"
		}
		lines = append(lines, line{head, usage})
		width = max(width, len(head))
	}
	width = min(width, 28)
	for _, l := range lines {
		if len(l.head) > width {
			fmt.Fprintf(w, "  %s\n  %-*s  %s\n", l.head, width, "", l.usage)
			continue
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, l.head, l.usage)
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// stringList is a repeatable string flag (--org a --org b).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// wantArgs checks the number of positional arguments.
func (f *flags) wantArgs(e *env, pos []string, n int, what string) (int, bool) {
	if len(pos) < n {
		return f.usageError(e, "missing %s", what), false
	}
	if len(pos) > n {
		return f.usageError(e, "unexpected argument %q", pos[n]), false
	}
	return exitOK, true
}

// isTerminal reports whether w (or r) is a terminal: progress bars and prompts only go there.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
