package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// users replace prints what is carried and what is left out before sending; with something
// left out it sends nothing unless --yes; the printed link, accepted, deletes the old account.
// An admin's replacement of an account shared with another organization is refused; support's
// carries both organizations.
func TestUsersReplaceCommand(t *testing.T) {
	h := newHarness(t)
	h.store()
	acme := h.org("acme", "Acme Corp")
	globex := h.org("globex", "Globex")
	old := h.user("ACME-30001", "marie@old.example.org", "Marie Dupont", "active", acme)
	for _, r := range []string{"billing.manage", "billing.view"} {
		h.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, $3)`, old, acme, r)
	}
	shared := h.user("ACME-30002", "paul@old.example.org", "Paul Martin", "active", acme, globex)
	h.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'reports.view')`, shared, globex)
	asOSUser(t, "root")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "ann", "--role", "admin", "--org", "acme", "--right", "billing.view")
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := h.db.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}

	asOSUser(t, "ann")
	if code, _, errOut := h.run("users", "replace", "ACME-30001"); code != exitUsage || !strings.Contains(errOut, "--email") {
		t.Fatalf("no --email: exit %d %s", code, errOut)
	}
	if code, _, errOut := h.run("users", "replace", "NOPE-00000", "--email", "x@new.example.org", "--dry-run"); code != exitRefused ||
		!strings.Contains(errOut, `no user "NOPE-00000" (give an id, a login code or an e-mail)`) {
		t.Fatalf("an unknown account: exit %d %s", code, errOut)
	}
	// --dry-run: the plan, nothing sent.
	out := h.mustRun("users", "replace", "ACME-30001", "--email", "marie@new.example.org", "--dry-run")
	for _, want := range []string{"replacing ACME-30001 (Marie Dupont <marie@old.example.org>) by marie@new.example.org",
		"carried", "Acme Corp (acme)", "billing.view", "left out", "billing.manage (you may not grant it)",
		"ACME-30001 is deleted when the new identifier accepts", "dry run: nothing was sent"} {
		if !strings.Contains(out, want) {
			t.Fatalf("dry run lacks %q:\n%s", want, out)
		}
	}
	// Something left out: refused without --yes, the plan printed first.
	code, out, errOut := h.run("users", "replace", "ACME-30001", "--email", "marie@new.example.org")
	if code != exitRefused || !strings.Contains(out, "billing.manage (you may not grant it)") || !strings.Contains(errOut, "--yes") {
		t.Fatalf("left out without --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := count(`SELECT count(*) FROM invitations`); n != 0 {
		t.Fatalf("%d invitations after a dry run and a refusal", n)
	}
	// The shared account: refused, with the reason.
	code, _, errOut = h.run("users", "replace", "paul@old.example.org", "--email", "paul@new.example.org", "--yes")
	if code != exitRefused || !strings.Contains(errOut, "also belongs to another organization: ask support") {
		t.Fatalf("a shared account: exit %d %s", code, errOut)
	}
	// --yes sends; the link, accepted, deletes the old account.
	out = h.mustRun("users", "replace", "ACME-30001", "--email", "marie@new.example.org", "--yes")
	if !strings.Contains(out, "replacement sent: invitation #") || !strings.Contains(out, "new login code: ACME-") {
		t.Fatalf("sent:\n%s", out)
	}
	link := strings.TrimSpace(out[strings.Index(out, "https://"):])
	code, o, errOut := h.runIn(acceptPassword+"\n"+acceptPassword+"\n", "accept", link)
	if code != exitOK || !strings.Contains(errOut, "It replaces a former identifier of yours") || !strings.Contains(o, "Your former identifier is deleted") {
		t.Fatalf("accept: exit %d\n%s\n%s", code, o, errOut)
	}
	if n := count(`SELECT count(*) FROM users WHERE id = $1 AND status = 'deleted'`, old); n != 1 {
		t.Fatal("the old account is not deleted")
	}
	if n := count(`SELECT count(*) FROM users u JOIN membership_rights r ON r.user_id = u.id
		WHERE u.email = 'marie@new.example.org' AND u.status = 'active' AND r.right_code = 'billing.view'`); n != 1 {
		t.Fatal("the new account does not hold billing.view")
	}

	// Support carries both organizations, as JSON.
	asOSUser(t, "alice")
	out = h.mustRun("users", "replace", "ACME-30002", "--email", "paul@new.example.org", "--json")
	var res replaceOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !res.Sent || res.Link == "" || res.Invitation == nil || len(res.Carried) != 2 || len(res.LeftOut) != 0 || res.Replaces.Login != "ACME-30002" {
		t.Fatalf("json: %+v", res)
	}

	// Undelete: support brings the replaced account back; a second time it is not deleted.
	asOSUser(t, "ann")
	if code, _, errOut := h.run("users", "undelete", "ACME-30001", "--reason", "x"); code != exitRefused || !strings.Contains(errOut, "only support") {
		t.Fatalf("an admin undeletes: exit %d %s", code, errOut)
	}
	asOSUser(t, "alice")
	if code, _, errOut := h.run("users", "undelete", "ACME-30001"); code != exitUsage || !strings.Contains(errOut, "--reason") {
		t.Fatalf("no reason: exit %d %s", code, errOut)
	}
	out = h.mustRun("users", "undelete", "marie@old.example.org", "--reason", "still uses the old address")
	if !strings.Contains(out, "ACME-30001 (Marie Dupont <marie@old.example.org>) is back, disabled, with its organizations (acme)") {
		t.Fatalf("undelete:\n%s", out)
	}
	if n := count(`SELECT count(*) FROM audit_entries WHERE action = 'user.undelete' AND operator_name = 'alice' AND summary LIKE '%reason: still uses the old address'`); n != 1 {
		t.Fatal("the undelete is not audited")
	}
	if code, _, errOut := h.run("users", "undelete", "ACME-30001", "--reason", "again"); code != exitRefused || !strings.Contains(errOut, "no deleted account") {
		t.Fatalf("undelete a live account: exit %d %s", code, errOut)
	}
	// Too old, and the e-mail taken: refused with the reason.
	gone := h.user("ACME-30003", "gone@example.org", "Gone", "deleted", acme)
	h.exec(`UPDATE users SET deleted_at = now() - interval '40 days' WHERE id = $1`, gone)
	if code, _, errOut := h.run("users", "undelete", "ACME-30003", "--reason", "x"); code != exitRefused || !strings.Contains(errOut, "more than 30 days ago") {
		t.Fatalf("too old: exit %d %s", code, errOut)
	}
	h.user("ACME-30004", "taken@example.org", "Taken", "deleted", acme)
	h.user("ACME-30005", "taken@example.org", "Holder", "active", acme)
	if code, _, errOut := h.run("users", "undelete", "ACME-30004", "--reason", "x"); code != exitRefused || !strings.Contains(errOut, "another account uses its e-mail address now") {
		t.Fatalf("e-mail taken: exit %d %s", code, errOut)
	}
}
