package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

var dataQR = regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`)

func TestActivationCodeShownOnce(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	if _, err := e.svc.GrantCredits(e.admin, steward.CreditGrant{AccountID: f.north.ID, Amount: 5, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	token := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)

	p := c.post("/console/codes", url.Values{"csrf_token": {token}, "account_id": {f.northClient.ID}, "seats": {"0"}, "valid_days": {"30"}})
	want(t, "no seats", p, http.StatusBadRequest, `id="create-code-seats-error"`)
	p = c.post("/console/codes", url.Values{"csrf_token": {token}, "account_id": {f.north.ID}, "seats": {"5"}, "valid_days": {"30"}})
	want(t, "a reseller account", p, http.StatusBadRequest, "Devices enroll into client accounts")
	p = c.post("/console/codes", url.Values{"csrf_token": {token}, "account_id": {f.northClient.ID}, "seats": {"25"}, "valid_days": {"90"}, "note": {"warehouse"}})
	want(t, "create", p, http.StatusCreated, "shown only this once", "25 seats")
	codes, err := e.svc.ActivationCodes(e.admin, f.northClient.ID, 10)
	if err != nil || len(codes) != 2 {
		t.Fatalf("%d codes, %v", len(codes), err)
	}
	m := regexp.MustCompile(`id="code-value">([A-Z0-9-]+)<`).FindStringSubmatch(p.body)
	if m == nil || !strings.HasPrefix(m[1], codes[0].Prefix+"-") || len(m[1]) != 14 {
		t.Fatalf("the page does not show the new code in full (%v; prefix %s)", m, codes[0].Prefix)
	}
	code := m[1]
	if !strings.Contains(p.header.Get("Cache-Control"), "no-store") {
		t.Error("the page with the code may be cached")
	}
	q := dataQR.FindStringSubmatch(p.body)
	if q == nil {
		t.Fatal("no QR image")
	}
	img, err := base64.StdEncoding.DecodeString(html.UnescapeString(q[1]))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("the QR code is not a PNG: %v", err)
	}
	if b := decoded.Bounds(); b.Dx() < 200 || b.Dx() != b.Dy() {
		t.Errorf("the QR image is %v", b)
	}
	// The QR holds the documented URL with the server's configured public
	// address (here the default, http://127.0.0.1:8080), not the address the
	// request happened to arrive on: the same payload encodes to the same image.
	payload := "steward://enroll?" + url.Values{"server": {"http://127.0.0.1:8080"}, "code": {code}}.Encode()
	if !strings.Contains(p.body, strings.ReplaceAll(payload, "&", "&amp;")) {
		t.Errorf("the help does not show the payload %s", payload)
	}
	if again, _ := qrcode.Encode(payload, qrcode.Medium, 320); !bytes.Equal(again, img) {
		t.Error("the QR image does not encode the enrollment URL")
	}
	// The code works, and spends a credit of the reseller.
	e.enroll(code, "company", "New one", "N1")
	if bal, _ := e.svc.Balance(e.admin, f.north.ID); bal != 4 {
		t.Errorf("balance %d after one activation, want 4", bal)
	}

	list := c.get("/console/codes?account=" + f.northClient.ID)
	want(t, "codes list", list, 200, codes[0].Prefix+"-…", "1 / 25", "warehouse", "nora@northwind.example", "2 / 10")
	if strings.Contains(list.body, code) || strings.Contains(list.body, "data:image/png") {
		t.Error("the code is shown again")
	}
	p = c.post("/console/codes/"+codes[0].ID+"/revoke", url.Values{"csrf_token": {token}, "account_id": {f.northClient.ID}})
	want(t, "revoke", p, 200, "is revoked", "badge-blocked")
	if _, _, err := e.svc.Enroll(context.Background(), &protocol.EnrollRequest{Protocol: 1, ActivationCode: code, Ownership: "company",
		Platform: "android", Hardware: protocol.Hardware{ID: "hw-x"}}, ""); steward.ErrorCode(err) != steward.ECONFLICT {
		t.Errorf("a revoked code enrolls: %v", err)
	}
	// The account page leads to its codes and devices.
	want(t, "account page", c.get("/console/accounts/"+f.northClient.ID), 200,
		`href="/console/codes?account=`+f.northClient.ID+`"`, `href="/console/devices?account=`+f.northClient.ID+`"`)
}
