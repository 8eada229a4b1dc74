package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/stewardmdm/steward"
)

// devicePage is how many devices one page of the list shows.
const devicePage = 50

// onlineScanPages bounds how many store pages one page of the list reads
// when it filters by online state, which the store does not know: the
// service marks each device, and the console keeps those that match. A
// fleet that is mostly offline then shows a short page with a "next" link
// rather than reading the whole table.
const onlineScanPages = 10

// deviceRow is a device in the list, with its account's name.
type deviceRow struct {
	*steward.Device
	AccountName string
}

// devicesView is the data of the devices list.
type devicesView struct {
	Query, Online, OSVersion, Ownership, AccountID string
	Filtered                                       bool
	Accounts                                       []accountRow // the account filter's options; nil for a single account
	Rows                                           []deviceRow
	After, Next                                    string
	ShortPage                                      bool // the online filter stopped reading before the page was full
	FolderID, GroupID                              string
	// Directory is the client account whose folders and groups the list
	// filters by and moves devices into: the one chosen, or the actor's
	// own; nil when the list spans several clients.
	Directory *steward.Account
	Folders   []*steward.Folder
	Groups    []*steward.Group
	Back      string // this list, for the bulk form to return to
}

// FolderName names a folder of the directory's account.
func (v devicesView) FolderName(id string) string {
	for _, f := range v.Folders {
		if f.ID == id {
			return f.Name
		}
	}
	return ""
}

func (c *Console) devices(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	q := r.URL.Query()
	v := devicesView{Query: strings.TrimSpace(q.Get("q")), Online: q.Get("online"), OSVersion: strings.TrimSpace(q.Get("os")),
		Ownership: q.Get("ownership"), AccountID: q.Get("account"), After: q.Get("after"), FolderID: q.Get("folder"), GroupID: q.Get("group")}
	v.Filtered = v.Query != "" || v.Online != "" || v.OSVersion != "" || v.Ownership != "" || v.AccountID != "" ||
		v.FolderID != "" || v.GroupID != ""
	v.Back = "/console/devices"
	if r.URL.RawQuery != "" {
		v.Back += "?" + r.URL.RawQuery
	}
	p.Title, p.Nav = "Devices", "devices"
	var bad error
	switch {
	case v.Ownership != "" && !steward.Ownership(v.Ownership).Valid():
		bad = steward.FieldErrorf("ownership", "Ownership is company or personal.")
	case v.Online != "" && v.Online != "online" && v.Online != "offline":
		bad = steward.FieldErrorf("online", "Choose online or offline.")
	}
	if bad != nil {
		steward.MarkAuthorized(r.Context()) // nothing is read
		p.Form = form{Name: "device-filter", Values: q, Message: steward.ErrorMessage(bad), Field: steward.ErrorField(bad)}
		p.Data = v
		return &response{template: "devices", status: http.StatusBadRequest}, nil
	}
	ctx := r.Context()
	f := steward.DeviceFilter{AccountID: v.AccountID, Query: v.Query, Ownership: steward.Ownership(v.Ownership),
		OSVersion: v.OSVersion, After: v.After, Limit: devicePage, FolderID: v.FolderID, GroupID: v.GroupID}
	var kept []*steward.Device
	for pages := 1; ; pages++ {
		ds, err := c.svc.Devices(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if v.Online == "" || d.Online == (v.Online == "online") {
				kept = append(kept, d)
			}
		}
		end := len(ds) < f.Limit
		if !end {
			f.After = ds[len(ds)-1].ID
		}
		switch {
		case len(kept) > devicePage: // the next page starts after the last one shown
			v.Next, kept = kept[devicePage-1].ID, kept[:devicePage]
		case end:
		case len(kept) == devicePage:
			v.Next = f.After
		case pages == onlineScanPages:
			v.Next, v.ShortPage = f.After, true
		default:
			continue
		}
		break
	}
	// The account filter's options name most accounts of the page; the
	// rest (beyond the first page of the tree) are looked up one by one.
	accs, err := c.svc.Accounts(ctx, steward.AccountFilter{Limit: treePage})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, a := range accs {
		names[a.ID] = a.Name
	}
	var missing []string
	for _, d := range kept {
		if _, ok := names[d.AccountID]; !ok {
			missing = append(missing, d.AccountID)
		}
	}
	for id, name := range c.accountNames(ctx, missing...) {
		names[id] = name
	}
	for _, d := range kept {
		v.Rows = append(v.Rows, deviceRow{Device: d, AccountName: names[d.AccountID]})
	}
	if len(accs) > 1 {
		found := v.AccountID == ""
		for _, a := range accs {
			v.Accounts = append(v.Accounts, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
			found = found || a.ID == v.AccountID
		}
		if !found { // beyond the first page of the tree: keep the chosen one selectable
			if a, err := c.svc.Account(ctx, v.AccountID); err == nil {
				v.Accounts = append(v.Accounts, accountRow{Account: a})
			}
		}
	}
	if err := c.deviceDirectory(r, p, &v); err != nil {
		return nil, err
	}
	p.Data = v
	return render("devices")
}

// deviceDirectory fills the folders and groups of the list's client
// account, if the list is narrowed to one: by the account filter, or by
// the actor's own account.
func (c *Console) deviceDirectory(r *http.Request, p *page, v *devicesView) error {
	ctx := r.Context()
	var acc *steward.Account
	switch {
	case v.AccountID != "":
		a, err := c.svc.Account(ctx, v.AccountID)
		if err != nil {
			return err
		}
		acc = a
	case p.Actor.AccountKind == steward.AccountClient:
		acc = p.Account
		if acc == nil {
			a, err := c.svc.Account(ctx, p.Actor.AccountID)
			if err != nil {
				return err
			}
			acc = a
		}
	}
	if acc == nil || acc.Kind != steward.AccountClient {
		return nil
	}
	var err error
	v.Directory = acc
	if v.Folders, err = c.svc.Folders(ctx, acc.ID); err != nil {
		return err
	}
	v.Groups, err = c.svc.Groups(ctx, acc.ID)
	return err
}

// Paging of the device page's tables.
const (
	commandPage = 20
	historyPage = 20
)

// deviceView is the data of a device's page.
type deviceView struct {
	Device         *steward.Device
	AccountName    string
	Apps           []steward.App
	WorkApps       int
	Commands       []*steward.Command
	CommandsBefore string
	CommandsNext   string
	History        []*steward.DeviceEvent
	HistoryBefore  string
	HistoryNext    string
	Personal       bool
	Folder         *steward.Folder  // the folder it is in, if any
	Groups         []*steward.Group // the groups it is in
	Compliance     *steward.DeviceCompliance
	User           *deviceUserView // its directory user (users.go)
	Policy         *effectiveView  // the effective policy with where each setting came from
}

func (c *Console) devicePage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.deviceView(r, p, r.PathValue("device"))
}

// againDevice renders the page of the path's device after a refused form.
func (c *Console) againDevice(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.deviceView(r, p, r.PathValue("device"))
}

// deviceView builds a device's page; the forms that fail render it again.
func (c *Console) deviceView(r *http.Request, p *page, id string) (*response, error) {
	ctx, q := r.Context(), r.URL.Query()
	d, err := c.svc.Device(ctx, id)
	if err != nil {
		return nil, err
	}
	v := deviceView{Device: d, Personal: d.Ownership == steward.OwnershipPersonal,
		CommandsBefore: q.Get("commands_before"), HistoryBefore: q.Get("history_before")}
	if v.Apps, err = c.svc.DeviceApps(ctx, d.ID); err != nil {
		return nil, err
	}
	for _, a := range v.Apps {
		if a.WorkProfile {
			v.WorkApps++
		}
	}
	if v.Commands, err = c.svc.Commands(ctx, steward.CommandFilter{DeviceID: d.ID, Before: v.CommandsBefore, Limit: commandPage}); err != nil {
		return nil, err
	}
	if len(v.Commands) == commandPage {
		v.CommandsNext = v.Commands[len(v.Commands)-1].ID
	}
	if v.History, err = c.svc.DeviceHistory(ctx, d.ID, v.HistoryBefore, historyPage); err != nil {
		return nil, err
	}
	if len(v.History) == historyPage {
		v.HistoryNext = v.History[len(v.History)-1].ID
	}
	if v.Compliance, err = c.svc.DeviceCompliance(ctx, d.ID); err != nil {
		return nil, err
	}
	v.AccountName = c.accountNames(ctx, d.AccountID)[d.AccountID]
	if d.FolderID != "" {
		if v.Folder, err = c.svc.Folder(ctx, d.FolderID); err != nil {
			return nil, err
		}
	}
	for _, id := range d.GroupIDs {
		g, err := c.svc.Group(ctx, id)
		if err != nil {
			return nil, err
		}
		v.Groups = append(v.Groups, g)
	}
	if v.User, err = c.deviceUser(r, p, d); err != nil {
		return nil, err
	}
	eff, err := c.svc.EffectivePolicy(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	v.Policy = newEffectiveView(eff)
	p.Title, p.Nav, p.Data = d.Name+" ("+d.SupportID+")", "devices", v
	return render("device")
}

func deviceURL(id string) string { return "/console/devices/" + url.PathEscape(id) }
