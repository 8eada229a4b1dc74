package store_test

import (
	"testing"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/store"
	"github.com/stewardmdm/steward/store/storetest"
)

// TestSQLite runs the conformance suite on a fresh SQLite file per test.
func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.DB { return testutil.OpenSQLite(t) })
}

// TestPostgres runs the conformance suite on a fresh schema per test in the
// database named by STEWARD_TEST_POSTGRES; it skips when that is not set.
func TestPostgres(t *testing.T) {
	testutil.PostgresURL(t) // without a database, skip once rather than in every subtest
	storetest.Run(t, func(t *testing.T) *store.DB { return testutil.OpenPostgres(t) })
}
