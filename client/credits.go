package client

import (
	"context"
	"net/url"

	"github.com/stewardmdm/steward"
)

// Credits is an account's balance with one page of its ledger, newest
// first; Next is the cursor (LedgerFilter.Before) of the following page
// when there may be one.
type Credits struct {
	AccountID string                 `json:"account_id"`
	Balance   int64                  `json:"balance"`
	Entries   []*steward.LedgerEntry `json:"entries"`
	Next      string                 `json:"next,omitempty"`
}

// Credits returns an account's balance and a page of its ledger in one
// call; an empty f.AccountID means the caller's own account. The server
// returns at most 50 entries when f.Limit is 0. ENOTFOUND.
func (c *Client) Credits(ctx context.Context, f steward.LedgerFilter) (*Credits, error) {
	const op = "get credits"
	p, err := c.accountID(ctx, op, f.AccountID)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setIf(q, "before", f.Before)
	setInt(q, "limit", f.Limit)
	var cr Credits
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/credits", query: q}, &cr); err != nil {
		return nil, err
	}
	return &cr, nil
}

// Balance returns an account's balance; an empty accountID means the
// caller's own. ENOTFOUND.
func (c *Client) Balance(ctx context.Context, accountID string) (int64, error) {
	cr, err := c.Credits(ctx, steward.LedgerFilter{AccountID: accountID, Limit: 1})
	if err != nil {
		return 0, err
	}
	return cr.Balance, nil
}

// Ledger lists one page of an account's ledger entries, newest first.
// ENOTFOUND.
func (c *Client) Ledger(ctx context.Context, f steward.LedgerFilter) ([]*steward.LedgerEntry, error) {
	cr, err := c.Credits(ctx, f)
	if err != nil {
		return nil, err
	}
	return cr.Entries, nil
}

// GrantCredits adds credits to an account (platform admin only).
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) GrantCredits(ctx context.Context, in steward.CreditGrant) (*steward.LedgerEntry, error) {
	var e steward.LedgerEntry
	if err := c.do(ctx, request{op: "grant credits", method: "POST", path: "/credits/grants", body: in}, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// TransferCredits moves credits down the subtree (from the caller's own
// account when in.FromID is empty) and returns the two ledger entries, the
// debit first. EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT (insufficient
// balance).
func (c *Client) TransferCredits(ctx context.Context, in steward.CreditTransfer) ([]*steward.LedgerEntry, error) {
	var l Page[*steward.LedgerEntry]
	if err := c.do(ctx, request{op: "transfer credits", method: "POST", path: "/credits/transfers", body: in}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}
