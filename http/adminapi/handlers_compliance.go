package adminapi

import (
	"net/http"

	"github.com/stewardmdm/steward"
)

func (a *API) accountCompliance(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	return a.svc.Compliance(r.Context(), steward.ComplianceFilter{AccountID: r.PathValue("account"),
		State: steward.ComplianceState(q.Get("state")), After: q.Get("after"), Limit: pageSize(n, 50, 500)})
}

func (a *API) deviceCompliance(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.DeviceCompliance(r.Context(), r.PathValue("device"))
}
