package store

import (
	"context"
	"fmt"
	"time"
)

// AcquireLease takes or renews the named job lease for holder until
// expires. It reports whether holder now holds it: a lease held by another
// holder and not yet expired is not taken. Safe on several nodes.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now, expires time.Time) (bool, error) {
	res, err := db.w(ctx).ExecContext(ctx, `INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $4`,
		name, holder, ms(expires), ms(now))
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLease gives up a lease held by holder.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM job_leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
