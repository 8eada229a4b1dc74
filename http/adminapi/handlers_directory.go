package adminapi

import (
	"net/http"

	"github.com/stewardmdm/steward/service"
)

// Folders and groups of a client account's devices, and moving devices in
// and out of them.

// DeviceIDsRequest names the devices a membership change moves.
type DeviceIDsRequest struct {
	DeviceIDs []string `json:"device_ids"`
}

func (a *API) listFolders(w http.ResponseWriter, r *http.Request) (any, error) {
	fs, err := a.svc.Folders(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return list(fs, 0, nil), nil
}

func (a *API) createFolder(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.FolderCreate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateFolder(r.Context(), r.PathValue("account"), in)
}

func (a *API) getFolder(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Folder(r.Context(), r.PathValue("folder"))
}

func (a *API) updateFolder(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.FolderUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateFolder(r.Context(), r.PathValue("folder"), in)
}

func (a *API) deleteFolder(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteFolder(r.Context(), r.PathValue("folder"))
}

// deviceIDs reads the device IDs of a membership change. A body that
// cannot be read, sent about a folder or group the caller cannot see,
// answers 404 as any request about it does (reach says whether it can).
func deviceIDs(w http.ResponseWriter, r *http.Request, reach func() error) ([]string, error) {
	var in DeviceIDsRequest
	if err := decode(w, r, &in); err != nil {
		if hidden := reach(); hidden != nil {
			return nil, hidden
		}
		return nil, err
	}
	return in.DeviceIDs, nil
}

func (a *API) reachFolder(r *http.Request) func() error {
	return func() error {
		_, err := a.svc.Folder(r.Context(), r.PathValue("folder"))
		return err
	}
}

func (a *API) reachGroup(r *http.Request) func() error {
	return func() error {
		_, err := a.svc.Group(r.Context(), r.PathValue("group"))
		return err
	}
}

func (a *API) addFolderDevices(w http.ResponseWriter, r *http.Request) (any, error) {
	ids, err := deviceIDs(w, r, a.reachFolder(r))
	if err != nil {
		return nil, err
	}
	return a.svc.MoveToFolder(r.Context(), r.PathValue("folder"), ids)
}

func (a *API) removeFolderDevices(w http.ResponseWriter, r *http.Request) (any, error) {
	ids, err := deviceIDs(w, r, a.reachFolder(r))
	if err != nil {
		return nil, err
	}
	return a.svc.RemoveFromFolder(r.Context(), r.PathValue("folder"), ids)
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request) (any, error) {
	gs, err := a.svc.Groups(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return list(gs, 0, nil), nil
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.GroupCreate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateGroup(r.Context(), r.PathValue("account"), in)
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Group(r.Context(), r.PathValue("group"))
}

func (a *API) updateGroup(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.GroupUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateGroup(r.Context(), r.PathValue("group"), in)
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteGroup(r.Context(), r.PathValue("group"))
}

func (a *API) addGroupDevices(w http.ResponseWriter, r *http.Request) (any, error) {
	ids, err := deviceIDs(w, r, a.reachGroup(r))
	if err != nil {
		return nil, err
	}
	return a.svc.AddToGroup(r.Context(), r.PathValue("group"), ids)
}

func (a *API) removeGroupDevices(w http.ResponseWriter, r *http.Request) (any, error) {
	ids, err := deviceIDs(w, r, a.reachGroup(r))
	if err != nil {
		return nil, err
	}
	return a.svc.RemoveFromGroup(r.Context(), r.PathValue("group"), ids)
}
