package steward

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// AuditEntry is one state change made by a manager or token. Entries are
// append-only and hash-chained per account: each entry's hash covers its
// content and the previous entry's hash, so a removed or altered entry is
// detected by VerifyAudit.
type AuditEntry struct {
	ID         string          `json:"id"`
	AccountID  string          `json:"account_id"` // the account the change concerns
	Seq        int64           `json:"seq"`        // position in the account's chain, from 1
	ActorID    string          `json:"actor_id,omitempty"`
	ActorEmail string          `json:"actor_email,omitempty"`
	TokenID    string          `json:"token_id,omitempty"`
	Action     string          `json:"action"` // e.g. "account.create"
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	IP         string          `json:"ip,omitempty"`
	Summary    json.RawMessage `json:"summary,omitempty"` // before/after, never secrets
	CreatedAt  time.Time       `json:"created_at"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// AuditFilter selects audit entries within the actor's subtree.
type AuditFilter struct {
	AccountID  string // only this account's subtree (default: the actor's)
	ActorID    string
	Action     string // exact, or a prefix ending in "." such as "account."
	TargetID   string
	Since      *time.Time
	Until      *time.Time
	Before     string // page: entries older than this ID
	Limit      int
	OnlyDirect bool // only entries of AccountID itself, not its subtree
}

// AuditVerification is the result of checking an account's chain.
type AuditVerification struct {
	AccountID string `json:"account_id"`
	Entries   int64  `json:"entries"`
	OK        bool   `json:"ok"`
	BrokenAt  int64  `json:"broken_at,omitempty"` // first sequence number that does not verify
	Problem   string `json:"problem,omitempty"`
}

// AuditService reads the audit log.
type AuditService interface {
	// AuditLog lists entries newest first. ENOTFOUND.
	AuditLog(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// VerifyAudit recomputes an account's hash chain. ENOTFOUND.
	VerifyAudit(ctx context.Context, accountID string) (*AuditVerification, error)
}

// SecurityEvent records something security-relevant: sign-in attempts,
// lockouts, access denials, blocked accounts, suspicious uploads.
type SecurityEvent struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"` // e.g. "login.failed"
	AccountID string          `json:"account_id,omitempty"`
	ManagerID string          `json:"manager_id,omitempty"`
	Email     string          `json:"email,omitempty"`
	IP        string          `json:"ip,omitempty"`
	UserAgent string          `json:"user_agent,omitempty"`
	Detail    json.RawMessage `json:"detail,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// SecurityEventFilter selects security events (platform admin only).
type SecurityEventFilter struct {
	Kind   string
	Email  string
	IP     string
	Before string
	Limit  int
}

// ChainHash returns the hash of an entry given its predecessor's hash: a
// SHA-256 over the previous hash and the entry's fields, each length-prefixed
// so that no two entries can collide by shifting bytes between fields.
func (e *AuditEntry) ChainHash(prev string) string {
	h := sha256.New()
	for _, s := range []string{
		prev, e.ID, e.AccountID, strconv.FormatInt(e.Seq, 10), e.ActorID, e.ActorEmail, e.TokenID,
		e.Action, e.TargetType, e.TargetID, e.IP, string(e.Summary),
		strconv.FormatInt(e.CreatedAt.UnixMilli(), 10),
	} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}
