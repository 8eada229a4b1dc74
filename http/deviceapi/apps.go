package deviceapi

import (
	"net/http"

	"github.com/stewardmdm/steward/service"
)

// appDownload serves an APK to a device it is assigned to, only once the
// version is clean. http.ServeContent answers Range and conditional
// requests, so an interrupted download resumes; the ETag is the SHA-256 the
// install command carries.
func (a *API) appDownload(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	b, v, err := a.svc.AppDownload(r.Context(), dev, r.PathValue("version"))
	if err != nil {
		return nil, err
	}
	defer b.Close()
	h := w.Header()
	h.Set("Content-Type", "application/vnd.android.package-archive")
	h.Set("ETag", `"`+v.SHA256+`"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", b.ModTime(), b)
	return nil, errHandled
}
