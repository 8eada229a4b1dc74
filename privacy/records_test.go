package privacy_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/privacy"
)

var update = flag.Bool("update", false, "rewrite the generated documents and golden files")

// TestGeneratedDocuments renders the documents generated from the catalog
// and fails when a committed copy differs: docs/privacy.md and the records
// and plain-language pages in docs/, and their JSON in testdata/. Run
// 'go test ./privacy -update' after changing the catalog or the ledger.
func TestGeneratedDocuments(t *testing.T) {
	d := privacy.Generate()
	for _, g := range []struct {
		path  string
		write func(w io.Writer) error
	}{
		{"../docs/privacy.md", privacy.WriteReferenceMarkdown},
		{"../docs/privacy-records.md", func(w io.Writer) error { return privacy.WriteRecordsMarkdown(w, d.Records) }},
		{"../docs/privacy-plain.md", func(w io.Writer) error { return privacy.WriteNoticeMarkdown(w, d.Plain) }},
		{"testdata/records.json", func(w io.Writer) error { return privacy.WriteJSON(w, d.Records) }},
		{"testdata/plain.json", func(w io.Writer) error { return privacy.WriteJSON(w, d.Plain) }},
	} {
		var b bytes.Buffer
		if err := g.write(&b); err != nil {
			t.Fatalf("%s: %v", g.path, err)
		}
		if *update {
			if err := os.MkdirAll(filepath.Dir(g.path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(g.path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(g.path)
		if err != nil {
			t.Fatalf("%v (run 'go test ./privacy -update' to generate it)", err)
		}
		if diff := cmp.Diff(string(want), b.String()); diff != "" {
			t.Errorf("%s is not what the catalog generates; run 'go test ./privacy -update' (-committed +generated):\n%s", g.path, diff)
		}
	}
}

// TestRecordsSayWhatIsProcessed checks what a reader relies on: the
// records list only what this version collects, and say so for the rest;
// the location limits are spelled out.
func TestRecordsSayWhatIsProcessed(t *testing.T) {
	d := privacy.Generate()
	var active, absent []string
	for _, a := range d.Records.Activities {
		active = append(active, a.Category)
		if a.Purpose == "" || a.LegalBasis == "" || len(a.Subjects) == 0 || len(a.Data) == 0 || len(a.Recipients) == 0 ||
			a.Retention == "" || len(a.Safeguards) == 0 || a.Transfers == "" {
			t.Errorf("activity %s lacks an Art. 30 field: %+v", a.Category, a)
		}
	}
	for _, a := range d.Records.NotCollected {
		absent = append(absent, a.Category)
	}
	for _, c := range privacy.Catalog() {
		if c.Collected() != (len(c.Columns) > 0) {
			t.Errorf("category %s: collected %v but %d columns", c.Name, c.Collected(), len(c.Columns))
		}
	}
	wantAbsent := []string{
		"support.tickets", "support.remote_sessions", "auth.risk_signals"}
	if diff := cmp.Diff(wantAbsent, absent); diff != "" {
		t.Errorf("not collected (-want +got):\n%s", diff)
	}
	if len(active)+len(absent) != len(privacy.Catalog()) {
		t.Errorf("%d activities and %d absent for %d categories", len(active), len(absent), len(privacy.Catalog()))
	}
	loc := d.Plain.Items[0]
	if loc.Title != "Device location" || !strings.Contains(loc.HowLong, "50 points") || !strings.Contains(loc.HowLong, "2 months") ||
		!strings.Contains(loc.When, "Company-owned devices only") {
		t.Errorf("the plain page's location row reads %+v", loc)
	}
}

// TestRetentionMatchesThePolicies pins the durations the seeds promise, so
// that no edit of the catalog loosens one unnoticed.
func TestRetentionMatchesThePolicies(t *testing.T) {
	got := map[string]string{}
	for _, c := range privacy.Catalog() {
		var parts []string
		for _, a := range c.Rule.Anchors {
			when := "at once"
			if a.After > 0 {
				when = privacy.Duration(a.After)
			}
			parts = append(parts, string(a.Kind)+" "+when)
		}
		if c.Rule.Cap > 0 {
			parts = append(parts, fmt.Sprint("cap ", c.Rule.Cap))
		}
		got[c.Name] = strings.Join(parts, ", ")
	}
	want := map[string]string{
		"device.location":         "event 2 months, feature_disabled at once, device_reset at once, account_deleted 6 months, subscription_ended 2 years, cap 50",
		"device.web_history":      "event 15 days, feature_disabled at once, device_reset at once, account_deleted 6 months, subscription_ended 2 years",
		"device.commands":         "event 1 month, device_reset at once, account_deleted 6 months, subscription_ended 2 years",
		"mail.outbox":             "event 1 month",
		"device.inventory":        "device_reset at once, account_deleted 6 months, subscription_ended 2 years",
		"audit.console_actions":   "account_deleted 6 months, subscription_ended 2 years",
		"billing.credit_ledger":   "event 10 years",
		"security.events":         "event 2 years",
		"auth.risk_signals":       "event 3 months",
		"support.tickets":         "closed 2 years",
		"support.remote_sessions": "event 1 year",
		"directory.users":         "customer_deleted at once, account_deleted 6 months, subscription_ended 2 years",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: rule %q, want %q", name, got[name], w)
		}
	}
}
