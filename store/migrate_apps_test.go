package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward"
)

// TestAppTargetsMigrationKeepsAssignments: on SQLite, 00015 rebuilds
// app_assignments to change its CHECK; the assignments made before it are
// all still there afterwards, with their indexes and cascades.
func TestAppTargetsMigrationKeepsAssignments(t *testing.T) {
	ctx := context.Background()
	db, err := OpenWithoutMigrating(filepath.Join(t.TempDir(), "steward.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.provider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 14); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli())
	acc := &steward.Account{ID: steward.NewID(now), Name: "Client", Kind: steward.AccountClient, Status: steward.StatusActive,
		CreatedAt: now, UpdatedAt: now}
	acc.Path = "/" + acc.ID + "/"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.InsertAccount(ctx, acc))
	app := &steward.StoreApp{ID: steward.NewID(now), AccountID: acc.ID, Package: "com.example.app", CreatedAt: now, UpdatedAt: now}
	must(db.InsertApp(ctx, app))
	dev := &steward.Device{ID: steward.NewID(now), AccountID: acc.ID, SupportID: "ABCD2345", Ownership: steward.OwnershipCompany,
		Channel: steward.ChannelAgent, Platform: "android", HardwareID: "hw-1", EnrolledAt: now, CreatedAt: now, UpdatedAt: now}
	must(db.InsertDevice(ctx, dev, "hash"))
	before := []*steward.AppAssignment{
		{ID: "as1", AppID: app.ID, AccountID: acc.ID, Mode: steward.AssignRequired, AssignedBy: "m1", CreatedAt: now},
		{ID: "as2", AppID: app.ID, DeviceID: dev.ID, Mode: steward.AssignAvailable, CreatedAt: now},
	}
	for _, a := range before {
		_, err := db.writer.ExecContext(ctx, `INSERT INTO app_assignments (id, app_id, account_id, device_id, mode, assigned_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.ID, a.AppID, nullString(a.AccountID), nullString(a.DeviceID), string(a.Mode), a.AssignedBy, ms(a.CreatedAt))
		must(err)
	}

	must(db.Migrate(ctx))
	got, err := db.ListAssignments(ctx, app.ID)
	must(err)
	if d := cmp.Diff(before, got); d != "" {
		t.Errorf("assignments after the migration (-want +got):\n%s", d)
	}
	// The unique index on (app, account) came back: assigning again replaces.
	again := *before[0]
	again.ID, again.Mode = "as3", steward.AssignAvailable
	must(db.PutAssignment(ctx, &again))
	got, err = db.ListAssignments(ctx, app.ID)
	must(err)
	if len(got) != 2 || got[0].ID != "as1" || got[0].Mode != steward.AssignAvailable {
		t.Errorf("assigning the account again: %+v, want as1 replaced", got)
	}
	// The cascade from devices came back.
	must(db.DeleteDevice(ctx, dev.ID))
	got, err = db.ListAssignments(ctx, app.ID)
	must(err)
	if len(got) != 1 {
		t.Errorf("after deleting the device: %d assignments, want 1", len(got))
	}
}
