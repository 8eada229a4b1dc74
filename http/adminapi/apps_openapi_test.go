package adminapi_test

import (
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/server"
)

// exerciseApps drives the app store routes as rita, an owner of reseller,
// and ivan, read-only in its client.
func exerciseApps(c *specClient, s *server.Server, rita, ivan, reseller, client, unknown string) {
	t := c.t
	t.Helper()
	now := time.Now()
	folder := &steward.Folder{ID: steward.NewID(now), AccountID: client, Name: "Warehouse", CreatedAt: now, UpdatedAt: now}
	group := &steward.Group{ID: steward.NewID(now.Add(time.Millisecond)), AccountID: client, Name: "Drivers", CreatedAt: now, UpdatedAt: now}
	if err := s.DB.InsertFolder(t.Context(), folder); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.InsertGroup(t.Context(), group); err != nil {
		t.Fatal(err)
	}
	const apk = "application/vnd.android.package-archive"
	var v steward.AppVersion
	c.do(specCall{method: "POST", path: "/api/v1/apps?account_id=" + reseller, token: rita, want: 201,
		body: "com.example.timesheet 7", contentType: apk}).decode(t, &v)
	if v.Status != steward.VersionQuarantined || v.Info == nil || v.Info.Package != "com.example.timesheet" {
		t.Errorf("upload: %+v, want a quarantined version of com.example.timesheet", v)
	}
	c.do(specCall{method: "POST", path: "/api/v1/apps?signer_override=New+release+key", token: rita, want: 201,
		body: "com.example.timesheet 8", contentType: "application/octet-stream"})
	c.do(specCall{method: "POST", path: "/api/v1/apps?account_id=" + reseller, token: rita, want: 400, body: "garbage", contentType: apk})
	c.do(specCall{method: "POST", path: "/api/v1/apps?account_id=" + unknown, token: rita, want: 404, body: "com.example.x 1", contentType: apk})
	c.do(specCall{method: "POST", path: "/api/v1/apps", token: ivan, want: 403, body: "com.example.x 1", contentType: apk})

	var apps struct{ Items []steward.StoreApp }
	c.do(specCall{method: "GET", path: "/api/v1/apps", token: rita, want: 200}).decode(t, &apps)
	if len(apps.Items) != 1 || apps.Items[0].ID != v.AppID || apps.Items[0].Latest == nil || apps.Items[0].Latest.VersionCode != 8 {
		t.Errorf("GET /api/v1/apps: %+v, want the one app with its newest version, 8", apps.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/apps", token: ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/apps/" + v.AppID, token: rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/apps/" + unknown, token: rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/apps/" + v.AppID, token: ivan, want: 404}) // not shared
	c.do(specCall{method: "PATCH", path: "/api/v1/apps/" + v.AppID, token: ivan, want: 404, body: map[string]any{"shared": true}})
	c.do(specCall{method: "PATCH", path: "/api/v1/apps/" + v.AppID, token: rita, want: 400, badRequest: true,
		body: map[string]any{"shared": "yes"}})
	var shared steward.StoreApp
	c.do(specCall{method: "PATCH", path: "/api/v1/apps/" + v.AppID, token: rita, want: 200,
		body: map[string]any{"shared": true}}).decode(t, &shared)
	if !shared.Shared {
		t.Errorf("PATCH shared=true answered %+v", shared)
	}
	c.do(specCall{method: "GET", path: "/api/v1/apps/" + v.AppID, token: ivan, want: 200}) // shared with its client
	c.do(specCall{method: "PATCH", path: "/api/v1/apps/" + v.AppID, token: ivan, want: 403, body: map[string]any{"shared": false}})

	var as steward.AppAssignment
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/assignments", token: rita, want: 201,
		body: map[string]any{"account_id": client, "mode": "required"}}).decode(t, &as)
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/assignments", token: rita, want: 400, badRequest: true,
		body: map[string]any{"account_id": client, "mode": "sometimes"}})
	var toFolder, toGroup steward.AppAssignment
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/assignments", token: rita, want: 201,
		body: map[string]any{"folder_id": folder.ID, "mode": "required"}}).decode(t, &toFolder)
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/assignments", token: rita, want: 201,
		body: map[string]any{"group_id": group.ID, "mode": "available"}}).decode(t, &toGroup)
	if toFolder.FolderID != folder.ID || toGroup.GroupID != group.ID {
		t.Errorf("assignments to a folder and a group: %+v, %+v", toFolder, toGroup)
	}
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/assignments", token: rita, want: 400,
		body: map[string]any{"folder_id": folder.ID, "group_id": group.ID, "mode": "required"}})
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/assignments", token: rita, want: 404,
		body: map[string]any{"group_id": unknown, "mode": "required"}})
	c.do(specCall{method: "GET", path: "/api/v1/apps/" + v.AppID + "/deployments", token: rita, want: 200})
	rescan := "/api/v1/apps/" + v.AppID + "/versions/" + v.ID + "/rescan"
	var again steward.AppVersion
	c.do(specCall{method: "POST", path: rescan, token: rita, want: 200}).decode(t, &again)
	if again.ID != v.ID || again.Status != steward.VersionQuarantined || again.ScannedAt != nil {
		t.Errorf("rescan: %+v, want the quarantined version waiting for its scan", again)
	}
	c.do(specCall{method: "POST", path: rescan, token: ivan, want: 403}) // shared with its client, not its to change
	c.do(specCall{method: "POST", path: "/api/v1/apps/" + v.AppID + "/versions/" + unknown + "/rescan", token: rita, want: 404})
	c.do(specCall{method: "DELETE", path: "/api/v1/apps/" + v.AppID + "/assignments/" + as.ID, token: rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/apps/" + v.AppID + "/assignments/" + as.ID, token: rita, want: 404})
	c.do(specCall{method: "DELETE", path: "/api/v1/apps/" + v.AppID, token: rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/apps/" + v.AppID, token: rita, want: 404})
}
