package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// TestPolicyPagesScope: a read-only login reads a policy with its forms
// locked and is refused every change; a login of another subtree finds
// no such policy; nothing changes.
func TestPolicyPagesScope(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	name, interval := "Acme baseline", 600
	pol, err := e.svc.CreatePolicy(e.admin, f.northClient.ID, service.PolicyInput{Name: &name,
		Settings: &steward.PolicySettings{CheckInIntervalSeconds: &interval}})
	if err != nil {
		t.Fatal(err)
	}
	pw := e.login(f.northClient.ID, "viewer@acme.example", steward.RoleReadOnly)
	c := e.client()
	token := c.signIn("viewer@acme.example", pw).csrf(t)
	p := c.get("/console/policies/" + pol.ID)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Your role can only read") || !strings.Contains(p.body, `value="600"`) {
		t.Fatalf("the read-only login's view: %d", p.status)
	}
	if n := strings.Count(p.body, "<fieldset disabled>"); n != 8 {
		t.Errorf("%d locked sections, want the 8 settings sections", n)
	}
	for path, form := range map[string]url.Values{
		"/console/policies": {"name": {"Should Not Exist"}},
		"/console/policies/" + pol.ID + "/sections/checkin":     {"checkin_interval_seconds": {"900"}},
		"/console/policies/" + pol.ID + "/name":                 {"name": {"Renamed"}},
		"/console/policies/" + pol.ID + "/targets":              {"target": {"account:" + f.northClient.ID}},
		"/console/policies/" + pol.ID + "/delete":               {"confirm_name": {name}},
		"/console/policies/" + pol.ID + "/sections/nonexistent": {},
	} {
		form.Set("csrf_token", token)
		if p := c.post(path, form); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
			t.Errorf("POST %s by a read-only login: status %d, want 403", path, p.status)
		}
	}

	south := e.client()
	south.signIn("sam@southwind.example", f.pwSouth)
	if p := south.get("/console/policies/" + pol.ID); p.status != http.StatusNotFound || strings.Contains(p.body, name) {
		t.Errorf("another reseller's view: %d", p.status)
	}
	if p := south.get("/console/policies"); strings.Contains(p.body, name) {
		t.Error("another reseller's list shows the policy")
	}
	d, err := e.svc.GetPolicy(e.admin, pol.ID)
	if err != nil || d.CurrentVersion != 1 || d.Name != name || len(d.Targets) != 0 {
		t.Errorf("the policy changed: %+v %v", d, err)
	}
}
