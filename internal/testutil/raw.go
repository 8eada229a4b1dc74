package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward/store"
)

// Raw is a plain database/sql handle on the same database as a store under
// test, for checks that must look past the store's interface: what is kept
// at rest (no secret in any column), or tampering that the store refuses
// (rewriting an append-only table after dropping its trigger).
type Raw struct {
	SQL     *sql.DB
	Dialect store.Dialect
}

// OpenSQLiteRaw is OpenSQLite that also returns a Raw handle on the same
// file. Both are closed when t ends.
func OpenSQLiteRaw(t testing.TB) (*store.DB, *Raw) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "steward.db")
	db, err := store.Open(ctx, path, Logger())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("open raw sqlite: %v", err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return db, &Raw{SQL: raw, Dialect: store.SQLite}
}

// OpenPostgresRaw is OpenPostgres that also returns a Raw handle on the
// same schema. It skips t when STEWARD_TEST_POSTGRES is empty, and drops
// the schema when t ends.
func OpenPostgresRaw(t testing.TB) (*store.DB, *Raw) {
	t.Helper()
	u := PostgresSchemaURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, u, Logger())
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatalf("open raw postgres: %v", err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, &Raw{SQL: raw, Dialect: store.Postgres}
}

// DatabasesRaw is Databases for tests that also need a Raw handle.
func DatabasesRaw(t testing.TB) map[string]func(t *testing.T) (*store.DB, *Raw) {
	t.Helper()
	dbs := map[string]func(t *testing.T) (*store.DB, *Raw){
		"sqlite": func(t *testing.T) (*store.DB, *Raw) { return OpenSQLiteRaw(t) },
	}
	if os.Getenv(PostgresEnv) != "" {
		dbs["postgres"] = func(t *testing.T) (*store.DB, *Raw) { return OpenPostgresRaw(t) }
	} else {
		t.Logf("%s is not set: testing SQLite only", PostgresEnv)
	}
	return dbs
}

// Exec runs a statement and fails t on an error. It returns the number of
// rows affected.
func (r *Raw) Exec(t testing.TB, q string, args ...any) int64 {
	t.Helper()
	res, err := r.SQL.ExecContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("rows affected: %v", err)
	}
	return n
}

// Tables lists the database's tables (the test schema's, on PostgreSQL).
func (r *Raw) Tables(t testing.TB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if r.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := r.SQL.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("list tables: %v", err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("list tables: none found")
	}
	return out
}

// Find returns every place ("table.column") where s occurs in a stored
// value, in any row of any table: what a stolen copy of the database
// would reveal.
func (r *Raw) Find(t testing.TB, s string) []string {
	t.Helper()
	if s == "" {
		t.Fatal("Find: empty string")
	}
	var found []string
	for _, table := range r.Tables(t) {
		rows, err := r.SQL.QueryContext(context.Background(), `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			t.Fatalf("read %s: %v", table, err)
		}
		seen := map[string]bool{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				t.Fatalf("read %s: %v", table, err)
			}
			for i, v := range vals {
				var text string
				switch v := v.(type) {
				case nil:
					continue
				case []byte:
					text = string(v)
				default:
					text = fmt.Sprint(v)
				}
				if strings.Contains(text, s) && !seen[cols[i]] {
					seen[cols[i]] = true
					found = append(found, table+"."+cols[i])
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
	}
	return found
}
