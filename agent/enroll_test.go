package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

func TestEnrollKeepsAPrivateState(t *testing.T) {
	f := newFakeServer(t)
	a, o := newAgent(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	st, err := a.Enroll(ctx, agent.EnrollRequest{Code: " CODE-1234 ", Name: "build-box"})
	if err != nil {
		t.Fatal(err)
	}
	want := agent.Status{Enrolled: true, Server: f.URL(), DeviceID: "dev1", SupportID: "ABCD1234",
		Ownership: "company", Name: "build-box", CheckInInterval: 3600e9}
	if diff := cmp.Diff(want, st, ignoreTimes); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	req := f.enrollReqs()[0]
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(req.Hardware.ID) || strings.Contains(req.Hardware.ID, "0123456789abcdef") {
		t.Errorf("hardware ID %q: want a hash that does not reveal the machine ID", req.Hardware.ID)
	}
	req.Hardware.ID = ""
	wantReq := protocol.EnrollRequest{Protocol: 1, ActivationCode: "CODE-1234", Ownership: "company", Platform: "linux",
		Name: "build-box", AgentVersion: agent.Version,
		Hardware: protocol.Hardware{Manufacturer: "LENOVO", Model: "20XW00GEUS", Serial: "PF2ABCDE"}}
	if diff := cmp.Diff(wantReq, req); diff != "" {
		t.Errorf("enroll request (-want +got):\n%s", diff)
	}

	dir, err := os.Stat(o.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.Stat(filepath.Join(o.StateDir, "agent.json"))
	if err != nil {
		t.Fatal(err)
	}
	if dir.Mode().Perm() != 0o700 || file.Mode().Perm() != 0o600 {
		t.Errorf("state folder %v, state file %v; want 0700 and 0600", dir.Mode().Perm(), file.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(o.StateDir, "agent.json"))
	var kept struct{ Credential string }
	if err := json.Unmarshal(b, &kept); err != nil || kept.Credential != "dev1.secret" {
		t.Errorf("kept credential %q (%v), want dev1.secret", kept.Credential, err)
	}

	// A second enrollment is refused, and a failed forced one keeps the first.
	if _, err := a.Enroll(ctx, agent.EnrollRequest{Code: "CODE-5678"}); !errors.Is(err, agent.ErrEnrolled) {
		t.Errorf("second enroll: %v, want ErrEnrolled", err)
	}
	f.set(func(f *fakeServer) { f.enrollErr = http.StatusBadRequest })
	var se *agent.ServerError
	if _, err := a.Enroll(ctx, agent.EnrollRequest{Code: "BAD", Force: true}); !errors.As(err, &se) || se.Message != "activation code not valid" {
		t.Errorf("failed enroll: %v, want the server's message", err)
	}
	if st, _ := a.Status(); st.DeviceID != "dev1" {
		t.Errorf("after a failed forced enroll the device is %q, want dev1", st.DeviceID)
	}
	f.set(func(f *fakeServer) { f.enrollErr = 0 })
	if st, err := a.Enroll(ctx, agent.EnrollRequest{Code: "CODE-5678", Ownership: "personal", Force: true}); err != nil || st.DeviceID != "dev2" || st.Ownership != "personal" {
		t.Errorf("forced enroll: %+v, %v; want device dev2, personal", st, err)
	}
	if e := f.enrollReqs(); e[0].Hardware.ID != e[1].Hardware.ID {
		t.Error("the hardware ID changed between enrollments")
	}
}

func TestEnrollRefusesBadInput(t *testing.T) {
	f := newFakeServer(t)
	for _, tc := range []struct {
		name, server string
		req          agent.EnrollRequest
		want         string
	}{
		{"no code", f.URL(), agent.EnrollRequest{}, "no activation code"},
		{"bad ownership", f.URL(), agent.EnrollRequest{Code: "C", Ownership: "family"}, "neither company nor personal"},
		{"no server", "", agent.EnrollRequest{Code: "C"}, "no server address"},
		{"not a URL", "mdm.example.com", agent.EnrollRequest{Code: "C"}, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAgent(t, f, func(o *agent.Options) { o.Server = tc.server })
			if _, err := a.Enroll(context.Background(), tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("enroll: %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if n := len(f.enrollReqs()); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

func TestRotateCredential(t *testing.T) {
	f := newFakeServer(t)
	a, o := enrolled(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.RotateCredential(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(o.StateDir, "agent.json"))
	if !strings.Contains(string(b), `"dev1.rotated1"`) {
		t.Errorf("state after rotation does not hold the new credential:\n%s", b)
	}
	// The server now accepts only the new credential; a fresh agent reads it.
	b2, err := agent.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.CheckIn(ctx); err != nil {
		t.Errorf("check-in with the rotated credential: %v", err)
	}
}

func TestRunRefusesASecondAgent(t *testing.T) {
	f := newFakeServer(t)
	a, o := enrolled(t, f, nil)
	f.set(func(f *fakeServer) { f.pushStatus = http.StatusNotFound })
	run(t, a)
	f.waitCheckIn()
	other, err := agent.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Run(context.Background()); !errors.Is(err, agent.ErrBusy) {
		t.Errorf("second Run: %v, want ErrBusy", err)
	}
	if err := other.RotateCredential(context.Background()); !errors.Is(err, agent.ErrBusy) {
		t.Errorf("rotation beside a running agent: %v, want ErrBusy", err)
	}
	if st, _ := other.Status(); !st.Running {
		t.Error("status does not see the running agent")
	}
}

func TestRunNeedsAnEnrollment(t *testing.T) {
	f := newFakeServer(t)
	a, _ := newAgent(t, f, nil)
	if err := a.Run(context.Background()); !errors.Is(err, agent.ErrNotEnrolled) {
		t.Errorf("Run: %v, want ErrNotEnrolled", err)
	}
	if st, err := a.Status(); err != nil || st.Enrolled {
		t.Errorf("status: %+v, %v; want not enrolled", st, err)
	}
}
