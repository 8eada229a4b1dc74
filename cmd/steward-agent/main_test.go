package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

// TestImportsNoServer guards the agent binary: it speaks the protocol and
// nothing else of Steward, so it can be built and shipped alone.
func TestImportsNoServer(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	const mod = "github.com/stewardmdm/steward"
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	forbidden := []string{
		mod + "/service", mod + "/store", mod + "/server", mod + "/http/", mod + "/jobs", mod + "/client",
		mod + "/internal/", "database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/lib/pq",
		"github.com/mattn/go-sqlite3", "github.com/pressly/goose",
	}
	seen := map[string]bool{}
	for _, d := range deps {
		seen[d] = true
		if d == mod {
			t.Errorf("steward-agent imports the server's domain package %s", d)
		}
		for _, bad := range forbidden {
			if d == bad || strings.HasPrefix(d, strings.TrimSuffix(bad, "/")+"/") {
				t.Errorf("steward-agent imports %s", d)
			}
		}
	}
	for _, must := range []string{mod + "/agent", mod + "/protocol", mod + "/cmd/steward-agent"} {
		if !seen[must] {
			t.Errorf("%s is not among the dependencies: is the test reading the right package?", must)
		}
	}
}

// testApp returns an app with the given environment and captured output.
func testApp(t *testing.T, env map[string]string) (*app, *strings.Builder, *strings.Builder) {
	t.Helper()
	root := t.TempDir() // a host with only a machine ID
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/machine-id"), []byte("0123456789abcdef0123456789abcdef\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	return &app{
		root:   root,
		stdout: &stdout, stderr: &stderr,
		getenv:  func(k string) string { return env[k] },
		euid:    1000,
		homeDir: func() (string, error) { return "/home/alice", nil },
	}, &stdout, &stderr
}

func TestDefaultStateDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		euid int
		env  map[string]string
		want string
	}{
		{"root", 0, map[string]string{"XDG_STATE_HOME": "/x"}, "/var/lib/steward-agent"},
		{"user", 1000, nil, "/home/alice/.local/state/steward-agent"},
		{"user with XDG", 1000, map[string]string{"XDG_STATE_HOME": "/home/alice/state"}, "/home/alice/state/steward-agent"},
		{"relative XDG ignored", 1000, map[string]string{"XDG_STATE_HOME": "state"}, "/home/alice/.local/state/steward-agent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _, _ := testApp(t, tc.env)
			a.euid = tc.euid
			if got, err := a.defaultStateDir(); err != nil || got != tc.want {
				t.Errorf("defaultStateDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// fakeServer answers enroll, check-in and credential rotation, and
// refuses push and long polls so that 'run' falls back and waits.
func fakeServer(t *testing.T) (*httptest.Server, <-chan struct{}) {
	checkedIn := make(chan struct{}, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.PathEnroll, func(w http.ResponseWriter, r *http.Request) {
		var req protocol.EnrollRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.ActivationCode != "GOOD-CODE" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":{"code":"invalid","message":"activation code not valid"}}`))
			return
		}
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: "dev1", SupportID: "ABCD1234", Credential: "dev1.secret", CheckInIntervalSeconds: 600})
	})
	mux.HandleFunc("POST "+protocol.PathCredential, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(protocol.CredentialResponse{Credential: "dev1.rotated"})
	})
	mux.HandleFunc("POST "+protocol.PathCheckIn, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer dev1.rotated" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(protocol.CheckInResponse{CheckInIntervalSeconds: 600, AgentEnabled: true})
		checkedIn <- struct{}{}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, checkedIn
}

func TestEnrollStatusRotateRun(t *testing.T) {
	srv, checkedIn := fakeServer(t)
	dir := filepath.Join(t.TempDir(), "state")
	env := map[string]string{"STEWARD_AGENT_STATE_DIR": dir, "STEWARD_AGENT_CODE": "GOOD-CODE", "STEWARD_AGENT_LOG_LEVEL": "error"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exec := func(args ...string) (int, string, string) {
		a, stdout, stderr := testApp(t, env)
		code := a.run(ctx, args)
		return code, stdout.String(), stderr.String()
	}

	code, out, errOut := exec("enroll", "--server", srv.URL, "--name", "build-box")
	if code != exitOK || !strings.Contains(out, "Enrolled as device dev1 (support ID ABCD1234)") {
		t.Fatalf("enroll: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := exec("enroll", "--server", srv.URL); code != exitError || !strings.Contains(errOut, "already enrolled") {
		t.Errorf("second enroll: exit %d, %s", code, errOut)
	}
	env["STEWARD_AGENT_CODE"] = "BAD"
	if code, _, errOut := exec("enroll", "--server", srv.URL, "--force"); code != exitError || !strings.Contains(errOut, "activation code not valid") {
		t.Errorf("forced enroll with a bad code: exit %d, %s", code, errOut)
	}

	code, out, _ = exec("status", "--json")
	var st agent.Status
	if err := json.Unmarshal([]byte(out), &st); code != exitOK || err != nil || st.DeviceID != "dev1" || st.Name != "build-box" || st.Running {
		t.Errorf("status --json: exit %d, %v\n%s", code, err, out)
	}
	if code, out, _ := exec("status"); code != exitOK || !strings.Contains(out, "Device:        dev1 (support ID ABCD1234)") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	if code, out, errOut := exec("rotate"); code != exitOK || !strings.Contains(out, "Credential rotated") {
		t.Errorf("rotate: exit %d\n%s%s", code, out, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "agent.json")); !strings.Contains(string(b), "dev1.rotated") {
		t.Error("the rotated credential was not kept")
	}

	// run checks in with the rotated credential and stops when told.
	rctx, stop := context.WithCancel(ctx)
	done := make(chan int, 1)
	a, _, stderr := testApp(t, env)
	go func() { done <- a.run(rctx, []string{"run", "--cache-dir", t.TempDir()}) }()
	select {
	case <-checkedIn:
	case <-ctx.Done():
		t.Fatal("run did not check in")
	}
	stop()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("run stopped with exit %d\n%s", code, stderr)
		}
	case <-ctx.Done():
		t.Fatal("run did not stop")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "Usage:"},
		{[]string{"teleport"}, nil, `unknown command "teleport"`},
		{[]string{"enroll", "--code", "C"}, nil, "--server (or $STEWARD_AGENT_SERVER) is required"},
		{[]string{"enroll", "--server", "https://x"}, nil, "--code (or $STEWARD_AGENT_CODE) is required"},
		{[]string{"run", "extra"}, nil, `unexpected argument "extra"`},
		{[]string{"run", "--nope"}, nil, "flag provided but not defined: -nope"},
		{[]string{"run"}, map[string]string{"STEWARD_AGENT_ALLOW_DESTRUCTIVE": "maybe"}, `$STEWARD_AGENT_ALLOW_DESTRUCTIVE="maybe" is not true or false`},
		{[]string{"status", "--log-level", "loud"}, nil, `--log-level "loud" is not debug, info, warn or error`},
		{[]string{"run", "--wifi-reload-cmd", "nmcli connection reload"}, nil, "--wifi-reload-cmd needs --apply-wifi-dir"},
		{[]string{"run", "--apply-wifi-dir", "/etc/nm"}, map[string]string{"STEWARD_AGENT_CA_UPDATE_CMD": "update-ca-certificates"}, "--ca-update-cmd needs --apply-ca-dir"},
	} {
		a, _, stderr := testApp(t, tc.env)
		if code := a.run(context.Background(), tc.args); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	a, stdout, _ := testApp(t, nil)
	if code := a.run(context.Background(), []string{"version"}); code != exitOK || !strings.Contains(stdout.String(), agent.Version) {
		t.Errorf("version: exit %d, %s", code, stdout)
	}
}

func TestRunRefusesWhenNotEnrolled(t *testing.T) {
	a, _, stderr := testApp(t, map[string]string{"STEWARD_AGENT_STATE_DIR": t.TempDir()})
	if code := a.run(context.Background(), []string{"run"}); code != exitError || !strings.Contains(stderr.String(), "Enroll first") {
		t.Errorf("run: exit %d\n%s", code, stderr)
	}
}

func TestCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: "dev1", SupportID: "ABCD1234", Credential: "dev1.secret"})
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STEWARD_AGENT_STATE_DIR": t.TempDir(), "STEWARD_AGENT_CODE": "C", "STEWARD_AGENT_LOG_LEVEL": "error"}
	a, _, stderr := testApp(t, env)
	if code := a.run(context.Background(), []string{"enroll", "--server", srv.URL}); code != exitError || !strings.Contains(stderr.String(), "certificate") {
		t.Errorf("enroll without the CA: exit %d\n%s", code, stderr)
	}
	a, stdout, stderr := testApp(t, env)
	if code := a.run(context.Background(), []string{"enroll", "--server", srv.URL, "--ca-file", ca}); code != exitOK {
		t.Errorf("enroll with the CA: exit %d\n%s%s", code, stdout, stderr)
	}
	a, _, stderr = testApp(t, env)
	if code := a.run(context.Background(), []string{"status", "--ca-file", filepath.Join(t.TempDir(), "none.pem")}); code != exitError || !strings.Contains(stderr.String(), "read --ca-file") {
		t.Errorf("missing CA file: exit %d\n%s", code, stderr)
	}
}
