// Package service holds Steward's use cases and their authorisation. It
// never imports net/http or database/sql: transports call it, stores serve it.
package service

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/stewardmdm/steward"
)

// Options are the dependencies and settings of a Service.
type Options struct {
	Store  steward.Store
	Clock  steward.Clock
	Logger *slog.Logger
	// Passwords hashes and checks passwords (argon2id).
	Passwords *PasswordHasher
	// BaseURL is the console's public address, used in emailed links.
	BaseURL string
	// SessionTTL is how long a console session lasts (default 12 h).
	SessionTTL time.Duration
	// Lockout: after MaxFailures failed sign-ins in a row a login is locked
	// for LockFor (defaults 5 and 15 min).
	MaxFailures int
	LockFor     time.Duration
	// LoginsPerIPPerMinute limits sign-in attempts from one address (default 20).
	LoginsPerIPPerMinute int
	// SingleNode says this process is the only one serving the store (the
	// embedded SQLite store): idle polls are then answered from memory, and
	// check-ins reuse the device row they last read (see pending.go and
	// devicestate.go).
	SingleNode bool
	// RetentionBatch is the most rows one statement of the retention sweep
	// changes (default RetentionBatch; on a single-writer database such as
	// SQLite, RetentionBatchSingleWriter).
	RetentionBatch int
	// RetentionPause is how long the retention sweep waits after a full
	// batch before the next, so that other writers (check-ins) get the
	// database in between (default RetentionPauseDefault; negative: none).
	RetentionPause time.Duration
	// Inspector parses and checks uploaded APKs; without it uploads are
	// refused as not configured.
	Inspector steward.APKInspector
	// Scanner is the antivirus; without it versions are checked statically
	// only, and their scan result says no antivirus ran.
	Scanner steward.VirusScanner
	// Blobs keeps the APK files; without it uploads are refused.
	Blobs steward.Blobs
	// MaxAPKSize bounds an upload (default MaxAPKSizeDefault).
	MaxAPKSize int64
	// TempDir holds uploads while they are inspected (default: the system's).
	TempDir string
	// Sealer keeps secrets encrypted at rest (Wi-Fi passwords, private
	// keys), sealed per account; without it, features that store secrets
	// must refuse them.
	Sealer steward.Sealer
	// MaxFileSize bounds a shared file's upload (default MaxFileSizeDefault).
	MaxFileSize int64
}

// Service implements Steward's use cases.
type Service struct {
	store     steward.Store
	clock     steward.Clock
	logger    *slog.Logger
	passwords *PasswordHasher
	baseURL   string
	opts      Options
	ipLimiter *limiter
	hub       *hub
	live      liveness
	devAuth   *deviceAuthCache
	pending   *pendingMarks // nil unless Options.SingleNode
	acks      *groupCommit  // acknowledgements, committed in groups
	states    *deviceStates // nil unless Options.SingleNode
	privacy   privacyCache  // accounts' privacy switches, for check-ins
	// policyVersions gives compliance each device's current policy version
	// (see compliance.go): the one its row keeps (storedPolicyVersions).
	policyVersions policyVersionsFunc
	// versionCache keeps the policy versions merges read.
	versionCache *versionCache
	// dummyHash is verified against when a sign-in names an unknown email,
	// at the configured cost, so a missing login takes as long to refuse as
	// a wrong password and existence does not leak through timing.
	dummyHash string
}

// Compile-time checks that Service implements the domain's interfaces.
var (
	_ steward.AccountService = (*Service)(nil)
	_ steward.ManagerService = (*Service)(nil)
	_ steward.TokenService   = (*Service)(nil)
	_ steward.CreditService  = (*Service)(nil)
	_ steward.AuditService   = (*Service)(nil)
)

// New returns a Service. It refuses missing dependencies.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Clock == nil || o.Logger == nil {
		return nil, errors.New("service: Store, Clock and Logger are required")
	}
	if o.Passwords == nil {
		o.Passwords = NewPasswordHasher(DefaultArgon2)
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.LockFor <= 0 {
		o.LockFor = 15 * time.Minute
	}
	if o.LoginsPerIPPerMinute <= 0 {
		o.LoginsPerIPPerMinute = 20
	}
	if o.RetentionBatch <= 0 {
		o.RetentionBatch = RetentionBatch
		if w, ok := o.Store.(interface{ SingleWriter() bool }); ok && w.SingleWriter() {
			o.RetentionBatch = RetentionBatchSingleWriter
		}
	}
	if o.MaxAPKSize <= 0 {
		o.MaxAPKSize = MaxAPKSizeDefault
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = MaxFileSizeDefault
	}
	if o.RetentionPause == 0 {
		o.RetentionPause = RetentionPauseDefault
	}
	dummy, err := o.Passwords.Hash(steward.NewSecret("", 16))
	if err != nil {
		return nil, err
	}
	s := &Service{
		store: hookedStore{o.Store}, clock: o.Clock, logger: o.Logger, passwords: o.Passwords, baseURL: o.BaseURL, opts: o,
		ipLimiter: newLimiter(o.LoginsPerIPPerMinute, time.Minute), dummyHash: dummy,
		hub: newHub(), devAuth: newDeviceAuthCache(30 * time.Second),
	}
	s.versionCache = newVersionCache()
	s.policyVersions = s.storedPolicyVersions
	s.acks = &groupCommit{inTx: o.Store.InTx, max: 500}
	if o.SingleNode {
		s.states = &deviceStates{m: map[string]deviceState{}}
		s.pending = &pendingMarks{m: map[string]pendingState{}}
	}
	return s, nil
}

// now is the service's clock, in UTC, at the stores' millisecond precision.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// record appends an audit entry for a change made by the context's actor.
// It runs inside the caller's transaction, so a change and its record
// commit or fail together.
func (s *Service) record(ctx context.Context, accountID, action, targetType, targetID string, summary any) error {
	a := steward.ActorFromContext(ctx)
	e := &steward.AuditEntry{
		ID: steward.NewID(s.now()), AccountID: accountID, Action: action, TargetType: targetType, TargetID: targetID,
		CreatedAt: s.now(),
	}
	if a != nil {
		e.ActorID, e.ActorEmail, e.TokenID, e.IP = a.ManagerID, a.Email, a.TokenID, a.IP
	}
	if summary != nil {
		b, err := json.Marshal(summary)
		if err != nil {
			return err
		}
		e.Summary = b
	}
	return s.store.AppendAudit(ctx, e)
}

// securityEvent records a security event; failures are logged, not returned,
// so that recording never hides the answer to the caller.
func (s *Service) securityEvent(ctx context.Context, e steward.SecurityEvent) {
	e.ID, e.CreatedAt = steward.NewID(s.now()), s.now()
	if a := steward.ActorFromContext(ctx); a != nil {
		if e.ManagerID == "" {
			e.ManagerID, e.Email, e.AccountID = a.ManagerID, a.Email, a.AccountID
		}
		if e.IP == "" {
			e.IP, e.UserAgent = a.IP, a.UserAgent
		}
	}
	if err := s.store.InsertSecurityEvent(context.WithoutCancel(ctx), &e); err != nil {
		s.logger.Error("record security event", "kind", e.Kind, "err", err)
	}
}

func detail(kv ...any) json.RawMessage {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return b
}

func jsonMarshal(v any) (json.RawMessage, error) { return json.Marshal(v) }
