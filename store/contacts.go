package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stewardmdm/steward"
)

var (
	_ steward.ContactStore          = (*DB)(nil)
	_ steward.SharedFileStore       = (*DB)(nil)
	_ steward.DirectoryVersionStore = (*DB)(nil)
)

// Shared contacts and files keep their targets in a table each
// (contact_targets, shared_file_targets); both are read and written by the
// helpers below, which take the table's name and its item column.

type targetTable struct {
	table, item, owner string // targets table, its item column, the items' table
}

var (
	contactTargets = targetTable{table: "contact_targets", item: "contact_id", owner: "contacts"}
	fileTargets    = targetTable{table: "shared_file_targets", item: "file_id", owner: "shared_files"}
)

// putTargets replaces an item's targets.
func (db *DB) putTargets(ctx context.Context, tt targetTable, id string, ts []steward.Target) error {
	if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM `+tt.table+` WHERE `+tt.item+` = $1`, id); err != nil {
		return fmt.Errorf("replace targets: %w", err)
	}
	ts = steward.SortTargets(ts)
	if len(ts) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(ts))
	rows := make([]string, 0, len(ts))
	for _, t := range ts {
		rows = append(rows, placeholders(len(args)+1, 3))
		args = append(args, id, string(t.Kind), t.ID)
	}
	_, err := plain(ctx, db.writer).ExecContext(ctx, `INSERT INTO `+tt.table+` (`+tt.item+`, kind, target_id) VALUES `+
		strings.Join(rows, ", "), args...)
	if err != nil {
		return fmt.Errorf("insert targets: %w", err)
	}
	return nil
}

// loadTargets returns the targets of the items selected by where (a
// condition on the items' table, alias o), by item ID.
func (db *DB) loadTargets(ctx context.Context, tt targetTable, where string, args ...any) (map[string][]steward.Target, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT t.`+tt.item+`, t.kind, t.target_id FROM `+tt.table+` t
		JOIN `+tt.owner+` o ON o.id = t.`+tt.item+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load targets: %w", err)
	}
	defer rows.Close()
	out := map[string][]steward.Target{}
	for rows.Next() {
		var id, kind, target string
		if err := rows.Scan(&id, &kind, &target); err != nil {
			return nil, fmt.Errorf("load targets: %w", err)
		}
		out[id] = append(out[id], steward.Target{Kind: steward.TargetKind(kind), ID: target})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load targets: %w", err)
	}
	for id, ts := range out {
		out[id] = steward.SortTargets(ts)
	}
	return out, nil
}

// inAccounts is the condition "column is one of ids" from parameter $1.
func inAccounts(column string, ids []string) (string, []any) {
	if len(ids) == 0 {
		return "FALSE", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return column + " IN " + placeholders(1, len(ids)), args
}

const contactColumns = `id, account_id, name, email, phone, note, created_by, created_at, updated_at`

func scanContact(row scanner) (*steward.Contact, error) {
	var c steward.Contact
	var created, updated int64
	if err := row.Scan(&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Phone, &c.Note, &c.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.Targets = fromMs(created), fromMs(updated), []steward.Target{}
	return &c, nil
}

// InsertContact inserts a contact with its targets.
func (db *DB) InsertContact(ctx context.Context, c *steward.Contact) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO contacts (`+contactColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			c.ID, c.AccountID, c.Name, c.Email, c.Phone, c.Note, c.CreatedBy, ms(c.CreatedAt), ms(c.UpdatedAt))
		if isUniqueViolation(err) {
			return steward.Errorf(steward.ECONFLICT, "contact %q already exists", c.ID)
		} else if err != nil {
			return fmt.Errorf("insert contact: %w", err)
		}
		return db.putTargets(ctx, contactTargets, c.ID, c.Targets)
	})
}

// ContactByID returns a contact with its targets. ENOTFOUND.
func (db *DB) ContactByID(ctx context.Context, id string) (*steward.Contact, error) {
	c, err := scanContact(db.r(ctx).QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("contact", id)
	} else if err != nil {
		return nil, fmt.Errorf("contact: %w", err)
	}
	ts, err := db.loadTargets(ctx, contactTargets, `o.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if t := ts[id]; t != nil {
		c.Targets = t
	}
	return c, nil
}

// ListContacts lists the contacts of the accounts given with their
// targets, by name then ID.
func (db *DB) ListContacts(ctx context.Context, accountIDs ...string) ([]*steward.Contact, error) {
	where, args := inAccounts("account_id", accountIDs)
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts WHERE `+where+` ORDER BY name, id`, args...)
	cs, err := collect(rows, err, "list contacts", scanContact)
	if err != nil || len(cs) == 0 {
		return cs, err
	}
	ts, err := db.loadTargets(ctx, contactTargets, strings.Replace(where, "account_id", "o.account_id", 1), args...)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if t := ts[c.ID]; t != nil {
			c.Targets = t
		}
	}
	return cs, nil
}

// UpdateContact writes a contact's fields and replaces its targets. ENOTFOUND.
func (db *DB) UpdateContact(ctx context.Context, c *steward.Contact) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.exec1(ctx, "update contact", "contact", c.ID, `UPDATE contacts SET name = $2, email = $3, phone = $4,
			note = $5, updated_at = $6 WHERE id = $1`, c.ID, c.Name, c.Email, c.Phone, c.Note, ms(c.UpdatedAt)); err != nil {
			return err
		}
		return db.putTargets(ctx, contactTargets, c.ID, c.Targets)
	})
}

// DeleteContact deletes a contact and its targets. ENOTFOUND.
func (db *DB) DeleteContact(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete contact", "contact", id, `DELETE FROM contacts WHERE id = $1`, id)
}

const fileColumns = `id, account_id, name, content_type, size, sha256, blob_key, description, uploaded_by, uploaded_by_email,
	created_at, updated_at`

func scanSharedFile(row scanner) (*steward.SharedFile, error) {
	var f steward.SharedFile
	var created, updated int64
	if err := row.Scan(&f.ID, &f.AccountID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.BlobKey, &f.Description,
		&f.UploadedBy, &f.UploadedByEmail, &created, &updated); err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt, f.Targets = fromMs(created), fromMs(updated), []steward.Target{}
	return &f, nil
}

// InsertSharedFile inserts a file's record with its targets. ECONFLICT
// when the account has a file of the name.
func (db *DB) InsertSharedFile(ctx context.Context, f *steward.SharedFile) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO shared_files (`+fileColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			f.ID, f.AccountID, f.Name, f.ContentType, f.Size, f.SHA256, f.BlobKey, f.Description, f.UploadedBy, f.UploadedByEmail,
			ms(f.CreatedAt), ms(f.UpdatedAt))
		if isUniqueViolation(err) {
			return steward.Errorf(steward.ECONFLICT, "The account already has a file called %q.", f.Name)
		} else if err != nil {
			return fmt.Errorf("insert shared file: %w", err)
		}
		return db.putTargets(ctx, fileTargets, f.ID, f.Targets)
	})
}

// SharedFileByID returns a file's record with its targets. ENOTFOUND.
func (db *DB) SharedFileByID(ctx context.Context, id string) (*steward.SharedFile, error) {
	f, err := scanSharedFile(db.r(ctx).QueryRowContext(ctx, `SELECT `+fileColumns+` FROM shared_files WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("file", id)
	} else if err != nil {
		return nil, fmt.Errorf("shared file: %w", err)
	}
	ts, err := db.loadTargets(ctx, fileTargets, `o.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if t := ts[id]; t != nil {
		f.Targets = t
	}
	return f, nil
}

// ListSharedFiles lists the files of the accounts given with their
// targets, by name then ID.
func (db *DB) ListSharedFiles(ctx context.Context, accountIDs ...string) ([]*steward.SharedFile, error) {
	where, args := inAccounts("account_id", accountIDs)
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+fileColumns+` FROM shared_files WHERE `+where+` ORDER BY name, id`, args...)
	fs, err := collect(rows, err, "list shared files", scanSharedFile)
	if err != nil || len(fs) == 0 {
		return fs, err
	}
	ts, err := db.loadTargets(ctx, fileTargets, strings.Replace(where, "account_id", "o.account_id", 1), args...)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if t := ts[f.ID]; t != nil {
			f.Targets = t
		}
	}
	return fs, nil
}

// UpdateSharedFile writes a file's description and replaces its targets. ENOTFOUND.
func (db *DB) UpdateSharedFile(ctx context.Context, f *steward.SharedFile) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.exec1(ctx, "update shared file", "file", f.ID, `UPDATE shared_files SET description = $2, updated_at = $3
			WHERE id = $1`, f.ID, f.Description, ms(f.UpdatedAt)); err != nil {
			return err
		}
		return db.putTargets(ctx, fileTargets, f.ID, f.Targets)
	})
}

// DeleteSharedFile deletes a file's record and targets (not its blob). ENOTFOUND.
func (db *DB) DeleteSharedFile(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete shared file", "file", id, `DELETE FROM shared_files WHERE id = $1`, id)
}

// LockDirectoryVersions returns devices' directory versions and, on
// PostgreSQL, locks their rows (in ID order) until the transaction ends;
// SQLite's single writer already serialises the transactions that write.
func (db *DB) LockDirectoryVersions(ctx context.Context, deviceIDs []string) (map[string]string, error) {
	ids := slices.Clone(deviceIDs)
	slices.Sort(ids)
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	out := make(map[string]string, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := plain(ctx, db.reader).QueryContext(ctx, `SELECT id, directory_version FROM devices WHERE id IN `+
			placeholders(1, len(chunk))+` ORDER BY id`+lock, args...)
		if err != nil {
			return nil, fmt.Errorf("lock directory versions: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("lock directory versions: %w", err)
			}
			out[id] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("lock directory versions: %w", err)
		}
	}
	return out, nil
}

// SetDirectoryVersions writes devices' directory versions; devices that
// are gone are skipped. Devices covered by the same contacts and files
// share a version, so they are written together, a chunk at a time.
func (db *DB) SetDirectoryVersions(ctx context.Context, versions map[string]string) error {
	if len(versions) == 0 {
		return nil
	}
	byVersion := map[string][]any{}
	for id, v := range versions {
		byVersion[v] = append(byVersion[v], id)
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		for v, ids := range byVersion {
			for len(ids) > 0 {
				chunk := ids[:min(len(ids), 500)]
				ids = ids[len(chunk):]
				_, err := plain(ctx, db.writer).ExecContext(ctx, `UPDATE devices SET directory_version = $1 WHERE id IN `+
					placeholders(2, len(chunk)), append([]any{v}, chunk...)...)
				if err != nil {
					return fmt.Errorf("set directory versions: %w", err)
				}
			}
		}
		return nil
	})
}
