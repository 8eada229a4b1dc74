package client

import (
	"context"
	"fmt"
	"net/http/cookiejar"
)

// ChangePassword changes the password of the login email: it signs in with
// the current password in a console session of its own (no API token can
// be made while a first password must still be changed), changes the
// password to next, and signs out. The login's other sessions end; its
// API tokens stay. It needs no token. EUNAUTHENTICATED (wrong email or
// password), EINVALID (field current_password or new_password: a new
// password the rules refuse), EFORBIDDEN (a suspended account),
// ERATELIMITED.
func (c *Client) ChangePassword(ctx context.Context, email, current, next string) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	hc := *c.http
	hc.Jar = jar
	var session struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := c.do(ctx, request{op: "sign in", method: "POST", path: "/auth/login", noAuth: true, via: &hc,
		body: map[string]string{"email": email, "password": current}}, &session); err != nil {
		return err
	}
	csrf := map[string]string{"X-CSRF-Token": session.CSRFToken}
	defer c.do(context.WithoutCancel(ctx), request{op: "sign out", method: "POST", path: "/auth/logout", noAuth: true, via: &hc,
		header: csrf}, nil)
	return c.do(ctx, request{op: "change password", method: "POST", path: "/me/password", noAuth: true, via: &hc, header: csrf,
		body: map[string]string{"current_password": current, "new_password": next}}, nil)
}
