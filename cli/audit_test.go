package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gatehouse/model"
)

func TestAuditVerifyFindsAnEditedRow(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	for i := 0; i < 4; i++ {
		h.mustRun("org", "add", fmt.Sprintf("org%d", i), "Org")
	}
	if out := h.mustRun("audit", "verify"); strings.TrimSpace(out) != "5 rows, chain intact" {
		t.Fatalf("intact chain: %q", out)
	}
	// The application cannot change a row...
	if _, err := h.db.Exec(`UPDATE audit_entries SET summary = 'x'`); err == nil {
		t.Fatal("UPDATE accepted")
	}
	// ...a superuser who bypasses the triggers can, and verify names that row.
	var target int64
	if err := h.db.Get(&target, `SELECT id FROM audit_entries ORDER BY id OFFSET 2 LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	tx := h.db.MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE audit_entries SET summary = 'organization org9 created' WHERE id = $1`, target)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run("audit", "verify")
	if code != 1 || !strings.Contains(out, fmt.Sprintf("audit chain broken at row %d: its content does not match its hash (edited)", target)) ||
		!strings.Contains(out, "organization org9 created") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	// A removed row: the next one is reported.
	tx = h.db.MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE audit_entries SET summary = 'organization org1 created' WHERE id = $1`, target) // undo
	tx.MustExec(`DELETE FROM audit_entries WHERE id = $1`, target)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	code, out, _ = h.run("audit", "verify")
	if code != 1 || !strings.Contains(out, fmt.Sprintf("broken at row %d", target+1)) || !strings.Contains(out, "(removed)") {
		t.Fatalf("removed row: exit %d\n%s", code, out)
	}
}

func TestAuditList(t *testing.T) {
	h := newHarness(t)
	acme := h.org("acme", "Acme")
	globex := h.org("globex", "Globex")
	h.user("ACME-7K2Q9", "jean@example.org", "Jean", "active", acme)
	h.user("GLBX-55555", "hank@example.org", "Hank \x1b[31mRed", "active", globex)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "carol", "--role", "admin", "--org", "acme")
	h.mustRun("users", "unlock", "ACME-7K2Q9", "--reason", "ticket 1")
	h.mustRun("users", "unlock", "GLBX-55555", "--reason", "ticket \x1b]52;c;aGk=\x07 2")

	out := h.mustRun("audit", "list")
	if !strings.Contains(out, "user.unlock") || !strings.Contains(out, "GLBX-55555") || strings.ContainsRune(out, '\x1b') {
		t.Fatalf("list:\n%q", out)
	}
	if i, j := strings.Index(out, "GLBX-55555"), strings.Index(out, "ACME-7K2Q9"); i > j {
		t.Fatalf("not newest first:\n%s", out)
	}
	out = h.mustRun("audit", "list", "--user", "acme-7k2q9", "--json")
	var rows []model.AuditEntry
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(rows) != 1 || rows[0].Action != "user.unlock" || rows[0].TargetLogin != "ACME-7K2Q9" || rows[0].OperatorName != "alice" {
		t.Fatalf("rows %+v", rows)
	}
	if out := h.mustRun("audit", "list", "--action", "operator.", "--since", "1h", "--json"); strings.Count(out, `"operator.add"`) != 2 {
		t.Fatalf("--action operator.: %s", out)
	}
	if out := h.mustRun("audit", "list", "--until", "2000-01-01", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("--until 2000: %s", out)
	}
	if code, _, errOut := h.run("audit", "list", "--since", "yesterday"); code != 2 || !strings.Contains(errOut, "--since") {
		t.Fatalf("bad --since: exit %d %s", code, errOut)
	}
	// An admin sees their organization's rows, and "not found" for another's user.
	asOSUser(t, "carol")
	out = h.mustRun("audit", "list")
	if !strings.Contains(out, "ACME-7K2Q9") || strings.Contains(out, "GLBX-55555") {
		t.Fatalf("admin of acme:\n%s", out)
	}
	if code, _, errOut := h.run("audit", "list", "--user", "GLBX-55555"); code != 1 || !strings.Contains(errOut, "no user GLBX-55555") {
		t.Fatalf("admin naming a globex user: exit %d %s", code, errOut)
	}
}
