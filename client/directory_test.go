package client_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

// TestContactsAndFiles drives the directory through the client: create,
// list, edit and delete a contact; upload, download, edit and delete a
// file; errors arrive with their code and field.
func TestContactsAndFiles(t *testing.T) {
	c := adminClient(t, newServer(t))
	ctx := context.Background()

	_, err := c.CreateContact(ctx, client.ContactCreate{Name: "Desk", Email: "not an email"})
	wantCode(t, err, steward.EINVALID, "email")
	desk, err := c.CreateContact(ctx, client.ContactCreate{Name: "Service desk", Phone: "+44 20 7946 0000"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Contacts(ctx, "")
	if err != nil || len(list) != 1 || list[0].ID != desk.ID {
		t.Fatalf("Contacts: %v %+v", err, list)
	}
	note := "Weekdays only"
	got, err := c.UpdateContact(ctx, desk.ID, client.ContactUpdate{Note: &note})
	if err != nil || got.Note != note || got.Phone != desk.Phone {
		t.Fatalf("UpdateContact: %v %+v", err, got)
	}
	if got, err := c.Contact(ctx, desk.ID); err != nil || got.Note != note {
		t.Fatalf("Contact: %v %+v", err, got)
	}
	if err := c.DeleteContact(ctx, desk.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Contact(ctx, desk.ID)
	wantCode(t, err, steward.ENOTFOUND, "")

	content := strings.Repeat("Evacuation plan. ", 1000)
	f, err := c.UploadFile(ctx, client.FileUpload{Name: "plan.txt", Description: "Exits"}, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != int64(len(content)) || f.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("uploaded %+v", f)
	}
	_, err = c.UploadFile(ctx, client.FileUpload{Name: "plan.txt"}, strings.NewReader("again"))
	wantCode(t, err, steward.ECONFLICT, "")
	var buf bytes.Buffer
	n, err := c.DownloadFile(ctx, f.ID, &buf)
	if err != nil || n != int64(len(content)) || buf.String() != content {
		t.Fatalf("DownloadFile: %v, %d bytes", err, n)
	}
	_, err = c.DownloadFile(ctx, "01jzzzzzzzzzzzzzzzzzzzzzzz", &buf)
	wantCode(t, err, steward.ENOTFOUND, "")
	files, err := c.Files(ctx, "")
	if err != nil || len(files) != 1 {
		t.Fatalf("Files: %v %+v", err, files)
	}
	desc := "Exits, floor by floor"
	if got, err := c.UpdateFile(ctx, f.ID, client.FileUpdate{Description: &desc}); err != nil || got.Description != desc {
		t.Fatalf("UpdateFile: %v %+v", err, got)
	}
	if err := c.DeleteFile(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.File(ctx, f.ID)
	wantCode(t, err, steward.ENOTFOUND, "")
}
