package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"gatehouse/model"
)

// The rights catalog has its texts in English and French: seeded in French for the default
// rights, set per language with `rights set`, given at `rights add`, listed with both.
func TestRightsTextsPerLanguage(t *testing.T) {
	h := newHarness(t)
	h.mustRun("migrate")
	label := func(code string) (en, fr string) {
		t.Helper()
		var r struct{ Label, LabelFR string }
		if err := h.db.Get(&r, `SELECT label, coalesce(label_fr, '') AS labelfr FROM rights WHERE code = $1`, code); err != nil {
			t.Fatal(err)
		}
		return r.Label, r.LabelFR
	}
	if en, fr := label("billing.view"); en != "View billing" || fr != "Consulter la facturation" {
		t.Fatalf("the default right in French: %q / %q", en, fr)
	}

	h.mustRun("rights", "set", "billing.view", "--label", "Voir les factures", "--description", "Les factures et les relevés")
	if en, fr := label("billing.view"); en != "View billing" || fr != "Voir les factures" {
		t.Errorf("after rights set (French by default): %q / %q", en, fr)
	}
	h.mustRun("rights", "set", "billing.view", "--in", "en", "--label", "View invoices")
	if en, fr := label("billing.view"); en != "View invoices" || fr != "Voir les factures" {
		t.Errorf("after rights set --in en: %q / %q", en, fr)
	}
	// An empty French label removes it; an empty English label is refused.
	h.mustRun("rights", "set", "reports.view", "--label", "")
	if _, fr := label("reports.view"); fr != "" {
		t.Errorf("an emptied French label: %q", fr)
	}
	if code, _, errOut := h.run("rights", "set", "reports.view", "--in", "en", "--label", " "); code == 0 || !strings.Contains(errOut, "English label is required") {
		t.Errorf("an empty English label: exit %d, %s", code, errOut)
	}
	if code, _, errOut := h.run("rights", "set", "no.such", "--label", "x"); code == 0 || !strings.Contains(errOut, "no.such") {
		t.Errorf("an unknown right: exit %d, %s", code, errOut)
	}
	if code, _, _ := h.run("rights", "set", "billing.view"); code != 2 {
		t.Errorf("nothing to set: exit %d, want 2", code)
	}

	h.mustRun("rights", "add", "docs.view", "--label", "View documents", "--label-fr", "Consulter les documents", "--description-fr", "Lire les documents partagés")
	var list []model.Right
	if err := json.Unmarshal([]byte(h.mustRun("rights", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range list {
		if r.Code == "docs.view" {
			found = r.LabelFR == "Consulter les documents" && r.DescriptionFR == "Lire les documents partagés" && r.Label == "View documents"
		}
	}
	if !found {
		t.Errorf("rights list --json: %+v", list)
	}
	if out := h.mustRun("rights", "list"); !strings.Contains(out, "LABEL (FR)") || !strings.Contains(out, "Consulter les documents") {
		t.Errorf("rights list:\n%s", out)
	}
	var n int
	if err := h.db.Get(&n, `SELECT count(*) FROM audit_entries WHERE action = 'right.set'`); err != nil || n != 3 {
		t.Errorf("%d right.set audit rows, want 3 (%v)", n, err)
	}
}
