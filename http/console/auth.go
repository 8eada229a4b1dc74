package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
)

// signedOutForm prepares a public page's form: a signed-in visitor's forms
// carry the session's CSRF token, a signed-out one's the form cookie's.
func (c *Console) signedOutForm(w http.ResponseWriter, r *http.Request, p *page) {
	if p.Actor == nil {
		p.CSRF = c.preCSRF(w, r)
	}
}

// loginView is the data of the sign-in page.
type loginView struct {
	Next string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	steward.MarkAuthorized(r.Context()) // public by design
	next := r.FormValue("next")
	if p.Actor != nil && !p.Form.Failed("login") {
		return redirect(localNext(next), "")
	}
	c.signedOutForm(w, r, p)
	p.Title, p.Data = "Sign in", loginView{Next: localNext(next)}
	return render("login")
}

func (c *Console) login(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	res, err := c.svc.Login(r.Context(), steward.LoginRequest{Email: r.PostFormValue("email"), Password: r.PostFormValue("password"),
		IP: web.ClientIP(r, c.opts.TrustProxy), UserAgent: r.UserAgent()})
	if err != nil {
		code := steward.ErrorCode(err)
		if code == steward.EINTERNAL {
			return nil, err
		}
		if code == steward.ERATELIMITED {
			w.Header().Set("Retry-After", "60")
		}
		p.Form = form{Name: "login", Values: r.PostForm, Message: steward.ErrorMessage(err)}
		out, err := c.loginPage(w, r, p)
		if err != nil {
			return nil, err
		}
		out.status = web.Status(code)
		return out, nil
	}
	if p.Actor != nil && p.Actor.SessionID != "" { // signing in again ends the old session
		_ = c.svc.Logout(r.Context(), p.Actor.SessionID)
	}
	web.SetSessionCookie(w, res.Secret, c.opts.SecureCookies, int(time.Until(res.Session.ExpiresAt).Seconds()))
	next := localNext(r.PostFormValue("next"))
	if res.MustChangePassword {
		return redirect("/console/password?next="+url.QueryEscape(next), "")
	}
	return redirect(next, "")
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	if err := c.svc.Logout(r.Context(), p.Actor.SessionID); err != nil {
		return nil, err
	}
	web.ClearSessionCookie(w, c.opts.SecureCookies)
	return redirect("/console/login", "You are signed out.")
}

// passwordView is the data of the password page.
type passwordView struct {
	Next   string
	Forced bool
}

func (c *Console) passwordPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	if _, _, err := c.svc.Me(r.Context()); err != nil {
		return nil, err
	}
	p.Title, p.Nav = "Change your password", "password"
	p.Data = passwordView{Next: localNext(r.FormValue("next")), Forced: p.MustChange}
	return render("password")
}

func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	next := r.PostFormValue("new_password")
	if next != r.PostFormValue("confirm_password") {
		err := steward.FieldErrorf("confirm_password", "The two new passwords differ. Type the same password twice.")
		return refused(w, r, p, "password", err, c.passwordPage)
	}
	if err := c.svc.ChangePassword(r.Context(), r.PostFormValue("current_password"), next); err != nil {
		return refused(w, r, p, "password", err, c.passwordPage)
	}
	return redirect(localNext(r.PostFormValue("next")), "Your password is changed. Your other sessions are signed out.")
}

func (c *Console) forgotPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	steward.MarkAuthorized(r.Context()) // public by design
	c.signedOutForm(w, r, p)
	p.Title = "Reset your password"
	return render("forgot")
}

func (c *Console) forgot(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	err := c.svc.RequestPasswordReset(r.Context(), r.PostFormValue("email"), web.ClientIP(r, c.opts.TrustProxy))
	if err != nil {
		return refused(w, r, p, "forgot", err, c.forgotPage)
	}
	return redirect("/console/login", "If a login exists for that address, a reset link is on its way to it. The link works for an hour.")
}

// linkView is the data of the pages opened from an emailed one-time link.
type linkView struct {
	Token      string
	Invitation bool
	Action     string
}

func (c *Console) linkPage(w http.ResponseWriter, r *http.Request, p *page, invitation bool) (*response, error) {
	steward.MarkAuthorized(r.Context()) // the one-time token is the credential, checked on submit
	c.signedOutForm(w, r, p)
	v := linkView{Token: r.FormValue("token"), Invitation: invitation, Action: "/console/reset"}
	p.Title = "Choose a new password"
	if invitation {
		v.Action, p.Title = "/console/invite", "Accept your invitation"
	}
	p.Data = v
	return render("link")
}

func (c *Console) resetPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.linkPage(w, r, p, false)
}

func (c *Console) invitePage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.linkPage(w, r, p, true)
}

func (c *Console) useLink(w http.ResponseWriter, r *http.Request, p *page, invitation bool) (*response, error) {
	again := func(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
		return c.linkPage(w, r, p, invitation)
	}
	pw := r.PostFormValue("new_password")
	if pw != r.PostFormValue("confirm_password") {
		return refused(w, r, p, "link", steward.FieldErrorf("confirm_password", "The two passwords differ. Type the same password twice."), again)
	}
	err := c.svc.ResetPassword(r.Context(), r.PostFormValue("token"), pw, invitation)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		err = &steward.Error{Code: steward.ENOTFOUND, Field: "token",
			Message: "This link is invalid, already used or expired. Ask for a new one."}
		p.Form = form{Name: "link", Values: r.PostForm, Message: steward.ErrorMessage(err), Field: "token"}
		res, err := again(w, r, p)
		if err != nil {
			return nil, err
		}
		res.status = http.StatusGone
		return res, nil
	} else if err != nil {
		return refused(w, r, p, "link", err, again)
	}
	msg := "Your password is set. Sign in with it."
	if invitation {
		msg = "Welcome to Steward. Your password is set: sign in with it."
	}
	return redirect("/console/login", msg)
}

func (c *Console) reset(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.useLink(w, r, p, false)
}

func (c *Console) invite(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.useLink(w, r, p, true)
}
