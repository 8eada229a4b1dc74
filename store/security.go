package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardmdm/steward"
)

// InsertSecurityEvent records a security event.
func (db *DB) InsertSecurityEvent(ctx context.Context, e *steward.SecurityEvent) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO security_events (id, kind, account_id, manager_id, email, ip, user_agent, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.Kind, e.AccountID, e.ManagerID, e.Email, e.IP, e.UserAgent, string(e.Detail), ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert security event: %w", err)
	}
	return nil
}

// ListSecurityEvents lists events newest first.
func (db *DB) ListSecurityEvents(ctx context.Context, f steward.SecurityEventFilter) ([]*steward.SecurityEvent, error) {
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Email != "" {
		add("email = ?", strings.ToLower(f.Email))
	}
	if f.IP != "" {
		add("ip = ?", f.IP)
	}
	if f.Before != "" {
		add("id < ?", f.Before)
	}
	args = append(args, limit(f.Limit, 50, 500))
	q := fmt.Sprintf(`SELECT id, kind, account_id, manager_id, email, ip, user_agent, detail, created_at
		FROM security_events WHERE %s ORDER BY id DESC LIMIT $%d`, strings.Join(where, " AND "), len(args))
	rows, err := db.r(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list security events: %w", err)
	}
	defer rows.Close()
	var out []*steward.SecurityEvent
	for rows.Next() {
		var e steward.SecurityEvent
		var detail string
		var created int64
		if err := rows.Scan(&e.ID, &e.Kind, &e.AccountID, &e.ManagerID, &e.Email, &e.IP, &e.UserAgent, &detail, &created); err != nil {
			return nil, err
		}
		if detail != "" {
			e.Detail = []byte(detail)
		}
		e.CreatedAt = fromMs(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}
