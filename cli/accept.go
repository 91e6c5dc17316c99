package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "accept",
		args:    "TOKEN|LINK [flags]",
		summary: "accept an invitation: a new person chooses a password; an existing account proves it is theirs",
		help: `The invitee's side of an invitation. For a new person, reads the password twice (from a
terminal, two prompts that do not echo; otherwise two lines on standard input) and applies
the password rules; the account then becomes active with exactly the invited rights.
For an existing account, its owner proves who they are: the account's current password (a
prompt that does not echo, or the first line of standard input), then its 2FA code when 2FA
is enrolled (a second prompt, or the second line). Only then are the organization and its
rights added. A wrong password or code counts toward the account's lockout like a failed
login, and the answer does not say which was wrong.
The link works once, until it expires (7 days by default), and not after it was revoked or
replaced by a newer e-mail. TOKEN may be the whole link as received by e-mail.

Exit status: 0 done, 1 refused (the reason is on standard error: password rules, link
unknown, used, revoked or expired, the account's password or code not accepted), 2 usage or
database problem.`,
		examples: []string{
			"gatehouse accept 'https://portal.example.com/accept?token=Q2xhc3NpYy4uLg'",
			"printf '%s\\n%s\\n' \"$PW\" \"$PW\" | gatehouse accept Q2xhc3NpYy4uLg",
			"printf '%s\\n%s\\n' \"$CURRENT_PW\" \"$TOTP_CODE\" | gatehouse accept Q2xhc3NpYy4uLg",
		},
		run: runAccept,
	})
}

// tokenLike reports whether arg is a bare token (43 characters of unpadded URL-safe base64),
// which may start with '-' and must not then be taken for a flag.
func tokenLike(arg string) bool {
	if len(arg) != 43 {
		return false
	}
	for _, r := range arg {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// acceptUserAgent is what the auth events of an acceptance by this command record.
const acceptUserAgent = "gatehouse accept"

// acceptProofFailed is the one message of a refused proof (wrong password or code, locked or
// disabled account alike).
const acceptProofFailed = "not accepted: the password or 2FA code is not right, or the account cannot accept now; nothing changed"

func runAccept(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	token, cfg, st, cleanup, code, ok := f.openWithToken(e, args, "invitation")
	if !ok {
		return code
	}
	defer cleanup()

	p, err := st.InspectInvitation(e.ctx, token)
	if err != nil {
		return acceptRefused(e, cfg, err)
	}
	fmt.Fprintf(e.stderr, "Invitation to %s (%s) for %s; rights: %s.\n", sanitizeLine(p.OrgName), sanitizeLine(p.OrgSlug),
		sanitizeLine(p.Email), sanitizeLine(strings.Join(p.Rights, ", ")))
	if p.Replaces {
		fmt.Fprintf(e.stderr, "It replaces a former identifier of yours, which is deleted when you accept; it gives: %s.\n", sanitizeLine(carriedLine(p.Memberships)))
	}
	var res store.AcceptedInvitation
	if p.ExistingAccount {
		res, err = acceptAsOwner(e, st, token, p)
	} else {
		var pw, confirm string
		if pw, confirm, err = readNewPassword(e); err != nil {
			fmt.Fprintf(e.stderr, "gatehouse accept: %v\n", err)
			return exitUsage
		}
		res, err = st.AcceptInvitation(e.ctx, token, store.Acceptance{Password: pw, Confirm: confirm, UserAgent: acceptUserAgent})
		pw, confirm = "", ""
	}
	var ue usageErr
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "gatehouse accept: %v\n", ue.error)
		return exitUsage
	}
	if err != nil {
		return acceptRefused(e, cfg, err)
	}
	if res.NewAccount {
		fmt.Fprintf(e.stdout, "Welcome! Your account %s is active with access to %s. Log in with your login code (or e-mail) and the password you chose.\n",
			sanitizeLine(res.Login), sanitizeLine(res.OrgName))
	} else {
		fmt.Fprintf(e.stdout, "Done: your account %s now has access to %s.\n", sanitizeLine(res.Login), sanitizeLine(res.OrgName))
	}
	if res.OldAccount == store.ReplacedDeleted {
		fmt.Fprintln(e.stdout, "Your former identifier is deleted: log in with the new one from now on.")
	}
	return exitOK
}

// usageErr marks a problem reading what the invitee had to give (exit status 2).
type usageErr struct{ error }

// acceptAsOwner asks the existing account's owner for its current password, and its 2FA
// code when the store says one is needed, then accepts.
func acceptAsOwner(e *env, st *store.Store, token string, p store.InvitationPreview) (store.AcceptedInvitation, error) {
	fmt.Fprintf(e.stderr, "This invitation is for your existing account %s: confirm it is yours with its current password.\n",
		sanitizeLine(p.Login))
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprint(e.stderr, "Current password: ")
		pw, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(e.stderr)
		if err != nil {
			return store.AcceptedInvitation{}, usageErr{fmt.Errorf("reading the password: %w", err)}
		}
		a := store.Acceptance{Password: string(pw), UserAgent: acceptUserAgent}
		res, err := st.AcceptInvitation(e.ctx, token, a)
		if errors.Is(err, store.ErrTOTPRequired) {
			fmt.Fprint(e.stderr, "2FA code: ")
			code, rerr := term.ReadPassword(f.Fd())
			fmt.Fprintln(e.stderr)
			if rerr != nil {
				return store.AcceptedInvitation{}, usageErr{fmt.Errorf("reading the 2FA code: %w", rerr)}
			}
			a.TOTP = strings.TrimSpace(string(code))
			res, err = st.AcceptInvitation(e.ctx, token, a)
		}
		a.Password = ""
		return res, err
	}
	// Standard input: the password on the first line, the 2FA code (if any) on the second.
	r := bufio.NewReader(io.LimitReader(e.stdin, 2*maxPasswordLine+2))
	line := func() (string, bool) {
		s, err := r.ReadString('\n')
		if err != nil && (err != io.EOF || s == "") {
			return "", false
		}
		return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r"), true
	}
	pw, ok := line()
	if !ok {
		return store.AcceptedInvitation{}, usageErr{errors.New("expected the account's current password on standard input (then its 2FA code on the next line, when 2FA is enrolled)")}
	}
	code, _ := line()
	res, err := st.AcceptInvitation(e.ctx, token, store.Acceptance{Password: pw, TOTP: strings.TrimSpace(code), UserAgent: acceptUserAgent})
	pw = ""
	return res, err
}

func acceptRefused(e *env, cfg *Config, err error) int {
	var pe *model.PolicyError
	var re *store.InvitationRefusal
	switch {
	case errors.As(err, &pe):
		fmt.Fprintln(e.stderr, "gatehouse accept: password refused, nothing changed (the link still works):")
		for _, r := range pe.Failed {
			msg := r.Message
			if cfg.Lang == "fr" {
				msg = r.MessageFR
			}
			fmt.Fprintf(e.stderr, "  ✗ %s\n", msg)
		}
		return exitRefused
	case errors.As(err, &re):
		fmt.Fprintf(e.stderr, "gatehouse accept: %s\n", re.Error())
		return exitRefused
	case errors.Is(err, store.ErrTOTPRequired):
		fmt.Fprintln(e.stderr, "gatehouse accept: "+acceptProofFailed+" (a 2FA code is required: give it on the line after the password)")
		return exitRefused
	case errors.Is(err, store.ErrAuthFailed):
		fmt.Fprintln(e.stderr, "gatehouse accept: "+acceptProofFailed+" (the link still works)")
		return exitRefused
	}
	return fail(e, err)
}
