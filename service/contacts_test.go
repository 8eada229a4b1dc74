package service_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/blobstore"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// dirEnv is a service with blob storage for shared files, limited to
// maxFile bytes per file.
type dirEnv struct {
	*env
	blobs *blobstore.Bucket
	dir   string
}

const maxFile = 64 << 10

func runDirectory(t *testing.T, fn func(t *testing.T, e *dirEnv)) {
	dir := t.TempDir()
	blobs, err := blobstore.OpenDir(dir)
	must(t, err)
	runWith(t, service.Options{Blobs: blobs, MaxFileSize: maxFile}, func(t *testing.T, e *env) {
		fn(t, &dirEnv{env: e, blobs: blobs, dir: dir})
	})
}

// blobFiles lists what blob storage holds under an account's files.
func (e *dirEnv) blobFiles(t *testing.T, acc *steward.Account) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(e.dir, "files", acc.ID), func(p string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		} else if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".attrs") {
			out = append(out, filepath.Base(p))
		}
		return nil
	})
	must(t, err)
	return out
}

func (e *dirEnv) group(t *testing.T, acc *steward.Account, name string, devices ...*steward.Device) *steward.Group {
	t.Helper()
	e.tick()
	now := e.clock.Now()
	g := &steward.Group{ID: steward.NewID(now), AccountID: acc.ID, Name: name, CreatedAt: now, UpdatedAt: now}
	must(t, e.db.InsertGroup(e.ctx, g))
	var ids []string
	for _, d := range devices {
		ids = append(ids, d.ID)
	}
	must(t, e.db.AddDevicesToGroup(e.ctx, g.ID, ids))
	return g
}

func (e *dirEnv) upload(t *testing.T, m *member, acc *steward.Account, name, body string, ts ...steward.Target) (*steward.SharedFile, error) {
	t.Helper()
	e.tick()
	return e.svc.UploadFile(m.ctx, service.FileUpload{AccountID: acc.ID, Name: name, Body: strings.NewReader(body), Targets: ts})
}

// directory is what the device would fetch, and the version its check-in
// carries.
func (e *dirEnv) directory(t *testing.T, d *steward.Device) (*protocol.DirectoryResponse, string) {
	t.Helper()
	dev := &service.Device{ID: d.ID, AccountID: d.AccountID}
	got, err := e.svc.DeviceDirectory(e.ctx, dev)
	must(t, err)
	res, err := e.svc.CheckIn(e.ctx, dev, &protocol.CheckInRequest{Protocol: protocol.Version}, "192.0.2.1")
	must(t, err)
	if res.DirectoryVersion != got.Version {
		t.Errorf("device %s: check-in carries directory version %q, the directory is %q", d.Name, res.DirectoryVersion, got.Version)
	}
	return got, res.DirectoryVersion
}

func contactNames(d *protocol.DirectoryResponse) []string {
	var out []string
	for _, c := range d.Contacts {
		out = append(out, c.Name)
	}
	return out
}

func fileNames(d *protocol.DirectoryResponse) []string {
	var out []string
	for _, f := range d.Files {
		out = append(out, f.Name)
	}
	return out
}

func target(kind steward.TargetKind, id string) steward.Target {
	return steward.Target{Kind: kind, ID: id}
}

// TestContactValidation: each bad field is refused with its name, before
// anything is written; targets outside the actor's reach are not found,
// those outside the owner's subtree are refused.
func TestContactValidation(t *testing.T) {
	runDirectory(t, func(t *testing.T, e *dirEnv) {
		w := e.world(t)
		d3 := e.device(t, w.C3, "foreign")
		d2 := e.device(t, w.C2, "sibling")
		ok := service.ContactCreate{AccountID: w.C1.ID, Name: "Service desk", Email: "desk@example.com"}
		for _, tc := range []struct {
			name  string
			edit  func(c *service.ContactCreate)
			code  string
			field string
		}{
			{"no name", func(c *service.ContactCreate) { c.Name = "  " }, steward.EINVALID, "name"},
			{"bad email", func(c *service.ContactCreate) { c.Email = "desk at example.com" }, steward.EINVALID, "email"},
			{"email with a display name", func(c *service.ContactCreate) { c.Email = "Desk <desk@example.com>" }, steward.EINVALID, "email"},
			{"letters in the phone", func(c *service.ContactCreate) { c.Phone = "call me" }, steward.EINVALID, "phone"},
			{"a plus inside the phone", func(c *service.ContactCreate) { c.Phone = "44+20" }, steward.EINVALID, "phone"},
			{"two digits", func(c *service.ContactCreate) { c.Phone = "12" }, steward.EINVALID, "phone"},
			{"neither email nor phone", func(c *service.ContactCreate) { c.Email = "" }, steward.EINVALID, "email"},
			{"long note", func(c *service.ContactCreate) { c.Note = strings.Repeat("n", 2001) }, steward.EINVALID, "note"},
			{"unknown kind", func(c *service.ContactCreate) { c.Targets = []steward.Target{target("team", w.C1.ID)} }, steward.EINVALID, "targets"},
			{"foreign device", func(c *service.ContactCreate) { c.Targets = []steward.Target{target(steward.TargetDevice, d3.ID)} }, steward.ENOTFOUND, ""},
			{"foreign account", func(c *service.ContactCreate) { c.Targets = []steward.Target{target(steward.TargetAccount, w.C3.ID)} }, steward.ENOTFOUND, ""},
			{"missing group", func(c *service.ContactCreate) { c.Targets = []steward.Target{target(steward.TargetGroup, "nope")} }, steward.ENOTFOUND, ""},
			{"sibling's device", func(c *service.ContactCreate) { c.Targets = []steward.Target{target(steward.TargetDevice, d2.ID)} }, steward.EINVALID, "targets"},
			{"the reseller above", func(c *service.ContactCreate) { c.Targets = []steward.Target{target(steward.TargetAccount, w.S1.ID)} }, steward.EINVALID, "targets"},
		} {
			in := ok
			tc.edit(&in)
			_, err := e.svc.CreateContact(w.r1.ctx, in)
			if tc.field != "" {
				wantCode(t, err, tc.code, tc.field)
			} else {
				wantCode(t, err, tc.code)
			}
		}
		list, err := e.svc.ListContacts(w.r1.ctx, w.C1.ID)
		must(t, err)
		diff(t, "contacts after refusals", len(list), 0)

		in := ok
		in.Email, in.Phone, in.Targets = " Desk@Example.com ", "+44 (20) 7946-0000", []steward.Target{target(steward.TargetAccount, w.C1.ID)}
		c, err := e.svc.CreateContact(w.r1.ctx, in)
		must(t, err)
		diff(t, "normalised email", c.Email, "desk@example.com")
		_, err = e.svc.Contact(w.r2.ctx, c.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.UpdateContact(w.c2.ctx, c.ID, service.ContactUpdate{Name: ptr("Mine")})
		wantCode(t, err, steward.ENOTFOUND)
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		_, err = e.svc.Contact(reader.ctx, c.ID)
		must(t, err)
		_, err = e.svc.CreateContact(reader.ctx, ok)
		wantCode(t, err, steward.EFORBIDDEN)
		wantCode(t, e.svc.DeleteContact(reader.ctx, c.ID), steward.EFORBIDDEN)
		_, err = e.svc.UpdateContact(w.c1.ctx, c.ID, service.ContactUpdate{Phone: ptr("not a phone")})
		wantCode(t, err, steward.EINVALID, "phone")
		got, err := e.svc.Contact(w.c1.ctx, c.ID)
		must(t, err)
		diff(t, "the contact after a refused edit", got, c)
		_, err = e.svc.ListContacts(w.c1.ctx, w.C3.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestDirectoryOnlyReachesTargets: a device gets the contacts and files
// whose targets cover it, and nothing else; its check-in carries the
// version of exactly that; a file not meant for it cannot be downloaded.
func TestDirectoryOnlyReachesTargets(t *testing.T) {
	runDirectory(t, func(t *testing.T, e *dirEnv) {
		w := e.world(t)
		sales := e.device(t, w.C1, "sales")
		office := e.device(t, w.C1, "office")
		other := e.device(t, w.C2, "other")
		foreign := e.device(t, w.C3, "foreign")
		g := e.group(t, w.C1, "Sales", sales)

		desk, err := e.svc.CreateContact(w.c1.ctx, service.ContactCreate{Name: "Sales desk", Phone: "+44 20 7946 0001",
			Targets: []steward.Target{target(steward.TargetGroup, g.ID)}})
		must(t, err)
		_, err = e.svc.CreateContact(w.r1.ctx, service.ContactCreate{AccountID: w.R1.ID, Name: "Reseller helpdesk",
			Email: "help@r-one.test", Targets: []steward.Target{target(steward.TargetAccount, w.R1.ID)}})
		must(t, err)
		price, err := e.upload(t, w.c1, w.C1, "Price list.pdf", "%PDF-1.4 prices", target(steward.TargetDevice, sales.ID))
		must(t, err)

		got, version := e.directory(t, sales)
		diff(t, "sales contacts", contactNames(got), []string{"Reseller helpdesk", "Sales desk"})
		diff(t, "sales files", fileNames(got), []string{"Price list.pdf"})
		f := got.Files[0]
		diff(t, "manifest entry", f, protocol.DirectoryFile{ID: price.ID, Name: "Price list.pdf", ContentType: "application/pdf",
			Size: int64(len("%PDF-1.4 prices")), SHA256: sha("%PDF-1.4 prices"), DownloadPath: "/device/v1/files/" + price.ID + "/download"})
		if version == "" {
			t.Fatal("the sales device's directory has no version")
		}
		got, _ = e.directory(t, office)
		diff(t, "office contacts", contactNames(got), []string{"Reseller helpdesk"})
		diff(t, "office files", fileNames(got), []string(nil))
		got, _ = e.directory(t, other)
		diff(t, "the sibling client's contacts", contactNames(got), []string{"Reseller helpdesk"})
		got, v := e.directory(t, foreign)
		diff(t, "the foreign device's directory", len(got.Contacts)+len(got.Files), 0)
		diff(t, "the foreign device's version", v, "")

		b, _, err := e.svc.DeviceFileDownload(e.ctx, &service.Device{ID: sales.ID}, price.ID)
		must(t, err)
		body, _ := io.ReadAll(b)
		b.Close()
		diff(t, "downloaded", string(body), "%PDF-1.4 prices")
		for _, d := range []*steward.Device{office, other, foreign} {
			_, _, err := e.svc.DeviceFileDownload(e.ctx, &service.Device{ID: d.ID}, price.ID)
			wantCode(t, err, steward.ENOTFOUND)
		}

		// Moving the contact to the office device moves it in both directories.
		_, err = e.svc.UpdateContact(w.c1.ctx, desk.ID, service.ContactUpdate{Targets: &[]steward.Target{target(steward.TargetDevice, office.ID)}})
		must(t, err)
		got, v = e.directory(t, sales)
		diff(t, "sales contacts after the move", contactNames(got), []string{"Reseller helpdesk"})
		if v == version {
			t.Error("the sales device's version did not change when it lost a contact")
		}
		got, _ = e.directory(t, office)
		diff(t, "office contacts after the move", contactNames(got), []string{"Reseller helpdesk", "Sales desk"})
	})
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestDirectoryDeletedAtOnce: deleting a file deletes its blob in the same
// request; deleting a contact leaves no copy of it in the database; the
// devices that held them get a new version and a refresh push, so they
// remove their copies.
func TestDirectoryDeletedAtOnce(t *testing.T) {
	runDirectory(t, func(t *testing.T, e *dirEnv) {
		w := e.world(t)
		dev := e.device(t, w.C1, "a")
		bystander := e.device(t, w.C2, "b")
		sink, quiet := &recordingSink{}, &recordingSink{}
		defer e.svc.RegisterPush(dev.ID, sink)()
		defer e.svc.RegisterPush(bystander.ID, quiet)()
		all := []steward.Target{target(steward.TargetAccount, w.C1.ID)}
		c, err := e.svc.CreateContact(w.c1.ctx, service.ContactCreate{Name: "Night guard", Email: "night.guard@c-one.test",
			Phone: "+44 7700 900 777", Note: "Gate code in the safe", Targets: all})
		must(t, err)
		f, err := e.upload(t, w.c1, w.C1, "rota.txt", "Monday: Ann", all...)
		must(t, err)
		diff(t, "blobs after the upload", e.blobFiles(t, w.C1), []string{f.ID})
		refreshes := func(r *recordingSink) int {
			r.mu.Lock()
			defer r.mu.Unlock()
			n := 0
			for _, m := range r.msgs {
				if m.Type == protocol.PushRefresh && len(m.Refresh) == 1 && m.Refresh[0] == protocol.RefreshDirectory {
					n++
				}
			}
			return n
		}
		diff(t, "refreshes pushed for the contact and the file", refreshes(sink), 2)
		_, before := e.directory(t, dev)

		must(t, e.svc.DeleteFile(w.c1.ctx, f.ID))
		diff(t, "blobs after the delete", e.blobFiles(t, w.C1), []string(nil))
		_, err = e.blobs.Open(e.ctx, f.BlobKey)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.File(w.c1.ctx, f.ID)
		wantCode(t, err, steward.ENOTFOUND)
		got, after := e.directory(t, dev)
		diff(t, "files after the delete", fileNames(got), []string(nil))
		if after == before {
			t.Error("the version did not change when the file was deleted")
		}
		diff(t, "refreshes after the file's delete", refreshes(sink), 3)
		_, _, err = e.svc.DeviceFileDownload(e.ctx, &service.Device{ID: dev.ID}, f.ID)
		wantCode(t, err, steward.ENOTFOUND)

		must(t, e.svc.DeleteContact(w.c1.ctx, c.ID))
		got, v := e.directory(t, dev)
		diff(t, "the directory after both deletes", len(got.Contacts)+len(got.Files), 0)
		diff(t, "the version of an empty directory", v, "")
		diff(t, "refreshes after the contact's delete", refreshes(sink), 4)
		diff(t, "refreshes to a device nothing targeted", refreshes(quiet), 0)
		for _, s := range []string{"night.guard@c-one.test", "Night guard", "Gate code in the safe", "900 777", "rota.txt"} {
			if where := e.raw.Find(t, s); len(where) > 0 {
				t.Errorf("%q is still stored in %v after the delete", s, where)
			}
		}
		wantCode(t, e.svc.DeleteContact(w.c1.ctx, c.ID), steward.ENOTFOUND)
		a := e.lastAudit(t)
		diff(t, "audit", a.Action+" "+a.TargetID, "contact.delete "+c.ID)
	})
}

// TestFileUploadLimits: an upload over the limit is refused and leaves
// nothing in storage or the database; so do an empty one, a taken name
// and a bad name; names lose their folders and forbidden characters.
func TestFileUploadLimits(t *testing.T) {
	runDirectory(t, func(t *testing.T, e *dirEnv) {
		w := e.world(t)
		_, err := e.upload(t, w.c1, w.C1, "big.bin", strings.Repeat("x", maxFile+1))
		wantCode(t, err, steward.ETOOLARGE)
		_, err = e.upload(t, w.c1, w.C1, "empty.txt", "")
		wantCode(t, err, steward.EINVALID, "file")
		_, err = e.upload(t, w.c1, w.C1, " ../.. ", "x")
		wantCode(t, err, steward.EINVALID, "name")
		_, err = e.upload(t, w.c1, w.C1, "ok.txt", "x", target(steward.TargetAccount, w.C3.ID))
		wantCode(t, err, steward.ENOTFOUND)
		diff(t, "blobs after refused uploads", e.blobFiles(t, w.C1), []string(nil))
		list, err := e.svc.ListFiles(w.c1.ctx, "")
		must(t, err)
		diff(t, "files after refused uploads", len(list), 0)

		f, err := e.upload(t, w.c1, w.C1, `C:\Users\ann\Q3 report: "final"?.txt`, strings.Repeat("y", maxFile))
		must(t, err)
		diff(t, "cleaned name", f.Name, `Q3 report_ _final__.txt`)
		diff(t, "size at the limit", f.Size, int64(maxFile))
		diff(t, "type from the extension", f.ContentType, "text/plain; charset=utf-8")
		_, err = e.upload(t, w.c1, w.C1, `Q3 report_ _final__.txt`, "again")
		wantCode(t, err, steward.ECONFLICT)
		diff(t, "blobs after a taken name", e.blobFiles(t, w.C1), []string{f.ID})

		sniffed, err := e.upload(t, w.c1, w.C1, "logo", "\x89PNG\r\n\x1a\n rest")
		must(t, err)
		diff(t, "type from the content", sniffed.ContentType, "image/png")

		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		_, err = e.upload(t, reader, w.C1, "mine.txt", "x")
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.upload(t, w.c2, w.C1, "mine.txt", "x")
		wantCode(t, err, steward.ENOTFOUND)

		b, got, err := e.svc.OpenFile(w.r1.ctx, f.ID)
		must(t, err)
		var buf bytes.Buffer
		_, err = io.Copy(&buf, b)
		b.Close()
		must(t, err)
		diff(t, "admin download", buf.Len(), maxFile)
		diff(t, "admin download's record", got.SHA256, sha(strings.Repeat("y", maxFile)))
		_, _, err = e.svc.OpenFile(w.r2.ctx, f.ID)
		wantCode(t, err, steward.ENOTFOUND)

		upd, err := e.svc.UpdateFile(w.c1.ctx, f.ID, service.FileUpdate{Description: ptr("Quarterly figures"),
			Targets: &[]steward.Target{target(steward.TargetAccount, w.C1.ID)}})
		must(t, err)
		diff(t, "updated", upd.Description+" "+string(upd.Targets[0].Kind), "Quarterly figures account")
		_, err = e.svc.UpdateFile(w.c1.ctx, f.ID, service.FileUpdate{Description: ptr(strings.Repeat("d", 1001))})
		wantCode(t, err, steward.EINVALID, "description")
	})
}

// TestCleanFileName: what a device will be asked to write.
func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"handbook.pdf":           "handbook.pdf",
		"/etc/passwd":            "passwd",
		`..\..\boot.ini`:         "boot.ini",
		".hidden":                "hidden",
		"trailing. ":             "trailing",
		"tab\there":              "tabhere",
		"con.txt":                "_con.txt",
		"naïve résumé.docx":      "naïve résumé.docx",
		`a<b>c:d"e|f?g*h`:        "a_b_c_d_e_f_g_h",
		strings.Repeat("é", 127): strings.Repeat("é", 127),
	} {
		got, err := service.CleanFileName(in)
		must(t, err)
		diff(t, "clean "+in, got, want)
	}
	for _, in := range []string{"", "..", "/", "dir/", strings.Repeat("é", 128), "\xff"} {
		_, err := service.CleanFileName(in)
		wantCode(t, err, steward.EINVALID, "name")
	}
}

// TestDirectoryFollowsMembership: a device added to a group gets what the
// group is sent, and a connected one is pushed a refresh once the change
// commits; taken out of the group, or when the group is deleted, it loses
// it again; a new device enrolled into a targeted account holds the
// account's contacts from its first check-in.
func TestDirectoryFollowsMembership(t *testing.T) {
	runDirectory(t, func(t *testing.T, e *dirEnv) {
		w := e.world(t)
		dev := e.device(t, w.C1, "driver")
		sink := &recordingSink{}
		defer e.svc.RegisterPush(dev.ID, sink)()
		g, err := e.svc.CreateGroup(w.c1.ctx, w.C1.ID, service.GroupCreate{Name: "Drivers"})
		must(t, err)
		_, err = e.svc.CreateContact(w.c1.ctx, service.ContactCreate{Name: "Dispatch", Phone: "+44 20 7946 0100",
			Targets: []steward.Target{target(steward.TargetGroup, g.ID)}})
		must(t, err)
		got, v := e.directory(t, dev)
		diff(t, "before joining the group", contactNames(got), []string(nil))

		_, err = e.svc.AddToGroup(w.c1.ctx, g.ID, []string{dev.ID})
		must(t, err)
		got, joined := e.directory(t, dev)
		diff(t, "after joining the group", contactNames(got), []string{"Dispatch"})
		if joined == v {
			t.Error("joining the group did not change the version")
		}
		waitUntil(t, "a refresh push after joining", func() bool { return refreshCount(sink) == 1 })

		_, err = e.svc.RemoveFromGroup(w.c1.ctx, g.ID, []string{dev.ID})
		must(t, err)
		got, _ = e.directory(t, dev)
		diff(t, "after leaving the group", contactNames(got), []string(nil))
		waitUntil(t, "a refresh push after leaving", func() bool { return refreshCount(sink) == 2 })

		_, err = e.svc.AddToGroup(w.c1.ctx, g.ID, []string{dev.ID})
		must(t, err)
		must(t, e.svc.DeleteGroup(w.c1.ctx, g.ID))
		got, _ = e.directory(t, dev)
		diff(t, "after the group's deletion", contactNames(got), []string(nil))

		// Enrollment: the account's contact is there at the first check-in.
		_, err = e.svc.CreateContact(w.c1.ctx, service.ContactCreate{Name: "Front desk", Phone: "0800 100 200",
			Targets: []steward.Target{target(steward.TargetAccount, w.C1.ID)}})
		must(t, err)
		code, err := e.svc.CreateActivationCode(w.admin.ctx, service.ActivationCodeCreate{AccountID: w.C1.ID, Seats: 1})
		must(t, err)
		enr, _, err := e.svc.Enroll(e.ctx, &protocol.EnrollRequest{Protocol: 1, ActivationCode: code.Code, Ownership: "company",
			Platform: "android", Hardware: protocol.Hardware{ID: "hw-new"}}, "192.0.2.9")
		must(t, err)
		res, err := e.svc.CheckIn(e.ctx, &service.Device{ID: enr.DeviceID, AccountID: w.C1.ID}, &protocol.CheckInRequest{Protocol: 1}, "192.0.2.9")
		must(t, err)
		if res.DirectoryVersion == "" {
			t.Error("a device enrolled into a targeted account has no directory version at its first check-in")
		}
	})
}

func refreshCount(r *recordingSink) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m.Type == protocol.PushRefresh {
			n++
		}
	}
	return n
}

// waitUntil waits a few seconds for cond, for what happens on a goroutine
// of the service's own.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSniffedTypes: the media type of a file sent without one, whose
// name says none, is read from its first bytes.
func TestSniffedTypes(t *testing.T) {
	runDirectory(t, func(t *testing.T, e *dirEnv) {
		w := e.world(t)
		for i, tc := range []struct{ head, want string }{
			{"%PDF-1.7 …", "application/pdf"},
			{"\xff\xd8\xff\xe0 JFIF", "image/jpeg"},
			{"PK\x03\x04 zip", "application/zip"},
			{"Monday: Ann\nTuesday: Bo\n", "text/plain; charset=utf-8"},
			{strings.Repeat("a", 511) + "é", "text/plain; charset=utf-8"}, // a character cut by the 512-byte peek
			{"\x00\x01\x02 binary", "application/octet-stream"},
		} {
			f, err := e.upload(t, w.c1, w.C1, fmt.Sprintf("file-%d", i), tc.head)
			must(t, err)
			diff(t, fmt.Sprintf("type of %.12q", tc.head), f.ContentType, tc.want)
		}
	})
}
