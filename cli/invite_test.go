package cli

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"gatehouse/store"
)

// variable blanks what differs between any two invitations in the command's output.
var variable = regexp.MustCompile(`#\d+|"id":\d+|ACME-[0-9A-Z]{5}|token=[A-Za-z0-9_-]{43}|\d{4}-\d\d-\d\d[ T]\d\d:\d\d[0-9:.Z+-]*`)

func TestInviteCommand(t *testing.T) {
	h := newHarness(t)
	st := h.store()
	acme := h.org("acme", "Acme Corp")
	globex := h.org("globex", "Globex")
	h.user("GLOB-22222", "taken01@example.org", "Hidden Person", "active", globex)
	h.user("GLOB-33333", "vera0001@example.org", "Vera Hidden", "active", globex)
	h.user("ACME-00001", "jean@example.org", "Jean Martin", "active", acme)
	asOSUser(t, "root")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "ann", "--role", "admin", "--org", "acme", "--right", "billing.view")
	h.mustRun("operator", "add", "night", "--role", "oncall")

	// Usage errors: nothing opened, nothing written.
	asOSUser(t, "ann")
	for what, args := range map[string][]string{
		"no org":        {"invite", "--email", "a@example.org", "--name", "A", "--right", "billing.view"},
		"no e-mail":     {"invite", "--org", "acme", "--name", "A", "--right", "billing.view"},
		"no one":        {"invite", "--org", "acme", "--email", "a@example.org", "--right", "billing.view"},
		"both":          {"invite", "--org", "acme", "--email", "a@example.org", "--name", "A", "--existing", "ACME-00001", "--right", "billing.view"},
		"no right":      {"invite", "--org", "acme", "--email", "a@example.org", "--name", "A"},
		"stray operand": {"invite", "extra", "--org", "acme", "--email", "a@example.org", "--name", "A", "--right", "billing.view"},
	} {
		if code, _, errOut := h.run(args...); code != exitUsage || errOut == "" {
			t.Errorf("%s: exit %d %s", what, code, errOut)
		}
	}

	// A new person: the link printed once, and it works.
	out := h.mustRun("invite", "--org", "acme", "--name", "Paul Martin", "--email", "fresh01@example.org", "--right", "billing.view")
	if !strings.Contains(out, "created for Paul Martin <fresh01@example.org> to Acme Corp (acme); rights: billing.view") ||
		!strings.Contains(out, "login code: ACME-") || !strings.Contains(out, "https://portal.example.com/accept?token=") {
		t.Fatalf("new person:\n%s", out)
	}
	freshLink := out[strings.Index(out, "https://"):]
	freshLink = strings.TrimSpace(freshLink)
	if code, o, errOut := h.runIn(acceptPassword+"\n"+acceptPassword+"\n", "accept", freshLink); code != exitOK {
		t.Fatalf("the printed link: exit %d\n%s\n%s", code, o, errOut)
	}

	// The e-mail of an account in an organization the admin cannot see: the same answer, in
	// text and in JSON; the printed link grants nothing; the account's own address got the
	// invitation.
	fresh := h.mustRun("invite", "--org", "acme", "--name", "Paul Martin", "--email", "fresh02@example.org", "--right", "billing.view")
	taken := h.mustRun("invite", "--org", "acme", "--name", "Paul Martin", "--email", "taken01@example.org", "--right", "billing.view")
	blank := func(s string) string {
		return variable.ReplaceAllString(strings.NewReplacer("fresh02@example.org", "EMAIL", "fresh03@example.org", "EMAIL",
			"taken01@example.org", "EMAIL", "vera0001@example.org", "EMAIL", "nobody01@example.org", "EMAIL",
			"GLOB-33333", "LOGIN", "GLOB-99999", "LOGIN").Replace(s), "X")
	}
	if blank(fresh) != blank(taken) {
		t.Fatalf("the answers differ:\n--- fresh\n%s\n--- taken\n%s", fresh, taken)
	}
	for _, hidden := range []string{"GLOB-22222", "Hidden Person", "globex", "Globex"} {
		if strings.Contains(taken, hidden) {
			t.Fatalf("the answer names %q:\n%s", hidden, taken)
		}
	}
	takenLink := strings.TrimSpace(taken[strings.Index(taken, "https://"):])
	if code, _, errOut := h.runIn(acceptPassword+"\n"+acceptPassword+"\n", "accept", takenLink); code != exitRefused || !strings.Contains(errOut, "no invitation has this token") {
		t.Fatalf("the stand-in link: exit %d %s", code, errOut)
	}
	var n int
	if err := h.db.Get(&n, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.login_code = 'GLOB-22222'`); err != nil || n != 1 {
		t.Fatalf("the hidden account's memberships: %d %v", n, err)
	}
	real := h.mailedLink(st, "taken01@example.org")
	if real == takenLink {
		t.Fatal("the account's real link was printed")
	}
	var fj, tj inviteOutput
	freshJSON := h.mustRun("invite", "--org", "acme", "--name", "Paul Martin", "--email", "fresh03@example.org", "--right", "billing.view", "--json")
	takenJSON := h.mustRun("invite", "--org", "acme", "--name", "Paul Martin", "--email", "vera0001@example.org", "--right", "billing.view", "--json")
	if err := json.Unmarshal([]byte(freshJSON), &fj); err != nil || fj.Link == "" || fj.Invitation.UserLogin == "" {
		t.Fatalf("json %q %v", freshJSON, err)
	}
	if err := json.Unmarshal([]byte(takenJSON), &tj); err != nil {
		t.Fatal(err)
	}
	if b1, b2 := blank(freshJSON), blank(takenJSON); b1 != b2 {
		t.Fatalf("the JSON answers differ:\n%s\n%s", b1, b2)
	}

	// An existing account by login code and e-mail: the same answer whether they match one
	// account or not, and never a link.
	h.exec(`UPDATE invitations SET revoked_at = now() WHERE lower(email) = 'vera0001@example.org'`)
	match := h.mustRun("invite", "--org", "acme", "--existing", "glob-33333", "--email", "vera0001@example.org", "--right", "billing.view")
	none := h.mustRun("invite", "--org", "acme", "--existing", "GLOB-99999", "--email", "nobody01@example.org", "--right", "billing.view")
	if blank(match) != blank(none) || strings.Contains(match, "token=") || !strings.Contains(match, "account's password") {
		t.Fatalf("existing:\n--- match\n%s\n--- none\n%s", match, none)
	}
	if err := h.db.Get(&n, `SELECT count(*) FROM outbox WHERE recipient = 'nobody01@example.org'`); err != nil || n != 0 {
		t.Fatal("an invitation matching no account was e-mailed")
	}

	// Refusals.
	if code, _, errOut := h.run("invite", "--org", "globex", "--name", "X", "--email", "x@example.org", "--right", "billing.view"); code != exitRefused || !strings.Contains(errOut, "no organization") {
		t.Fatalf("into globex: exit %d %s", code, errOut)
	}
	if code, _, errOut := h.run("invite", "--org", "acme", "--name", "Jean", "--email", "JEAN@example.org", "--right", "billing.view"); code != exitRefused || !strings.Contains(errOut, "--existing ACME-00001") {
		t.Fatalf("one of the admin's users as a new person: exit %d %s", code, errOut)
	}
	if code, _, errOut := h.run("invite", "--org", "acme", "--name", "Paul Martin", "--email", "fresh02@example.org", "--right", "billing.view"); code != exitRefused || !strings.Contains(errOut, "already invited") {
		t.Fatalf("twice: exit %d %s", code, errOut)
	}
	if code, _, errOut := h.run("invite", "--org", "acme", "--name", "Y", "--email", "y@example.org", "--right", "users.manage"); code != exitRefused || !strings.Contains(errOut, "users.manage") {
		t.Fatalf("a right the admin lacks: exit %d %s", code, errOut)
	}
	asOSUser(t, "night")
	if code, _, _ := h.run("invite", "--org", "acme", "--name", "Z", "--email", "z@example.org", "--right", "billing.view"); code != exitRefused {
		t.Fatalf("oncall invites: exit %d", code)
	}
	var leftovers int
	if err := h.db.Get(&leftovers, `SELECT count(*) FROM invitations WHERE lower(email) IN ('x@example.org', 'y@example.org', 'z@example.org')`); err != nil || leftovers != 0 {
		t.Fatalf("refusals left %d invitations", leftovers)
	}
}

// The takeover sequence, from the command line as the admin of another organization:
// invite U's e-mail, accept the printed link with nothing on standard input, then look U up.
func TestNoCrossOrganizationTakeoverFromTheCommandLine(t *testing.T) {
	h := newHarness(t)
	h.store() // sets the commands' outbox key
	h.org("acme", "Acme Corp")
	globex := h.org("globex", "Globex")
	u := h.user("GLOB-77777", "ulysse@example.org", "Ulysse Globex", "active", globex)
	hash, err := store.HashPassword(context.Background(), acceptPassword)
	if err != nil {
		t.Fatal(err)
	}
	h.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, u, hash)
	asOSUser(t, "root")
	h.mustRun("operator", "add", "mallory", "--role", "admin", "--org", "acme")
	asOSUser(t, "mallory")

	out := h.mustRun("invite", "--org", "acme", "--name", "Ulysse", "--email", "ulysse@example.org", "--right", "billing.view")
	for _, hidden := range []string{"GLOB-77777", "Ulysse Globex", "globex", "another organization"} {
		if strings.Contains(out, hidden) {
			t.Fatalf("the invitation's answer shows %q:\n%s", hidden, out)
		}
	}
	link := strings.TrimSpace(out[strings.Index(out, "https://"):])
	for _, stdin := range []string{"", acceptPassword + "\n" + acceptPassword + "\n"} {
		if code, o, errOut := h.runIn(stdin, "accept", link); code == exitOK || strings.Contains(o, "now has access") {
			t.Fatalf("accepted with the printed link: exit %d\n%s\n%s", code, o, errOut)
		}
	}
	var n int
	if err := h.db.Get(&n, `SELECT count(*) FROM memberships WHERE user_id = $1`, u); err != nil || n != 1 {
		t.Fatalf("U's memberships: %d %v", n, err)
	}
	if code, _, errOut := h.run("users", "show", "GLOB-77777"); code != exitRefused || !strings.Contains(errOut, "no user") {
		t.Fatalf("users show U: exit %d %s", code, errOut)
	}
	if code, _, _ := h.runIn("mallory's choice 123456\n", "login", "GLOB-77777"); code != exitRefused {
		t.Fatalf("login as U: exit %d", code)
	}
}
