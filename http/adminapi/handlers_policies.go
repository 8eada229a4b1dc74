package adminapi

import (
	"net/http"
	"strconv"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// Policies: CRUD, targets, versions, and a device's effective policy.

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) (any, error) {
	ps, err := a.svc.ListPolicies(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return list(ps, 0, nil), nil
}

func (a *API) createPolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.PolicyInput
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreatePolicy(r.Context(), r.PathValue("account"), in)
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.GetPolicy(r.Context(), r.PathValue("policy"))
}

func (a *API) updatePolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.PolicyUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdatePolicy(r.Context(), r.PathValue("policy"), in)
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeletePolicy(r.Context(), r.PathValue("policy"))
}

// PolicyTargets is the body of PUT /api/v1/policies/{policy}/targets.
type PolicyTargets struct {
	Targets []steward.Target `json:"targets"`
}

func (a *API) setPolicyTargets(w http.ResponseWriter, r *http.Request) (any, error) {
	var in PolicyTargets
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.SetPolicyTargets(r.Context(), r.PathValue("policy"), in.Targets)
}

func (a *API) policyVersions(w http.ResponseWriter, r *http.Request) (any, error) {
	vs, err := a.svc.PolicyVersions(r.Context(), r.PathValue("policy"))
	if err != nil {
		return nil, err
	}
	return list(vs, 0, nil), nil
}

// getPolicyVersion answers one version with its changes from the version
// before it, or from the version ?from names (0: the empty policy).
func (a *API) getPolicyVersion(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		n = 0 // answered as not found once the policy is checked
	}
	if r.URL.Query().Has("from") {
		from, err := queryInt(r, "from")
		if err != nil || from < 0 {
			steward.MarkAuthorized(r.Context())
			return nil, steward.FieldErrorf("from", "Give the version to compare with: 0 or more.")
		}
		return a.svc.GetPolicyVersionFrom(r.Context(), r.PathValue("policy"), n, from)
	}
	return a.svc.GetPolicyVersion(r.Context(), r.PathValue("policy"), n)
}

func (a *API) effectivePolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.EffectivePolicy(r.Context(), r.PathValue("device"))
}
