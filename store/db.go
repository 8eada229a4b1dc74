// Package store keeps Steward's data in SQL: embedded SQLite by default,
// PostgreSQL for several nodes. One schema and one set of queries serve
// both; dialect.go holds the few differences.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stewardmdm/steward"
)

// DB is the SQL store. It implements steward.Store.
type DB struct {
	dialect Dialect
	writer  *sql.DB // SQLite: one connection, immediate transactions
	reader  *sql.DB // SQLite: a pool of read connections; PostgreSQL: same as writer
	logger  *slog.Logger
	// SQLite only: prepared statements of each pool (see stmtcache.go).
	writeStmts, readStmts *stmtCache
}

var _ steward.Store = (*DB)(nil)

// Open opens the database named by dsn and applies pending migrations.
// A dsn of the form postgres://… or postgresql://… selects PostgreSQL;
// anything else is the path of a SQLite file (created when missing).
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		return nil, errors.New("store: nil logger")
	}
	var db *DB
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err = openPostgres(dsn, logger)
	} else {
		db, err = openSQLite(dsn, logger)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenWithoutMigrating opens the database but leaves its schema alone.
func OpenWithoutMigrating(dsn string, logger *slog.Logger) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(dsn, logger)
	}
	return openSQLite(dsn, logger)
}

func openSQLite(path string, logger *slog.Logger) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	base := "file:" + path + "?"
	writer, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	q.Add("_pragma", "query_only(1)")
	q.Del("_txlock")
	reader, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite reader: %w", err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	return &DB{dialect: SQLite, writer: writer, reader: reader, logger: logger,
		writeStmts: newStmtCache(writer), readStmts: newStmtCache(reader)}, nil
}

func openPostgres(dsn string, logger *slog.Logger) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// A bounded, warm pool: PostgreSQL thrashes with many more backends
	// than cores, and new sessions are expensive.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, writer: db, reader: db, logger: logger}, nil
}

// Dialect returns the database dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// SingleWriter reports whether the database serialises every write (SQLite):
// long batch jobs then yield between short statements.
func (db *DB) SingleWriter() bool { return db.dialect == SQLite }

// Close closes the pools.
func (db *DB) Close() error {
	if db.writeStmts != nil {
		db.writeStmts.close()
		db.readStmts.close()
	}
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

func (db *DB) provider() (*goose.Provider, error) {
	fsys, err := Migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(db.dialect.goose(), db.writer, fsys, goose.WithDisableGlobalRegistry(true))
}

// Migrate applies pending migrations. Migrations are forward-only.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		db.logger.Info("migration applied", "version", r.Source.Version, "path", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// SchemaVersion returns the applied and the latest known migration versions.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

// Ping reports whether the database answers and every migration is applied.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	cur, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur < latest {
		return fmt.Errorf("schema at version %d, want %d", cur, latest)
	}
	return nil
}

// ExecRaw executes q with args outside the steward.Store methods (in the
// transaction of ctx, if any) and returns the number of rows it affected.
// It is for tests and tools that must reach past the interface, such as
// checking that the append-only tables refuse changes; services never use it.
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := db.w(ctx).ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("exec: %w", err)
	}
	return res.RowsAffected()
}

type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type txKey struct{}

// InTx runs fn in one transaction; nested calls join it.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// r returns what reads should use: the transaction in ctx, or the read pool.
func (db *DB) r(ctx context.Context) queryer {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	switch {
	case db.readStmts == nil && ok:
		return tx
	case db.readStmts == nil:
		return db.reader
	case ok:
		return preparedQueryer{c: db.writeStmts, tx: tx}
	}
	return preparedQueryer{c: db.readStmts}
}

// plain returns the transaction in ctx, or pool: for statements that are
// not worth preparing, such as multi-row inserts whose text changes with
// the number of rows.
func plain(ctx context.Context, pool *sql.DB) queryer {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return pool
}

// w returns what writes should use: the transaction in ctx, or the writer.
func (db *DB) w(ctx context.Context) queryer {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	switch {
	case db.writeStmts == nil && ok:
		return tx
	case db.writeStmts == nil:
		return db.writer
	}
	return preparedQueryer{c: db.writeStmts, tx: tx}
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Times are stored as Unix milliseconds.

func ms(t time.Time) int64 { return t.UnixMilli() }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMs(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMs(v.Int64)
	return &t
}

func notFound(what, id string) error {
	return steward.Errorf(steward.ENOTFOUND, "%s %q not found", what, id)
}

// limit clamps a page size.
func limit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	if n > max {
		return max
	}
	return n
}

// scanner is what the scan functions read a row from: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// collect reads every row of a query's result with scan, closing the rows;
// it takes the query's error too, so callers pass QueryContext's results
// straight on. Errors are wrapped with op.
func collect[T any](rows *sql.Rows, err error, op string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
