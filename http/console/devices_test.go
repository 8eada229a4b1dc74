package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

func TestDevicesListAndDetail(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	c.signIn("nora@northwind.example", f.pwNorth)

	list := c.get("/console/devices")
	want(t, "device list", list, 200, "Forklift scanner 1", "Dana&#39;s phone", f.company.SupportID, f.personal.SupportID,
		"personal BYOD", "company", "Acme Logistics", "TC52", `value="80"`, "online")
	if strings.Contains(list.body, "Next devices") {
		t.Error("a list of two devices offers a next page")
	}
	one := c.get("/console/devices?q=" + strings.ToLower(f.personal.SupportID))
	want(t, "search by support ID", one, 200, "Dana&#39;s phone")
	if strings.Contains(one.body, "Forklift") {
		t.Error("searching by the personal device's support ID lists the other device")
	}
	byod := c.get("/console/devices?ownership=personal")
	if !strings.Contains(byod.body, "Dana&#39;s phone") || strings.Contains(byod.body, "Forklift") {
		t.Error("the ownership filter does not keep only personal devices")
	}
	if p := c.get("/console/devices?online=offline"); strings.Contains(p.body, "Forklift") || !strings.Contains(p.body, "No device matches") {
		t.Error("devices that just checked in are listed as offline")
	}
	if p := c.get("/console/devices?ownership=stolen"); p.status != http.StatusBadRequest {
		t.Errorf("an unknown ownership: status %d, want 400", p.status)
	}

	company := c.get("/console/devices/" + f.company.ID)
	want(t, "company device", company, 200, "8944500102198304826", "356938035643809", "7700 900123", "2026-10-05",
		"1.4.2", "3 d 4 h", "good", "com.example.game", "Private Game", `value="80"`, "Enrolled as company")
	if strings.Contains(company.body, "Refused under the BYOD rules") {
		t.Error("a company device shows BYOD refusals")
	}
	d, err := e.svc.Device(e.admin, f.personal.ID)
	if err != nil || d.Refusals < 2 { // the SIM and the personal app at least
		t.Fatalf("the service counted %d refusals (%v)", d.Refusals, err)
	}
	personal := c.get("/console/devices/" + f.personal.ID)
	want(t, "personal device", personal, 200, fmt.Sprintf("Refused under the BYOD rules: %d", d.Refusals), "Not collected on a personal device",
		"com.example.scanner", "work profile only")
	for _, leak := range []string{"8944500102198304826", "356938035643809", "7700 900123", "com.example.game"} {
		if strings.Contains(personal.body, leak) {
			t.Errorf("the personal device's page shows %q", leak)
		}
	}

	dash := c.get("/console/")
	want(t, "dashboard", dash, 200, "Company-owned", "Personal (BYOD)")
	if strings.Contains(dash.body, "Connected now") {
		t.Error("a reseller sees the server's connection count")
	}
}

func TestDevicesListPages(t *testing.T) {
	e := newEnv(t, adminPassword)
	client := e.account("", "Big Client", steward.AccountClient)
	code := e.code(client.ID, 60)
	var ids []string
	for i := range 53 {
		ids = append(ids, e.enroll(code.Code, "company", fmt.Sprintf("Handheld %02d", i), fmt.Sprintf("H%02d", i)).ID)
	}
	// All but the 10th were last seen two hours ago: offline.
	for i, id := range ids {
		if i != 10 {
			if err := e.srv.DB.UpdateDeviceInventory(context.Background(), id, steward.Inventory{OSVersion: "13"}, time.Now().Add(-2*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := e.client()
	c.signIn(adminEmail, adminPassword)
	rowRe := regexp.MustCompile(`href="/console/devices/[0-9a-z]+"`)
	nextRe := regexp.MustCompile(`href="(/console/devices\?[^"]+)" rel="next"`)
	// pages follows the "next" links from path and returns each page's devices.
	pages := func(path string) [][]string {
		var out [][]string
		seen := map[string]bool{}
		for path != "" && len(out) < 5 {
			p := c.get(path)
			if p.status != http.StatusOK {
				t.Fatalf("%s: status %d", path, p.status)
			}
			rows := rowRe.FindAllString(p.body, -1)
			for _, r := range rows {
				if seen[r] {
					t.Errorf("%s is on two pages", r)
				}
				seen[r] = true
			}
			out = append(out, rows)
			path = ""
			if m := nextRe.FindStringSubmatch(p.body); m != nil {
				path = html.UnescapeString(m[1])
				if !strings.Contains(c.get(path).body, "First page") {
					t.Errorf("%s has no link to the first page", path)
				}
			}
		}
		return out
	}
	lengths := func(ps [][]string) []int {
		var n []int
		for _, p := range ps {
			n = append(n, len(p))
		}
		return n
	}
	want(t, "platform dashboard", c.get("/console/"), 200, `<span class="stat-value">53</span><span class="stat-label">Devices`, "Connected now")
	for path, want := range map[string][]int{
		"/console/devices":                      {50, 3},
		"/console/devices?online=offline":       {50, 2},
		"/console/devices?online=online":        {1},
		"/console/devices?online=offline&os=13": {50, 2},
		"/console/devices?q=handheld+05":        {1},
	} {
		if got := lengths(pages(path)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: pages of %v devices, want %v", path, got, want)
		}
	}
}

func TestForeignDeviceIsNotFound(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	token := c.signIn("sam@southwind.example", f.pwSouth).csrf(t)
	id := f.company.ID
	for _, path := range []string{"/console/devices/" + id, "/console/devices/" + id + "/wipe", "/console/devices/" + id + "/revoke",
		"/console/devices?account=" + f.northClient.ID, "/console/codes?account=" + f.northClient.ID} {
		p := c.get(path)
		if p.status != http.StatusNotFound || strings.Contains(p.body, "Forklift") || strings.Contains(p.body, "Acme") {
			t.Errorf("GET %s: status %d, want a 404 that names nothing", path, p.status)
		}
	}
	cmds, err := e.svc.SendCommand(e.admin, service.CommandSend{DeviceIDs: []string{id}, Type: steward.CmdSync})
	if err != nil {
		t.Fatal(err)
	}
	for path, form := range map[string]url.Values{
		"/console/devices/" + id + "/commands":        {"type": {"send_message"}, "body": {"hello"}},
		"/console/commands/" + cmds[0].ID + "/cancel": {},
		"/console/devices/" + id + "/wipe":            {"confirm_support_id": {f.company.SupportID}},
		"/console/devices/" + id + "/revoke":          {},
		"/console/codes":                              {"account_id": {f.northClient.ID}, "seats": {"5"}, "valid_days": {"30"}},
	} {
		form.Set("csrf_token", token)
		if p := c.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", path, p.status)
		}
	}
	list := c.get("/console/devices")
	if strings.Contains(list.body, "Forklift") || !strings.Contains(list.body, "No devices yet") {
		t.Error("another reseller's devices are listed")
	}
	after, err := e.svc.Commands(e.admin, steward.CommandFilter{DeviceID: id, Limit: 10})
	if err != nil || len(after) != 1 || after[0].Status != steward.CommandQueued {
		t.Errorf("a foreign reseller changed the commands: %+v (%v)", after, err)
	}
}

func TestReadOnlySeesNoDeviceForms(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	pw := e.login(f.north.ID, "viewer@northwind.example", steward.RoleReadOnly)
	c := e.client()
	token := c.signIn("viewer@northwind.example", pw).csrf(t)
	id := f.company.ID
	for _, path := range []string{"/console/devices/" + id, "/console/devices/" + id + "/wipe", "/console/devices/" + id + "/revoke",
		"/console/codes", "/console/devices"} {
		p := c.get(path)
		if p.status != http.StatusOK {
			t.Errorf("GET %s: status %d", path, p.status)
		}
		if n := strings.Count(p.body, `method="post"`); n != 1 {
			t.Errorf("a read-only login sees %d POST forms on %s, want only sign-out", n-1, path)
		}
	}
	for path, form := range map[string]url.Values{
		"/console/devices/" + id + "/commands": {"type": {"sync"}},
		"/console/devices/" + id + "/wipe":     {"confirm_support_id": {f.company.SupportID}},
		"/console/devices/" + id + "/revoke":   {},
		"/console/codes":                       {"account_id": {f.northClient.ID}, "seats": {"5"}, "valid_days": {"30"}},
	} {
		form.Set("csrf_token", token)
		p := c.post(path, form)
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "can only read") {
			t.Errorf("POST %s by a read-only login: status %d, want 403 saying why", path, p.status)
		}
	}
	cmds, err := e.svc.Commands(e.admin, steward.CommandFilter{DeviceID: id, Limit: 10})
	if err != nil || len(cmds) != 0 {
		t.Errorf("a read-only login queued %d commands (%v)", len(cmds), err)
	}
	codes, err := e.svc.ActivationCodes(e.admin, f.northClient.ID, 10)
	if err != nil || len(codes) != 1 {
		t.Errorf("a read-only login issued a code: %d codes (%v)", len(codes), err)
	}
}

func TestCommandsFromTheDevicePage(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	token := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	id, path := f.company.ID, "/console/devices/"+f.company.ID

	p := c.post(path+"/commands", url.Values{"csrf_token": {token}, "type": {"send_message"}, "title": {"Hello"}, "body": {"  "}})
	want(t, "a message without a body", p, http.StatusBadRequest, `id="cmd-message-body-error"`, "A message needs a body")
	p = c.post(path+"/commands", url.Values{"csrf_token": {token}, "type": {"wipe"}})
	want(t, "a wipe through the command form", p, http.StatusBadRequest, "does not send")
	p = c.post(path+"/commands", url.Values{"csrf_token": {token}, "type": {"clear_app_cache"}, "package": {"../etc"}})
	want(t, "a bad package", p, http.StatusBadRequest, `id="cmd-cache-package-error"`)
	for _, typ := range []string{"sync", "reboot", "lock", "agent_disable"} {
		p := c.post(path+"/commands", url.Values{"csrf_token": {token}, "type": {typ}, "reason": {"audit"}})
		want(t, typ, p, http.StatusOK, "is queued")
	}
	p = c.post(path+"/commands", url.Values{"csrf_token": {token}, "type": {"send_message"}, "title": {"Hello"}, "body": {"Please return the scanner."}})
	want(t, "a message", p, http.StatusOK, "The message is queued", "Hello: Please return the scanner.", "nora@northwind.example")

	cmds, err := e.svc.Commands(e.admin, steward.CommandFilter{DeviceID: id, Limit: 10})
	if err != nil || len(cmds) != 5 || cmds[0].Type != steward.CmdSendMessage || string(cmds[0].Payload) != `{"title":"Hello","body":"Please return the scanner."}` {
		t.Fatalf("queued: %d commands, the latest %+v (%v)", len(cmds), cmds[0], err)
	}
	// The device picks them up, succeeds with one, and the page shows it.
	e.checkIn(f.company, 79)
	if err := e.svc.CommandResult(context.Background(), f.company.dev, cmds[0].ID, &protocol.CommandResult{Status: protocol.ResultSucceeded, Output: "shown to the user"}); err != nil {
		t.Fatal(err)
	}
	p = c.get(path)
	want(t, "after the results", p, 200, "badge-cmd-succeeded", "shown to the user", "badge-cmd-delivered", "message: succeeded")
	// Cancel the delivered sync.
	p = c.post("/console/commands/"+cmds[4].ID+"/cancel", url.Values{"csrf_token": {token}})
	want(t, "cancel", p, 200, "is cancelled", "badge-cmd-cancelled")
	p = c.post("/console/commands/"+cmds[0].ID+"/cancel", url.Values{"csrf_token": {token}})
	want(t, "cancel a finished command", p, http.StatusConflict, "can no longer be cancelled")
}

func TestWipeNeedsTheSupportID(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	token := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	path := "/console/devices/" + f.company.ID + "/wipe"
	want(t, "wipe page", c.get(path), 200, "Type the support ID, "+f.company.SupportID)
	for name, typed := range map[string][]string{"nothing": nil, "another device's ID": {f.personal.SupportID}, "a confirm flag": {""}} {
		form := url.Values{"csrf_token": {token}, "confirm_support_id": typed, "confirm": {"true"}}
		p := c.post(path, form)
		want(t, name, p, http.StatusBadRequest, `id="wipe-confirm_support_id-error"`, "to confirm the wipe")
	}
	cmds, _ := e.svc.Commands(e.admin, steward.CommandFilter{DeviceID: f.company.ID, Limit: 10})
	if len(cmds) != 0 {
		t.Fatalf("an unconfirmed wipe queued %d commands", len(cmds))
	}
	// Case and spaces do not matter.
	typed := strings.ToLower(f.company.SupportID[:4] + " " + f.company.SupportID[4:])
	p := c.post(path, url.Values{"csrf_token": {token}, "confirm_support_id": {typed}})
	want(t, "confirmed wipe", p, 200, "The wipe of "+f.company.SupportID+" is queued")
	cmds, _ = e.svc.Commands(e.admin, steward.CommandFilter{DeviceID: f.company.ID, Limit: 10})
	if len(cmds) != 1 || cmds[0].Type != steward.CmdWipe {
		t.Errorf("after the confirmed wipe: %+v", cmds)
	}

	// Revoking the credential asks first, then cuts the device off.
	want(t, "revoke page", c.get("/console/devices/"+f.personal.ID+"/revoke"), 200, "Revoke the credential")
	p = c.post("/console/devices/"+f.personal.ID+"/revoke", url.Values{"csrf_token": {token}})
	want(t, "revoke", p, 200, "credential is revoked", "Credential revoked by nora@northwind.example")
	if _, err := e.svc.AuthenticateDevice(context.Background(), f.personal.credential, ""); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
		t.Errorf("the revoked credential still authenticates: %v", err)
	}
}
