package privacy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/privacy"
	"github.com/stewardmdm/steward/store"
)

// liveColumns reads every "table.column" of a migrated database from its
// schema, leaving out the migration tool's own table.
func liveColumns(t *testing.T, raw *testutil.Raw) []string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	if raw.Dialect == store.Postgres {
		q = `SELECT c.table_name, c.column_name FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			ORDER BY c.table_name, c.ordinal_position`
	}
	rows, err := raw.SQL.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("read the schema: %v", err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if table == "goose_db_version" {
			continue
		}
		cols = append(cols, table+"."+col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols
}

// TestCatalogCoversSchema migrates a real database and fails when a column
// is neither in a category of the data catalog nor listed as operational,
// when a column is listed twice, or when the catalog names a column the
// schema does not have.
func TestCatalogCoversSchema(t *testing.T) {
	for name, open := range testutil.DatabasesRaw(t) {
		t.Run(name, func(t *testing.T) {
			_, raw := open(t)
			cols := liveColumns(t, raw)
			if len(cols) < 100 || !containsAll(cols, "devices.imei", "location_points.latitude", "audit_log.ip") {
				t.Fatalf("read %d columns, which is not the whole schema: %v", len(cols), cols)
			}
			if problems := privacy.CheckColumns(cols); len(problems) > 0 {
				t.Errorf("the data catalog and the %s schema disagree:\n\t%s", name, strings.Join(problems, "\n\t"))
			}
		})
	}
}

// TestCheckColumnsReportsDrift proves the check is not vacuous: a schema
// with an unclassified column, or without a catalogued one, is reported by
// name.
func TestCheckColumnsReportsDrift(t *testing.T) {
	var all []string
	for _, c := range privacy.Catalog() {
		all = append(all, c.Columns...)
	}
	for _, g := range privacy.Operational() {
		all = append(all, g.Columns...)
	}
	if got := privacy.CheckColumns(all); len(got) > 0 {
		t.Fatalf("the catalog disagrees with itself: %v", got)
	}
	var withoutIMEI []string
	for _, c := range all {
		if c != "devices.imei" {
			withoutIMEI = append(withoutIMEI, c)
		}
	}
	got := privacy.CheckColumns(append(withoutIMEI, "devices.owner_nickname"))
	want := []string{
		"devices.imei, listed in category device.inventory, is not in the schema",
		"devices.owner_nickname is neither in a category (privacy/catalog.go) nor operational (privacy/operational.go): say whether it holds personal data",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}
