package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

// world is a small hierarchy with two resellers that must never see each
// other: "ours" (R1 and everything below it) and "theirs" (R2 and below).
type world struct {
	srv     *server.Server
	http    *httptest.Server
	admin   string                    // platform admin token
	tokens  map[string]string         // role name → token of a manager in our subtree
	foreign map[string]string         // path parameter name → foreign object ID
	ids     map[string]string         // named objects
	markers []string                  // strings only the foreign subtree holds
	finger  func(t *testing.T) string // state of the foreign subtree
	as      func(token string) context.Context
}

const pw = "a-long-password-1"

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), AdminEmail: "admin@example.com", AdminPassword: pw,
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: logger, NoJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	w := &world{srv: s, http: httptest.NewServer(s.Handler), tokens: map[string]string{}, foreign: map[string]string{}, ids: map[string]string{}}
	t.Cleanup(w.http.Close)
	svc := s.Service

	// tokenFor signs a manager in, clears any forced password change and
	// returns an API token of its.
	tokenFor := func(email string) string {
		t.Helper()
		res, err := svc.Login(ctx, steward.LoginRequest{Email: email, Password: pw, IP: "192.0.2.1"})
		if err != nil {
			t.Fatalf("login %s: %v", email, err)
		}
		auth, err := svc.AuthenticateSession(ctx, res.Secret, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		actx := steward.NewContextWithActor(ctx, auth.Actor)
		if res.MustChangePassword {
			if err := svc.ChangePassword(actx, pw, pw+"x"); err != nil {
				t.Fatal(err)
			}
			if err := svc.ChangePassword(actx, pw+"x", pw); err != nil {
				t.Fatal(err)
			}
		}
		tok, err := svc.CreateToken(actx, steward.TokenCreate{Name: "token of " + email})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Secret
	}
	w.as = func(token string) context.Context {
		auth, err := svc.AuthenticateToken(ctx, token, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		return steward.NewContextWithActor(ctx, auth.Actor)
	}
	w.admin = tokenFor("admin@example.com")
	actx := w.as(w.admin)
	mk := func(ctx context.Context, parent, name string, kind steward.AccountKind) string {
		t.Helper()
		a, err := svc.CreateAccount(ctx, steward.AccountCreate{ParentID: parent, Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	mgr := func(ctx context.Context, account, email string, role steward.ManagerRole) string {
		t.Helper()
		m, err := svc.CreateManager(ctx, steward.ManagerCreate{AccountID: account, Email: email, Name: email, Role: role, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	r1 := mk(actx, "", "Our Reseller", steward.AccountReseller)
	r1s := mk(actx, r1, "Our Sub-reseller", steward.AccountReseller)
	c1 := mk(actx, r1, "Our Client", steward.AccountClient)
	r2 := mk(actx, "", "Zeta Foreign Reseller", steward.AccountReseller)
	c2 := mk(actx, r2, "Omega Foreign Client", steward.AccountClient)
	w.ids = map[string]string{"r1": r1, "r1s": r1s, "c1": c1, "r2": r2, "c2": c2}
	for _, id := range []string{r1, r2} {
		if _, err := svc.GrantCredits(actx, steward.CreditGrant{AccountID: id, Amount: 50, Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	ours := map[string]struct {
		account string
		role    steward.ManagerRole
	}{
		"reseller-owner":     {r1, steward.RoleOwner},
		"reseller-admin":     {r1, steward.RoleAdmin},
		"reseller-read-only": {r1, steward.RoleReadOnly},
		"sub-reseller-owner": {r1s, steward.RoleOwner},
		"client-owner":       {c1, steward.RoleOwner},
		"client-read-only":   {c1, steward.RoleReadOnly},
	}
	for name, o := range ours {
		email := name + "@ours.test"
		mgr(actx, o.account, email, o.role)
		w.tokens[name] = tokenFor(email)
	}
	m2 := mgr(actx, r2, "zeta-owner@foreign.test", steward.RoleOwner)
	tok2 := tokenFor("zeta-owner@foreign.test")
	t2, err := svc.Tokens(w.as(tok2), "")
	if err != nil || len(t2) == 0 {
		t.Fatal("foreign token", err)
	}
	// A device of the foreign client, enrolled with a foreign code, with a
	// command waiting for it.
	actx2 := w.as(tok2)
	code, err := svc.CreateActivationCode(actx2, service.ActivationCodeCreate{AccountID: c2, Seats: 5, Note: "zeta code note"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantCredits(actx, steward.CreditGrant{AccountID: r2, Amount: 5, Reason: "devices"}); err != nil {
		t.Fatal(err)
	}
	enr, _, err := svc.Enroll(ctx, &protocol.EnrollRequest{Protocol: 1, ActivationCode: code.Code, Ownership: "company", Platform: "android",
		Name: "Omega Phone", Hardware: protocol.Hardware{ID: "omega-hw-1", Manufacturer: "Zebra", Model: "TC58", Serial: "OMEGASERIAL1"}}, "192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := svc.SendCommand(actx2, service.CommandSend{DeviceIDs: []string{enr.DeviceID}, Type: steward.CmdSync})
	if err != nil {
		t.Fatal(err)
	}
	// A legal hold on the foreign client.
	hold, err := svc.CreateLegalHold(actx, steward.LegalHoldCreate{AccountID: c2, Scope: steward.HoldAccount, Reason: "zeta hold reason"})
	if err != nil {
		t.Fatal(err)
	}
	// An app in the foreign client's store, shared, assigned to its device.
	now := time.Now()
	app := &steward.StoreApp{ID: steward.NewID(now), AccountID: c2, Package: "com.zeta.secret", Name: "Zeta Secret App",
		Shared: true, CreatedAt: now, UpdatedAt: now}
	if err := s.DB.InsertApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	assignment := &steward.AppAssignment{ID: steward.NewID(now), AppID: app.ID, DeviceID: enr.DeviceID, Mode: steward.AssignRequired, CreatedAt: now}
	if err := s.DB.PutAssignment(ctx, assignment); err != nil {
		t.Fatal(err)
	}
	// A version of its app kept in quarantine as unscannable: a rescan
	// that leaked would clear its scan.
	scanned := now
	version := &steward.AppVersion{ID: steward.NewID(now), AppID: app.ID, VersionCode: 3, SHA256: strings.Repeat("ab", 32), Size: 9,
		BlobKey: "apps/" + c2 + "/zeta.apk", Status: steward.VersionQuarantined, UploadedAt: now, ScannedAt: &scanned,
		Scan: &steward.ScanResult{Verdict: steward.ScanUnscannable, Detail: "zeta scan detail"}}
	if err := s.DB.InsertAppVersion(ctx, version); err != nil {
		t.Fatal(err)
	}
	// A folder and a group of the foreign client, holding its device.
	folder, err := svc.CreateFolder(actx2, c2, service.FolderCreate{Name: "Zeta Secret Folder"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := svc.CreateGroup(actx2, c2, service.GroupCreate{Name: "Zeta Secret Group", Priority: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.MoveToFolder(actx2, folder.ID, []string{enr.DeviceID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddToGroup(actx2, group.ID, []string{enr.DeviceID}); err != nil {
		t.Fatal(err)
	}
	// A policy of the foreign client, aimed at its group.
	zetaPolicy, zetaNet := "Zeta Policy", "ZetaGuestNet"
	pol, err := svc.CreatePolicy(actx2, c2, service.PolicyInput{Name: &zetaPolicy, Settings: &steward.PolicySettings{
		WiFi: []steward.WiFiSetting{{SSID: zetaNet, Security: "open"}}},
		Targets: []steward.Target{{Kind: steward.TargetGroup, ID: group.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	// A shared contact and a shared file of the foreign client, on its device.
	onDevice := []steward.Target{{Kind: steward.TargetDevice, ID: enr.DeviceID}}
	contact, err := svc.CreateContact(actx2, service.ContactCreate{AccountID: c2, Name: "Zeta Contact Person",
		Email: "zeta.contact@foreign.test", Note: "zeta contact note", Targets: onDevice})
	if err != nil {
		t.Fatal(err)
	}
	file, err := svc.UploadFile(actx2, service.FileUpload{AccountID: c2, Name: "zeta-plans.txt", Description: "zeta file description",
		Body: strings.NewReader("zeta file content"), Targets: onDevice})
	if err != nil {
		t.Fatal(err)
	}
	w.foreign = map[string]string{"account": c2, "manager": m2, "token": t2[0].ID, "device": enr.DeviceID,
		"command": cmds[0].ID, "code": code.ID, "hold": hold.ID, "app": app.ID, "assignment": assignment.ID, "version": version.ID,
		"folder": folder.ID, "group": group.ID, "policy": pol.ID, "number": "1",
		"contact": contact.ID, "file": file.ID}
	w.markers = []string{"Zeta Foreign Reseller", "Omega Foreign Client", "zeta-owner@foreign.test", "Omega Phone",
		"OMEGASERIAL1", "omega-hw-1", "zeta code note", enr.SupportID, "zeta hold reason", "com.zeta.secret", "Zeta Secret App",
		"Zeta Secret Folder", "Zeta Secret Group", "zeta scan detail", zetaPolicy, zetaNet,
		"Zeta Contact Person", "zeta.contact@foreign.test", "zeta contact note", "zeta-plans.txt", "zeta file description", "zeta file content"}
	// A directory user of the foreign client, with a custom field, holding
	// its device.
	if _, err := svc.PutUserFields(actx2, c2, []steward.CustomFieldDef{{Key: "zeta_badge", Label: "Zeta badge", Type: steward.FieldText}}); err != nil {
		t.Fatal(err)
	}
	fu, err := svc.CreateUser(actx2, c2, service.UserInput{Email: "omega.user@foreign.test", Name: "Omega User",
		DirectoryName: "omegauser", CustomFields: map[string]string{"zeta_badge": "ZB-4242"}, DeviceIDs: []string{enr.DeviceID}})
	if err != nil {
		t.Fatal(err)
	}
	w.foreign["user"] = fu.ID
	w.markers = append(w.markers, "omega.user@foreign.test", "Omega User", "omegauser", "ZB-4242", "Zeta badge")

	// The fingerprint of the foreign subtree, read with platform rights.
	w.finger = func(t *testing.T) string {
		t.Helper()
		ctx := w.as(w.admin)
		var b strings.Builder
		for _, id := range []string{r2, c2} {
			a, err := svc.Account(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s %s %s %v %d %v|", a.ID, a.Name, a.Status, a.ParentID, a.DeletedAt, a.Balance, a.Support)
			ms, _ := svc.Managers(ctx, id)
			for _, m := range ms {
				fmt.Fprintf(&b, "%s %s %s|", m.Email, m.Role, m.Name)
			}
			es, _ := svc.AuditLog(ctx, steward.AuditFilter{AccountID: id, OnlyDirect: true, Limit: 500})
			fmt.Fprintf(&b, "audit=%d|", len(es))
		}
		ts, _ := svc.Tokens(ctx, m2)
		for _, tk := range ts {
			fmt.Fprintf(&b, "%s %v|", tk.ID, tk.RevokedAt)
		}
		if d, err := svc.Device(ctx, w.foreign["device"]); err == nil {
			fmt.Fprintf(&b, "device %s %s %v %s|", d.ID, d.Name, d.AgentEnabled, d.DisabledReason)
		} else {
			fmt.Fprintf(&b, "device gone: %v|", err)
		}
		if c, err := svc.Command(ctx, w.foreign["command"]); err == nil {
			fmt.Fprintf(&b, "command %s %s|", c.ID, c.Status)
		}
		cs, _ := svc.ActivationCodes(ctx, c2, 100)
		for _, c := range cs {
			fmt.Fprintf(&b, "code %s %v %d|", c.ID, c.RevokedAt, c.Used)
		}
		hs, _ := svc.LegalHolds(ctx, steward.HoldFilter{AccountID: c2})
		for _, h := range hs {
			fmt.Fprintf(&b, "hold %s %v|", h.ID, h.ReleasedAt)
		}
		if d, err := svc.GetApp(ctx, w.foreign["app"]); err == nil {
			fmt.Fprintf(&b, "app %s %s %v assignments=%d versions=%d|", d.ID, d.Name, d.Shared, len(d.Assignments), len(d.Versions))
			for _, v := range d.Versions {
				fmt.Fprintf(&b, "version %s %s %v %d %v|", v.ID, v.Status, v.ScannedAt, v.ScanAttempts, v.Scan)
			}
		} else {
			fmt.Fprintf(&b, "app gone: %v|", err)
		}
		apps, _ := svc.ListApps(ctx)
		fmt.Fprintf(&b, "apps=%d|", len(apps))
		fs, _ := svc.Folders(ctx, c2)
		for _, f := range fs {
			fmt.Fprintf(&b, "folder %s %s %s %d|", f.ID, f.Name, f.Description, f.DeviceCount)
		}
		gs, _ := svc.Groups(ctx, c2)
		for _, g := range gs {
			fmt.Fprintf(&b, "group %s %s %s %d %d|", g.ID, g.Name, g.Description, g.Priority, g.DeviceCount)
		}
		us, _ := svc.Users(ctx, c2, steward.UserFilter{Limit: 500})
		for _, u := range us {
			fmt.Fprintf(&b, "user %s %s %s %v %v|", u.ID, u.Email, u.Name, u.CustomFields, u.DeviceIDs)
		}
		defs, _ := svc.UserFields(ctx, c2)
		fmt.Fprintf(&b, "user fields %v|", defs)
		if p, err := svc.GetPolicy(ctx, w.foreign["policy"]); err == nil {
			fmt.Fprintf(&b, "policy %s %s v%d targets=%v|", p.ID, p.Name, p.CurrentVersion, p.Targets)
		} else {
			fmt.Fprintf(&b, "policy gone: %v|", err)
		}
		contacts, _ := svc.ListContacts(ctx, c2)
		for _, c := range contacts {
			fmt.Fprintf(&b, "contact %s %s %s %s %s %v|", c.ID, c.Name, c.Email, c.Phone, c.Note, c.Targets)
		}
		files, _ := svc.ListFiles(ctx, c2)
		for _, f := range files {
			fmt.Fprintf(&b, "file %s %s %s %s %v|", f.ID, f.Name, f.SHA256, f.Description, f.Targets)
		}
		if blob, _, err := svc.OpenFile(ctx, w.foreign["file"]); err == nil {
			fmt.Fprintf(&b, "file content %d|", blob.Size())
			blob.Close()
		} else {
			fmt.Fprintf(&b, "file content gone: %v|", err)
		}
		devs, _ := svc.Commands(ctx, steward.CommandFilter{AccountID: c2, Limit: 100})
		fmt.Fprintf(&b, "commands=%d|", len(devs))
		return b.String()
	}
	return w
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// idFields are the body and query fields that name objects. A new field
// that names an object must be added here to be probed; the test below
// reports any 2xx answer to a request that carried a foreign ID.
var idFields = map[string]string{
	"account_id": "account", "parent_id": "account", "from_id": "account", "to_id": "account",
	"root": "account", "parent": "account", "manager_id": "manager", "target_id": "account",
	"device_id": "device", "bulk_id": "command", "folder_id": "folder", "group_id": "group",
	"user_id": "user",
}

// TestNoRouteLeaksAForeignSubtree walks every route of the admin API as
// every role of our subtree, aimed at objects of a foreign subtree. A route
// added to the table is covered without editing this test.
func TestNoRouteLeaksAForeignSubtree(t *testing.T) {
	w := newWorld(t)
	before := w.finger(t)
	routes := w.srv.API.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes: is the table being read?", len(routes))
	}
	for _, rt := range routes {
		path, inPath := w.foreignPath(t, rt.Pattern)
		for role, token := range w.tokens {
			// Alternatives a route accepts only one at a time are probed in
			// turn, so each reaches the authoriser.
			for _, drop := range []string{"filter", "device_ids"} {
				t.Run(rt.Method+" "+rt.Pattern+" as "+role+" without "+drop, func(t *testing.T) {
					status, body, carried := w.probe(t, rt.Method, path, token, drop)
					for _, m := range w.markers {
						if strings.Contains(body, m) {
							t.Errorf("response leaks %q: %s", m, body)
						}
					}
					switch {
					case rt.Public:
						// Public routes take no object; they must still not leak.
					case inPath && status != http.StatusNotFound:
						t.Errorf("status %d, want 404 for a foreign object: %s", status, body)
					case carried && status >= 200 && status < 300:
						t.Errorf("a request naming foreign objects in its body succeeded (%d): %s", status, body)
					}
				})
			}
		}
	}
	if after := w.finger(t); after != before {
		t.Errorf("the foreign subtree changed:\nbefore %s\nafter  %s", before, after)
	}
}

// TestForeignProbesAreNotVacuous checks that the same requests by the
// platform admin find the objects, so the 404s above mean "hidden", not
// "missing".
func TestForeignProbesAreNotVacuous(t *testing.T) {
	w := newWorld(t)
	for _, rt := range w.srv.API.Routes() {
		path, inPath := w.foreignPath(t, rt.Pattern)
		if rt.Method != "GET" || !inPath {
			continue
		}
		if status, body, _ := w.probe(t, rt.Method, path, w.admin, ""); status != http.StatusOK {
			t.Errorf("%s %s as platform admin: %d %s", rt.Method, path, status, body)
		}
	}
}

// foreignPath fills each path parameter with a foreign object of its kind.
func (w *world) foreignPath(t *testing.T, pattern string) (string, bool) {
	inPath := false
	path := pathParam.ReplaceAllStringFunc(pattern, func(p string) string {
		name := p[1 : len(p)-1]
		id, ok := w.foreign[name]
		if !ok {
			t.Fatalf("route %s has a path parameter {%s} with no foreign object to probe it with: add one to newWorld", pattern, name)
		}
		inPath = true
		return id
	})
	return path, inPath
}

// probe sends one request carrying foreign IDs in the query and, for
// writes, in every body field the route accepts. Fields the route rejects
// as unknown are dropped one by one, so the body fits any route. It reports
// whether the body that was finally sent still named a foreign object.
func (w *world) probe(t *testing.T, method, path, token, drop string) (status int, resp string, carried bool) {
	t.Helper()
	q := []string{}
	for f, kind := range idFields {
		q = append(q, f+"="+w.foreign[kind])
	}
	url := w.http.URL + path + "?" + strings.Join(q, "&")
	body := map[string]any{}
	if method != "GET" && method != "DELETE" {
		for f, kind := range idFields {
			body[f] = w.foreign[kind]
		}
		body["name"], body["kind"], body["amount"], body["reason"], body["status"] = "Probe", "client", 1, "probe", "suspended"
		body["email"], body["role"], body["password"] = "probe@ours.test", "read_only", pw
		body["device_ids"] = []string{w.foreign["device"]}
		body["filter"] = map[string]any{"account_id": w.foreign["account"]}
		body["type"], body["confirm"], body["seats"], body["shared"] = "sync", true, 1, true
		body["targets"] = []map[string]string{{"kind": "device", "id": w.foreign["device"]}}
		body["description"] = "probe"
		delete(body, drop)
	}
	for tries := 0; ; tries++ {
		var rd io.Reader
		if body != nil && len(body) > 0 {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, url, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := w.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e struct {
			Error struct{ Code, Field, Message string }
		}
		json.Unmarshal(b, &e)
		if res.StatusCode == http.StatusBadRequest && strings.HasPrefix(e.Error.Message, "Unknown field") && tries < 30 {
			delete(body, e.Error.Field)
			continue
		}
		if res.StatusCode >= 500 {
			t.Errorf("%s %s: server error %d %s", method, path, res.StatusCode, b)
		}
		for f := range idFields {
			if _, ok := body[f]; ok {
				carried = true
			}
		}
		for _, f := range []string{"device_ids", "filter", "targets"} {
			if _, ok := body[f]; ok {
				carried = true
			}
		}
		return res.StatusCode, string(b), carried
	}
}
