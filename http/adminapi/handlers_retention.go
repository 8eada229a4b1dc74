package adminapi

import (
	"net/http"

	"github.com/stewardmdm/steward"
)

// The privacy engine's routes: retention status, legal holds, sweep
// receipts, a sweep on demand, and restoring a deleted account.

func (a *API) retentionStatus(w http.ResponseWriter, r *http.Request) (any, error) {
	st, err := a.svc.RetentionStatus(r.Context())
	if err != nil {
		return nil, err
	}
	return list(st, 0, nil), nil
}

func (a *API) listHolds(w http.ResponseWriter, r *http.Request) (any, error) {
	f := steward.HoldFilter{AccountID: r.URL.Query().Get("account_id")}
	var err error
	if f.Active, err = queryBool(r, "active"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	hs, err := a.svc.LegalHolds(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return list(hs, 0, nil), nil
}

func (a *API) createHold(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.LegalHoldCreate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateLegalHold(r.Context(), in)
}

func (a *API) releaseHold(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.ReleaseLegalHold(r.Context(), r.PathValue("hold"))
}

func (a *API) listReceipts(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	es, err := a.svc.RetentionReceipts(r.Context(), pageSize(n, 50, 500))
	if err != nil {
		return nil, err
	}
	return list(es, 0, nil), nil
}

// SweepResponse says what a sweep on demand did.
type SweepResponse struct {
	Summary string `json:"summary"`
}

func (a *API) runSweep(w http.ResponseWriter, r *http.Request) (any, error) {
	said, err := a.svc.RunRetentionSweep(r.Context())
	if err != nil {
		return nil, err
	}
	if said == "" {
		said = "Nothing was due."
	}
	return SweepResponse{Summary: said}, nil
}

func (a *API) restoreAccount(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.RestoreAccount(r.Context(), r.PathValue("account"))
}
