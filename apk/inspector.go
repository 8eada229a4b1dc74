// Package apk implements steward.APKInspector: it reads an uploaded APK's
// manifest with github.com/avast/apkparser, verifies its signatures with
// github.com/avast/apkverifier, and runs the static checks that decide
// whether the private app store may keep it (zip structure, zip bombs,
// entry names, debuggable builds, dangerous permissions).
package apk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/stewardmdm/steward"
)

// MinSupportedSDK is the lowest Android API level Steward supports
// (Android 7.0): every signature must verify for devices from this level
// up (or from the APK's own minSdkVersion when that is higher). It is also
// the first level that verifies the v2 signature scheme, so a v2/v3-only
// APK whose manifest claims a lower minSdkVersion is not refused for
// lacking a v1 signature that no supported device would read.
const MinSupportedSDK = 24

// Default limits of the static checks; Options overrides them.
const (
	// DefaultMaxSize is the largest APK accepted, in bytes.
	DefaultMaxSize = 1 << 30 // 1 GiB
	// DefaultMaxUncompressed is the largest total uncompressed size of all
	// entries, as declared in the zip's central directory.
	DefaultMaxUncompressed = 4 << 30 // 4 GiB
	// DefaultMaxEntries is the most entries an APK may hold.
	DefaultMaxEntries = 65536
	// DefaultMaxRatio is the highest compression ratio (uncompressed size
	// over compressed size) of one entry larger than RatioMinSize.
	DefaultMaxRatio = 200
	// RatioMinSize is the uncompressed size under which an entry's ratio
	// is not checked: small highly compressible files are common and harmless.
	RatioMinSize = 1 << 20 // 1 MiB
)

// Finding codes.
const (
	CodeTooLarge            = "too_large"
	CodeNotZip              = "not_zip"
	CodeTruncated           = "truncated"
	CodeCorruptZip          = "corrupt_zip"
	CodeTooManyEntries      = "too_many_entries"
	CodeZipBomb             = "zip_bomb"
	CodeBadPath             = "path_traversal"
	CodeDuplicateEntry      = "duplicate_entry"
	CodeManifestMissing     = "manifest_missing"
	CodeManifestInvalid     = "manifest_invalid"
	CodeSignatureInvalid    = "signature_invalid"
	CodeSignatureMalformed  = "signature_malformed"
	CodeDebuggable          = "debuggable"
	CodeDangerousPermission = "dangerous_permission"
)

// Options are the limits of the static checks; a zero field takes its
// default.
type Options struct {
	MaxSize         int64  // DefaultMaxSize
	MaxUncompressed uint64 // DefaultMaxUncompressed
	MaxEntries      int    // DefaultMaxEntries
	MaxRatio        uint64 // DefaultMaxRatio
}

// Inspector is the APK inspector of the private app store.
type Inspector struct {
	opts Options
}

var _ steward.APKInspector = (*Inspector)(nil)

// New returns an Inspector with opts' limits.
func New(opts Options) *Inspector {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.MaxUncompressed == 0 {
		opts.MaxUncompressed = DefaultMaxUncompressed
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.MaxRatio == 0 {
		opts.MaxRatio = DefaultMaxRatio
	}
	return &Inspector{opts: opts}
}

// Inspect parses and checks the APK of size bytes at path. Input that
// fails the zip checks (not_zip, truncated, corrupt_zip, too_large,
// too_many_entries, zip_bomb, path_traversal, duplicate_entry) or has no
// readable manifest (manifest_missing, manifest_invalid) gives a nil info
// and rejecting findings: nothing further is read from it. Otherwise info
// holds what the manifest and the signatures say, with findings for a
// signature that does not verify (signature_invalid, signature_malformed),
// a debuggable build (debuggable: all rejecting) and dangerous permissions
// (dangerous_permission: for review). The error is an operational failure
// only: the file cannot be opened or read, or ctx ended.
func (in *Inspector) Inspect(ctx context.Context, path string, size int64) (*steward.APKInfo, []steward.APKFinding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("inspect apk: %w", err)
	}
	defer f.Close()

	if size > in.opts.MaxSize {
		return nil, []steward.APKFinding{reject(CodeTooLarge, "the APK is %d bytes, over the limit of %d", size, in.opts.MaxSize)}, nil
	}
	findings, err := in.checkZip(f, size)
	if err != nil {
		return nil, nil, fmt.Errorf("inspect apk: %w", err)
	}
	if len(findings) > 0 {
		return nil, findings, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	info, finding := parseManifest(f)
	if finding != nil {
		return nil, []steward.APKFinding{*finding}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	if finding := verifySignature(f, info); finding != nil {
		findings = append(findings, *finding)
	}
	if info.Debuggable {
		findings = append(findings, reject(CodeDebuggable,
			"the manifest sets android:debuggable: a debuggable build lets anyone with USB access run code as the app; upload a release build (no debuggable release)"))
	}
	info.Dangerous = dangerousAmong(info.Permissions)
	if len(info.Dangerous) > 0 {
		findings = append(findings, steward.APKFinding{
			Code:    CodeDangerousPermission,
			Message: fmt.Sprintf("the app asks for %d dangerous permission(s), for review: %s", len(info.Dangerous), strings.Join(info.Dangerous, ", ")),
		})
	}
	return info, findings, nil
}

func reject(code, format string, args ...any) steward.APKFinding {
	return steward.APKFinding{Code: code, Message: fmt.Sprintf(format, args...), Reject: true}
}

// certSHA256 is the lower-case hex SHA-256 of a DER certificate.
func certSHA256(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
