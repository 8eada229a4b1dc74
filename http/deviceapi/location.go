package deviceapi

import (
	"net/http"

	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// Location and web history: the device records its user's decision and
// sends batches; the service applies the gates.

func (a *API) consent(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	req, err := protocol.DecodeConsent(http.MaxBytesReader(w, r.Body, protocol.MaxConsentBody))
	if err != nil {
		return nil, inputError(err)
	}
	return nil, a.svc.RecordConsent(r.Context(), dev, req)
}

func (a *API) location(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	req, err := protocol.DecodeLocation(http.MaxBytesReader(w, r.Body, protocol.MaxLocationBody))
	if err != nil {
		return nil, inputError(err)
	}
	return a.svc.IngestLocation(r.Context(), dev, req)
}

func (a *API) webHistory(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	req, err := protocol.DecodeWebHistory(http.MaxBytesReader(w, r.Body, protocol.MaxWebHistoryBody))
	if err != nil {
		return nil, inputError(err)
	}
	return a.svc.IngestWebHistory(r.Context(), dev, req)
}
