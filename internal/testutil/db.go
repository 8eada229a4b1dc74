package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup

	"github.com/stewardmdm/steward/store"
)

// PostgresEnv names the environment variable that holds the URL of a
// PostgreSQL database for tests, e.g. postgres://postgres@127.0.0.1:5432/test.
// Tests against PostgreSQL are skipped when it is empty.
const PostgresEnv = "STEWARD_TEST_POSTGRES"

// Logger returns a logger that discards everything.
func Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// OpenSQLite opens a migrated store on a fresh SQLite file in t's temporary
// folder and closes it when t ends.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "steward.db"), Logger())
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgres opens a migrated store on a fresh schema with a random name in
// the database named by STEWARD_TEST_POSTGRES, and drops the schema when t
// ends. It skips t when the variable is empty.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, PostgresSchemaURL(t), Logger())
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchemaURL creates a schema with a random name in the database
// named by STEWARD_TEST_POSTGRES and returns a URL whose connections use it;
// the schema is dropped when t ends, after everything opened on it is
// closed. It skips t when the variable is empty.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	schema := "steward_test_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	// Registered first, so it runs after the cleanups of what is opened on
	// the schema.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresURL returns the URL in STEWARD_TEST_POSTGRES, and skips t when
// it is empty.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		t.Skipf("%s is not set: skipping the PostgreSQL tests (set it to a database URL such as postgres://postgres@127.0.0.1:5432/test)", PostgresEnv)
	}
	return u
}

// Databases returns an opener for every database the tests can reach:
// "sqlite" always, "postgres" when STEWARD_TEST_POSTGRES is set. Tests of
// other packages range over it to run against both:
//
//	for name, open := range testutil.Databases(t) {
//		t.Run(name, func(t *testing.T) { db := open(t); … })
//	}
func Databases(t testing.TB) map[string]func(t *testing.T) *store.DB {
	t.Helper()
	dbs := map[string]func(t *testing.T) *store.DB{
		"sqlite": func(t *testing.T) *store.DB { return OpenSQLite(t) },
	}
	if os.Getenv(PostgresEnv) != "" {
		dbs["postgres"] = func(t *testing.T) *store.DB { return OpenPostgres(t) }
	} else {
		t.Logf("%s is not set: testing SQLite only", PostgresEnv)
	}
	return dbs
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
