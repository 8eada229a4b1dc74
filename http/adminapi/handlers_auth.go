package adminapi

import (
	"net/http"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
)

func (a *API) getOpenAPI(w http.ResponseWriter, r *http.Request) (any, error) {
	steward.MarkAuthorized(r.Context()) // public document
	if len(a.openapi) == 0 {
		return nil, steward.Errorf(steward.ENOTFOUND, "No OpenAPI document is configured.")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(a.openapi)
	return nil, errWritten
}

// errWritten tells wrap that the handler wrote the response itself.
var errWritten = &steward.Error{Code: "written"}

// LoginResponse answers a console sign-in.
type LoginResponse struct {
	Manager            *steward.Manager `json:"manager"`
	CSRFToken          string           `json:"csrf_token"`
	ExpiresAt          time.Time        `json:"expires_at"`
	MustChangePassword bool             `json:"must_change_password"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) (any, error) {
	var in loginRequest
	if err := web.DecodeJSON(w, r, web.MaxJSONBody, &in); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	res, err := a.svc.Login(r.Context(), steward.LoginRequest{Email: in.Email, Password: in.Password,
		IP: web.ClientIP(r, a.opts.TrustProxy), UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	web.SetSessionCookie(w, res.Secret, a.opts.SecureCookies, int(time.Until(res.Session.ExpiresAt).Seconds()))
	return LoginResponse{Manager: res.Manager, CSRFToken: res.Session.CSRFToken, ExpiresAt: res.Session.ExpiresAt,
		MustChangePassword: res.MustChangePassword}, nil
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) (any, error) {
	steward.MarkAuthorized(r.Context())
	if act := steward.ActorFromContext(r.Context()); act != nil && act.SessionID != "" {
		if err := a.svc.Logout(r.Context(), act.SessionID); err != nil {
			return nil, err
		}
	}
	web.ClearSessionCookie(w, a.opts.SecureCookies)
	return nil, nil
}

type passwordTokenRequest struct {
	Email     string     `json:"email"`
	Password  string     `json:"password"`
	TokenName string     `json:"token_name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// passwordToken signs in and creates an API token in one step (for
// 'stewardctl login'); the session it opens is closed again at once.
func (a *API) passwordToken(w http.ResponseWriter, r *http.Request) (any, error) {
	var in passwordTokenRequest
	if err := web.DecodeJSON(w, r, web.MaxJSONBody, &in); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	ip := web.ClientIP(r, a.opts.TrustProxy)
	res, err := a.svc.Login(r.Context(), steward.LoginRequest{Email: in.Email, Password: in.Password, IP: ip, UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	defer a.svc.Logout(r.Context(), res.Session.ID)
	if res.MustChangePassword {
		// The field tells a client (stewardctl login) why, without matching
		// the message.
		return nil, &steward.Error{Code: steward.EFORBIDDEN, Field: "password",
			Message: "Change your password first: sign in to the console, or POST /api/v1/me/password (stewardctl password)."}
	}
	auth, err := a.svc.AuthenticateSession(r.Context(), res.Secret, ip, r.UserAgent())
	if err != nil {
		return nil, err
	}
	ctx := steward.NewContextWithActor(r.Context(), auth.Actor)
	if in.TokenName == "" {
		in.TokenName = "stewardctl"
	}
	return a.svc.CreateToken(ctx, steward.TokenCreate{Name: in.TokenName, ExpiresAt: in.ExpiresAt})
}

type resetRequest struct {
	Email string `json:"email"`
}

func (a *API) requestReset(w http.ResponseWriter, r *http.Request) (any, error) {
	var in resetRequest
	if err := web.DecodeJSON(w, r, web.MaxJSONBody, &in); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	if err := a.svc.RequestPasswordReset(r.Context(), in.Email, web.ClientIP(r, a.opts.TrustProxy)); err != nil {
		return nil, err
	}
	return map[string]string{"status": "If a login has this address, a reset link is on its way."}, nil
}

type setPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (a *API) confirmReset(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.setPasswordWithLink(w, r, false)
}

func (a *API) acceptInvitation(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.setPasswordWithLink(w, r, true)
}

func (a *API) setPasswordWithLink(w http.ResponseWriter, r *http.Request, invitation bool) (any, error) {
	var in setPasswordRequest
	if err := web.DecodeJSON(w, r, web.MaxJSONBody, &in); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	if err := a.svc.ResetPassword(r.Context(), in.Token, in.Password, invitation); err != nil {
		return nil, err
	}
	return map[string]string{"status": "Password set. Sign in with it."}, nil
}

// MeResponse is the calling manager and its account.
type MeResponse struct {
	Manager *steward.Manager `json:"manager"`
	Account *steward.Account `json:"account"`
	Role    string           `json:"role"` // effective role (a token may carry less)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) (any, error) {
	m, acc, err := a.svc.Me(r.Context())
	if err != nil {
		return nil, err
	}
	return MeResponse{Manager: m, Account: acc, Role: string(steward.ActorFromContext(r.Context()).Role)}, nil
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) (any, error) {
	var in changePasswordRequest
	if err := web.DecodeJSON(w, r, web.MaxJSONBody, &in); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	if err := a.svc.ChangePassword(r.Context(), in.CurrentPassword, in.NewPassword); err != nil {
		return nil, err
	}
	return map[string]string{"status": "Password changed. Your other sessions were signed out."}, nil
}

func (a *API) dashboard(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Dashboard(r.Context())
}
