package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/stewardmdm/steward"
)

// apiClient speaks the admin API just enough to set a fleet up. It talks
// JSON over HTTP rather than using package client, so that the bench
// measures the wire and depends on nothing but the protocol.
type apiClient struct {
	base string
	hc   *http.Client
}

// apiError is a non-2xx answer of the admin API.
type apiError struct {
	Method, Path string
	Status       int
	Code, Field  string
	Message      string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// call sends in as JSON with the bearer token (or the session cookie and
// CSRF token in hdr) and decodes a 2xx answer into out.
func (c *apiClient) call(ctx context.Context, method, path, token string, hdr http.Header, in, out any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		e := &apiError{Method: method, Path: path, Status: res.StatusCode}
		var pe struct {
			Error struct{ Code, Message, Field string }
		}
		if json.Unmarshal(data, &pe) == nil {
			e.Code, e.Message, e.Field = pe.Error.Code, pe.Error.Message, pe.Error.Field
		}
		return res, e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return res, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return res, nil
}

// fleet is what setUp created.
type fleet struct {
	AdminToken    string // platform administrator
	ResellerToken string // owner of the reseller
	ResellerID    string
	ClientID      string
	Code          string // activation code of the client, issued by the reseller
}

// setUp creates, as the platform administrator, a reseller holding credits
// and a client below it; then, as an owner of the reseller, an activation
// code for the client with seats for every device. Each enrollment thus
// spends one of the reseller's credits, as in production.
func setUp(ctx context.Context, c *apiClient, email, password string, devices int) (*fleet, error) {
	f := &fleet{}
	var tok steward.APIToken
	creds := map[string]string{"email": email, "password": password, "token_name": "steward-bench"}
	if _, err := c.call(ctx, "POST", "/api/v1/auth/token", "", nil, creds, &tok); err != nil {
		return nil, err
	}
	f.AdminToken = tok.Secret
	var acc steward.Account
	if _, err := c.call(ctx, "POST", "/api/v1/accounts", f.AdminToken, nil,
		steward.AccountCreate{Name: "Bench Reseller", Kind: steward.AccountReseller}, &acc); err != nil {
		return nil, err
	}
	f.ResellerID = acc.ID
	if _, err := c.call(ctx, "POST", "/api/v1/credits/grants", f.AdminToken, nil,
		steward.CreditGrant{AccountID: f.ResellerID, Amount: int64(devices) + 100, Reason: "steward-bench"}, nil); err != nil {
		return nil, err
	}
	if _, err := c.call(ctx, "POST", "/api/v1/accounts", f.AdminToken, nil,
		steward.AccountCreate{ParentID: f.ResellerID, Name: "Bench Client", Kind: steward.AccountClient}, &acc); err != nil {
		return nil, err
	}
	f.ClientID = acc.ID

	// An owner of the reseller: created with a first password that must be
	// changed in a session before a token can be had.
	const first, second = "Qv8-first-bench-Lm3t", "Hw5-second-bench-Kp9x"
	const ownerEmail = "owner@reseller.example"
	owner := map[string]any{"email": ownerEmail, "name": "Bench Owner", "role": steward.RoleOwner, "password": first}
	if _, err := c.call(ctx, "POST", "/api/v1/accounts/"+f.ResellerID+"/managers", f.AdminToken, nil, owner, nil); err != nil {
		return nil, err
	}
	var login struct {
		CSRFToken string `json:"csrf_token"`
	}
	res, err := c.call(ctx, "POST", "/api/v1/auth/login", "", nil, map[string]string{"email": ownerEmail, "password": first}, &login)
	if err != nil {
		return nil, err
	}
	hdr := http.Header{"X-Csrf-Token": {login.CSRFToken}}
	for _, ck := range res.Cookies() {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	if _, err := c.call(ctx, "POST", "/api/v1/me/password", "", hdr,
		map[string]string{"current_password": first, "new_password": second}, nil); err != nil {
		return nil, err
	}
	creds = map[string]string{"email": ownerEmail, "password": second, "token_name": "steward-bench"}
	if _, err := c.call(ctx, "POST", "/api/v1/auth/token", "", nil, creds, &tok); err != nil {
		return nil, err
	}
	f.ResellerToken = tok.Secret

	var code steward.ActivationCode
	if _, err := c.call(ctx, "POST", "/api/v1/activation-codes", f.ResellerToken, nil,
		map[string]any{"account_id": f.ClientID, "seats": devices + 10, "note": "steward-bench"}, &code); err != nil {
		return nil, err
	}
	f.Code = code.Code
	return f, nil
}

// filterKey finds the JSON name of the bulk filter's account field. The
// documented name is account_id; a server whose steward.DeviceFilter has no
// JSON tags knows it only by its Go name, AccountID. It asks with a command
// type the server refuses, so nothing is sent to any device.
func filterKey(ctx context.Context, c *apiClient, token, accountID string) (string, error) {
	for _, key := range []string{"account_id", "AccountID"} {
		body := map[string]any{"type": "steward-bench-probe", "filter": map[string]string{key: accountID}}
		_, err := c.call(ctx, "POST", "/api/v1/commands", token, nil, body, nil)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
			return "", fmt.Errorf("probe of the bulk filter: %w", err)
		}
		if ae.Field == "type" {
			return key, nil
		}
	}
	return "", errors.New("the server takes neither account_id nor AccountID in a bulk command's filter")
}

// sendToAccount issues one bulk command to every device of the account
// (the filter's field named key), and returns how many commands the server
// made and how many of them it reports delivered (pushed) when it answered.
func sendToAccount(ctx context.Context, c *apiClient, token, key, accountID string, typ steward.CommandType) (made, delivered int, err error) {
	var out struct {
		Items []struct {
			Status steward.CommandStatus `json:"status"`
		} `json:"items"`
	}
	body := map[string]any{"type": typ, "filter": map[string]string{key: accountID}}
	if _, err = c.call(ctx, "POST", "/api/v1/commands", token, nil, body, &out); err != nil {
		return 0, 0, err
	}
	for _, it := range out.Items {
		if it.Status == steward.CommandDelivered {
			delivered++
		}
	}
	return len(out.Items), delivered, nil
}
