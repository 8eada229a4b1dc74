package adminapi

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/service"
)

// Directory users: listing, editing, custom field definitions, the CSV
// file in both directions, and the user of a device.

// UserFields is the body of the custom field definitions, both ways.
type UserFields struct {
	Fields []steward.CustomFieldDef `json:"fields"`
}

// DeviceUser is a device's user (nil for none).
type DeviceUser struct {
	DeviceID string                 `json:"device_id"`
	User     *steward.DirectoryUser `json:"user"`
}

// DeviceUserUpdate gives a device its user ("" for none).
type DeviceUserUpdate struct {
	UserID string `json:"user_id"`
}

// ImportRejected answers an import that wrote nothing: the API's error
// body, with the report.
type ImportRejected struct {
	web.ErrorBody
	Report *service.UserImportReport `json:"report"`
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := queryInt(r, "limit")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	n = pageSize(n, 50, 500)
	q := r.URL.Query()
	us, err := a.svc.Users(r.Context(), r.PathValue("account"), steward.UserFilter{Query: q.Get("q"), After: q.Get("after"), Limit: n})
	if err != nil {
		return nil, err
	}
	return list(us, n, func(u *steward.DirectoryUser) string { return u.Email }), nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.UserInput
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.CreateUser(r.Context(), r.PathValue("account"), in)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.User(r.Context(), r.PathValue("user"))
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.UserUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateUser(r.Context(), r.PathValue("user"), in)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteUser(r.Context(), r.PathValue("user"))
}

func (a *API) getUserFields(w http.ResponseWriter, r *http.Request) (any, error) {
	defs, err := a.svc.UserFields(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return UserFields{Fields: defs}, nil
}

func (a *API) putUserFields(w http.ResponseWriter, r *http.Request) (any, error) {
	// An account outside the caller's subtree is not found, whatever the
	// body holds.
	if _, err := a.svc.UserFields(r.Context(), r.PathValue("account")); err != nil {
		return nil, err
	}
	var in UserFields
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	defs, err := a.svc.PutUserFields(r.Context(), r.PathValue("account"), in.Fields)
	if err != nil {
		return nil, err
	}
	return UserFields{Fields: defs}, nil
}

// refusedBody is a request body the service reads only after authorising
// the call, and which then fails with err.
type refusedBody struct{ err error }

func (b refusedBody) Read([]byte) (int, error) { return 0, b.err }

// importUsers streams a text/csv body to the service, which authorises the
// call before it reads a byte (a body of another type then fails, so that
// a foreign account still answers 404). A file that writes nothing answers
// 400 with the error and the report.
func (a *API) importUsers(w http.ResponseWriter, r *http.Request) (any, error) {
	partial, err := queryBool(r, "partial")
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	var body io.Reader = r.Body
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		body = refusedBody{steward.FieldErrorf("file", "Send the file as text/csv.")}
	}
	rep, err := a.svc.ImportUsers(r.Context(), r.PathValue("account"), body, partial)
	var rejected *service.UserImportRejected
	if errors.As(err, &rejected) {
		var out ImportRejected
		out.Error.Code, out.Error.Message, out.Error.Field = rejected.Err.Code, rejected.Err.Message, rejected.Err.Field
		out.Report = rejected.Report
		web.WriteJSON(w, web.Status(rejected.Err.Code), out)
		return nil, errWritten
	}
	return rep, err
}

// csvResponse sends the CSV headers with the first byte written, so that
// an export refused before it starts still answers with a JSON error.
type csvResponse struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (c *csvResponse) Write(p []byte) (int, error) {
	if !c.started {
		c.started = true
		h := c.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": c.filename}))
		h.Set("Cache-Control", "no-store")
		c.w.WriteHeader(http.StatusOK)
	}
	return c.w.Write(p)
}

func (a *API) exportUsers(w http.ResponseWriter, r *http.Request) (any, error) {
	out := &csvResponse{w: w, filename: "users-" + r.PathValue("account") + ".csv"}
	err := a.svc.ExportUsers(r.Context(), r.PathValue("account"), out)
	if out.started {
		if err != nil {
			a.logger.Error("export users: the response is cut short", "account", r.PathValue("account"), "err", err)
		}
		return nil, errWritten
	}
	return nil, err
}

func (a *API) getDeviceUser(w http.ResponseWriter, r *http.Request) (any, error) {
	u, err := a.svc.DeviceUser(r.Context(), r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	return DeviceUser{DeviceID: r.PathValue("device"), User: u}, nil
}

func (a *API) putDeviceUser(w http.ResponseWriter, r *http.Request) (any, error) {
	var in DeviceUserUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	u, err := a.svc.SetDeviceUser(r.Context(), r.PathValue("device"), in.UserID)
	if err != nil {
		return nil, err
	}
	return DeviceUser{DeviceID: r.PathValue("device"), User: u}, nil
}
