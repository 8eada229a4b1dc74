package service_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/apk"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/scan"
	"github.com/stewardmdm/steward/service"
)

// switchScanner passes each scan to the scanner it holds at the time; with
// none it fails the scan as a scanner that cannot be reached does. It
// counts the scans asked of it.
type switchScanner struct {
	mu    sync.Mutex
	s     steward.VirusScanner
	calls int
}

func (w *switchScanner) set(s steward.VirusScanner) {
	w.mu.Lock()
	w.s = s
	w.mu.Unlock()
}

func (w *switchScanner) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls
}

func (w *switchScanner) Scan(ctx context.Context, r io.Reader) (steward.ScanResult, error) {
	w.mu.Lock()
	s := w.s
	w.calls++
	w.mu.Unlock()
	if s == nil {
		return steward.ScanResult{}, errors.New("clamd: connect to unix:/run/clamav/clamd.ctl: connection refused")
	}
	return s.Scan(ctx, r)
}

// runSwitched runs fn once per database with the text inspector and a
// switchScanner of its own, holding no scanner at first.
func runSwitched(t *testing.T, fn func(t *testing.T, e *realEnv, sw *switchScanner)) {
	t.Helper()
	runStore(t, testutil.TextInspector{}, 0, func() steward.VirusScanner { return &switchScanner{} }, func(t *testing.T, e *realEnv) {
		fn(t, e, e.scanner.(*switchScanner))
	})
}

func TestScanRetryDelay(t *testing.T) {
	var got []time.Duration
	var total time.Duration
	for n := 1; n < service.ScanAttempts; n++ {
		got = append(got, service.ScanRetryDelay(n))
		total += service.ScanRetryDelay(n)
	}
	diff(t, "delays", got, []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, time.Hour, time.Hour, time.Hour})
	diff(t, "time before giving up", total, 4*time.Hour+3*time.Minute)
}

// TestAppScanRetriesThenUnscannable: while the scanner fails, the scan job
// tries a version again only when its delay has passed, shows why it
// waits, and after ScanAttempts failures keeps it quarantined as
// unscannable with the reason, and leaves it alone. An owner's rescan puts
// it back in the queue; once the scanner works it is clean and deployed.
func TestAppScanRetriesThenUnscannable(t *testing.T) {
	runSwitched(t, func(t *testing.T, e *realEnv, sw *switchScanner) {
		w := e.world(t)
		dev := e.device(t, w.C1, "a")
		v, err := e.upload(t, w.c1, w.C1, "com.example.retry 1 key1", "")
		must(t, err)
		_, err = e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignRequired})
		must(t, err)

		for n := 1; n <= service.ScanAttempts; n++ {
			e.scan(t)
			diff(t, "scans asked", sw.count(), n)
			got := e.version(t, v.ID)
			diff(t, "status", got.Status, steward.VersionQuarantined)
			diff(t, "failed attempts", got.ScanAttempts, n)
			if n == service.ScanAttempts {
				break
			}
			due := e.clock.Now().Add(service.ScanRetryDelay(n))
			if got.NextScanAt == nil || !got.NextScanAt.Equal(due) || got.ScannedAt != nil {
				t.Fatalf("attempt %d: next scan %v, scanned %v; want due at %v", n, got.NextScanAt, got.ScannedAt, due)
			}
			if len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0], "connection refused") || !strings.Contains(got.Reasons[0], "the next is due at") {
				t.Errorf("attempt %d: reasons %q, want the scanner's error and the next try", n, got.Reasons)
			}
			// Not tried again before its time.
			e.clock.Advance(service.ScanRetryDelay(n) - time.Millisecond)
			e.scan(t)
			diff(t, "scans asked before the delay passed", sw.count(), n)
			e.clock.Advance(time.Millisecond)
		}
		got := e.version(t, v.ID)
		if got.ScannedAt == nil || got.NextScanAt != nil || got.Scan == nil || got.Scan.Verdict != steward.ScanUnscannable {
			t.Fatalf("after the last attempt: scanned %v, next %v, scan %+v; want unscannable", got.ScannedAt, got.NextScanAt, got.Scan)
		}
		if len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0], "all 10 attempts failed") || !strings.Contains(got.Reasons[0], "connection refused") {
			t.Errorf("reasons %q, want the attempts and the scanner's error", got.Reasons)
		}
		e.clock.Advance(24 * time.Hour)
		e.scan(t)
		diff(t, "scans asked once given up", sw.count(), service.ScanAttempts)

		// Only write roles of the owner's subtree may rescan; only a
		// quarantined version of that app.
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		_, err = e.svc.RescanAppVersion(reader.ctx, v.AppID, v.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.RescanAppVersion(w.c2.ctx, v.AppID, v.ID)
		wantCode(t, err, steward.ENOTFOUND)
		other, err := e.upload(t, w.c1, w.C1, "com.example.other 1 key1", "")
		must(t, err)
		_, err = e.svc.RescanAppVersion(w.c1.ctx, v.AppID, other.ID)
		wantCode(t, err, steward.ENOTFOUND)

		back, err := e.svc.RescanAppVersion(w.c1.ctx, v.AppID, v.ID)
		must(t, err)
		diff(t, "rescanned version", []any{back.Status, back.ScanAttempts, back.ScannedAt, back.NextScanAt, back.Scan, back.Reasons},
			[]any{steward.VersionQuarantined, 0, (*time.Time)(nil), (*time.Time)(nil), (*steward.ScanResult)(nil), []string(nil)})
		a := e.lastAudit(t)
		diff(t, "audit", a.Action+" "+a.TargetID+" "+a.ActorEmail, "app.version_rescan "+v.ID+" owner@c-one.test")
		if !strings.Contains(string(a.Summary), "all 10 attempts failed") {
			t.Errorf("audit summary %s, want the scan it replaced", a.Summary)
		}

		sw.set(fakeScanner{})
		e.scan(t)
		diff(t, "status once the scanner works", e.version(t, v.ID).Status, steward.VersionClean)
		cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{DeviceID: dev.ID})
		must(t, err)
		if len(cmds) != 1 || cmds[0].Type != steward.CmdInstallApp {
			t.Errorf("commands %+v, want the required app's install", cmds)
		}
		_, err = e.svc.RescanAppVersion(w.c1.ctx, v.AppID, v.ID)
		wantCode(t, err, steward.ECONFLICT)
	})
}

// TestAppScanRecoversBeforeGivingUp: a scanner that comes back within the
// retries decides the version on its next due try.
func TestAppScanRecoversBeforeGivingUp(t *testing.T) {
	runSwitched(t, func(t *testing.T, e *realEnv, sw *switchScanner) {
		w := e.world(t)
		v, err := e.upload(t, w.c1, w.C1, "com.example.flaky 1 key1 EICAR", "")
		must(t, err)
		e.scan(t)
		e.scan(t)
		diff(t, "attempts", e.version(t, v.ID).ScanAttempts, 1)
		sw.set(fakeScanner{})
		e.clock.Advance(service.ScanRetryDelay(1))
		e.scan(t)
		got := e.version(t, v.ID)
		diff(t, "status", got.Status, steward.VersionRejected)
		diff(t, "reasons", got.Reasons, []string{"The antivirus found Eicar-Test-Signature."})
		diff(t, "rejection events", len(e.events(t, "app.version_rejected")), 1)
	})
}

// TestRealAppRescan runs the retries and the rescan against real clamds:
// a stopped clamd fails the scan and the version waits for its next try,
// which a running clamd decides; an APK over clamd's stream limit is
// unscannable, stays so when scanned again unchanged, and is clean once
// the operator raised the limit and rescanned it.
func TestRealAppRescan(t *testing.T) {
	polite, hello := readFixture(t, politeDroid), readFixture(t, helloWorld)
	const raised = 16 << 20 // what the APK holds unpacked (4.2 MB) fits too
	if len(hello) <= testutil.ClamdStreamMaxLength || len(hello) >= raised {
		t.Fatalf("%s is %d bytes: the test needs it between %d and %d", helloWorld, len(hello), testutil.ClamdStreamMaxLength, raised)
	}
	connect := func(c *testutil.Clamd) steward.VirusScanner {
		s, err := scan.NewClamd(scan.Options{Address: c.Address})
		must(t, err)
		return s
	}
	stopped := testutil.StartClamd(t)
	stopped.Stop()
	down, small, big := connect(stopped), connect(testutil.StartClamd(t)), connect(testutil.StartClamdLimit(t, raised))
	runStore(t, apk.New(apk.Options{}), 0, func() steward.VirusScanner { return &switchScanner{s: down} }, func(t *testing.T, e *realEnv) {
		sw := e.scanner.(*switchScanner)
		w := e.world(t)
		v, err := e.uploadBytes(w.c1, w.C1, polite, "")
		must(t, err)
		e.scan(t)
		got := e.version(t, v.ID)
		if got.Status != steward.VersionQuarantined || got.ScanAttempts != 1 || got.NextScanAt == nil ||
			len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0], "the scanner's error: clamd") {
			t.Fatalf("with clamd stopped: status %s, attempts %d, next %v, reasons %q; want a retry with clamd's error",
				got.Status, got.ScanAttempts, got.NextScanAt, got.Reasons)
		}
		sw.set(small)
		e.clock.Advance(service.ScanRetryDelay(1))
		e.scan(t)
		got = e.version(t, v.ID)
		diff(t, "status once clamd runs", got.Status, steward.VersionClean)
		if got.Scan == nil || !strings.HasPrefix(got.Scan.Engine, "ClamAV 1.") {
			t.Errorf("scan %+v, want clamd's answer", got.Scan)
		}

		big1, err := e.uploadBytes(w.c1, w.C1, hello, "")
		must(t, err)
		unscannable := func(what string) {
			t.Helper()
			got := e.version(t, big1.ID)
			if got.Status != steward.VersionQuarantined || got.ScannedAt == nil || got.Scan.Verdict != steward.ScanUnscannable ||
				len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0], "size limit") {
				t.Fatalf("%s: status %s, scanned %v, scan %+v, reasons %q; want unscannable over the size limit",
					what, got.Status, got.ScannedAt, got.Scan, got.Reasons)
			}
		}
		e.scan(t)
		unscannable("over the limit")
		_, err = e.svc.RescanAppVersion(w.c1.ctx, big1.AppID, big1.ID)
		must(t, err)
		e.scan(t)
		unscannable("rescanned with the limit unchanged")

		sw.set(big)
		_, err = e.svc.RescanAppVersion(w.c1.ctx, big1.AppID, big1.ID)
		must(t, err)
		e.scan(t)
		got = e.version(t, big1.ID)
		diff(t, "status after raising the limit and rescanning", got.Status, steward.VersionClean)
		diff(t, "verdict", got.Scan.Verdict, steward.ScanClean)
		rescans, err := e.db.ListAudit(e.ctx, "/", steward.AuditFilter{Action: "app.version_rescan"})
		must(t, err)
		diff(t, "rescans audited", len(rescans), 2)
	})
}
