package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
	"github.com/stewardmdm/steward/protocol"
)

// device is an enrolled device speaking the device protocol over HTTP, as
// an agent would.
type device struct {
	t          *testing.T
	url        string
	id         string
	credential string
}

// deviceCall sends one device-protocol request and decodes a 2xx answer
// into out; it returns the status code.
func deviceCall(t *testing.T, method, url, credential string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, url, err, data)
		}
	}
	return resp.StatusCode
}

// enroll enrolls a device with an activation code; it returns the HTTP
// status and, on success, the device.
func enroll(t *testing.T, url, code, ownership, hardwareID, name string) (int, *device) {
	t.Helper()
	var res protocol.EnrollResponse
	status := deviceCall(t, "POST", url+protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: protocol.Version,
		ActivationCode: code, Ownership: ownership, Platform: "linux", Name: name, AgentVersion: "test",
		Hardware: protocol.Hardware{ID: hardwareID, Manufacturer: "Acme", Model: "Book 14", Serial: "SN-" + hardwareID}}, &res)
	if status != http.StatusCreated {
		return status, nil
	}
	if res.DeviceID == "" || !strings.HasPrefix(res.Credential, res.DeviceID+".") {
		t.Fatalf("enroll answered %+v", res)
	}
	return status, &device{t: t, url: url, id: res.DeviceID, credential: res.Credential}
}

func mustEnroll(t *testing.T, url, code, ownership, hardwareID, name string) *device {
	t.Helper()
	status, d := enroll(t, url, code, ownership, hardwareID, name)
	if status != http.StatusCreated {
		t.Fatalf("enroll %s with %s: status %d", hardwareID, code, status)
	}
	return d
}

func (d *device) checkIn(req protocol.CheckInRequest) (int, *protocol.CheckInResponse) {
	d.t.Helper()
	req.Protocol = protocol.Version
	var res protocol.CheckInResponse
	return deviceCall(d.t, "POST", d.url+protocol.PathCheckIn, d.credential, req, &res), &res
}

// runCommands polls the device's pending commands and reports each one's
// result as succeeded, acknowledging it first; it returns their IDs.
func (d *device) runCommands() []string {
	d.t.Helper()
	var res protocol.CommandsResponse
	if st := deviceCall(d.t, "GET", d.url+protocol.PathCommands, d.credential, nil, &res); st != http.StatusOK {
		d.t.Fatalf("poll commands: status %d", st)
	}
	var ids []string
	for _, c := range res.Commands {
		ack := strings.Replace(protocol.PathCommandAck, "{id}", c.ID, 1)
		if st := deviceCall(d.t, "POST", d.url+ack, d.credential, nil, nil); st != http.StatusNoContent {
			d.t.Fatalf("ack %s: status %d", c.ID, st)
		}
		result := strings.Replace(protocol.PathCommandResult, "{id}", c.ID, 1)
		if st := deviceCall(d.t, "POST", d.url+result, d.credential, protocol.CommandResult{Status: protocol.ResultSucceeded, Output: "done"}, nil); st != http.StatusNoContent {
			d.t.Fatalf("result %s: status %d", c.ID, st)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// fleet is a reseller with two client accounts, and an admin client.
type fleet struct {
	url              string
	c                *client.Client
	reseller, a, b   *steward.Account
	codeA            *steward.ActivationCode
	laptop, personal *device
}

// newFleet enrolls two devices into client account A: a company laptop
// that has reported its inventory and apps, and a personal phone.
func newFleet(t *testing.T) *fleet {
	t.Helper()
	ctx := context.Background()
	f := &fleet{url: newServer(t)}
	f.c = adminClient(t, f.url)
	var err error
	if f.reseller, err = f.c.CreateAccount(ctx, steward.AccountCreate{Name: "Reseller", Kind: steward.AccountReseller}); err != nil {
		t.Fatal(err)
	}
	if f.a, err = f.c.CreateAccount(ctx, steward.AccountCreate{ParentID: f.reseller.ID, Name: "Client A", Kind: steward.AccountClient}); err != nil {
		t.Fatal(err)
	}
	if f.b, err = f.c.CreateAccount(ctx, steward.AccountCreate{ParentID: f.reseller.ID, Name: "Client B", Kind: steward.AccountClient}); err != nil {
		t.Fatal(err)
	}
	if f.codeA, err = f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.a.ID, Seats: 2, Note: "first batch"}); err != nil {
		t.Fatal(err)
	}
	f.laptop = mustEnroll(t, f.url, f.codeA.Code, protocol.OwnershipCompany, "hw-laptop", "Front desk laptop")
	// People type codes in lower case and without dashes.
	f.personal = mustEnroll(t, f.url, strings.ToLower(strings.ReplaceAll(f.codeA.Code, "-", "")), protocol.OwnershipPersonal, "hw-phone", "")
	st, _ := f.laptop.checkIn(protocol.CheckInRequest{
		Inventory: &protocol.Inventory{OSVersion: "Debian GNU/Linux 12 (bookworm)", Serial: "SN-hw-laptop", AgentVersion: "test"},
		Apps: &protocol.AppReport{Full: []protocol.App{{Package: "firefox-esr", Name: "Firefox", VersionName: "115.9"},
			{Package: "libreoffice", VersionName: "7.4"}}},
	})
	if st != http.StatusOK {
		t.Fatalf("check-in: status %d", st)
	}
	return f
}

func TestActivationCodes(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	code := f.codeA
	if code.Code == "" || !strings.HasPrefix(strings.ReplaceAll(code.Code, "-", ""), code.Prefix) || code.AccountID != f.a.ID ||
		code.Seats != 2 || code.Note != "first batch" {
		t.Fatalf("CreateActivationCode = %+v", code)
	}
	if d := time.Until(code.ExpiresAt); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("default expiry in %v, want 30 days", d)
	}

	// Both seats are taken: a third device is refused.
	if st, _ := enroll(t, f.url, code.Code, protocol.OwnershipCompany, "hw-third", ""); st != http.StatusConflict {
		t.Fatalf("enroll beyond the seats: status %d, want 409", st)
	}

	codeB, err := f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.b.ID, Seats: 5, ValidDays: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(codeB.ExpiresAt); d < 71*time.Hour || d > 73*time.Hour {
		t.Errorf("expiry of a 3-day code in %v", d)
	}
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	codeAt, err := f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.b.ID, Seats: 1, ExpiresAt: &at})
	if err != nil || !codeAt.ExpiresAt.Equal(at) {
		t.Fatalf("code expiring at %v = %+v, %v", at, codeAt, err)
	}

	all, err := f.c.ActivationCodes(ctx, "", 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("ActivationCodes = %d codes, %v; want 3", len(all), err)
	}
	for _, c := range all {
		if c.Code != "" {
			t.Errorf("listed code %s carries its secret", c.ID)
		}
		if c.ID == code.ID && c.Used != 2 {
			t.Errorf("listed code used %d times, want 2", c.Used)
		}
	}
	ofA, err := f.c.ActivationCodes(ctx, f.a.ID, 0)
	if err != nil || len(ofA) != 1 || ofA[0].ID != code.ID {
		t.Fatalf("ActivationCodes(A) = %+v, %v", ofA, err)
	}
	if one, err := f.c.ActivationCodes(ctx, "", 1); err != nil || len(one) != 1 {
		t.Fatalf("ActivationCodes(limit 1) = %d, %v", len(one), err)
	}

	rev, err := f.c.RevokeActivationCode(ctx, codeB.ID)
	if err != nil || rev.RevokedAt == nil {
		t.Fatalf("RevokeActivationCode = %+v, %v", rev, err)
	}
	if again, err := f.c.RevokeActivationCode(ctx, codeB.ID); err != nil || again.RevokedAt == nil {
		t.Fatalf("revoking twice = %+v, %v", again, err)
	}
	if st, _ := enroll(t, f.url, codeB.Code, protocol.OwnershipCompany, "hw-late", ""); st != http.StatusConflict {
		t.Fatalf("enroll with a revoked code: status %d, want 409", st)
	}

	_, err = f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.reseller.ID, Seats: 1})
	wantCode(t, err, steward.EINVALID, "account_id")
	_, err = f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.a.ID, Seats: 0})
	wantCode(t, err, steward.EINVALID, "seats")
	_, err = f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.a.ID, Seats: 1, ValidDays: 1000})
	wantCode(t, err, steward.EINVALID, "valid_days")
	_, err = f.c.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: steward.NewID(time.Now()), Seats: 1})
	wantCode(t, err, steward.ENOTFOUND, "")
	_, err = f.c.RevokeActivationCode(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
	_, err = f.c.RevokeActivationCode(ctx, "")
	wantCode(t, err, steward.EINVALID, "")
}

func TestDevices(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()

	all, err := f.c.Devices(ctx, steward.DeviceFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("Devices = %d, %v; want 2", len(all), err)
	}
	laptop, err := f.c.Device(ctx, f.laptop.id)
	if err != nil {
		t.Fatal(err)
	}
	if laptop.AccountID != f.a.ID || laptop.Name != "Front desk laptop" || laptop.Ownership != steward.OwnershipCompany ||
		laptop.Platform != "linux" || laptop.Inventory.OSVersion != "Debian GNU/Linux 12 (bookworm)" || laptop.AppCount != 2 ||
		!laptop.Online || len(laptop.SupportID) != 8 || laptop.ActivationCodeID != f.codeA.ID {
		t.Fatalf("Device = %+v", laptop)
	}

	online, offline := true, false
	for _, tc := range []struct {
		name string
		f    steward.DeviceFilter
		want []string
	}{
		{"query on the name", steward.DeviceFilter{Query: "desk"}, []string{f.laptop.id}},
		{"personal", steward.DeviceFilter{Ownership: steward.OwnershipPersonal}, []string{f.personal.id}},
		{"OS version", steward.DeviceFilter{OSVersion: "Debian GNU/Linux 12 (bookworm)"}, []string{f.laptop.id}},
		{"account A", steward.DeviceFilter{AccountID: f.a.ID}, []string{f.laptop.id, f.personal.id}},
		{"account B", steward.DeviceFilter{AccountID: f.b.ID}, nil},
		{"online", steward.DeviceFilter{Online: &online}, []string{f.laptop.id, f.personal.id}},
		{"offline", steward.DeviceFilter{Online: &offline}, nil},
	} {
		ds, err := f.c.Devices(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := deviceIDs(ds)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: devices %v, want %v", tc.name, got, want)
		}
	}

	p1, err := f.c.DevicesPage(ctx, steward.DeviceFilter{Limit: 1})
	if err != nil || len(p1.Items) != 1 || p1.Next != p1.Items[0].ID {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, err := f.c.DevicesPage(ctx, steward.DeviceFilter{Limit: 1, After: p1.Next})
	if err != nil || len(p2.Items) != 1 || p2.Items[0].ID == p1.Items[0].ID {
		t.Fatalf("page 2 = %+v, %v", p2, err)
	}

	apps, err := f.c.DeviceApps(ctx, f.laptop.id)
	if err != nil || len(apps) != 2 {
		t.Fatalf("DeviceApps = %+v, %v", apps, err)
	}
	if i := slices.IndexFunc(apps, func(a steward.App) bool { return a.Package == "firefox-esr" }); i < 0 || apps[i].VersionName != "115.9" {
		t.Errorf("apps %+v lack firefox-esr 115.9", apps)
	}
	hist, err := f.c.DeviceHistory(ctx, f.laptop.id, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range hist {
		kinds = append(kinds, e.Kind)
	}
	for _, want := range []string{"enrolled", "inventory", "apps"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("history %v lacks %s", kinds, want)
		}
	}
	if kinds[len(kinds)-1] != "enrolled" {
		t.Errorf("history %v is not newest first", kinds)
	}
	older, err := f.c.DeviceHistory(ctx, f.laptop.id, hist[0].ID, 1)
	if err != nil || len(older) != 1 || older[0].ID != hist[1].ID {
		t.Fatalf("DeviceHistory(before, 1) = %+v, %v", older, err)
	}

	// A revoked credential stops working at once.
	if err := f.c.RevokeDeviceCredential(ctx, f.personal.id); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.personal.checkIn(protocol.CheckInRequest{}); st != http.StatusUnauthorized {
		t.Fatalf("check-in with a revoked credential: status %d, want 401", st)
	}
	if st, _ := f.laptop.checkIn(protocol.CheckInRequest{}); st != http.StatusOK {
		t.Fatalf("the other device's check-in: status %d", st)
	}

	_, err = f.c.Device(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
	_, err = f.c.Device(ctx, "")
	wantCode(t, err, steward.EINVALID, "")
	_, err = f.c.DeviceApps(ctx, "a/b")
	wantCode(t, err, steward.ENOTFOUND, "")
	_, err = f.c.Devices(ctx, steward.DeviceFilter{Ownership: "borrowed"})
	wantCode(t, err, steward.EINVALID, "ownership")
	err = f.c.RevokeDeviceCredential(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
}

func TestCommands(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()

	sent, err := f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: []string{f.laptop.id}, Type: steward.CmdSync, TTL: 90 * time.Minute})
	if err != nil || len(sent) != 1 {
		t.Fatalf("SendCommand(sync) = %+v, %v", sent, err)
	}
	sync := sent[0]
	if sync.DeviceID != f.laptop.id || sync.Status != steward.CommandQueued || sync.BulkID != "" || sync.IssuedByEmail != adminEmail ||
		sync.ExpiresAt.Sub(sync.CreatedAt) != 90*time.Minute {
		t.Fatalf("sync command = %+v", sync)
	}

	// A filter reaches every matching device: one bulk command.
	msg, _ := json.Marshal(protocol.MessagePayload{Title: "IT", Body: "Please restart tonight"})
	bulk, err := f.c.SendCommand(ctx, client.CommandSend{Filter: &steward.DeviceFilter{AccountID: f.a.ID}, Type: steward.CmdSendMessage, Payload: msg})
	if err != nil || len(bulk) != 2 || bulk[0].BulkID == "" || bulk[0].BulkID != bulk[1].BulkID {
		t.Fatalf("bulk SendCommand = %+v, %v", bulk, err)
	}
	if string(bulk[0].Payload) != string(msg) {
		t.Errorf("payload %s, want %s", bulk[0].Payload, msg)
	}
	narrowed, err := f.c.SendCommand(ctx, client.CommandSend{Filter: &steward.DeviceFilter{AccountID: f.a.ID, Ownership: steward.OwnershipPersonal},
		Type: steward.CmdLock})
	if err != nil || len(narrowed) != 1 || narrowed[0].DeviceID != f.personal.id {
		t.Fatalf("SendCommand to personal devices = %+v, %v", narrowed, err)
	}

	got, err := f.c.Command(ctx, sync.ID)
	if err != nil || got.ID != sync.ID || got.Type != steward.CmdSync {
		t.Fatalf("Command = %+v, %v", got, err)
	}
	ofBulk, err := f.c.Commands(ctx, steward.CommandFilter{BulkID: bulk[0].BulkID})
	if err != nil || len(ofBulk) != 2 {
		t.Fatalf("Commands(bulk) = %d, %v", len(ofBulk), err)
	}
	ofLaptop, err := f.c.Commands(ctx, steward.CommandFilter{DeviceID: f.laptop.id})
	if err != nil || len(ofLaptop) != 2 || ofLaptop[0].Type != steward.CmdSendMessage {
		t.Fatalf("Commands(laptop) = %+v, %v; want 2, newest first", ofLaptop, err)
	}

	// The laptop runs its two commands; the personal phone's lock is
	// cancelled before it looks.
	if ran := f.laptop.runCommands(); len(ran) != 2 {
		t.Fatalf("the laptop ran %v", ran)
	}
	lock, err := f.c.CancelCommand(ctx, narrowed[0].ID)
	if err != nil || lock.Status != steward.CommandCancelled || lock.FinishedAt == nil {
		t.Fatalf("CancelCommand = %+v, %v", lock, err)
	}
	_, err = f.c.CancelCommand(ctx, narrowed[0].ID)
	wantCode(t, err, steward.ECONFLICT, "")
	_, err = f.c.CancelCommand(ctx, sync.ID)
	wantCode(t, err, steward.ECONFLICT, "")
	if got, err := f.c.Command(ctx, sync.ID); err != nil || got.Status != steward.CommandSucceeded || got.Output != "done" {
		t.Fatalf("sync after the device ran it = %+v, %v", got, err)
	}

	done, err := f.c.Commands(ctx, steward.CommandFilter{Status: steward.CommandSucceeded})
	if err != nil || len(done) != 2 {
		t.Fatalf("Commands(succeeded) = %d, %v", len(done), err)
	}
	p1, err := f.c.CommandsPage(ctx, steward.CommandFilter{Limit: 2})
	if err != nil || len(p1.Items) != 2 || p1.Next != p1.Items[1].ID {
		t.Fatalf("commands page 1 = %+v, %v", p1, err)
	}
	p2, err := f.c.CommandsPage(ctx, steward.CommandFilter{Limit: 2, Before: p1.Next})
	if err != nil || len(p2.Items) != 2 || p2.Next != p2.Items[1].ID || p2.Items[0].ID == p1.Items[1].ID {
		t.Fatalf("commands page 2 = %+v, %v", p2, err)
	}
	if p3, err := f.c.CommandsPage(ctx, steward.CommandFilter{Limit: 2, Before: p2.Next}); err != nil || len(p3.Items) != 0 || p3.Next != "" {
		t.Fatalf("commands page 3 = %+v, %v", p3, err)
	}
	if none, err := f.c.Commands(ctx, steward.CommandFilter{AccountID: f.b.ID}); err != nil || len(none) != 0 {
		t.Fatalf("Commands(B) = %d, %v", len(none), err)
	}

	one := []string{f.laptop.id}
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: steward.CmdWipe})
	wantCode(t, err, steward.EINVALID, "confirm")
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: "explode"})
	wantCode(t, err, steward.EINVALID, "type")
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: steward.CmdSendMessage})
	wantCode(t, err, steward.EINVALID, "payload")
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: steward.CmdInstallApp, Payload: json.RawMessage(`{"package":"../etc"}`)})
	wantCode(t, err, steward.EINVALID, "payload.package")
	_, err = f.c.SendCommand(ctx, client.CommandSend{Type: steward.CmdSync})
	wantCode(t, err, steward.EINVALID, "device_ids")
	_, err = f.c.SendCommand(ctx, client.CommandSend{Filter: &steward.DeviceFilter{AccountID: f.b.ID}, Type: steward.CmdSync})
	wantCode(t, err, steward.EINVALID, "filter")
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: steward.CmdSync, TTL: 100 * 24 * time.Hour})
	wantCode(t, err, steward.EINVALID, "ttl_seconds")
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: steward.CmdSync, TTL: -time.Second})
	wantCode(t, err, steward.EINVALID, "ttl_seconds")
	_, err = f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: []string{steward.NewID(time.Now())}, Type: steward.CmdSync})
	wantCode(t, err, steward.ENOTFOUND, "")
	_, err = f.c.Command(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
	_, err = f.c.CancelCommand(ctx, "..")
	wantCode(t, err, steward.ENOTFOUND, "")

	// A confirmed wipe goes out.
	wipe, err := f.c.SendCommand(ctx, client.CommandSend{DeviceIDs: one, Type: steward.CmdWipe, Confirm: true})
	if err != nil || len(wipe) != 1 || wipe[0].Type != steward.CmdWipe {
		t.Fatalf("confirmed wipe = %+v, %v", wipe, err)
	}
}

// TestReadOnlyToken checks that a read-only token reads the fleet but
// cannot act on it.
func TestReadOnlyToken(t *testing.T) {
	f := newFleet(t)
	ctx := context.Background()
	tok, err := f.c.CreateToken(ctx, steward.TokenCreate{Name: "reader", Role: steward.RoleReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := client.New(f.url, tok.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if ds, err := ro.Devices(ctx, steward.DeviceFilter{}); err != nil || len(ds) != 2 {
		t.Fatalf("read-only Devices = %d, %v", len(ds), err)
	}
	if cs, err := ro.ActivationCodes(ctx, "", 0); err != nil || len(cs) != 1 {
		t.Fatalf("read-only ActivationCodes = %d, %v", len(cs), err)
	}
	_, err = ro.SendCommand(ctx, client.CommandSend{DeviceIDs: []string{f.laptop.id}, Type: steward.CmdSync})
	wantCode(t, err, steward.EFORBIDDEN, "")
	_, err = ro.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: f.a.ID, Seats: 1})
	wantCode(t, err, steward.EFORBIDDEN, "")
	_, err = ro.RevokeActivationCode(ctx, f.codeA.ID)
	wantCode(t, err, steward.EFORBIDDEN, "")
	err = ro.RevokeDeviceCredential(ctx, f.laptop.id)
	wantCode(t, err, steward.EFORBIDDEN, "")
}

func deviceIDs(ds []*steward.Device) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}
