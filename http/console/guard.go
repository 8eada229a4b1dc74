package console

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
)

// maxForm bounds a console form body: the largest field is an account's notes.
const maxForm = 64 << 10

// route is one entry of the route table.
type route struct {
	method, pattern string
	public          bool // reachable signed out (sign-in, reset links, sign-out)
	beforePassword  bool // reachable while a forced password change is pending
	// maxBody bounds a POST body in place of maxForm, for a form that
	// uploads a file (multipart/form-data, kept in memory).
	maxBody int64
	h       handler
}

// handler answers one console request. It fills the page and returns what to
// send, or an error whose code picks the error page. It may set headers
// (cookies) on w but never writes a body: the wrapper does, after checking
// that authorisation was consulted.
type handler func(w http.ResponseWriter, r *http.Request, p *page) (*response, error)

// response is a handler's answer: a page to render or a place to go.
type response struct {
	status   int    // default 200
	template string // page template to render with the page data
	redirect string // local URL for a 303 See Other
	flash    string // message shown on the next page (redirects only)
}

func render(tmpl string) (*response, error) { return &response{template: tmpl}, nil }

func redirect(to, flash string) (*response, error) {
	return &response{redirect: to, flash: flash}, nil
}

// wrap authenticates the request, enforces sign-in, the forced password
// change and the CSRF token, runs the handler under the authorisation guard
// and sends its answer.
func (c *Console) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ctx, check := steward.NewContextWithAuthzCheck(r.Context())
		r = r.WithContext(ctx)
		p := &page{Flash: readFlash(r)}

		auth, err := web.Credentials(r, c.svc, c.opts.TrustProxy)
		if err == nil && auth != nil && auth.Session == nil {
			err = steward.Errorf(steward.EUNAUTHENTICATED, "The console takes a console sign-in, not an API token.")
		}
		if err != nil {
			if steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
				c.fail(w, r, p, err)
				return
			}
			// An ended session: forget the cookie, carry on signed out.
			web.ClearSessionCookie(w, c.opts.SecureCookies)
			auth = nil
		}
		if auth == nil && !rt.public {
			c.toLogin(w, r)
			return
		}
		if r.Method == http.MethodPost {
			if err := parseForm(w, r, rt.maxBody); err != nil {
				c.fail(w, r, p, err)
				return
			}
			if err := c.checkOrigin(r); err != nil {
				c.fail(w, r, p, err)
				return
			}
		}
		if auth != nil {
			p.Actor, p.CSRF, p.MustChange = auth.Actor, auth.Session.CSRFToken, auth.MustChangePassword
			r = r.WithContext(steward.NewContextWithActor(r.Context(), auth.Actor))
			if auth.MustChangePassword && !rt.beforePassword {
				http.Redirect(w, r, "/console/password", http.StatusSeeOther)
				return
			}
			if err := web.CheckCSRF(r, auth.Session); err != nil {
				c.fail(w, r, p, err)
				return
			}
		} else if r.Method == http.MethodPost {
			if err := checkPreCSRF(r); err != nil {
				c.fail(w, r, p, err)
				return
			}
		}

		res, err := rt.h(w, r, p)
		if err == nil && !check.Checked() {
			// A handler that never asked the authoriser is a bug: fail
			// loudly instead of answering with data nobody vetted.
			err = errors.New("authorisation was not checked for " + r.Method + " " + rt.pattern)
			w.Header().Del("Set-Cookie")
		}
		if err != nil {
			c.fail(w, r, p, err)
			return
		}
		c.send(w, r, p, res)
	})
}

// parseForm reads a POST body of at most maxForm bytes, or of maxBody for
// a route that takes a multipart upload, which is kept in memory.
func parseForm(w http.ResponseWriter, r *http.Request, maxBody int64) error {
	limit := int64(maxForm)
	if maxBody > 0 {
		limit = maxBody
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); maxBody > 0 && mt == "multipart/form-data" {
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) && maxBody > 0:
		return steward.Errorf(steward.ETOOLARGE, "The upload is larger than %d MiB.", limit>>20)
	case err != nil:
		return steward.Errorf(steward.ETOOLARGE, "The form is too large or malformed.")
	}
	return nil
}

// toLogin sends a signed-out visitor to the sign-in page, remembering the
// page it asked for when that was a plain visit.
func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	to := "/console/login"
	if r.Method == http.MethodGet && r.URL.Path != "/console/" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localNext returns next if it is a console path on this server, else the
// dashboard: a sign-in link must not send anyone elsewhere.
func localNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || !strings.HasPrefix(path.Clean(u.Path)+"/", "/console/") {
		return "/console/"
	}
	return next
}

// checkOrigin refuses a form posted from another origin, when the browser
// says where it comes from. The CSRF token is the real defence; this is a
// second, cheap one.
func (c *Console) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" && r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	// Behind a trusted proxy that rewrites Host, the public host is forwarded.
	if fwd := r.Header.Get("X-Forwarded-Host"); err == nil && c.opts.TrustProxy && fwd != "" &&
		strings.EqualFold(u.Host, strings.TrimSpace(strings.Split(fwd, ",")[0])) {
		return nil
	}
	return steward.Errorf(steward.EFORBIDDEN, "The form was sent from another site, so it was refused.")
}

// preCSRFCookie holds the token that guards the signed-out forms (sign-in,
// reset): without it another site could sign a visitor in to its own login.
const preCSRFCookie = "steward_form"

// preCSRF returns the signed-out form token, setting its cookie when new.
func (c *Console) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(preCSRFCookie); err == nil && len(ck.Value) >= 20 {
		return ck.Value
	}
	v := steward.NewSecret("", 20)
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: v, Path: "/console/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.opts.SecureCookies})
	return v
}

func checkPreCSRF(r *http.Request) error {
	ck, err := r.Cookie(preCSRFCookie)
	got := r.PostFormValue(web.CSRFField)
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ck.Value)) != 1 {
		return steward.Errorf(steward.EFORBIDDEN, "The form's security token is missing or stale. Reload the page (cookies must be on) and try again.")
	}
	return nil
}

// send renders the handler's answer.
func (c *Console) send(w http.ResponseWriter, r *http.Request, p *page, res *response) {
	if res.redirect != "" {
		if res.flash != "" {
			c.setFlash(w, res.flash)
		}
		http.Redirect(w, r, res.redirect, http.StatusSeeOther)
		return
	}
	status := res.status
	if status == 0 {
		status = http.StatusOK
	}
	c.write(w, r, p, res.template, status)
}

// write renders a page template into a buffer and sends it, so a template
// error becomes an error page rather than half a page.
func (c *Console) write(w http.ResponseWriter, r *http.Request, p *page, name string, status int) {
	c.fillLayout(r, p)
	if p.Flash != "" {
		clearFlash(w)
	}
	t, ok := c.pages[name]
	var buf bytes.Buffer
	var err error
	if !ok {
		err = errors.New("no template " + name)
	} else {
		err = t.ExecuteTemplate(&buf, "layout", p)
	}
	if err != nil {
		c.logger.Error("render console page", "template", name, "err", err)
		if name != "error" {
			c.fail(w, r, p, err)
			return
		}
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers with an error page: 404 for what is missing or out of
// reach, 403 for a refused form, the sign-in page for an ended session.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, p *page, err error) {
	code := steward.ErrorCode(err)
	if code == steward.EUNAUTHENTICATED {
		web.ClearSessionCookie(w, c.opts.SecureCookies)
		c.toLogin(w, r)
		return
	}
	if code == steward.EINTERNAL {
		c.logger.Error("console internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := web.Status(code)
	if code == steward.ERATELIMITED {
		w.Header().Set("Retry-After", "60")
	}
	p.Title, p.Data = http.StatusText(status), errorView{Status: status, Code: code, Message: steward.ErrorMessage(err)}
	switch code {
	case steward.ENOTFOUND:
		p.Title = "Not found"
	case steward.EFORBIDDEN:
		p.Title = "Refused"
	}
	c.write(w, r, p, "error", status)
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Code    string
	Message string
}

// notFound answers every console path that no route serves.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	steward.MarkAuthorized(r.Context()) // answers nothing but "no such page"
	return nil, steward.Errorf(steward.ENOTFOUND, "There is no console page at %s.", r.URL.Path)
}
