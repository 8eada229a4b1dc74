package deviceapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// fleet is a server with a reseller (holding credits) and a client whose
// managers act through the service; devices speak HTTP to it.
type fleet struct {
	t        *testing.T
	srv      *server.Server
	url      string
	db       *store.DB
	clock    *testutil.Clock
	admin    context.Context
	reseller context.Context
	r, c     *steward.Account
	code     *steward.ActivationCode
}

const pw = "a-long-password-1"

func newFleet(t *testing.T, db *store.DB, credits int64, opts ...func(*server.Config)) *fleet {
	t.Helper()
	ctx := context.Background()
	clock := testutil.NewClock()
	cfg := server.Config{AdminEmail: "admin@example.com", AdminPassword: pw, Clock: clock, DataDir: t.TempDir(),
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: testutil.Logger(), NoJobs: true}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := server.NewWithStore(ctx, cfg, db)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(hs.Close)
	f := &fleet{t: t, srv: s, url: hs.URL, db: db, clock: clock}
	f.admin = f.signIn("admin@example.com")
	f.r = must(s.Service.CreateAccount(f.admin, steward.AccountCreate{Name: "Reseller", Kind: steward.AccountReseller}))
	f.c = must(s.Service.CreateAccount(f.admin, steward.AccountCreate{ParentID: f.r.ID, Name: "Client", Kind: steward.AccountClient}))
	if credits > 0 {
		must(s.Service.GrantCredits(f.admin, steward.CreditGrant{AccountID: f.r.ID, Amount: credits, Reason: "test"}))
	}
	must(s.Service.CreateManager(f.admin, steward.ManagerCreate{AccountID: f.r.ID, Email: "owner@reseller.test", Name: "Owner", Role: steward.RoleOwner, Password: pw}))
	f.reseller = f.signIn("owner@reseller.test")
	f.code = must(s.Service.CreateActivationCode(f.reseller, service.ActivationCodeCreate{AccountID: f.c.ID, Seats: 10}))
	return f
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (f *fleet) signIn(email string) context.Context {
	ctx := context.Background()
	res := must(f.srv.Service.Login(ctx, steward.LoginRequest{Email: email, Password: pw, IP: "127.0.0.1"}))
	a := must(f.srv.Service.AuthenticateSession(ctx, res.Secret, "127.0.0.1", "test"))
	return steward.NewContextWithActor(ctx, a.Actor)
}

// call sends a device request and decodes the answer into out.
func (f *fleet) call(method, path, cred string, body any, out any) (int, string) {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, f.url+path, rd)
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode, string(b)
}

func (f *fleet) enroll(hw, ownership string) *protocol.EnrollResponse {
	f.t.Helper()
	var res protocol.EnrollResponse
	code, body := f.call("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: 1, ActivationCode: f.code.Code,
		Ownership: ownership, Platform: "android", Hardware: protocol.Hardware{ID: hw, Manufacturer: "Samsung", Model: "Galaxy A54", Serial: "SN-" + hw}}, &res)
	if code != http.StatusCreated && code != http.StatusOK {
		f.t.Fatalf("enroll %s: %d %s", hw, code, body)
	}
	return &res
}

func databases(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for name, open := range testutil.Databases(t) {
		t.Run(name, func(t *testing.T) { fn(t, open(t)) })
	}
}

func TestEnrollmentSpendsCreditsAndSeats(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 2)
		a := f.enroll("hw-1", "company")
		if len(a.SupportID) != 8 || strings.ContainsAny(a.SupportID, "01IOL") || !strings.HasPrefix(a.Credential, a.DeviceID+".") {
			t.Fatalf("enrollment answer: %+v", a)
		}
		// Re-enrolling the same hardware reuses the device and replaces the
		// credential; no second credit is spent.
		b := f.enroll("hw-1", "company")
		if b.DeviceID != a.DeviceID || b.SupportID != a.SupportID || b.Credential == a.Credential {
			t.Fatalf("re-enrollment: %+v vs %+v", b, a)
		}
		if code, _ := f.call("POST", protocol.PathCheckIn, a.Credential, protocol.CheckInRequest{Protocol: 1}, nil); code != 401 {
			t.Errorf("the replaced credential still works: %d", code)
		}
		f.enroll("hw-2", "company")
		if bal := must(f.srv.Service.Balance(f.admin, f.r.ID)); bal != 0 {
			t.Errorf("balance %d after two activations of 2 credits", bal)
		}
		code, body := f.call("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: 1, ActivationCode: f.code.Code,
			Ownership: "company", Platform: "android", Hardware: protocol.Hardware{ID: "hw-3"}}, nil)
		if code != http.StatusConflict || !strings.Contains(body, "No credits left") {
			t.Errorf("third activation with no credits: %d %s", code, body)
		}
		if n := len(must(f.srv.Service.Devices(f.reseller, steward.DeviceFilter{}))); n != 2 {
			t.Errorf("%d devices after a refused activation, want 2", n)
		}
		code, body = f.call("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: 1, ActivationCode: "NOPE-NOPE-NOPE",
			Ownership: "company", Platform: "android", Hardware: protocol.Hardware{ID: "hw-4"}}, nil)
		if code != http.StatusNotFound || !strings.Contains(body, "activation_code") {
			t.Errorf("unknown code: %d %s", code, body)
		}
		must(f.srv.Service.RevokeActivationCode(f.reseller, f.code.ID))
		code, body = f.call("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: 1, ActivationCode: f.code.Code,
			Ownership: "company", Platform: "android", Hardware: protocol.Hardware{ID: "hw-1"}}, nil)
		if code != http.StatusConflict || !strings.Contains(body, "revoked") {
			t.Errorf("replayed enrollment with a revoked code: %d %s", code, body)
		}
	})
}

func TestPersonalDevicesKeepPersonalDataOut(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("byod-1", "personal")
		var res protocol.CheckInResponse
		code, body := f.call("POST", protocol.PathCheckIn, dev.Credential, protocol.CheckInRequest{Protocol: 1,
			Inventory: &protocol.Inventory{Model: "Pixel 8", OSVersion: "14", SIM: &protocol.SIM{IMEI: "356938035643809", ICCID: "8944500102198304826", PhoneNumber: "+4915112345678"}},
			Apps:      &protocol.AppReport{Full: []protocol.App{{Package: "com.example.work", WorkProfile: true}, {Package: "com.whatsapp"}, {Package: "org.mozilla.firefox"}}}}, &res)
		if code != 200 {
			t.Fatalf("check-in: %d %s", code, body)
		}
		if strings.Join(res.Refused, ",") != "inventory.sim.iccid,inventory.sim.imei,inventory.sim.phone_number,apps.personal" {
			t.Errorf("refused %v", res.Refused)
		}
		d := must(f.srv.Service.Device(f.reseller, dev.DeviceID))
		if d.Inventory.IMEI != "" || d.Inventory.ICCID != "" || d.Inventory.PhoneNumber != "" || d.Refusals != 5 {
			t.Errorf("personal device stored %+v, refusals %d", d.Inventory, d.Refusals)
		}
		apps := must(f.srv.Service.DeviceApps(f.reseller, dev.DeviceID))
		if len(apps) != 1 || apps[0].Package != "com.example.work" {
			t.Errorf("apps stored for a personal device: %+v", apps)
		}
		// Nothing of it anywhere in the database, history included.
		for _, secret := range []string{"356938035643809", "8944500102198304826", "+4915112345678", "com.whatsapp"} {
			if n := countContaining(t, db, secret); n > 0 {
				t.Errorf("%q stored in %d rows", secret, n)
			}
		}
		// A company device keeps its SIM.
		co := f.enroll("co-1", "company")
		f.call("POST", protocol.PathCheckIn, co.Credential, protocol.CheckInRequest{Protocol: 1,
			Inventory: &protocol.Inventory{SIM: &protocol.SIM{IMEI: "490154203237518"}}}, nil)
		if d := must(f.srv.Service.Device(f.reseller, co.DeviceID)); d.Inventory.IMEI != "490154203237518" {
			t.Errorf("company IMEI not kept: %+v", d.Inventory)
		}
	})
}

// countContaining counts rows of device tables holding s.
func countContaining(t *testing.T, db *store.DB, s string) int64 {
	var total int64
	for _, q := range []string{
		`UPDATE devices SET name = name WHERE iccid = $1 OR imei = $1 OR phone_number = $1`,
		`UPDATE device_apps SET name = name WHERE package = $1`,
		`UPDATE device_events SET kind = kind WHERE detail LIKE '%' || $1 || '%'`,
	} {
		n, err := db.ExecRaw(context.Background(), q, s)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

func TestPushLongPollAckResult(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("push-1", "company")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, strings.Replace(f.url, "http", "ws", 1)+protocol.PathPush,
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + dev.Credential}}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		for !f.srv.Service.Connected(dev.DeviceID) {
			time.Sleep(time.Millisecond)
		}
		cmds := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{dev.DeviceID},
			Type: steward.CmdSendMessage, Payload: json.RawMessage(`{"title":"Hi","body":"Hello"}`)}))
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pm protocol.PushMessage
		json.Unmarshal(msg, &pm)
		if pm.Type != protocol.PushCommands || len(pm.Commands) != 1 || pm.Commands[0].ID != cmds[0].ID {
			t.Fatalf("push: %s", msg)
		}
		if c := must(f.srv.Service.Command(f.reseller, cmds[0].ID)); c.Status != steward.CommandDelivered {
			t.Errorf("after push: %s", c.Status)
		}
		id := cmds[0].ID
		if code, body := f.call("POST", "/device/v1/commands/"+id+"/ack", dev.Credential, nil, nil); code != 204 {
			t.Fatalf("ack %d %s", code, body)
		}
		for range 2 { // at-least-once: the second result is ignored
			if code, body := f.call("POST", "/device/v1/commands/"+id+"/result", dev.Credential,
				protocol.CommandResult{Status: "succeeded", Output: "shown"}, nil); code != 204 {
				t.Fatalf("result %d %s", code, body)
			}
		}
		c := must(f.srv.Service.Command(f.reseller, id))
		if c.Status != steward.CommandSucceeded || c.Output != "shown" || c.AckedAt == nil || c.FinishedAt == nil {
			t.Errorf("command after result: %+v", c)
		}
		f.call("POST", "/device/v1/commands/"+id+"/result", dev.Credential, protocol.CommandResult{Status: "failed", Output: "late"}, nil)
		if c := must(f.srv.Service.Command(f.reseller, id)); c.Status != steward.CommandSucceeded {
			t.Errorf("a late result changed a finished command: %s", c.Status)
		}

		// Long poll: a held request returns as soon as a command is queued.
		other := f.enroll("poll-1", "company")
		got := make(chan protocol.CommandsResponse, 1)
		go func() {
			var r protocol.CommandsResponse
			f.call("GET", protocol.PathCommands+"?wait=20", other.Credential, nil, &r)
			got <- r
		}()
		time.Sleep(100 * time.Millisecond) // let the poll start waiting
		start := time.Now()
		sent := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{other.DeviceID}, Type: steward.CmdSync}))
		select {
		case r := <-got:
			if len(r.Commands) != 1 || r.Commands[0].ID != sent[0].ID {
				t.Errorf("long poll answered %+v", r)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("long poll took %v to answer", d)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("long poll never answered")
		}
	})
}

func TestBadDeviceRequests(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		a := f.enroll("a", "company")
		b := f.enroll("b", "company")
		before := len(must(f.srv.Service.SecurityEvents(f.admin, steward.SecurityEventFilter{Kind: "device.auth_failed"})))
		for _, cred := range []string{"", "garbage", a.DeviceID + ".wrong", "nosuchdevice.secret"} {
			if code, _ := f.call("POST", protocol.PathCheckIn, cred, protocol.CheckInRequest{Protocol: 1}, nil); code != 401 {
				t.Errorf("credential %q: %d", cred, code)
			}
		}
		after := len(must(f.srv.Service.SecurityEvents(f.admin, steward.SecurityEventFilter{Kind: "device.auth_failed"})))
		if after-before != 3 {
			t.Errorf("%d security events for 3 bad credentials", after-before)
		}
		// Another device's command ID is not found, and changes nothing.
		cmd := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{a.DeviceID}, Type: steward.CmdSync}))
		for _, p := range []string{"/ack", "/result"} {
			code, _ := f.call("POST", "/device/v1/commands/"+cmd[0].ID+p, b.Credential, protocol.CommandResult{Status: "succeeded"}, nil)
			if code != 404 {
				t.Errorf("foreign command %s: %d", p, code)
			}
		}
		if c := must(f.srv.Service.Command(f.reseller, cmd[0].ID)); c.Status != steward.CommandQueued {
			t.Errorf("foreign result changed the command: %s", c.Status)
		}
		// Malformed and oversized bodies.
		for _, tc := range []struct {
			body []byte
			code int
		}{
			{[]byte(`{"protocol":1,"inventory":{"battery":{"level":150}}}`), 400},
			{[]byte(`{"protocol":2}`), 400},
			{[]byte(`{"protocol":1`), 400},
			{[]byte(`{"protocol":1,"x":"` + strings.Repeat("a", protocol.MaxCheckInBody) + `"}`), 413},
		} {
			if code, body := f.call("POST", protocol.PathCheckIn, a.Credential, tc.body, nil); code != tc.code {
				t.Errorf("body %.40q: %d %s", tc.body, code, body)
			}
		}
		if code, _ := f.call("GET", protocol.PathCommands+"?wait=999", a.Credential, nil, nil); code != 400 {
			t.Errorf("wait=999: %d", code)
		}
	})
}

// TestWipeDeletesEverything: a confirmed wipe removes the device with its
// inventory, apps, history and commands in one transaction.
func TestWipeDeletesEverything(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("wipe-1", "company")
		f.call("POST", protocol.PathCheckIn, dev.Credential, protocol.CheckInRequest{Protocol: 1,
			Inventory: &protocol.Inventory{OSVersion: "14", SIM: &protocol.SIM{IMEI: "356938035643809"}},
			Apps:      &protocol.AppReport{Full: []protocol.App{{Package: "com.example.one"}}}}, nil)
		if _, err := f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{dev.DeviceID}, Type: steward.CmdWipe}); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("wipe without confirmation: %v", err)
		}
		cmd := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{dev.DeviceID}, Type: steward.CmdWipe, Confirm: true}))
		f.call("POST", "/device/v1/commands/"+cmd[0].ID+"/ack", dev.Credential, nil, nil)
		if code, body := f.call("POST", "/device/v1/commands/"+cmd[0].ID+"/result", dev.Credential, protocol.CommandResult{Status: "succeeded"}, nil); code != 204 {
			t.Fatalf("wipe result: %d %s", code, body)
		}
		if _, err := f.srv.Service.Device(f.reseller, dev.DeviceID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Errorf("device after wipe: %v", err)
		}
		for _, q := range []string{`UPDATE devices SET name = name WHERE id = $1`, `UPDATE device_apps SET name = name WHERE device_id = $1`,
			`UPDATE device_events SET kind = kind WHERE device_id = $1`, `UPDATE commands SET output = output WHERE device_id = $1`} {
			if n, err := db.ExecRaw(context.Background(), q, dev.DeviceID); err != nil || n != 0 {
				t.Errorf("%s: %d rows left (%v)", q, n, err)
			}
		}
		if code, _ := f.call("POST", protocol.PathCheckIn, dev.Credential, protocol.CheckInRequest{Protocol: 1}, nil); code != 401 {
			t.Errorf("a wiped device still authenticates: %d", code)
		}
		es := must(f.srv.Service.AuditLog(f.reseller, steward.AuditFilter{Action: "device.wiped"}))
		if len(es) != 1 || es[0].TargetID != dev.DeviceID {
			t.Errorf("wipe not audited: %+v", es)
		}
	})
}

// TestDailyVerification disables devices whose code was revoked or whose
// account is suspended or whose subscription ended, tells them why, and
// re-enables them when the cause is gone.
func TestDailyVerification(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("v-1", "company")
		svc := f.srv.Service
		status := func() (bool, string) {
			var r protocol.CheckInResponse
			if code, body := f.call("POST", protocol.PathCheckIn, dev.Credential, protocol.CheckInRequest{Protocol: 1}, &r); code != 200 {
				t.Fatalf("check-in %d %s", code, body)
			}
			return r.AgentEnabled, r.DisabledReason
		}
		verify := func() { must(svc.VerifyActivations(context.Background())) }
		verify()
		if on, _ := status(); !on {
			t.Fatal("a healthy device was disabled")
		}
		must(svc.SetAccountStatus(f.reseller, f.c.ID, steward.StatusSuspended, "unpaid"))
		verify()
		if on, why := status(); on || why != protocol.ReasonAccountSuspended {
			t.Errorf("suspended account: enabled=%v %q", on, why)
		}
		must(svc.SetAccountStatus(f.reseller, f.c.ID, steward.StatusActive, ""))
		verify()
		if on, why := status(); !on {
			t.Errorf("reactivated account left the device disabled: %q", why)
		}
		end := f.clock.Now().Add(24 * time.Hour)
		must(svc.UpdateAccount(f.reseller, f.c.ID, steward.AccountUpdate{SubscriptionEnd: &end}))
		f.clock.Advance(25 * time.Hour)
		verify()
		if on, why := status(); on || why != protocol.ReasonSubscriptionEnded {
			t.Errorf("ended subscription: enabled=%v %q", on, why)
		}
		later := f.clock.Now().Add(365 * 24 * time.Hour)
		must(svc.UpdateAccount(f.reseller, f.c.ID, steward.AccountUpdate{SubscriptionEnd: &later}))
		must(svc.RevokeActivationCode(f.reseller, f.code.ID))
		verify()
		if on, why := status(); on || why != protocol.ReasonCodeRevoked {
			t.Errorf("revoked code: enabled=%v %q", on, why)
		}
	})
}

// TestCommandTableStaysBounded: commands expire, and finished ones are
// compacted after the retention period, so the table does not grow with
// the fleet's history.
func TestCommandTableStaysBounded(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("bound-1", "company")
		svc := f.srv.Service
		for day := range 10 {
			for range 50 {
				must(svc.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{dev.DeviceID}, Type: steward.CmdSync, TTL: time.Hour}))
			}
			var r protocol.CommandsResponse
			f.call("GET", protocol.PathCommands, dev.Credential, nil, &r)
			for _, c := range r.Commands[:25] { // half succeed, half are never answered
				f.call("POST", "/device/v1/commands/"+c.ID+"/result", dev.Credential, protocol.CommandResult{Status: "succeeded"}, nil)
			}
			f.clock.Advance(2 * time.Hour)
			must(svc.ExpireCommands(context.Background()))
			f.clock.Advance(22*time.Hour + time.Duration(day)*time.Millisecond)
			must(svc.CompactCommands(context.Background()))
		}
		n := must(db.CountCommands(context.Background()))
		if n != 500 {
			t.Fatalf("%d commands after 10 days inside the retention period, want 500", n)
		}
		f.clock.Advance(service.CommandRetention)
		must(svc.CompactCommands(context.Background()))
		if n := must(db.CountCommands(context.Background())); n != 0 {
			t.Errorf("%d commands left after the retention period", n)
		}
	})
}

var _ = fmt.Sprint

// TestBulkFilterOnline: a bulk command to offline devices must not reach
// an online one (think of a wipe).
func TestBulkFilterOnline(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		on := f.enroll("online-1", "company")
		off := f.enroll("offline-1", "company")
		f.clock.Advance(2 * time.Hour) // both silent for longer than two check-in intervals
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, strings.Replace(f.url, "http", "ws", 1)+protocol.PathPush,
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + on.Credential}}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		for !f.srv.Service.Connected(on.DeviceID) {
			time.Sleep(time.Millisecond)
		}
		no := false
		cmds := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{Type: steward.CmdSync,
			Filter: &steward.DeviceFilter{AccountID: f.c.ID, Online: &no}}))
		if len(cmds) != 1 || cmds[0].DeviceID != off.DeviceID {
			t.Fatalf("offline-only bulk command went to %d devices: %+v", len(cmds), cmds)
		}
		yes := true
		listed := must(f.srv.Service.Devices(f.reseller, steward.DeviceFilter{AccountID: f.c.ID, Online: &yes, Limit: 1}))
		if len(listed) != 1 || listed[0].ID != on.DeviceID {
			t.Errorf("online listing: %+v", listed)
		}
	})
}
