package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/stewardmdm/steward"
)

// What the contacts and files pages share: the account whose directory is
// shown (the actor's own unless ?account= picks another in reach), and the
// targets fieldset, whose checkboxes name accounts, folders, groups and
// devices as kind:ID.

// maxDeviceChoices is how many devices the targets fieldset offers one by
// one; beyond it, devices are reached through their folder or groups.
const maxDeviceChoices = 200

// targetOption is one checkbox of the targets fieldset.
type targetOption struct {
	Value, Label string
	Depth        int
	Checked      bool
}

// targetsView is the data of the "targets" partial.
type targetsView struct {
	Form                              string // the form's name, for IDs and errors
	Accounts, Folders, Groups, Device []targetOption
	MoreDevices                       bool // the account has more devices than are offered
	Error                             string
}

// directoryScope is the account a directory page shows, and the accounts
// the actor may switch to (nil when only its own).
type directoryScope struct {
	Account  *steward.Account
	Accounts []accountRow
}

func (c *Console) directoryScope(r *http.Request, p *page, accountID string) (*directoryScope, error) {
	ctx := r.Context()
	if accountID == "" {
		accountID = p.Actor.AccountID
	}
	acc, err := c.svc.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	s := &directoryScope{Account: acc}
	accs, err := c.svc.Accounts(ctx, steward.AccountFilter{Limit: treePage})
	if err != nil {
		return nil, err
	}
	if len(accs) > 1 {
		for _, a := range accs {
			s.Accounts = append(s.Accounts, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
		}
	}
	return s, nil
}

// targetNames names targets for display: "Account Acme", "Group Drivers"…
type targetNames map[steward.Target]string

// choices reads what an account's items may target, as checkbox options
// (checked: current, or what a refused form sent), and the names of every
// target offered.
func (c *Console) choices(ctx context.Context, p *page, formName string, owner *steward.Account, current []steward.Target) (*targetsView, targetNames, error) {
	tc, err := c.svc.ItemTargetChoices(ctx, owner.ID)
	if err != nil {
		return nil, nil, err
	}
	devs, err := c.svc.Devices(ctx, steward.DeviceFilter{AccountID: owner.ID, Limit: maxDeviceChoices + 1})
	if err != nil {
		return nil, nil, err
	}
	checked := func(t steward.Target) bool { return slices.Contains(current, t) }
	if p.Form.Failed(formName) {
		sent := p.Form.Values["target"]
		checked = func(t steward.Target) bool { return slices.Contains(sent, string(t.Kind)+":"+t.ID) }
	}
	v := &targetsView{Form: formName, Error: p.Form.FieldError(formName, "targets")}
	names := targetNames{}
	opt := func(kind steward.TargetKind, id, label string, depth int) targetOption {
		t := steward.Target{Kind: kind, ID: id}
		names[t] = label
		return targetOption{Value: string(kind) + ":" + id, Label: label, Depth: depth, Checked: checked(t)}
	}
	accNames := map[string]string{}
	for _, a := range tc.Accounts {
		accNames[a.ID] = a.Name
		v.Accounts = append(v.Accounts, opt(steward.TargetAccount, a.ID, a.Name, strings.Count(a.Path, "/")-strings.Count(owner.Path, "/")))
	}
	suffix := func(accID string) string {
		if len(tc.Accounts) > 1 {
			return " (" + accNames[accID] + ")"
		}
		return ""
	}
	for _, f := range tc.Folders {
		v.Folders = append(v.Folders, opt(steward.TargetFolder, f.ID, f.Name+suffix(f.AccountID), 0))
	}
	for _, g := range tc.Groups {
		v.Groups = append(v.Groups, opt(steward.TargetGroup, g.ID, g.Name+suffix(g.AccountID), 0))
	}
	if len(devs) > maxDeviceChoices {
		devs, v.MoreDevices = devs[:maxDeviceChoices], true
	}
	for _, d := range devs {
		label := d.SupportID
		if d.Name != "" {
			label = d.Name + " (" + d.SupportID + ")"
		}
		v.Device = append(v.Device, opt(steward.TargetDevice, d.ID, label, 0))
	}
	return v, names, nil
}

// name names one target; one no longer offered (a deleted group, a device
// beyond the list) is shown by kind and ID.
func (n targetNames) name(t steward.Target) string {
	noun := map[steward.TargetKind]string{steward.TargetAccount: "Account", steward.TargetFolder: "Folder",
		steward.TargetGroup: "Group", steward.TargetDevice: "Device"}[t.Kind]
	if s, ok := n[t]; ok {
		return noun + " " + s
	}
	return noun + " " + t.ID
}

// describe names a list of targets for a table cell.
func (n targetNames) describe(ts []steward.Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = n.name(t)
	}
	return out
}

// formTargets reads the checked targets of a form (kind:ID each).
func formTargets(f url.Values) ([]steward.Target, error) {
	out := []steward.Target{}
	for _, v := range f["target"] {
		kind, id, ok := strings.Cut(v, ":")
		if !ok || !steward.TargetKind(kind).Valid() || id == "" {
			return nil, steward.FieldErrorf("targets", "Pick targets from the list.")
		}
		out = append(out, steward.Target{Kind: steward.TargetKind(kind), ID: id})
	}
	return out, nil
}

// accountQuery is the query that keeps a directory page on its account.
func accountQuery(base string, s *directoryScope, p *page) string {
	if s.Account.ID == p.Actor.AccountID {
		return base
	}
	return base + "?account=" + url.QueryEscape(s.Account.ID)
}
