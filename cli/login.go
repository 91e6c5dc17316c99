package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "login",
		args:    "LOGIN|EMAIL [--ip IP] [--user-agent UA] [--totp CODE]",
		summary: "try to log in through the real rules (password on stdin); prints the session token",
		help: `Runs one authentication attempt exactly as the customer portal does: lockout, 2FA,
temporary password expiry, and an auth event recorded for every attempt. The password is read
from standard input (one line; nothing is trimmed but the line ending), or typed without echo
on a terminal. It needs no operator: the password is the proof.

Exit status: 0 on success (the session token on standard output); 1 on any refusal, always
with the same message (a wrong password, an unknown login and a locked account look alike),
and when the password was right but the account must first choose a new password (a
temporary password, one an operator set) or set up 2FA: no session opens before that is done
on the portal (the message says which); 2 on a usage or infrastructure error.`,
		examples: []string{
			"printf '%s\\n' \"$PW\" | gatehouse login ACME-7K2Q9 --ip 198.51.100.7",
			"gatehouse login marie.dupont@example.com --totp 123456 < pw.txt",
		},
		run: runLogin,
	})
}

// loginInputMax bounds what is read from stdin (a password is at most 128 characters; a
// pasted megabyte is read and refused like any wrong password, not held in memory unbounded).
const loginInputMax = 1 << 20

// loginFailed is the one message of a refused login.
const loginFailed = "login failed: wrong login or password, or the account cannot log in now"

func readPassword(e *env) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(e.stderr, "Password: ")
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(e.stderr)
		return string(b), err
	}
	r := bufio.NewReaderSize(io.LimitReader(e.stdin, loginInputMax), 4096)
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if errors.Is(err, io.EOF) && line == "" {
		return "", errors.New("no password on standard input")
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	return line, nil
}

func runLogin(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	ipFlag := f.String("ip", "", "the client's `IP` address, recorded with the attempt")
	ua := f.String("user-agent", "gatehouse-cli", "the client's user agent `UA`, recorded with the attempt")
	totp := f.String("totp", "", "the 6-digit 2FA `CODE`, for accounts with 2FA")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 1, "the login code or e-mail"); !ok {
		return code
	}
	var ip netip.Addr
	if *ipFlag != "" {
		a, err := netip.ParseAddr(strings.TrimSpace(*ipFlag))
		if err != nil {
			return f.usageError(e, "--ip %q is not an IP address", sanitizeLine(safeCap(*ipFlag)))
		}
		ip = a.Unmap()
	}
	password, err := readPassword(e)
	if err != nil {
		return f.usageError(e, "password: %v", err)
	}
	st, _, cleanup, code, ok := f.open(e)
	if !ok {
		return code
	}
	defer cleanup()
	res, err := st.Authenticate(e.ctx, store.AuthRequest{Login: pos[0], Password: password, TOTP: *totp, IP: ip, UserAgent: *ua})
	password = ""
	switch {
	case errors.Is(err, store.ErrTOTPRequired):
		fmt.Fprintln(e.stderr, "gatehouse: "+loginFailed+" (a 2FA code is required: --totp CODE)")
		return exitRefused
	case errors.Is(err, store.ErrAuthFailed):
		fmt.Fprintln(e.stderr, "gatehouse: "+loginFailed)
		return exitRefused
	case err != nil:
		// Infrastructure: never exit 1 here, a script must not read it as a wrong password.
		fail(e, err)
		return exitUsage
	}
	switch res.Pending {
	case store.StepPassword:
		fmt.Fprintln(e.stderr, "gatehouse: password change required: the password is right, but no session opens before a new one is chosen (sign in on the portal)")
		return exitRefused
	case store.StepEnrol:
		fmt.Fprintln(e.stderr, "gatehouse: 2FA setup required: the password is right, but no session opens before an authenticator app is set up (sign in on the portal)")
		return exitRefused
	}
	fmt.Fprintln(e.stdout, res.SessionToken)
	return exitOK
}
