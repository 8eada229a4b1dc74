package adminapi_test

import (
	"slices"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/adminapi"
)

// exerciseDirectory drives the folder and group routes: rita owns the
// reseller above the client whose phone and tablet they organise; ivan is
// read-only in the client; the kiosk is a device of another client.
func exerciseDirectory(c *specClient, who fleetActors, phone, tablet, kiosk string) {
	t := c.t
	t.Helper()
	unknown := steward.NewID(time.Now())
	folders, groups := "/api/v1/accounts/"+who.client+"/folders", "/api/v1/accounts/"+who.client+"/groups"

	var f steward.Folder
	c.do(specCall{method: "POST", path: folders, token: who.rita, want: 201,
		body: map[string]any{"name": "Front desk", "description": "Devices at reception"}}).decode(t, &f)
	if f.Name != "Front desk" || f.AccountID != who.client || f.DeviceCount != 0 {
		t.Errorf("POST %s: %+v", folders, f)
	}
	c.do(specCall{method: "POST", path: folders, token: who.rita, want: 409, body: map[string]any{"name": "FRONT DESK"}})
	c.do(specCall{method: "POST", path: folders, token: who.rita, want: 400, body: map[string]any{"name": "  "}})
	c.do(specCall{method: "POST", path: folders, token: who.ivan, want: 403, body: map[string]any{"name": "Mine"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + who.reseller + "/folders", token: who.rita, want: 400,
		body: map[string]any{"name": "Reseller folder"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + unknown + "/folders", token: who.rita, want: 404,
		body: map[string]any{"name": "Nowhere"}})
	var fl adminapi.List[steward.Folder]
	c.do(specCall{method: "GET", path: folders, token: who.ivan, want: 200}).decode(t, &fl)
	if len(fl.Items) != 1 || fl.Items[0].ID != f.ID {
		t.Errorf("GET %s: %+v, want the folder", folders, fl.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + unknown + "/folders", token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/folders/" + f.ID, token: who.ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/folders/" + unknown, token: who.rita, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/folders/" + f.ID, token: who.rita, want: 200,
		body: map[string]any{"name": "Reception"}}).decode(t, &f)
	c.do(specCall{method: "PATCH", path: "/api/v1/folders/" + f.ID, token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"name": 5}})
	c.do(specCall{method: "PATCH", path: "/api/v1/folders/" + f.ID, token: who.ivan, want: 403, body: map[string]any{"name": "Mine"}})

	// Devices move in and out; a device of another client refuses the whole move.
	in := "/api/v1/folders/" + f.ID + "/devices"
	c.do(specCall{method: "POST", path: in, token: who.rita, want: 200,
		body: map[string]any{"device_ids": []string{phone, tablet}}}).decode(t, &f)
	if f.DeviceCount != 2 {
		t.Errorf("POST %s: %d devices, want 2", in, f.DeviceCount)
	}
	c.do(specCall{method: "POST", path: in, token: who.admin, want: 404, body: map[string]any{"device_ids": []string{phone, kiosk}}})
	c.do(specCall{method: "POST", path: in, token: who.rita, want: 400, badRequest: true, body: map[string]any{"device_ids": []string{}}})
	c.do(specCall{method: "POST", path: in, token: who.ivan, want: 403, body: map[string]any{"device_ids": []string{phone}}})
	c.do(specCall{method: "POST", path: in + "/remove", token: who.rita, want: 200,
		body: map[string]any{"device_ids": []string{tablet}}}).decode(t, &f)
	if f.DeviceCount != 1 {
		t.Errorf("POST %s/remove: %d devices, want 1", in, f.DeviceCount)
	}
	var devices adminapi.List[steward.Device]
	c.do(specCall{method: "GET", path: "/api/v1/devices?folder_id=" + f.ID, token: who.ivan, want: 200}).decode(t, &devices)
	if len(devices.Items) != 1 || devices.Items[0].ID != phone || devices.Items[0].FolderID != f.ID {
		t.Errorf("GET /api/v1/devices?folder_id=…: %+v, want the phone in the folder", devices.Items)
	}

	var g steward.Group
	c.do(specCall{method: "POST", path: groups, token: who.rita, want: 201,
		body: map[string]any{"name": "Kiosks", "priority": 5}}).decode(t, &g)
	c.do(specCall{method: "POST", path: groups, token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"name": "Top", "priority": 2000}})
	c.do(specCall{method: "POST", path: groups, token: who.rita, want: 409, body: map[string]any{"name": "kiosks"}})
	var gl adminapi.List[steward.Group]
	c.do(specCall{method: "GET", path: groups, token: who.ivan, want: 200}).decode(t, &gl)
	if len(gl.Items) != 1 || gl.Items[0].Priority != 5 {
		t.Errorf("GET %s: %+v, want the group of priority 5", groups, gl.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/groups/" + g.ID, token: who.ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/groups/" + unknown, token: who.rita, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/groups/" + g.ID, token: who.rita, want: 200,
		body: map[string]any{"priority": 9, "description": "Unattended"}}).decode(t, &g)
	if g.Priority != 9 || g.Name != "Kiosks" {
		t.Errorf("PATCH /api/v1/groups/{group}: %+v", g)
	}
	members := "/api/v1/groups/" + g.ID + "/devices"
	c.do(specCall{method: "POST", path: members, token: who.rita, want: 200,
		body: map[string]any{"device_ids": []string{phone, tablet}}}).decode(t, &g)
	if g.DeviceCount != 2 {
		t.Errorf("POST %s: %d devices, want 2", members, g.DeviceCount)
	}
	c.do(specCall{method: "POST", path: members, token: who.admin, want: 404, body: map[string]any{"device_ids": []string{kiosk}}})
	var d steward.Device
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone, token: who.ivan, want: 200}).decode(t, &d)
	if d.FolderID != f.ID || !slices.Equal(d.GroupIDs, []string{g.ID}) {
		t.Errorf("GET /api/v1/devices/{phone}: folder %q groups %v, want %q [%s]", d.FolderID, d.GroupIDs, f.ID, g.ID)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices?group_id=" + g.ID, token: who.rita, want: 200}).decode(t, &devices)
	if len(devices.Items) != 2 {
		t.Errorf("GET /api/v1/devices?group_id=…: %d devices, want 2", len(devices.Items))
	}
	c.do(specCall{method: "POST", path: members + "/remove", token: who.rita, want: 200,
		body: map[string]any{"device_ids": []string{phone}}}).decode(t, &g)
	if g.DeviceCount != 1 {
		t.Errorf("POST %s/remove: %d devices, want 1", members, g.DeviceCount)
	}

	// Deleting leaves the devices in neither.
	c.do(specCall{method: "DELETE", path: "/api/v1/groups/" + g.ID, token: who.ivan, want: 403})
	c.do(specCall{method: "DELETE", path: "/api/v1/groups/" + g.ID, token: who.rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/groups/" + g.ID, token: who.rita, want: 404})
	c.do(specCall{method: "DELETE", path: "/api/v1/folders/" + f.ID, token: who.rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/folders/" + f.ID, token: who.rita, want: 404})
	d = steward.Device{}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone, token: who.rita, want: 200}).decode(t, &d)
	if d.FolderID != "" || len(d.GroupIDs) != 0 {
		t.Errorf("after deleting the folder and group, the phone is in %q %v", d.FolderID, d.GroupIDs)
	}
}
