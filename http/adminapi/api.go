// Package adminapi is the admin JSON API under /api/v1. Every route is in
// routes.go; every handler returns a value or a coded error, and a guard
// fails any request whose handler never consulted the authoriser.
package adminapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/service"
)

// Options configure the API.
type Options struct {
	Service *service.Service
	Logger  *slog.Logger
	// SecureCookies marks the session cookie Secure (set under TLS).
	SecureCookies bool
	// TrustProxy believes X-Forwarded-For for client addresses.
	TrustProxy bool
	// OpenAPI is the OpenAPI document served at /api/v1/openapi.json.
	OpenAPI []byte
}

// API serves /api/v1.
type API struct {
	svc     *service.Service
	logger  *slog.Logger
	opts    Options
	mux     *http.ServeMux
	routes  []Route
	openapi []byte
}

// HandlerFunc handles one API request: it returns the response body, or an
// error whose code picks the status.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) (any, error)

// Route is one entry of the route table.
type Route struct {
	Method  string
	Pattern string // Go 1.22 pattern without the method, e.g. /api/v1/accounts/{account}
	Status  int    // success status (default 200)
	Public  bool   // reachable without credentials
	Summary string
	handler HandlerFunc
}

// New returns the API.
func New(o Options) (*API, error) {
	if o.Service == nil || o.Logger == nil {
		return nil, errors.New("adminapi: Service and Logger are required")
	}
	a := &API{svc: o.Service, logger: o.Logger, opts: o, mux: http.NewServeMux(), openapi: o.OpenAPI}
	a.routes = a.routeTable()
	for _, rt := range a.routes {
		a.mux.Handle(rt.Method+" "+rt.Pattern, a.wrap(rt))
	}
	a.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		web.WriteError(w, r, a.logger, steward.Errorf(steward.ENOTFOUND, "No API route %s %s.", r.Method, r.URL.Path))
	})
	return a, nil
}

// Routes returns the route table (for the OpenAPI and authorisation tests).
func (a *API) Routes() []Route { return a.routes }

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// wrap authenticates, runs the handler under the authorisation guard and
// writes its result.
func (a *API) wrap(rt Route) http.Handler {
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, check := steward.NewContextWithAuthzCheck(r.Context())
		var auth *service.Authenticated
		var err error
		if a.svc != nil {
			auth, err = web.Credentials(r.WithContext(ctx), a.svc, a.opts.TrustProxy)
		}
		if rt.Public && err != nil {
			// A stale cookie must not stand between a browser and signing
			// in or out: public routes simply go without credentials.
			auth, err = nil, nil
		}
		if err == nil && auth == nil && !rt.Public {
			err = steward.Errorf(steward.EUNAUTHENTICATED, "Sign in, or send an API token as 'Authorization: Bearer <token>'.")
		}
		if err == nil && auth != nil {
			ctx = steward.NewContextWithActor(ctx, auth.Actor)
			if err = web.CheckCSRF(r, auth.Session); err == nil && auth.MustChangePassword && !rt.Public && rt.Pattern != "/api/v1/me/password" && rt.Pattern != "/api/v1/me" {
				err = steward.Errorf(steward.EFORBIDDEN, "Change your password first (POST /api/v1/me/password).")
			}
		}
		if err != nil {
			web.WriteError(w, r, a.logger, err)
			return
		}
		r = r.WithContext(ctx)
		out, err := rt.handler(w, r)
		if err == nil && !check.Checked() {
			// A handler that never asked the authoriser is a bug: fail
			// loudly instead of answering with data nobody vetted.
			err = errors.New("authorisation was not checked for " + rt.Method + " " + rt.Pattern)
		}
		if err == errWritten {
			return
		}
		if err != nil {
			web.WriteError(w, r, a.logger, err)
			return
		}
		if out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		web.WriteJSON(w, status, out)
	})
}

// Query helpers.

func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &steward.Error{Code: steward.EINVALID, Field: name, Message: "The parameter " + name + " must be a non-negative whole number."}
	}
	return n, nil
}

func queryTime(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, &steward.Error{Code: steward.EINVALID, Field: name, Message: "The parameter " + name + " must be an RFC 3339 time such as 2026-01-31T12:00:00Z."}
	}
	return &t, nil
}

func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &steward.Error{Code: steward.EINVALID, Field: name, Message: "The parameter " + name + " must be true or false."}
	}
	return b, nil
}

// pageSize applies a listing's default and cap here, where the cursor is
// computed, so a request for more than the cap still gets a next page.
func pageSize(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

// List is the envelope of every listing: items, and the cursor of the next
// page when there may be one.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

func list[T any](items []T, limit int, cursor func(T) string) List[T] {
	if items == nil {
		items = []T{}
	}
	l := List[T]{Items: items}
	if limit > 0 && len(items) == limit {
		l.Next = cursor(items[len(items)-1])
	}
	return l
}
