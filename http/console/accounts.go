package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/stewardmdm/steward"
)

// treePage is how many accounts one page of the tree shows.
const treePage = 200

// accountRow is an account in a tree, with its depth below the actor's.
type accountRow struct {
	*steward.Account
	Depth int
}

// accountsView is the data of the accounts tree.
type accountsView struct {
	Kind, Status, Query string
	Deleted             bool
	DeletedParam        string // "1" when deleted accounts are included, for links
	Filtered            bool
	Rows                []accountRow
	After, Next         string
}

func depthBelow(a *steward.Actor, acc *steward.Account) int {
	return strings.Count(acc.Path, "/") - strings.Count(a.AccountPath, "/")
}

func (c *Console) accounts(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	q := r.URL.Query()
	v := accountsView{Kind: q.Get("kind"), Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")),
		Deleted: q.Get("deleted") == "1", After: q.Get("after")}
	v.Filtered = v.Kind != "" || v.Status != "" || v.Query != "" || v.Deleted
	if v.Deleted {
		v.DeletedParam = "1"
	}
	accs, err := c.svc.Accounts(r.Context(), steward.AccountFilter{Kind: steward.AccountKind(v.Kind),
		Status: steward.AccountStatus(v.Status), Query: v.Query, IncludeDeleted: v.Deleted, After: v.After, Limit: treePage})
	if err != nil {
		return nil, err
	}
	for _, a := range accs {
		v.Rows = append(v.Rows, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
	}
	if len(accs) == treePage {
		v.Next = accs[len(accs)-1].ID
	}
	p.Title, p.Nav, p.Data = "Accounts", "accounts", v
	return render("accounts")
}

// ledgerPage is how many ledger entries the account page shows at once.
const ledgerPage = 20

// managerRow is a login of the account, with what the actor may do to it.
type managerRow struct {
	*steward.Manager
	Manageable bool // the actor may change its role or delete it
	Self       bool
}

// ledgerRow is a ledger entry with the name of the other account.
type ledgerRow struct {
	*steward.LedgerEntry
	Counterparty string
}

// accountView is the data of an account's page.
type accountView struct {
	Account       *steward.Account
	Trail         []*steward.Account // from the actor's account down to the parent
	Own           bool               // the actor's own account
	Writable      bool               // the actor may change it (role, and not deleted)
	Children      []*steward.Account
	Managers      []managerRow
	Ledger        []ledgerRow
	LedgerBefore  string
	LedgerNext    string
	Targets       []accountRow // where credits can go
	ChildKinds    []steward.AccountKind
	StatusOptions []steward.AccountStatus
	RoleOptions   []steward.ManagerRole
	Privacy       *steward.PrivacySettings // a client account's switches
}

func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.accountView(r, p, r.PathValue("account"))
}

// accountView builds an account's page; the forms that fail render it again.
func (c *Console) accountView(r *http.Request, p *page, id string) (*response, error) {
	ctx, a := r.Context(), p.Actor
	acc, err := c.svc.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	v := accountView{Account: acc, Own: acc.ID == a.AccountID, Writable: a.Role.CanWrite() && acc.DeletedAt == nil,
		LedgerBefore: r.URL.Query().Get("ledger_before")}
	if ids := strings.Split(strings.Trim(acc.Path, "/"), "/"); !v.Own {
		for i := len(ids) - 2; i >= 0; i-- {
			up, err := c.svc.Account(ctx, ids[i])
			if err != nil {
				break // above the actor's reach
			}
			v.Trail = append([]*steward.Account{up}, v.Trail...)
		}
	}
	if v.Children, err = c.svc.Accounts(ctx, steward.AccountFilter{RootID: acc.ID, ParentID: acc.ID, IncludeDeleted: true, Limit: 1000}); err != nil {
		return nil, err
	}
	ms, err := c.svc.Managers(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		v.Managers = append(v.Managers, managerRow{Manager: m, Self: m.ID == a.ManagerID,
			Manageable: v.Writable && (a.Role == steward.RoleOwner || m.Role.Rank() < a.Role.Rank())})
	}
	entries, err := c.svc.Ledger(ctx, steward.LedgerFilter{AccountID: acc.ID, Before: v.LedgerBefore, Limit: ledgerPage})
	if err != nil {
		return nil, err
	}
	var others []string
	for _, e := range entries {
		others = append(others, e.CounterpartyID)
	}
	names := c.accountNames(ctx, others...)
	for _, e := range entries {
		v.Ledger = append(v.Ledger, ledgerRow{LedgerEntry: e, Counterparty: names[e.CounterpartyID]})
	}
	if len(entries) == ledgerPage {
		v.LedgerNext = entries[len(entries)-1].ID
	}
	if v.Writable {
		below, err := c.svc.Accounts(ctx, steward.AccountFilter{RootID: acc.ID, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, b := range below {
			if b.ID != acc.ID {
				v.Targets = append(v.Targets, accountRow{Account: b, Depth: depthBelow(a, b) - depthBelow(a, acc) - 1})
			}
		}
		for _, k := range []steward.AccountKind{steward.AccountReseller, steward.AccountClient} {
			if acc.Kind.CanParent(k) {
				v.ChildKinds = append(v.ChildKinds, k)
			}
		}
		if !v.Own {
			v.StatusOptions = statusOptions(a, acc.Status)
		}
		v.RoleOptions = roleOptions(a)
	}
	if acc.Kind == steward.AccountClient {
		if v.Privacy, err = c.svc.PrivacySettings(ctx, acc.ID); err != nil {
			return nil, err
		}
	}
	p.Title, p.Nav, p.Data = acc.Name, "accounts", v
	return render("account")
}

// statusOptions are the statuses the actor may move an account to.
func statusOptions(a *steward.Actor, current steward.AccountStatus) []steward.AccountStatus {
	if current == steward.StatusBlocked && !a.IsPlatformAdmin() {
		return nil
	}
	var out []steward.AccountStatus
	for _, s := range []steward.AccountStatus{steward.StatusActive, steward.StatusSuspended, steward.StatusBlocked} {
		if s != current && (s != steward.StatusBlocked || a.IsPlatformAdmin()) {
			out = append(out, s)
		}
	}
	return out
}

// roleOptions are the roles the actor may give: an owner any, an admin
// only roles below its own.
func roleOptions(a *steward.Actor) []steward.ManagerRole {
	var out []steward.ManagerRole
	for _, r := range []steward.ManagerRole{steward.RoleOwner, steward.RoleAdmin, steward.RoleReadOnly} {
		if a.Role == steward.RoleOwner || r.Rank() < a.Role.Rank() {
			out = append(out, r)
		}
	}
	return out
}

// againAccount renders the page of the path's account after a refused form.
func (c *Console) againAccount(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.accountView(r, p, r.PathValue("account"))
}

func accountURL(id string) string { return "/console/accounts/" + url.PathEscape(id) }

func (c *Console) createChild(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	acc, err := c.svc.CreateAccount(r.Context(), steward.AccountCreate{ParentID: r.PathValue("account"),
		Name: f.Get("name"), Kind: steward.AccountKind(f.Get("kind")), Notes: f.Get("notes")})
	if err != nil {
		return refused(w, r, p, "create-child", err, c.againAccount)
	}
	return redirect(accountURL(acc.ID), "The "+string(acc.Kind)+" account “"+acc.Name+"” is created. Add its first login below.")
}

func (c *Console) editAccount(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	acc, err := c.svc.Account(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	// Send only what changed, so the audit log records only real changes.
	f, in := r.PostForm, steward.AccountUpdate{}
	if name := f.Get("name"); name != acc.Name {
		in.Name = &name
	}
	if notes := f.Get("notes"); notes != acc.Notes {
		in.Notes = &notes
	}
	if acc.Kind != steward.AccountPlatform {
		support := steward.SupportPermissions{RemoteSupport: f.Get("support_remote") == "on", ViewDevices: f.Get("support_view") == "on"}
		if support != acc.Support {
			in.Support = &support
		}
	}
	if err := subscriptionUpdate(f, acc, &in); err != nil {
		steward.MarkAuthorized(r.Context()) // refused before any call; the page is read again below
		return refused(w, r, p, "edit", err, c.againAccount)
	}
	acc, err = c.svc.UpdateAccount(r.Context(), acc.ID, in)
	if err != nil {
		return refused(w, r, p, "edit", err, c.againAccount)
	}
	return redirect(accountURL(acc.ID), "Your changes are saved.")
}

func (c *Console) setStatus(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	acc, err := c.svc.SetAccountStatus(r.Context(), r.PathValue("account"),
		steward.AccountStatus(r.PostFormValue("status")), r.PostFormValue("reason"))
	if err != nil {
		return refused(w, r, p, "status", err, c.againAccount)
	}
	return redirect(accountURL(acc.ID), "“"+acc.Name+"” is now "+string(acc.Status)+".")
}

// deleteView is the data of the deletion confirmation.
type deleteView struct {
	Account *steward.Account
	Below   int // accounts deleted with it
}

func (c *Console) deletePage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	acc, err := c.svc.Account(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	below, err := c.svc.Accounts(r.Context(), steward.AccountFilter{RootID: acc.ID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Delete "+acc.Name, "accounts", deleteView{Account: acc, Below: max(len(below)-1, 0)}
	return render("delete")
}

func (c *Console) deleteAccount(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	acc, err := c.svc.Account(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.PostFormValue("confirm_name")) != acc.Name {
		return refused(w, r, p, "delete", steward.FieldErrorf("confirm_name", "Type the account's name exactly to confirm."), c.deletePage)
	}
	if _, err := c.svc.DeleteAccount(r.Context(), acc.ID); err != nil {
		return refused(w, r, p, "delete", err, c.deletePage)
	}
	to := "/console/accounts"
	if acc.ParentID != "" && acc.ID != p.Actor.AccountID {
		to = accountURL(acc.ParentID)
	}
	return redirect(to, "“"+acc.Name+"” and the accounts below it are deleted.")
}
