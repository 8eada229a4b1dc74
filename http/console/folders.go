package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// The folders and groups of a client account, and moving devices into and
// out of them from the device list.

// directoryView is the data of the folders and groups page.
type directoryView struct {
	Account *steward.Account // the client account shown; nil until one is chosen
	Clients []accountRow     // the client accounts to choose from; nil when the actor's own is the only one
	Folders []*steward.Folder
	Groups  []*steward.Group
}

func (c *Console) folders(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.directoryView(r, p, r.URL.Query().Get("account"))
}

// againFolders renders the page of the form's account after a refused form.
func (c *Console) againFolders(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.directoryView(r, p, r.PostFormValue("account_id"))
}

func (c *Console) directoryView(r *http.Request, p *page, accountID string) (*response, error) {
	ctx := r.Context()
	var v directoryView
	p.Title, p.Nav, p.Data = "Folders and groups", "folders", &v
	if p.Actor.AccountKind != steward.AccountClient {
		clients, err := c.svc.Accounts(ctx, steward.AccountFilter{Kind: steward.AccountClient, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, a := range clients {
			if a.DeletedAt == nil {
				v.Clients = append(v.Clients, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
			}
		}
		if accountID == "" && len(v.Clients) == 1 {
			accountID = v.Clients[0].ID
		}
	} else if accountID == "" {
		accountID = p.Actor.AccountID
	}
	if accountID == "" {
		return render("folders")
	}
	acc, err := c.svc.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	v.Account = acc
	if v.Folders, err = c.svc.Folders(ctx, acc.ID); err != nil {
		return nil, err
	}
	if v.Groups, err = c.svc.Groups(ctx, acc.ID); err != nil {
		return nil, err
	}
	p.Title = "Folders and groups of " + acc.Name
	return render("folders")
}

func foldersURL(accountID string) string {
	return "/console/folders?account=" + url.QueryEscape(accountID)
}

// priority reads a group's priority from a form: "" is 0.
func priority(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, steward.FieldErrorf("priority", "The priority is a whole number from 0 to %d.", service.MaxGroupPriority)
	}
	return n, nil
}

func (c *Console) createFolder(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	folder, err := c.svc.CreateFolder(r.Context(), f.Get("account_id"), service.FolderCreate{Name: f.Get("name"), Description: f.Get("description")})
	if err != nil {
		return refused(w, r, p, "create-folder", err, c.againFolders)
	}
	return redirect(foldersURL(folder.AccountID)+"#folders", "The folder "+folder.Name+" is created.")
}

func (c *Console) editFolder(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	name, desc := f.Get("name"), f.Get("description")
	folder, err := c.svc.UpdateFolder(r.Context(), r.PathValue("folder"), service.FolderUpdate{Name: &name, Description: &desc})
	if err != nil {
		return refused(w, r, p, "edit-folder-"+r.PathValue("folder"), err, c.againFolders)
	}
	return redirect(foldersURL(folder.AccountID)+"#folders", "The folder "+folder.Name+" is saved.")
}

func (c *Console) deleteFolder(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	folder, err := c.svc.Folder(ctx, r.PathValue("folder"))
	if err != nil {
		return nil, err
	}
	if err := c.svc.DeleteFolder(ctx, folder.ID); err != nil {
		return nil, err
	}
	return redirect(foldersURL(folder.AccountID)+"#folders", "The folder "+folder.Name+" is deleted; its devices are in no folder now.")
}

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	prio, err := priority(f.Get("priority"))
	if err != nil {
		steward.MarkAuthorized(r.Context()) // refused before any call; the page is read again below
		return refused(w, r, p, "create-group", err, c.againFolders)
	}
	g, err := c.svc.CreateGroup(r.Context(), f.Get("account_id"), service.GroupCreate{Name: f.Get("name"),
		Description: f.Get("description"), Priority: prio})
	if err != nil {
		return refused(w, r, p, "create-group", err, c.againFolders)
	}
	return redirect(foldersURL(g.AccountID)+"#groups", "The group "+g.Name+" is created.")
}

func (c *Console) editGroup(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	form := "edit-group-" + r.PathValue("group")
	prio, err := priority(f.Get("priority"))
	if err != nil {
		steward.MarkAuthorized(r.Context()) // refused before any call; the page is read again below
		return refused(w, r, p, form, err, c.againFolders)
	}
	name, desc := f.Get("name"), f.Get("description")
	g, err := c.svc.UpdateGroup(r.Context(), r.PathValue("group"), service.GroupUpdate{Name: &name, Description: &desc, Priority: &prio})
	if err != nil {
		return refused(w, r, p, form, err, c.againFolders)
	}
	return redirect(foldersURL(g.AccountID)+"#groups", "The group "+g.Name+" is saved.")
}

func (c *Console) deleteGroup(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	g, err := c.svc.Group(ctx, r.PathValue("group"))
	if err != nil {
		return nil, err
	}
	if err := c.svc.DeleteGroup(ctx, g.ID); err != nil {
		return nil, err
	}
	return redirect(foldersURL(g.AccountID)+"#groups", "The group "+g.Name+" is deleted; its devices have left it.")
}

// devicesBack is where the device list's bulk form returns to: the list
// with the filters it was posted from.
func devicesBack(r *http.Request) string {
	back := localNext(r.PostFormValue("back"))
	if !strings.HasPrefix(back, "/console/devices?") && back != "/console/devices" {
		return "/console/devices"
	}
	return back
}

// againDevices renders the device list the bulk form was posted from.
func (c *Console) againDevices(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	u, _ := url.Parse(devicesBack(r))
	r.URL.RawQuery = u.RawQuery
	return c.devices(w, r, p)
}

// changeMembership is the device list's bulk form: the devices ticked move
// into a folder, or join or leave a group.
func (c *Console) changeMembership(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	ctx, ids := r.Context(), f["device_ids"]
	action := f.Get("action")
	var msg string
	var err error
	switch {
	case action == "move_folder" && f.Get("folder_id") == "":
		err = steward.FieldErrorf("folder_id", "Choose the folder to move the devices to.")
	case (action == "add_group" || action == "remove_group") && f.Get("group_id") == "":
		err = steward.FieldErrorf("group_id", "Choose the group first.")
	case len(ids) == 0:
		err = steward.FieldErrorf("device_ids", "Tick the devices first.")
	case action == "move_folder":
		var folder *steward.Folder
		if folder, err = c.svc.MoveToFolder(ctx, f.Get("folder_id"), ids); err == nil {
			msg = plural(len(ids), "device") + " moved to the folder " + folder.Name + "."
		}
	case action == "add_group":
		var g *steward.Group
		if g, err = c.svc.AddToGroup(ctx, f.Get("group_id"), ids); err == nil {
			msg = plural(len(ids), "device") + " added to the group " + g.Name + "."
		}
	case action == "remove_group":
		var g *steward.Group
		if g, err = c.svc.RemoveFromGroup(ctx, f.Get("group_id"), ids); err == nil {
			msg = plural(len(ids), "device") + " removed from the group " + g.Name + "."
		}
	default:
		err = steward.FieldErrorf("action", "Choose what to do with the devices.")
	}
	if err != nil {
		steward.MarkAuthorized(ctx) // refused before any call, or by the service; nothing changed
		return refused(w, r, p, "bulk", err, c.againDevices)
	}
	return redirect(devicesBack(r), msg)
}

// plural says "1 device" or "3 devices".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
