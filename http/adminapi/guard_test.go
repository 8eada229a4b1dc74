package adminapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGuardFailsUncheckedHandlers proves that a handler which never asks
// the authoriser is answered with an internal error, not with its data.
func TestGuardFailsUncheckedHandlers(t *testing.T) {
	a := &API{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	rt := Route{Method: "GET", Pattern: "/api/v1/forgetful", Public: true,
		handler: func(w http.ResponseWriter, r *http.Request) (any, error) {
			return map[string]string{"secret": "data nobody vetted"}, nil
		}}
	rec := httptest.NewRecorder()
	a.wrap(rt).ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/forgetful", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "nobody vetted") {
		t.Errorf("unchecked handler's data reached the caller: %s", rec.Body)
	}
}
