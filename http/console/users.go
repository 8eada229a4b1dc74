package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/service"
)

// The directory's pages: a client account's users (people, not logins),
// their custom field definitions, the CSV import and the export link, and
// the user of a device on the device's page.

const (
	userPage     = 50  // users per page of the list
	userColumns  = 3   // custom fields shown as columns of the list
	blankFields  = 3   // empty rows the field editor offers for new fields
	deviceUsers  = 500 // users suggested on a device's page
	importMaxRaw = service.MaxUserImportBytes + maxForm
)

// directoryPick is the client account the users pages work on, and the
// client accounts the actor may pick from (when there are several).
type directoryPick struct {
	Account *steward.Account // nil until one is picked
	Clients []*steward.Account
}

// pickerView is the data of the "directory-picker" partial.
type pickerView struct {
	Pick directoryPick
	Path string // the page the picker reloads
}

// Picker returns the picker of the page at path.
func (d directoryPick) Picker(path string) pickerView { return pickerView{Pick: d, Path: path} }

// pickDirectory resolves the account a users page names ("" for the
// actor's own when it is a client account), with the client accounts in
// reach for the picker.
func (c *Console) pickDirectory(r *http.Request, p *page, id string) (directoryPick, error) {
	ctx := r.Context()
	var d directoryPick
	clients, err := c.svc.Accounts(ctx, steward.AccountFilter{Kind: steward.AccountClient, Limit: 1000})
	if err != nil {
		return d, err
	}
	for _, a := range clients {
		if a.DeletedAt == nil {
			d.Clients = append(d.Clients, a)
		}
	}
	if id == "" && p.Actor.AccountKind == steward.AccountClient {
		id = p.Actor.AccountID
	}
	if id == "" && len(d.Clients) == 1 {
		id = d.Clients[0].ID
	}
	if id != "" {
		if d.Account, err = c.svc.Account(ctx, id); err != nil {
			return d, err
		}
		if d.Account.Kind != steward.AccountClient {
			return d, steward.Errorf(steward.ENOTFOUND, "%s is not a client account: users belong to client accounts.", d.Account.Name)
		}
	}
	if len(d.Clients) < 2 {
		d.Clients = nil
	}
	return d, nil
}

// usersView is the data of the users list.
type usersView struct {
	directoryPick
	Fields      []steward.CustomFieldDef
	Columns     []steward.CustomFieldDef // the first few, shown in the table
	Users       []*steward.DirectoryUser
	Query       string
	After, Next string
	ExportURL   string
}

// Span is the number of the table's columns.
func (v *usersView) Span() int { return len(v.Columns) + 4 }

func (c *Console) users(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	q := r.URL.Query()
	d, err := c.pickDirectory(r, p, q.Get("account"))
	if err != nil {
		return nil, err
	}
	v := usersView{directoryPick: d, Query: strings.TrimSpace(q.Get("q")), After: q.Get("after")}
	p.Title, p.Nav, p.Data = "Users", "users", &v
	if d.Account == nil {
		return render("users")
	}
	ctx := r.Context()
	if v.Fields, err = c.svc.UserFields(ctx, d.Account.ID); err != nil {
		return nil, err
	}
	v.Columns = v.Fields[:min(len(v.Fields), userColumns)]
	if v.Users, err = c.svc.Users(ctx, d.Account.ID, steward.UserFilter{Query: v.Query, After: v.After, Limit: userPage}); err != nil {
		return nil, err
	}
	if len(v.Users) == userPage {
		v.Next = v.Users[len(v.Users)-1].Email
	}
	v.ExportURL = "/api/v1/accounts/" + url.PathEscape(d.Account.ID) + "/users/export"
	p.Title = "Users of " + d.Account.Name
	return render("users")
}

// customInput is one custom field of the user form.
type customInput struct {
	steward.CustomFieldDef
	Name, ID, Value, Error string
}

// userFormView is the data of the user form (new or edit).
type userFormView struct {
	Account *steward.Account
	User    *steward.DirectoryUser // nil for a new user
	Inputs  []customInput
	Devices string // support IDs separated by spaces
	Alert   *formAlert
}

// userForm is the form's name; its inputs are named as the service's
// fields, so an error lands next to its input.
const userForm = "user"

// userFormFields maps the service's fields to the form's inputs.
func userFormField(field string) string {
	if strings.HasPrefix(field, "device_ids") {
		return "devices"
	}
	return field
}

// buildUserForm fills the form from the user (or blank), or from what was
// sent when the form was refused.
func (c *Console) buildUserForm(r *http.Request, p *page, acc *steward.Account, u *steward.DirectoryUser) (*userFormView, error) {
	defs, err := c.svc.UserFields(r.Context(), acc.ID)
	if err != nil {
		return nil, err
	}
	v := &userFormView{Account: acc, User: u}
	refused := p.Form.Failed(userForm)
	if u != nil {
		var ids []string
		for _, d := range u.Devices {
			ids = append(ids, d.SupportID)
		}
		v.Devices = strings.Join(ids, " ")
	}
	if refused {
		v.Devices = p.Form.Values.Get("devices")
	}
	labels := map[string]string{"email": "Email", "name": "Name", "directory_name": "Directory name", "devices": "Devices"}
	for _, d := range defs {
		in := customInput{CustomFieldDef: d, Name: "custom_fields." + d.Key, ID: "user-cf-" + d.Key}
		switch {
		case refused:
			in.Value = p.Form.Values.Get(in.Name)
		case u != nil:
			in.Value = u.CustomFields[d.Key]
		}
		in.Error = p.Form.FieldError(userForm, in.Name)
		labels[in.Name] = d.Label
		v.Inputs = append(v.Inputs, in)
	}
	if refused {
		v.Alert = &formAlert{Message: p.Form.Message}
		if f := p.Form.Field; f != "" {
			v.Alert.Label, v.Alert.Anchor = labels[f], userForm+"-"+f
			if strings.HasPrefix(f, "custom_fields.") {
				v.Alert.Anchor = "user-cf-" + strings.TrimPrefix(f, "custom_fields.")
			}
			if v.Alert.Label == "" {
				v.Alert.Label = f
			}
		}
	}
	return v, nil
}

// customValues collects the form's custom field inputs.
func customValues(f url.Values) map[string]string {
	out := map[string]string{}
	for k, vs := range f {
		if key, ok := strings.CutPrefix(k, "custom_fields."); ok && len(vs) > 0 {
			out[key] = vs[0]
		}
	}
	return out
}

func (c *Console) newUserPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.URL.Query().Get("account")
	if r.Method == http.MethodPost {
		id = r.PostFormValue("account_id")
	}
	d, err := c.pickDirectory(r, p, id)
	if err != nil {
		return nil, err
	}
	if d.Account == nil {
		return redirect("/console/users", "Pick a client account first.")
	}
	v, err := c.buildUserForm(r, p, d.Account, nil)
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "New user of "+d.Account.Name, "users", v
	return render("user")
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	accountID := f.Get("account_id")
	u, err := c.svc.CreateUser(r.Context(), accountID, service.UserInput{Email: f.Get("email"), Name: f.Get("name"),
		DirectoryName: f.Get("directory_name"), CustomFields: customValues(f), DeviceIDs: strings.Fields(f.Get("devices"))})
	if err != nil {
		return refused(w, r, p, userForm, asUserFormError(err), c.newUserPage)
	}
	return redirect(usersURL(accountID), u.Email+" is added.")
}

// asUserFormError renames the service's field to the form's input.
func asUserFormError(err error) error {
	var e *steward.Error
	if errors.As(err, &e) && e.Field != "" {
		return &steward.Error{Code: e.Code, Message: e.Message, Field: userFormField(e.Field)}
	}
	return err
}

func usersURL(accountID string) string { return "/console/users?account=" + url.QueryEscape(accountID) }

func userURL(id string) string { return "/console/users/" + url.PathEscape(id) }

func (c *Console) userPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	u, err := c.svc.User(ctx, r.PathValue("user"))
	if err != nil {
		return nil, err
	}
	acc, err := c.svc.Account(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	v, err := c.buildUserForm(r, p, acc, u)
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = u.Email, "users", v
	return render("user")
}

func (c *Console) updateUser(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	email, name, dir := f.Get("email"), f.Get("name"), f.Get("directory_name")
	devices := strings.Fields(f.Get("devices"))
	u, err := c.svc.UpdateUser(r.Context(), r.PathValue("user"), service.UserUpdate{Email: &email, Name: &name,
		DirectoryName: &dir, CustomFields: customValues(f), DeviceIDs: &devices})
	if err != nil {
		return refused(w, r, p, userForm, asUserFormError(err), c.userPage)
	}
	return redirect(userURL(u.ID), u.Email+" is saved.")
}

// userDeleteView is the data of the deletion page.
type userDeleteView struct {
	User    *steward.DirectoryUser
	Account *steward.Account
}

func (c *Console) deleteUserPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	u, err := c.svc.User(ctx, r.PathValue("user"))
	if err != nil {
		return nil, err
	}
	acc, err := c.svc.Account(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Delete "+u.Email, "users", userDeleteView{User: u, Account: acc}
	return render("user_delete")
}

func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	u, err := c.svc.User(ctx, r.PathValue("user"))
	if err != nil {
		return nil, err
	}
	if err := c.svc.DeleteUser(ctx, u.ID); err != nil {
		return nil, err
	}
	return redirect(usersURL(u.AccountID), u.Email+" is deleted, with its custom fields; its devices stay, without a user.")
}

// fieldRow is one row of the field editor.
type fieldRow struct {
	Index                      int
	Key, Label, Type, Choices  string
	Required, Existing, Remove bool
	Errors                     map[string]string // by part: key, label, type, choices
}

// fieldsView is the data of the field editor.
type fieldsView struct {
	directoryPick
	Rows  []fieldRow
	Alert *formAlert
}

// fieldsForm is the field editor's form name.
const fieldsForm = "fields"

func (c *Console) fieldsPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.URL.Query().Get("account")
	if r.Method == http.MethodPost {
		id = r.PostFormValue("account_id")
	}
	d, err := c.pickDirectory(r, p, id)
	if err != nil {
		return nil, err
	}
	v := &fieldsView{directoryPick: d}
	p.Title, p.Nav, p.Data = "Custom user fields", "users", v
	if d.Account == nil {
		return render("user_fields")
	}
	p.Title = "Custom user fields of " + d.Account.Name
	if p.Form.Failed(fieldsForm) {
		v.Rows = fieldRowsFrom(p.Form.Values)
		v.Alert = &formAlert{Message: p.Form.Message}
		if i, part, ok := formFieldRow(p.Form.Field); ok {
			v.Alert.Label, v.Alert.Anchor = fmt.Sprintf("%s of field %d", part, i+1), fmt.Sprintf("f%d-%s", i, part)
			if i < len(v.Rows) {
				v.Rows[i].Errors = map[string]string{part: p.Form.Message}
			}
		}
		return render("user_fields")
	}
	defs, err := c.svc.UserFields(r.Context(), d.Account.ID)
	if err != nil {
		return nil, err
	}
	for i, def := range defs {
		v.Rows = append(v.Rows, fieldRow{Index: i, Key: def.Key, Label: def.Label, Type: string(def.Type),
			Choices: strings.Join(def.Choices, "\n"), Required: def.Required, Existing: true})
	}
	for i := range blankFields {
		v.Rows = append(v.Rows, fieldRow{Index: len(defs) + i, Type: string(steward.FieldText)})
	}
	return render("user_fields")
}

// fieldRowsFrom reads the editor's rows back from a sent form.
func fieldRowsFrom(f url.Values) []fieldRow {
	n, _ := strconv.Atoi(f.Get("rows"))
	n = min(max(n, 0), service.MaxUserFields+blankFields)
	rows := make([]fieldRow, n)
	for i := range rows {
		at := func(part string) string { return f.Get(fmt.Sprintf("f%d.%s", i, part)) }
		rows[i] = fieldRow{Index: i, Key: at("key"), Label: at("label"), Type: at("type"), Choices: at("choices"),
			Required: at("required") != "", Existing: at("existing") != "", Remove: at("remove") != ""}
	}
	return rows
}

// formFieldRow reads "f3-key" back as row 3, part "key".
func formFieldRow(field string) (int, string, bool) {
	row, part, ok := strings.Cut(strings.TrimPrefix(field, "f"), "-")
	i, err := strconv.Atoi(row)
	return i, part, ok && err == nil && strings.HasPrefix(field, "f")
}

func (c *Console) saveFields(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	accountID := r.PostFormValue("account_id")
	var defs []steward.CustomFieldDef
	var rowOf []int // the editor's row of each definition sent
	for _, row := range fieldRowsFrom(r.PostForm) {
		if row.Remove || (strings.TrimSpace(row.Key) == "" && strings.TrimSpace(row.Label) == "") {
			continue
		}
		def := steward.CustomFieldDef{Key: row.Key, Label: row.Label, Type: steward.FieldType(row.Type), Required: row.Required}
		if def.Type == steward.FieldChoice {
			for _, c := range strings.Split(row.Choices, "\n") {
				if c = strings.TrimSpace(c); c != "" {
					def.Choices = append(def.Choices, c)
				}
			}
		}
		defs = append(defs, def)
		rowOf = append(rowOf, row.Index)
	}
	if _, err := c.svc.PutUserFields(r.Context(), accountID, defs); err != nil {
		var e *steward.Error
		if errors.As(err, &e) && strings.HasPrefix(e.Field, "fields[") {
			var i int
			var part string
			if _, serr := fmt.Sscanf(strings.NewReplacer("[", " ", "].", " ").Replace(e.Field), "fields %d %s", &i, &part); serr == nil && i < len(rowOf) {
				err = &steward.Error{Code: e.Code, Message: e.Message, Field: fmt.Sprintf("f%d-%s", rowOf[i], part)}
			}
		}
		return refused(w, r, p, fieldsForm, err, c.fieldsPage)
	}
	return redirect("/console/users/fields?account="+url.QueryEscape(accountID), "The custom fields are saved.")
}

// importView is the data of the import page.
type importView struct {
	directoryPick
	Report  *service.UserImportReport
	Partial bool
	Failed  string // why the file was refused, when it wrote nothing
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.pickDirectory(r, p, r.URL.Query().Get("account"))
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Import users", "users", &importView{directoryPick: d}
	return render("user_import")
}

// importUsers reads the uploaded file and shows what the import did, row
// by row.
func (c *Console) importUsers(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	accountID := r.PostFormValue("account_id")
	d, err := c.pickDirectory(r, p, accountID)
	if err != nil {
		return nil, err
	}
	if d.Account == nil {
		return redirect("/console/users", "Pick a client account first.")
	}
	v := &importView{directoryPick: d, Partial: r.PostFormValue("partial") != ""}
	p.Title, p.Nav, p.Data = "Import users into "+d.Account.Name, "users", v
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Failed = "Choose a CSV file to import."
		return &response{template: "user_import", status: http.StatusBadRequest}, nil
	}
	defer file.Close()
	rep, err := c.svc.ImportUsers(r.Context(), d.Account.ID, file, v.Partial)
	var rejected *service.UserImportRejected
	switch {
	case errors.As(err, &rejected):
		v.Report, v.Failed = rejected.Report, rejected.Err.Message
		return &response{template: "user_import", status: http.StatusBadRequest}, nil
	case steward.ErrorCode(err) == steward.EINVALID || steward.ErrorCode(err) == steward.ETOOLARGE:
		v.Failed = steward.ErrorMessage(err)
		return &response{template: "user_import", status: web.Status(steward.ErrorCode(err))}, nil
	case err != nil:
		return nil, err
	}
	v.Report = rep
	return render("user_import")
}

// deviceUserView is the user part of a device's page.
type deviceUserView struct {
	User   *steward.DirectoryUser
	Emails []string // the account's users, suggested in the form
}

// deviceUser fills the user part of a device's page.
func (c *Console) deviceUser(r *http.Request, p *page, d *steward.Device) (*deviceUserView, error) {
	ctx := r.Context()
	u, err := c.svc.DeviceUser(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	v := &deviceUserView{User: u}
	if p.CanWrite() {
		us, err := c.svc.Users(ctx, d.AccountID, steward.UserFilter{Limit: deviceUsers})
		if err != nil {
			return nil, err
		}
		for _, x := range us {
			v.Emails = append(v.Emails, x.Email)
		}
	}
	return v, nil
}

// setDeviceUser gives the device the user of the email typed, or none.
func (c *Console) setDeviceUser(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	d, err := c.svc.Device(ctx, r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	userID := ""
	email := strings.TrimSpace(r.PostFormValue("email"))
	if email != "" {
		u, err := c.svc.UserByEmail(ctx, d.AccountID, email)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return refused(w, r, p, "device-user", steward.FieldErrorf("email", "The account has no user %s.", email), c.againDevice)
		} else if err != nil {
			return nil, err
		}
		userID = u.ID
	}
	if _, err := c.svc.SetDeviceUser(ctx, d.ID, userID); err != nil {
		return refused(w, r, p, "device-user", err, c.againDevice)
	}
	msg := "The device has no user now."
	if email != "" {
		msg = "The device's user is " + strings.ToLower(email) + "."
	}
	return redirect(deviceURL(d.ID)+"#user", msg)
}
