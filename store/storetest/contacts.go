package storetest

import (
	"context"
	"testing"

	"github.com/stewardmdm/steward"
)

func contactIDs(cs []*steward.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func fileIDs(fs []*steward.SharedFile) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func testContacts(t *testing.T, f *fixture) {
	reseller := f.account(t, nil, steward.AccountReseller, "Reseller")
	client := f.account(t, reseller, steward.AccountClient, "Client")
	other := f.account(t, nil, steward.AccountClient, "Other")
	now := f.now()
	// Targets come back sorted by kind, then ID, without duplicates.
	desk := &steward.Contact{ID: f.id(), AccountID: client.ID, Name: "Service desk", Email: "desk@example.com", Phone: "+44 20 7946 0000",
		Note: "Weekdays 8–18", CreatedBy: "m1", CreatedAt: now, UpdatedAt: now,
		Targets: []steward.Target{{Kind: steward.TargetDevice, ID: "d1"}, {Kind: steward.TargetGroup, ID: "g2"},
			{Kind: steward.TargetAccount, ID: client.ID}, {Kind: steward.TargetGroup, ID: "g1"}, {Kind: steward.TargetGroup, ID: "g1"}}}
	ok(t, f.db.InsertContact(f.ctx, desk))
	alarm := &steward.Contact{ID: f.id(), AccountID: client.ID, Name: "Alarm company", Phone: "0800 123", CreatedAt: now, UpdatedAt: now}
	ok(t, f.db.InsertContact(f.ctx, alarm))
	boss := &steward.Contact{ID: f.id(), AccountID: reseller.ID, Name: "Reseller helpdesk", CreatedAt: now, UpdatedAt: now,
		Targets: []steward.Target{{Kind: steward.TargetAccount, ID: reseller.ID}}}
	ok(t, f.db.InsertContact(f.ctx, boss))
	ok(t, f.db.InsertContact(f.ctx, &steward.Contact{ID: f.id(), AccountID: other.ID, Name: "Elsewhere", CreatedAt: now, UpdatedAt: now}))

	got, err := f.db.ContactByID(f.ctx, desk.ID)
	ok(t, err)
	want := *desk
	want.Targets = []steward.Target{{Kind: steward.TargetAccount, ID: client.ID}, {Kind: steward.TargetGroup, ID: "g1"},
		{Kind: steward.TargetGroup, ID: "g2"}, {Kind: steward.TargetDevice, ID: "d1"}}
	diff(t, "contact", got, &want)
	_, err = f.db.ContactByID(f.ctx, "nope")
	wantCode(t, err, steward.ENOTFOUND)

	list, err := f.db.ListContacts(f.ctx, client.ID)
	ok(t, err)
	diff(t, "client's contacts by name", contactIDs(list), []string{alarm.ID, desk.ID})
	diff(t, "targets in the list", list[1].Targets, want.Targets)
	if list[0].Targets == nil {
		t.Error("a contact without targets lists them as null, want []")
	}
	list, err = f.db.ListContacts(f.ctx, reseller.ID, client.ID)
	ok(t, err)
	diff(t, "contacts on a path", contactIDs(list), []string{alarm.ID, boss.ID, desk.ID})
	list, err = f.db.ListContacts(f.ctx)
	ok(t, err)
	diff(t, "contacts of no account", len(list), 0)

	desk.Name, desk.Email, desk.Phone, desk.Note, desk.UpdatedAt = "IT desk", "", "112", "", f.now()
	desk.Targets = []steward.Target{{Kind: steward.TargetFolder, ID: "f1"}}
	ok(t, f.db.UpdateContact(f.ctx, desk))
	got, err = f.db.ContactByID(f.ctx, desk.ID)
	ok(t, err)
	diff(t, "updated contact", got, desk)
	wantCode(t, f.db.UpdateContact(f.ctx, &steward.Contact{ID: "nope", UpdatedAt: f.now()}), steward.ENOTFOUND)

	ok(t, f.db.DeleteContact(f.ctx, desk.ID))
	wantCode(t, f.db.DeleteContact(f.ctx, desk.ID), steward.ENOTFOUND)
	_, err = f.db.ContactByID(f.ctx, desk.ID)
	wantCode(t, err, steward.ENOTFOUND)
	n, err := f.db.ExecRaw(f.ctx, `DELETE FROM contact_targets WHERE contact_id = $1`, desk.ID)
	ok(t, err)
	diff(t, "targets left after the delete", n, int64(0))
}

func testSharedFiles(t *testing.T, f *fixture) {
	client := f.account(t, nil, steward.AccountClient, "Client")
	other := f.account(t, nil, steward.AccountClient, "Other")
	file := func(acc *steward.Account, name string, ts ...steward.Target) *steward.SharedFile {
		now := f.now()
		id := steward.NewID(now)
		return &steward.SharedFile{ID: id, AccountID: acc.ID, Name: name, ContentType: "application/pdf", Size: 1234,
			SHA256: "ab12", BlobKey: "files/" + acc.ID + "/" + id, Description: "The handbook", Targets: ts,
			UploadedBy: "m1", UploadedByEmail: "admin@example.com", CreatedAt: now, UpdatedAt: now}
	}
	handbook := file(client, "handbook.pdf", steward.Target{Kind: steward.TargetGroup, ID: "g1"}, steward.Target{Kind: steward.TargetAccount, ID: client.ID})
	ok(t, f.db.InsertSharedFile(f.ctx, handbook))
	menu := file(client, "Canteen menu.pdf")
	ok(t, f.db.InsertSharedFile(f.ctx, menu))
	ok(t, f.db.InsertSharedFile(f.ctx, file(other, "handbook.pdf"))) // another account may use the name
	wantCode(t, f.db.InsertSharedFile(f.ctx, file(client, "handbook.pdf")), steward.ECONFLICT)

	got, err := f.db.SharedFileByID(f.ctx, handbook.ID)
	ok(t, err)
	want := *handbook
	want.Targets = steward.SortTargets(handbook.Targets)
	diff(t, "file", got, &want)
	if got.BlobKey != handbook.BlobKey {
		t.Errorf("blob key %q, want %q", got.BlobKey, handbook.BlobKey)
	}
	_, err = f.db.SharedFileByID(f.ctx, "nope")
	wantCode(t, err, steward.ENOTFOUND)

	list, err := f.db.ListSharedFiles(f.ctx, client.ID)
	ok(t, err)
	diff(t, "client's files by name", fileIDs(list), []string{menu.ID, handbook.ID})
	diff(t, "targets in the list", list[1].Targets, want.Targets)

	handbook.Description, handbook.UpdatedAt = "", f.now()
	handbook.Targets = []steward.Target{{Kind: steward.TargetDevice, ID: "d9"}}
	ok(t, f.db.UpdateSharedFile(f.ctx, handbook))
	got, err = f.db.SharedFileByID(f.ctx, handbook.ID)
	ok(t, err)
	diff(t, "updated file", got, handbook)
	wantCode(t, f.db.UpdateSharedFile(f.ctx, &steward.SharedFile{ID: "nope", UpdatedAt: f.now()}), steward.ENOTFOUND)

	ok(t, f.db.DeleteSharedFile(f.ctx, handbook.ID))
	wantCode(t, f.db.DeleteSharedFile(f.ctx, handbook.ID), steward.ENOTFOUND)
	n, err := f.db.ExecRaw(f.ctx, `DELETE FROM shared_file_targets WHERE file_id = $1`, handbook.ID)
	ok(t, err)
	diff(t, "targets left after the delete", n, int64(0))
	// The name is free again.
	ok(t, f.db.InsertSharedFile(f.ctx, file(client, "handbook.pdf")))
}

func testDirectoryVersions(t *testing.T, f *fixture) {
	client := f.account(t, nil, steward.AccountClient, "Client")
	var ids []string
	versions := map[string]string{}
	for i := range 520 { // more than one chunk (500) of one version
		d := f.device(t, client, nil)
		ids = append(ids, d.ID)
		versions[d.ID] = "v-a"
		if i%100 == 0 {
			versions[d.ID] = "v-b"
		}
	}
	d, err := f.db.DeviceByID(f.ctx, ids[0])
	ok(t, err)
	diff(t, "a new device's directory version", d.DirectoryVersion, "")
	versions["gone"] = "v-a"
	ok(t, f.db.SetDirectoryVersions(f.ctx, versions))
	for i, id := range ids {
		d, err := f.db.DeviceByID(f.ctx, id)
		ok(t, err)
		if d.DirectoryVersion != versions[id] {
			t.Fatalf("device %d: directory version %q, want %q", i, d.DirectoryVersion, versions[id])
		}
	}
	ok(t, f.db.InTx(f.ctx, func(ctx context.Context) error {
		got, err := f.db.LockDirectoryVersions(ctx, append([]string{"gone"}, ids...))
		delete(versions, "gone")
		diff(t, "locked versions", got, versions)
		return err
	}))
	ok(t, f.db.SetDirectoryVersions(f.ctx, map[string]string{ids[0]: ""}))
	d, err = f.db.DeviceByID(f.ctx, ids[0])
	ok(t, err)
	diff(t, "a cleared directory version", d.DirectoryVersion, "")
}
