package cli

import (
	"testing"

	"gatehouse/model"
	"gatehouse/ui"
)

// TestConsoleReadOnlyReachesTheOperator: --read-only is a property of the operator the
// console acts as (so every store call of the session carries it), not only of the screens.
func TestConsoleReadOnlyReachesTheOperator(t *testing.T) {
	h := newHarness(t)
	asOSUser(t, "alice")
	h.mustRun("operator", "add", "alice", "--role", "support")
	h.mustRun("operator", "add", "night", "--role", "oncall")
	var got model.Operator
	var gotOpt ui.Options
	stubUI(t, func(op model.Operator, opt ui.Options) { got, gotOpt = op, opt })
	for _, c := range []struct {
		args     []string
		name     string
		readOnly bool
	}{
		{[]string{"--read-only"}, "alice", true},
		{nil, "alice", false},
		{[]string{"--read-only", "--as", "night"}, "night", true},
		{[]string{"--as", "night"}, "night", false},
	} {
		got, gotOpt = model.Operator{}, ui.Options{}
		args := append([]string{"--database-url", h.dsn}, c.args...)
		if code, _, errOut := run(t, args...); code != 0 {
			t.Fatalf("gatehouse %v: exit %d: %s", c.args, code, errOut)
		}
		if got.Name != c.name || got.ReadOnly != c.readOnly || gotOpt.ReadOnly != c.readOnly {
			t.Errorf("gatehouse %v: operator %s read-only %v, options read-only %v; want %s %v", c.args, got.Name, got.ReadOnly, gotOpt.ReadOnly, c.name, c.readOnly)
		}
	}
}
