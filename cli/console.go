package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/ui"
)

// runUI opens the console; tests replace it.
var runUI = ui.Run

func init() {
	register(&command{
		name:    "",
		summary: "open the console as the local operator",
		hidden:  true,
		run:     func(e *env, _ *command, args []string) int { return runConsoleOrCommand(e, args) },
	})
}

// runConsoleOrCommand handles arguments that start with a flag: the console's flags, or
// global flags placed before a command (gatehouse --database-url URL users list).
func runConsoleOrCommand(e *env, args []string) int {
	c := commands[""]
	f := newFlags(e, c, true)
	as, readOnly := consoleFlags(f)
	err := f.FlagSet.Parse(args) // stops at the first non-flag: the command, if any
	if errors.Is(err, flag.ErrHelp) {
		mainUsage(e.stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "gatehouse: %v\n\n", err)
		mainUsage(e.stderr)
		return exitUsage
	}
	if rest := f.Args(); len(rest) > 0 {
		if f.set("as") || f.set("read-only") {
			fmt.Fprintln(e.stderr, "gatehouse: --as and --read-only apply to the console only")
			return exitUsage
		}
		e.pre = f.global
		return dispatch(e, rest)
	}
	return openConsole(e, f, *as, *readOnly)
}

func consoleFlags(f *flags) (as *string, readOnly *bool) {
	as = f.String("as", "", "act as another registered operator `NAME` (you must be a support operator)")
	readOnly = f.Bool("read-only", false, "change nothing: action keys disabled, every change refused by the store (any role)")
	return as, readOnly
}

func openConsole(e *env, f *flags, as string, readOnly bool) int {
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	st, label, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	op, err := localOperator(e.ctx, st, as)
	if err != nil {
		return fail(e, err)
	}
	op.ReadOnly = readOnly // every store call of the session carries it: the store refuses changes
	return console(e, st, op, ui.Options{Lang: cfg.Lang, DBLabel: label, ReadOnly: readOnly})
}

func console(e *env, st *store.Store, op model.Operator, opt ui.Options) int {
	if f, ok := e.stdin.(*os.File); ok && !isTerminal(f) {
		fmt.Fprintln(e.stderr, "gatehouse: the console needs a terminal; for scripts use `gatehouse users list --json` and the other commands")
		return exitUsage
	}
	opt.Input, opt.Output = e.stdin, e.stdout
	if err := runUI(e.ctx, st, op, opt); err != nil && !errors.Is(err, context.Canceled) {
		return fail(e, err)
	}
	return exitOK
}

// localOperator is the registered operator named like the OS user, or the operator named by
// --as when the OS user is a support operator.
func localOperator(ctx context.Context, st *store.Store, as string) (model.Operator, error) {
	name, err := currentOSUser()
	if err != nil {
		return model.Operator{}, err
	}
	op, err := st.OperatorByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		n := sanitizeLine(name)
		return model.Operator{}, refusedf("operator %s is not registered: run `gatehouse operator add %s --role support` (or use `gatehouse demo`)", n, n)
	}
	if err != nil {
		return model.Operator{}, err
	}
	if as == "" || as == name {
		return op, nil
	}
	if op.Role != model.RoleSupport {
		return model.Operator{}, refusedf("--as: %s is a %s operator; only support operators may act as another operator", sanitizeLine(name), op.Role)
	}
	other, err := st.OperatorByName(ctx, as)
	if errors.Is(err, store.ErrNotFound) {
		return model.Operator{}, refusedf("--as: operator %s is not registered", sanitizeLine(as))
	}
	return other, err
}

// localActor is who runs a setup command (operator, org): the registered operator named like
// the OS user, or else the machine's administrator "cli:USER" (ID 0), which the store accepts
// for setting up an installation. Whoever can run this binary against the database can
// already write to it.
func localActor(ctx context.Context, st *store.Store) (model.Operator, error) {
	name, err := currentOSUser()
	if err != nil {
		return model.Operator{}, err
	}
	op, err := st.OperatorByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		// Role support lets the administrator read every organization; ID 0 marks the CLI.
		return model.Operator{ID: 0, Name: "cli:" + name, Role: model.RoleSupport}, nil
	}
	return op, err
}

// waitForEnter pauses until the user presses Enter, when stdin is a terminal.
func waitForEnter(e *env, prompt string) {
	if !isTerminal(e.stdin) || !isTerminal(e.stdout) {
		return
	}
	fmt.Fprint(e.stdout, prompt)
	_, _ = bufio.NewReader(e.stdin).ReadString('\n')
}
