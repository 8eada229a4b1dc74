package main

import (
	"strings"
	"testing"

	"github.com/stewardmdm/steward/privacy"
)

// TestPrivacyRecords: the CLI prints the server's records of processing
// and its plain-language page, as Markdown and as JSON.
func TestPrivacyRecords(t *testing.T) {
	h := newHarness(t)
	h.login()
	out := h.ok("", "privacy", "records")
	if !strings.HasPrefix(out, "# Records of processing activities (GDPR Art. 30)") || !strings.Contains(out, "## Device location (`device.location`)") {
		t.Errorf("records:\n%s", out)
	}
	out = h.ok("", "privacy", "records", "--plain")
	if !strings.Contains(out, "At most the last 50 points per device and nothing older than 2 months") {
		t.Errorf("plain page:\n%s", out)
	}
	r := decode[privacy.Records](t, h.ok("", "privacy", "records", "--json"))
	if len(r.Activities) == 0 || r.Activities[0].Category != "device.location" || len(r.NotCollected) == 0 {
		t.Errorf("records JSON: %+v", r)
	}
	h.ok("", "logout")
	if stderr := h.fail(exitError, "", "privacy", "records", "--server", h.url); !strings.Contains(stderr, "not logged in") {
		t.Errorf("signed out: %s", stderr)
	}
}
