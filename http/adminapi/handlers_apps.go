package adminapi

import (
	"net/http"

	"github.com/stewardmdm/steward/service"
)

// The private app store: uploads, apps, assignments and deployments.

func (a *API) listApps(w http.ResponseWriter, r *http.Request) (any, error) {
	apps, err := a.svc.ListApps(r.Context())
	if err != nil {
		return nil, err
	}
	return list(apps, 0, nil), nil
}

// uploadApp streams the raw request body (the APK) to the service, which
// authorises the upload before it reads a byte and enforces the size limit.
func (a *API) uploadApp(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	return a.svc.UploadApp(r.Context(), service.AppUpload{AccountID: q.Get("account_id"), Body: r.Body,
		SignerOverride: q.Get("signer_override"), Declared: r.ContentLength})
}

func (a *API) getApp(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.GetApp(r.Context(), r.PathValue("app"))
}

func (a *API) deleteApp(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteApp(r.Context(), r.PathValue("app"))
}

func (a *API) updateApp(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.AppUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateApp(r.Context(), r.PathValue("app"), in)
}

func (a *API) assignApp(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.AppAssign
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.AssignApp(r.Context(), r.PathValue("app"), in)
}

func (a *API) unassignApp(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.UnassignApp(r.Context(), r.PathValue("app"), r.PathValue("assignment"))
}

func (a *API) appDeployments(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.ListAppDeployments(r.Context(), r.PathValue("app"))
}

func (a *API) rescanAppVersion(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.RescanAppVersion(r.Context(), r.PathValue("app"), r.PathValue("version"))
}
