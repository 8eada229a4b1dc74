package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stewardmdm/steward"
)

var _ steward.CommandStore = (*DB)(nil)

const commandColumns = `c.id, c.device_id, c.account_id, c.bulk_id, c.type, c.payload, c.status, c.issued_by,
	c.issued_by_email, c.output, c.created_at, c.delivered_at, c.acked_at, c.finished_at, c.expires_at`

// The statuses of commands a device still has to run, and of those not yet
// finished. The literals match the WHERE clauses of the partial indexes
// commands_pending and commands_unfinished, which is what lets SQLite use them.
const (
	pendingStatuses    = `('queued', 'delivered')`
	unfinishedStatuses = `('queued', 'delivered', 'acknowledged')`
)

// Statements of the device path and of the sweeps, named for plans_test.go.
const (
	commandByIDQuery = `SELECT ` + commandColumns + ` FROM commands c WHERE c.id = $1`
	pendingQuery     = `SELECT ` + commandColumns + ` FROM commands c
		WHERE c.device_id = $1 AND c.status IN ` + pendingStatuses + ` AND c.expires_at > $2 ORDER BY c.id LIMIT $3`
	// The status is checked again outside the subquery: on PostgreSQL a row
	// that another transaction finished meanwhile is re-checked there.
	expireQuery = `UPDATE commands SET status = 'expired', finished_at = $1
		WHERE id IN (SELECT id FROM commands WHERE status IN ` + unfinishedStatuses + ` AND expires_at <= $1 LIMIT $2)
		AND status IN ` + unfinishedStatuses
	compactQuery = `DELETE FROM commands WHERE id IN (SELECT id FROM commands WHERE finished_at < $1 LIMIT $2)`
)

// markDeliveredQuery moves n queued commands to delivered at $1.
func markDeliveredQuery(n int) string {
	return `UPDATE commands SET status = 'delivered', delivered_at = $1 WHERE status = 'queued' AND id IN ` + placeholders(2, n)
}

// transition returns the statement that moves command id from a status in
// from to status to, and its arguments.
func transition(id string, from []steward.CommandStatus, to steward.CommandStatus, output string, at time.Time) (string, []any) {
	set := []string{"status = $2"}
	args := []any{id, string(to), ms(at)}
	switch {
	case to == steward.CommandDelivered:
		set = append(set, "delivered_at = COALESCE(delivered_at, $3)")
	case to == steward.CommandAcknowledged:
		set = append(set, "acked_at = $3")
	case to.Finished():
		set = append(set, "finished_at = $3")
	default:
		args = args[:2]
	}
	if output != "" {
		args = append(args, output)
		set = append(set, fmt.Sprintf("output = $%d", len(args)))
	}
	first := len(args) + 1
	for _, s := range from {
		args = append(args, string(s))
	}
	return `UPDATE commands SET ` + strings.Join(set, ", ") + ` WHERE id = $1 AND status IN ` + placeholders(first, len(from)), args
}

func scanCommand(row scanner) (*steward.Command, error) {
	var c steward.Command
	var typ, status string
	var payload sql.NullString
	var created, expires int64
	var delivered, acked, finished sql.NullInt64
	if err := row.Scan(&c.ID, &c.DeviceID, &c.AccountID, &c.BulkID, &typ, &payload, &status, &c.IssuedBy,
		&c.IssuedByEmail, &c.Output, &created, &delivered, &acked, &finished, &expires); err != nil {
		return nil, err
	}
	c.Type, c.Status = steward.CommandType(typ), steward.CommandStatus(status)
	if payload.Valid && payload.String != "" {
		c.Payload = []byte(payload.String)
	}
	c.CreatedAt, c.ExpiresAt = fromMs(created), fromMs(expires)
	c.DeliveredAt, c.AckedAt, c.FinishedAt = fromNullMs(delivered), fromNullMs(acked), fromNullMs(finished)
	return &c, nil
}

// commandChunk is how many commands one INSERT or UPDATE names.
const commandChunk = 500

// InsertCommands inserts commands in one transaction, commandChunk rows per
// statement. ECONFLICT when an ID is taken; ENOTFOUND when a device does not
// exist (then none is inserted).
func (db *DB) InsertCommands(ctx context.Context, cs []*steward.Command) error {
	if len(cs) == 0 {
		return nil
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		for chunk := range slices.Chunk(cs, commandChunk) {
			rows := make([]string, len(chunk))
			args := make([]any, 0, 15*len(chunk))
			for i, c := range chunk {
				rows[i] = placeholders(len(args)+1, 15)
				args = append(args, c.ID, c.DeviceID, c.AccountID, c.BulkID, string(c.Type), nullString(string(c.Payload)),
					string(c.Status), c.IssuedBy, c.IssuedByEmail, c.Output, ms(c.CreatedAt), msPtr(c.DeliveredAt),
					msPtr(c.AckedAt), msPtr(c.FinishedAt), ms(c.ExpiresAt))
			}
			_, err := db.execMany(ctx, `INSERT INTO commands (id, device_id, account_id, bulk_id, type, payload,
				status, issued_by, issued_by_email, output, created_at, delivered_at, acked_at, finished_at, expires_at)
				VALUES `+strings.Join(rows, ", "), args...)
			switch {
			case isUniqueViolation(err):
				return steward.Errorf(steward.ECONFLICT, "A command with the same ID already exists.")
			case isForeignKeyViolation(err):
				return steward.Errorf(steward.ENOTFOUND, "A device or account of the commands does not exist.")
			case err != nil:
				return fmt.Errorf("insert commands: %w", err)
			}
		}
		return nil
	})
}

// CommandByID returns a command. ENOTFOUND.
func (db *DB) CommandByID(ctx context.Context, id string) (*steward.Command, error) {
	c, err := scanCommand(db.r(ctx).QueryRowContext(ctx, commandByIDQuery, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("command", id)
	} else if err != nil {
		return nil, fmt.Errorf("command by id: %w", err)
	}
	return c, nil
}

// PendingCommands returns a device's queued or delivered commands that have
// not expired at now, oldest first, at most limit (default 100, at most
// 500). It reads the partial index commands_pending only.
func (db *DB) PendingCommands(ctx context.Context, deviceID string, now time.Time, n int) ([]*steward.Command, error) {
	return db.queryCommands(ctx, "pending commands", pendingQuery, deviceID, ms(now), limit(n, 100, 500))
}

// MarkDelivered moves the queued commands among ids to delivered at at;
// commands in any other status are left alone.
func (db *DB) MarkDelivered(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		for chunk := range slices.Chunk(ids, commandChunk) {
			args := []any{ms(at)}
			for _, id := range chunk {
				args = append(args, id)
			}
			if _, err := db.execMany(ctx, markDeliveredQuery(len(chunk)), args...); err != nil {
				return fmt.Errorf("mark commands delivered: %w", err)
			}
		}
		return nil
	})
}

// TransitionCommand moves a command to status to if its status is one of
// from, in one statement, and reports whether it did: repeating a
// transition, or making one from a status not in from, changes nothing and
// reports false, as does an unknown command. A non-empty output replaces
// the command's output; the time is recorded as delivered_at (if not set
// yet), acked_at or finished_at by the status moved to.
func (db *DB) TransitionCommand(ctx context.Context, id string, from []steward.CommandStatus, to steward.CommandStatus,
	output string, at time.Time) (bool, error) {
	if len(from) == 0 {
		return false, errors.New("transition command: no statuses to move from")
	}
	q, args := transition(id, from, to, output, at)
	res, err := db.w(ctx).ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("transition command: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("transition command: %w", err)
	}
	return n > 0, nil
}

// acknowledgeQuery acknowledges a command of a device.
const acknowledgeQuery = `UPDATE commands SET status = 'acknowledged', acked_at = $3
	WHERE id = $1 AND device_id = $2 AND status IN ('queued', 'delivered')`

// AcknowledgeCommand moves a queued or delivered command of the device to
// acknowledged, in one statement that needs no read first, and reports
// whether it did.
func (db *DB) AcknowledgeCommand(ctx context.Context, deviceID, id string, at time.Time) (bool, error) {
	res, err := db.w(ctx).ExecContext(ctx, acknowledgeQuery, id, deviceID, ms(at))
	if err != nil {
		return false, fmt.Errorf("acknowledge command: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acknowledge command: %w", err)
	}
	return n > 0, nil
}

// ListCommands lists the commands of devices of accounts under prefix,
// newest first, before f.Before, at most f.Limit (default 50, at most 500).
// f.AccountID narrows the subtree to the one rooted at that account.
func (db *DB) ListCommands(ctx context.Context, prefix string, f steward.CommandFilter) ([]*steward.Command, error) {
	prefix, ok, err := db.narrow(ctx, prefix, f.AccountID)
	if err != nil || !ok {
		return nil, err
	}
	where := []string{"a.path LIKE $1"}
	args := []any{prefix + "%"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	// A subtree of one account (a client's, most often) is read from its
	// range of commands_account, rather than by walking every command
	// newest first until the page is full.
	if id, err := db.onlyAccount(ctx, prefix); err != nil {
		return nil, err
	} else if id != "" {
		add("c.account_id = ?", id)
	}
	if f.DeviceID != "" {
		add("c.device_id = ?", f.DeviceID)
	}
	if f.BulkID != "" {
		add("c.bulk_id = ?", f.BulkID)
	}
	if f.Status != "" {
		add("c.status = ?", string(f.Status))
	}
	if f.Before != "" {
		add("c.id < ?", f.Before)
	}
	args = append(args, limit(f.Limit, 50, 500))
	return db.queryCommands(ctx, "list commands", fmt.Sprintf(`SELECT %s FROM commands c JOIN accounts a ON a.id = c.account_id
		WHERE %s ORDER BY c.id DESC LIMIT $%d`, commandColumns, strings.Join(where, " AND "), len(args)), args...)
}

// onlyAccount returns the ID of the account under prefix if there is just
// one, and "" otherwise.
func (db *DB) onlyAccount(ctx context.Context, prefix string) (string, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT id FROM accounts WHERE path LIKE $1 LIMIT 2`, prefix+"%")
	if err != nil {
		return "", fmt.Errorf("subtree accounts: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("subtree accounts: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("subtree accounts: %w", err)
	}
	if len(ids) != 1 {
		return "", nil
	}
	return ids[0], nil
}

func (db *DB) queryCommands(ctx context.Context, op, q string, args ...any) ([]*steward.Command, error) {
	rows, err := db.r(ctx).QueryContext(ctx, q, args...)
	return collect(rows, err, op, scanCommand)
}

// ExpireCommands marks unfinished commands whose expiry is at or before
// now expired (finished at now), at most batch of them (default 1000, at
// most 10,000) in one short statement, and returns how many. Callers repeat
// it until it returns fewer than batch, which lets other writers in between
// batches. Running it again, or on two nodes at once, expires nothing twice.
func (db *DB) ExpireCommands(ctx context.Context, now time.Time, batch int) (int64, error) {
	return db.oneBatch(ctx, "expire commands", expireQuery, ms(now), limit(batch, 1000, 10000))
}

// CompactCommands deletes commands that finished before t, at most batch of
// them (default 1000, at most 10,000) in one short statement, and returns
// how many. Callers repeat it until it returns fewer than batch. Unfinished
// commands are never deleted, however old.
func (db *DB) CompactCommands(ctx context.Context, before time.Time, batch int) (int64, error) {
	return db.oneBatch(ctx, "compact commands", compactQuery, ms(before), limit(batch, 1000, 10000))
}

// oneBatch runs q, which takes a time as $1 and a batch size as $2, and
// returns the number of rows it changed.
func (db *DB) oneBatch(ctx context.Context, op, q string, at int64, batch int) (int64, error) {
	res, err := db.w(ctx).ExecContext(ctx, q, at, batch)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return n, nil
}

// CountCommands counts every command kept.
func (db *DB) CountCommands(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM commands`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count commands: %w", err)
	}
	return n, nil
}

// isForeignKeyViolation reports whether err is a foreign-key failure.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
