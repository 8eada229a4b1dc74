package adminapi

import (
	"net/http"

	"github.com/stewardmdm/steward"
)

func (a *API) getPrivacySettings(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.PrivacySettings(r.Context(), r.PathValue("account"))
}

func (a *API) putPrivacySettings(w http.ResponseWriter, r *http.Request) (any, error) {
	// An account outside the caller's subtree is not found, whatever the
	// body holds.
	if _, err := a.svc.PrivacySettings(r.Context(), r.PathValue("account")); err != nil {
		return nil, err
	}
	var in steward.PrivacySettingsUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.SetPrivacySettings(r.Context(), r.PathValue("account"), in)
}

// Location and web history are lists of at most one page: the device keeps
// 50 points and 15 days of visits.

func (a *API) deviceLocation(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	ps, err := a.svc.DeviceLocation(r.Context(), r.PathValue("device"), n)
	if err != nil {
		return nil, err
	}
	return list(ps, 0, nil), nil
}

func (a *API) deviceWebHistory(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	vs, err := a.svc.DeviceWebHistory(r.Context(), r.PathValue("device"), n)
	if err != nil {
		return nil, err
	}
	return list(vs, 0, nil), nil
}

func (a *API) deviceConsents(w http.ResponseWriter, r *http.Request) (any, error) {
	cs, err := a.svc.DeviceConsents(r.Context(), r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	return list(cs, 0, nil), nil
}
