package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stewardmdm/steward"
)

// MaxAPKSizeDefault bounds an uploaded APK unless Options.MaxAPKSize says otherwise.
const MaxAPKSizeDefault = 512 << 20

// VerdictNotScanned is the scan verdict of a version checked while no
// antivirus was configured.
const VerdictNotScanned steward.ScanVerdict = "not_scanned"

// AppUpload is one APK upload into an account's store.
type AppUpload struct {
	AccountID string // default: the actor's account
	Body      io.Reader
	// SignerOverride, when set, is the reason an administrator accepts a
	// signing certificate different from the earlier versions'.
	SignerOverride string
	// Declared, when positive, is the size the client announced
	// (Content-Length): over the limit, the upload is refused before a
	// byte is read.
	Declared int64
}

var errTooLarge = errors.New("upload over the size limit")

// limited reads at most n bytes from r and fails with errTooLarge beyond.
type limited struct {
	r io.Reader
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// UploadApp streams an APK into blob storage (through a size limit,
// hashing it on the way, with a local copy for the inspector), inspects it
// and records a quarantined version, creating the app on its first upload.
// An upload the inspector rejects is deleted at once, recorded as a
// security event with the uploader, address and reasons, and refused with
// the reasons; one over the size limit likewise, with the size seen. EINVALID, ETOOLARGE, EFORBIDDEN, ENOTFOUND, ECONFLICT (not
// configured, or an account deleted).
func (s *Service) UploadApp(ctx context.Context, in AppUpload) (*steward.AppVersion, error) {
	a, acc, err := s.writableAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	if s.opts.Inspector == nil || s.opts.Blobs == nil {
		return nil, steward.Errorf(steward.ECONFLICT, "App uploads are not configured on this server.")
	}
	in.SignerOverride = strings.TrimSpace(in.SignerOverride)
	if len(in.SignerOverride) > 500 {
		return nil, steward.FieldErrorf("signer_override", "Give the reason in at most 500 characters.")
	}
	tmp, err := os.CreateTemp(s.opts.TempDir, "steward-upload-*.apk")
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	if in.Declared > s.opts.MaxAPKSize {
		return nil, s.uploadTooLarge(ctx, acc.ID, 0, in.Declared)
	}
	now := s.now()
	v := &steward.AppVersion{ID: steward.NewID(now), Status: steward.VersionQuarantined, SignerOverride: in.SignerOverride,
		UploadedBy: a.ManagerID, UploadedByEmail: a.Email, UploadedFrom: a.IP, UploadedAt: now}
	key := "apps/" + acc.ID + "/" + v.ID + ".apk"
	h := sha256.New()
	src := &limited{r: in.Body, n: s.opts.MaxAPKSize}
	written := &counter{}
	if err := s.opts.Blobs.Write(ctx, key, io.TeeReader(src, io.MultiWriter(h, tmp, written))); err != nil {
		s.dropBlob(ctx, key)
		if errors.Is(err, errTooLarge) {
			return nil, s.uploadTooLarge(ctx, acc.ID, written.n, in.Declared)
		}
		return nil, fmt.Errorf("upload: %w", err)
	}
	v.SHA256, v.Size = hex.EncodeToString(h.Sum(nil)), written.n
	if v.Size == 0 {
		s.dropBlob(ctx, key)
		return nil, steward.FieldErrorf("file", "The upload is empty.")
	}
	info, findings, err := s.opts.Inspector.Inspect(ctx, tmp.Name(), v.Size)
	if err != nil {
		s.dropBlob(ctx, key)
		return nil, fmt.Errorf("inspect upload: %w", err)
	}
	var reasons []string
	for _, f := range findings {
		if f.Reject {
			reasons = append(reasons, f.Message)
		}
	}
	if len(reasons) == 0 && (info == nil || info.Package == "") {
		reasons = append(reasons, "The file is not an APK whose package could be read.")
	}
	if len(reasons) > 0 {
		s.dropBlob(ctx, key)
		pkg := ""
		if info != nil {
			pkg = info.Package
		}
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "app.upload_rejected", AccountID: acc.ID,
			Detail: detail("package", pkg, "sha256", v.SHA256, "size", v.Size, "reasons", reasons, "findings", findings)})
		return nil, steward.Errorf(steward.EINVALID, "The APK was refused: %s", strings.Join(reasons, "; "))
	}
	v.Info, v.Findings, v.VersionCode, v.VersionName, v.BlobKey = info, findings, info.VersionCode, info.VersionName, key
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		app, err := s.store.AppByPackage(ctx, acc.ID, info.Package)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			name := info.Label
			if name == "" {
				name = info.Package
			}
			app = &steward.StoreApp{ID: steward.NewID(now), AccountID: acc.ID, Package: info.Package, Name: name,
				CreatedBy: a.ManagerID, CreatedAt: now, UpdatedAt: now}
			err = s.store.InsertApp(ctx, app)
		}
		if err != nil {
			return err
		}
		v.AppID = app.ID
		if err := s.store.InsertAppVersion(ctx, v); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "app.upload", "app_version", v.ID, map[string]any{"package": info.Package,
			"version_code": v.VersionCode, "sha256": v.SHA256, "size": v.Size, "signer_override": v.SignerOverride})
	})
	if err != nil {
		s.dropBlob(ctx, key)
		return nil, err
	}
	return v, nil
}

// uploadTooLarge records an upload refused over the size limit as a
// security event (the uploader and address come from the actor), with the
// bytes received before it was cut off and the size the client declared,
// and returns the refusal.
func (s *Service) uploadTooLarge(ctx context.Context, accountID string, seen, declared int64) error {
	msg := fmt.Sprintf("An APK has at most %d MiB.", s.opts.MaxAPKSize>>20)
	kv := []any{"reasons", []string{msg}, "size_seen", seen, "limit", s.opts.MaxAPKSize}
	if declared > 0 {
		kv = append(kv, "size_declared", declared)
	}
	s.securityEvent(ctx, steward.SecurityEvent{Kind: "app.upload_rejected", AccountID: accountID, Detail: detail(kv...)})
	return steward.Errorf(steward.ETOOLARGE, "%s", msg)
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// dropBlob deletes a blob, logging a failure (the caller's answer matters more).
func (s *Service) dropBlob(ctx context.Context, key string) {
	if err := s.opts.Blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.logger.Error("delete blob", "key", key, "err", err)
	}
}
