package service

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
)

// Folders and groups organise a client account's devices. Managers of the
// account, or of an account above it, may read them; owners and admins may
// change them. A folder or group outside the actor's subtree answers
// ENOTFOUND, as a device does.

// MaxMembershipChange bounds the devices one request moves into or out of
// a folder or group.
const MaxMembershipChange = 10000

// auditedIDs is how many device IDs an audit entry of a membership change
// names (it always gives the count).
const auditedIDs = 100

// FolderCreate is a new folder.
type FolderCreate struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// FolderUpdate changes a folder; a nil field is left as it is.
type FolderUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// GroupCreate is a new group.
type GroupCreate struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Priority decides between two groups of a device that set one
	// setting differently: the higher wins, then the name that sorts first.
	Priority int `json:"priority,omitempty"`
}

// GroupUpdate changes a group; a nil field is left as it is.
type GroupUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Priority    *int    `json:"priority,omitempty"`
}

// MaxGroupPriority is the highest priority of a group (the lowest is 0).
const MaxGroupPriority = 1000

// cleanName trims a folder's or group's name and checks it: 1 to 100
// characters, no control characters. EINVALID naming "name".
func cleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 100 {
		return "", steward.FieldErrorf("name", "Give a name of 1 to 100 characters.")
	}
	if !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return "", steward.FieldErrorf("name", "A name cannot contain control characters.")
	}
	return name, nil
}

// cleanDescription trims a description and checks its length. EINVALID.
func cleanDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if utf8.RuneCountInString(d) > 500 || !utf8.ValidString(d) {
		return "", steward.FieldErrorf("description", "Give a description of at most 500 characters.")
	}
	return d, nil
}

func checkPriority(p int) error {
	if p < 0 || p > MaxGroupPriority {
		return steward.FieldErrorf("priority", "The priority is a number from 0 to %d.", MaxGroupPriority)
	}
	return nil
}

// directoryAccount returns the client account whose folders or groups the
// actor reads (write false) or changes (write true). EINVALID for an
// account that is not a client, ENOTFOUND, EFORBIDDEN, ECONFLICT (deleted).
func (s *Service) directoryAccount(ctx context.Context, accountID string, write bool) (*steward.Account, error) {
	var acc *steward.Account
	var err error
	if write {
		_, acc, err = s.writableAccount(ctx, accountID)
	} else {
		_, acc, err = s.reachAccount(ctx, accountID)
	}
	if err != nil {
		return nil, err
	}
	if acc.Kind != steward.AccountClient {
		return nil, steward.FieldErrorf("account_id", "Folders and groups belong to client accounts; %q is a %s account.", acc.Name, acc.Kind)
	}
	return acc, nil
}

// reachOwner checks that the owner of a folder or group lies in the
// actor's subtree (hidden answers otherwise) and, for a change, that the
// actor may write and the account is live.
func (s *Service) reachOwner(ctx context.Context, accountID string, write bool, hidden error) (*steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	acc, err := s.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !a.Reaches(acc.Path) {
		return nil, hidden
	}
	if write {
		if err := canWrite(a); err != nil {
			return nil, err
		}
		if acc.DeletedAt != nil {
			return nil, steward.Errorf(steward.ECONFLICT, "Account %q is deleted.", acc.Name)
		}
	}
	return acc, nil
}

// reachFolder returns a folder of the actor's subtree with its account.
func (s *Service) reachFolder(ctx context.Context, id string, write bool) (*steward.Folder, *steward.Account, error) {
	if _, err := actor(ctx); err != nil {
		return nil, nil, err
	}
	hidden := steward.Errorf(steward.ENOTFOUND, "Folder %q not found.", id)
	f, err := s.store.FolderByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	acc, err := s.reachOwner(ctx, f.AccountID, write, hidden)
	if err != nil {
		return nil, nil, err
	}
	return f, acc, nil
}

// reachGroup returns a group of the actor's subtree with its account.
func (s *Service) reachGroup(ctx context.Context, id string, write bool) (*steward.Group, *steward.Account, error) {
	if _, err := actor(ctx); err != nil {
		return nil, nil, err
	}
	hidden := steward.Errorf(steward.ENOTFOUND, "Group %q not found.", id)
	g, err := s.store.GroupByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	acc, err := s.reachOwner(ctx, g.AccountID, write, hidden)
	if err != nil {
		return nil, nil, err
	}
	return g, acc, nil
}

// Folders lists a client account's folders by name, with their device
// counts; an account that is not a client has none. ENOTFOUND.
func (s *Service) Folders(ctx context.Context, accountID string) ([]*steward.Folder, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil || acc.Kind != steward.AccountClient {
		return nil, err
	}
	return s.store.ListFolders(ctx, acc.ID)
}

// Folder returns a folder with its device count. ENOTFOUND.
func (s *Service) Folder(ctx context.Context, id string) (*steward.Folder, error) {
	f, _, err := s.reachFolder(ctx, id, false)
	return f, err
}

// CreateFolder creates a folder in a client account (default: the actor's).
// Audited as folder.create. EINVALID, ECONFLICT (a taken name, naming
// "name"; a deleted account), EFORBIDDEN, ENOTFOUND.
func (s *Service) CreateFolder(ctx context.Context, accountID string, in FolderCreate) (*steward.Folder, error) {
	acc, err := s.directoryAccount(ctx, accountID, true)
	if err != nil {
		return nil, err
	}
	name, err := cleanName(in.Name)
	if err != nil {
		return nil, err
	}
	desc, err := cleanDescription(in.Description)
	if err != nil {
		return nil, err
	}
	now := s.now()
	f := &steward.Folder{ID: steward.NewID(now), AccountID: acc.ID, Name: name, Description: desc, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertFolder(ctx, f); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "folder.create", "folder", f.ID, map[string]any{"name": f.Name})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// UpdateFolder renames a folder or changes its description. Audited as
// folder.update with the old and new values. EINVALID, ECONFLICT,
// EFORBIDDEN, ENOTFOUND.
func (s *Service) UpdateFolder(ctx context.Context, id string, in FolderUpdate) (*steward.Folder, error) {
	f, acc, err := s.reachFolder(ctx, id, true)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{}
	if in.Name != nil {
		name, err := cleanName(*in.Name)
		if err != nil {
			return nil, err
		}
		if name != f.Name {
			changes["name"] = []string{f.Name, name}
			f.Name = name
		}
	}
	if in.Description != nil {
		desc, err := cleanDescription(*in.Description)
		if err != nil {
			return nil, err
		}
		if desc != f.Description {
			changes["description"] = []string{f.Description, desc}
			f.Description = desc
		}
	}
	if len(changes) == 0 {
		return f, nil
	}
	f.UpdatedAt = s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateFolder(ctx, f); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "folder.update", "folder", f.ID, changes)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteFolder deletes a folder; its devices are left in no folder. Audited
// as folder.delete. EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteFolder(ctx context.Context, id string) error {
	f, acc, err := s.reachFolder(ctx, id, true)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		members, err := s.allInTarget(ctx, steward.Target{Kind: steward.TargetFolder, ID: f.ID})
		if err != nil {
			return err
		}
		if err := s.store.DeleteFolder(ctx, f.ID); err != nil {
			return err
		}
		if err := s.membershipChanged(ctx, members); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "folder.delete", "folder", f.ID, map[string]any{"name": f.Name, "devices": len(members)})
	})
}

// allInTarget returns the IDs of every device a target covers.
func (s *Service) allInTarget(ctx context.Context, t steward.Target) ([]string, error) {
	var out []string
	after := ""
	for {
		page, err := s.store.DevicesInTarget(ctx, t, after, 5000)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 5000 {
			return out, nil
		}
		after = page[len(page)-1]
	}
}

// devicesOf checks a list of device IDs for a membership change in acc:
// 1 to MaxMembershipChange devices, every one of acc. It returns the
// devices, once each, in the order named. EINVALID, ENOTFOUND naming the
// first device that is not there (whether it does not exist, lies outside
// the actor's subtree or is in another account: the answer is the same).
func (s *Service) devicesOf(ctx context.Context, acc *steward.Account, ids []string) ([]*steward.Device, error) {
	if len(ids) == 0 {
		return nil, steward.FieldErrorf("device_ids", "Name at least one device.")
	}
	if len(ids) > MaxMembershipChange {
		return nil, steward.FieldErrorf("device_ids", "At most %d devices at once.", MaxMembershipChange)
	}
	seen := make(map[string]bool, len(ids))
	out := make([]*steward.Device, 0, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := s.store.DeviceByID(ctx, id)
		if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && d.AccountID != acc.ID) {
			return nil, &steward.Error{Code: steward.ENOTFOUND, Field: "device_ids",
				Message: fmt.Sprintf("Device %q not found in %s.", id, acc.Name)}
		} else if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// membershipSummary is what the audit entry of a membership change says.
func membershipSummary(what, name string, ids []string) map[string]any {
	return map[string]any{what: name, "count": len(ids), "device_ids": ids[:min(len(ids), auditedIDs)]}
}

// MoveToFolder moves devices of the folder's account into it (out of any
// other folder). Every device must be of that account, or nothing moves.
// Audited as folder.add_devices. EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) MoveToFolder(ctx context.Context, folderID string, deviceIDs []string) (*steward.Folder, error) {
	return s.changeFolder(ctx, folderID, deviceIDs, true)
}

// RemoveFromFolder takes devices of the folder's account out of it; those
// not in it are left where they are. Every device must be of that account,
// or nothing changes. Audited as folder.remove_devices. EINVALID,
// EFORBIDDEN, ENOTFOUND.
func (s *Service) RemoveFromFolder(ctx context.Context, folderID string, deviceIDs []string) (*steward.Folder, error) {
	return s.changeFolder(ctx, folderID, deviceIDs, false)
}

func (s *Service) changeFolder(ctx context.Context, folderID string, ids []string, in bool) (*steward.Folder, error) {
	f, acc, err := s.reachFolder(ctx, folderID, true)
	if err != nil {
		return nil, err
	}
	ds, err := s.devicesOf(ctx, acc, ids)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, d := range ds {
		if in && d.FolderID != f.ID || !in && d.FolderID == f.ID {
			changed = append(changed, d.ID)
		}
	}
	target, action := f.ID, "folder.add_devices"
	if !in {
		target, action = "", "folder.remove_devices"
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if len(changed) == 0 {
			return nil
		}
		if err := s.store.SetDevicesFolder(ctx, changed, target, s.now()); err != nil {
			return err
		}
		if err := s.membershipChanged(ctx, changed); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, action, "folder", f.ID, membershipSummary("folder", f.Name, changed))
	})
	if err != nil {
		return nil, err
	}
	return s.store.FolderByID(ctx, f.ID)
}

// Groups lists a client account's groups by name, with their device
// counts; an account that is not a client has none. ENOTFOUND.
func (s *Service) Groups(ctx context.Context, accountID string) ([]*steward.Group, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil || acc.Kind != steward.AccountClient {
		return nil, err
	}
	return s.store.ListGroups(ctx, acc.ID)
}

// Group returns a group with its device count. ENOTFOUND.
func (s *Service) Group(ctx context.Context, id string) (*steward.Group, error) {
	g, _, err := s.reachGroup(ctx, id, false)
	return g, err
}

// CreateGroup creates a group in a client account (default: the actor's).
// Audited as group.create. EINVALID, ECONFLICT (a taken name, naming
// "name"; a deleted account), EFORBIDDEN, ENOTFOUND.
func (s *Service) CreateGroup(ctx context.Context, accountID string, in GroupCreate) (*steward.Group, error) {
	acc, err := s.directoryAccount(ctx, accountID, true)
	if err != nil {
		return nil, err
	}
	name, err := cleanName(in.Name)
	if err != nil {
		return nil, err
	}
	desc, err := cleanDescription(in.Description)
	if err != nil {
		return nil, err
	}
	if err := checkPriority(in.Priority); err != nil {
		return nil, err
	}
	now := s.now()
	g := &steward.Group{ID: steward.NewID(now), AccountID: acc.ID, Name: name, Description: desc, Priority: in.Priority,
		CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertGroup(ctx, g); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "group.create", "group", g.ID, map[string]any{"name": g.Name, "priority": g.Priority})
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// UpdateGroup renames a group or changes its description or priority.
// Audited as group.update with the old and new values; a new priority
// counts as a membership change of the group's devices (what they receive
// may change with it). EINVALID, ECONFLICT, EFORBIDDEN, ENOTFOUND.
func (s *Service) UpdateGroup(ctx context.Context, id string, in GroupUpdate) (*steward.Group, error) {
	g, acc, err := s.reachGroup(ctx, id, true)
	if err != nil {
		return nil, err
	}
	changes := map[string]any{}
	if in.Name != nil {
		name, err := cleanName(*in.Name)
		if err != nil {
			return nil, err
		}
		if name != g.Name {
			changes["name"] = []string{g.Name, name}
			g.Name = name
		}
	}
	if in.Description != nil {
		desc, err := cleanDescription(*in.Description)
		if err != nil {
			return nil, err
		}
		if desc != g.Description {
			changes["description"] = []string{g.Description, desc}
			g.Description = desc
		}
	}
	if in.Priority != nil {
		if err := checkPriority(*in.Priority); err != nil {
			return nil, err
		}
		if *in.Priority != g.Priority {
			changes["priority"] = []int{g.Priority, *in.Priority}
			g.Priority = *in.Priority
		}
	}
	if len(changes) == 0 {
		return g, nil
	}
	g.UpdatedAt = s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateGroup(ctx, g); err != nil {
			return err
		}
		// The name breaks ties between priorities, so either can change
		// which group's settings a device receives.
		if changes["priority"] != nil || changes["name"] != nil {
			members, err := s.allInTarget(ctx, steward.Target{Kind: steward.TargetGroup, ID: g.ID})
			if err != nil {
				return err
			}
			if err := s.membershipChanged(ctx, members); err != nil {
				return err
			}
		}
		return s.record(ctx, acc.ID, "group.update", "group", g.ID, changes)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// DeleteGroup deletes a group; its devices leave it. Audited as
// group.delete. EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteGroup(ctx context.Context, id string) error {
	g, acc, err := s.reachGroup(ctx, id, true)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		members, err := s.allInTarget(ctx, steward.Target{Kind: steward.TargetGroup, ID: g.ID})
		if err != nil {
			return err
		}
		if err := s.store.DeleteGroup(ctx, g.ID); err != nil {
			return err
		}
		if err := s.membershipChanged(ctx, members); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "group.delete", "group", g.ID, map[string]any{"name": g.Name, "devices": len(members)})
	})
}

// AddToGroup adds devices of the group's account to it; members already
// in it stay. Every device must be of that account, or nothing changes.
// Audited as group.add_devices. EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) AddToGroup(ctx context.Context, groupID string, deviceIDs []string) (*steward.Group, error) {
	return s.changeGroup(ctx, groupID, deviceIDs, true)
}

// RemoveFromGroup takes devices of the group's account out of it; those
// not in it are left alone. Every device must be of that account, or
// nothing changes. Audited as group.remove_devices. EINVALID, EFORBIDDEN,
// ENOTFOUND.
func (s *Service) RemoveFromGroup(ctx context.Context, groupID string, deviceIDs []string) (*steward.Group, error) {
	return s.changeGroup(ctx, groupID, deviceIDs, false)
}

func (s *Service) changeGroup(ctx context.Context, groupID string, ids []string, add bool) (*steward.Group, error) {
	g, acc, err := s.reachGroup(ctx, groupID, true)
	if err != nil {
		return nil, err
	}
	ds, err := s.devicesOf(ctx, acc, ids)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		members, err := s.allInTarget(ctx, steward.Target{Kind: steward.TargetGroup, ID: g.ID})
		if err != nil {
			return err
		}
		in := make(map[string]bool, len(members))
		for _, id := range members {
			in[id] = true
		}
		var changed []string
		for _, d := range ds {
			if in[d.ID] != add {
				changed = append(changed, d.ID)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		action := "group.add_devices"
		if add {
			err = s.store.AddDevicesToGroup(ctx, g.ID, changed)
		} else {
			action = "group.remove_devices"
			err = s.store.RemoveDevicesFromGroup(ctx, g.ID, changed)
		}
		if err != nil {
			return err
		}
		if err := s.membershipChanged(ctx, changed); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, action, "group", g.ID, membershipSummary("group", g.Name, changed))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GroupByID(ctx, g.ID)
}
