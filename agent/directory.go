package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// The company directory: the shared contacts and files the server sends
// this device. The agent fetches it when a check-in answer carries a
// directory version other than the one it holds, or when a refresh push
// names it, with a conditional GET. It keeps the contacts and the file
// manifest in its state; with a files folder (Options.FilesDir) it also
// downloads each file there, checks its SHA-256, and deletes the files the
// directory no longer lists. Without one it records only the manifest.

// downloadTimeout bounds one file's download.
const downloadTimeout = time.Hour

// heldFile is a shared file the agent wrote into the files folder.
type heldFile struct {
	ID     string `json:"id"`
	Name   string `json:"name"` // the file's name in the folder
	SHA256 string `json:"sha256"`
}

// Directory is what the agent holds of the company directory.
type Directory struct {
	Version  string                      `json:"version,omitempty"`
	Contacts []protocol.DirectoryContact `json:"contacts,omitempty"`
	Files    []protocol.DirectoryFile    `json:"files,omitempty"`
}

// Directory returns the contacts and file manifest the agent holds.
func (a *Agent) Directory() (Directory, error) {
	st, err := readState(a.stateDir)
	if err != nil {
		return Directory{}, err
	}
	return Directory{Version: st.DirectoryVersion, Contacts: st.Contacts, Files: st.Manifest}, nil
}

// requestDirectory asks the directory loop to fetch the directory.
func (a *Agent) requestDirectory() {
	select {
	case a.directorySig <- struct{}{}:
	default:
	}
}

// directoryLoop syncs the directory whenever asked, until ctx ends.
func (a *Agent) directoryLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.directorySig:
		}
		if err := a.SyncDirectory(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("cannot fetch the company directory; trying again at the next check-in", "err", err)
		}
	}
}

// SyncDirectory fetches the directory (conditionally, on the version held)
// and brings the agent's copy in line: contacts and manifest replaced, new
// or changed files downloaded and checked, files no longer listed deleted.
// A file that fails to download or to match its SHA-256 is left out, and
// the version is not recorded, so the next check-in tries again.
func (a *Agent) SyncDirectory(ctx context.Context) error {
	a.directoryMu.Lock()
	defer a.directoryMu.Unlock()
	st, err := a.snapshot()
	if err != nil {
		return err
	}
	if st.Revoked {
		return ErrRevoked
	}
	if st.Wipe != "" {
		return nil // a wipe is erasing everything
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.syncMu.Lock()
	a.syncCancel = cancel
	a.syncMu.Unlock()
	d, err := a.fetchDirectory(ctx, st)
	if err != nil || d == nil { // d nil: not modified
		return err
	}
	held, failed := st.Held, 0
	if a.filesDir != "" {
		held, failed = a.syncSharedFiles(ctx, st, d.Files)
	}
	err = a.update(func(s *state) error {
		s.Contacts, s.Manifest, s.Held = d.Contacts, d.Files, held
		s.DirectoryVersion = d.Version
		if failed > 0 {
			s.DirectoryVersion = "" // fetch again next time
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keep the directory: %w", err)
	}
	a.log.Info("company directory updated", "version", d.Version, "contacts", len(d.Contacts), "files", len(d.Files),
		"files_held", len(held), "failed", failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be downloaded", failed, len(d.Files))
	}
	return nil
}

// stopDirectory cancels a directory sync under way and keeps any other
// from running until the returned function is called (a wipe erases the
// files folder meanwhile).
func (a *Agent) stopDirectory() (resume func()) {
	a.syncMu.Lock()
	if a.syncCancel != nil {
		a.syncCancel()
	}
	a.syncMu.Unlock()
	a.directoryMu.Lock()
	return a.directoryMu.Unlock
}

// fetchDirectory GETs the directory, with If-None-Match when a version is
// held; it returns nil when not modified.
func (a *Agent) fetchDirectory(ctx context.Context, st *state) (*protocol.DirectoryResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpointURL(st.Server, protocol.PathDirectory), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "steward-agent/"+Version)
	req.Header.Set("Authorization", "Bearer "+st.Credential)
	if st.DirectoryVersion != "" {
		req.Header.Set("If-None-Match", `"`+st.DirectoryVersion+`"`)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the directory: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, nil
	case resp.StatusCode == http.StatusUnauthorized:
		a.unauthorized(st.Credential)
		return nil, ErrRevoked
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("fetch the directory: %w", &ServerError{StatusCode: resp.StatusCode})
	}
	var d protocol.DirectoryResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&d); err != nil {
		return nil, fmt.Errorf("fetch the directory: decode: %w", err)
	}
	return &d, nil
}

// localName is the name a listed file gets in the files folder: its name
// if that is a plain file name not taken yet, else one made unique with
// its ID.
func localName(f protocol.DirectoryFile, taken map[string]bool) string {
	name := f.Name
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") {
		name = "file-" + f.ID
	}
	if taken[name] {
		ext := path.Ext(name)
		name = strings.TrimSuffix(name, ext) + " (" + f.ID + ")" + ext
	}
	taken[name] = true
	return name
}

// syncSharedFiles makes the files folder hold exactly the listed files, and
// returns what it holds and how many files failed.
func (a *Agent) syncSharedFiles(ctx context.Context, st *state, files []protocol.DirectoryFile) ([]heldFile, int) {
	if err := os.MkdirAll(a.filesDir, 0o750); err != nil {
		a.log.Error("cannot create the files folder", "dir", a.filesDir, "err", err)
		return st.Held, len(files)
	}
	root, err := os.OpenRoot(a.filesDir)
	if err != nil {
		a.log.Error("cannot open the files folder", "dir", a.filesDir, "err", err)
		return st.Held, len(files)
	}
	defer root.Close()
	taken := map[string]bool{}
	var held []heldFile
	failed := 0
	for _, f := range files {
		name := localName(f, taken)
		old := slices.IndexFunc(st.Held, func(h heldFile) bool { return h.ID == f.ID })
		if old >= 0 && st.Held[old].SHA256 == f.SHA256 && st.Held[old].Name == name && fileIs(root, name, f.SHA256) {
			held = append(held, st.Held[old])
			continue
		}
		if err := a.download(ctx, st, root, f, name); err != nil {
			failed++
			a.log.Warn("shared file not downloaded", "file", f.ID, "name", name, "err", err)
			continue
		}
		held = append(held, heldFile{ID: f.ID, Name: name, SHA256: f.SHA256})
	}
	// Delete what is no longer listed (or now kept under another name).
	for _, h := range st.Held {
		if slices.ContainsFunc(held, func(k heldFile) bool { return k.Name == h.Name }) {
			continue
		}
		if err := root.Remove(h.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			a.log.Warn("cannot delete a shared file no longer listed", "name", h.Name, "err", err)
			continue
		}
		a.log.Info("deleted a shared file no longer listed", "name", h.Name)
	}
	return held, failed
}

// fileIs reports whether the folder holds name with the SHA-256 sum.
func fileIs(root *os.Root, name, sum string) bool {
	f, err := root.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == sum
}

// download fetches one file into a temporary name in the folder, checks
// its size and SHA-256, and renames it into place.
func (a *Agent) download(ctx context.Context, st *state, root *os.Root, f protocol.DirectoryFile, name string) error {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpointURL(st.Server, f.DownloadPath), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "steward-agent/"+Version)
	req.Header.Set("Authorization", "Bearer "+st.Credential)
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &ServerError{StatusCode: resp.StatusCode}
	}
	tmp := ".steward-download-" + f.ID
	out, err := root.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(resp.Body, f.Size+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch got := hex.EncodeToString(h.Sum(nil)); {
	case err != nil:
	case n != f.Size:
		err = fmt.Errorf("got %d bytes, the manifest says %d", n, f.Size)
	case got != f.SHA256:
		err = fmt.Errorf("SHA-256 mismatch: got %s, the manifest says %s", got, f.SHA256)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return err
	}
	a.log.Info("shared file downloaded", "name", name, "size", n)
	return nil
}
