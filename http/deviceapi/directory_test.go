package deviceapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// TestDirectoryOverTheDeviceAPI: a device enrolled into an account a
// contact already targets gets it at its first check-in; the directory is
// answered with its version as the ETag and 304 when unchanged; a file
// targeted at one device downloads (with ranges) to that device only;
// after the file's deletion the version moves and the download is gone.
func TestDirectoryOverTheDeviceAPI(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		svc := f.srv.Service
		must(svc.CreateContact(f.reseller, service.ContactCreate{AccountID: f.c.ID, Name: "Service desk", Email: "desk@client.test",
			Targets: []steward.Target{{Kind: steward.TargetAccount, ID: f.c.ID}}}))
		chosen, other := f.enroll("dir-1", "company"), f.enroll("dir-2", "company")

		var in protocol.CheckInResponse
		f.call("POST", protocol.PathCheckIn, chosen.Credential, protocol.CheckInRequest{Protocol: 1}, &in)
		if in.DirectoryVersion == "" {
			t.Fatal("a device enrolled into a targeted account has no directory version at its first check-in")
		}
		res, body := f.get(protocol.PathDirectory, chosen.Credential)
		var dir protocol.DirectoryResponse
		if err := json.Unmarshal(body, &dir); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("directory: %d %s", res.StatusCode, body)
		}
		if dir.Version != in.DirectoryVersion || res.Header.Get("ETag") != `"`+dir.Version+`"` || len(dir.Contacts) != 1 ||
			dir.Contacts[0].Email != "desk@client.test" || len(dir.Files) != 0 {
			t.Fatalf("directory %+v, ETag %s; want the desk at version %s", dir, res.Header.Get("ETag"), in.DirectoryVersion)
		}
		if res, _ := f.get(protocol.PathDirectory, chosen.Credential, "If-None-Match", `"`+dir.Version+`"`); res.StatusCode != http.StatusNotModified {
			t.Errorf("conditional GET at the same version: %d, want 304", res.StatusCode)
		}

		content := "Emergency plan\n" + strings.Repeat("Exit by the stairs. ", 500)
		file := must(svc.UploadFile(f.reseller, service.FileUpload{AccountID: f.c.ID, Name: "plan.txt", Body: strings.NewReader(content),
			Targets: []steward.Target{{Kind: steward.TargetDevice, ID: chosen.DeviceID}}}))
		res, body = f.get(protocol.PathDirectory, chosen.Credential, "If-None-Match", `"`+dir.Version+`"`)
		var withFile protocol.DirectoryResponse
		if res.StatusCode != http.StatusOK || json.Unmarshal(body, &withFile) != nil || len(withFile.Files) != 1 {
			t.Fatalf("directory after the upload: %d %s", res.StatusCode, body)
		}
		path := withFile.Files[0].DownloadPath
		res, body = f.get(path, chosen.Credential)
		if res.StatusCode != http.StatusOK || string(body) != content || res.Header.Get("ETag") != `"`+file.SHA256+`"` ||
			res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("download: %d, %d bytes, headers %v", res.StatusCode, len(body), res.Header)
		}
		res, body = f.get(path, chosen.Credential, "Range", "bytes=100-", "If-Range", `"`+file.SHA256+`"`)
		if res.StatusCode != http.StatusPartialContent || string(body) != content[100:] {
			t.Errorf("range download: %d, %d bytes", res.StatusCode, len(body))
		}
		if res, _ := f.get(path, other.Credential); res.StatusCode != http.StatusNotFound {
			t.Errorf("another device's download: %d, want 404", res.StatusCode)
		}
		var otherDir protocol.DirectoryResponse
		f.call("GET", protocol.PathDirectory, other.Credential, nil, &otherDir)
		if len(otherDir.Files) != 0 || len(otherDir.Contacts) != 1 {
			t.Errorf("the other device's directory: %+v, want the contact only", otherDir)
		}

		if err := svc.DeleteFile(f.reseller, file.ID); err != nil {
			t.Fatal(err)
		}
		f.call("POST", protocol.PathCheckIn, chosen.Credential, protocol.CheckInRequest{Protocol: 1}, &in)
		if in.DirectoryVersion != dir.Version {
			t.Errorf("after the delete the check-in carries %q, want the version without the file %q", in.DirectoryVersion, dir.Version)
		}
		if res, _ := f.get(path, chosen.Credential); res.StatusCode != http.StatusNotFound {
			t.Errorf("download of a deleted file: %d, want 404", res.StatusCode)
		}
		if res, _ := f.get(protocol.PathDirectory, "nobody.wrong"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("directory without a credential: %d, want 401", res.StatusCode)
		}
	})
}
