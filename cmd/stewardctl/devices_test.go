package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// deviceCall sends one device-protocol request, as an agent would, and
// decodes a 2xx answer into out; it returns the status code.
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

// enrollDevice enrolls a device with code and reports its inventory and
// apps; it returns the device's ID and credential.
func enrollDevice(t *testing.T, url, code, ownership, hw, name string, inv *protocol.Inventory, apps []protocol.App) (string, string) {
	t.Helper()
	var res protocol.EnrollResponse
	if st := deviceCall(t, "POST", url+protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: protocol.Version, ActivationCode: code,
		Ownership: ownership, Platform: "linux", Name: name, Hardware: protocol.Hardware{ID: hw}}, &res); st != http.StatusCreated {
		t.Fatalf("enroll %s: status %d", hw, st)
	}
	req := protocol.CheckInRequest{Protocol: protocol.Version, Inventory: inv}
	if len(apps) > 0 {
		req.Apps = &protocol.AppReport{Full: apps}
	}
	if st := deviceCall(t, "POST", url+protocol.PathCheckIn, res.Credential, req, nil); st != http.StatusOK {
		t.Fatalf("check-in %s: status %d", hw, st)
	}
	return res.DeviceID, res.Credential
}

var codeLine = regexp.MustCompile(`(?m)^    ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})$`)

func TestDevicesCommandsAndCodes(t *testing.T) {
	h := newHarness(t)
	h.login()
	res := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Reseller", "--kind", "reseller", "--json"))
	cl := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Client", "--kind", "client", "--parent", res.ID, "--json"))

	// The code is printed once, prominently, with the agent's command line.
	out := h.ok("", "codes", "create", "--account", cl.ID, "--seats", "3", "--days", "7", "--note", "laptops")
	m := codeLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("codes create printed no code on a line of its own:\n%s", out)
	}
	code := m[1]
	if !strings.Contains(out, "steward-agent enroll --server "+h.url+" --code "+code) || !strings.Contains(out, "only this once") ||
		!strings.Contains(out, `for "Client"`) || !strings.Contains(out, "3 seats") || !strings.Contains(out, "free: the platform account issued it") {
		t.Fatalf("codes create does not say how to enroll:\n%s", out)
	}
	codes := decode[listJSON[*steward.ActivationCode]](t, h.ok("", "codes", "list", "--json"))
	if len(codes.Items) != 1 || codes.Items[0].Code != "" || codes.Items[0].Seats != 3 || codes.Items[0].Note != "laptops" {
		t.Fatalf("codes list: %+v", codes.Items)
	}
	if e := h.fail(1, "", "codes", "create", "--account", cl.ID, "--seats", "0"); !strings.Contains(e, "Check --seats.") {
		t.Fatalf("zero seats: %s", e)
	}
	if e := h.fail(1, "", "codes", "create", "--account", res.ID, "--seats", "1"); !strings.Contains(e, "Check --account.") {
		t.Fatalf("code for a reseller: %s", e)
	}
	if e := h.fail(2, "", "codes", "create", "--seats", "1"); !strings.Contains(e, "account") {
		t.Fatalf("no --account: %s", e)
	}

	laptop, _ := enrollDevice(t, h.url, code, protocol.OwnershipCompany, "hw-1", "Front desk",
		&protocol.Inventory{OSVersion: "Debian GNU/Linux 12 (bookworm)", Serial: "SN1"},
		[]protocol.App{{Package: "firefox-esr", Name: "Firefox", VersionName: "115.9"}, {Package: "vim"}})
	phone, phoneCred := enrollDevice(t, h.url, code, protocol.OwnershipPersonal, "hw-2", "Ana's phone", nil, nil)

	list := h.ok("", "devices", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(list, "Front desk") ||
		!strings.Contains(list, "Debian GNU/Linux 12 (bookworm)") || strings.Count(list, "online") != 2 {
		t.Fatalf("devices list:\n%s", list)
	}
	devs := decode[listJSON[*steward.Device]](t, h.ok("", "devices", "list", "--ownership", "personal", "--json"))
	if len(devs.Items) != 1 || devs.Items[0].ID != phone {
		t.Fatalf("personal devices: %+v", devs.Items)
	}
	if out := h.ok("", "devices", "list", "--online=false"); !strings.Contains(out, "No devices match.") {
		t.Fatalf("offline devices:\n%s", out)
	}
	all := decode[listJSON[*steward.Device]](t, h.ok("", "devices", "list", "--online", "--limit", "1", "--all", "--json"))
	if len(all.Items) != 2 || all.Next != "" {
		t.Fatalf("--online --all: %+v", all)
	}
	page := decode[listJSON[*steward.Device]](t, h.ok("", "devices", "list", "--limit", "1", "--json"))
	if len(page.Items) != 1 || page.Next != page.Items[0].ID {
		t.Fatalf("page of 1: %+v", page)
	}
	if r := h.run("", "devices", "list", "--limit", "1"); !strings.Contains(r.stderr, "--after "+page.Next) {
		t.Fatalf("no hint for the next page: %q", r.stderr)
	}
	if e := h.fail(1, "", "devices", "list", "--ownership", "borrowed"); !strings.Contains(e, "company or personal") {
		t.Fatalf("bad --ownership: %s", e)
	}

	// Commands: refusals first, each saying what to do.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "sync"}, "--device ID"},
		{[]string{"--type", "reboot!", "--device", laptop}, "give one of"},
		{[]string{"--type", "wipe", "--device", laptop}, "--yes"},
		{[]string{"--type", "sync", "--device", laptop, "--message", "hi"}, "--message goes with send_message"},
		{[]string{"--type", "sync", "--device", laptop, "--account", cl.ID}, "not both"},
		{[]string{"--type", "install_app", "--device", laptop, "--payload", "{"}, "not valid JSON"},
		{[]string{"--type", "install_app", "--device", laptop, "--package", "../x"}, "Check --package."},
		{[]string{"--type", "send_message", "--device", laptop}, "Check --payload, --message or --package."},
		{[]string{"--type", "sync", "--device", laptop, "--ttl", "100d"}, "Check --ttl."},
		{[]string{"--type", "sync", "--device", laptop, "--ttl", "soon"}, "--ttl"},
	} {
		e := h.fail(1, "", append([]string{"commands", "send"}, tc.args...)...)
		if !strings.Contains(e, tc.want) {
			t.Errorf("commands send %v: want %q in\n%s", tc.args, tc.want, e)
		}
	}
	if e := h.fail(1, "", "commands", "send", "--type", "wipe", "--device", laptop); !strings.Contains(e, "cannot be undone") {
		t.Errorf("the wipe refusal does not explain itself:\n%s", e)
	}
	if cs := decode[listJSON[*steward.Command]](t, h.ok("", "commands", "list", "--json")); len(cs.Items) != 0 {
		t.Fatalf("refused sends queued %d commands", len(cs.Items))
	}

	out = h.ok("", "commands", "send", "--type", "sync", "--device", laptop, "--ttl", "2d")
	if !strings.HasPrefix(out, "Queued sync for device "+laptop+" as command ") {
		t.Fatalf("send sync said:\n%s", out)
	}
	bulk := decode[listJSON[*steward.Command]](t, h.ok("", "commands", "send", "--type", "send_message", "--account", cl.ID,
		"--title", "IT", "--message", "hello", "--json"))
	var payload bytes.Buffer
	if len(bulk.Items) != 2 || bulk.Items[0].BulkID == "" || json.Compact(&payload, bulk.Items[0].Payload) != nil ||
		payload.String() != `{"title":"IT","body":"hello"}` {
		t.Fatalf("bulk send: %+v", bulk.Items)
	}
	out = h.ok("", "commands", "send", "--type", "lock", "--query", "Ana", "--message", "Lost? Call IT")
	if !strings.Contains(out, "Queued lock for device "+phone) {
		t.Fatalf("send lock said:\n%s", out)
	}
	cmds := decode[listJSON[*steward.Command]](t, h.ok("", "commands", "list", "--device", laptop, "--json"))
	if len(cmds.Items) != 2 || cmds.Items[1].Type != steward.CmdSync || cmds.Items[1].ExpiresAt.Sub(cmds.Items[1].CreatedAt).Hours() != 48 {
		t.Fatalf("laptop's commands: %+v", cmds.Items)
	}
	if out := h.ok("", "commands", "list", "--bulk", bulk.Items[0].BulkID); strings.Count(out, "send_message") != 2 {
		t.Fatalf("commands list --bulk:\n%s", out)
	}
	if e := h.fail(1, "", "commands", "list", "--status", "done"); !strings.Contains(e, "succeeded") {
		t.Fatalf("bad --status: %s", e)
	}

	// The phone runs its lock; it can then no longer be cancelled.
	var pending protocol.CommandsResponse
	deviceCall(t, "GET", h.url+protocol.PathCommands, phoneCred, nil, &pending)
	if len(pending.Commands) != 2 {
		t.Fatalf("the phone has %d commands pending, want 2", len(pending.Commands))
	}
	var lockID string
	for _, c := range pending.Commands {
		if c.Type == protocol.CmdLock {
			lockID = c.ID
			deviceCall(t, "POST", h.url+strings.Replace(protocol.PathCommandResult, "{id}", c.ID, 1), phoneCred,
				protocol.CommandResult{Status: protocol.ResultFailed, Output: "no screen lock\n\x1b[31mset one first"}, nil)
		}
	}
	show := h.ok("", "commands", "show", lockID)
	if !strings.Contains(show, "failed") || !strings.Contains(show, "    no screen lock") || strings.Contains(show, "\x1b") ||
		!strings.Contains(show, `{"message":"Lost? Call IT"}`) {
		t.Fatalf("commands show:\n%s", show)
	}
	if e := h.fail(1, "", "commands", "cancel", lockID); !strings.Contains(e, "can no longer be cancelled") {
		t.Fatalf("cancel a finished command: %s", e)
	}
	if out := h.ok("", "commands", "cancel", cmds.Items[1].ID); !strings.Contains(out, "Cancelled command "+cmds.Items[1].ID) {
		t.Fatalf("cancel said %q", out)
	}
	if failed := decode[listJSON[*steward.Command]](t, h.ok("", "commands", "list", "--status", "failed", "--json")); len(failed.Items) != 1 {
		t.Fatalf("failed commands: %+v", failed.Items)
	}

	show = h.ok("", "devices", "show", laptop, "--apps", "--history")
	for _, want := range []string{"Support ID:", "OS:", "Debian GNU/Linux 12 (bookworm)", "Apps:", "Latest commands:", "cancelled",
		"send_message", "firefox-esr", "115.9", "History, newest first:", "enrolled"} {
		if !strings.Contains(show, want) {
			t.Errorf("devices show lacks %q:\n%s", want, show)
		}
	}
	det := decode[deviceDetail](t, h.ok("", "devices", "show", phone, "--json"))
	if det.Device.ID != phone || len(det.RecentCommands) != 2 || det.Apps != nil || det.History != nil {
		t.Fatalf("devices show --json: %+v", det)
	}
	det = decode[deviceDetail](t, h.ok("", "devices", "show", laptop, "--history=1", "--apps", "--json"))
	if det.History == nil || len(*det.History) != 1 || det.Apps == nil || len(*det.Apps) != 2 || det.Device.AppCount != 2 {
		t.Fatalf("devices show --history=1 --apps --json: %+v", det)
	}
	if e := h.fail(1, "", "devices", "show", "nope"); !strings.Contains(e, "not found") {
		t.Fatalf("unknown device: %s", e)
	}

	if e := h.fail(1, "", "devices", "revoke-credential", phone); !strings.Contains(e, "--yes") {
		t.Fatalf("revoke without --yes: %s", e)
	}
	h.ok("", "devices", "revoke-credential", phone, "--yes")
	if st := deviceCall(t, "POST", h.url+protocol.PathCheckIn, phoneCred, protocol.CheckInRequest{Protocol: protocol.Version}, nil); st != http.StatusUnauthorized {
		t.Fatalf("revoked phone checked in: status %d", st)
	}

	codeID := codes.Items[0].ID
	if out := h.ok("", "codes", "revoke", codeID); !strings.Contains(out, "Revoked activation code") {
		t.Fatalf("codes revoke said %q", out)
	}
	if out := h.ok("", "codes", "list"); !strings.Contains(out, "revoked") || !strings.Contains(out, "2/3") {
		t.Fatalf("codes list after revoke:\n%s", out)
	}
}

func TestPayloadFlags(t *testing.T) {
	for _, tc := range []struct {
		typ     steward.CommandType
		p       payloadFlags
		want    string
		wantErr bool
	}{
		{steward.CmdSync, payloadFlags{}, "", false},
		{steward.CmdSendMessage, payloadFlags{message: "hi"}, `{"body":"hi"}`, false},
		{steward.CmdSendMessage, payloadFlags{message: "hi", title: "IT"}, `{"title":"IT","body":"hi"}`, false},
		{steward.CmdSendMessage, payloadFlags{title: "IT"}, "", true},
		{steward.CmdLock, payloadFlags{message: "call IT"}, `{"message":"call IT"}`, false},
		{steward.CmdLock, payloadFlags{message: "x", title: "y"}, "", true},
		{steward.CmdUninstallApp, payloadFlags{pkg: "vim"}, `{"package":"vim"}`, false},
		{steward.CmdSync, payloadFlags{pkg: "vim"}, "", true},
		{steward.CmdSync, payloadFlags{raw: `{"a":1}`}, `{"a":1}`, false},
		{steward.CmdSync, payloadFlags{raw: `{"a":1}`, message: "x"}, "", true},
		{steward.CmdSync, payloadFlags{raw: `nope`}, "", true},
	} {
		got, err := tc.p.build(tc.typ)
		if (err != nil) != tc.wantErr || string(got) != tc.want {
			t.Errorf("%s %+v: %s, %v; want %s (error: %t)", tc.typ, tc.p, got, err, tc.want, tc.wantErr)
		}
	}
	for in, want := range map[string]float64{"90m": 1.5, "24h": 24, "7d": 168} {
		if d, err := parseTTL(in); err != nil || d.Hours() != want {
			t.Errorf("parseTTL(%q) = %v, %v", in, d, err)
		}
	}
	for _, bad := range []string{"0h", "-1d", "soon", "1.5d"} {
		if _, err := parseTTL(bad); err == nil {
			t.Errorf("parseTTL(%q) accepted", bad)
		}
	}
}
