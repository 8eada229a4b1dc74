package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/stewardmdm/steward/protocol"
)

// The company directory, as an agent keeps it: when a check-in answer
// carries a directory version other than the one the device holds, or a
// refresh push names the directory, the device fetches it with a
// conditional GET, downloads the files it does not hold yet (checking each
// one's SHA-256) and drops the contacts and files no longer listed. It
// keeps everything in memory.

// directory is what a device holds of the company directory.
type directory struct {
	version  string
	contacts []protocol.DirectoryContact
	files    []protocol.DirectoryFile // downloaded and checked
}

// DeviceDirectory is what one simulated device holds of its company
// directory.
type DeviceDirectory struct {
	Version  string
	Contacts []protocol.DirectoryContact
	Files    []protocol.DirectoryFile // the files downloaded and checked
}

// Directory returns what the device with the ID holds of its company
// directory; false for a device the fleet does not have (or that has not
// enrolled).
func (f *Fleet) Directory(deviceID string) (DeviceDirectory, bool) {
	for _, d := range f.devices {
		d.mu.Lock()
		id, dir := d.id, d.dir
		d.mu.Unlock()
		if id == deviceID {
			return DeviceDirectory{Version: dir.version, Contacts: slices.Clone(dir.contacts), Files: slices.Clone(dir.files)}, true
		}
	}
	return DeviceDirectory{}, false
}

// directoryVersion is the version the device holds.
func (d *device) directoryVersion() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dir.version
}

// syncDirectory brings the device's directory in line with the server's.
// A file that fails to download or to match its SHA-256 is left out and
// the version is not kept, so the next check-in tries again.
func (d *device) syncDirectory(ctx context.Context) {
	d.dirMu.Lock()
	defer d.dirMu.Unlock()
	cred := d.credential()
	if cred == "" {
		return
	}
	d.mu.Lock()
	held := d.dir
	d.mu.Unlock()
	var got protocol.DirectoryResponse
	modified := false
	err := d.f.retry(ctx, "directory", func(ctx context.Context) error {
		var err error
		modified, err = d.f.fetchDirectory(ctx, cred, held.version, &got)
		return err
	})
	switch {
	case isStatus(err, http.StatusUnauthorized):
		d.stop("credential refused at the directory")
		return
	case err != nil:
		d.f.log.Debug("directory fetch failed", "device", d.id, "err", err)
		d.f.c.requestErrors.Add(1)
		return
	case !modified:
		d.f.c.directoryNotModified.Add(1)
		return
	}
	d.f.c.directoryFetches.Add(1)
	next := directory{version: got.Version, contacts: got.Contacts}
	failed := false
	for _, file := range got.Files {
		if i := slices.IndexFunc(held.files, func(h protocol.DirectoryFile) bool { return h.ID == file.ID }); i >= 0 && held.files[i].SHA256 == file.SHA256 {
			next.files = append(next.files, file)
			continue
		}
		if why := d.fetchFile(ctx, cred, file); why != "" {
			d.f.log.Debug("shared file not kept", "device", d.id, "file", file.ID, "why", why)
			failed = true
			continue
		}
		next.files = append(next.files, file)
	}
	for _, h := range held.files {
		if !slices.ContainsFunc(next.files, func(f protocol.DirectoryFile) bool { return f.ID == h.ID }) {
			d.f.c.filesRemoved.Add(1)
		}
	}
	if failed {
		next.version = ""
	}
	d.mu.Lock()
	if !d.stopped { // a device reset meanwhile holds nothing
		d.dir = next
	}
	d.mu.Unlock()
}

// fetchDirectory GETs the directory, conditionally on the version held;
// modified is false on 304 Not Modified.
func (f *Fleet) fetchDirectory(ctx context.Context, cred, version string, out *protocol.DirectoryResponse) (modified bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url(protocol.PathDirectory, nil), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "steward-sim/"+AgentVersion)
	req.Header.Set("Authorization", "Bearer "+cred)
	if version != "" {
		req.Header.Set("If-None-Match", `"`+version+`"`)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("directory: %w", err)
	}
	if resp.StatusCode == http.StatusNotModified {
		resp.Body.Close()
		return false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return false, statusError("directory", resp)
	}
	defer resp.Body.Close()
	*out = protocol.DirectoryResponse{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(out); err != nil {
		return false, fmt.Errorf("directory: decode answer: %w", err)
	}
	return true, nil
}

// fetchFile downloads one shared file and checks it against the manifest;
// it returns why the file is not kept, or "".
func (d *device) fetchFile(ctx context.Context, cred string, file protocol.DirectoryFile) string {
	if !strings.HasPrefix(file.DownloadPath, "/") || strings.Contains(file.DownloadPath, "//") {
		return "download refused: " + file.DownloadPath + " is not a path on the server the device enrolled with"
	}
	var got string
	var n int64
	err := d.f.retry(ctx, "file download", func(ctx context.Context) error {
		var err error
		got, n, err = d.f.download(ctx, d.f.url(file.DownloadPath, nil), cred)
		return err
	})
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("download failed: HTTP %d", se.Status)
	case err != nil:
		return "download failed: " + err.Error()
	case got != file.SHA256 || n != file.Size:
		d.f.c.fileDownloadsBad.Add(1)
		return fmt.Sprintf("download failed: %d bytes of SHA-256 %s, the manifest says %d of %s", n, got, file.Size, file.SHA256)
	}
	d.f.c.fileDownloads.Add(1)
	d.f.c.fileDownloadBytes.Add(n)
	return ""
}
