package steward

import (
	"context"
	"strings"
)

// Actor is who performs a call: a manager signed in to the console, or an
// API token acting for a manager. Every service call finds its actor in the
// context and is authorised against the actor's account subtree.
type Actor struct {
	ManagerID   string
	Email       string
	AccountID   string
	AccountPath string      // materialised path of the actor's account, e.g. "/p/r/"
	AccountKind AccountKind // kind of the actor's account
	Role        ManagerRole // effective role (a token may carry less than its manager)
	TokenID     string      // set when the call is made with an API token
	SessionID   string      // set when the call is made with a console session
	IP          string
	UserAgent   string
}

// IsPlatformAdmin reports whether the actor administers the platform account.
func (a *Actor) IsPlatformAdmin() bool {
	return a != nil && a.AccountKind == AccountPlatform && a.Role.CanWrite()
}

// Reaches reports whether an object at the account path lies in the actor's
// subtree (its own account included).
func (a *Actor) Reaches(path string) bool {
	return a != nil && a.AccountPath != "" && strings.HasPrefix(path, a.AccountPath)
}

type actorKey struct{}

// NewContextWithActor returns a context that carries the actor.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor of the context, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
