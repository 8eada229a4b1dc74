package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/privacy"
)

// The privacy centre: the data catalog, the retention status of each
// category, legal holds (placed and released by platform administrators)
// and the receipts of recent sweeps. Managers below the platform see the
// catalog and the holds on their subtree.

// receiptRow is a sweep receipt, decoded.
type receiptRow struct {
	*steward.AuditEntry
	steward.RetentionReceipt
}

// holdRow is a legal hold with its account's name and state.
type holdRow struct {
	*steward.LegalHold
	AccountName string
	Active      bool
}

type privacyView struct {
	Catalog    []steward.Category
	Status     []*steward.RetentionStatus
	Holds      []holdRow
	Receipts   []receiptRow
	Accounts   []accountRow // where a platform administrator may place holds
	Categories []string
}

func (c *Console) privacyPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	v := privacyView{Catalog: privacy.Catalog()}
	hs, err := c.svc.LegalHolds(ctx, steward.HoldFilter{Limit: 200})
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, h := range hs {
		ids = append(ids, h.AccountID)
	}
	names := c.accountNames(ctx, ids...)
	now := time.Now()
	for _, h := range hs {
		v.Holds = append(v.Holds, holdRow{LegalHold: h, AccountName: names[h.AccountID], Active: h.Active(now)})
	}
	if p.PlatformAdmin() {
		if v.Status, err = c.svc.RetentionStatus(ctx); err != nil {
			return nil, err
		}
		es, err := c.svc.RetentionReceipts(ctx, 30)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			row := receiptRow{AuditEntry: e}
			if err := json.Unmarshal(e.Summary, &row.RetentionReceipt); err == nil {
				v.Receipts = append(v.Receipts, row)
			}
		}
		accs, err := c.svc.Accounts(ctx, steward.AccountFilter{Limit: 1000, IncludeDeleted: true})
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			v.Accounts = append(v.Accounts, accountRow{Account: a})
		}
		for _, cat := range v.Catalog {
			v.Categories = append(v.Categories, cat.Name)
		}
	}
	p.Title, p.Nav, p.Data = "Privacy centre", "privacy", v
	return render("privacy")
}

// holdFields maps the service's fields to the inputs of the hold form.
var holdFields = map[string]string{"expires_at": "days"}

func (c *Console) createHold(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	in := steward.LegalHoldCreate{AccountID: f.Get("account_id"), Reason: f.Get("reason"), Scope: steward.HoldAccount}
	if s := strings.TrimSpace(f.Get("subject_id")); s != "" {
		in.Scope, in.SubjectID = steward.HoldSubject, s
	} else if cat := f.Get("category"); cat != "" {
		in.Scope, in.Category = steward.HoldCategory, cat
	}
	if d := strings.TrimSpace(f.Get("days")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3650 {
			steward.MarkAuthorized(r.Context()) // refused before any call; the page is read again below
			return refused(w, r, p, "create-hold", steward.FieldErrorf("days", "The duration is a whole number of days from 1 to 3650, or empty for no end."), c.privacyPage)
		}
		t := time.Now().Add(time.Duration(n) * 24 * time.Hour)
		in.ExpiresAt = &t
	}
	h, err := c.svc.CreateLegalHold(r.Context(), in)
	if err != nil {
		return refused(w, r, p, "create-hold", asFormError(err, holdFields), c.privacyPage)
	}
	return redirect("/console/privacy#holds", "Legal hold placed: the retention sweep keeps what it covers until it is released ("+h.ID+").")
}

func (c *Console) releaseHold(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	h, err := c.svc.ReleaseLegalHold(r.Context(), r.PathValue("hold"))
	if err != nil {
		return refused(w, r, p, "holds", err, c.privacyPage)
	}
	return redirect("/console/privacy#holds", "Legal hold "+h.ID+" released: the next sweep removes what it kept, if its time has come.")
}

// subscriptionUpdate adds the subscription dates of the account form to
// in when they changed (the form shows them only to the accounts above).
// An empty date leaves the field as it is.
func subscriptionUpdate(f url.Values, acc *steward.Account, in *steward.AccountUpdate) error {
	for _, d := range []struct {
		name string
		cur  *time.Time
		set  **time.Time
	}{{"subscription_start", acc.SubscriptionStart, &in.SubscriptionStart}, {"subscription_end", acc.SubscriptionEnd, &in.SubscriptionEnd}} {
		v := strings.TrimSpace(f.Get(d.name))
		if v == "" || v == dayOf(d.cur) {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return steward.FieldErrorf(d.name, "Give a date such as 2026-01-31.")
		}
		*d.set = &t
	}
	return nil
}
