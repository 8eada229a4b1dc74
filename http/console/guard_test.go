package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// TestUncheckedHandlerFails proves the guard: a page whose handler never
// consulted the authoriser is answered with an error, not with its data.
func TestUncheckedHandlerFails(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "steward.db"), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := service.New(service.Options{Store: db, Clock: steward.SystemClock{}, Logger: logger,
		Passwords: service.NewPasswordHasher(service.Argon2Params{Memory: 64, Time: 1, Threads: 1})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Bootstrap(ctx, "admin@example.com", "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{Service: svc, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	leak := func(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
		p.Title, p.Data = "Leak", errorView{Status: 200, Message: "unvetted data"}
		return render("error")
	}
	c.mux.Handle("GET /console/test/unchecked", c.wrap(route{method: "GET", pattern: "/console/test/unchecked", h: leak}))
	c.mux.Handle("GET /console/test/checked", c.wrap(route{method: "GET", pattern: "/console/test/checked",
		h: func(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
			if _, _, err := svc.Me(r.Context()); err != nil {
				return nil, err
			}
			return leak(w, r, p)
		}}))
	res, err := svc.Login(ctx, steward.LoginRequest{Email: "admin@example.com", Password: "correct-horse-battery"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/console/test/unchecked": 500, "/console/test/checked": 200} {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: res.Secret})
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: status %d, want %d", path, rec.Code, want)
		}
		if leaked := strings.Contains(rec.Body.String(), "unvetted data"); leaked != (want == 200) {
			t.Errorf("%s: data shown = %v", path, leaked)
		}
	}
}

func TestLocalNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "/console/",
		"/console/accounts?q=a":   "/console/accounts?q=a",
		"/console":                "/console",
		"/consolex/":              "/console/",
		"https://evil.example/":   "/console/",
		"//evil.example/console/": "/console/",
		"/console/../admin":       "/console/",
		"/console/%2e%2e/admin":   "/console/",
	} {
		if got := localNext(in); got != want {
			t.Errorf("localNext(%q) = %q, want %q", in, got, want)
		}
	}
}
