package client

import (
	"context"
	"time"

	"github.com/stewardmdm/steward"
)

// Me is the calling manager, its account and the role the call carries
// (a token may carry less than its manager).
type Me struct {
	Manager *steward.Manager    `json:"manager"`
	Account *steward.Account    `json:"account"`
	Role    steward.ManagerRole `json:"role"`
}

// Me returns who the token acts for. EUNAUTHENTICATED.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var me Me
	if err := c.do(ctx, request{op: "get caller", method: "GET", path: "/me"}, &me); err != nil {
		return nil, err
	}
	return &me, nil
}

// PasswordToken signs in with a password and creates an API token named
// name for that login; the result carries the token's secret, shown only
// this once. It needs no token. EUNAUTHENTICATED (wrong email or password),
// ERATELIMITED, EFORBIDDEN (suspended account, or a password that must be
// changed first in the console).
func (c *Client) PasswordToken(ctx context.Context, email, password, name string) (*steward.APIToken, error) {
	return c.PasswordTokenExpiring(ctx, email, password, name, nil)
}

// PasswordTokenExpiring is PasswordToken for a token that expires at
// expiresAt (nil: never).
func (c *Client) PasswordTokenExpiring(ctx context.Context, email, password, name string, expiresAt *time.Time) (*steward.APIToken, error) {
	body := struct {
		Email     string     `json:"email"`
		Password  string     `json:"password"`
		TokenName string     `json:"token_name"`
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
	}{email, password, name, expiresAt}
	var t steward.APIToken
	if err := c.do(ctx, request{op: "sign in", method: "POST", path: "/auth/token", body: body, noAuth: true}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
