package agent_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

// directoryFixture is the fake server's company directory: what GET
// PathDirectory answers, the content of each file (which may differ from
// the manifest, to test the check), and what the agent asked.
type directoryFixture struct {
	resp      protocol.DirectoryResponse
	content   map[string]string // file ID → content served
	fetches   []string          // If-None-Match of every directory request
	downloads []string          // IDs of every file download
}

func (f *fakeServer) directoryHandler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := &f.directory
	d.fetches = append(d.fetches, r.Header.Get("If-None-Match"))
	etag := `"` + d.resp.Version + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	resp := d.resp
	if resp.Contacts == nil {
		resp.Contacts = []protocol.DirectoryContact{}
	}
	if resp.Files == nil {
		resp.Files = []protocol.DirectoryFile{}
	}
	writeJSON(w, resp)
}

func (f *fakeServer) fileHandler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	id := r.PathValue("id")
	f.directory.downloads = append(f.directory.downloads, id)
	body, ok := f.directory.content[id]
	f.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such file")
		return
	}
	w.Write([]byte(body))
}

// share sets the fake server's directory: contacts by name, files by name
// with their content, at a version.
func (f *fakeServer) share(version string, contacts []string, files map[string]string) {
	f.set(func(f *fakeServer) {
		d := protocol.DirectoryResponse{Version: version}
		for _, c := range contacts {
			d.Contacts = append(d.Contacts, protocol.DirectoryContact{ID: "c-" + c, Name: c, Phone: "+44 20 7946 0000"})
		}
		f.directory.content = map[string]string{}
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			id := "f-" + strings.ReplaceAll(n, ".", "-")
			sum := sha256.Sum256([]byte(files[n]))
			d.Files = append(d.Files, protocol.DirectoryFile{ID: id, Name: n, ContentType: "text/plain", Size: int64(len(files[n])),
				SHA256: hex.EncodeToString(sum[:]), DownloadPath: "/device/v1/files/" + id + "/download"})
			f.directory.content[id] = files[n]
		}
		f.directory.resp = d
	})
}

func (f *fakeServer) directoryLog() (fetches, downloads []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.directory.fetches), slices.Clone(f.directory.downloads)
}

// folder lists a folder's files with their content.
func folder(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// eventually waits until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDirectoryFollowsTheServer: a check-in carrying a new directory
// version makes the running agent fetch the directory and download its
// files, checked, into the files folder; a refresh push makes it fetch
// again, delete the file no longer shared and replace the contacts; an
// unchanged version fetches nothing more.
func TestDirectoryFollowsTheServer(t *testing.T) {
	f := newFakeServer(t)
	files := filepath.Join(t.TempDir(), "shared")
	a, _ := enrolled(t, f, func(o *agent.Options) { o.FilesDir = files })
	f.share("v1", []string{"IT desk", "Facilities"}, map[string]string{"plan.pdf": "%PDF plan", "rota.txt": "Monday: Ann"})
	run(t, a)
	f.waitCheckIn()
	eventually(t, "the version recorded", func() bool { d, _ := a.Directory(); return d.Version == "v1" })
	diff(t, "files folder", folder(t, files), map[string]string{"plan.pdf": "%PDF plan", "rota.txt": "Monday: Ann"})
	d, err := a.Directory()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Contacts) != 2 || d.Contacts[0].Name != "IT desk" || len(d.Files) != 2 {
		t.Errorf("the agent holds %+v", d)
	}

	f.waitConnected()
	f.share("v2", []string{"IT desk"}, map[string]string{"plan.pdf": "%PDF plan"})
	f.push(protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshDirectory}})
	eventually(t, "the contacts replaced", func() bool { d, _ := a.Directory(); return d.Version == "v2" && len(d.Contacts) == 1 })
	diff(t, "files folder after the refresh", folder(t, files), map[string]string{"plan.pdf": "%PDF plan"})
	fetches, downloads := f.directoryLog()
	diff(t, "conditional fetches", fetches, []string{"", `"v1"`})
	diff(t, "downloads (the unchanged file is not fetched again)", downloads, []string{"f-plan-pdf", "f-rota-txt"})

	// Everything unshared: the folder empties.
	f.share("", nil, nil)
	f.push(protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshDirectory}})
	eventually(t, "the directory emptied", func() bool { d, _ := a.Directory(); return len(d.Contacts)+len(d.Files) == 0 })
	diff(t, "files folder after everything is unshared", folder(t, files), map[string]string{})
	st, _ := a.Status()
	diff(t, "status counts", [2]int{st.Contacts, st.Files}, [2]int{0, 0})
}

// TestDirectoryRefusesABadFile: a file whose content does not match the
// manifest's SHA-256 is not kept, and the version is not recorded, so the
// next sync fetches and tries again; once the content is right it lands.
func TestDirectoryRefusesABadFile(t *testing.T) {
	f := newFakeServer(t)
	files := filepath.Join(t.TempDir(), "shared")
	a, _ := enrolled(t, f, func(o *agent.Options) { o.FilesDir = files })
	f.share("v1", nil, map[string]string{"plan.pdf": "%PDF plan"})
	f.set(func(f *fakeServer) { f.directory.content["f-plan-pdf"] = "%PDF tampered" })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.SyncDirectory(ctx); err == nil || !strings.Contains(err.Error(), "1 of 1 files") {
		t.Errorf("sync with a tampered file: %v", err)
	}
	diff(t, "files folder", folder(t, files), map[string]string{})
	if d, _ := a.Directory(); d.Version != "" || len(d.Files) != 1 {
		t.Errorf("after a failed download the agent holds %+v, want the manifest without the version", d)
	}
	f.set(func(f *fakeServer) { f.directory.content["f-plan-pdf"] = "%PDF plan" })
	if err := a.SyncDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	diff(t, "files folder", folder(t, files), map[string]string{"plan.pdf": "%PDF plan"})
	fetches, _ := f.directoryLog()
	diff(t, "fetches", fetches, []string{"", ""})
}

// TestDirectoryWithoutAFilesFolder: without --files-dir the agent keeps
// the manifest and the contacts, and downloads nothing.
func TestDirectoryWithoutAFilesFolder(t *testing.T) {
	f := newFakeServer(t)
	a, _ := enrolled(t, f, nil)
	f.share("v1", []string{"IT desk"}, map[string]string{"plan.pdf": "%PDF plan"})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.SyncDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := a.Directory(); d.Version != "v1" || len(d.Files) != 1 || len(d.Contacts) != 1 {
		t.Errorf("the agent holds %+v", d)
	}
	if _, downloads := f.directoryLog(); len(downloads) != 0 {
		t.Errorf("downloaded %v without a files folder", downloads)
	}
	if err := a.SyncDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	fetches, _ := f.directoryLog()
	diff(t, "the second fetch is conditional", fetches, []string{"", `"v1"`})
}

// TestWipeEmptiesTheFilesFolder: a wipe erases the shared files too.
func TestWipeEmptiesTheFilesFolder(t *testing.T) {
	f := newFakeServer(t)
	files := filepath.Join(t.TempDir(), "shared")
	a, _ := enrolled(t, f, func(o *agent.Options) { o.FilesDir = files; o.AllowDestructive = true })
	f.share("v1", nil, map[string]string{"plan.pdf": "%PDF plan"})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.SyncDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	_, done := run(t, a)
	f.waitConnected()
	f.deliver(protocol.Command{ID: "wipe-1", Type: protocol.CmdWipe, ExpiresAt: time.Now().Add(time.Hour)})
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("the wipe did not stop the agent")
	}
	diff(t, "files folder after the wipe", folder(t, files), map[string]string{})
}

// diff fails t when got and want differ.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := gocmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}
