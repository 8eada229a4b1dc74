package deviceapi

import (
	"net/http"

	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// policyReport keeps what the device made of the policy version it
// applied; 204 whether or not the version is the current one.
func (a *API) policyReport(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	req, err := protocol.DecodePolicyReport(http.MaxBytesReader(w, r.Body, protocol.MaxPolicyReportBody))
	if err != nil {
		return nil, inputError(err)
	}
	return nil, a.svc.ReportPolicy(r.Context(), dev, req)
}
