package model_test

import (
	"testing"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// TestActionPolicy holds the whole table: support does everything; admin everything but the
// support-only actions; oncall only unlocks and resets failure counters; read-only removes
// every action for every role, oncall's unlock included; an unknown role does nothing.
func TestActionPolicy(t *testing.T) {
	supportOnly := map[model.Action]bool{
		model.ActionEditEmail: true, model.ActionManageOrganizations: true, model.ActionManageRights: true,
		model.ActionManageOperators: true, model.ActionSetPolicies: true, model.ActionPruneEvents: true,
		model.ActionRebuildSearch: true, model.ActionRetryMail: true, model.ActionCancelMail: true,
		model.ActionUndelete: true,
	}
	oncall := map[model.Action]bool{model.ActionUnlock: true, model.ActionResetFailures: true}
	if n := len(model.Actions()); n != 28 {
		t.Fatalf("%d actions, want 28 (a new action needs its row in this test)", n)
	}
	for _, a := range model.Actions() {
		if a.String() == "unknown" || a.String() == "" {
			t.Errorf("action %d has no name", a)
		}
		for _, c := range []struct {
			role   model.Role
			want   bool
			reason string
		}{
			{model.RoleSupport, true, ""},
			{model.RoleAdmin, !supportOnly[a], model.ReasonSupportOnly},
			{model.RoleOncall, oncall[a], model.ReasonOncall},
			{"", false, model.ReasonRole},
			{"root", false, model.ReasonRole},
		} {
			op := model.Operator{Name: "x", Role: c.role}
			ok, reason := op.May(a)
			if ok != c.want || (ok && reason != "") || (!ok && reason != c.reason) {
				t.Errorf("%s may %s: %v %q, want %v %q", c.role, a, ok, reason, c.want, map[bool]string{false: c.reason}[c.want])
			}
			op.ReadOnly = true
			if ok, reason := op.May(a); ok || reason != model.ReasonReadOnly {
				t.Errorf("read-only %s may %s: %v %q, want refused with %q", c.role, a, ok, reason, model.ReasonReadOnly)
			}
			if op.Allows(a) {
				t.Errorf("read-only %s allows %s", c.role, a)
			}
		}
	}
	if ok, reason := (model.Operator{Role: model.RoleSupport}).May(model.Action(0)); ok || reason != model.ReasonRole {
		t.Errorf("an undeclared action: %v %q", ok, reason)
	}
	// The older predicates follow the policy.
	for _, c := range []struct {
		op            model.Operator
		write, unlock bool
	}{
		{model.Operator{Role: model.RoleSupport}, true, true},
		{model.Operator{Role: model.RoleAdmin}, true, true},
		{model.Operator{Role: model.RoleOncall}, false, true},
		{model.Operator{Role: model.RoleSupport, ReadOnly: true}, false, false},
		{model.Operator{Role: model.RoleOncall, ReadOnly: true}, false, false},
	} {
		if c.op.CanWrite() != c.write || c.op.CanUnlock() != c.unlock {
			t.Errorf("%s read-only=%v: CanWrite %v CanUnlock %v, want %v %v", c.op.Role, c.op.ReadOnly,
				c.op.CanWrite(), c.op.CanUnlock(), c.write, c.unlock)
		}
	}
}

// TestPolicyReasonsInBothLanguages: every reason May gives is a catalog key, in English and
// French.
func TestPolicyReasonsInBothLanguages(t *testing.T) {
	for _, r := range []string{model.ReasonReadOnly, model.ReasonOncall, model.ReasonSupportOnly, model.ReasonRole} {
		if !i18n.Has(i18n.EN, r) || !i18n.Has(i18n.FR, r) {
			t.Errorf("reason %q is not in the catalog in both languages", r)
		}
	}
}
