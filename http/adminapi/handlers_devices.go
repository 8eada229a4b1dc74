package adminapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

func (a *API) listDevices(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	f := steward.DeviceFilter{AccountID: q.Get("account_id"), Query: q.Get("q"), Ownership: steward.Ownership(q.Get("ownership")),
		OSVersion: q.Get("os_version"), After: q.Get("after"), FolderID: q.Get("folder_id"), GroupID: q.Get("group_id")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	if v := q.Get("online"); v != "" {
		b, err := queryBool(r, "online")
		if err != nil {
			steward.MarkAuthorized(r.Context())
			return nil, err
		}
		f.Online = &b
	}
	if f.Ownership != "" && !f.Ownership.Valid() {
		steward.MarkAuthorized(r.Context())
		return nil, &steward.Error{Code: steward.EINVALID, Field: "ownership", Message: "ownership is company or personal."}
	}
	f.Limit = pageSize(f.Limit, 50, 500)
	ds, err := a.svc.Devices(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return list(ds, f.Limit, func(d *steward.Device) string { return d.ID }), nil
}

func (a *API) getDevice(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Device(r.Context(), r.PathValue("device"))
}

func (a *API) deviceApps(w http.ResponseWriter, r *http.Request) (any, error) {
	apps, err := a.svc.DeviceApps(r.Context(), r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	return list(apps, 0, nil), nil
}

func (a *API) deviceHistory(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	n = pageSize(n, 50, 500)
	es, err := a.svc.DeviceHistory(r.Context(), r.PathValue("device"), r.URL.Query().Get("before"), n)
	if err != nil {
		return nil, err
	}
	return list(es, n, func(e *steward.DeviceEvent) string { return e.ID }), nil
}

func (a *API) revokeDeviceCredential(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.RevokeDeviceCredential(r.Context(), r.PathValue("device"))
}

// CommandRequest issues a command to devices.
type CommandRequest struct {
	DeviceIDs  []string              `json:"device_ids,omitempty"`
	Filter     *steward.DeviceFilter `json:"filter,omitempty"`
	Type       steward.CommandType   `json:"type"`
	Payload    json.RawMessage       `json:"payload,omitempty"`
	TTLSeconds int                   `json:"ttl_seconds,omitempty"`
	Confirm    bool                  `json:"confirm,omitempty"`
}

func (a *API) sendCommand(w http.ResponseWriter, r *http.Request) (any, error) {
	var in CommandRequest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if in.TTLSeconds < 0 || in.TTLSeconds > 90*24*3600 {
		steward.MarkAuthorized(r.Context())
		return nil, &steward.Error{Code: steward.EINVALID, Field: "ttl_seconds", Message: "ttl_seconds is at most 90 days."}
	}
	if string(in.Payload) == "null" { // as absent, rather than stored and echoed as a null payload
		in.Payload = nil
	}
	cmds, err := a.svc.SendCommand(r.Context(), service.CommandSend{DeviceIDs: in.DeviceIDs, Filter: in.Filter, Type: in.Type,
		Payload: in.Payload, TTL: time.Duration(in.TTLSeconds) * time.Second, Confirm: in.Confirm})
	if err != nil {
		return nil, err
	}
	return list(cmds, 0, nil), nil
}

func (a *API) listCommands(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	f := steward.CommandFilter{AccountID: q.Get("account_id"), DeviceID: q.Get("device_id"), BulkID: q.Get("bulk_id"),
		Status: steward.CommandStatus(q.Get("status")), Before: q.Get("before")}
	var err error
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	f.Limit = pageSize(f.Limit, 50, 500)
	cs, err := a.svc.Commands(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return list(cs, f.Limit, func(c *steward.Command) string { return c.ID }), nil
}

func (a *API) getCommand(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Command(r.Context(), r.PathValue("command"))
}

func (a *API) cancelCommand(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.CancelCommand(r.Context(), r.PathValue("command"))
}

// CodeRequest issues an activation code.
type CodeRequest struct {
	AccountID string     `json:"account_id"`
	Seats     int        `json:"seats"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	ValidDays int        `json:"valid_days,omitempty"`
	Note      string     `json:"note,omitempty"`
}

func (a *API) listCodes(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	n = pageSize(n, 100, 500)
	cs, err := a.svc.ActivationCodes(r.Context(), r.URL.Query().Get("account_id"), n)
	if err != nil {
		return nil, err
	}
	return list(cs, 0, nil), nil
}

func (a *API) createCode(w http.ResponseWriter, r *http.Request) (any, error) {
	var in CodeRequest
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	if in.ValidDays < 0 || in.ValidDays > 730 {
		steward.MarkAuthorized(r.Context())
		return nil, &steward.Error{Code: steward.EINVALID, Field: "valid_days", Message: "valid_days is from 1 to 730."}
	}
	return a.svc.CreateActivationCode(r.Context(), service.ActivationCodeCreate{AccountID: in.AccountID, Seats: in.Seats,
		ExpiresAt: in.ExpiresAt, ValidFor: time.Duration(in.ValidDays) * 24 * time.Hour, Note: in.Note})
}

func (a *API) revokeCode(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.RevokeActivationCode(r.Context(), r.PathValue("code"))
}
