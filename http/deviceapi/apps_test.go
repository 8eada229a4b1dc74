package deviceapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// get downloads path with the credential and extra headers.
func (f *fleet) get(path, cred string, header ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+cred)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return res, b
}

func TestAppDownload(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5, func(c *server.Config) { c.Inspector = testutil.TextInspector{} })
		assigned, other := f.enroll("hw-1", "company"), f.enroll("hw-2", "company")
		apk := "com.example.app 1 " + strings.Repeat("payload ", 4000)
		svc := f.srv.Service
		v := must(svc.UploadApp(f.reseller, service.AppUpload{AccountID: f.c.ID, Body: strings.NewReader(apk)}))
		path := strings.Replace(protocol.PathAppDownload, "{version}", v.ID, 1)

		// Quarantined: not even the assigned device gets it.
		must(svc.AssignApp(f.reseller, v.AppID, service.AppAssign{DeviceID: assigned.DeviceID, Mode: steward.AssignAvailable}))
		if res, _ := f.get(path, assigned.Credential); res.StatusCode != http.StatusNotFound {
			t.Fatalf("quarantined download: %d, want 404", res.StatusCode)
		}
		must(svc.ScanApps(context.Background()))

		res, body := f.get(path, assigned.Credential)
		sum := sha256.Sum256(body)
		if res.StatusCode != http.StatusOK || string(body) != apk || hex.EncodeToString(sum[:]) != v.SHA256 {
			t.Fatalf("download: %d, %d bytes, want 200 with the %d uploaded", res.StatusCode, len(body), len(apk))
		}
		if res.Header.Get("ETag") != `"`+v.SHA256+`"` || res.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("headers: %v", res.Header)
		}
		// A resumed download: the rest from byte 1000.
		res, body = f.get(path, assigned.Credential, "Range", "bytes=1000-", "If-Range", `"`+v.SHA256+`"`)
		if res.StatusCode != http.StatusPartialContent || string(body) != apk[1000:] {
			t.Fatalf("range download: %d, %d bytes, want 206 with %d", res.StatusCode, len(body), len(apk)-1000)
		}

		// The same client's other device is not assigned; a bad credential is nobody.
		if res, _ := f.get(path, other.Credential); res.StatusCode != http.StatusNotFound {
			t.Errorf("unassigned device: %d, want 404", res.StatusCode)
		}
		if res, _ := f.get(path, assigned.DeviceID+".wrong"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong credential: %d, want 401", res.StatusCode)
		}
		// A newer version still in quarantine stays out of reach.
		v2 := must(svc.UploadApp(f.reseller, service.AppUpload{AccountID: f.c.ID, Body: strings.NewReader("com.example.app 2 x")}))
		if res, _ := f.get(strings.Replace(protocol.PathAppDownload, "{version}", v2.ID, 1), assigned.Credential); res.StatusCode != http.StatusNotFound {
			t.Errorf("quarantined second version: %d, want 404", res.StatusCode)
		}
	})
}
