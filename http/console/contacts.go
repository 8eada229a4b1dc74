package console

import (
	"net/http"
	"net/url"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// The shared contacts pages: an account's contacts with a creation form,
// and one contact's page to edit or delete it.

// contactRow is a contact with its targets named.
type contactRow struct {
	*steward.Contact
	TargetNames []string
}

// contactsView is the data of the contacts page and of a contact's page.
type contactsView struct {
	*directoryScope
	Rows    []contactRow
	Contact *steward.Contact // the contact's page
	Targets *targetsView     // nil for read-only logins
	Self    string           // this page's address (with its account)
}

func (c *Console) contacts(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.contactsView(r, p, r.URL.Query().Get("account"))
}

func (c *Console) againContacts(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.contactsView(r, p, r.PostFormValue("account_id"))
}

func (c *Console) contactsView(r *http.Request, p *page, accountID string) (*response, error) {
	ctx := r.Context()
	scope, err := c.directoryScope(r, p, accountID)
	if err != nil {
		return nil, err
	}
	cs, err := c.svc.ListContacts(ctx, scope.Account.ID)
	if err != nil {
		return nil, err
	}
	v := contactsView{directoryScope: scope, Self: accountQuery("/console/contacts", scope, p)}
	targets, names, err := c.choices(ctx, p, "create-contact", scope.Account, nil)
	if err != nil {
		return nil, err
	}
	if p.CanWrite() {
		v.Targets = targets
	}
	for _, x := range cs {
		v.Rows = append(v.Rows, contactRow{Contact: x, TargetNames: names.describe(x.Targets)})
	}
	p.Title, p.Nav, p.Data = "Contacts", "contacts", v
	return render("contacts")
}

// contactFields reads a contact form.
func contactFields(f url.Values) (name, email, phone, note string) {
	return f.Get("name"), f.Get("email"), f.Get("phone"), f.Get("note")
}

func (c *Console) createContact(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	targets, err := formTargets(f)
	if err != nil {
		steward.MarkAuthorized(r.Context()) // refused before any call; the page is read again below
		return refused(w, r, p, "create-contact", err, c.againContacts)
	}
	in := service.ContactCreate{AccountID: f.Get("account_id"), Targets: targets}
	in.Name, in.Email, in.Phone, in.Note = contactFields(f)
	x, err := c.svc.CreateContact(r.Context(), in)
	if err != nil {
		return refused(w, r, p, "create-contact", err, c.againContacts)
	}
	return redirect(contactsURL(x.AccountID, p)+"#contact-"+x.ID, x.Name+" is added; the devices it targets receive it.")
}

func contactsURL(accountID string, p *page) string {
	if accountID == p.Actor.AccountID {
		return "/console/contacts"
	}
	return "/console/contacts?account=" + url.QueryEscape(accountID)
}

func (c *Console) contactPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	x, err := c.svc.Contact(ctx, r.PathValue("contact"))
	if err != nil {
		return nil, err
	}
	scope, err := c.directoryScope(r, p, x.AccountID)
	if err != nil {
		return nil, err
	}
	v := contactsView{directoryScope: scope, Contact: x, Self: contactsURL(x.AccountID, p)}
	targets, names, err := c.choices(ctx, p, "edit-contact", scope.Account, x.Targets)
	if err != nil {
		return nil, err
	}
	if p.CanWrite() {
		v.Targets = targets
	}
	v.Rows = []contactRow{{Contact: x, TargetNames: names.describe(x.Targets)}}
	p.Title, p.Nav, p.Data = x.Name, "contacts", v
	return render("contact")
}

func (c *Console) updateContact(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	targets, err := formTargets(f)
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return refused(w, r, p, "edit-contact", err, c.contactPage)
	}
	name, email, phone, note := contactFields(f)
	x, err := c.svc.UpdateContact(r.Context(), r.PathValue("contact"), service.ContactUpdate{Name: &name, Email: &email,
		Phone: &phone, Note: &note, Targets: &targets})
	if err != nil {
		return refused(w, r, p, "edit-contact", err, c.contactPage)
	}
	return redirect(contactsURL(x.AccountID, p)+"#contact-"+x.ID, x.Name+" is saved; the devices it targets are updated.")
}

func (c *Console) deleteContact(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	x, err := c.svc.Contact(ctx, r.PathValue("contact"))
	if err != nil {
		return nil, err
	}
	if err := c.svc.DeleteContact(ctx, x.ID); err != nil {
		return nil, err
	}
	return redirect(contactsURL(x.AccountID, p), x.Name+" is deleted; the devices that held it remove it.")
}
