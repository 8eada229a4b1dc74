package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestPrivacyRecords: 'steward privacy records' prints the generated
// documents in each format, with no database and no configuration.
func TestPrivacyRecords(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // substrings of the output
	}{
		{[]string{"privacy", "records"}, []string{"# Records of processing activities (GDPR Art. 30)", "## Device location (`device.location`)", "| `support.tickets` |"}},
		{[]string{"privacy", "records", "--plain"}, []string{"# What Steward collects and how long it keeps it", "At most the last 50 points per device and nothing older than 2 months"}},
		{[]string{"privacy", "records", "--format", "json"}, []string{`"activities": [`, `"category": "device.location"`}},
		{[]string{"privacy", "records", "--format", "json", "--plain"}, []string{`"how_long": "At most the last 50 points`}},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), tc.args, func(string) string { return "" }, &out, &errb); err != nil {
			t.Fatalf("steward %s: %v\n%s", strings.Join(tc.args, " "), err, errb.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("steward %s: output lacks %q", strings.Join(tc.args, " "), w)
			}
		}
		if strings.Contains(strings.Join(tc.args, " "), "json") && !json.Valid(out.Bytes()) {
			t.Errorf("steward %s: not JSON", strings.Join(tc.args, " "))
		}
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"privacy", "records", "--format", "yaml"}, func(string) string { return "" }, &out, &errb); err == nil {
		t.Error("--format yaml was accepted")
	}
}
