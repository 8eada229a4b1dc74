package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// TestImportsNoServerPackage keeps the simulator a pure protocol client:
// of the module it may use only protocol and sim.
func TestImportsNoServerPackage(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	const mod = "github.com/stewardmdm/steward"
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{mod + "/protocol": true, mod + "/sim": true, mod + "/cmd/steward-sim": true}
	seen := map[string]bool{}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == mod || strings.HasPrefix(pkg, mod+"/") {
			seen[pkg] = true
			if !allowed[pkg] {
				t.Errorf("steward-sim depends on %s", pkg)
			}
		}
	}
	for pkg := range allowed {
		if !seen[pkg] {
			t.Errorf("%s missing from the dependencies: is the test reading the right package?", pkg)
		}
	}
}

func TestParseRefusesIncompleteFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--server", "http://127.0.0.1:1"},
		{"--code", "X"},
		{"--server", "http://127.0.0.1:1", "--code", "X", "extra"},
		{"--server", "http://127.0.0.1:1", "--code", "X", "--stats", "0s"},
		{"--server", "http://127.0.0.1:1", "--code", "X", "--policy-failures", "wifi"},
		{"--server", "http://127.0.0.1:1", "--code", "X", "--policy-failures", "wifi=2"},
		{"--server", "http://127.0.0.1:1", "--code", "X", "--policy-failures", "bluetooth=0.1"},
	} {
		if _, err := parse(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parse(%q) accepted it", args)
		}
	}
}

func TestParsePolicyFailures(t *testing.T) {
	c, err := parse([]string{"--server", "http://127.0.0.1:1", "--code", "X", "--policy-failures", "wifi=0.1, app=0.05"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if r := c.opts.PolicyFailureRates; len(r) != 2 || r["wifi"] != 0.1 || r["app"] != 0.05 {
		t.Errorf("rates %v", r)
	}
}

// syncBuffer is a bytes.Buffer safe for the stats goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunPrintsStatsUntilCancelled(t *testing.T) {
	var enrolled, checkIns atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.PathEnroll, func(w http.ResponseWriter, r *http.Request) {
		n := enrolled.Add(1)
		_ = json.NewEncoder(w).Encode(protocol.EnrollResponse{Protocol: 1, DeviceID: fmt.Sprint("d", n),
			Credential: fmt.Sprint("d", n, ".s"), CheckInIntervalSeconds: 3600})
	})
	mux.HandleFunc("POST "+protocol.PathCheckIn, func(w http.ResponseWriter, r *http.Request) {
		checkIns.Add(1)
		_ = json.NewEncoder(w).Encode(protocol.CheckInResponse{CheckInIntervalSeconds: 3600, AgentEnabled: true})
	})
	mux.HandleFunc("GET "+protocol.PathCommands, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		_ = json.NewEncoder(w).Encode(protocol.CommandsResponse{})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--server", srv.URL, "--code", "C", "--devices", "5", "--stats", "20ms"}, &out, &errOut)
	}()
	for !strings.Contains(out.String(), "check-ins ok=5 ") {
		if ctx.Err() != nil {
			t.Fatalf("no stats line with five check-ins; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "enrolled 5 of 5 devices") || enrolled.Load() != 5 {
		t.Errorf("stdout:\n%s", out.String())
	}
}
