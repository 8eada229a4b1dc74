package steward

import (
	"context"
	"time"
)

// Store is everything the services keep. Implementations: store.DB (SQLite
// and PostgreSQL). Each consumer should ask for the smallest interface it needs.
type Store interface {
	Transactor
	AccountStore
	ManagerStore
	SessionStore
	TokenStore
	LedgerStore
	AuditStore
	SecurityEventStore
	Outbox
	DeviceStore
	CommandStore
	LocationStore
	RetentionStore
	AppStore
	DirectoryStore
	KeyStore
	ComplianceStore
	UserStore
	PolicyStore
	ContactStore
	SharedFileStore
	DirectoryVersionStore
	// Ping reports whether the database answers and its schema is current.
	Ping(ctx context.Context) error
}

// Transactor runs fn in one transaction: every store call made with the
// context fn receives is part of it. Nested calls join the outer transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// AccountStore keeps accounts. Scope checks are the service's job.
type AccountStore interface {
	// AccountByID returns an account with its balance. ENOTFOUND.
	AccountByID(ctx context.Context, id string) (*Account, error)
	// ListAccounts lists accounts whose path starts with prefix, by path.
	ListAccounts(ctx context.Context, prefix string, f AccountFilter) ([]*Account, error)
	// InsertAccount inserts a new account.
	InsertAccount(ctx context.Context, a *Account) error
	// UpdateAccount writes an account's mutable fields. ENOTFOUND.
	UpdateAccount(ctx context.Context, a *Account) error
	// MoveSubtree re-parents account id under newParentID and rewrites the
	// paths below it from oldPrefix to newPrefix.
	MoveSubtree(ctx context.Context, id, newParentID, oldPrefix, newPrefix string, at time.Time) error
	// SoftDeleteSubtree marks every live account under prefix deleted at t.
	SoftDeleteSubtree(ctx context.Context, prefix string, at time.Time) (int64, error)
	// AccountAncestry returns the accounts on the path, root first.
	AccountAncestry(ctx context.Context, path string) ([]*Account, error)
	// CountAccounts counts live accounts under prefix by kind.
	CountAccounts(ctx context.Context, prefix string) (map[AccountKind]int, error)
	// LockAccount serialises writers on one account until the transaction ends.
	LockAccount(ctx context.Context, id string) error
}

// ManagerStore keeps logins.
type ManagerStore interface {
	ManagerByID(ctx context.Context, id string) (*Manager, error)       // ENOTFOUND
	ManagerByEmail(ctx context.Context, email string) (*Manager, error) // ENOTFOUND
	ListManagers(ctx context.Context, accountID string) ([]*Manager, error)
	CountManagers(ctx context.Context, prefix string) (int, error)
	InsertManager(ctx context.Context, m *Manager) error // ECONFLICT on a taken email
	UpdateManager(ctx context.Context, m *Manager) error // ENOTFOUND
	DeleteManager(ctx context.Context, id string) error  // ENOTFOUND
	// InsertManagerToken stores a one-time token (reset or invitation) by hash.
	InsertManagerToken(ctx context.Context, hash, managerID, purpose string, at, expires time.Time) error
	// ConsumeManagerToken marks a live token used and returns its manager. ENOTFOUND.
	ConsumeManagerToken(ctx context.Context, hash, purpose string, at time.Time) (string, error)
}

// SessionStore keeps console sessions.
type SessionStore interface {
	InsertSession(ctx context.Context, s *Session) error
	SessionByID(ctx context.Context, id string) (*Session, error) // ENOTFOUND
	DeleteSession(ctx context.Context, id string) error
	DeleteManagerSessions(ctx context.Context, managerID, exceptID string) error
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error)
}

// TokenStore keeps API tokens by the hash of their secret.
type TokenStore interface {
	InsertToken(ctx context.Context, t *APIToken, secretHash string) error
	TokenByHash(ctx context.Context, secretHash string) (*APIToken, error) // ENOTFOUND
	TokenByID(ctx context.Context, id string) (*APIToken, error)           // ENOTFOUND
	ListTokens(ctx context.Context, managerID string) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// LedgerStore keeps the append-only credit ledger.
type LedgerStore interface {
	InsertLedgerEntry(ctx context.Context, e *LedgerEntry) error
	Balance(ctx context.Context, accountID string) (int64, error)
	ListLedger(ctx context.Context, f LedgerFilter) ([]*LedgerEntry, error)
}

// AuditStore keeps the hash-chained audit log.
type AuditStore interface {
	// AppendAudit sets e's sequence number and hashes and appends it to its
	// account's chain.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit lists entries of accounts whose path starts with prefix.
	ListAudit(ctx context.Context, prefix string, f AuditFilter) ([]*AuditEntry, error)
	// AuditChain calls fn for an account's entries in sequence order.
	AuditChain(ctx context.Context, accountID string, fn func(*AuditEntry) error) error
	// AuditHead returns the sequence number and hash of an account's last
	// entry as recorded when it was appended (0 and "" for no chain).
	AuditHead(ctx context.Context, accountID string) (int64, string, error)
}

// SecurityEventStore keeps security events.
type SecurityEventStore interface {
	InsertSecurityEvent(ctx context.Context, e *SecurityEvent) error
	ListSecurityEvents(ctx context.Context, f SecurityEventFilter) ([]*SecurityEvent, error)
}

// Mail is a message waiting in the outbox.
type Mail struct {
	ID            string
	To            string
	Subject       string
	Body          string
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	SentAt        *time.Time
	LastError     string
}

// Outbox keeps mail until a sender delivers it.
type Outbox interface {
	EnqueueMail(ctx context.Context, m *Mail) error
	DueMail(ctx context.Context, now time.Time, limit int) ([]*Mail, error)
	// MarkMailSent records delivery and erases the body (it may hold a secret).
	MarkMailSent(ctx context.Context, id string, at time.Time) error
	MarkMailFailed(ctx context.Context, id string, reason string, next time.Time) error
}

// Mailer delivers one message.
type Mailer interface {
	Send(ctx context.Context, m *Mail) error
}
