package steward

import (
	"context"
	"io"
	"time"
)

// What the private app store needs from parsing and scanning an APK. The
// implementations live in package apk (parsing, signatures and static
// checks) and package scan (clamd); the service depends only on these.

// APKInfo is what parsing an APK's manifest and signatures found.
type APKInfo struct {
	Package     string   `json:"package"`
	VersionCode int64    `json:"version_code"`
	VersionName string   `json:"version_name,omitempty"`
	Label       string   `json:"label,omitempty"`
	MinSDK      int      `json:"min_sdk"`
	TargetSDK   int      `json:"target_sdk"`
	Permissions []string `json:"permissions"`
	// Dangerous are the permissions of Android's "dangerous" protection
	// level among Permissions: flagged for review, not rejected.
	Dangerous  []string         `json:"dangerous_permissions"`
	Components ComponentSummary `json:"components"`
	Debuggable bool             `json:"debuggable"`
	// Schemes are the signature schemes that verified ("v1", "v2", "v3").
	Schemes []string    `json:"schemes"`
	Signers []APKSigner `json:"signers"`
}

// ComponentSummary counts an APK's declared components.
type ComponentSummary struct {
	Activities int `json:"activities"`
	Services   int `json:"services"`
	Receivers  int `json:"receivers"`
	Providers  int `json:"providers"`
}

// APKSigner is one signing certificate.
type APKSigner struct {
	CertSHA256 string    `json:"cert_sha256"` // lower-case hex of the DER certificate's SHA-256
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
}

// APKFinding is one result of a static check. A finding with Reject set
// refuses the upload; the others are shown for review.
type APKFinding struct {
	Code    string `json:"code"` // e.g. "not_zip", "zip_bomb", "path_traversal", "signature_invalid", "debuggable", "dangerous_permission"
	Message string `json:"message"`
	Reject  bool   `json:"reject"`
}

// APKInspector parses and checks an uploaded APK stored at path (a local
// file of size bytes). It returns what it could read and its findings;
// hostile or unreadable input gives findings with Reject set (and a nil
// info where nothing could be read), never a panic. An error is an
// operational failure (the file could not be opened), not a verdict.
type APKInspector interface {
	Inspect(ctx context.Context, path string, size int64) (*APKInfo, []APKFinding, error)
}

// ScanVerdict is an antivirus scan's outcome.
type ScanVerdict string

// Scan verdicts.
const (
	ScanClean       ScanVerdict = "clean"
	ScanInfected    ScanVerdict = "infected"    // Signature names what was found
	ScanUnscannable ScanVerdict = "unscannable" // e.g. over the scanner's size limit: stays quarantined
)

// ScanResult is one antivirus scan.
type ScanResult struct {
	Verdict   ScanVerdict `json:"verdict"`
	Signature string      `json:"signature,omitempty"`
	Detail    string      `json:"detail,omitempty"`
	Engine    string      `json:"engine,omitempty"` // e.g. "ClamAV 1.4.6/27000"
}

// VirusScanner scans a stream. An error means the scanner could not be
// reached or answered nonsense: the scan is retried later.
type VirusScanner interface {
	Scan(ctx context.Context, r io.Reader) (ScanResult, error)
}
