package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stewardmdm/steward"
)

// The apps.scan job, its retries, and an administrator's rescan.

// ScanAttempts is how many times the scan job tries a version whose scan
// fails (the scanner down or timing out, an answer that makes no sense, the
// file unreadable) before it gives up and marks the version unscannable.
// Between tries it waits ScanRetryDelay(n) after the nth failure: 1 minute,
// doubling up to an hour, about four hours in all.
const ScanAttempts = 10

// ScanRetryDelay is the wait after the nth failed scan of a version.
func ScanRetryDelay(failures int) time.Duration {
	d := time.Minute
	for i := 1; i < failures && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// scannerError is an error of the antivirus itself, as opposed to the
// store's or the blob storage's.
type scannerError struct{ err error }

func (e *scannerError) Error() string { return e.err.Error() }
func (e *scannerError) Unwrap() error { return e.err }

// ScanApps is the apps.scan job: it scans the quarantined versions whose
// scan is due and decides them. A clean version is deployed where its app
// is required; an infected or statically refused one is rejected, its blob
// deleted and a security event recorded; an unscannable one stays
// quarantined with the reason. A failed scan is tried again after
// ScanRetryDelay, at most ScanAttempts times, after which the version is
// kept quarantined as unscannable with the reason.
func (s *Service) ScanApps(ctx context.Context) (string, error) {
	if s.opts.Blobs == nil {
		return "", nil
	}
	vs, err := s.store.QuarantinedVersions(ctx, s.now(), 20)
	if err != nil {
		return "", err
	}
	var clean, rejected, held, retry, gaveUp int
	for _, v := range vs {
		outcome, err := s.scanVersion(ctx, v)
		switch {
		case err != nil && ctx.Err() != nil:
			// Stopping (or out of time): not the version's fault.
			s.logger.Warn("scan app version interrupted; tried again next run", "version", v.ID, "err", err)
		case err != nil:
			last, ferr := s.scanFailed(ctx, v.ID, err)
			if ferr != nil {
				return "", errors.Join(err, ferr)
			}
			if last {
				gaveUp++
			} else {
				retry++
			}
		case outcome == steward.VersionClean:
			clean++
		case outcome == steward.VersionRejected:
			rejected++
		default:
			held++
		}
	}
	if len(vs) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d clean, %d rejected, %d kept in quarantine, %d to retry, %d unscannable after %d tries",
		clean, rejected, held, retry, gaveUp, ScanAttempts), nil
}

// scanFailed counts a failed scan of a version: it is due again after
// ScanRetryDelay, or, at the last allowed try, kept quarantined as
// unscannable with the reason. It reports whether that was the last try.
func (s *Service) scanFailed(ctx context.Context, id string, cause error) (bool, error) {
	var last bool
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.store.AppVersionByID(ctx, id)
		if err != nil {
			return err
		}
		if v.Status != steward.VersionQuarantined || v.ScannedAt != nil {
			return nil // decided meanwhile
		}
		now := s.now()
		v.ScanAttempts++
		why := scanFailure(cause)
		if v.ScanAttempts < ScanAttempts {
			next := now.Add(ScanRetryDelay(v.ScanAttempts))
			v.NextScanAt = &next
			v.Reasons = []string{fmt.Sprintf("Scan attempt %d of %d failed (%s); the next is due at %s.",
				v.ScanAttempts, ScanAttempts, why, next.UTC().Format(time.RFC3339))}
			s.logger.Warn("scan app version failed; retried later", "version", v.ID, "attempt", v.ScanAttempts, "next", next, "err", cause)
			return s.store.UpdateAppVersion(ctx, v)
		}
		last = true
		v.ScannedAt, v.NextScanAt = &now, nil
		v.Scan = &steward.ScanResult{Verdict: steward.ScanUnscannable, Detail: why}
		v.Reasons = []string{fmt.Sprintf("The antivirus could not scan it: all %d attempts failed, the last with %s. "+
			"Scan it again once the scanner works.", ScanAttempts, why)}
		s.logger.Error("scan app version failed for the last time; kept in quarantine as unscannable", "version", v.ID, "err", cause)
		return s.store.UpdateAppVersion(ctx, v)
	})
	return last, err
}

// scanFailure says, for the admins who see the version, why a scan failed.
// The scanner's own error is shown (it is about the scanner they run);
// the store's or blob storage's errors stay in the server log.
func scanFailure(err error) string {
	var se *scannerError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "a timeout"
	case steward.ErrorCode(err) == steward.ENOTFOUND:
		return "the APK file missing from storage"
	case errors.As(err, &se):
		msg := se.Error()
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return "the scanner's error: " + msg
	}
	return "an internal error (the server log has it)"
}

func (s *Service) scanVersion(ctx context.Context, v *steward.AppVersion) (steward.AppVersionStatus, error) {
	app, err := s.store.AppByID(ctx, v.AppID)
	if err != nil {
		return "", err
	}
	result := steward.ScanResult{Verdict: VerdictNotScanned, Detail: "No antivirus is configured: static checks only."}
	if s.opts.Scanner != nil {
		b, err := s.opts.Blobs.Open(ctx, v.BlobKey)
		if err != nil {
			return "", err
		}
		result, err = s.opts.Scanner.Scan(ctx, b)
		b.Close()
		if err != nil {
			return "", &scannerError{err}
		}
	}
	now := s.now()
	v.Scan, v.ScannedAt, v.NextScanAt = &result, &now, nil
	var reasons []string
	switch result.Verdict {
	case steward.ScanInfected:
		reasons = append(reasons, "The antivirus found "+result.Signature+".")
	case steward.ScanUnscannable:
		v.Reasons = []string{"The antivirus could not scan it: " + result.Detail}
		return steward.VersionQuarantined, s.store.UpdateAppVersion(ctx, v)
	case steward.ScanClean, VerdictNotScanned:
	default:
		return "", &scannerError{fmt.Errorf("scan %s: unknown verdict %q", v.ID, result.Verdict)}
	}
	if len(reasons) == 0 {
		r, err := s.historyChecks(ctx, v)
		if err != nil {
			return "", err
		}
		reasons = r
	}
	if len(reasons) > 0 {
		key := v.BlobKey
		v.Status, v.Reasons, v.BlobKey = steward.VersionRejected, reasons, ""
		if err := s.store.UpdateAppVersion(ctx, v); err != nil {
			return "", err
		}
		s.dropBlob(ctx, key)
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "app.version_rejected", AccountID: app.AccountID,
			ManagerID: v.UploadedBy, Email: v.UploadedByEmail, IP: v.UploadedFrom,
			Detail: detail("package", app.Package, "version_id", v.ID, "version_code", v.VersionCode, "sha256", v.SHA256,
				"reasons", reasons, "scan", result)})
		return steward.VersionRejected, nil
	}
	v.Status, v.Reasons = steward.VersionClean, nil
	var queued []*steward.Command
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateAppVersion(ctx, v); err != nil {
			return err
		}
		if err := s.record(ctx, app.AccountID, "app.version_clean", "app_version", v.ID,
			map[string]any{"package": app.Package, "version_code": v.VersionCode, "scan": result}); err != nil {
			return err
		}
		queued, err = s.deployRequired(ctx, app)
		return err
	})
	if err != nil {
		return "", err
	}
	s.queuedCommands(ctx, queued)
	return steward.VersionClean, nil
}

// RescanAppVersion puts a quarantined version back in the scan queue at
// once, with its failed tries forgotten: for a version kept quarantined as
// unscannable (over the scanner's size limit, or after ScanAttempts failed
// tries) once the scanner is fixed, or one waiting for its next try. Only
// write roles of the owner's subtree may. Audited as app.version_rescan
// with the scan it replaces. ECONFLICT (the version is not quarantined),
// EFORBIDDEN, ENOTFOUND.
func (s *Service) RescanAppVersion(ctx context.Context, appID, versionID string) (*steward.AppVersion, error) {
	app, owner, err := s.ownApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	var v *steward.AppVersion
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		v, err = s.store.AppVersionByID(ctx, versionID)
		if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && v.AppID != app.ID) {
			return steward.Errorf(steward.ENOTFOUND, "Version %q of %s not found.", versionID, app.Package)
		} else if err != nil {
			return err
		}
		if v.Status != steward.VersionQuarantined || v.BlobKey == "" {
			return steward.Errorf(steward.ECONFLICT, "Only a quarantined version can be scanned again; this one is %s.", v.Status)
		}
		summary := map[string]any{"package": app.Package, "version_code": v.VersionCode, "previous_scan": v.Scan,
			"previous_reasons": v.Reasons, "previous_attempts": v.ScanAttempts}
		v.ScannedAt, v.ScanAttempts, v.NextScanAt, v.Scan, v.Reasons = nil, 0, nil, nil, nil
		if err := s.store.UpdateAppVersion(ctx, v); err != nil {
			return err
		}
		return s.record(ctx, owner.ID, "app.version_rescan", "app_version", v.ID, summary)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// historyChecks compares a version with the app's clean versions: its
// version code must be higher, and its signers the same unless an
// administrator recorded a reason to accept a new one.
func (s *Service) historyChecks(ctx context.Context, v *steward.AppVersion) ([]string, error) {
	vs, err := s.store.ListAppVersions(ctx, v.AppID)
	if err != nil {
		return nil, err
	}
	var latest *steward.AppVersion
	for _, o := range vs {
		if o.ID != v.ID && o.Status == steward.VersionClean && (latest == nil || o.VersionCode > latest.VersionCode) {
			latest = o
		}
	}
	if latest == nil {
		return nil, nil
	}
	var reasons []string
	if v.VersionCode <= latest.VersionCode {
		reasons = append(reasons, fmt.Sprintf("The version code %d does not increase on the clean version %d.", v.VersionCode, latest.VersionCode))
	}
	if !slices.Equal(signers(v.Info), signers(latest.Info)) && v.SignerOverride == "" {
		reasons = append(reasons, "The signing certificate differs from the earlier versions' (an administrator may accept it with a reason).")
	}
	return reasons, nil
}

func signers(info *steward.APKInfo) []string {
	if info == nil {
		return nil
	}
	var out []string
	for _, s := range info.Signers {
		out = append(out, s.CertSHA256)
	}
	slices.Sort(out)
	return out
}
