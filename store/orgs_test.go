package store_test

import (
	"slices"
	"testing"

	"gatehouse/model"
	"gatehouse/store/storetest"
)

// Organizations are listed in the order people expect, not by their bytes: "Élan" between
// "Eagle" and "Zoé" (bytes put every accented capital after "Z"), case aside; an admin's
// list keeps that order.
func TestOrganizationsInTheOrderPeopleExpect(t *testing.T) {
	a := newAcct(t)
	for slug, name := range map[string]string{"zoe": "Zoé", "elan": "Élan", "eagle": "Eagle", "cafe": "Café du Port",
		"cadre": "cadre bleu", "ecole": "École Pasteur", "zeta": "Zeta", "ang": "Ångström"} {
		storetest.Org(t, a.s, slug, name)
	}
	names := func(op model.Operator) []string {
		t.Helper()
		orgs, err := a.s.ListOrganizations(a.ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range orgs {
			out = append(out, o.Name)
		}
		return out
	}
	want := []string{"Ångström", "cadre bleu", "Café du Port", "Eagle", "École Pasteur", "Élan", "Zeta", "Zoé"}
	if got := names(model.Operator{Name: "sue", Role: model.RoleSupport}); !slices.Equal(got, want) {
		t.Fatalf("support's organizations: %q, want %q", got, want)
	}
	ana := a.operator("ana", model.RoleAdmin, []string{"zoe", "elan", "eagle"})
	if got := names(ana); !slices.Equal(got, []string{"Eagle", "Élan", "Zoé"}) {
		t.Fatalf("an admin's organizations: %q", got)
	}
}
