package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRun runs the whole harness at a tiny scale against a real server
// subprocess on SQLite, so that the bench cannot rot unnoticed.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and drives it for several seconds")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH: the bench builds the server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	// Acks go on the push socket here; the HTTP acknowledgement has tests of its own.
	r, err := Run(ctx, Options{Devices: 50, Conns: 4, EnrollWorkers: 4, Duration: time.Second, Warmup: -1, AckOnSocket: true, Progress: &progress})
	t.Log(progress.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.Enroll.Devices != 50 || r.Enroll.Errors != 0 {
		t.Errorf("enrolled %d devices with %d errors (%s), want 50 and none", r.Enroll.Devices, r.Enroll.Errors, r.Enroll.FirstErr)
	}
	for _, l := range []*LoadResult{r.CheckIn, r.Poll} {
		if l == nil {
			t.Fatal("a load scenario is missing from the report")
		}
		if l.Requests == 0 || l.Errors != 0 || l.Latency.P99 <= 0 {
			t.Errorf("%s: %d requests, %d errors (%s), p99 %v", l.Scenario, l.Requests, l.Errors, l.FirstErr, l.Latency.P99)
		}
	}
	f := r.Fanout
	if f == nil {
		t.Fatal("no fan-out in the report")
	}
	if f.Commands != 50 || f.Delivery.Count != 50 || f.Delivery.Missing != 0 || f.Ack.Count != 50 || f.AckErrors != 0 || f.DialErrors != 0 {
		t.Errorf("fan-out: %d commands, %d pushes received (%d missing), %d acks, %d ack errors, %d dial errors (%s); want 50 of each and no errors",
			f.Commands, f.Delivery.Count, f.Delivery.Missing, f.Ack.Count, f.AckErrors, f.DialErrors, f.FirstErr)
	}
	// Each socket holds a goroutine; a few of the goroutines counted before
	// (idle keep-alive connections of the enrollment) may be gone after.
	if f.RSSAfter <= 0 || f.HeapAfter <= 0 || f.GoroutinesAfter < f.GoroutinesBefore+45 {
		t.Errorf("fan-out memory: RSS %d, heap %d, goroutines %d → %d", f.RSSAfter, f.HeapAfter, f.GoroutinesBefore, f.GoroutinesAfter)
	}

	var text bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"check-ins/s", "idle polls/s", "fan-out to 50 sockets", "memory per idle connected device"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, ok := back["fanout"].(map[string]any)["delivery"].(map[string]any)["p99_ms"]; !ok {
		t.Errorf("the JSON report has no fanout.delivery.p99_ms: %s", b)
	}
}

func TestSummarise(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		samples []time.Duration
		missing int
		want    Latency
	}{
		{"none", nil, 0, Latency{Min: -1, P50: -1, P99: -1, Max: -1}},
		{"one", ms(7), 0, Latency{Count: 1, Min: ms(7)[0], P50: ms(7)[0], P99: ms(7)[0], Max: ms(7)[0]}},
		{"unsorted", ms(4, 1, 3, 2), 0, Latency{Count: 4, Min: ms(1)[0], P50: ms(2)[0], P99: ms(4)[0], Max: ms(4)[0]}},
		// Missing samples rank last: half missing leaves p50 reached, p99 not.
		{"missing", ms(1, 2), 2, Latency{Count: 2, Missing: 2, Min: ms(1)[0], P50: ms(2)[0], P99: -1, Max: -1}},
		{"all missing", nil, 3, Latency{Missing: 3, Min: -1, P50: -1, P99: -1, Max: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, summarise(tc.samples, tc.missing)); diff != "" {
				t.Errorf("summarise (-want +got):\n%s", diff)
			}
		})
	}
	if got := within(ms(1, 2, 3, 1000, 1001), time.Second); got != 4 {
		t.Errorf("within 1 s: %d, want 4", got)
	}
}

// TestLayout keeps the bench outside the server: it may speak the
// protocol and use the domain types, never call the server's packages.
func TestLayout(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	const mod = "github.com/stewardmdm/steward"
	out, err := exec.Command("go", "list", "-deps", mod+"/cmd/steward-bench").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, bad := range []string{mod + "/server", mod + "/service", mod + "/store", mod + "/http/"} {
			if p == bad || strings.HasPrefix(p, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(p, bad)) {
				t.Errorf("steward-bench depends on %s", p)
			}
		}
	}
}
