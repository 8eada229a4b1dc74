package adminapi

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// Shared contacts and shared files: the company directory pushed to devices.

func (a *API) listContacts(w http.ResponseWriter, r *http.Request) (any, error) {
	cs, err := a.svc.ListContacts(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return list(cs, 0, nil), nil
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.ContactCreate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	in.AccountID = r.PathValue("account")
	return a.svc.CreateContact(r.Context(), in)
}

func (a *API) getContact(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.Contact(r.Context(), r.PathValue("contact"))
}

func (a *API) updateContact(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.ContactUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateContact(r.Context(), r.PathValue("contact"), in)
}

func (a *API) deleteContact(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteContact(r.Context(), r.PathValue("contact"))
}

func (a *API) listFiles(w http.ResponseWriter, r *http.Request) (any, error) {
	fs, err := a.svc.ListFiles(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return list(fs, 0, nil), nil
}

// parseTargets reads targets written "kind:id", such as group:01J….
func parseTargets(field string, vs []string) ([]steward.Target, error) {
	out := []steward.Target{}
	for _, v := range vs {
		kind, id, ok := strings.Cut(v, ":")
		if !ok || !steward.TargetKind(kind).Valid() || id == "" {
			return nil, steward.FieldErrorf(field, "Write a target as kind:ID with kind account, folder, group or device, not %q.", v)
		}
		out = append(out, steward.Target{Kind: steward.TargetKind(kind), ID: id})
	}
	return out, nil
}

// uploadFile streams the raw request body (the file) to the service, which
// authorises the upload and checks the name and targets before it reads a
// byte, and enforces the size limit. The name comes from the query's name,
// or else the X-File-Name header (percent-encoded UTF-8); targets from
// repeated target=kind:ID.
func (a *API) uploadFile(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	name := q.Get("name")
	if name == "" {
		if h := r.Header.Get("X-File-Name"); h != "" {
			var err error
			if name, err = url.PathUnescape(h); err != nil {
				steward.MarkAuthorized(r.Context())
				return nil, steward.FieldErrorf("name", "X-File-Name is percent-encoded UTF-8; %q is not.", h)
			}
		}
	}
	targets, err := parseTargets("target", q["target"])
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return nil, err
	}
	return a.svc.UploadFile(r.Context(), service.FileUpload{AccountID: r.PathValue("account"), Name: name,
		ContentType: r.Header.Get("Content-Type"), Description: q.Get("description"), Targets: targets, Body: r.Body})
}

func (a *API) getFile(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.svc.File(r.Context(), r.PathValue("file"))
}

func (a *API) updateFile(w http.ResponseWriter, r *http.Request) (any, error) {
	var in service.FileUpdate
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	return a.svc.UpdateFile(r.Context(), r.PathValue("file"), in)
}

func (a *API) deleteFile(w http.ResponseWriter, r *http.Request) (any, error) {
	return nil, a.svc.DeleteFile(r.Context(), r.PathValue("file"))
}

// downloadFile serves a shared file's content to a manager who reaches
// it, as an attachment, with Range support.
func (a *API) downloadFile(w http.ResponseWriter, r *http.Request) (any, error) {
	b, f, err := a.svc.OpenFile(r.Context(), r.PathValue("file"))
	if err != nil {
		return nil, err
	}
	defer b.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", b.ModTime(), b)
	return nil, errWritten
}
