package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/blobstore"
	"github.com/stewardmdm/steward/privacy"
	"github.com/stewardmdm/steward/service"
)

// TestRetentionPurgesDirectory: 6 months after a client account is
// deleted, the account clock deletes its shared contacts and files, the
// files' content in blob storage included, under receipts naming
// directory.contacts and directory.files; a hold on the files keeps them
// (content too) until it is released; another account's are untouched.
func TestRetentionPurgesDirectory(t *testing.T) {
	dir := t.TempDir()
	blobs, err := blobstore.OpenDir(dir)
	must(t, err)
	runWith(t, service.Options{Blobs: blobs}, func(t *testing.T, e *env) {
		d := &dirEnv{env: e, blobs: blobs, dir: dir}
		w := e.retentionWorld(t)
		admin := e.admin(t)
		type stored struct {
			contact *steward.Contact
			file    *steward.SharedFile
		}
		put := func(acc *steward.Account) stored {
			m := e.manager(t, admin, acc, "owner@"+strings.ToLower(acc.ID)+".test", steward.RoleOwner)
			c, err := e.svc.CreateContact(m.ctx, service.ContactCreate{Name: "Desk of " + acc.Name, Email: "desk@" + acc.ID + ".test",
				Targets: []steward.Target{target(steward.TargetAccount, acc.ID)}})
			must(t, err)
			f, err := d.upload(t, m, acc, "plan.txt", "plan of "+acc.Name, target(steward.TargetAccount, acc.ID))
			must(t, err)
			return stored{c, f}
		}
		a, b := put(w.A), put(w.B)
		_, err := e.svc.DeleteAccount(admin.ctx, w.A.ID)
		must(t, err)
		deleted := e.clock.Now()
		hold, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldCategory,
			Category: "directory.files", Reason: "Dispute over the plan"})
		must(t, err)
		left := func(what string, acc *steward.Account) []string {
			return e.ids(t, `SELECT id FROM `+what+` WHERE account_id = $1`, acc.ID)
		}

		e.clock.Set(deleted.Add(6*privacy.Month - time.Second))
		e.sweep(t)
		diff(t, "contacts a second early", left("contacts", w.A), []string{a.contact.ID})

		e.clock.Set(deleted.Add(6*privacy.Month + time.Second))
		e.sweep(t)
		diff(t, "contacts of the deleted account", left("contacts", w.A), []string{})
		diff(t, "files under a hold", left("shared_files", w.A), []string{a.file.ID})
		diff(t, "content under a hold", d.blobFiles(t, w.A), []string{a.file.ID})
		_, err = e.svc.ReleaseLegalHold(e.admin(t).ctx, hold.ID)
		must(t, err)
		e.sweep(t)
		diff(t, "files after the release", left("shared_files", w.A), []string{})
		diff(t, "content after the release", d.blobFiles(t, w.A), []string(nil))
		_, err = blobs.Open(e.ctx, a.file.BlobKey)
		wantCode(t, err, steward.ENOTFOUND)
		diff(t, "targets left", e.ids(t, `SELECT contact_id FROM contact_targets WHERE contact_id = $1
			UNION ALL SELECT file_id FROM shared_file_targets WHERE file_id = $2`, a.contact.ID, a.file.ID), []string{})

		diff(t, "the other account's contacts", left("contacts", w.B), []string{b.contact.ID})
		diff(t, "the other account's files", left("shared_files", w.B), []string{b.file.ID})
		diff(t, "the other account's content", d.blobFiles(t, w.B), []string{b.file.ID})

		got := map[string][]string{}
		for _, r := range e.receipts(t, w) {
			if r.AccountID == w.A.ID && (r.Category == "directory.contacts" || r.Category == "directory.files") {
				got[r.Category] = append(got[r.Category], r.SHA256)
			}
		}
		diff(t, "receipts", got, map[string][]string{
			"directory.contacts": {steward.RetentionDigest([]string{a.contact.ID})},
			"directory.files":    {steward.RetentionDigest([]string{a.file.ID})},
		})
	})
}
