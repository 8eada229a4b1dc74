package deviceapi

import (
	"mime"
	"net/http"
	"strings"

	"github.com/stewardmdm/steward/service"
)

// directory answers a device's company directory: its contacts and file
// manifest, with the version as the ETag; 304 when If-None-Match names it.
func (a *API) directory(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	d, err := a.svc.DeviceDirectory(r.Context(), dev)
	if err != nil {
		return nil, err
	}
	etag := `"` + d.Version + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	if matchesETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil, errHandled
	}
	return d, nil
}

// matchesETag reports whether an If-None-Match header names etag (weak or
// strong) or is "*".
func matchesETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// fileDownload serves a shared file to a device its targets cover.
// http.ServeContent answers Range and conditional requests, so an
// interrupted download resumes; the ETag is the SHA-256 the manifest
// carries.
func (a *API) fileDownload(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	b, f, err := a.svc.DeviceFileDownload(r.Context(), dev, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	defer b.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", b.ModTime(), b)
	return nil, errHandled
}
