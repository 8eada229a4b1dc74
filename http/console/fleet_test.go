package console_test

import (
	"context"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// enrolled is a device enrolled through the device protocol.
type enrolled struct {
	ID, SupportID, credential string
	dev                       *service.Device // the device's own identity, for check-ins
}

// code issues an activation code for a client account as the platform
// administrator (whose codes spend no credits).
func (e *env) code(accountID string, seats int) *steward.ActivationCode {
	e.t.Helper()
	c, err := e.svc.CreateActivationCode(e.admin, service.ActivationCodeCreate{AccountID: accountID, Seats: seats})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enroll enrolls a device with a code, as its agent would.
func (e *env) enroll(code, ownership, name, serial string) enrolled {
	e.t.Helper()
	ctx := context.Background()
	resp, _, err := e.svc.Enroll(ctx, &protocol.EnrollRequest{Protocol: 1, ActivationCode: code, Ownership: ownership, Platform: "android",
		Name: name, Hardware: protocol.Hardware{ID: "hw-" + serial, Manufacturer: "Zebra", Model: "TC52", Serial: serial}}, "198.51.100.7")
	if err != nil {
		e.t.Fatalf("enroll %s: %v", name, err)
	}
	dev, err := e.svc.AuthenticateDevice(ctx, resp.Credential, "198.51.100.7")
	if err != nil {
		e.t.Fatal(err)
	}
	return enrolled{ID: resp.DeviceID, SupportID: resp.SupportID, credential: resp.Credential, dev: dev}
}

// checkIn reports a full inventory (with SIM) and an app list (one work
// app, one personal app).
func (e *env) checkIn(d enrolled, battery int) *protocol.CheckInResponse {
	e.t.Helper()
	gps, uptime := true, int64(3*86400+4*3600)
	res, err := e.svc.CheckIn(context.Background(), d.dev, &protocol.CheckInRequest{Protocol: 1,
		Inventory: &protocol.Inventory{Manufacturer: "Zebra", Model: "TC52", Serial: "S-" + d.SupportID, OSVersion: "14",
			PatchLevel: "2026-10-05", PendingOSUpdate: "15", AgentVersion: "1.4.2", AgentState: "running", GPSEnabled: &gps,
			UptimeSeconds: &uptime, Battery: &protocol.Battery{Level: battery, Charging: true, Health: "good"},
			SIM: &protocol.SIM{ICCID: "8944500102198304826", IMEI: "356938035643809", PhoneNumber: "+44 7700 900123"}},
		Apps: &protocol.AppReport{Full: []protocol.App{
			{Package: "com.example.scanner", Name: "Scanner", VersionName: "3.1", VersionCode: 31, WorkProfile: true},
			{Package: "com.example.game", Name: "Private Game", VersionName: "1.0", VersionCode: 1},
		}}}, "198.51.100.7")
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// fleet is two resellers; the first has a client with two devices, one
// company-owned and one personal.
type fleet struct {
	north, northClient, south *steward.Account
	company, personal         enrolled
	pwNorth, pwSouth          string
}

func (e *env) fleet() fleet {
	e.t.Helper()
	var f fleet
	f.north = e.account("", "Northwind Resellers", steward.AccountReseller)
	f.northClient = e.account(f.north.ID, "Acme Logistics", steward.AccountClient)
	f.south = e.account("", "Southwind Resellers", steward.AccountReseller)
	f.pwNorth = e.login(f.north.ID, "nora@northwind.example", steward.RoleOwner)
	f.pwSouth = e.login(f.south.ID, "sam@southwind.example", steward.RoleOwner)
	code := e.code(f.northClient.ID, 10)
	f.company = e.enroll(code.Code, "company", "Forklift scanner 1", "C1")
	f.personal = e.enroll(code.Code, "personal", "Dana's phone", "P1")
	e.checkIn(f.company, 80)
	e.checkIn(f.personal, 15)
	return f
}
