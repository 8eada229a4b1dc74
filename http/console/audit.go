package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// auditPage is how many entries one page of the audit log shows.
const auditPage = 50

// auditView is the data of the audit log.
type auditView struct {
	Action, ActorID, Target, AccountID, Since, Until string
	Direct                                           bool
	DirectParam                                      string // "1" when Direct, for links
	Filtered                                         bool
	AccountName                                      string
	Entries                                          []*steward.AuditEntry
	Names                                            map[string]string
	Before, Next                                     string
}

// dateParam reads a YYYY-MM-DD query parameter as the start of that day, UTC.
func dateParam(r *http.Request, name string) (*time.Time, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, steward.FieldErrorf(name, "Give the date as YYYY-MM-DD, such as 2026-01-31.")
	}
	return &t, nil
}

func (c *Console) audit(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	q := r.URL.Query()
	v := auditView{Action: strings.TrimSpace(q.Get("action")), ActorID: strings.TrimSpace(q.Get("actor")),
		Target: strings.TrimSpace(q.Get("target")), AccountID: q.Get("account"), Since: q.Get("since"), Until: q.Get("until"),
		Direct: q.Get("direct") == "1", Before: q.Get("before")}
	v.Filtered = v.Action != "" || v.ActorID != "" || v.Target != "" || v.AccountID != "" || v.Since != "" || v.Until != ""
	if v.Direct {
		v.DirectParam = "1"
	}
	p.Title, p.Nav = "Audit log", "audit"
	f := steward.AuditFilter{AccountID: v.AccountID, ActorID: v.ActorID, Action: v.Action, TargetID: v.Target,
		Before: v.Before, Limit: auditPage, OnlyDirect: v.Direct && v.AccountID != ""}
	since, err := dateParam(r, "since")
	if err == nil {
		var until *time.Time
		if until, err = dateParam(r, "until"); err == nil && until != nil {
			end := until.Add(24 * time.Hour) // the whole of the last day
			f.Until = &end
		}
		f.Since = since
	}
	if err != nil {
		steward.MarkAuthorized(r.Context()) // nothing is read
		p.Form = form{Name: "audit-filter", Values: q, Message: steward.ErrorMessage(err), Field: steward.ErrorField(err)}
		p.Data = v
		return &response{template: "audit", status: http.StatusBadRequest}, nil
	}
	if v.Entries, err = c.svc.AuditLog(r.Context(), f); err != nil {
		return nil, err
	}
	ids := []string{v.AccountID}
	for _, e := range v.Entries {
		ids = append(ids, e.AccountID)
	}
	v.Names = c.accountNames(r.Context(), ids...)
	v.AccountName = v.Names[v.AccountID]
	if len(v.Entries) == auditPage {
		v.Next = v.Entries[len(v.Entries)-1].ID
	}
	p.Data = v
	return render("audit")
}

// verifyView is the data of a chain verification.
type verifyView struct {
	Account *steward.Account
	Result  *steward.AuditVerification
}

func (c *Console) verifyAudit(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	acc, err := c.svc.Account(r.Context(), r.URL.Query().Get("account"))
	if err != nil {
		return nil, err
	}
	res, err := c.svc.VerifyAudit(r.Context(), acc.ID)
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Audit chain of "+acc.Name, "audit", verifyView{Account: acc, Result: res}
	return render("verify")
}

// securityView is the data of the security events page.
type securityView struct {
	Kind, Email, IP string
	Filtered        bool
	Events          []*steward.SecurityEvent
	Names           map[string]string
	Before, Next    string
}

func (c *Console) security(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	q := r.URL.Query()
	v := securityView{Kind: strings.TrimSpace(q.Get("kind")), Email: strings.TrimSpace(q.Get("email")),
		IP: strings.TrimSpace(q.Get("ip")), Before: q.Get("before")}
	v.Filtered = v.Kind != "" || v.Email != "" || v.IP != ""
	evs, err := c.svc.SecurityEvents(r.Context(), steward.SecurityEventFilter{Kind: v.Kind, Email: v.Email, IP: v.IP,
		Before: v.Before, Limit: auditPage})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(evs))
	for _, e := range evs {
		ids = append(ids, e.AccountID)
	}
	v.Events, v.Names = evs, c.accountNames(r.Context(), ids...)
	if len(evs) == auditPage {
		v.Next = evs[len(evs)-1].ID
	}
	p.Title, p.Nav, p.Data = "Security events", "security", v
	return render("security")
}
