package adminapi

import "net/http"

func (a *API) privacyCatalog(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.PrivacyCatalog(r.Context())
}

func (a *API) privacyRecords(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.PrivacyRecords(r.Context())
}
