package console

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
)

//go:embed templates static
var assets embed.FS

// parseTemplates parses every page in templates/pages with the layout and
// the shared partials. Each page defines "title" (optional) and "content".
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse console layout: %w", err)
	}
	names, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("parse console page %s: %w", n, err)
		}
		pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return pages, nil
}

// page is what every template receives.
type page struct {
	Title      string
	Nav        string // the active menu item
	Actor      *steward.Actor
	Account    *steward.Account // the actor's own account, for the header
	CSRF       string           // the session's CSRF token, or the signed-out form token
	MustChange bool
	Flash      string
	Form       form // the form that was refused, if any
	Data       any
}

// CanWrite reports whether the signed-in manager may change things.
func (p *page) CanWrite() bool { return p.Actor != nil && p.Actor.Role.CanWrite() }

// PlatformAdmin reports whether the signed-in manager administers the platform.
func (p *page) PlatformAdmin() bool { return p.Actor.IsPlatformAdmin() }

// SeesSecurity reports whether the security events page is for this manager.
func (p *page) SeesSecurity() bool {
	return p.Actor != nil && p.Actor.AccountKind == steward.AccountPlatform
}

// fillLayout looks up what the header shows. It runs after the handler and
// its authorisation check, so it cannot mark an unchecked request checked.
func (c *Console) fillLayout(r *http.Request, p *page) {
	if p.Actor != nil && p.Account == nil {
		if acc, err := c.svc.Account(r.Context(), p.Actor.AccountID); err == nil {
			p.Account = acc
		}
	}
}

// form is a refused form: which one, what was sent and what was wrong.
type form struct {
	Name    string
	Values  url.Values
	Message string
	Field   string
}

// Failed reports whether the named form is the refused one.
func (f form) Failed(name string) bool { return f.Name != "" && f.Name == name }

// Value returns what was sent in a field of the refused form, so the
// visitor does not type it again.
func (f form) Value(name, field string) string {
	if !f.Failed(name) {
		return ""
	}
	return f.Values.Get(field)
}

// FieldError returns the message for a field of the named form.
func (f form) FieldError(name, field string) string {
	if f.Failed(name) && f.Field == field {
		return f.Message
	}
	return ""
}

// formAlert is the error summary at the top of a refused form.
type formAlert struct {
	Message string
	Label   string // the field's label, when the error names one
	Anchor  string
}

// Alert returns the summary for the named form, or nil.
func (f form) Alert(name string) *formAlert {
	if !f.Failed(name) {
		return nil
	}
	a := &formAlert{Message: f.Message}
	if f.Field != "" {
		a.Label, a.Anchor = fieldLabel(f.Field), name+"-"+f.Field
	}
	return a
}

var labels = map[string]string{
	"name": "Name", "email": "Email", "password": "Password", "role": "Role", "kind": "Kind",
	"parent_id": "Parent account", "notes": "Notes", "status": "Status", "reason": "Reason",
	"amount": "Amount", "to_id": "Destination account", "expires_at": "Expiry date",
	"current_password": "Current password", "new_password": "New password", "confirm_password": "Confirm the new password",
	"subscription_end": "Subscription end", "token": "Link", "confirm_name": "Confirmation",
	"q": "Search", "online": "Online", "ownership": "Ownership", "type": "Command", "title": "Title", "body": "Message",
	"message": "Lock screen message", "package": "Package", "confirm_support_id": "Support ID", "account_id": "Client account",
	"target": "Target", "mode": "Mode", "confirm_package": "Confirmation",
	"seats": "Seats", "valid_days": "Valid for (days)", "note": "Note", "confirm_delete": "Confirmation",
	"description": "Description", "priority": "Priority", "device_ids": "Devices", "folder_id": "Folder", "group_id": "Group",
	"phone": "Phone", "targets": "Send to",
}

func fieldLabel(f string) string {
	if l, ok := labels[f]; ok {
		return l
	}
	return f
}

// refused answers a form the service turned down: the page again, with the
// message next to the form and the field, and the status of the error.
// Errors that are not about what was typed become error pages: not found,
// forbidden (the page offers no such form to whoever may not use it) and
// internal errors.
func refused(w http.ResponseWriter, r *http.Request, p *page, name string, err error,
	again func(w http.ResponseWriter, r *http.Request, p *page) (*response, error)) (*response, error) {
	switch code := steward.ErrorCode(err); code {
	case steward.ENOTFOUND, steward.EFORBIDDEN, steward.EUNAUTHENTICATED, steward.EINTERNAL:
		return nil, err
	default:
		steward.MarkAuthorized(r.Context()) // the service answered; nothing changed
		p.Form = form{Name: name, Values: r.PostForm, Message: steward.ErrorMessage(err), Field: steward.ErrorField(err)}
		res, err := again(w, r, p)
		if err != nil {
			return nil, err
		}
		res.status = web.Status(code)
		return res, nil
	}
}

// asFormError renames the field of a service error to the form's input.
func asFormError(err error, fields map[string]string) error {
	var e *steward.Error
	if errors.As(err, &e) && fields[e.Field] != "" {
		return &steward.Error{Code: e.Code, Message: e.Message, Field: fields[e.Field]}
	}
	return err
}

// inputView is one labelled input, rendered by the "input" partial.
type inputView struct {
	ID, Name, Label, Type, Value, Hint, Error, Autocomplete, Min, Max, Maxlength string
	Required, Autofocus                                                          bool
}

// input describes an input of a form. attrs are "required", "autofocus" and
// "key=value" pairs for autocomplete, hint, value (the default), min, max
// and maxlength.
func input(p *page, formName, name, label, typ string, attrs ...string) inputView {
	v := inputView{ID: formName + "-" + name, Name: name, Label: label, Type: typ}
	for _, a := range attrs {
		k, val, _ := strings.Cut(a, "=")
		switch k {
		case "required":
			v.Required = true
		case "autofocus":
			v.Autofocus = true
		case "autocomplete":
			v.Autocomplete = val
		case "hint":
			v.Hint = val
		case "value":
			v.Value = val
		case "min":
			v.Min = val
		case "max":
			v.Max = val
		case "maxlength":
			v.Maxlength = val
		}
	}
	if p.Form.Failed(formName) && typ != "password" {
		v.Value = p.Form.Values.Get(name)
	}
	v.Error = p.Form.FieldError(formName, name)
	if v.Error != "" {
		v.Autofocus = true
	}
	return v
}

const flashCookie = "steward_flash"

// setFlash keeps a message for the next page (after a redirect).
func (c *Console) setFlash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)),
		Path: "/console/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.opts.SecureCookies, MaxAge: 60})
}

// readFlash returns the message kept for this page, if any.
func readFlash(r *http.Request) string {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}

func clearFlash(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/console/", MaxAge: -1})
}

// auditRows is the data of the "audit-rows" partial.
type auditRows struct {
	Entries []*steward.AuditEntry
	Names   map[string]string
	Compact bool // leave out the target and address columns
}

var funcs = template.FuncMap{
	"input":  input,
	"list":   func(s ...string) []string { return s },
	"indent": func(n int) string { return strings.Repeat("— ", min(max(n, 0), 8)) },
	"rows": func(es []*steward.AuditEntry, names map[string]string) auditRows {
		return auditRows{Entries: es, Names: names}
	},
	"compactRows": func(es []*steward.AuditEntry, names map[string]string) auditRows {
		return auditRows{Entries: es, Names: names, Compact: true}
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"day":     func(t *time.Time) string { return dayOf(t) },
	"credits": formatCredits,
	"count":   func(n int) string { return formatCredits(int64(n)) },
	"signed": func(n int64) string {
		if n > 0 {
			return "+" + formatCredits(n)
		}
		return formatCredits(n)
	},
	"json": func(b json.RawMessage) string {
		if len(b) == 0 {
			return ""
		}
		return string(b)
	},
	"label": fieldLabel,
	"ago": func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return ago(time.Now(), *t)
	},
	"duration":   duration,
	"event":      eventSummary,
	"cmdName":    commandName,
	"cmdSummary": commandSummary,
	"ownership":  ownershipName,
	"dangerous":  isDangerous,
	"bytes":      formatBytes,
	"fileKind":   fileKind,
	"deref": func(p any) any {
		switch v := p.(type) {
		case *int:
			if v != nil {
				return *v
			}
		case *bool:
			if v != nil {
				return *v
			}
		case *int64:
			if v != nil {
				return *v
			}
		case *float64:
			if v != nil {
				return *v
			}
		}
		return nil
	},
	"roleName": func(r steward.ManagerRole) string {
		return map[steward.ManagerRole]string{steward.RoleOwner: "Owner", steward.RoleAdmin: "Admin", steward.RoleReadOnly: "Read-only"}[r]
	},
	"depth": func(n int) string { return "depth-" + strconv.Itoa(min(max(n, 0), 8)) },
	"short": func(id string) string {
		if len(id) > 10 {
			return "…" + id[len(id)-8:]
		}
		return id
	},
	"query": func(base string, kv ...string) string {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	},
}

func dayOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// formatCredits writes n with thousands separators: 12,500.
func formatCredits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}
