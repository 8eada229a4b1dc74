package sim_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/sim"
)

// resultsOf waits until every device named in ids reported its command,
// and returns each device's result.
func resultsOf(t *testing.T, s *fakeServer, ids map[string]string) map[string]protocol.CommandResult {
	t.Helper()
	out := map[string]protocol.CommandResult{}
	waitFor(t, "every device's result", func() bool {
		clear(out)
		for _, d := range s.snapshot() {
			for _, c := range d.commands {
				if c.cmd.ID == ids[d.id] && len(c.results) > 0 {
					out[d.id] = c.results[0]
				}
			}
		}
		return len(out) == len(ids)
	})
	return out
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestAppCommandsDownloadAndCheckTheAPK: install_app and update_app with a
// download URL fetch the APK with the device credential and check its
// SHA-256 before installing; the package change reaches the server at the
// next check-in (made at once, the check-in interval being an hour); a
// checksum mismatch, an HTTP error or a URL on another host fails the
// command with the reason and installs nothing, and the credential never
// leaves for another host.
func TestAppCommandsDownloadAndCheckTheAPK(t *testing.T) {
	const n = 6
	s := newFakeServer(t)
	f := newFleet(t, s, n, func(o *sim.Options) {
		o.UsePush, o.PersonalShare, o.CheckInEvery = true, 0.5, time.Hour
	})
	enroll(t, f)
	run(t, f)
	waitFor(t, "every push socket", func() bool { return f.Stats().PushConnected == n && s.connected() == n })

	const pkg = "com.example.timesheet"
	v1 := []byte("PK\x03\x04 the timesheet APK, version 7")
	url1 := s.serveAPK("v1", v1)
	ids := s.enqueue(protocol.CmdInstallApp, protocol.AppPayload{Package: pkg, VersionCode: 7, URL: url1, SHA256: sum(v1)})
	for dev, r := range resultsOf(t, s, ids) {
		if r.Status != protocol.ResultSucceeded {
			t.Errorf("device %s: install %+v", dev, r)
		}
	}
	waitFor(t, "the app in every device's report", func() bool { return s.allHave(pkg) })
	for _, d := range s.snapshot() {
		if a := d.apps[pkg]; a.VersionCode != 7 {
			t.Errorf("device %s reports %+v, want version code 7", d.id, a)
		}
		s.mu.Lock()
		got := s.downloads[d.id]
		s.mu.Unlock()
		if got != 1 {
			t.Errorf("device %s downloaded the APK %d times, want once", d.id, got)
		}
	}
	if st := f.Stats(); st.AppDownloads != n || st.AppDownloadBytes != int64(n*len(v1)) {
		t.Errorf("stats after the install: %d downloads, %d bytes", st.AppDownloads, st.AppDownloadBytes)
	}

	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = w.Write(v1)
	}))
	defer other.Close()
	for _, tc := range []struct {
		name string
		pl   protocol.AppPayload
		want string
	}{
		{"checksum mismatch", protocol.AppPayload{Package: "com.example.tampered", VersionCode: 1, URL: url1, SHA256: sum([]byte("another APK"))},
			"does not match the command's " + sum([]byte("another APK"))},
		{"not found", protocol.AppPayload{Package: "com.example.gone", VersionCode: 1,
			URL: strings.Replace(url1, "/v1/download", "/v9/download", 1), SHA256: sum(v1)}, "HTTP 404: App version not found."},
		{"another host", protocol.AppPayload{Package: "com.example.elsewhere", VersionCode: 1, URL: other.URL + "/x.apk", SHA256: sum(v1)},
			"is not on the server the device enrolled with"},
		{"no checksum", protocol.AppPayload{Package: "com.example.unchecked", VersionCode: 1, URL: url1},
			"no SHA-256"},
	} {
		ids := s.enqueue(protocol.CmdInstallApp, tc.pl)
		for dev, r := range resultsOf(t, s, ids) {
			if r.Status != protocol.ResultFailed || !strings.Contains(r.Output, tc.want) {
				t.Errorf("%s: device %s answered %+v, want failed with %q", tc.name, dev, r, tc.want)
			}
		}
		checkInAll(t, f)
		for _, d := range s.snapshot() {
			if _, ok := d.apps[tc.pl.Package]; ok {
				t.Errorf("%s: device %s reports %s installed", tc.name, d.id, tc.pl.Package)
			}
		}
	}
	if elsewhere.Load() != 0 {
		t.Errorf("another host was asked for the APK %d times", elsewhere.Load())
	}
	if st := f.Stats(); st.AppDownloadsBad != n {
		t.Errorf("%d bad downloads counted, want %d", st.AppDownloadsBad, n)
	}

	v2 := []byte("PK\x03\x04 the timesheet APK, version 8")
	ids = s.enqueue(protocol.CmdUpdateApp, protocol.AppPayload{Package: pkg, VersionCode: 8, URL: s.serveAPK("v2", v2), SHA256: sum(v2)})
	for dev, r := range resultsOf(t, s, ids) {
		if r.Status != protocol.ResultSucceeded {
			t.Errorf("device %s: update %+v", dev, r)
		}
	}
	waitFor(t, "version 8 in every device's report", func() bool {
		for _, d := range s.snapshot() {
			if d.apps[pkg].VersionCode != 8 {
				return false
			}
		}
		return true
	})

	ids = s.enqueue(protocol.CmdUninstallApp, protocol.AppPayload{Package: pkg})
	for dev, r := range resultsOf(t, s, ids) {
		if r.Status != protocol.ResultSucceeded {
			t.Errorf("device %s: uninstall %+v", dev, r)
		}
	}
	waitFor(t, "the app gone from every report", func() bool {
		for _, d := range s.snapshot() {
			if _, ok := d.apps[pkg]; ok {
				return false
			}
		}
		return true
	})
	s.checkViolations(t)
}
