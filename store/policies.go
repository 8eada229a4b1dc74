package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

var _ steward.PolicyStore = (*DB)(nil)

const policyColumns = `p.id, p.account_id, p.name, p.description, p.current_version, p.created_by, p.created_at, p.updated_at`

func scanPolicy(row scanner) (*steward.Policy, error) {
	var p steward.Policy
	var created, updated int64
	if err := row.Scan(&p.ID, &p.AccountID, &p.Name, &p.Description, &p.CurrentVersion, &p.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMs(created), fromMs(updated)
	p.Targets = []steward.Target{}
	return &p, nil
}

// InsertPolicy inserts a policy with its first version and targets.
// ECONFLICT on a taken name in the account.
func (db *DB) InsertPolicy(ctx context.Context, p *steward.Policy, v *steward.PolicyVersion) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO policies (id, account_id, name, description, current_version,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			p.ID, p.AccountID, p.Name, p.Description, v.Version, p.CreatedBy, ms(p.CreatedAt), ms(p.UpdatedAt))
		if isUniqueViolation(err) {
			return steward.Errorf(steward.ECONFLICT, "The account already has a policy named %q.", p.Name)
		} else if err != nil {
			return fmt.Errorf("insert policy: %w", err)
		}
		if err := db.insertPolicyVersion(ctx, v); err != nil {
			return err
		}
		return db.writeTargets(ctx, p.ID, p.Targets)
	})
}

// storedSettings is the part of a version kept as one JSON document: every
// section but the Wi-Fi networks and CA certificates, which have tables.
func storedSettings(s steward.PolicySettings) (string, error) {
	s.WiFi, s.CACerts = nil, nil
	b, err := json.Marshal(s)
	return string(b), err
}

func (db *DB) insertPolicyVersion(ctx context.Context, v *steward.PolicyVersion) error {
	doc, err := storedSettings(v.Settings)
	if err != nil {
		return fmt.Errorf("encode policy version: %w", err)
	}
	_, err = db.w(ctx).ExecContext(ctx, `INSERT INTO policy_versions (policy_id, version, settings, created_by, created_by_email, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, v.PolicyID, v.Version, doc, v.CreatedBy, v.CreatedByEmail, ms(v.CreatedAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "Version %d of the policy was written meanwhile; reload and edit again.", v.Version)
	} else if err != nil {
		return fmt.Errorf("insert policy version: %w", err)
	}
	for i, w := range v.Settings.WiFi {
		// The clear values of an edit never reach the database.
		pw, pwRef, key, keyRef := sealedArgs(w.SealedPassword), sealedRef(w.SealedPassword), sealedArgs(w.SealedClientKey), sealedRef(w.SealedClientKey)
		if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO policy_wifi (policy_id, version, position, ssid, hidden, security,
			eap_method, identity, ca_cert_sha256, client_cert_pem, domain_suffix_match, password_sealed, password_ref,
			client_key_sealed, client_key_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			v.PolicyID, v.Version, i, w.SSID, w.Hidden, w.Security, w.EAPMethod, w.Identity, w.CACertSHA256, w.ClientCertPEM,
			w.DomainSuffixMatch, pw, pwRef, key, keyRef); err != nil {
			return fmt.Errorf("insert policy wifi: %w", err)
		}
	}
	for i, c := range v.Settings.CACerts {
		if c.CertInfo == nil || c.SHA256 == "" {
			return fmt.Errorf("insert policy CA certificate %d: no fingerprint", i)
		}
		if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO policy_ca_certs (policy_id, version, position, sha256, name, pem)
			VALUES ($1, $2, $3, $4, $5, $6)`, v.PolicyID, v.Version, i, c.SHA256, c.Name, c.PEM); err != nil {
			return fmt.Errorf("insert policy CA certificate: %w", err)
		}
	}
	return nil
}

func sealedArgs(s *steward.SealedSecret) any {
	if s == nil || len(s.Ciphertext) == 0 {
		return nil
	}
	return s.Ciphertext
}

func sealedRef(s *steward.SealedSecret) string {
	if s == nil {
		return ""
	}
	return s.Ref
}

func (db *DB) writeTargets(ctx context.Context, policyID string, ts []steward.Target) error {
	if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM policy_targets WHERE policy_id = $1`, policyID); err != nil {
		return fmt.Errorf("replace policy targets: %w", err)
	}
	for _, t := range ts {
		// A target named twice is one target.
		if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO policy_targets (policy_id, kind, target_id) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, policyID, string(t.Kind), t.ID); err != nil {
			return fmt.Errorf("insert policy target: %w", err)
		}
	}
	return nil
}

// PolicyByID returns a policy with its targets. ENOTFOUND.
func (db *DB) PolicyByID(ctx context.Context, id string) (*steward.Policy, error) {
	p, err := scanPolicy(db.r(ctx).QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policies p WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("policy", id)
	} else if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if err := db.fillTargets(ctx, []*steward.Policy{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// fillTargets reads the targets of policies, in kind then ID order.
func (db *DB) fillTargets(ctx context.Context, ps []*steward.Policy) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[string]*steward.Policy{}
	args := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID], args[i] = p, p.ID
	}
	rows, err := db.queryMany(ctx, `SELECT policy_id, kind, target_id FROM policy_targets WHERE policy_id IN `+
		placeholders(1, len(args))+` ORDER BY policy_id, kind, target_id`, args...)
	if err != nil {
		return fmt.Errorf("policy targets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, target string
		if err := rows.Scan(&id, &kind, &target); err != nil {
			return fmt.Errorf("policy targets: %w", err)
		}
		p := byID[id]
		p.Targets = append(p.Targets, steward.Target{Kind: steward.TargetKind(kind), ID: target})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("policy targets: %w", err)
	}
	return nil
}

// ListPolicies lists the policies of the accounts under prefix, by name
// then ID, with their targets.
func (db *DB) ListPolicies(ctx context.Context, prefix string) ([]*steward.Policy, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+policyColumns+` FROM policies p JOIN accounts a ON a.id = p.account_id
		WHERE a.path LIKE $1 ORDER BY p.name, p.id`, prefix+"%")
	ps, err := collect(rows, err, "list policies", scanPolicy)
	if err != nil {
		return nil, err
	}
	if err := db.fillTargets(ctx, ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// UpdatePolicy writes a policy's name and description and, when v is not
// nil, appends it as the new current version; the secrets of the older
// versions are erased (only the current version holds them), and so is
// every network or certificate the new version no longer has. ENOTFOUND;
// ECONFLICT on a taken name, or when v is not the next version.
func (db *DB) UpdatePolicy(ctx context.Context, p *steward.Policy, v *steward.PolicyVersion) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if v != nil {
			var cur int
			err := db.w(ctx).QueryRowContext(ctx, `SELECT current_version FROM policies WHERE id = $1`, p.ID).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("policy", p.ID)
			} else if err != nil {
				return fmt.Errorf("update policy: %w", err)
			}
			if v.PolicyID != p.ID || v.Version != cur+1 {
				return steward.Errorf(steward.ECONFLICT, "The policy changed meanwhile (version %d); reload and edit again.", cur)
			}
			if err := db.insertPolicyVersion(ctx, v); err != nil {
				return err
			}
			if err := db.eraseOlder(ctx, v); err != nil {
				return err
			}
			p.CurrentVersion = v.Version
		}
		err := db.exec1(ctx, "update policy", "policy", p.ID, `UPDATE policies SET name = $2, description = $3,
			current_version = $4, updated_at = $5 WHERE id = $1`, p.ID, p.Name, p.Description, p.CurrentVersion, ms(p.UpdatedAt))
		if isUniqueViolation(err) {
			return steward.Errorf(steward.ECONFLICT, "The account already has a policy named %q.", p.Name)
		}
		return err
	})
}

// eraseOlder erases from the versions before v their secrets and the
// networks and certificates v no longer has.
func (db *DB) eraseOlder(ctx context.Context, v *steward.PolicyVersion) error {
	if _, err := db.w(ctx).ExecContext(ctx, `UPDATE policy_wifi SET password_sealed = NULL, client_key_sealed = NULL
		WHERE policy_id = $1 AND version < $2 AND (password_sealed IS NOT NULL OR client_key_sealed IS NOT NULL)`,
		v.PolicyID, v.Version); err != nil {
		return fmt.Errorf("erase older secrets: %w", err)
	}
	args := []any{v.PolicyID, v.Version}
	for _, w := range v.Settings.WiFi {
		args = append(args, w.SSID)
	}
	q := `DELETE FROM policy_wifi WHERE policy_id = $1 AND version < $2`
	if len(args) > 2 {
		q += ` AND ssid NOT IN ` + placeholders(3, len(args)-2)
	}
	if _, err := db.execMany(ctx, q, args...); err != nil {
		return fmt.Errorf("erase removed networks: %w", err)
	}
	args = args[:2]
	for _, c := range v.Settings.CACerts {
		args = append(args, c.SHA256)
	}
	q = `DELETE FROM policy_ca_certs WHERE policy_id = $1 AND version < $2`
	if len(args) > 2 {
		q += ` AND sha256 NOT IN ` + placeholders(3, len(args)-2)
	}
	if _, err := db.execMany(ctx, q, args...); err != nil {
		return fmt.Errorf("erase removed certificates: %w", err)
	}
	return nil
}

// SetPolicyTargets replaces a policy's targets. ENOTFOUND.
func (db *DB) SetPolicyTargets(ctx context.Context, id string, targets []steward.Target, at time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.exec1(ctx, "set policy targets", "policy", id, `UPDATE policies SET updated_at = $2 WHERE id = $1`, id, ms(at)); err != nil {
			return err
		}
		return db.writeTargets(ctx, id, targets)
	})
}

// DeletePolicy deletes a policy with its versions and targets. ENOTFOUND.
func (db *DB) DeletePolicy(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete policy", "policy", id, `DELETE FROM policies WHERE id = $1`, id)
}

const policyVersionColumns = `policy_id, version, settings, created_by, created_by_email, created_at`

func scanPolicyVersion(row scanner) (*steward.PolicyVersion, error) {
	var v steward.PolicyVersion
	var doc string
	var created int64
	if err := row.Scan(&v.PolicyID, &v.Version, &doc, &v.CreatedBy, &v.CreatedByEmail, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &v.Settings); err != nil {
		return nil, fmt.Errorf("policy %s version %d: %w", v.PolicyID, v.Version, err)
	}
	v.CreatedAt = fromMs(created)
	return &v, nil
}

// PolicyVersion returns one version of a policy. ENOTFOUND.
func (db *DB) PolicyVersion(ctx context.Context, policyID string, version int) (*steward.PolicyVersion, error) {
	v, err := scanPolicyVersion(db.r(ctx).QueryRowContext(ctx, `SELECT `+policyVersionColumns+` FROM policy_versions
		WHERE policy_id = $1 AND version = $2`, policyID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("policy version", fmt.Sprintf("%s/%d", policyID, version))
	} else if err != nil {
		return nil, fmt.Errorf("policy version: %w", err)
	}
	if err := db.fillVersions(ctx, policyID, []*steward.PolicyVersion{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// ListPolicyVersions lists a policy's versions, newest first.
func (db *DB) ListPolicyVersions(ctx context.Context, policyID string) ([]*steward.PolicyVersion, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+policyVersionColumns+` FROM policy_versions WHERE policy_id = $1
		ORDER BY version DESC`, policyID)
	vs, err := collect(rows, err, "list policy versions", scanPolicyVersion)
	if err != nil {
		return nil, err
	}
	if err := db.fillVersions(ctx, policyID, vs); err != nil {
		return nil, err
	}
	return vs, nil
}

// fillVersions reads the networks and certificates of versions of one policy.
func (db *DB) fillVersions(ctx context.Context, policyID string, vs []*steward.PolicyVersion) error {
	if len(vs) == 0 {
		return nil
	}
	byVersion := map[int]*steward.PolicyVersion{}
	lo, hi := vs[0].Version, vs[0].Version
	for _, v := range vs {
		byVersion[v.Version] = v
		lo, hi = min(lo, v.Version), max(hi, v.Version)
	}
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT version, ssid, hidden, security, eap_method, identity, ca_cert_sha256,
		client_cert_pem, domain_suffix_match, password_sealed, password_ref, client_key_sealed, client_key_ref
		FROM policy_wifi WHERE policy_id = $1 AND version BETWEEN $2 AND $3 ORDER BY version, position`, policyID, lo, hi)
	if err != nil {
		return fmt.Errorf("policy wifi: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var version int
		var w steward.WiFiSetting
		var pw, key []byte
		var pwRef, keyRef string
		if err := rows.Scan(&version, &w.SSID, &w.Hidden, &w.Security, &w.EAPMethod, &w.Identity, &w.CACertSHA256,
			&w.ClientCertPEM, &w.DomainSuffixMatch, &pw, &pwRef, &key, &keyRef); err != nil {
			return fmt.Errorf("policy wifi: %w", err)
		}
		if pwRef != "" {
			w.SealedPassword, w.PasswordSet = &steward.SealedSecret{Ciphertext: pw, Ref: pwRef}, true
		}
		if keyRef != "" {
			w.SealedClientKey, w.ClientKeySet = &steward.SealedSecret{Ciphertext: key, Ref: keyRef}, true
		}
		if v := byVersion[version]; v != nil {
			v.Settings.WiFi = append(v.Settings.WiFi, w)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("policy wifi: %w", err)
	}
	rows.Close()
	rows, err = db.r(ctx).QueryContext(ctx, `SELECT version, sha256, name, pem FROM policy_ca_certs
		WHERE policy_id = $1 AND version BETWEEN $2 AND $3 ORDER BY version, position`, policyID, lo, hi)
	if err != nil {
		return fmt.Errorf("policy CA certificates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var version int
		c := steward.CACertSetting{CertInfo: &steward.CertInfo{}}
		if err := rows.Scan(&version, &c.SHA256, &c.Name, &c.PEM); err != nil {
			return fmt.Errorf("policy CA certificates: %w", err)
		}
		if v := byVersion[version]; v != nil {
			v.Settings.CACerts = append(v.Settings.CACerts, c)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("policy CA certificates: %w", err)
	}
	return nil
}

// PoliciesCovering returns the policies with a target that covers the
// device, by ID, with their targets.
func (db *DB) PoliciesCovering(ctx context.Context, m *steward.Membership) ([]*steward.Policy, error) {
	var conds []string
	var args []any
	in := func(kind steward.TargetKind, ids []string) {
		if len(ids) == 0 {
			return
		}
		args = append(args, string(kind))
		c := fmt.Sprintf("(kind = $%d AND target_id IN %s)", len(args), placeholders(len(args)+1, len(ids)))
		for _, id := range ids {
			args = append(args, id)
		}
		conds = append(conds, c)
	}
	var accounts []string
	for _, id := range strings.Split(strings.Trim(m.AccountPath, "/"), "/") {
		if id != "" {
			accounts = append(accounts, id)
		}
	}
	in(steward.TargetAccount, accounts)
	if m.FolderID != "" {
		in(steward.TargetFolder, []string{m.FolderID})
	}
	in(steward.TargetGroup, m.GroupIDs)
	in(steward.TargetDevice, []string{m.DeviceID})
	rows, err := db.queryMany(ctx, `SELECT `+policyColumns+` FROM policies p WHERE p.id IN
		(SELECT policy_id FROM policy_targets WHERE `+strings.Join(conds, " OR ")+`) ORDER BY p.id`, args...)
	ps, err := collect(rows, err, "policies covering", scanPolicy)
	if err != nil {
		return nil, err
	}
	if err := db.fillTargets(ctx, ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// PoliciesTargeting lists the IDs of the policies with the target t.
func (db *DB) PoliciesTargeting(ctx context.Context, t steward.Target) ([]string, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT policy_id FROM policy_targets WHERE kind = $1 AND target_id = $2
		ORDER BY policy_id`, string(t.Kind), t.ID)
	return collect(rows, err, "policies targeting", func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
}

// SetDevicePolicyStates writes devices' effective policy states, in ID
// order (so that concurrent writers lock rows in the same order), and
// returns the IDs of the devices whose version changed. A state whose
// version is the stored one is not written: the rest of a state follows
// from its version.
func (db *DB) SetDevicePolicyStates(ctx context.Context, states map[string]steward.DevicePolicyState) ([]string, error) {
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var changed []string
	err := db.InTx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			st := states[id]
			res, err := db.w(ctx).ExecContext(ctx, `UPDATE devices SET policy_version = $2, policy_checkin_seconds = $3,
				policy_location = $4, policy_web_history = $5 WHERE id = $1 AND policy_version <> $2`,
				id, st.Version, st.CheckInIntervalSeconds, nullable(st.Location), nullable(st.WebHistory))
			if err != nil {
				return fmt.Errorf("set device policy state: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("set device policy state: %w", err)
			} else if n > 0 {
				changed = append(changed, id)
			}
		}
		return nil
	})
	return changed, err
}

// DevicePolicyVersions returns the stored effective policy version of each
// device that exists among ids, reading 500 at a time.
func (db *DB) DevicePolicyVersions(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := db.queryMany(ctx, `SELECT id, policy_version FROM devices WHERE id IN `+placeholders(1, len(args)), args...)
		if err != nil {
			return nil, fmt.Errorf("device policy versions: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("device policy versions: %w", err)
			}
			out[id] = v
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("device policy versions: %w", err)
		}
	}
	return out, nil
}
