package deviceapi

import (
	"net/http"
	"strings"

	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/service"
)

// policy answers a device's fetch of its effective policy
// (protocol.PathPolicy). The ETag is the policy's version (quoted); a
// request whose If-None-Match names it is answered 304 without a body.
// The body holds secrets for this device alone: nothing may store it on
// the way.
func (a *API) policy(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	p, notModified, err := a.svc.DevicePolicy(r.Context(), dev, ifNoneMatch(r))
	if err != nil {
		return nil, err
	}
	h := w.Header()
	if notModified {
		h.Set("ETag", `"`+ifNoneMatch(r)+`"`)
		h.Set("Cache-Control", "private, no-store")
		w.WriteHeader(http.StatusNotModified)
		return nil, errHandled
	}
	if p.Version != "" {
		h.Set("ETag", `"`+p.Version+`"`)
	}
	web.WriteJSON(w, http.StatusOK, p) // Cache-Control: no-store
	return nil, errHandled
}

// ifNoneMatch returns the version an If-None-Match header names (quoted
// or not, weak or not; the first of a list), "" for none.
func ifNoneMatch(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("If-None-Match"))
	v, _, _ = strings.Cut(v, ",")
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	return strings.Trim(v, `"`)
}
