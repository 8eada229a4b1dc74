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
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/adminapi"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/openapi"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

// newSpecServer starts a server on an empty database whose platform
// administrator is admin@example.com.
func newSpecServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), AdminEmail: "admin@example.com",
		AdminPassword: "a-long-password-1", Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1},
		Logger: slog.New(slog.DiscardHandler), NoJobs: true, Inspector: testutil.TextInspector{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// loadSpec loads the embedded OpenAPI document, failing the test if it is
// not a valid OpenAPI 3 document.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := openapi.JSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

func routeKey(method, pattern string) string { return method + " " + pattern }

// documentedSuccess returns the one 2xx status an operation documents, or 0
// if it documents none or several.
func documentedSuccess(op *openapi3.Operation) int {
	status := 0
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
			if status != 0 {
				return 0
			}
			status = n
		}
	}
	return status
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	for _, name := range []string{"Error", "Account", "Manager", "APIToken", "LedgerEntry", "AuditEntry", "SecurityEvent",
		"Device", "Inventory", "App", "DeviceEvent", "Command", "CommandRequest", "ActivationCode"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("components.schemas has no %s", name)
		}
	}
	for _, name := range []string{"bearerAuth", "cookieAuth"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("components.securitySchemes has no %s", name)
		}
	}
}

// TestOpenAPIDocumentMatchesRoutes checks that the document and the route
// table describe the same operations, with the same summaries, success
// statuses and public routes.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	doc := loadSpec(t)
	routes := newSpecServer(t).API.Routes()

	documented := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[routeKey(method, path)] = op
		}
	}
	var undocumented []string
	for _, rt := range routes {
		key := routeKey(rt.Method, rt.Pattern)
		op, ok := documented[key]
		if !ok {
			undocumented = append(undocumented, key)
			continue
		}
		delete(documented, key)
		if op.OperationID == "" || len(op.Tags) == 0 {
			t.Errorf("%s: the operation needs an operationId and a tag", key)
		}
		if op.Summary != rt.Summary {
			t.Errorf("%s: summary %q, the route table says %q", key, op.Summary, rt.Summary)
		}
		// A handler answers with the route's status (default 200), or with
		// 204 when it has nothing to say.
		want := rt.Status
		if want == 0 {
			want = http.StatusOK
		}
		switch status := documentedSuccess(op); {
		case status == 0:
			t.Errorf("%s: document exactly one success (2xx) response", key)
		case status != want && status != http.StatusNoContent:
			t.Errorf("%s: the document's success status is %d, the route table's %d", key, status, want)
		case status == http.StatusNoContent && len(op.Responses.Status(status).Value.Content) > 0:
			t.Errorf("%s: a 204 response has no body, but the document gives it one", key)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.Public {
			t.Errorf("%s: public route %v, but the document says security: [] is %v", key, rt.Public, public)
		}
	}
	var unrouted []string
	for key := range documented {
		unrouted = append(unrouted, key)
	}
	slices.Sort(undocumented)
	slices.Sort(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from the OpenAPI document:\n\t%s", strings.Join(undocumented, "\n\t"))
	}
	if len(unrouted) > 0 {
		t.Errorf("documented operations that are not routes:\n\t%s", strings.Join(unrouted, "\n\t"))
	}
}

// specClient sends requests to a server and checks each request and each
// response against the OpenAPI document. It records which routes answered
// with their success status.
type specClient struct {
	t       *testing.T
	base    string
	router  routers.Router
	success map[string]int  // route → success status
	seen    map[string]bool // routes that answered with it
}

// specCall is one request and the status it must get.
type specCall struct {
	method, path string
	body         any    // sent as JSON; a string is sent as it is
	contentType  string // default application/json when there is a body
	token        string // API token
	cookie, csrf string // console session
	header       map[string]string
	want         int
	// badRequest marks a request that breaks the document on purpose: the
	// document must refuse it as the server does.
	badRequest bool
}

// specAnswer is a response, read.
type specAnswer struct {
	header http.Header
	body   []byte
}

func (a specAnswer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

func (c *specClient) do(in specCall) specAnswer {
	t := c.t
	t.Helper()
	name := in.method + " " + in.path
	var body []byte
	switch b := in.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	newRequest := func() *http.Request {
		req, err := http.NewRequest(in.method, c.base+in.path, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if body != nil {
			ct := in.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		if in.token != "" {
			req.Header.Set("Authorization", "Bearer "+in.token)
		}
		if in.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "steward_session", Value: in.cookie})
		}
		if in.csrf != "" {
			req.Header.Set("X-CSRF-Token", in.csrf)
		}
		for k, v := range in.header {
			req.Header.Set(k, v)
		}
		return req
	}

	req := newRequest()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s: no operation of the document matches: %v", name, err)
	}
	reqInput := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}}}
	err = openapi3filter.ValidateRequest(context.Background(), reqInput)
	switch {
	case err != nil && !in.badRequest:
		t.Errorf("%s: the document refuses this request: %v", name, err)
	case err == nil && in.badRequest:
		t.Errorf("%s: the document accepts this request, which is meant to break it", name)
	}

	resp, err := http.DefaultClient.Do(newRequest())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s: read the response: %v", name, err)
	}
	if resp.StatusCode != in.want {
		t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, in.want, got)
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput, Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(got)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}},
	})
	if err != nil {
		t.Errorf("%s: the %d response does not match the document: %v\n%s", name, resp.StatusCode, err, got)
	}
	key := routeKey(route.Method, route.Path)
	if want, ok := c.success[key]; ok && resp.StatusCode == want {
		c.seen[key] = true
	}
	return specAnswer{header: resp.Header, body: got}
}

// linkToken returns the token of the newest mailed link of purpose
// ("invite" or "reset") to email.
func linkToken(t *testing.T, s *server.Server, email, purpose string) string {
	t.Helper()
	mails, err := s.DB.DueMail(context.Background(), time.Now().Add(time.Hour), 500)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`/console/` + purpose + `\?token=([a-z2-7]+)`)
	for _, m := range slices.Backward(mails) {
		if sub := re.FindStringSubmatch(m.Body); m.To == email && sub != nil {
			return sub[1]
		}
	}
	t.Fatalf("no %s link was mailed to %s", purpose, email)
	return ""
}

// TestOpenAPIResponsesMatchDocument drives a realistic session through the
// real server and checks every request and response against the document.
// Every route must answer with its success status at least once, so a new
// route needs a new case here.
func TestOpenAPIResponsesMatchDocument(t *testing.T) {
	doc := loadSpec(t)
	s := newSpecServer(t)
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(hs.Close)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	c := &specClient{t: t, base: hs.URL, router: router, success: map[string]int{}, seen: map[string]bool{}}
	for _, rt := range s.API.Routes() {
		key := routeKey(rt.Method, rt.Pattern)
		c.success[key] = 200
		if item := doc.Paths.Value(rt.Pattern); item != nil && item.GetOperation(rt.Method) != nil {
			c.success[key] = documentedSuccess(item.GetOperation(rt.Method))
		}
	}
	const adminEmail, adminPassword = "admin@example.com", "a-long-password-1"
	unknown := steward.NewID(time.Now()) // well-formed, but nothing has it
	soon := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)

	// The document is public and is this document.
	served := c.do(specCall{method: "GET", path: "/api/v1/openapi.json", want: 200})
	if want, _ := openapi.JSON(); !bytes.Equal(served.body, want) {
		t.Error("GET /api/v1/openapi.json does not serve the embedded document")
	}

	// Credentials.
	c.do(specCall{method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": adminEmail, "password": "not-the-password"}, want: 401})
	var admin steward.APIToken
	c.do(specCall{method: "POST", path: "/api/v1/auth/token", want: 201,
		body: map[string]any{"email": adminEmail, "password": adminPassword, "token_name": "openapi test", "expires_at": soon}}).decode(t, &admin)
	tok := admin.Secret
	c.do(specCall{method: "GET", path: "/api/v1/me", want: 401})
	c.do(specCall{method: "GET", path: "/api/v1/me", token: "stw_nosuchtoken", want: 401})
	// Public routes ignore stale credentials, so a dead cookie or token never
	// stands between a caller and signing in or out.
	c.do(specCall{method: "POST", path: "/api/v1/auth/logout", token: "stw_nosuchtoken", want: 204})
	var me adminapi.MeResponse
	c.do(specCall{method: "GET", path: "/api/v1/me", token: tok, want: 200}).decode(t, &me)
	c.do(specCall{method: "GET", path: "/api/v1/dashboard", token: tok, want: 200})

	// Accounts.
	var reseller, client, reseller2 steward.Account
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 201,
		body: map[string]any{"name": "Reseller One", "kind": "reseller"}}).decode(t, &reseller)
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 201,
		body: map[string]any{"parent_id": reseller.ID, "name": "Client One", "kind": "client", "notes": "Pays yearly.",
			"support":            map[string]bool{"remote_support": true, "view_devices": false},
			"subscription_start": soon.Add(-48 * time.Hour), "subscription_end": soon.AddDate(1, 0, 0)}}).decode(t, &client)
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 201,
		body: map[string]any{"name": "Reseller Two", "kind": "reseller"}}).decode(t, &reseller2)
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 400, badRequest: true,
		body: map[string]any{"name": "Colourful", "kind": "client", "colour": "red"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 400, badRequest: true, body: `{"name": "Broken"`})
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 400, badRequest: true,
		body: map[string]any{"name": "Second platform", "kind": "platform"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 400, badRequest: true,
		body: `{"name": "Plain"}`, contentType: "text/plain"})
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 413, badRequest: true,
		body: map[string]any{"name": strings.Repeat("x", 1<<20), "kind": "client"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: tok, want: 404,
		body: map[string]any{"parent_id": unknown, "name": "Orphan", "kind": "client"}})

	var page adminapi.List[steward.Account]
	c.do(specCall{method: "GET", path: "/api/v1/accounts", token: tok, want: 200}).decode(t, &page)
	if len(page.Items) != 4 {
		t.Errorf("GET /api/v1/accounts: %d accounts, want 4", len(page.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts?kind=reseller&limit=1", token: tok, want: 200}).decode(t, &page)
	if page.Next == "" {
		t.Error("GET /api/v1/accounts?kind=reseller&limit=1: no next cursor")
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts?kind=reseller&limit=1&after=" + page.Next, token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts?root=" + reseller.ID + "&status=active&q=one&include_deleted=false", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts?parent=" + unknown, token: tok, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/accounts?limit=-1", token: tok, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/accounts?include_deleted=maybe", token: tok, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client.ID, token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + unknown, token: tok, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/accounts/" + client.ID, token: tok, want: 200,
		body: map[string]any{"name": "Client One Ltd", "support": map[string]bool{"remote_support": true, "view_devices": true}}})
	c.do(specCall{method: "PATCH", path: "/api/v1/accounts/" + client.ID, token: tok, want: 400, badRequest: true,
		body: map[string]any{"name": 42}})
	c.do(specCall{method: "PATCH", path: "/api/v1/accounts/" + me.Account.ID, token: tok, want: 403,
		body: map[string]any{"subscription_end": soon}})

	// Credits.
	c.do(specCall{method: "POST", path: "/api/v1/credits/grants", token: tok, want: 201,
		body: map[string]any{"account_id": reseller.ID, "amount": 1000, "reason": "Opening balance"}})
	c.do(specCall{method: "POST", path: "/api/v1/credits/grants", token: tok, want: 400, badRequest: true,
		body: map[string]any{"account_id": reseller.ID, "amount": 0, "reason": "Nothing"}})
	c.do(specCall{method: "POST", path: "/api/v1/credits/transfers", token: tok, want: 201,
		body: map[string]any{"from_id": reseller.ID, "to_id": client.ID, "amount": 100, "reason": "Ten devices"}})
	c.do(specCall{method: "POST", path: "/api/v1/credits/transfers", token: tok, want: 409,
		body: map[string]any{"from_id": reseller.ID, "to_id": client.ID, "amount": 5000, "reason": "Too many"}})
	c.do(specCall{method: "POST", path: "/api/v1/credits/transfers", token: tok, want: 400,
		body: map[string]any{"from_id": client.ID, "to_id": reseller.ID, "amount": 1, "reason": "Upwards"}})
	var credits adminapi.CreditsResponse
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client.ID + "/credits?limit=1", token: tok, want: 200}).decode(t, &credits)
	if credits.Balance != 100 || credits.Next == "" {
		t.Errorf("credits of the client: balance %d and next %q, want 100 and a cursor", credits.Balance, credits.Next)
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client.ID + "/credits?before=" + credits.Next, token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + unknown + "/credits", token: tok, want: 404})

	// Managers: one created with a password, one invited.
	const ritaEmail, ritaPassword = "rita@reseller.example", "another-long-pass-2"
	var rita, ivan steward.Manager
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + reseller.ID + "/managers", token: tok, want: 201,
		body: map[string]any{"email": ritaEmail, "name": "Rita", "role": "owner", "password": ritaPassword}}).decode(t, &rita)
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + client.ID + "/managers", token: tok, want: 201,
		body: map[string]any{"email": "ivan@client.example", "name": "Ivan", "role": "read_only", "invite": true}}).decode(t, &ivan)
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + reseller.ID + "/managers", token: tok, want: 409,
		body: map[string]any{"email": ritaEmail, "name": "Rita again", "password": ritaPassword}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + reseller.ID + "/managers", token: tok, want: 400, badRequest: true,
		body: map[string]any{"email": "short@reseller.example", "name": "Short", "password": "short"}})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller.ID + "/managers", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/managers/" + rita.ID, token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/managers/" + unknown, token: tok, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/managers/" + rita.ID, token: tok, want: 200, body: map[string]any{"name": "Rita R."}})
	c.do(specCall{method: "PATCH", path: "/api/v1/managers/" + rita.ID, token: tok, want: 400, badRequest: true, body: map[string]any{"role": "god"}})

	// Rita signs in to the console and must change her password first.
	var login adminapi.LoginResponse
	a := c.do(specCall{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"email": ritaEmail, "password": ritaPassword}, want: 200})
	a.decode(t, &login)
	var cookie string
	for _, ck := range (&http.Response{Header: a.header}).Cookies() {
		if ck.Name == "steward_session" {
			cookie = ck.Value
		}
	}
	if cookie == "" || !login.MustChangePassword {
		t.Fatalf("login: cookie %q, must_change_password %v; want a cookie and true", cookie, login.MustChangePassword)
	}
	c.do(specCall{method: "GET", path: "/api/v1/me", cookie: cookie, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/dashboard", cookie: cookie, want: 403})
	newPassword := map[string]any{"current_password": ritaPassword, "new_password": "a-third-long-pass-3"}
	c.do(specCall{method: "POST", path: "/api/v1/me/password", cookie: cookie, body: newPassword, want: 403})
	c.do(specCall{method: "POST", path: "/api/v1/me/password", cookie: cookie, csrf: login.CSRFToken, want: 400,
		body: map[string]any{"current_password": "wrong-current-pass", "new_password": "a-third-long-pass-3"}})
	c.do(specCall{method: "POST", path: "/api/v1/me/password", cookie: cookie, csrf: login.CSRFToken, body: newPassword, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/dashboard", cookie: cookie, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/security-events", cookie: cookie, want: 403})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + me.Account.ID, cookie: cookie, want: 404})
	c.do(specCall{method: "POST", path: "/api/v1/auth/logout", cookie: cookie, want: 403})
	c.do(specCall{method: "POST", path: "/api/v1/auth/logout", cookie: cookie, csrf: login.CSRFToken, want: 204})
	c.do(specCall{method: "GET", path: "/api/v1/me", cookie: cookie, want: 401})
	c.do(specCall{method: "POST", path: "/api/v1/auth/logout", want: 204})

	// Ivan accepts his invitation; his read-only token cannot write.
	const ivanPassword = "an-invited-pass-4"
	invite := linkToken(t, s, "ivan@client.example", "invite")
	c.do(specCall{method: "POST", path: "/api/v1/auth/invitation/accept", body: map[string]any{"token": invite, "password": ivanPassword}, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/auth/invitation/accept", body: map[string]any{"token": invite, "password": ivanPassword}, want: 404})
	var ivanToken steward.APIToken
	c.do(specCall{method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": "ivan@client.example", "password": ivanPassword}, want: 201}).decode(t, &ivanToken)
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client.ID, token: ivanToken.Secret, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller.ID, token: ivanToken.Secret, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/accounts/" + client.ID, token: ivanToken.Secret, want: 403, body: map[string]any{"notes": "Mine now."}})
	// A read-only token may not mint tokens at all.
	c.do(specCall{method: "POST", path: "/api/v1/tokens", token: ivanToken.Secret, want: 403, body: map[string]any{"name": "escalate", "role": "owner"}})

	// Rita forgets her password.
	c.do(specCall{method: "POST", path: "/api/v1/auth/password-reset", body: map[string]any{"email": ritaEmail}, want: 202})
	c.do(specCall{method: "POST", path: "/api/v1/auth/password-reset", body: map[string]any{"email": "nobody@example.com"}, want: 202})
	reset := linkToken(t, s, ritaEmail, "reset")
	c.do(specCall{method: "POST", path: "/api/v1/auth/password-reset/confirm", body: map[string]any{"token": reset, "password": "short"}, want: 400, badRequest: true})
	c.do(specCall{method: "POST", path: "/api/v1/auth/password-reset/confirm", body: map[string]any{"token": reset, "password": "a-fourth-long-pass-5"}, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/auth/password-reset/confirm", body: map[string]any{"token": "nosuchlink", "password": "a-fourth-long-pass-5"}, want: 404})

	// Tokens.
	var ci steward.APIToken
	c.do(specCall{method: "POST", path: "/api/v1/tokens", token: tok, want: 201,
		body: map[string]any{"name": "ci", "role": "read_only", "expires_at": soon}}).decode(t, &ci)
	c.do(specCall{method: "POST", path: "/api/v1/tokens", token: tok, want: 400, body: map[string]any{"name": "stale", "expires_at": soon.AddDate(-1, 0, 0)}})
	c.do(specCall{method: "GET", path: "/api/v1/me", token: ci.Secret, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/tokens", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/tokens?manager_id=" + ivan.ID, token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/tokens?manager_id=" + unknown, token: tok, want: 404})
	c.do(specCall{method: "DELETE", path: "/api/v1/tokens/" + ci.ID, token: tok, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/tokens/" + unknown, token: tok, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/me", token: ci.Secret, want: 401})

	// Devices, commands and activation codes, with Rita, an owner of the
	// reseller, and Ivan, read-only in its client.
	var ritaToken steward.APIToken
	c.do(specCall{method: "POST", path: "/api/v1/auth/token", body: map[string]any{"email": ritaEmail, "password": "a-fourth-long-pass-5"},
		want: 201}).decode(t, &ritaToken)
	exerciseFleet(c, fleetActors{admin: tok, rita: ritaToken.Secret, ivan: ivanToken.Secret,
		platform: me.Account.ID, reseller: reseller.ID, client: client.ID})
	exerciseApps(c, s, ritaToken.Secret, ivanToken.Secret, reseller.ID, client.ID, unknown)
	exerciseCompliance(c, ritaToken.Secret, ivanToken.Secret, reseller.ID, client.ID, unknown)
	exercisePolicies(c, ritaToken.Secret, ivanToken.Secret, reseller.ID, client.ID, unknown)
	exerciseContactsAndFiles(c, ritaToken.Secret, ivanToken.Secret, reseller.ID, client.ID, unknown)

	// Status and moves.
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + client.ID + "/status", token: tok, want: 200,
		body: map[string]any{"status": "suspended", "reason": "Unpaid invoice"}})
	c.do(specCall{method: "GET", path: "/api/v1/me", token: ivanToken.Secret, want: 401})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + client.ID + "/status", token: tok, want: 200, body: map[string]any{"status": "active"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + me.Account.ID + "/status", token: tok, want: 403, body: map[string]any{"status": "suspended"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + client.ID + "/status", token: tok, want: 400, badRequest: true, body: map[string]any{"status": "asleep"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + client.ID + "/move", token: tok, want: 200, body: map[string]any{"parent_id": reseller2.ID}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + reseller2.ID + "/move", token: tok, want: 400, body: map[string]any{"parent_id": client.ID}})

	// Audit and security events.
	var audit adminapi.List[steward.AuditEntry]
	c.do(specCall{method: "GET", path: "/api/v1/audit?action=account.&limit=2", token: tok, want: 200}).decode(t, &audit)
	if len(audit.Items) != 2 || audit.Next == "" {
		t.Errorf("GET /api/v1/audit?action=account.&limit=2: %d entries and next %q, want 2 and a cursor", len(audit.Items), audit.Next)
	}
	c.do(specCall{method: "GET", path: "/api/v1/audit?before=" + audit.Next, token: tok, want: 200})
	since := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	until := url.QueryEscape(soon.Format(time.RFC3339))
	c.do(specCall{method: "GET", path: "/api/v1/audit?account_id=" + client.ID + "&only_direct=true&since=" + since + "&until=" + until +
		"&actor_id=" + me.Manager.ID + "&target_id=" + client.ID, token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/audit?since=yesterday", token: tok, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/audit?account_id=" + unknown, token: tok, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client.ID + "/audit/verify", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + unknown + "/audit/verify", token: tok, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/security-events", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/catalog", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/records", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/records", want: 401})
	c.do(specCall{method: "GET", path: "/api/v1/security-events?kind=login.failed&email=" + url.QueryEscape(adminEmail) + "&ip=127.0.0.1&limit=1", token: tok, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/security-events?limit=many", token: tok, want: 400, badRequest: true})

	// Deletions.
	c.do(specCall{method: "DELETE", path: "/api/v1/managers/" + me.Manager.ID, token: tok, want: 403})
	c.do(specCall{method: "DELETE", path: "/api/v1/managers/" + ivan.ID, token: tok, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/managers/" + rita.ID, token: tok, want: 409})
	c.do(specCall{method: "DELETE", path: "/api/v1/accounts/" + me.Account.ID, token: tok, want: 403})
	var deleted steward.Account
	c.do(specCall{method: "DELETE", path: "/api/v1/accounts/" + reseller2.ID, token: tok, want: 200}).decode(t, &deleted)
	if deleted.DeletedAt == nil {
		t.Error("DELETE /api/v1/accounts/{account}: deleted_at is not set")
	}
	c.do(specCall{method: "DELETE", path: "/api/v1/accounts/" + reseller2.ID, token: tok, want: 409})
	c.do(specCall{method: "POST", path: "/api/v1/credits/grants", token: tok, want: 409,
		body: map[string]any{"account_id": reseller2.ID, "amount": 10, "reason": "Too late"}})
	c.do(specCall{method: "GET", path: "/api/v1/accounts?include_deleted=true", token: tok, want: 200})
	exerciseRetention(c, tok, ritaToken.Secret, client.ID, reseller2.ID, unknown)

	// Five wrong passwords lock a login.
	for range 5 {
		c.do(specCall{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"email": ritaEmail, "password": "guess-guess-guess"}, want: 401})
	}
	locked := c.do(specCall{method: "POST", path: "/api/v1/auth/login", body: map[string]any{"email": ritaEmail, "password": "guess-guess-guess"}, want: 429})
	if locked.header.Get("Retry-After") == "" {
		t.Error("a 429 has no Retry-After header")
	}

	var missed []string
	for key := range c.success {
		if !c.seen[key] {
			missed = append(missed, fmt.Sprintf("%s (%d)", key, c.success[key]))
		}
	}
	if len(missed) > 0 {
		slices.Sort(missed)
		t.Errorf("routes never answered with their success status here; add a case for each:\n\t%s", strings.Join(missed, "\n\t"))
	}
}

// device sends a request to the device API, which the document does not
// describe, with a device credential, and decodes the answer into out
// unless it is nil. The sequence cannot go on without the right answer.
func (c *specClient) device(method, path, credential string, body any, want int, out any) {
	t := c.t
	t.Helper()
	var r io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the response: %v", method, path, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, got, err)
		}
	}
}

// fleetActors are the API tokens and accounts the device part of the
// sequence works with: rita owns reseller, above client; ivan is read-only
// in client.
type fleetActors struct {
	admin, rita, ivan          string
	platform, reseller, client string
}

// exerciseFleet is the device part of the sequence: activation codes, three
// devices that enroll and check in through the device protocol, then every
// route of devices and commands.
func exerciseFleet(c *specClient, who fleetActors) {
	t := c.t
	t.Helper()
	unknown := steward.NewID(time.Now())
	soon := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	balance := func(account string) int64 {
		var cr adminapi.CreditsResponse
		c.do(specCall{method: "GET", path: "/api/v1/accounts/" + account + "/credits", token: who.admin, want: 200}).decode(t, &cr)
		return cr.Balance
	}

	// Rita issues a code for her client; a platform administrator issues
	// one for a client of the platform's own.
	var code, free steward.ActivationCode
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.rita, want: 201,
		body: map[string]any{"account_id": who.client, "seats": 5, "valid_days": 30, "note": "Warehouse"}}).decode(t, &code)
	if code.Code == "" || code.AccountID != who.client || code.BillingAccountID != who.reseller {
		t.Errorf("POST /api/v1/activation-codes: code %q for %s billed to %s; want a code for the client billed to the reseller",
			code.Code, code.AccountID, code.BillingAccountID)
	}
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.rita, want: 400,
		body: map[string]any{"account_id": who.reseller, "seats": 5}})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.rita, want: 400,
		body: map[string]any{"account_id": who.client, "seats": 1, "expires_at": soon.AddDate(-1, 0, 0)}})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"account_id": who.client, "seats": 0}})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"account_id": who.client, "seats": 1, "valid_days": 731}})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.ivan, want: 403,
		body: map[string]any{"account_id": who.client, "seats": 1}})
	var direct steward.Account
	c.do(specCall{method: "POST", path: "/api/v1/accounts", token: who.admin, want: 201,
		body: map[string]any{"name": "Direct Client", "kind": "client"}}).decode(t, &direct)
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.admin, want: 201,
		body: map[string]any{"account_id": direct.ID, "seats": 1, "expires_at": soon}}).decode(t, &free)
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: who.rita, want: 404,
		body: map[string]any{"account_id": direct.ID, "seats": 1}})

	// Three devices enroll: two with Rita's code, each spending a credit of
	// the reseller, and a kiosk with the platform's code, for free.
	enroll := func(code, ownership, hardware, name string, want int) protocol.EnrollResponse {
		var r protocol.EnrollResponse
		c.device("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: protocol.Version, ActivationCode: code,
			Ownership: ownership, Platform: protocol.PlatformAndroid, Name: name, AgentVersion: "1.0.0",
			Hardware: protocol.Hardware{ID: hardware, Manufacturer: "Fairphone", Model: "FP5", Serial: "SN-" + hardware}}, want, &r)
		return r
	}
	resellerBalance, platformBalance := balance(who.reseller), balance(who.platform)
	phone := enroll(code.Code, protocol.OwnershipCompany, "hw-phone-1", "Warehouse phone", 201)
	tablet := enroll(strings.ToLower(strings.ReplaceAll(code.Code, "-", " ")), protocol.OwnershipPersonal, "hw-tablet-1", "Warehouse tablet", 201)
	kiosk := enroll(free.Code, protocol.OwnershipCompany, "hw-kiosk-1", "Lobby kiosk", 201)
	if got := balance(who.reseller); got != resellerBalance-2 {
		t.Errorf("the reseller's balance is %d after two activations, want %d", got, resellerBalance-2)
	}
	if got := balance(who.platform); got != platformBalance {
		t.Errorf("the platform's balance went from %d to %d; its codes are free", platformBalance, got)
	}

	// They check in with their inventory and a full app list. The tablet is
	// personal: its SIM and its personal app are refused, and it does not
	// know its battery.
	yes, uptime := true, int64(86400)
	var checkIn protocol.CheckInResponse
	c.device("POST", protocol.PathCheckIn, phone.Credential, protocol.CheckInRequest{Protocol: protocol.Version,
		Inventory: &protocol.Inventory{Manufacturer: "Fairphone", Model: "FP5", Serial: "SN-hw-phone-1", IP: "192.0.2.10",
			SIM:       &protocol.SIM{ICCID: "8944110068256270054", IMEI: "356938035643809", PhoneNumber: "+447700900123"},
			OSVersion: "14", PatchLevel: "2026-01-05", Battery: &protocol.Battery{Level: 81, Charging: true, Health: "good"},
			GPSEnabled: &yes, AgentVersion: "1.0.0", AgentState: "running", UptimeSeconds: &uptime},
		Apps: &protocol.AppReport{Full: []protocol.App{
			{Package: "com.example.timesheet", Name: "Timesheet", VersionName: "3.1", VersionCode: 301},
			{Package: "com.android.chrome", Name: "Chrome", VersionName: "131.0", VersionCode: 6312, System: true},
			{Package: "org.example.scanner", Name: "Scanner", VersionCode: 7},
		}}}, 200, &checkIn)
	c.device("POST", protocol.PathCheckIn, tablet.Credential, protocol.CheckInRequest{Protocol: protocol.Version,
		Inventory: &protocol.Inventory{Manufacturer: "Fairphone", Model: "FP5", OSVersion: "13",
			SIM: &protocol.SIM{ICCID: "8944110068256270055"}},
		Apps: &protocol.AppReport{Full: []protocol.App{
			{Package: "com.example.timesheet", Name: "Timesheet", VersionCode: 301, WorkProfile: true},
			{Package: "com.example.diary", Name: "My diary", VersionCode: 2},
		}}}, 200, &checkIn)
	if want := []string{protocol.RefusedICCID, protocol.RefusedPersonalApps}; !slices.Equal(checkIn.Refused, want) {
		t.Errorf("the personal tablet's check-in refused %q, want %q", checkIn.Refused, want)
	}

	// Devices: Rita sees the two of her client, not the kiosk.
	var devices adminapi.List[steward.Device]
	c.do(specCall{method: "GET", path: "/api/v1/devices", token: who.rita, want: 200}).decode(t, &devices)
	if len(devices.Items) != 2 {
		t.Errorf("GET /api/v1/devices: %d devices, want 2", len(devices.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices?limit=1", token: who.rita, want: 200}).decode(t, &devices)
	if devices.Next == "" {
		t.Error("GET /api/v1/devices?limit=1: no next cursor")
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices?limit=1&after=" + devices.Next, token: who.rita, want: 200}).decode(t, &devices)
	if len(devices.Items) != 1 || devices.Items[0].ID != tablet.DeviceID {
		t.Errorf("GET /api/v1/devices?after=…: %d devices, want the tablet", len(devices.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices?account_id=" + who.client + "&q=TABLET&ownership=personal&os_version=13&online=true",
		token: who.rita, want: 200}).decode(t, &devices)
	if len(devices.Items) != 1 || devices.Items[0].ID != tablet.DeviceID {
		t.Errorf("GET /api/v1/devices with every filter: %d devices, want the tablet", len(devices.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices?ownership=leased", token: who.rita, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/devices?online=maybe", token: who.rita, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/devices?account_id=" + direct.ID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/devices", token: who.ivan, want: 200})

	var d steward.Device
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID, token: who.rita, want: 200}).decode(t, &d)
	if inv := d.Inventory; inv.BatteryLevel == nil || *inv.BatteryLevel != 81 || inv.IMEI == "" || d.AppCount != 3 || !d.Online || d.SupportID != phone.SupportID {
		t.Errorf("GET /api/v1/devices/{phone}: battery %v, IMEI %q, %d apps, online %v; want 81, an IMEI, 3 apps, online",
			inv.BatteryLevel, inv.IMEI, d.AppCount, d.Online)
	}
	d = steward.Device{} // absent fields must stay absent
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + tablet.DeviceID, token: who.ivan, want: 200}).decode(t, &d)
	if inv := d.Inventory; inv.BatteryLevel != nil || inv.ICCID != "" || d.Refusals != 2 || d.AppCount != 1 {
		t.Errorf("GET /api/v1/devices/{tablet}: battery %v, ICCID %q, %d refusals, %d apps; want none, none, 2, 1",
			inv.BatteryLevel, inv.ICCID, d.Refusals, d.AppCount)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + kiosk.DeviceID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + kiosk.DeviceID, token: who.admin, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + unknown, token: who.admin, want: 404})

	var apps adminapi.List[steward.App]
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + tablet.DeviceID + "/apps", token: who.rita, want: 200}).decode(t, &apps)
	if len(apps.Items) != 1 || !apps.Items[0].WorkProfile {
		t.Errorf("GET /api/v1/devices/{tablet}/apps: %+v, want the work-profile app alone", apps.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/apps", token: who.ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + kiosk.DeviceID + "/apps", token: who.rita, want: 404})

	var history adminapi.List[steward.DeviceEvent]
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/history?limit=1", token: who.rita, want: 200}).decode(t, &history)
	if len(history.Items) != 1 || history.Next == "" {
		t.Errorf("GET /api/v1/devices/{phone}/history?limit=1: %d events and next %q, want 1 and a cursor", len(history.Items), history.Next)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/history?before=" + history.Next, token: who.rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/history?limit=lots", token: who.rita, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + kiosk.DeviceID + "/history", token: who.rita, want: 404})

	exercisePrivacy(c, who, phone, tablet)
	exerciseDirectory(c, who, phone.DeviceID, tablet.DeviceID, kiosk.DeviceID)
	exerciseUsers(c, who, phone, tablet, kiosk)

	// Commands: one device, a bulk by filter, a confirmed wipe; and the
	// refusals.
	var sent adminapi.List[steward.Command]
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 201,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "type": "send_message", "ttl_seconds": 3600,
			"payload": map[string]any{"title": "Stock take", "body": "Please scan aisle 4 today."}}}).decode(t, &sent)
	if len(sent.Items) != 1 || sent.Items[0].Status != steward.CommandQueued || sent.Items[0].BulkID != "" {
		t.Fatalf("POST /api/v1/commands to one device: %+v, want one queued command without a bulk ID", sent.Items)
	}
	message := sent.Items[0]
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 201,
		body: map[string]any{"filter": map[string]any{"query": "warehouse"}, "type": "lock",
			"payload": map[string]any{"message": "Bring this device back to IT."}}}).decode(t, &sent)
	if len(sent.Items) != 2 || sent.Items[0].BulkID == "" || sent.Items[0].BulkID != sent.Items[1].BulkID {
		t.Fatalf("POST /api/v1/commands by filter: %+v, want two commands with one bulk ID", sent.Items)
	}
	bulk := sent.Items[0].BulkID
	lock := sent.Items[slices.IndexFunc(sent.Items, func(c steward.Command) bool { return c.DeviceID == phone.DeviceID })]
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 201,
		body: map[string]any{"filter": map[string]any{"ownership": "personal"}, "type": "wipe", "confirm": true}}).decode(t, &sent)
	wipe := sent.Items[0]
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "type": "wipe"}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "type": "teleport"}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "type": "install_app", "payload": map[string]any{"url": "https://example.com/a.apk"}}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "type": "reboot", "ttl_seconds": 100 * 24 * 3600}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 400, badRequest: true,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "filter": map[string]any{}, "type": "sync"}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 400,
		body: map[string]any{"filter": map[string]any{"query": "no such device"}, "type": "sync"}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.rita, want: 404,
		body: map[string]any{"device_ids": []string{phone.DeviceID, kiosk.DeviceID}, "type": "sync"}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.ivan, want: 403,
		body: map[string]any{"device_ids": []string{phone.DeviceID}, "type": "sync"}})
	// A null payload is no payload: the document refuses it, the server
	// treats it as absent and never answers with a null payload.
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.admin, want: 201, badRequest: true,
		body: map[string]any{"device_ids": []string{kiosk.DeviceID}, "type": "sync", "payload": nil}})
	c.do(specCall{method: "POST", path: "/api/v1/commands", token: who.admin, want: 201,
		body: map[string]any{"device_ids": []string{kiosk.DeviceID}, "type": "install_app", "payload": map[string]any{
			"package": "com.example.kiosk", "version_code": 12, "url": "https://mdm.example.com/apps/kiosk.apk",
			"sha256": "9f2b5c1e8d7a6f4e3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a"}}}).decode(t, &sent)
	kioskCommand := sent.Items[0]

	// The phone fetches its commands and acknowledges the message: from
	// then on it can no longer be cancelled. Its lock can, until the phone
	// acknowledges it too, and then the phone is told not to act on it.
	var pending protocol.CommandsResponse
	c.device("GET", protocol.PathCommands, phone.Credential, nil, 200, &pending)
	if len(pending.Commands) != 2 {
		t.Errorf("GET %s: %d commands, want the message and the lock", protocol.PathCommands, len(pending.Commands))
	}
	ack := func(id string) string { return strings.Replace(protocol.PathCommandAck, "{id}", id, 1) }
	c.device("POST", ack(message.ID), phone.Credential, nil, 204, nil)
	var cmd steward.Command
	c.do(specCall{method: "POST", path: "/api/v1/commands/" + message.ID + "/cancel", token: who.rita, want: 409})
	c.do(specCall{method: "POST", path: "/api/v1/commands/" + lock.ID + "/cancel", token: who.ivan, want: 403})
	c.do(specCall{method: "POST", path: "/api/v1/commands/" + lock.ID + "/cancel", token: who.rita, want: 200}).decode(t, &cmd)
	if cmd.Status != steward.CommandCancelled {
		t.Errorf("POST /api/v1/commands/{lock}/cancel: status %s, want cancelled", cmd.Status)
	}
	c.device("POST", ack(lock.ID), phone.Credential, nil, 409, nil)
	c.do(specCall{method: "POST", path: "/api/v1/commands/" + wipe.ID + "/cancel", token: who.rita, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/commands/" + kioskCommand.ID + "/cancel", token: who.rita, want: 404})
	c.device("POST", strings.Replace(protocol.PathCommandResult, "{id}", message.ID, 1), phone.Credential,
		protocol.CommandResult{Status: protocol.ResultSucceeded, Output: "Shown to the user."}, 204, nil)

	c.do(specCall{method: "GET", path: "/api/v1/commands/" + message.ID, token: who.ivan, want: 200}).decode(t, &cmd)
	if cmd.Status != steward.CommandSucceeded || cmd.AckedAt == nil || cmd.FinishedAt == nil {
		t.Errorf("GET /api/v1/commands/{message}: status %s, acked %v, finished %v; want succeeded with both times", cmd.Status, cmd.AckedAt, cmd.FinishedAt)
	}
	c.do(specCall{method: "GET", path: "/api/v1/commands/" + kioskCommand.ID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/commands/" + kioskCommand.ID, token: who.admin, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/commands/" + unknown, token: who.admin, want: 404})

	var commands adminapi.List[steward.Command]
	c.do(specCall{method: "GET", path: "/api/v1/commands", token: who.rita, want: 200}).decode(t, &commands)
	if len(commands.Items) != 4 {
		t.Errorf("GET /api/v1/commands: %d commands, want the 4 of Rita's devices", len(commands.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/commands?device_id=" + phone.DeviceID + "&status=succeeded", token: who.rita, want: 200}).decode(t, &commands)
	if len(commands.Items) != 1 || commands.Items[0].ID != message.ID {
		t.Errorf("GET /api/v1/commands?device_id=…&status=succeeded: %d commands, want the message", len(commands.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/commands?account_id=" + who.client + "&bulk_id=" + bulk, token: who.rita, want: 200}).decode(t, &commands)
	if len(commands.Items) != 2 {
		t.Errorf("GET /api/v1/commands?bulk_id=…: %d commands, want 2", len(commands.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/commands?limit=1", token: who.rita, want: 200}).decode(t, &commands)
	if commands.Next == "" {
		t.Error("GET /api/v1/commands?limit=1: no next cursor")
	}
	c.do(specCall{method: "GET", path: "/api/v1/commands?before=" + commands.Next, token: who.rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/commands?device_id=" + kiosk.DeviceID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/commands?account_id=" + direct.ID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/commands?limit=-1", token: who.rita, want: 400, badRequest: true})

	// Activation codes: listed without their secrets, then revoked.
	var codes adminapi.List[steward.ActivationCode]
	c.do(specCall{method: "GET", path: "/api/v1/activation-codes", token: who.rita, want: 200}).decode(t, &codes)
	if len(codes.Items) != 1 || codes.Items[0].Code != "" || codes.Items[0].Used != 2 {
		t.Errorf("GET /api/v1/activation-codes: %+v, want Rita's code alone, used twice, without its secret", codes.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/activation-codes", token: who.admin, want: 200}).decode(t, &codes)
	if len(codes.Items) != 2 {
		t.Errorf("GET /api/v1/activation-codes as a platform administrator: %d codes, want 2", len(codes.Items))
	}
	c.do(specCall{method: "GET", path: "/api/v1/activation-codes?account_id=" + who.client + "&limit=5", token: who.ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/activation-codes?account_id=" + direct.ID, token: who.rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/activation-codes?limit=-1", token: who.rita, want: 400, badRequest: true})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes/" + code.ID + "/revoke", token: who.ivan, want: 403})
	var revoked steward.ActivationCode
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes/" + code.ID + "/revoke", token: who.rita, want: 200}).decode(t, &revoked)
	if revoked.RevokedAt == nil {
		t.Error("POST /api/v1/activation-codes/{code}/revoke: revoked_at is not set")
	}
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes/" + code.ID + "/revoke", token: who.rita, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes/" + free.ID + "/revoke", token: who.rita, want: 404})
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes/" + unknown + "/revoke", token: who.admin, want: 404})
	enroll(code.Code, protocol.OwnershipCompany, "hw-phone-2", "Another phone", 409)

	// The tablet is lost: its credential stops working at once.
	c.do(specCall{method: "POST", path: "/api/v1/devices/" + tablet.DeviceID + "/credential/revoke", token: who.ivan, want: 403})
	c.do(specCall{method: "POST", path: "/api/v1/devices/" + kiosk.DeviceID + "/credential/revoke", token: who.rita, want: 404})
	c.do(specCall{method: "POST", path: "/api/v1/devices/" + tablet.DeviceID + "/credential/revoke", token: who.rita, want: 204})
	c.device("POST", protocol.PathCheckIn, tablet.Credential, protocol.CheckInRequest{Protocol: protocol.Version}, 401, nil)
	c.device("POST", protocol.PathCheckIn, phone.Credential, protocol.CheckInRequest{Protocol: protocol.Version}, 200, nil)
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + tablet.DeviceID + "/history?limit=1", token: who.rita, want: 200}).decode(t, &history)
	if len(history.Items) != 1 || history.Items[0].Kind != "credential" {
		t.Errorf("the tablet's latest event is %+v, want the credential revocation", history.Items)
	}
}
