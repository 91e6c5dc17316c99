package ui

import (
	"context"
	"strings"
	"testing"

	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// The on-call engineer opens Lockouts on the demo's data (its size, the real clock: the demo
// writes its last day up to now) and finds, in the by-IP pane, the attack spread over the
// addresses of 2001:db8:bad:1::/64 as one source, flagged.
func TestDemoLockoutsFlagTheIPv6Attack(t *testing.T) {
	st := storetest.New(t)
	if _, err := demodata.Load(context.Background(), st.DB(), demodata.Options{Users: 300, Events: 3000, Orgs: 12, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, st, support, 200, 60)
	h.keys("l")
	h.mustShow("Locked now")
	h.keys("3", "w", "w") // the by-IP pane over the last day
	h.mustShow("window 1d")
	v := h.view()
	l := lineOf(v, "2001:db8:bad:1::/64")
	if l < 0 {
		t.Fatalf("the /64 is not in the by-IP pane:\n%s", v)
	}
	if row := strings.Split(v, "\n")[l]; !strings.Contains(row, "ATTACK?") {
		t.Fatalf("the /64 is not flagged: %q", row)
	}
	h.keys("enter")
	h.mustShow("from 2001:db8:bad:1::/64")
}
