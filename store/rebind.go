package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// rebind returns q and args as the database is best given them. Queries are
// written with numbered parameters ($1, $2, …), which PostgreSQL takes as
// they are. SQLite takes them too, but binding a numbered parameter looks
// its name up in a list of every parameter of the statement, which makes a
// statement of n parameters cost n² (a 500-row INSERT of 15 columns took
// over half a second). For SQLite rebind therefore writes each $N as a plain
// ?, with the arguments in the order of their use: statements that name
// hundreds of values (multi-row inserts, long IN lists) go through it.
//
// These statements run unprepared (see stmtcache.go): their text changes
// with the number of values.
//
// Parameters in quoted strings and identifiers are left alone.
func (d Dialect) rebind(q string, args []any) (string, []any) {
	if d == Postgres || !strings.Contains(q, "$") {
		return q, args
	}
	var b strings.Builder
	b.Grow(len(q))
	out := make([]any, 0, len(args))
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				end = len(q) - i - 1
			}
			b.WriteString(q[i : i+end+2])
			i += end + 1
		case c == '$' && i+1 < len(q) && q[i+1] >= '1' && q[i+1] <= '9':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(q[i+1 : j])
			if err != nil || n > len(args) {
				b.WriteString(q[i:j]) // let the database report it
			} else {
				b.WriteByte('?')
				out = append(out, args[n-1])
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), out
}

// execMany runs a statement of many parameters, rebound for the dialect.
func (db *DB) execMany(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q, args = db.dialect.rebind(q, args)
	return plain(ctx, db.writer).ExecContext(ctx, q, args...)
}

// queryMany runs a query of many parameters, rebound for the dialect.
func (db *DB) queryMany(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q, args = db.dialect.rebind(q, args)
	return plain(ctx, db.reader).QueryContext(ctx, q, args...)
}

// queryRowMany runs a one-row query of many parameters, rebound for the
// dialect.
func (db *DB) queryRowMany(ctx context.Context, q string, args ...any) *sql.Row {
	q, args = db.dialect.rebind(q, args)
	return plain(ctx, db.reader).QueryRowContext(ctx, q, args...)
}
