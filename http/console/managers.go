package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/stewardmdm/steward"
)

func (c *Console) createManager(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	invite := f.Get("mode") != "password"
	m, err := c.svc.CreateManager(r.Context(), steward.ManagerCreate{AccountID: r.PathValue("account"), Email: f.Get("email"),
		Name: f.Get("name"), Role: steward.ManagerRole(f.Get("role")), Invite: invite, Password: f.Get("password")})
	if err != nil {
		return refused(w, r, p, "create-manager", err, c.againAccount)
	}
	msg := "An invitation is on its way to " + m.Email + "; its link works for 7 days."
	if !invite {
		msg = "The login " + m.Email + " is created. Give them the password by a safe channel: they must change it at first sign-in."
	}
	return redirect(accountURL(m.AccountID)+"#managers", msg)
}

// againManager renders the page of a manager's account after a refused form.
func (c *Console) againManager(m *steward.Manager) func(http.ResponseWriter, *http.Request, *page) (*response, error) {
	return func(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
		return c.accountView(r, p, m.AccountID)
	}
}

func (c *Console) setRole(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	m, err := c.svc.Manager(r.Context(), r.PathValue("manager"))
	if err != nil {
		return nil, err
	}
	role := steward.ManagerRole(r.PostFormValue("role"))
	if _, err := c.svc.UpdateManager(r.Context(), m.ID, steward.ManagerUpdate{Role: &role}); err != nil {
		return refused(w, r, p, "managers", err, c.againManager(m))
	}
	return redirect(accountURL(m.AccountID)+"#managers", m.Email+" now has the "+strings.ReplaceAll(string(role), "_", "-")+" role.")
}

func (c *Console) deleteManager(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	m, err := c.svc.Manager(r.Context(), r.PathValue("manager"))
	if err != nil {
		return nil, err
	}
	if err := c.svc.DeleteManager(r.Context(), m.ID); err != nil {
		return refused(w, r, p, "managers", err, c.againManager(m))
	}
	return redirect(accountURL(m.AccountID)+"#managers", "The login "+m.Email+" is deleted, with its sessions and API tokens.")
}

// amount reads a credit amount from a form.
func amount(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("amount")), ",", ""), 10, 64)
	if err != nil {
		return 0, steward.FieldErrorf("amount", "The amount must be a whole number of credits.")
	}
	return n, nil
}

func (c *Console) grant(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	n, err := amount(r)
	if err == nil {
		_, err = c.svc.GrantCredits(r.Context(), steward.CreditGrant{AccountID: r.PathValue("account"), Amount: n, Reason: r.PostFormValue("reason")})
	}
	if err != nil {
		return refused(w, r, p, "grant", err, c.againAccount)
	}
	return redirect(accountURL(r.PathValue("account"))+"#credits", formatCredits(n)+" credits granted.")
}

func (c *Console) transfer(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	n, err := amount(r)
	if err == nil {
		_, err = c.svc.TransferCredits(r.Context(), steward.CreditTransfer{FromID: r.PathValue("account"), ToID: r.PostFormValue("to_id"),
			Amount: n, Reason: r.PostFormValue("reason")})
	}
	if err != nil {
		return refused(w, r, p, "transfer", err, c.againAccount)
	}
	return redirect(accountURL(r.PathValue("account"))+"#credits", formatCredits(n)+" credits transferred.")
}
