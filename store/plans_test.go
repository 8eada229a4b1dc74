package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/store"
)

// fullScan matches a plan line that reads a whole table or index: SQLite's
// SCAN (but of a list of values given to the statement, such as TouchDevices'
// "seen"), PostgreSQL's Seq Scan.
var fullScan = regexp.MustCompile(`(?m)^\s*(SCAN (\w+)|.*Seq Scan on (\w+))`)

func scansWholeTable(plan string) bool {
	for _, m := range fullScan.FindAllStringSubmatch(plan, -1) {
		if m[2] != "seen" && !regexp.MustCompile(`^\d+$`).MatchString(m[2]) {
			return true
		}
	}
	return false
}

// TestDevicePathPlans checks that no statement of the device path reads a
// whole table: each must find its rows through an index, however large the
// fleet and its history grow. On PostgreSQL sequential scans are disabled
// for the check, so a plan still shows one only when no index can serve.
func TestDevicePathPlans(t *testing.T) {
	for name, open := range testutil.DatabasesRaw(t) {
		t.Run(name, func(t *testing.T) {
			_, raw := open(t)
			ctx := context.Background()
			conn, err := raw.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			explain := "EXPLAIN QUERY PLAN "
			if raw.Dialect == store.Postgres {
				explain = "EXPLAIN "
				if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range store.DevicePathStatements() {
				rows, err := conn.QueryContext(ctx, explain+st.Query, st.Args...)
				if err != nil {
					t.Fatalf("%s: explain: %v", st.Name, err)
				}
				cols, _ := rows.Columns()
				var plan []string
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, fmtValue(vals[len(vals)-1]))
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					t.Fatalf("%s: explain: %v", st.Name, err)
				}
				text := strings.Join(plan, "\n")
				if scansWholeTable(text) {
					t.Errorf("%s reads a whole table:\n%s", st.Name, text)
				} else {
					t.Logf("%s:\n%s", st.Name, text)
				}
			}
		})
	}
}

func TestScansWholeTable(t *testing.T) {
	for plan, want := range map[string]bool{
		"SEARCH d USING INDEX sqlite_autoindex_devices_1 (id=?)":                                 false,
		"MATERIALIZE seen\nSCAN 2 CONSTANT ROWS\nSCAN seen\nSEARCH devices USING INDEX x (id=?)": false,
		"SCAN d USING INDEX sqlite_autoindex_devices_1":                                          true,
		"SEARCH a USING INDEX x (id=?)\nSCAN commands":                                           true,
		"Index Scan using devices_pkey on devices d":                                             false,
		"Nested Loop\n  ->  Seq Scan on devices d":                                               true,
	} {
		if got := scansWholeTable(plan); got != want {
			t.Errorf("scansWholeTable(%q) = %v, want %v", plan, got, want)
		}
	}
}

func fmtValue(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}
