package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

// EnqueueMail puts a message in the outbox.
func (db *DB) EnqueueMail(ctx context.Context, m *steward.Mail) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO outbox (id, recipient, subject, body, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, m.ID, m.To, m.Subject, m.Body, ms(m.CreatedAt), ms(m.NextAttemptAt))
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	return nil
}

// DueMail returns unsent messages whose next attempt is due, oldest first.
func (db *DB) DueMail(ctx context.Context, now time.Time, n int) ([]*steward.Mail, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT id, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error
		FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2`, ms(now), limit(n, 50, 500))
	if err != nil {
		return nil, fmt.Errorf("due mail: %w", err)
	}
	defer rows.Close()
	var out []*steward.Mail
	for rows.Next() {
		var m steward.Mail
		var created, next int64
		var sent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &created, &m.Attempts, &next, &sent, &m.LastError); err != nil {
			return nil, err
		}
		m.CreatedAt, m.NextAttemptAt, m.SentAt = fromMs(created), fromMs(next), fromNullMs(sent)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// MarkMailSent records delivery and erases the body, which may hold a
// one-time link.
func (db *DB) MarkMailSent(ctx context.Context, id string, at time.Time) error {
	_, err := db.w(ctx).ExecContext(ctx, `UPDATE outbox SET sent_at = $2, body = '', attempts = attempts + 1, last_error = '' WHERE id = $1`, id, ms(at))
	if err != nil {
		return fmt.Errorf("mark mail sent: %w", err)
	}
	return nil
}

// MarkMailFailed records a failed attempt and when to try again.
func (db *DB) MarkMailFailed(ctx context.Context, id, reason string, next time.Time) error {
	_, err := db.w(ctx).ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1`,
		id, reason, ms(next))
	if err != nil {
		return fmt.Errorf("mark mail failed: %w", err)
	}
	return nil
}

var _ steward.Outbox = (*DB)(nil)
