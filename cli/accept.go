package cli

import (
	"errors"
	"fmt"
	"strings"

	"gatehouse/model"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "accept",
		args:    "TOKEN|LINK [flags]",
		summary: "accept an invitation: a new person chooses a password; an existing account gets the access",
		help: `The invitee's side of an invitation. For a new person, reads the password twice (from a
terminal, two prompts that do not echo; otherwise two lines on standard input) and applies
the password rules; the account then becomes active with exactly the invited rights. For an
existing account, the organization and its rights are added to it and no password is asked.
The link works once, until it expires (7 days by default), and not after it was revoked or
replaced by a newer e-mail. TOKEN may be the whole link as received by e-mail.

Exit status: 0 done, 1 refused (the reason is on standard error: password rules, link
unknown, used, revoked or expired), 2 usage or database problem.`,
		examples: []string{
			"gatehouse accept 'https://portal.example.com/accept?token=Q2xhc3NpYy4uLg'",
			"printf '%s\\n%s\\n' \"$PW\" \"$PW\" | gatehouse accept Q2xhc3NpYy4uLg",
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
	pw, confirm := "", ""
	if p.NeedsPassword {
		if pw, confirm, err = readNewPassword(e); err != nil {
			fmt.Fprintf(e.stderr, "gatehouse accept: %v\n", err)
			return exitUsage
		}
	}
	res, err := st.AcceptInvitation(e.ctx, token, pw, confirm)
	pw, confirm = "", ""
	if err != nil {
		return acceptRefused(e, cfg, err)
	}
	if res.NewAccount {
		fmt.Fprintf(e.stdout, "Welcome! Your account %s is active with access to %s. Log in with your login code (or e-mail) and the password you chose.\n",
			sanitizeLine(res.Login), sanitizeLine(res.OrgName))
	} else {
		fmt.Fprintf(e.stdout, "Done: your account %s now has access to %s.\n", sanitizeLine(res.Login), sanitizeLine(res.OrgName))
	}
	return exitOK
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
	}
	return fail(e, err)
}
