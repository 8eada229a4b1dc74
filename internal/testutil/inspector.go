package testutil

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/stewardmdm/steward"
)

// TextInspector is a test-only steward.APKInspector for the tests above
// package apk (which tests the real inspector on real APKs). A file whose
// first line reads "package code [signer] [debuggable]" is that package and
// version, signed by signer (default TextSigner), asking for the camera
// (dangerous, one review finding) and the network; "debuggable" adds a
// rejecting finding. Anything else is not an APK.
type TextInspector struct{}

// TextSigner is the signer of a TextInspector file that names none.
const TextSigner = "5f1c0ffee0ddba11"

// Inspect implements steward.APKInspector.
func (TextInspector) Inspect(_ context.Context, path string, _ int64) (*steward.APKInfo, []steward.APKFinding, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	var code int64
	if len(f) >= 2 {
		code, err = strconv.ParseInt(f[1], 10, 64)
	}
	if len(f) < 2 || err != nil {
		return nil, []steward.APKFinding{{Code: "not_zip", Message: "The file is not a zip archive.", Reject: true}}, nil
	}
	signer := TextSigner
	if len(f) >= 3 {
		signer = f[2]
	}
	perms := []string{"android.permission.CAMERA", "android.permission.INTERNET"}
	info := &steward.APKInfo{Package: f[0], VersionCode: code, VersionName: "1." + f[1], Label: "Timesheet", MinSDK: 24, TargetSDK: 34,
		Permissions: perms, Dangerous: perms[:1], Schemes: []string{"v2"},
		Signers: []steward.APKSigner{{CertSHA256: signer, Subject: "CN=Acme Release"}}}
	findings := []steward.APKFinding{{Code: "dangerous_permission", Message: "Asks for the camera."}}
	if len(f) >= 4 && f[3] == "debuggable" {
		findings = append(findings, steward.APKFinding{Code: "debuggable", Message: "A debuggable build cannot be released.", Reject: true})
	}
	return info, findings, nil
}
