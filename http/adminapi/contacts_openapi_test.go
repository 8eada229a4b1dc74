package adminapi_test

import (
	"net/url"
	"strings"

	"github.com/stewardmdm/steward"
)

// exerciseContactsAndFiles drives the contact and file routes as rita, an owner
// of reseller, and ivan, read-only in its client.
func exerciseContactsAndFiles(c *specClient, rita, ivan, reseller, client, unknown string) {
	t := c.t
	t.Helper()
	contacts := "/api/v1/accounts/" + client + "/contacts"
	var desk steward.Contact
	c.do(specCall{method: "POST", path: contacts, token: rita, want: 201, body: map[string]any{"name": "Service desk",
		"email": "desk@client.example", "phone": "+44 20 7946 0000", "note": "Weekdays",
		"targets": []map[string]any{{"kind": "account", "id": client}}}}).decode(t, &desk)
	if desk.Email != "desk@client.example" || len(desk.Targets) != 1 {
		t.Errorf("created contact: %+v", desk)
	}
	bad := c.do(specCall{method: "POST", path: contacts, token: rita, want: 400, body: map[string]any{"name": "Broken", "email": "not-an-email"}})
	if !strings.Contains(string(bad.body), `"field":"email"`) {
		t.Errorf("a bad email answered %s, want the field named", bad.body)
	}
	c.do(specCall{method: "POST", path: contacts, token: rita, want: 400, badRequest: true,
		body: map[string]any{"name": "Wrong kind", "phone": "123", "targets": []map[string]any{{"kind": "team", "id": client}}}})
	c.do(specCall{method: "POST", path: contacts, token: rita, want: 404,
		body: map[string]any{"name": "Far", "phone": "123", "targets": []map[string]any{{"kind": "device", "id": unknown}}}})
	c.do(specCall{method: "POST", path: contacts, token: ivan, want: 403, body: map[string]any{"name": "Mine", "phone": "123"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + unknown + "/contacts", token: rita, want: 404, body: map[string]any{"name": "X", "phone": "123"}})
	var cl struct{ Items []steward.Contact }
	c.do(specCall{method: "GET", path: contacts, token: ivan, want: 200}).decode(t, &cl)
	if len(cl.Items) != 1 || cl.Items[0].ID != desk.ID {
		t.Errorf("GET contacts: %+v, want the desk", cl.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller + "/contacts", token: ivan, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/contacts/" + desk.ID, token: ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/contacts/" + unknown, token: rita, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/contacts/" + desk.ID, token: rita, want: 200, body: map[string]any{"phone": "+44 20 7946 0001"}})
	c.do(specCall{method: "PATCH", path: "/api/v1/contacts/" + desk.ID, token: rita, want: 400, body: map[string]any{"phone": "call us"}})
	c.do(specCall{method: "PATCH", path: "/api/v1/contacts/" + desk.ID, token: ivan, want: 403, body: map[string]any{"note": "x"}})

	files := "/api/v1/accounts/" + client + "/files"
	var f steward.SharedFile
	c.do(specCall{method: "POST", path: files + "?name=" + url.QueryEscape("Emergency plan.txt") + "&description=Exits&target=account:" + client,
		token: rita, want: 201, body: "Exit by the stairs.", contentType: "text/plain"}).decode(t, &f)
	if f.Name != "Emergency plan.txt" || f.Size != 19 || len(f.Targets) != 1 {
		t.Errorf("uploaded: %+v", f)
	}
	var pdf steward.SharedFile
	c.do(specCall{method: "POST", path: files, token: rita, want: 201, body: "%PDF-1.4", contentType: "application/octet-stream",
		header: map[string]string{"X-File-Name": url.PathEscape("Réunion/plan.pdf")}}).decode(t, &pdf)
	if pdf.Name != "plan.pdf" || pdf.ContentType != "application/pdf" {
		t.Errorf("upload named by the header: %+v, want plan.pdf of application/pdf", pdf)
	}
	c.do(specCall{method: "POST", path: files, token: rita, want: 400, body: "no name", contentType: "text/plain"})
	c.do(specCall{method: "POST", path: files + "?name=a.txt&target=team:x", token: rita, want: 400, badRequest: true, body: "x", contentType: "text/plain"})
	c.do(specCall{method: "POST", path: files + "?name=Emergency+plan.txt", token: rita, want: 409, body: "again", contentType: "text/plain"})
	c.do(specCall{method: "POST", path: files + "?name=b.txt", token: rita, want: 400, badRequest: true, body: "", contentType: "text/plain"})
	c.do(specCall{method: "POST", path: files + "?name=c.txt", token: ivan, want: 403, body: "x", contentType: "text/plain"})
	var fl struct{ Items []steward.SharedFile }
	c.do(specCall{method: "GET", path: files, token: ivan, want: 200}).decode(t, &fl)
	if len(fl.Items) != 2 || fl.Items[0].ID != f.ID || fl.Items[1].ID != pdf.ID {
		t.Errorf("GET files: %+v, want the two files by name", fl.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/files/" + f.ID, token: ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/files/" + unknown, token: rita, want: 404})
	dl := c.do(specCall{method: "GET", path: "/api/v1/files/" + f.ID + "/download", token: ivan, want: 200})
	if string(dl.body) != "Exit by the stairs." || dl.header.Get("ETag") != `"`+f.SHA256+`"` {
		t.Errorf("download: %q, ETag %s", dl.body, dl.header.Get("ETag"))
	}
	c.do(specCall{method: "GET", path: "/api/v1/files/" + unknown + "/download", token: rita, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/files/" + f.ID, token: rita, want: 200,
		body: map[string]any{"description": "Exits, floor by floor", "targets": []map[string]any{}}})
	c.do(specCall{method: "PATCH", path: "/api/v1/files/" + f.ID, token: ivan, want: 403, body: map[string]any{"description": "x"}})
	c.do(specCall{method: "DELETE", path: "/api/v1/files/" + f.ID, token: ivan, want: 403})
	c.do(specCall{method: "DELETE", path: "/api/v1/files/" + f.ID, token: rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/files/" + f.ID, token: rita, want: 404})
	c.do(specCall{method: "DELETE", path: "/api/v1/contacts/" + desk.ID, token: rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/contacts/" + desk.ID, token: rita, want: 404})
}
