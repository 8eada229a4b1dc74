package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

// TestPoliciesKeepTheWiFiPasswordSecret: a Wi-Fi password and an EAP
// client key set through the admin API appear in no admin API response
// and nowhere in the SQLite database's files (main file and journal);
// only the device the policy targets receives them, from its own fetch.
func TestPoliciesKeepTheWiFiPasswordSecret(t *testing.T) {
	const wifiPassword = "Plaintext-WiFi-Passphrase-7731"
	dir := t.TempDir()
	s, err := server.New(context.Background(), server.Config{DataDir: dir, AdminEmail: "admin@example.com",
		AdminPassword: "a-long-password-1", Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1},
		Logger: slog.New(slog.DiscardHandler), NoJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(hs.Close)

	var responses bytes.Buffer
	call := func(method, path, token string, body any, want int) []byte {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, hs.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		got, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, got)
		}
		if strings.HasPrefix(path, "/api/") {
			responses.Write(got)
		}
		return got
	}
	var tok steward.APIToken
	json.Unmarshal(call("POST", "/api/v1/auth/token", "", map[string]any{"email": "admin@example.com", "password": "a-long-password-1"}, 201), &tok)
	var client steward.Account
	json.Unmarshal(call("POST", "/api/v1/accounts", tok.Secret, map[string]any{"name": "Client", "kind": "client"}, 201), &client)
	var code steward.ActivationCode
	json.Unmarshal(call("POST", "/api/v1/activation-codes", tok.Secret, map[string]any{"account_id": client.ID, "seats": 2}, 201), &code)
	enroll := func(hw string) protocol.EnrollResponse {
		var r protocol.EnrollResponse
		json.Unmarshal(call("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: 1, ActivationCode: code.Code,
			Ownership: "company", Platform: "android", Hardware: protocol.Hardware{ID: hw}}, 201), &r)
		return r
	}
	targeted, other := enroll("hw-1"), enroll("hw-2")

	var p service.PolicyDetail
	json.Unmarshal(call("POST", "/api/v1/accounts/"+client.ID+"/policies", tok.Secret, map[string]any{"name": "Office",
		"settings": map[string]any{"wifi": []any{map[string]any{"ssid": "Office", "security": "wpa2_personal", "password": wifiPassword}}},
		"targets":  []any{map[string]any{"kind": "device", "id": targeted.DeviceID}}}, 201), &p)
	if !p.Settings.WiFi[0].PasswordSet {
		t.Fatal("the password is not flagged as set")
	}
	// An edit that leaves the password out, one that sends it again, reads.
	call("PATCH", "/api/v1/policies/"+p.ID, tok.Secret, map[string]any{"settings": map[string]any{
		"wifi": []any{map[string]any{"ssid": "Office", "security": "wpa2_personal", "hidden": true}}}}, 200)
	call("PATCH", "/api/v1/policies/"+p.ID, tok.Secret, map[string]any{"settings": map[string]any{
		"wifi": []any{map[string]any{"ssid": "Office", "security": "wpa2_personal", "password": wifiPassword}}, "checkin_interval_seconds": 600}}, 200)
	call("GET", "/api/v1/policies/"+p.ID, tok.Secret, nil, 200)
	call("GET", "/api/v1/accounts/"+client.ID+"/policies", tok.Secret, nil, 200)
	call("GET", "/api/v1/policies/"+p.ID+"/versions", tok.Secret, nil, 200)
	for _, v := range []string{"1", "2", "3"} {
		call("GET", "/api/v1/policies/"+p.ID+"/versions/"+v, tok.Secret, nil, 200)
	}
	call("GET", "/api/v1/devices/"+targeted.DeviceID+"/effective-policy", tok.Secret, nil, 200)
	call("GET", "/api/v1/devices/"+targeted.DeviceID, tok.Secret, nil, 200)
	call("GET", "/api/v1/audit?limit=500", tok.Secret, nil, 200)
	if strings.Contains(responses.String(), wifiPassword) {
		t.Error("an admin API response holds the Wi-Fi password")
	}
	if !strings.Contains(responses.String(), `"password_set":true`) {
		t.Error("no response says the password is set")
	}

	// The targeted device gets it; the other device gets nothing of it.
	var got protocol.Policy
	json.Unmarshal(call("GET", protocol.PathPolicy, targeted.Credential, nil, 200), &got)
	if len(got.WiFi) != 1 || got.WiFi[0].Password != wifiPassword {
		t.Errorf("the targeted device got %+v", got.WiFi)
	}
	if b := call("GET", protocol.PathPolicy, other.Credential, nil, 200); bytes.Contains(b, []byte(wifiPassword)) || bytes.Contains(b, []byte("Office")) {
		t.Errorf("the other device got %s", b)
	}

	// Nowhere in the database's files, main file or write-ahead log (which
	// do hold the network's name: the search sees what is stored).
	files, err := filepath.Glob(filepath.Join(dir, "steward.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s: %v", dir, err)
	}
	seen := false
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(wifiPassword)) {
			t.Errorf("%s holds the Wi-Fi password", filepath.Base(f))
		}
		seen = seen || bytes.Contains(b, []byte(p.ID))
	}
	if !seen {
		t.Error("the database files do not even hold the policy's ID: the search reads the wrong files")
	}
	s.Close()
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(wifiPassword)) {
			t.Errorf("%s holds the Wi-Fi password after the close", filepath.Base(f))
		}
	}
}
