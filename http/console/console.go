// Package console is Steward's web console: server-rendered pages from
// embedded templates and assets, signed in with a session cookie and
// guarded by a CSRF token on every state-changing form.
package console

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/stewardmdm/steward/service"
)

// Options configure the console.
type Options struct {
	Service       *service.Service
	Logger        *slog.Logger
	SecureCookies bool
	TrustProxy    bool
}

// Console serves /console/.
type Console struct {
	opts Options
	mux  *http.ServeMux
}

// New returns the console.
func New(o Options) (*Console, error) {
	if o.Service == nil || o.Logger == nil {
		return nil, errors.New("console: Service and Logger are required")
	}
	c := &Console{opts: o, mux: http.NewServeMux()}
	c.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "console not built yet", http.StatusNotImplemented)
	})
	return c, nil
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }
