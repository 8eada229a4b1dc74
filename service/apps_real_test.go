package service_test

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/apk"
	"github.com/stewardmdm/steward/blobstore"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/scan"
	"github.com/stewardmdm/steward/service"
)

// The tests in this file run the app store with its real parts: APKs from
// the fixtures (.ci/fixtures fetches them), the apk package's inspector
// and a clamd of their own whose database knows only the EICAR test file.
// They skip without fixtures or clamd unless STEWARD_TEST_FIXTURES and
// STEWARD_TEST_CLAMD are "require".

// Real APKs under testdata/fixtures.
const (
	// AOSP's apksig test corpus: android.appsecurity.cts.tinyapp, version
	// code 10 in every file, signed with different keys and schemes.
	tinyV3RSA   = "androguard/examples/signing/apksig/v3-only-with-rsa-pkcs1-sha256-2048.apk"
	tinyV2RSA   = "androguard/examples/signing/apksig/v2-only-with-rsa-pkcs1-sha256-2048.apk" // same key as tinyV3RSA
	tinyV3ECDSA = "androguard/examples/signing/apksig/v3-only-with-ecdsa-sha256-p256.apk"     // another key
	dsaSHA512   = "androguard/examples/signing/apksig/v1-only-with-dsa-sha512-2.16.840.1.101.3.4.3.4-2048.apk"
	// A release build from F-Droid, signed with v1 (JAR signing) only.
	politeDroid = "androguard/examples/tests/com.politedroid_4.apk"
	// A v2 release build of 1.7 MB, over the test clamd's StreamMaxLength.
	helloWorld = "androguard/examples/tests/hello-world.apk"
	// A debug build.
	testActivity = "androguard/examples/android/TestsAndroguard/bin/TestActivity.apk"
	apiDemos     = "npm/android-apidemos/apks/ApiDemos-debug.apk"
)

// realEnv is one database's service with the real inspector and clamd, and
// blob storage and upload scratch space of its own, so that a test can
// list everything left in them.
type realEnv struct {
	*appEnv
	tmp     string // Options.TempDir
	scanner steward.VirusScanner
}

// runReal runs fn once per database with the real inspector, a clamd
// started for t (shared by the databases) and fresh blob and temporary
// folders. maxSize is the upload limit (0: the default).
func runReal(t *testing.T, maxSize int64, fn func(t *testing.T, e *realEnv)) {
	t.Helper()
	clamd := testutil.StartClamd(t)
	scanner, err := scan.NewClamd(scan.Options{Address: clamd.Address})
	must(t, err)
	runStore(t, apk.New(apk.Options{}), maxSize, func() steward.VirusScanner { return scanner }, fn)
}

// runStore runs fn once per database, in parallel, with inspector, a
// scanner from newScanner (called once per database) and fresh blob and
// temporary folders. maxSize is the upload limit (0: the default).
func runStore(t *testing.T, inspector steward.APKInspector, maxSize int64, newScanner func() steward.VirusScanner, fn func(t *testing.T, e *realEnv)) {
	t.Helper()
	for name, open := range testutil.DatabasesRaw(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db, raw := open(t)
			dir, tmp := t.TempDir(), t.TempDir()
			blobs, err := blobstore.OpenDir(dir)
			must(t, err)
			t.Cleanup(func() { blobs.Close() })
			e := &env{db: db, raw: raw, clock: testutil.NewClock(), ctx: t.Context()}
			scanner := newScanner()
			svc, err := service.New(service.Options{Store: db, Clock: e.clock, Logger: testutil.Logger(), BaseURL: baseURL,
				Passwords: service.NewPasswordHasher(service.Argon2Params{Memory: 64, Time: 1, Threads: 1}),
				Inspector: inspector, Scanner: scanner, Blobs: blobs, TempDir: tmp, MaxAPKSize: maxSize})
			must(t, err)
			e.svc = svc
			fn(t, &realEnv{appEnv: &appEnv{env: e, blobs: blobs, dir: dir}, tmp: tmp, scanner: scanner})
		})
	}
}

// uploadBytes uploads an APK as m into acc.
func (e *realEnv) uploadBytes(m *member, acc *steward.Account, body []byte, override string) (*steward.AppVersion, error) {
	e.tick()
	return e.svc.UploadApp(m.ctx, service.AppUpload{AccountID: acc.ID, Body: bytes.NewReader(body), SignerOverride: override})
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	out := []string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	must(t, err)
	return out
}

// rows counts the rows of a table.
func (e *realEnv) rows(t *testing.T, table string) int {
	t.Helper()
	var n int
	must(t, e.raw.SQL.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}

// readFixture reads a fixture APK (skipping t when it is absent).
func readFixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testutil.Fixture(t, rel))
	must(t, err)
	return b
}

// withEntry returns a copy of the zip src with one entry added at the end:
// the existing entries are copied as they are (compressed bytes, headers),
// so their JAR signature digests still match.
func withEntry(t *testing.T, src []byte, name string, content []byte, method uint16) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	must(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		must(t, zw.Copy(f))
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	must(t, err)
	_, err = w.Write(content)
	must(t, err)
	must(t, zw.Close())
	return buf.Bytes()
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestRealAppCleanAfterScan: real release builds pass the real inspector,
// clamd finds nothing in them, and the scan job marks them clean; one over
// clamd's stream limit stays quarantined as unscannable.
func TestRealAppCleanAfterScan(t *testing.T) {
	type want struct {
		Package string
		Code    int64
		Schemes []string
		Status  steward.AppVersionStatus
	}
	tests := []struct {
		fixture string
		body    []byte
		want    want
	}{
		{fixture: tinyV3RSA, want: want{"android.appsecurity.cts.tinyapp", 10, []string{"v3"}, steward.VersionClean}},
		{fixture: politeDroid, want: want{"com.politedroid", 4, []string{"v1"}, steward.VersionClean}},
		{fixture: helloWorld, want: want{"de.rhab.helloworld", 1, []string{"v2"}, steward.VersionQuarantined}},
	}
	for i := range tests {
		tests[i].body = readFixture(t, tests[i].fixture)
	}
	if len(tests[2].body) <= testutil.ClamdStreamMaxLength {
		t.Fatalf("%s is %d bytes: the test needs it over clamd's stream limit", helloWorld, len(tests[2].body))
	}
	runReal(t, 0, func(t *testing.T, e *realEnv) {
		w := e.world(t)
		ids := make([]string, len(tests))
		for i, tc := range tests {
			v, err := e.uploadBytes(w.c1, w.C1, tc.body, "")
			if err != nil {
				t.Fatalf("upload %s: %v", filepath.Base(tc.fixture), err)
			}
			diff(t, "status after upload", v.Status, steward.VersionQuarantined)
			ids[i] = v.ID
		}
		e.scan(t)
		for i, tc := range tests {
			v := e.version(t, ids[i])
			name := filepath.Base(tc.fixture)
			got := want{v.Info.Package, v.VersionCode, v.Info.Schemes, v.Status}
			diff(t, name, got, tc.want)
			if v.SHA256 != sha256Hex(tc.body) || v.Size != int64(len(tc.body)) {
				t.Errorf("%s: sha256 %s size %d, want the file's", name, v.SHA256, v.Size)
			}
			if len(v.Info.Signers) != 1 || len(v.Info.Signers[0].CertSHA256) != 64 {
				t.Errorf("%s: signers %+v, want the certificate's SHA-256", name, v.Info.Signers)
			}
			if v.Scan == nil || !strings.HasPrefix(v.Scan.Engine, "ClamAV 1.") {
				t.Fatalf("%s: scan %+v, want clamd's answer", name, v.Scan)
			}
			if ok, err := e.blobs.Exists(e.ctx, v.BlobKey); err != nil || !ok {
				t.Errorf("%s: blob %q exists=%v (%v), want it kept", name, v.BlobKey, ok, err)
			}
			switch tc.want.Status {
			case steward.VersionClean:
				diff(t, name+": verdict", v.Scan.Verdict, steward.ScanClean)
				diff(t, name+": reasons", v.Reasons, []string(nil))
			default:
				diff(t, name+": verdict", v.Scan.Verdict, steward.ScanUnscannable)
				if len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "could not scan") || !strings.Contains(v.Reasons[0], "size limit") {
					t.Errorf("%s: reasons %q, want clamd's size limit", name, v.Reasons)
				}
			}
		}
		diff(t, "rejection events", len(e.events(t, "app.version_rejected")), 0)
		diff(t, "upload scratch files left", files(t, e.tmp), []string{})
	})
}

// TestRealAppEICARRejectedByScanner: an APK that passes every static check
// but carries the EICAR test file is rejected by clamd's verdict.
//
// The carrier is a real v1-only release build with one entry added under
// META-INF/. JAR signing (v1) does not cover META-INF/ (Android's own
// verifier skips it, which is how app stores stamp channel files into
// signed APKs), so the signature still verifies for API 24 and later and
// only the antivirus can see what was smuggled in. v2 and later schemes
// sign the whole archive, so this only works on a v1-only APK.
func TestRealAppEICARRejectedByScanner(t *testing.T) {
	clean := readFixture(t, politeDroid)
	infected := withEntry(t, clean, "META-INF/channel", testutil.EICAR, zip.Deflate)
	runReal(t, 0, func(t *testing.T, e *realEnv) {
		w := e.world(t)
		v, err := e.uploadBytes(w.c1, w.C1, infected, "")
		if err != nil {
			t.Fatalf("upload: the inspector refused the EICAR carrier, so clamd is not what this tests: %v", err)
		}
		// The real inspector read and verified it: nothing rejecting.
		diff(t, "status after upload", v.Status, steward.VersionQuarantined)
		diff(t, "package and schemes", []any{v.Info.Package, v.Info.Schemes}, []any{"com.politedroid", []string{"v1"}})
		if slices.ContainsFunc(v.Findings, func(f steward.APKFinding) bool { return f.Reject }) {
			t.Fatalf("findings %+v reject it", v.Findings)
		}
		diff(t, "blobs before the scan", e.blobCount(t, w.C1), 1)

		e.scan(t)
		got := e.version(t, v.ID)
		diff(t, "status after the scan", got.Status, steward.VersionRejected)
		if got.Scan == nil || got.Scan.Verdict != steward.ScanInfected || !strings.HasPrefix(got.Scan.Signature, "Eicar-Test-") {
			t.Fatalf("scan %+v, want clamd's EICAR verdict", got.Scan)
		}
		diff(t, "reasons", got.Reasons, []string{"The antivirus found " + got.Scan.Signature + "."})
		diff(t, "blob key after rejection", got.BlobKey, "")
		diff(t, "blob storage after rejection", files(t, e.dir), []string{})

		evs := e.events(t, "app.version_rejected")
		if len(evs) != 1 {
			t.Fatalf("%d rejection events, want 1", len(evs))
		}
		ev := evs[0]
		if ev.Email != "owner@c-one.test" || ev.IP != w.c1.ip || ev.AccountID != w.C1.ID || !strings.Contains(string(ev.Detail), got.Scan.Signature) {
			t.Errorf("security event %+v (detail %s), want the uploader, address and signature", ev, ev.Detail)
		}
	})
}

// TestRealAppNewSignerRejected: after a clean version, an upload of the
// same package signed with another key is rejected for its signer.
//
// No two real APKs of one package with different signers and increasing
// version codes pass inspection: androguard's pair (TestActivity.apk and
// TestActivity_signed_both.apk) are debug builds, refused at upload, and
// every APK of AOSP's apksig corpus is android.appsecurity.cts.tinyapp at
// version code 10. So the signer rule is shown on the corpus alongside the
// version code rule: the signer reason appears exactly when the key
// differs and no administrator gave a reason.
func TestRealAppNewSignerRejected(t *testing.T) {
	first, sameKey, otherKey := readFixture(t, tinyV3RSA), readFixture(t, tinyV2RSA), readFixture(t, tinyV3ECDSA)
	const codeReason = "The version code 10 does not increase on the clean version 10."
	const signerReason = "The signing certificate differs from the earlier versions' (an administrator may accept it with a reason)."
	runReal(t, 0, func(t *testing.T, e *realEnv) {
		w := e.world(t)
		v1, err := e.uploadBytes(w.c1, w.C1, first, "")
		must(t, err)
		e.scan(t)
		diff(t, "first version", e.version(t, v1.ID).Status, steward.VersionClean)

		other, err := e.uploadBytes(w.c1, w.C1, otherKey, "")
		must(t, err)
		same, err := e.uploadBytes(w.c1, w.C1, sameKey, "")
		must(t, err)
		overridden, err := e.uploadBytes(w.c1, w.C1, otherKey, "signing key moved to the new HSM, change 1234")
		must(t, err)
		if other.AppID != v1.AppID || same.AppID != v1.AppID {
			t.Fatalf("uploads of one package landed in apps %s, %s, %s", v1.AppID, other.AppID, same.AppID)
		}
		// The premise, from the real inspector: the keys differ.
		if signers := [3]string{v1.Info.Signers[0].CertSHA256, same.Info.Signers[0].CertSHA256, other.Info.Signers[0].CertSHA256}; signers[0] != signers[1] || signers[0] == signers[2] {
			t.Fatalf("signers %v: want the first two equal and the third different", signers)
		}
		e.scan(t)

		tests := []struct {
			name    string
			id      string
			reasons []string
		}{
			{"another key", other.ID, []string{codeReason, signerReason}},
			{"the same key", same.ID, []string{codeReason}},
			{"another key, accepted with a reason", overridden.ID, []string{codeReason}},
		}
		for _, tc := range tests {
			v := e.version(t, tc.id)
			diff(t, tc.name+": status", v.Status, steward.VersionRejected)
			diff(t, tc.name+": reasons", v.Reasons, tc.reasons)
			diff(t, tc.name+": scan verdict", v.Scan.Verdict, steward.ScanClean)
		}
		diff(t, "rejection events", len(e.events(t, "app.version_rejected")), 3)
		diff(t, "blobs left: the clean version's", e.blobCount(t, w.C1), 1)
	})
}

// TestRealAppHostileUploads: hostile or broken uploads are refused at
// upload with the inspector's reason (or the size limit's), recorded as
// security events, and leave no file in blob storage or in the upload
// scratch folder, and no app or version row.
func TestRealAppHostileUploads(t *testing.T) {
	good := readFixture(t, politeDroid)
	noise := make([]byte, 256<<10)
	rand.Read(noise)
	const maxSize = 4 << 20
	tests := []struct {
		name string
		body []byte
		code string
		msg  string // part of the error message
	}{
		{"random bytes", noise, steward.EINVALID, "it is not a zip archive"},
		{"truncated real APK", good[:len(good)/2], steward.EINVALID, "the zip archive is cut short"},
		// 16 MiB of zeros deflate to about 16 KiB.
		{"zip bomb", withEntry(t, good, "assets/zeros.bin", make([]byte, 16<<20), zip.Deflate), steward.EINVALID, "compressed more than 200:1"},
		{"traversal name", withEntry(t, good, "../../data/app/evil.so", []byte("x"), zip.Store), steward.EINVALID, `"../../data/app/evil.so" (parent folder)`},
		{"absolute name", withEntry(t, good, "/system/bin/sh", []byte("x"), zip.Store), steward.EINVALID, `"/system/bin/sh" (absolute)`},
		// apkverifier panics on v1 DSA with SHA-512.
		{"signature block that panics the verifier", readFixture(t, dsaSHA512), steward.EINVALID, "the signature block is malformed"},
		{"debug build", readFixture(t, testActivity), steward.EINVALID, "android:debuggable"},
		{"oversized", readFixture(t, apiDemos), steward.ETOOLARGE, "at most 4 MiB"},
	}
	if len(tests[len(tests)-1].body) <= maxSize {
		t.Fatalf("%s is not over %d bytes", apiDemos, maxSize)
	}
	runReal(t, maxSize, func(t *testing.T, e *realEnv) {
		w := e.world(t)
		for _, tc := range tests {
			_, err := e.uploadBytes(w.c1, w.C1, tc.body, "")
			if steward.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: error %v (%s), want %s naming %q", tc.name, err, steward.ErrorCode(err), tc.code, tc.msg)
			}
		}
		diff(t, "blob storage", files(t, e.dir), []string{})
		diff(t, "upload scratch files", files(t, e.tmp), []string{})
		diff(t, "rows", []int{e.rows(t, "apps"), e.rows(t, "app_versions")}, []int{0, 0})
		evs := e.events(t, "app.upload_rejected")
		diff(t, "security events: one per refusal, the oversized one too", len(evs), len(tests))
		if !strings.Contains(string(evs[0].Detail), `"size_seen":4194305`) {
			t.Errorf("the oversized upload's event %s, want the size seen", evs[0].Detail)
		}
		for _, ev := range evs {
			if ev.Email != "owner@c-one.test" || ev.IP != w.c1.ip || !strings.Contains(string(ev.Detail), "reasons") {
				t.Errorf("security event %+v (detail %s), want the uploader, address and reasons", ev, ev.Detail)
			}
		}
		// Nothing was left for the scan job either.
		_, err := e.svc.ScanApps(e.ctx)
		must(t, err)
		diff(t, "versions after the scan job", e.rows(t, "app_versions"), 0)
	})
}
