package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

// InsertSession stores a console session.
func (db *DB) InsertSession(ctx context.Context, s *steward.Session) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO sessions (id, manager_id, csrf_token, ip, user_agent, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.ManagerID, s.CSRFToken, s.IP, s.UserAgent, ms(s.CreatedAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// SessionByID returns a session.
func (db *DB) SessionByID(ctx context.Context, id string) (*steward.Session, error) {
	var s steward.Session
	var created, expires int64
	err := db.r(ctx).QueryRowContext(ctx, `SELECT id, manager_id, csrf_token, ip, user_agent, created_at, expires_at
		FROM sessions WHERE id = $1`, id).Scan(&s.ID, &s.ManagerID, &s.CSRFToken, &s.IP, &s.UserAgent, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Errorf(steward.ENOTFOUND, "session not found")
	} else if err != nil {
		return nil, fmt.Errorf("session by id: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = fromMs(created), fromMs(expires)
	return &s, nil
}

// DeleteSession deletes a session (sign-out).
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteManagerSessions deletes a manager's sessions but exceptID.
func (db *DB) DeleteManagerSessions(ctx context.Context, managerID, exceptID string) error {
	if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE manager_id = $1 AND id <> $2`, managerID, exceptID); err != nil {
		return fmt.Errorf("delete manager sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions deletes sessions that expired before t.
func (db *DB) DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w(ctx).ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
