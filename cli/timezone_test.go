package cli

import (
	"strings"
	"testing"
)

// `org timezone` sets the zone of an organization's e-mail dates; `org list` shows it.
func TestOrgTimeZone(t *testing.T) {
	h := newHarness(t)
	h.mustRun("migrate")
	h.mustRun("org", "add", "quebec", "Québec Inc.")
	if out := h.mustRun("org", "timezone", "quebec", "America/Montreal"); !strings.Contains(out, "America/Montreal") {
		t.Errorf("org timezone: %s", out)
	}
	if out := h.mustRun("org", "list"); !strings.Contains(out, "TIME ZONE") || !strings.Contains(out, "America/Montreal") {
		t.Errorf("org list:\n%s", out)
	}
	if code, _, errOut := h.run("org", "timezone", "quebec", "Mars/Olympus"); code == 0 || !strings.Contains(errOut, "not a time zone name") {
		t.Errorf("a bad zone: exit %d, %s", code, errOut)
	}
	if code, _, errOut := h.run("org", "timezone", "nowhere", "UTC"); code == 0 || !strings.Contains(errOut, "nowhere") {
		t.Errorf("an unknown organization: exit %d, %s", code, errOut)
	}
	h.mustRun("org", "timezone", "quebec", "default")
	var tz *string
	if err := h.db.Get(&tz, `SELECT time_zone FROM organizations WHERE slug = 'quebec'`); err != nil || tz != nil {
		t.Errorf("after default: %v %v", tz, err)
	}
}
