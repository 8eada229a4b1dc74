package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// Cookie names.
const (
	SessionCookie = "steward_session"
	CSRFHeader    = "X-CSRF-Token"
	CSRFField     = "csrf_token"
)

// Authenticator resolves credentials to an actor.
type Authenticator interface {
	AuthenticateSession(ctx context.Context, secret, ip, ua string) (*service.Authenticated, error)
	AuthenticateToken(ctx context.Context, secret, ip, ua string) (*service.Authenticated, error)
}

// ClientIP returns the caller's address. Forwarded headers are believed
// only when the server sits behind a proxy the operator said to trust.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			return strings.TrimSpace(strings.Split(xff, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Credentials reads a bearer token or a session cookie from the request and
// resolves it. It returns (nil, nil) when the request carries neither.
func Credentials(r *http.Request, auth Authenticator, trustProxy bool) (*service.Authenticated, error) {
	ip, ua := ClientIP(r, trustProxy), r.UserAgent()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || secret == "" {
			return nil, steward.Errorf(steward.EUNAUTHENTICATED, "Use 'Authorization: Bearer <token>'.")
		}
		return auth.AuthenticateToken(r.Context(), strings.TrimSpace(secret), ip, ua)
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return auth.AuthenticateSession(r.Context(), c.Value, ip, ua)
	}
	return nil, nil
}

// CheckCSRF verifies a state-changing request made with a session cookie:
// the token must come back in the header or the form field.
func CheckCSRF(r *http.Request, sess *steward.Session) error {
	if sess == nil {
		return nil // bearer tokens are not sent by browsers on their own
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return steward.Errorf(steward.EFORBIDDEN, "The form's security token is missing or stale. Reload the page and try again.")
	}
	return nil
}

// SetSessionCookie sets the console session cookie: HttpOnly, SameSite=Lax,
// Secure when served over TLS.
func SetSessionCookie(w http.ResponseWriter, secret string, secure bool, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure, MaxAge: maxAge})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure, MaxAge: -1})
}
