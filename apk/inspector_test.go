package apk_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/apk"
	"github.com/stewardmdm/steward/internal/testutil"
)

// Real APKs, fetched by .ci/fixtures.
const (
	apiDemos      = "npm/android-apidemos/apks/ApiDemos-debug.apk"
	appiumSetting = "npm/io.appium.settings/apks/settings_apk-debug.apk"
	uiautomator2  = "npm/appium-uiautomator2-server/apks/appium-uiautomator2-server-v10.6.6.apk"
	testActivity  = "androguard/examples/android/TestsAndroguard/bin/TestActivity.apk"
	testActivity2 = "androguard/examples/signing/TestActivity_signed_both.apk"
	unsigned      = "androguard/examples/android/TestsAndroguard/bin/TestActivity_unsigned.apk"
	helloWorld    = "androguard/examples/tests/hello-world.apk"
	dsaSHA512     = "androguard/examples/signing/apksig/v1-only-with-dsa-sha512-2.16.840.1.101.3.4.3.4-2048.apk"
)

func inspect(t *testing.T, opts apk.Options, path string) (*steward.APKInfo, []steward.APKFinding) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	info, findings, err := apk.New(opts).Inspect(context.Background(), path, fi.Size())
	if err != nil {
		t.Fatalf("inspect %s: %v", filepath.Base(path), err)
	}
	return info, findings
}

func codes(findings []steward.APKFinding) []string {
	out := []string{}
	for _, f := range findings {
		out = append(out, f.Code)
	}
	return out
}

func rejected(findings []steward.APKFinding) bool {
	return slices.ContainsFunc(findings, func(f steward.APKFinding) bool { return f.Reject })
}

func TestInspectReleaseAPKIsAccepted(t *testing.T) {
	info, findings := inspect(t, apk.Options{}, testutil.Fixture(t, helloWorld))
	if len(findings) != 0 {
		t.Fatalf("findings = %+v, want none", findings)
	}
	if info.Package != "de.rhab.helloworld" || info.VersionCode != 1 || info.Debuggable {
		t.Errorf("info = %+v", info)
	}
	if diff := cmp.Diff([]string{"v2"}, info.Schemes); diff != "" {
		t.Errorf("schemes (-want +got):\n%s", diff)
	}
}

func TestInspectAPIDemos(t *testing.T) {
	info, findings := inspect(t, apk.Options{}, testutil.Fixture(t, apiDemos))
	// A debug build: refused, but everything is still read for the admin.
	if diff := cmp.Diff([]string{apk.CodeDebuggable, apk.CodeDangerousPermission}, codes(findings)); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	want := steward.APKInfo{
		Package: "io.appium.android.apis", VersionCode: 25, VersionName: "5.0.0", Label: "API Demos",
		MinSDK: 17, TargetSDK: 33,
		Components: steward.ComponentSummary{Activities: 333, Services: 11, Receivers: 7, Providers: 4},
		Debuggable: true,
		Schemes:    []string{"v2"},
		Dangerous: []string{
			"android.permission.ACCESS_COARSE_LOCATION", "android.permission.CAMERA",
			"android.permission.POST_NOTIFICATIONS", "android.permission.READ_CONTACTS",
			"android.permission.RECEIVE_SMS", "android.permission.RECORD_AUDIO",
			"android.permission.SEND_SMS", "android.permission.WRITE_CONTACTS",
			"android.permission.WRITE_EXTERNAL_STORAGE",
		},
	}
	got := *info
	if len(got.Permissions) != 14 {
		t.Errorf("%d permissions, want 14: %v", len(got.Permissions), got.Permissions)
	}
	if len(got.Signers) != 1 || got.Signers[0].CertSHA256 != "18e8534fed30cbf9959e4073e723e3395a3f92fd6b41756d5fbc788f280c1107" ||
		got.Signers[0].Subject != "CN=Android Debug,O=Android,C=US" {
		t.Errorf("signers = %+v", got.Signers)
	}
	got.Permissions, got.Signers = nil, nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("info (-want +got):\n%s", diff)
	}
}

func TestInspectDangerousPermissionsAreFlaggedNotRejected(t *testing.T) {
	info, findings := inspect(t, apk.Options{}, testutil.Fixture(t, appiumSetting))
	if info.Package != "io.appium.settings" || info.VersionCode != 192 || len(info.Permissions) != 27 {
		t.Fatalf("package %q version %d with %d permissions", info.Package, info.VersionCode, len(info.Permissions))
	}
	var flag *steward.APKFinding
	for i := range findings {
		if findings[i].Code == apk.CodeDangerousPermission {
			flag = &findings[i]
		}
	}
	if flag == nil || flag.Reject {
		t.Fatalf("dangerous permission finding = %+v, want one that does not reject", flag)
	}
	if !slices.Contains(info.Dangerous, "android.permission.ACCESS_BACKGROUND_LOCATION") || len(info.Dangerous) != 10 {
		t.Errorf("dangerous = %v, want 10 including background location", info.Dangerous)
	}
	if !bytes.Contains([]byte(flag.Message), []byte("ACCESS_BACKGROUND_LOCATION")) {
		t.Errorf("message %q does not name background location", flag.Message)
	}
}

func TestInspectV3Scheme(t *testing.T) {
	info, _ := inspect(t, apk.Options{}, testutil.Fixture(t, uiautomator2))
	if info.Package != "io.appium.uiautomator2.server" || info.VersionCode != 278 || info.MinSDK != 26 {
		t.Errorf("info = %+v", info)
	}
	if diff := cmp.Diff([]string{"v3"}, info.Schemes); diff != "" {
		t.Errorf("schemes (-want +got):\n%s", diff)
	}
	if len(info.Signers) != 1 || info.Signers[0].CertSHA256 != "a40da80a59d170caa950cf15c18c454d47a39b26989d8b640ecd745ba71bf5dc" {
		t.Errorf("signers = %+v", info.Signers)
	}
}

// The same package signed by two keys: the store tells them apart by the
// certificate's SHA-256. The first is also a v1-only APK whose manifest
// allows API 9: it is verified for API 24 and later.
func TestInspectSamePackageDifferentSigners(t *testing.T) {
	a, fa := inspect(t, apk.Options{}, testutil.Fixture(t, testActivity))
	b, fb := inspect(t, apk.Options{}, testutil.Fixture(t, testActivity2))
	for _, f := range append(fa, fb...) {
		if f.Code == apk.CodeSignatureInvalid || f.Code == apk.CodeSignatureMalformed {
			t.Fatalf("signature finding: %+v", f)
		}
	}
	if a.Package != "tests.androguard" || b.Package != a.Package || a.VersionCode != b.VersionCode {
		t.Fatalf("packages %q/%d and %q/%d", a.Package, a.VersionCode, b.Package, b.VersionCode)
	}
	if diff := cmp.Diff([]string{"v1"}, a.Schemes); diff != "" {
		t.Errorf("first schemes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"v2"}, b.Schemes); diff != "" {
		t.Errorf("second schemes (-want +got):\n%s", diff)
	}
	if got := a.Signers[0].CertSHA256; got != "6f5c31608f1f9e285eb6343c7c8af07de81c1fb2148b5349bec906444144576d" {
		t.Errorf("first signer %s", got)
	}
	if got := b.Signers[0].CertSHA256; got != "b39038a91d8880fb01d2f6bdaeb22d39c1b7c447cef69e779bad544e9a3ec6a3" {
		t.Errorf("second signer %s", got)
	}
}

func TestInspectRejects(t *testing.T) {
	dir := t.TempDir()
	// Each input is made in its subtest, so that one needing an absent
	// fixture skips alone.
	write := func(name string, data func(t *testing.T) []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data(t), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	bytesOf := func(b []byte) func(*testing.T) []byte { return func(*testing.T) []byte { return b } }
	fixture := func(rel string) func(t *testing.T) string {
		return func(t *testing.T) string { return testutil.Fixture(t, rel) }
	}
	random := make([]byte, 64<<10)
	rand.Read(random)
	real := func(t *testing.T, rel string) []byte {
		b, err := os.ReadFile(testutil.Fixture(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	tests := []struct {
		name string
		path func(t *testing.T) string
		opts apk.Options
		want string
	}{
		{"random bytes", write("random.apk", bytesOf(random)), apk.Options{}, apk.CodeNotZip},
		{"empty file", write("empty.apk", bytesOf(nil)), apk.Options{}, apk.CodeNotZip},
		{"truncated real APK", write("cut.apk", func(t *testing.T) []byte { b := real(t, helloWorld); return b[:len(b)/2] }), apk.Options{}, apk.CodeTruncated},
		{"over the size limit", fixture(helloWorld), apk.Options{MaxSize: 1 << 20}, apk.CodeTooLarge},
		{"too many entries", fixture(apiDemos), apk.Options{MaxEntries: 100}, apk.CodeTooManyEntries},
		{"unpacks over the limit", fixture(apiDemos), apk.Options{MaxUncompressed: 1 << 20}, apk.CodeZipBomb},
		{"deflated zeros", write("bomb.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml", data: make([]byte, 64<<20)}))), apk.Options{}, apk.CodeZipBomb},
		{"lying header", write("liar.apk", bytesOf(zipOf(t, entry{name: "classes.dex", data: []byte("x"), declared: 5 << 30}))), apk.Options{}, apk.CodeZipBomb},
		{"parent folder", write("up.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml"}, entry{name: "lib/../../etc/passwd"}))), apk.Options{}, apk.CodeBadPath},
		{"absolute", write("abs.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml"}, entry{name: "/etc/passwd"}))), apk.Options{}, apk.CodeBadPath},
		{"backslash", write("bs.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml"}, entry{name: `..\..\evil.so`}))), apk.Options{}, apk.CodeBadPath},
		{"duplicate", write("dup.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml"}, entry{name: "classes.dex"}, entry{name: "./classes.dex"}))), apk.Options{}, apk.CodeDuplicateEntry},
		{"no manifest", write("nomanifest.apk", bytesOf(zipOf(t, entry{name: "classes.dex", data: []byte("dex\n035\x00")}))), apk.Options{}, apk.CodeManifestMissing},
		{"text manifest", write("text.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml", data: []byte(`<manifest package="x"/>`)}))), apk.Options{}, apk.CodeManifestInvalid},
		{"garbage manifest", write("garbage.apk", bytesOf(zipOf(t, entry{name: "AndroidManifest.xml", data: random[:4096]}))), apk.Options{}, apk.CodeManifestInvalid},
		{"unsigned", fixture(unsigned), apk.Options{}, apk.CodeSignatureInvalid},
		{"signing block tampered", write("tampered.apk", func(t *testing.T) []byte { return flipInSigningBlock(t, real(t, helloWorld)) }), apk.Options{}, apk.CodeSignatureInvalid},
		{"DEX prepended (Janus)", write("janus.apk", func(t *testing.T) []byte {
			return append([]byte("dex\n035\x00"+string(make([]byte, 104))), real(t, testActivity)...)
		}), apk.Options{}, apk.CodeSignatureInvalid},
		{"verifier panics on the signature", fixture(dsaSHA512), apk.Options{}, apk.CodeSignatureMalformed},
		{"debuggable", fixture(uiautomator2), apk.Options{}, apk.CodeDebuggable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, findings := inspect(t, tt.opts, tt.path(t))
			var hit *steward.APKFinding
			for i := range findings {
				if findings[i].Code == tt.want {
					hit = &findings[i]
				}
			}
			if hit == nil || !hit.Reject || hit.Message == "" {
				t.Fatalf("findings = %+v, want a rejecting %q with a message", findings, tt.want)
			}
			t.Logf("%s: %s", hit.Code, hit.Message)
		})
	}
}

func TestInspectMissingFileIsAnError(t *testing.T) {
	_, _, err := apk.New(apk.Options{}).Inspect(context.Background(), filepath.Join(t.TempDir(), "gone.apk"), 10)
	if err == nil {
		t.Fatal("no error for a missing file")
	}
}

type entry struct {
	name     string
	data     []byte
	declared uint64 // an uncompressed size to claim instead of the real one
}

// zipOf builds a small zip: hostile inputs, not APKs.
func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.declared != 0 {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Store,
				CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.declared})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// flipInSigningBlock corrupts one byte inside the APK Signing Block (v2/v3
// signatures) of a copy of apk.
func flipInSigningBlock(t testing.TB, apk []byte) []byte {
	t.Helper()
	i := bytes.LastIndex(apk, []byte("APK Sig Block 42"))
	if i < 0 {
		t.Fatal("no APK Signing Block")
	}
	out := bytes.Clone(apk)
	out[i-200] ^= 0xFF // inside the last signed block's signature or key
	return out
}

// A v3-only APK (AOSP's apksig test corpus) whose manifest allows Android
// versions before 7.0 has no v1 signature for them. Steward supports API 24
// and later only, where v2/v3 is what Android verifies: accepted.
func TestInspectV3OnlyWithOldMinSDKVerifiesForSupportedAndroid(t *testing.T) {
	info, findings := inspect(t, apk.Options{}, testutil.Fixture(t, "androguard/examples/signing/apksig/golden-aligned-v3-out.apk"))
	if rejected(findings) {
		t.Fatalf("findings = %+v, want none rejecting", findings)
	}
	if info.MinSDK >= apk.MinSupportedSDK {
		t.Fatalf("minSdk %d: not the case under test", info.MinSDK)
	}
	if diff := cmp.Diff([]string{"v3"}, info.Schemes); diff != "" {
		t.Errorf("schemes (-want +got):\n%s", diff)
	}
}
