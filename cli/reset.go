package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "reset",
		args:    "TOKEN|LINK [flags]",
		summary: "complete a reset link: choose a new password under the rules",
		help: `Reads the new password twice: from a terminal, two prompts that do not echo; otherwise
two lines on standard input (the line ends are not part of the password; spaces are). The
password must pass every rule (length, common passwords, login code / e-mail / name /
organization, the last 5 passwords). The link works once and for one hour; completing it
unlocks the account and clears its failure counter, ends the open sessions, and e-mails
the user. TOKEN may be the whole link as received by e-mail.

Exit status: 0 done, 1 refused (the reason is on standard error: password rules, link
unknown, used, replaced or expired), 2 usage or database problem.`,
		examples: []string{
			"gatehouse reset 'https://portal.example.com/reset?token=Q2xhc3NpYy4uLg'",
			"printf '%s\\n%s\\n' \"$PW\" \"$PW\" | gatehouse reset Q2xhc3NpYy4uLg",
		},
		run: runReset,
	})
}

// maxPasswordLine bounds what one line of standard input may hold (the policy refuses more
// than 128 characters anyway; this only keeps a runaway pipe from filling memory).
const maxPasswordLine = 1 << 20

func runReset(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	token, cfg, st, cleanup, code, ok := f.openWithToken(e, args, "reset")
	if !ok {
		return code
	}
	defer cleanup()

	pw, confirm, err := readNewPassword(e)
	if err != nil {
		fmt.Fprintf(e.stderr, "gatehouse reset: %v\n", err)
		return exitUsage
	}
	login, err := st.RedeemResetToken(e.ctx, token, pw, confirm)
	pw, confirm = "", ""
	var pe *model.PolicyError
	switch {
	case err == nil:
		fmt.Fprintf(e.stdout, "Password changed for %s. The account is unlocked; log in with the new password.\n", sanitizeLine(login))
		return exitOK
	case errors.As(err, &pe):
		fmt.Fprintln(e.stderr, "gatehouse reset: password refused, nothing changed (the link still works):")
		for _, r := range pe.Failed {
			msg := r.Message
			if cfg.Lang == "fr" {
				msg = r.MessageFR
			}
			fmt.Fprintf(e.stderr, "  ✗ %s\n", msg)
		}
		return exitRefused
	case errors.Is(err, store.ErrInvalid):
		fmt.Fprintf(e.stderr, "gatehouse reset: %s\n", oneLine(err.Error()))
		return exitRefused
	}
	return fail(e, err)
}

// tokenFromArg accepts the token itself or the whole link (…/reset?token=X).
// openWithToken parses a command whose one argument is a link or token (accept, reset; what
// names the link in messages), then opens the store. A bare token starting with '-' is taken
// as the argument, not as a flag.
func (f *flags) openWithToken(e *env, args []string, what string) (token string, cfg *Config, st *store.Store, cleanup func(), code int, ok bool) {
	var tokens, rest []string
	for _, a := range args {
		if tokenLike(a) && strings.HasPrefix(a, "-") {
			tokens = append(tokens, a)
		} else {
			rest = append(rest, a)
		}
	}
	pos, code, ok := f.parse(e, rest)
	if !ok {
		return "", nil, nil, nil, code, false
	}
	pos = append(pos, tokens...)
	if code, ok := f.wantArgs(e, pos, 1, "TOKEN (the "+what+" link or its token)"); !ok {
		return "", nil, nil, nil, code, false
	}
	if token = tokenFromArg(pos[0]); token == "" {
		return "", nil, nil, nil, f.usageError(e, "the %s link holds no token", what), false
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return "", nil, nil, nil, fail(e, err), false
	}
	st, _, cleanup, err = openStore(e.ctx, cfg)
	if err != nil {
		return "", nil, nil, nil, fail(e, err), false
	}
	return token, cfg, st, cleanup, 0, true
}

func tokenFromArg(arg string) string {
	arg = strings.TrimSpace(arg)
	if strings.Contains(arg, "token=") {
		if u, err := url.Parse(arg); err == nil {
			if t := u.Query().Get("token"); t != "" {
				return t
			}
		}
	}
	return arg
}

// readNewPassword reads the password and its confirmation: prompts without echo on a
// terminal, otherwise two lines of standard input.
func readNewPassword(e *env) (string, string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprint(e.stderr, "New password: ")
		pw, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", "", fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(e.stderr, "Confirm the new password: ")
		confirm, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", "", fmt.Errorf("reading the password: %w", err)
		}
		return string(pw), string(confirm), nil
	}
	r := bufio.NewReader(io.LimitReader(e.stdin, 2*maxPasswordLine+2))
	line := func() (string, bool) {
		s, err := r.ReadString('\n')
		if err != nil && (err != io.EOF || s == "") {
			return "", false
		}
		s = strings.TrimSuffix(s, "\n")
		s = strings.TrimSuffix(s, "\r")
		return s, true
	}
	pw, ok1 := line()
	confirm, ok2 := line()
	if !ok1 || !ok2 {
		return "", "", errors.New("expected the new password twice on standard input (two lines)")
	}
	return pw, confirm, nil
}
