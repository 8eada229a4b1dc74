package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// The shared files pages: an account's files with the upload form, and one
// file's page to change its description and targets or delete it. Uploads
// go straight to the admin API (POST /api/v1/accounts/{account}/files) from
// the page's script, as app uploads do, so the file streams to storage
// with a real progress bar.

// fileRow is a file with its targets named.
type fileRow struct {
	*steward.SharedFile
	TargetNames []string
}

// filesView is the data of the files page and of a file's page.
type filesView struct {
	*directoryScope
	Rows    []fileRow
	File    *steward.SharedFile // the file's page
	Targets *targetsView        // nil for read-only logins
	Self    string
	// Upload is the admin API address uploads go to.
	Upload string
}

func (c *Console) files(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	scope, err := c.directoryScope(r, p, r.URL.Query().Get("account"))
	if err != nil {
		return nil, err
	}
	fs, err := c.svc.ListFiles(ctx, scope.Account.ID)
	if err != nil {
		return nil, err
	}
	v := filesView{directoryScope: scope, Self: accountQuery("/console/files", scope, p),
		Upload: "/api/v1/accounts/" + url.PathEscape(scope.Account.ID) + "/files"}
	targets, names, err := c.choices(ctx, p, "upload", scope.Account, nil)
	if err != nil {
		return nil, err
	}
	if p.CanWrite() {
		v.Targets = targets
	}
	uploaded := r.URL.Query().Get("uploaded") // set by the upload script
	for _, f := range fs {
		v.Rows = append(v.Rows, fileRow{SharedFile: f, TargetNames: names.describe(f.Targets)})
		if f.ID == uploaded && p.Flash == "" {
			p.Flash = f.Name + " is uploaded; the devices it is sent to receive it."
		}
	}
	p.Title, p.Nav, p.Data = "Files", "files", v
	return render("files")
}

func filesURL(accountID string, p *page) string {
	if accountID == p.Actor.AccountID {
		return "/console/files"
	}
	return "/console/files?account=" + url.QueryEscape(accountID)
}

func (c *Console) filePage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	f, err := c.svc.File(ctx, r.PathValue("file"))
	if err != nil {
		return nil, err
	}
	scope, err := c.directoryScope(r, p, f.AccountID)
	if err != nil {
		return nil, err
	}
	v := filesView{directoryScope: scope, File: f, Self: filesURL(f.AccountID, p)}
	targets, names, err := c.choices(ctx, p, "edit-file", scope.Account, f.Targets)
	if err != nil {
		return nil, err
	}
	if p.CanWrite() {
		v.Targets = targets
	}
	v.Rows = []fileRow{{SharedFile: f, TargetNames: names.describe(f.Targets)}}
	p.Title, p.Nav, p.Data = f.Name, "files", v
	return render("file")
}

func (c *Console) updateFile(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	targets, err := formTargets(r.PostForm)
	if err != nil {
		steward.MarkAuthorized(r.Context())
		return refused(w, r, p, "edit-file", err, c.filePage)
	}
	desc := r.PostFormValue("description")
	f, err := c.svc.UpdateFile(r.Context(), r.PathValue("file"), service.FileUpdate{Description: &desc, Targets: &targets})
	if err != nil {
		return refused(w, r, p, "edit-file", err, c.filePage)
	}
	return redirect(filesURL(f.AccountID, p)+"#file-"+f.ID, f.Name+" is saved; the devices it targets are updated.")
}

func (c *Console) deleteFile(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	f, err := c.svc.File(ctx, r.PathValue("file"))
	if err != nil {
		return nil, err
	}
	if err := c.svc.DeleteFile(ctx, f.ID); err != nil {
		return nil, err
	}
	return redirect(filesURL(f.AccountID, p), f.Name+" is deleted, with its content; the devices that held it remove it.")
}

// fileKind is a short word for a media type, for the list.
func fileKind(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	switch {
	case mt == "application/pdf":
		return "PDF"
	case strings.HasPrefix(mt, "image/"):
		return "image"
	case strings.HasPrefix(mt, "text/"):
		return "text"
	case strings.HasPrefix(mt, "video/"):
		return "video"
	case strings.HasPrefix(mt, "audio/"):
		return "audio"
	}
	return mt
}
