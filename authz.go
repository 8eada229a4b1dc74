package steward

import (
	"context"
	"sync/atomic"
)

// AuthzCheck records whether a request consulted the authoriser. The HTTP
// layer puts one in every request's context and fails any request whose
// handler returns without a check, so a forgotten check is a loud bug, not
// a silent leak.
type AuthzCheck struct{ checked atomic.Bool }

// Checked reports whether authorisation was consulted.
func (c *AuthzCheck) Checked() bool { return c.checked.Load() }

type authzKey struct{}

// NewContextWithAuthzCheck returns a context carrying a fresh check.
func NewContextWithAuthzCheck(ctx context.Context) (context.Context, *AuthzCheck) {
	c := &AuthzCheck{}
	return context.WithValue(ctx, authzKey{}, c), c
}

// MarkAuthorized records that the call was authorised (or that it is public
// by design, such as sign-in).
func MarkAuthorized(ctx context.Context) {
	if c, ok := ctx.Value(authzKey{}).(*AuthzCheck); ok {
		c.checked.Store(true)
	}
}
