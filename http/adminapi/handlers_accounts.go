package adminapi

import (
	"net/http"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
)

// decode reads the body; on failure the request is still marked checked,
// because nothing was read or written.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := web.DecodeJSON(w, r, web.MaxJSONBody, v); err != nil {
		steward.MarkAuthorized(r.Context())
		return err
	}
	return nil
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	f := steward.AccountFilter{RootID: q.Get("root"), ParentID: q.Get("parent"), Kind: steward.AccountKind(q.Get("kind")),
		Status: steward.AccountStatus(q.Get("status")), Query: q.Get("q"), After: q.Get("after")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	if f.IncludeDeleted, err = queryBool(r, "include_deleted"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	f.Limit = pageSize(f.Limit, 100, 1000)
	accs, err := a.svc.Accounts(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return list(accs, f.Limit, func(a *steward.Account) string { return a.ID }), nil
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.AccountCreate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateAccount(r.Context(), in)
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Account(r.Context(), r.PathValue("account"))
}

func (a *API) updateAccount(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.AccountUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateAccount(r.Context(), r.PathValue("account"), in)
}

func (a *API) deleteAccount(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.DeleteAccount(r.Context(), r.PathValue("account"))
}

// StatusRequest changes an account's status.
type StatusRequest struct {
	Status steward.AccountStatus `json:"status"`
	Reason string                `json:"reason"`
}

func (a *API) setAccountStatus(w http.ResponseWriter, r *http.Request) (any, error) {
	var in StatusRequest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.SetAccountStatus(r.Context(), r.PathValue("account"), in.Status, in.Reason)
}

// MoveRequest re-parents an account.
type MoveRequest struct {
	ParentID string `json:"parent_id"`
}

func (a *API) moveAccount(w http.ResponseWriter, r *http.Request) (any, error) {
	var in MoveRequest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.MoveAccount(r.Context(), r.PathValue("account"), in.ParentID)
}

func (a *API) listManagers(w http.ResponseWriter, r *http.Request) (any, error) {
	ms, err := a.svc.Managers(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return list(ms, 0, nil), nil
}

// ManagerCreateRequest creates a manager in the path's account.
type ManagerCreateRequest struct {
	Email    string              `json:"email"`
	Name     string              `json:"name"`
	Role     steward.ManagerRole `json:"role"`
	Invite   bool                `json:"invite"`
	Password string              `json:"password,omitempty"`
}

func (a *API) createManager(w http.ResponseWriter, r *http.Request) (any, error) {
	var in ManagerCreateRequest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateManager(r.Context(), steward.ManagerCreate{AccountID: r.PathValue("account"), Email: in.Email,
		Name: in.Name, Role: in.Role, Invite: in.Invite, Password: in.Password})
}

func (a *API) getManager(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Manager(r.Context(), r.PathValue("manager"))
}

func (a *API) updateManager(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.ManagerUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateManager(r.Context(), r.PathValue("manager"), in)
}

func (a *API) deleteManager(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteManager(r.Context(), r.PathValue("manager"))
}

// CreditsResponse is an account's balance and a page of its ledger.
type CreditsResponse struct {
	AccountID string                 `json:"account_id"`
	Balance   int64                  `json:"balance"`
	Entries   []*steward.LedgerEntry `json:"entries"`
	Next      string                 `json:"next,omitempty"`
}

func (a *API) getCredits(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	n = pageSize(n, 50, 500)
	id := r.PathValue("account")
	bal, err := a.svc.Balance(r.Context(), id)
	if err != nil {
		return nil, err
	}
	es, err := a.svc.Ledger(r.Context(), steward.LedgerFilter{AccountID: id, Before: r.URL.Query().Get("before"), Limit: n})
	if err != nil {
		return nil, err
	}
	l := list(es, n, func(e *steward.LedgerEntry) string { return e.ID })
	return CreditsResponse{AccountID: id, Balance: bal, Entries: l.Items, Next: l.Next}, nil
}

func (a *API) grantCredits(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.CreditGrant
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.GrantCredits(r.Context(), in)
}

func (a *API) transferCredits(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.CreditTransfer
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	es, err := a.svc.TransferCredits(r.Context(), in)
	if err != nil {
		return nil, err
	}
	return list(es, 0, nil), nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) (any, error) {
	ts, err := a.svc.Tokens(r.Context(), r.URL.Query().Get("manager_id"))
	if err != nil {
		return nil, err
	}
	return list(ts, 0, nil), nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) (any, error) {
	var in steward.TokenCreate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateToken(r.Context(), in)
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.RevokeToken(r.Context(), r.PathValue("token"))
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	f := steward.AuditFilter{AccountID: q.Get("account_id"), ActorID: q.Get("actor_id"), Action: q.Get("action"),
		TargetID: q.Get("target_id"), Before: q.Get("before")}
	var err error
	var since, until *time.Time
	if f.Limit, err = queryInt(r, "limit"); err == nil {
		if since, err = queryTime(r, "since"); err == nil {
			if until, err = queryTime(r, "until"); err == nil {
				f.OnlyDirect, err = queryBool(r, "only_direct")
			}
		}
	}
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	f.Since, f.Until = since, until
	f.Limit = pageSize(f.Limit, 50, 500)
	es, err := a.svc.AuditLog(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return list(es, f.Limit, func(e *steward.AuditEntry) string { return e.ID }), nil
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.VerifyAudit(r.Context(), r.PathValue("account"))
}

func (a *API) listSecurityEvents(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	f := steward.SecurityEventFilter{Kind: q.Get("kind"), Email: q.Get("email"), IP: q.Get("ip"), Before: q.Get("before")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	f.Limit = pageSize(f.Limit, 50, 500)
	es, err := a.svc.SecurityEvents(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return list(es, f.Limit, func(e *steward.SecurityEvent) string { return e.ID }), nil
}
