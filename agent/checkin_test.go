package agent_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

var ignoreTimes = cmpopts.IgnoreFields(agent.Status{}, "EnrolledAt", "LastCheckIn")

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// hostInterfaces is a laptop with a Docker bridge listed before its
// Ethernet; the fixture's routing table sends the default route through
// enp3s0.
func hostInterfaces() ([]agent.Interface, error) {
	a := netip.MustParseAddr
	return []agent.Interface{
		{Name: "lo", Up: true, Loopback: true, Addrs: []netip.Addr{a("127.0.0.1"), a("::1")}},
		{Name: "docker0", Up: true, Addrs: []netip.Addr{a("172.17.0.1")}},
		{Name: "enp3s0", Up: true, Addrs: []netip.Addr{a("fe80::1"), a("2001:db8::23"), a("192.168.1.23")}},
	}, nil
}

func TestCheckInReportsTheHostAndAppDeltas(t *testing.T) {
	f := newFakeServer(t)
	clock := newFakeClock()
	a, o := enrolled(t, f, func(o *agent.Options) {
		o.Now = clock.Now
		o.Interfaces = hostInterfaces
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	checkIn := func() protocol.CheckInRequest {
		t.Helper()
		if _, err := a.CheckIn(ctx); err != nil {
			t.Fatalf("check in: %v", err)
		}
		return f.waitCheckIn()
	}

	uptime := int64(12345)
	want := protocol.CheckInRequest{
		Protocol: 1,
		Inventory: &protocol.Inventory{
			Manufacturer: "LENOVO", Model: "20XW00GEUS", Serial: "PF2ABCDE", IP: "192.168.1.23",
			OSVersion: "Debian GNU/Linux 12 (bookworm)", SystemSignature: "6.1.0-18-amd64",
			Battery:      &protocol.Battery{Level: 87, Charging: true, Health: "good"},
			AgentVersion: agent.Version, AgentState: "enabled", UptimeSeconds: &uptime,
		},
		Apps: &protocol.AppReport{Full: []protocol.App{
			{Package: "base-files", VersionName: "12.4+deb12u5", System: true},
			{Package: "curl", VersionName: "7.88.1-10+deb12u5"},
			{Package: "libc6", VersionName: "2.36-9+deb12u4"},
			{Package: "vim", VersionName: "2:9.0.1378-2"},
		}},
	}
	if diff := cmp.Diff(want, checkIn()); diff != "" {
		t.Errorf("first check-in (-want +got):\n%s", diff)
	}

	// curl removed, vim upgraded, git installed.
	status := filepath.Join(o.Root, "var/lib/dpkg/status")
	b, err := os.ReadFile(status)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "Package: curl")
	end := start + strings.Index(s[start:], "\n\n") + 2
	s = s[:start] + s[end:]
	s = strings.Replace(s, "2:9.0.1378-2", "2:9.0.1378-2+deb12u1", 1)
	s += "\nPackage: git\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1:2.39.2-1.1\n"
	if err := os.WriteFile(status, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	wantDelta := &protocol.AppReport{
		Added: []protocol.App{
			{Package: "git", VersionName: "1:2.39.2-1.1"},
			{Package: "vim", VersionName: "2:9.0.1378-2+deb12u1"},
		},
		Removed: []string{"curl"},
	}
	if diff := cmp.Diff(wantDelta, checkIn().Apps); diff != "" {
		t.Errorf("second check-in's apps (-want +got):\n%s", diff)
	}
	if got := checkIn().Apps; got != nil {
		t.Errorf("third check-in, nothing changed: apps %+v, want none", got)
	}
	clock.Advance(24 * time.Hour)
	if got := checkIn().Apps; got == nil || len(got.Full) != 4 {
		t.Errorf("a day later: apps %+v, want the full list of 4 again", got)
	}
	if st, _ := a.Status(); !st.LastCheckIn.Equal(clock.Now()) {
		t.Errorf("last check-in %v, want %v", st.LastCheckIn, clock.Now())
	}
}

func TestCheckInFailureKeepsTheDeltaBase(t *testing.T) {
	f := newFakeServer(t)
	a, _ := enrolled(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	f.set(func(f *fakeServer) { f.checkInErr = 503 })
	if _, err := a.CheckIn(ctx); err == nil {
		t.Fatal("check-in against a failing server succeeded")
	}
	f.set(func(f *fakeServer) { f.checkInErr = 0 })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.waitCheckIn().Apps; got == nil || len(got.Full) == 0 {
		t.Errorf("first accepted check-in: apps %+v, want the full list (the failed one does not count)", got)
	}
}

func TestCheckInRespectsOwnershipAndRefusals(t *testing.T) {
	f := newFakeServer(t)
	a, _ := newAgent(t, f, func(o *agent.Options) { o.Interfaces = hostInterfaces })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := a.Enroll(ctx, agent.EnrollRequest{Code: "C", Ownership: "personal"}); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *fakeServer) { f.refuse = []string{"inventory.ip", "inventory.serial", "inventory.sim.imei"} })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	first := f.waitCheckIn()
	if first.Apps != nil {
		t.Errorf("a personal Linux device sent apps: %+v", first.Apps)
	}
	if first.Inventory.IP == "" || first.Inventory.SIM != nil {
		t.Errorf("first inventory %+v: want an IP and never a SIM", first.Inventory)
	}
	f.set(func(f *fakeServer) { f.refuse = nil })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	if inv := f.waitCheckIn().Inventory; inv.IP != "" || inv.Serial != "" || inv.OSVersion == "" {
		t.Errorf("inventory after refusals %+v: want no IP and no serial, the rest kept", inv)
	}
}

func TestServerDisablesTheAgent(t *testing.T) {
	f := newFakeServer(t)
	var msgs syncWriter
	a, _ := enrolled(t, f, func(o *agent.Options) { o.Messages = &msgs })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	f.set(func(f *fakeServer) { f.agentOff = protocol.ReasonSubscriptionEnded })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.waitCheckIn().Apps; got == nil || len(got.Full) == 0 {
		t.Fatalf("first check-in: apps %+v, want the full list", got)
	}
	st, _ := a.Status()
	if !st.Disabled || st.DisabledReason != "subscription_ended" {
		t.Errorf("status %+v: want disabled for the server's reason", st)
	}
	if want := "Device management is paused on this device: the organisation's subscription has ended.\n"; !strings.Contains(msgs.String(), want) {
		t.Errorf("the user was told %q, want %q", msgs.String(), want)
	}
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(protocol.CheckInRequest{Protocol: 1}, f.waitCheckIn()); diff != "" {
		t.Errorf("check-in while disabled, want neither inventory nor apps (-want +got):\n%s", diff)
	}
	f.set(func(f *fakeServer) { f.agentOff = "" })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	f.waitCheckIn()
	if st, _ := a.Status(); st.Disabled {
		t.Errorf("status %+v: want enabled again", st)
	}
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.waitCheckIn().Apps; got == nil || len(got.Full) == 0 {
		t.Errorf("first check-in after enabling: apps %+v, want the full list", got)
	}
}

func TestRevokedCredentialStopsTheAgent(t *testing.T) {
	f := newFakeServer(t)
	a, o := enrolled(t, f, nil)
	f.set(func(f *fakeServer) { f.credential = "dev1.other" }) // revoked on the server
	_, done := run(t, a)
	select {
	case err := <-done:
		if !errors.Is(err, agent.ErrRevoked) {
			t.Errorf("Run: %v, want ErrRevoked", err)
		}
	case <-time.After(wait):
		t.Fatal("Run went on after the server refused the credential")
	}
	if st, _ := a.Status(); !st.Revoked {
		t.Errorf("status %+v: want revoked", st)
	}
	// A restart does not talk to the server again. Its requests are counted
	// on its own client: a request the first run cancelled on its way out
	// may still reach the server after that run returned.
	var sent atomic.Int64
	o.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	again, err := agent.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Run(context.Background()); !errors.Is(err, agent.ErrRevoked) {
		t.Errorf("Run after revocation: %v, want ErrRevoked", err)
	}
	if _, err := again.CheckIn(context.Background()); !errors.Is(err, agent.ErrRevoked) {
		t.Errorf("CheckIn after revocation: %v, want ErrRevoked", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("the revoked agent sent %d more requests", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
