package adminapi_test

import (
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/adminapi"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// exerciseUsers drives the directory routes in the client of the fleet:
// Rita (an owner above it) writes, Ivan (read-only in it) reads.
func exerciseUsers(c *specClient, who fleetActors, phone, tablet, kiosk protocol.EnrollResponse) {
	t := c.t
	t.Helper()
	acc := "/api/v1/accounts/" + who.client
	var fields adminapi.UserFields
	c.do(specCall{method: "GET", path: acc + "/user-fields", token: who.ivan, want: 200}).decode(t, &fields)
	if len(fields.Fields) != 0 {
		t.Errorf("GET user-fields: %+v, want none yet", fields.Fields)
	}
	defs := map[string]any{"fields": []map[string]any{
		{"key": "cost_centre", "label": "Cost centre", "type": "number"},
		{"key": "team", "label": "Team", "type": "choice", "choices": []string{"Sales", "Support"}, "required": true},
	}}
	c.do(specCall{method: "PUT", path: acc + "/user-fields", token: who.ivan, want: 403, body: defs})
	c.do(specCall{method: "PUT", path: acc + "/user-fields", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"fields": []map[string]any{{"key": "Cost Centre", "label": "x", "type": "text"}}}})
	c.do(specCall{method: "PUT", path: acc + "/user-fields", token: who.rita, want: 400,
		body: map[string]any{"fields": []map[string]any{{"key": "email", "label": "x", "type": "text"}}}})
	c.do(specCall{method: "PUT", path: acc + "/user-fields", token: who.rita, want: 200, body: defs}).decode(t, &fields)
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + who.reseller + "/user-fields", token: who.rita, want: 400})

	var jane steward.DirectoryUser
	c.do(specCall{method: "POST", path: acc + "/users", token: who.rita, want: 201, body: map[string]any{
		"email": "Jane.Doe@example.com", "name": "Jane Doe", "directory_name": "jdoe",
		"custom_fields": map[string]string{"cost_centre": "4100", "team": "Sales"}, "device_ids": []string{phone.SupportID}}}).decode(t, &jane)
	if jane.Email != "jane.doe@example.com" || len(jane.DeviceIDs) != 1 || jane.DeviceIDs[0] != phone.DeviceID {
		t.Errorf("POST users: %+v, want jane with the phone", jane)
	}
	bad := c.do(specCall{method: "POST", path: acc + "/users", token: who.rita, want: 400,
		body: map[string]any{"email": "bob@example.com", "custom_fields": map[string]string{"cost_centre": "forty", "team": "Sales"}}})
	if !strings.Contains(string(bad.body), `"field":"custom_fields.cost_centre"`) {
		t.Errorf("a bad custom field answered %s, want the field named", bad.body)
	}
	c.do(specCall{method: "POST", path: acc + "/users", token: who.rita, want: 409,
		body: map[string]any{"email": "jane.doe@example.com", "custom_fields": map[string]string{"team": "Sales"}}})
	c.do(specCall{method: "POST", path: acc + "/users", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"name": "No email"}})
	c.do(specCall{method: "POST", path: acc + "/users", token: who.rita, want: 400,
		body: map[string]any{"email": "kim@example.com", "custom_fields": map[string]string{"team": "Sales"}, "device_ids": []string{kiosk.DeviceID}}})
	c.do(specCall{method: "POST", path: acc + "/users", token: who.ivan, want: 403,
		body: map[string]any{"email": "ivy@example.com", "custom_fields": map[string]string{"team": "Sales"}}})

	var page adminapi.List[steward.DirectoryUser]
	c.do(specCall{method: "GET", path: acc + "/users?q=JDOE&limit=1", token: who.ivan, want: 200}).decode(t, &page)
	if len(page.Items) != 1 || page.Next != "jane.doe@example.com" {
		t.Errorf("GET users?q=JDOE&limit=1: %+v next %q", page.Items, page.Next)
	}
	c.do(specCall{method: "GET", path: acc + "/users?after=" + page.Next, token: who.ivan, want: 200}).decode(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("the page after jane: %+v", page.Items)
	}
	c.do(specCall{method: "GET", path: acc + "/users?limit=lots", token: who.ivan, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/users/" + jane.ID, token: who.ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/users/" + jane.ID, token: who.admin, want: 200})
	var patched steward.DirectoryUser
	c.do(specCall{method: "PATCH", path: "/api/v1/users/" + jane.ID, token: who.rita, want: 200,
		body: map[string]any{"name": "Jane D.", "custom_fields": map[string]string{"cost_centre": ""}, "device_ids": []string{phone.DeviceID, tablet.SupportID}}}).decode(t, &patched)
	if patched.Name != "Jane D." || patched.CustomFields["cost_centre"] != "" || len(patched.Devices) != 2 {
		t.Errorf("PATCH user: %+v", patched)
	}
	c.do(specCall{method: "PATCH", path: "/api/v1/users/" + jane.ID, token: who.rita, want: 400,
		body: map[string]any{"custom_fields": map[string]string{"team": "Marketing"}}})
	c.do(specCall{method: "PATCH", path: "/api/v1/users/" + jane.ID, token: who.ivan, want: 403, body: map[string]any{"name": "x"}})

	var du adminapi.DeviceUser
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + tablet.DeviceID + "/user", token: who.ivan, want: 200}).decode(t, &du)
	if du.User == nil || du.User.ID != jane.ID {
		t.Errorf("GET the tablet's user: %+v", du)
	}
	c.do(specCall{method: "PUT", path: "/api/v1/devices/" + tablet.DeviceID + "/user", token: who.rita, want: 200,
		body: map[string]any{"user_id": ""}}).decode(t, &du)
	if du.User != nil {
		t.Errorf("PUT no user: %+v", du)
	}
	c.do(specCall{method: "PUT", path: "/api/v1/devices/" + tablet.DeviceID + "/user", token: who.rita, want: 200,
		body: map[string]any{"user_id": jane.ID}})
	c.do(specCall{method: "PUT", path: "/api/v1/devices/" + kiosk.DeviceID + "/user", token: who.admin, want: 400,
		body: map[string]any{"user_id": jane.ID}})
	c.do(specCall{method: "PUT", path: "/api/v1/devices/" + kiosk.DeviceID + "/user", token: who.rita, want: 404,
		body: map[string]any{"user_id": ""}})
	c.do(specCall{method: "PUT", path: "/api/v1/devices/" + tablet.DeviceID + "/user", token: who.ivan, want: 403,
		body: map[string]any{"user_id": ""}})

	// The file: a bad row writes nothing and answers 400 with the report;
	// partial writes the good rows.
	file := "email,name,team,devices\n" +
		"ann@example.com,Ann,Support,\n" +
		"not-an-email,Bad,Sales,\n"
	var rejected struct {
		Error  struct{ Code, Field string }
		Report service.UserImportReport
	}
	c.do(specCall{method: "POST", path: acc + "/users/import", token: who.rita, want: 400, body: file, contentType: "text/csv"}).decode(t, &rejected)
	if rejected.Error.Code != "invalid" || rejected.Report.Written || len(rejected.Report.Errors) != 1 || rejected.Report.Errors[0].Row != 3 {
		t.Errorf("import with a bad row: %+v", rejected)
	}
	var rep service.UserImportReport
	c.do(specCall{method: "POST", path: acc + "/users/import?partial=true", token: who.rita, want: 200, body: file,
		contentType: "text/csv; charset=utf-8"}).decode(t, &rep)
	if !rep.Written || rep.Created != 1 || rep.Skipped != 1 {
		t.Errorf("partial import: %+v", rep)
	}
	c.do(specCall{method: "POST", path: acc + "/users/import", token: who.rita, want: 400, badRequest: true, body: `{"email":"x"}`})
	c.do(specCall{method: "POST", path: acc + "/users/import", token: who.ivan, want: 403, body: file, contentType: "text/csv"})
	c.do(specCall{method: "POST", path: acc + "/users/import", token: who.rita, want: 413, contentType: "text/csv",
		body: "email\n" + strings.Repeat("x@example.com\n", service.MaxUserImportBytes/14+1)})

	exported := c.do(specCall{method: "GET", path: acc + "/users/export", token: who.ivan, want: 200})
	if got := exported.header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Errorf("export content type %q", got)
	}
	lines := strings.Split(strings.TrimSpace(string(exported.body)), "\n")
	if len(lines) != 3 || lines[0] != "email,name,directory_name,cost_centre,team,devices" || !strings.HasPrefix(lines[1], "ann@example.com,Ann,,,Support,") {
		t.Errorf("export:\n%s", exported.body)
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + who.reseller + "/users/export", token: who.rita, want: 400})

	c.do(specCall{method: "DELETE", path: "/api/v1/users/" + jane.ID, token: who.ivan, want: 403})
	c.do(specCall{method: "DELETE", path: "/api/v1/users/" + jane.ID, token: who.rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/users/" + jane.ID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/user", token: who.rita, want: 200}).decode(t, &du)
	if du.User != nil {
		t.Errorf("the phone's user after jane's deletion: %+v", du.User)
	}
}
