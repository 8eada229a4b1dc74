package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/sim"
)

// TestDirectoryReachesSimulatedFleet: a contact sent to a client account
// reaches every simulated device, and a file sent to a group reaches the
// group's devices only, each checked against its SHA-256, over push and
// conditional fetches; deleting them makes every device drop its copy.
func TestDirectoryReachesSimulatedFleet(t *testing.T) {
	const n = 12
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, hs, admin := inProcessServer(t, ctx)
	svc := s.Service
	r, err := svc.CreateAccount(admin, steward.AccountCreate{Name: "Directory Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateAccount(admin, steward.AccountCreate{ParentID: r.ID, Name: "Directory Client", Kind: steward.AccountClient})
	if err != nil {
		t.Fatal(err)
	}
	code, err := svc.CreateActivationCode(admin, service.ActivationCodeCreate{AccountID: c.ID, Seats: n})
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := sim.New(sim.Options{Server: hs.URL, ActivationCode: code.Code, Devices: n, Seed: 11, PersonalShare: 0.2,
		UsePush: true, Logger: testutil.Logger(), Clock: sim.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fleet.Enroll(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- fleet.Run(runCtx) }()
	defer func() { stop(); <-done }()
	waitFor(t, ctx, "every push socket", func() bool { return svc.ConnectedCount() == n })

	devices, err := svc.Devices(admin, steward.DeviceFilter{AccountID: c.ID, Limit: n})
	if err != nil || len(devices) != n {
		t.Fatalf("devices: %d (%v)", len(devices), err)
	}
	group, err := svc.CreateGroup(admin, c.ID, service.GroupCreate{Name: "Drivers"})
	if err != nil {
		t.Fatal(err)
	}
	inGroup := map[string]bool{}
	var members []string
	for _, d := range devices[:n/2] {
		inGroup[d.ID] = true
		members = append(members, d.ID)
	}
	if _, err := svc.AddToGroup(admin, group.ID, members); err != nil {
		t.Fatal(err)
	}

	contact, err := svc.CreateContact(admin, service.ContactCreate{AccountID: c.ID, Name: "Dispatch", Phone: "+44 20 7946 0100",
		Targets: []steward.Target{{Kind: steward.TargetAccount, ID: c.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	content := "Route plan\n" + strings.Repeat("Depot → Harbour → Depot\n", 2000)
	file, err := svc.UploadFile(admin, service.FileUpload{AccountID: c.ID, Name: "routes.txt", Body: strings.NewReader(content),
		Targets: []steward.Target{{Kind: steward.TargetGroup, ID: group.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	holds := func(id string) (contacts, files int, ok bool) {
		d, found := fleet.Directory(id)
		if !found {
			t.Fatalf("the fleet has no device %s", id)
		}
		for _, f := range d.Files {
			if f.ID != file.ID || f.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("device %s holds %+v", id, f)
			}
		}
		return len(d.Contacts), len(d.Files), d.Version != ""
	}
	waitFor(t, ctx, "every device to hold its directory", func() bool {
		for _, d := range devices {
			nc, nf, _ := holds(d.ID)
			if want := map[bool]int{true: 1, false: 0}[inGroup[d.ID]]; nc != 1 || nf != want {
				return false
			}
		}
		return true
	})
	for _, d := range devices {
		row, err := svc.Device(admin, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if held, _ := fleet.Directory(d.ID); held.Version != row.DirectoryVersion {
			t.Errorf("device %s holds version %q, the server says %q", d.SupportID, held.Version, row.DirectoryVersion)
		}
	}
	st := fleet.Stats()
	if st.FileDownloads != n/2 || st.FileDownloadBytes != int64(n/2*len(content)) || st.FileDownloadsBad != 0 {
		t.Errorf("downloads: %d of %d bytes, %d bad; want %d good", st.FileDownloads, st.FileDownloadBytes, st.FileDownloadsBad, n/2)
	}
	if st.DirectoryFetches < n {
		t.Errorf("%d directory fetches, want at least one per device", st.DirectoryFetches)
	}

	if err := svc.DeleteFile(admin, file.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteContact(admin, contact.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "every device to drop its copies", func() bool {
		for _, d := range devices {
			if nc, nf, versioned := holds(d.ID); nc+nf > 0 || versioned {
				return false
			}
		}
		return true
	})
	if st := fleet.Stats(); st.FilesRemoved != n/2 || st.FileDownloads != n/2 {
		t.Errorf("after the deletes: %d files removed, %d downloads; want %d and no new download", st.FilesRemoved, st.FileDownloads, n/2)
	}
}
