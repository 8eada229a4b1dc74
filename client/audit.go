package client

import (
	"context"
	"net/url"

	"github.com/stewardmdm/steward"
)

// AuditLog lists one page of audit entries in the caller's subtree (or
// f.AccountID's), newest first. The server returns at most 50 when f.Limit
// is 0; ask for the next page with f.Before set to the last entry's ID.
// ENOTFOUND.
func (c *Client) AuditLog(ctx context.Context, f steward.AuditFilter) ([]*steward.AuditEntry, error) {
	q := url.Values{}
	setIf(q, "account_id", f.AccountID)
	setIf(q, "actor_id", f.ActorID)
	setIf(q, "action", f.Action)
	setIf(q, "target_id", f.TargetID)
	setIf(q, "before", f.Before)
	setTime(q, "since", f.Since)
	setTime(q, "until", f.Until)
	setInt(q, "limit", f.Limit)
	if f.OnlyDirect {
		q.Set("only_direct", "true")
	}
	var l Page[*steward.AuditEntry]
	if err := c.do(ctx, request{op: "list audit entries", method: "GET", path: "/audit", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// VerifyAudit recomputes an account's audit hash chain (the caller's own
// account when accountID is empty). ENOTFOUND.
func (c *Client) VerifyAudit(ctx context.Context, accountID string) (*steward.AuditVerification, error) {
	const op = "verify audit chain"
	p, err := c.accountID(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	var v steward.AuditVerification
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/audit/verify"}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// SecurityEvents lists one page of security events, newest first (platform
// admins only). EFORBIDDEN.
func (c *Client) SecurityEvents(ctx context.Context, f steward.SecurityEventFilter) ([]*steward.SecurityEvent, error) {
	q := url.Values{}
	setIf(q, "kind", f.Kind)
	setIf(q, "email", f.Email)
	setIf(q, "ip", f.IP)
	setIf(q, "before", f.Before)
	setInt(q, "limit", f.Limit)
	var l Page[*steward.SecurityEvent]
	if err := c.do(ctx, request{op: "list security events", method: "GET", path: "/security-events", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}
