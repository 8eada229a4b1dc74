// Package web holds what the admin API and the console share: the table of
// error codes to statuses, request decoding with limits, credential
// resolution and the authorisation guard.
package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/stewardmdm/steward"
)

// statuses maps error codes to HTTP statuses: the one table.
var statuses = map[string]int{
	steward.EINVALID:         http.StatusBadRequest,
	steward.EUNAUTHENTICATED: http.StatusUnauthorized,
	steward.EFORBIDDEN:       http.StatusForbidden,
	steward.ENOTFOUND:        http.StatusNotFound,
	steward.ECONFLICT:        http.StatusConflict,
	steward.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	steward.ERATELIMITED:     http.StatusTooManyRequests,
	steward.EINTERNAL:        http.StatusInternalServerError,
}

// Status returns the HTTP status for an error code.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// WriteError writes err as JSON. Uncoded errors are logged and answered
// with a generic message, so internals never reach the caller.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := steward.ErrorCode(err)
	if code == steward.EINTERNAL {
		logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message, body.Error.Field = code, steward.ErrorMessage(err), steward.ErrorField(err)
	if code == steward.ERATELIMITED {
		w.Header().Set("Retry-After", "60")
	}
	WriteJSON(w, Status(code), body)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
