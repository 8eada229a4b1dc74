package agent_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"maps"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// A real CA certificate (Ed25519) and its DER encoding's SHA-256, as in
// protocol's examples.
const (
	caPEM = `-----BEGIN CERTIFICATE-----
MIIBYDCCARKgAwIBAgIEATUlzjAFBgMrZXAwNjEVMBMGA1UEChMMRXhhbXBsZSBD
b3JwMR0wGwYDVQQDExRFeGFtcGxlIENvcnAgUm9vdCBDQTAeFw0yNjAxMDEwMDAw
MDBaFw0zNjAxMDEwMDAwMDBaMDYxFTATBgNVBAoTDEV4YW1wbGUgQ29ycDEdMBsG
A1UEAxMURXhhbXBsZSBDb3JwIFJvb3QgQ0EwKjAFBgMrZXADIQCdP0CmNvAsuF/e
aycm1ZHWLW2axq/ysIZK/TmYlM6JJ6NCMEAwDgYDVR0PAQH/BAQDAgEGMA8GA1Ud
EwEB/wQFMAMBAf8wHQYDVR0OBBYEFCPzMNcLzsy4ANHRCR70I2773zm/MAUGAytl
cANBAOORevU+NqiNWcjrka8RC+c+q07UN0SoWgY2hl1UUeQFITTVxUw4/lY1YToP
kmu0qUze41UlMX2327FWIGGQmAQ=
-----END CERTIFICATE-----
`
	caSHA = "52f329974f77f846a0e92341645e16b6a9164c3bbe976ec7c4bf9b7667961668"
)

func ptr[T any](v T) *T { return &v }

var (
	staffNet = protocol.WiFiNetwork{SSID: "Example-Staff", Security: protocol.WiFiWPA2Personal, Password: "correct horse battery staple"}
	corpNet  = protocol.WiFiNetwork{SSID: "Example-Corp", Hidden: true, Security: protocol.WiFiWPA2Enterprise, EAPMethod: protocol.EAPPEAP,
		Identity: "svc-tablets@example.com", Password: `Tr0ub4dor\3`, CACertSHA256: caSHA, DomainSuffixMatch: "radius.example.com"}
	exampleCA = protocol.CACert{SHA256: caSHA, Name: "Example Corp Root CA", PEM: caPEM}
)

// fullPolicy sets something of every kind.
func fullPolicy(version string) *protocol.Policy {
	return &protocol.Policy{Version: version, WiFi: []protocol.WiFiNetwork{staffNet, corpNet},
		CACerts: []protocol.CACert{exampleCA},
		Apps:    []protocol.AppRule{{Package: "com.example.timesheet", Action: protocol.AppRequired}},
		Kiosk:   &protocol.Kiosk{Package: "com.example.checkin"}, Password: &protocol.PasswordRules{Quality: protocol.PasswordNumeric},
		Restrictions:           &protocol.Restrictions{DisableCamera: ptr(true), DisableUSB: ptr(false)},
		Tracking:               &protocol.TrackingPolicy{Location: ptr(true), WebHistory: ptr(false)},
		CheckInIntervalSeconds: ptr(600)}
}

// commands records the update commands the agent runs, answering each
// with the error fail gives it (nil: success).
type commands struct {
	mu   sync.Mutex
	runs []string
	fail map[string]error
}

func (c *commands) exec(_ context.Context, argv []string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	line := strings.Join(argv, " ")
	c.runs = append(c.runs, line)
	if err := c.fail[line]; err != nil {
		return []byte("Error: something broke\nin two lines"), err
	}
	return nil, nil
}

func (c *commands) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.runs
	c.runs = nil
	return r
}

// policyAgent is an enrolled agent with Wi-Fi and CA folders and
// recorded update commands.
func policyAgent(t *testing.T, f *fakeServer) (*agent.Agent, string, string, *commands) {
	t.Helper()
	dir := t.TempDir()
	wifi, ca := filepath.Join(dir, "system-connections"), filepath.Join(dir, "ca-certificates")
	for _, d := range []string{wifi, ca} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmds := &commands{fail: map[string]error{}}
	a, _ := enrolled(t, f, func(o *agent.Options) {
		o.WiFiDir, o.CADir = wifi, ca
		o.WiFiReload, o.CAUpdate = []string{"nmcli", "connection", "reload"}, []string{"update-ca-certificates"}
		o.Exec = cmds.exec
	})
	return a, wifi, ca, cmds
}

func sync1(t *testing.T, a *agent.Agent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.SyncPolicy(ctx); err != nil {
		t.Fatalf("sync the policy: %v", err)
	}
}

// statusesOf maps a report's keys to "status: detail".
func statusesOf(rep protocol.PolicyReport) map[string]string {
	out := map[string]string{}
	for _, s := range rep.Settings {
		out[s.Key] = strings.TrimSuffix(s.Status+": "+s.Detail, ": ")
	}
	return out
}

// files lists a folder's files with their modes.
func files(t *testing.T, dir string) map[string]os.FileMode {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]os.FileMode{}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.Mode().Perm()
	}
	return out
}

const (
	staffFile = "steward-wifi-Example-Staff-3745f95a.nmconnection"
	corpFile  = "steward-wifi-Example-Corp-27a9b845.nmconnection"
	corpCA    = "steward-ca-" + caSHA + ".pem"
	trustFile = "steward-" + caSHA + ".crt"
)

// TestPolicyKeyfiles compares the NetworkManager keyfiles the agent writes
// for a WPA2-Personal and a WPA2-Enterprise (PEAP) network with the golden
// files in testdata/wifi ({{DIR}} stands for the Wi-Fi folder); go test
// ./agent -run TestPolicyKeyfiles -update rewrites them.
func TestPolicyKeyfiles(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.policy = fullPolicy("v1") })
	a, wifi, _, _ := policyAgent(t, f)
	sync1(t, a)
	for golden, name := range map[string]string{"wpa2-personal.nmconnection": staffFile, "wpa2-enterprise-peap.nmconnection": corpFile} {
		b, err := os.ReadFile(filepath.Join(wifi, name))
		if err != nil {
			t.Fatalf("%s: %v (files: %v)", name, err, files(t, wifi))
		}
		got := strings.ReplaceAll(string(b), wifi, "{{DIR}}")
		path := filepath.Join("testdata", "wifi", golden)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./agent -run TestPolicyKeyfiles -update writes it)", err)
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("%s (-golden +written):\n%s", name, diff)
		}
	}
	b, err := os.ReadFile(filepath.Join(wifi, corpCA))
	if err != nil || string(b) != caPEM {
		t.Errorf("the PEAP network's CA file holds %q (%v), want the certificate", b, err)
	}
}

// TestPolicyApplyReportAndClean walks a policy through its versions: the
// first is fetched unconditionally, applied (files with their modes, one
// run of each update command) and reported setting by setting; a push
// brings the next, fetched with If-None-Match, whose dropped network and
// certificate lose their files; an unchanged policy is a 304 and no
// report; a file someone changed is left alone; a policy that goes away
// takes the agent's files with it.
func TestPolicyApplyReportAndClean(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.policy = fullPolicy("v1") })
	a, wifi, ca, cmds := policyAgent(t, f)
	stop, _ := run(t, a)

	rep := f.waitReport()
	if rep.Version != "v1" || rep.AppliedAt.IsZero() {
		t.Fatalf("the first report: %+v", rep)
	}
	if diff := cmp.Diff(map[string]string{
		"wifi/Example-Staff":          "applied",
		"wifi/Example-Corp":           "applied",
		"ca_cert/" + caSHA:            "applied",
		"app/com.example.timesheet":   "not_applicable: This Linux agent does not install, remove or block software: the host's package manager does.",
		"kiosk":                       "not_applicable: A Linux host has no kiosk (lock-task) mode this agent could drive.",
		"password":                    "not_applicable: Screen-lock and password rules are Android's: this agent does not manage the host's logins.",
		"restrictions.disable_camera": "not_applicable: This agent cannot turn off a Linux host's camera.",
		"restrictions.disable_usb":    "applied",
		"tracking.location":           "not_applicable: This device has no location source: it sends no location.",
		"tracking.web_history":        "applied",
		protocol.KeyCheckInInterval:   "applied",
	}, statusesOf(rep)); diff != "" {
		t.Errorf("the first report (-want +got):\n%s", diff)
	}
	var keys []string
	for _, s := range rep.Settings {
		keys = append(keys, s.Key)
	}
	if diff := cmp.Diff(fullPolicy("v1").SettingKeys(), keys); diff != "" {
		t.Errorf("the report's order is not the policy's (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]os.FileMode{staffFile: 0o600, corpFile: 0o600, corpCA: 0o644}, files(t, wifi)); diff != "" {
		t.Errorf("the Wi-Fi folder (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]os.FileMode{trustFile: 0o644}, files(t, ca)); diff != "" {
		t.Errorf("the CA folder (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"update-ca-certificates", "nmcli connection reload"}, cmds.take()); diff != "" {
		t.Errorf("update commands (-want +got):\n%s", diff)
	}
	if st, err := a.Status(); err != nil || st.CheckInInterval != 10*time.Minute || st.PolicyVersion != "v1" {
		t.Errorf("status after v1: %+v, %v; want the policy's interval of 10 minutes and version v1", st, err)
	}

	// v2 drops the enterprise network and the certificate; a push says so.
	f.waitConnected()
	v2 := fullPolicy("v2")
	v2.WiFi, v2.CACerts = v2.WiFi[:1], nil
	f.set(func(f *fakeServer) { f.policy = v2 })
	f.push(protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshPolicy}})
	if rep := f.waitReport(); rep.Version != "v2" || len(rep.Settings) != len(v2.SettingKeys()) {
		t.Fatalf("the report on v2: %+v", rep)
	}
	if diff := cmp.Diff(map[string]os.FileMode{staffFile: 0o600}, files(t, wifi)); diff != "" {
		t.Errorf("the Wi-Fi folder after v2 (-want +got):\n%s", diff)
	}
	if got := files(t, ca); len(got) != 0 {
		t.Errorf("the CA folder after v2 holds %v", got)
	}
	if diff := cmp.Diff([]string{"update-ca-certificates", "nmcli connection reload"}, cmds.take()); diff != "" {
		t.Errorf("update commands after v2 (-want +got):\n%s", diff)
	}
	// A refresh for what the agent holds already: a 304, nothing written,
	// nothing reported.
	f.push(protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{"directory", protocol.RefreshPolicy}})
	deadline := time.Now().Add(wait)
	for {
		f.mu.Lock()
		n := f.policyNotMod
		f.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no conditional fetch answered 304")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	gets, reports := slices.Clone(f.policyGets), len(f.reports)
	f.mu.Unlock()
	if diff := cmp.Diff([]string{"", `"v1"`, `"v2"`}, gets); diff != "" {
		t.Errorf("If-None-Match of the fetches (-want +got):\n%s", diff)
	}
	if reports != 2 {
		t.Errorf("%d reports, want 2 (none for the 304)", reports)
	}
	if got := cmds.take(); len(got) != 0 {
		t.Errorf("update commands after the 304: %v", got)
	}

	// Someone edits the agent's file; v3 drops the network: the edit stays.
	edited := filepath.Join(wifi, staffFile)
	if err := os.WriteFile(edited, []byte("[connection]\nid=mine now\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v3 := fullPolicy("v3")
	v3.WiFi, v3.CACerts = nil, nil
	f.set(func(f *fakeServer) { f.policy = v3 })
	sync1(t, a)
	if _, err := os.Stat(edited); err != nil {
		t.Errorf("the edited file was removed: %v", err)
	}
	// A later policy that has the network again writes the policy's profile.
	f.set(func(f *fakeServer) { f.policy = fullPolicy("v4") })
	sync1(t, a)
	if b, _ := os.ReadFile(edited); !strings.Contains(string(b), "ssid=Example-Staff") {
		t.Errorf("the profile the policy wants again reads %q", b)
	}
	// The policy goes away: every file the agent wrote goes with it.
	f.set(func(f *fakeServer) { f.policy = nil })
	sync1(t, a)
	if got := files(t, wifi); len(got) != 0 {
		t.Errorf("the Wi-Fi folder without a policy holds %v", got)
	}
	if got := files(t, ca); len(got) != 0 {
		t.Errorf("the CA folder without a policy holds %v", got)
	}
	if st, _ := a.Status(); st.PolicyVersion != "" || st.CheckInInterval != time.Hour {
		t.Errorf("status without a policy: %+v; want no version and the server's interval", st)
	}
}

// TestPolicyWithoutFolders: an agent told no folders writes nothing and
// says why; the interval still applies.
func TestPolicyWithoutFolders(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.policy = fullPolicy("v1") })
	a, _ := enrolled(t, f, nil)
	sync1(t, a)
	rep := f.waitReport()
	got := statusesOf(rep)
	for key, want := range map[string]string{
		"wifi/Example-Staff":        "not_applicable: This agent writes no Wi-Fi profiles here: no NetworkManager folder is configured (--apply-wifi-dir).",
		"wifi/Example-Corp":         "not_applicable: This agent writes no Wi-Fi profiles here: no NetworkManager folder is configured (--apply-wifi-dir).",
		"ca_cert/" + caSHA:          "not_applicable: This agent does not manage the trust store here: no certificate folder is configured (--apply-ca-dir).",
		protocol.KeyCheckInInterval: "applied",
	} {
		if got[key] != want {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
}

// TestPolicyFailures: a certificate that is not what the policy says, a
// network that names it or one this agent cannot write, an interval out of
// range and a failing update command are each reported failed, with why;
// the rest of the policy still applies.
func TestPolicyFailures(t *testing.T) {
	f := newFakeServer(t)
	wrongCA := protocol.CACert{SHA256: strings.Repeat("ab", 32), PEM: caPEM}
	p := &protocol.Policy{Version: "v1",
		WiFi: []protocol.WiFiNetwork{
			staffNet,
			{SSID: "Guest", Security: protocol.WiFiWPA2Personal, Password: "short"},
			{SSID: "Corp-TLS", Security: protocol.WiFiWPA2Enterprise, EAPMethod: protocol.EAPTLS, Identity: "dev", CACertSHA256: wrongCA.SHA256},
			{SSID: "Corp-Missing", Security: protocol.WiFiWPA3Enterprise, EAPMethod: protocol.EAPPEAP, Identity: "dev", Password: "pw",
				CACertSHA256: strings.Repeat("cd", 32)},
		},
		CACerts:                []protocol.CACert{wrongCA, exampleCA},
		CheckInIntervalSeconds: ptr(2)}
	f.set(func(f *fakeServer) { f.policy = p })
	a, wifi, ca, cmds := policyAgent(t, f)
	cmds.fail["update-ca-certificates"] = errors.New("exit status 1")
	sync1(t, a)
	got := statusesOf(f.waitReport())
	want := map[string]string{
		"wifi/Example-Staff": "applied",
		"wifi/Guest":         "failed: A WPA2-Personal password is 8 to 63 characters (or 64 hexadecimal digits).",
		"wifi/Corp-TLS":      "failed: EAP-TLS needs a client certificate and its key.",
		"wifi/Corp-Missing": "failed: The network names the CA certificate " + strings.Repeat("cd", 32) +
			", which the policy does not carry.",
		"ca_cert/" + wrongCA.SHA256: "failed: The certificate's SHA-256 is " + caSHA + ", not the " + wrongCA.SHA256 + " the policy names.",
		"ca_cert/" + caSHA:          "failed: update-ca-certificates failed: exit status 1: Error: something broke in two lines",
		protocol.KeyCheckInInterval: "failed: 2 seconds is outside what this agent accepts (5 to 86400).",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]os.FileMode{staffFile: 0o600}, files(t, wifi)); diff != "" {
		t.Errorf("the Wi-Fi folder (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]os.FileMode{trustFile: 0o644}, files(t, ca)); diff != "" {
		t.Errorf("the CA folder (-want +got):\n%s", diff)
	}
	// A file that cannot be written fails the settings that need it (here
	// a folder stands where the CA file of the enterprise network goes).
	if err := os.Mkdir(filepath.Join(wifi, corpCA), 0o755); err != nil {
		t.Fatal(err)
	}
	p2 := &protocol.Policy{Version: "v2", WiFi: []protocol.WiFiNetwork{staffNet, corpNet}, CACerts: []protocol.CACert{exampleCA}}
	f.set(func(f *fakeServer) { f.policy = p2 })
	cmds.fail = map[string]error{}
	sync1(t, a)
	got = statusesOf(f.waitReport())
	if !strings.HasPrefix(got["wifi/Example-Corp"], "failed: Cannot write "+filepath.Join(wifi, corpCA)+": ") {
		t.Errorf("a network whose CA file cannot be written: %q", got["wifi/Example-Corp"])
	}
	if got["wifi/Example-Staff"] != "applied" || got["ca_cert/"+caSHA] != "applied" {
		t.Errorf("the rest of the policy: %v", got)
	}
	if _, err := os.Stat(filepath.Join(wifi, corpFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the profile of a network whose CA file failed was written: %v", err)
	}
}

// TestPolicyReportRetried: a report the server could not take stays on
// disk; the next check-in asks for the policy again, which is unchanged
// (304), and the report goes then. A disabled agent applies nothing.
func TestPolicyReportRetried(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.policy = fullPolicy("v1"); f.reportErr = 503 })
	a, _ := enrolled(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.SyncPolicy(ctx); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("sync with the report refused: %v, want the 503", err)
	}
	f.set(func(f *fakeServer) { f.reportErr = 0 })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	sync1(t, a) // what the check-in asked for, without Run
	if rep := f.waitReport(); rep.Version != "v1" {
		t.Errorf("the retried report: %+v", rep)
	}
	f.mu.Lock()
	if f.policyNotMod != 1 {
		t.Errorf("%d fetches answered 304, want 1", f.policyNotMod)
	}
	f.mu.Unlock()

	f.set(func(f *fakeServer) { f.agentOff = "disabled_by_admin"; f.policy = fullPolicy("v2") })
	if _, err := a.CheckIn(ctx); err != nil {
		t.Fatal(err)
	}
	sync1(t, a)
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.policyGets); n != 2 {
		t.Errorf("a disabled agent fetched the policy: %d fetches, want 2", n)
	}
}

// TestPolicyFilesGoWithAWipe: a wipe removes the Wi-Fi profiles (they hold
// passwords) and certificates the agent wrote.
func TestPolicyFilesGoWithAWipe(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.policy = fullPolicy("v1") })
	dir := t.TempDir()
	a, _ := enrolled(t, f, func(o *agent.Options) {
		o.WiFiDir, o.CADir, o.AllowDestructive = dir, dir, true
		o.Wipe = func(context.Context) error { return nil }
	})
	if err := os.WriteFile(filepath.Join(dir, "other.nmconnection"), []byte("not the agent's"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, done := run(t, a)
	f.waitReport()
	if n := len(files(t, dir)); n != 5 {
		t.Fatalf("%d files before the wipe, want 5: %v", n, files(t, dir))
	}
	f.waitConnected()
	f.deliver(cmd("w", protocol.CmdWipe, ""))
	f.waitResults("w")
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Run did not end after the wipe")
	}
	if diff := cmp.Diff(map[string]os.FileMode{"other.nmconnection": 0o600}, files(t, dir)); diff != "" {
		t.Errorf("the folder after the wipe (-want +got):\n%s", diff)
	}
}

// TestPolicyKeyfilesNetworkManagerReads hands every kind of profile the
// agent writes to NetworkManager's own keyfile reader (nmcli --offline,
// NetworkManager 1.42 or later, when nmcli is on PATH): each must load,
// and NetworkManager must write it back as the agent wrote it.
func TestPolicyKeyfilesNetworkManagerReads(t *testing.T) {
	nmcli, err := exec.LookPath("nmcli")
	if err != nil {
		t.Skip("nmcli is not installed: the profiles are checked against the golden files only")
	}
	certPEM, keyPEM := clientCertificate(t)
	f := newFakeServer(t)
	f.set(func(f *fakeServer) {
		f.policy = &protocol.Policy{Version: "v1", CACerts: []protocol.CACert{exampleCA}, WiFi: []protocol.WiFiNetwork{
			staffNet, corpNet,
			{SSID: " café; \\x ", Security: protocol.WiFiWPA3Personal, Password: "pass word\twith a tab"},
			{SSID: "Lobby", Security: protocol.WiFiOpen},
			{SSID: "Corp-TTLS", Security: protocol.WiFiWPA3Enterprise, EAPMethod: protocol.EAPTTLS, Identity: " spaced", Password: "pw\nline"},
			{SSID: "Corp-TLS", Security: protocol.WiFiWPA2Enterprise, EAPMethod: protocol.EAPTLS, Identity: "device-17",
				CACertSHA256: caSHA, ClientCertPEM: certPEM, ClientKeyPEM: keyPEM},
		}}
	})
	a, wifi, _, _ := policyAgent(t, f)
	sync1(t, a)
	if got := statusesOf(f.waitReport()); len(got) != 7 || slices.ContainsFunc(slices.Collect(maps.Values(got)), func(s string) bool {
		return !strings.HasPrefix(s, "applied")
	}) {
		t.Fatalf("the report: %v", got)
	}
	names, _ := filepath.Glob(filepath.Join(wifi, "*.nmconnection"))
	if len(names) != 6 {
		t.Fatalf("%d profiles written, want 6", len(names))
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(nmcli, "--offline", "connection", "modify", "connection.autoconnect", "yes")
		cmd.Stdin = strings.NewReader(string(b))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("NetworkManager refuses %s: %v: %s", filepath.Base(name), err, stderr.String())
			continue
		}
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if diff := cmp.Diff(strings.TrimSpace(strings.Join(lines, "\n")), strings.TrimSpace(string(out))); diff != "" {
			t.Errorf("NetworkManager reads %s differently (-written +as NetworkManager writes it):\n%s", filepath.Base(name), diff)
		}
	}
}

// clientCertificate makes a self-signed client certificate and its
// unencrypted PKCS #8 key, in PEM.
func clientCertificate(t *testing.T) (string, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(17), Subject: pkix.Name{CommonName: "device-17"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}))
}
