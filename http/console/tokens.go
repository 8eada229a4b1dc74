package console

import (
	"net/http"
	"time"

	"github.com/stewardmdm/steward"
)

// tokensView is the data of the API tokens page.
type tokensView struct {
	Tokens      []*steward.APIToken
	Created     *steward.APIToken // just created: the only time its secret is shown
	RoleOptions []steward.ManagerRole
	Today       string
}

func (c *Console) tokens(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.tokensView(r, p, nil)
}

func (c *Console) tokensView(r *http.Request, p *page, created *steward.APIToken) (*response, error) {
	ts, err := c.svc.Tokens(r.Context(), "")
	if err != nil {
		return nil, err
	}
	v := tokensView{Tokens: ts, Created: created, Today: time.Now().UTC().Format("2006-01-02")}
	for _, role := range []steward.ManagerRole{steward.RoleOwner, steward.RoleAdmin, steward.RoleReadOnly} {
		if role.Rank() <= p.Actor.Role.Rank() {
			v.RoleOptions = append(v.RoleOptions, role)
		}
	}
	p.Title, p.Nav, p.Data = "API tokens", "tokens", v
	return render("tokens")
}

func (c *Console) againTokens(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.tokensView(r, p, nil)
}

func (c *Console) createToken(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	in := steward.TokenCreate{Name: r.PostFormValue("name"), Role: steward.ManagerRole(r.PostFormValue("role"))}
	if d := r.PostFormValue("expires_at"); d != "" {
		day, err := time.Parse("2006-01-02", d)
		if err != nil {
			return refused(w, r, p, "create-token", steward.FieldErrorf("expires_at", "Give the expiry as a date such as 2030-12-31."), c.againTokens)
		}
		end := day.Add(24 * time.Hour) // the token works through the whole day, UTC
		in.ExpiresAt = &end
	}
	t, err := c.svc.CreateToken(r.Context(), in)
	if err != nil {
		return refused(w, r, p, "create-token", err, c.againTokens)
	}
	res, err := c.tokensView(r, p, t)
	if err != nil {
		return nil, err
	}
	res.status = http.StatusCreated
	return res, nil
}

func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	if err := c.svc.RevokeToken(r.Context(), r.PathValue("token")); err != nil {
		return refused(w, r, p, "tokens", err, c.againTokens)
	}
	return redirect("/console/tokens", "The token is revoked: it no longer works.")
}
