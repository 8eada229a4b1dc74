// Package console is Steward's web console: server-rendered pages from
// embedded templates and assets, signed in with a session cookie and
// guarded by a CSRF token on every state-changing form.
//
// Every route is in routes.go. Each handler returns what to send (a page to
// render or a place to redirect to) instead of writing it, so the wrapper in
// guard.go can refuse to answer when the handler never consulted the
// authoriser, exactly as the admin API does.
package console

import (
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/stewardmdm/steward/service"
)

// Options configure the console.
type Options struct {
	Service *service.Service
	Logger  *slog.Logger
	// SecureCookies marks the console's cookies Secure (set under TLS).
	SecureCookies bool
	// TrustProxy believes X-Forwarded-For for client addresses (and
	// X-Forwarded-Proto and -Host for the enrollment address).
	TrustProxy bool
	// BaseURL is the server's public address, put in enrollment QR codes.
	// Empty: the address each request came to.
	BaseURL string
}

// Console serves /console/.
type Console struct {
	svc    *service.Service
	logger *slog.Logger
	opts   Options
	mux    *http.ServeMux
	pages  map[string]*template.Template
	routes []route
}

// New returns the console. It refuses a missing Service or Logger, and fails
// if an embedded template does not parse.
func New(o Options) (*Console, error) {
	if o.Service == nil || o.Logger == nil {
		return nil, errors.New("console: Service and Logger are required")
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	c := &Console{svc: o.Service, logger: o.Logger, opts: o, mux: http.NewServeMux(), pages: pages}
	c.routes = c.routeTable()
	for _, rt := range c.routes {
		c.mux.Handle(rt.method+" "+rt.pattern, c.wrap(rt))
	}
	// Anything else under /console/ is a 404 page, after signing in, so
	// that the set of pages is not told to strangers.
	c.mux.Handle("/console/", c.wrap(route{method: "", pattern: "/console/", h: c.notFound}))
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	files := http.StripPrefix("/console/static/", http.FileServerFS(static))
	c.mux.Handle("GET /console/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	return c, nil
}

// ServeHTTP implements http.Handler. Every response, including the mux's
// own 405s and static files, carries the console's security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	c.mux.ServeHTTP(w, r)
}

// securityHeaders forbids framing, inline scripts and styles, and anything
// loaded from elsewhere: the console works offline from its own assets.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}
