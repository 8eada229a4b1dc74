package steward

import (
	"context"
	"strings"
	"time"
)

// Policies are saved, versioned configurations assigned to targets (an
// account's subtree, a folder, a group or one device). Every edit makes a
// new version; old versions are kept. A device's effective policy merges
// every policy whose targets cover it (see the service for the rules).

// Policy is a named configuration owned by an account.
type Policy struct {
	ID             string    `json:"id"`
	AccountID      string    `json:"account_id"`
	Name           string    `json:"name"` // unique within the account
	Description    string    `json:"description,omitempty"`
	CurrentVersion int       `json:"current_version"`
	Targets        []Target  `json:"targets"`
	CreatedBy      string    `json:"created_by,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// PolicyVersion is one saved state of a policy's settings. Versions count
// up from 1 and are never changed once written.
type PolicyVersion struct {
	PolicyID       string         `json:"policy_id"`
	Version        int            `json:"version"`
	Settings       PolicySettings `json:"settings"`
	CreatedBy      string         `json:"created_by,omitempty"`
	CreatedByEmail string         `json:"created_by_email,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
}

// PolicySettings are the sections of a policy, as in protocol.Policy. A
// nil section or field sets nothing. Secrets (Wi-Fi passwords, EAP client
// keys) are write-only: they arrive in clear in an edit, are sealed before
// anything is stored, and are answered only as "…_set" flags.
type PolicySettings struct {
	WiFi                   []WiFiSetting        `json:"wifi,omitempty"`
	CACerts                []CACertSetting      `json:"ca_certs,omitempty"`
	Apps                   []AppRuleSetting     `json:"apps,omitempty"`
	Kiosk                  *KioskSetting        `json:"kiosk,omitempty"`
	Password               *PasswordSetting     `json:"password,omitempty"`
	Restrictions           *RestrictionsSetting `json:"restrictions,omitempty"`
	Tracking               *TrackingSetting     `json:"tracking,omitempty"`
	CheckInIntervalSeconds *int                 `json:"checkin_interval_seconds,omitempty"`
}

// WiFiSetting is one network, keyed by SSID. Security and EAPMethod take
// the values of protocol.WiFi* and protocol.EAP*.
type WiFiSetting struct {
	SSID              string `json:"ssid"`
	Hidden            bool   `json:"hidden,omitempty"`
	Security          string `json:"security"`
	EAPMethod         string `json:"eap_method,omitempty"`
	Identity          string `json:"identity,omitempty"`
	CACertSHA256      string `json:"ca_cert_sha256,omitempty"`
	ClientCertPEM     string `json:"client_cert_pem,omitempty"`
	DomainSuffixMatch string `json:"domain_suffix_match,omitempty"`

	// Password and ClientKeyPEM are the secrets as an edit sends them:
	// absent (nil) keeps the network's stored value, "" clears it, anything
	// else replaces it. They are never stored nor answered.
	Password     *string `json:"password,omitempty"`
	ClientKeyPEM *string `json:"client_key_pem,omitempty"`
	// PasswordSet and ClientKeySet say whether a value is stored.
	PasswordSet  bool `json:"password_set"`
	ClientKeySet bool `json:"client_key_set"`
	// SealedPassword and SealedClientKey are the stored values, sealed.
	SealedPassword  *SealedSecret `json:"-"`
	SealedClientKey *SealedSecret `json:"-"`
}

// SealedSecret is a secret at rest: the ciphertext (see Sealer) and a
// random reference that stays the same while the value does, so that a
// document's version can change with the secret without hashing it.
type SealedSecret struct {
	Ciphertext []byte `json:"ciphertext"`
	Ref        string `json:"ref"`
}

// CACertSetting is a certificate authority to trust, keyed by the SHA-256
// of its DER encoding. Only Name and PEM are stored; the rest is parsed
// from the PEM on every read (CertInfo).
type CACertSetting struct {
	Name string `json:"name,omitempty"`
	PEM  string `json:"pem"`
	*CertInfo
}

// CertInfo is what a certificate says about itself, and whether it is
// expired or expires within CertExpiringWithin of the time it was read.
type CertInfo struct {
	SHA256    string    `json:"sha256"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Expired   bool      `json:"expired"`
	Expiring  bool      `json:"expiring"` // within CertExpiringWithin
}

// CertExpiringWithin is how close to its end a certificate is flagged.
const CertExpiringWithin = 30 * 24 * time.Hour

// AppRuleSetting says what devices do with one package: protocol.AppRequired,
// AppAllowed or AppBlocked.
type AppRuleSetting struct {
	Package string `json:"package"`
	Action  string `json:"action"`
}

// KioskSetting locks devices to one app.
type KioskSetting struct {
	Package string `json:"package"`
}

// PasswordSetting is the screen-lock rules; Quality is one of
// protocol.Password*.
type PasswordSetting struct {
	Quality              string `json:"quality,omitempty"`
	MinLength            *int   `json:"min_length,omitempty"`
	MaxFailedAttempts    *int   `json:"max_failed_attempts,omitempty"`
	ScreenLockTimeoutSec *int   `json:"screen_lock_timeout_seconds,omitempty"`
}

// RestrictionsSetting turns device features off (true) or leaves them on
// (false); nil sets nothing.
type RestrictionsSetting struct {
	DisableCamera     *bool `json:"disable_camera,omitempty"`
	DisableUSB        *bool `json:"disable_usb,omitempty"`
	DisableScreenshot *bool `json:"disable_screenshot,omitempty"`
}

// TrackingSetting narrows location and web-history tracking. The
// account's privacy switches stay the master: false turns tracking off for
// the policy's devices, true keeps it on only where the account's switch
// is on, nil follows the account.
type TrackingSetting struct {
	Location   *bool `json:"location,omitempty"`
	WebHistory *bool `json:"web_history,omitempty"`
}

// DevicePolicyState is what the check-in answer needs of a device's
// effective policy, kept on the device row and recomputed whenever a
// policy, its targets or the device's membership changes: the version
// (empty when no policy covers the device), the check-in interval (0: the
// server's default) and the tracking narrowing (nil: the account's switch).
type DevicePolicyState struct {
	Version                string `json:"version,omitempty"`
	CheckInIntervalSeconds int    `json:"checkin_interval_seconds,omitempty"`
	Location               *bool  `json:"location,omitempty"`
	WebHistory             *bool  `json:"web_history,omitempty"`
}

// PolicyStore keeps policies, their versions and targets. Scope checks are
// the service's job.
type PolicyStore interface {
	// InsertPolicy inserts a policy with its first version and targets.
	// ECONFLICT on a taken name in the account.
	InsertPolicy(ctx context.Context, p *Policy, v *PolicyVersion) error
	PolicyByID(ctx context.Context, id string) (*Policy, error) // ENOTFOUND; with its targets
	// ListPolicies lists the policies of the accounts whose path starts
	// with prefix, by name then ID, with their targets.
	ListPolicies(ctx context.Context, prefix string) ([]*Policy, error)
	// UpdatePolicy writes a policy's name and description and, when v is
	// not nil, appends v as its new current version (v.Version must be the
	// next one). ENOTFOUND; ECONFLICT on a taken name or a version written
	// meanwhile.
	UpdatePolicy(ctx context.Context, p *Policy, v *PolicyVersion) error
	// SetPolicyTargets replaces a policy's targets. ENOTFOUND.
	SetPolicyTargets(ctx context.Context, id string, targets []Target, at time.Time) error
	// DeletePolicy deletes a policy with its versions and targets. ENOTFOUND.
	DeletePolicy(ctx context.Context, id string) error

	PolicyVersion(ctx context.Context, policyID string, version int) (*PolicyVersion, error) // ENOTFOUND
	// ListPolicyVersions lists a policy's versions, newest first.
	ListPolicyVersions(ctx context.Context, policyID string) ([]*PolicyVersion, error)

	// PoliciesCovering returns the policies, with their targets, that have
	// a target covering the device.
	PoliciesCovering(ctx context.Context, m *Membership) ([]*Policy, error)
	// PoliciesTargeting lists the IDs of the policies with a target of this
	// kind and ID (a folder or group being deleted, say).
	PoliciesTargeting(ctx context.Context, t Target) ([]string, error)
	// SetDevicePolicyStates writes devices' effective policy states and
	// returns the IDs of the devices whose version changed.
	SetDevicePolicyStates(ctx context.Context, states map[string]DevicePolicyState) ([]string, error)
	// DevicePolicyVersions returns the stored effective policy version of
	// each device that exists among ids ("" when no policy covers it).
	DevicePolicyVersions(ctx context.Context, ids []string) (map[string]string, error)
}

// FieldErrors are the invalid fields of one input, each an EINVALID
// *Error naming its field ("wifi[2].password"). It unwraps to them, so
// ErrorCode, ErrorMessage and ErrorField answer with the first.
type FieldErrors []*Error

// Error implements the error interface.
func (fe FieldErrors) Error() string {
	var b strings.Builder
	for i, e := range fe {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Field + ": " + e.Message)
	}
	return b.String()
}

// Unwrap returns the errors, for errors.As.
func (fe FieldErrors) Unwrap() []error {
	out := make([]error, len(fe))
	for i, e := range fe {
		out[i] = e
	}
	return out
}

// Add appends an error on field.
func (fe *FieldErrors) Add(field, format string, args ...any) {
	*fe = append(*fe, FieldErrorf(field, format, args...))
}

// Err returns fe as an error, nil when empty.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// EffectivePolicy is a device's policy as merged from every policy that
// covers it, with where each setting came from. Secrets appear only as
// "…_set" flags.
type EffectivePolicy struct {
	DeviceID string `json:"device_id"`
	// Version is a hash of the merged content; empty when no policy covers
	// the device.
	Version  string          `json:"version"`
	Settings PolicySettings  `json:"settings"`
	Sources  []SettingSource `json:"sources"`
	// Policies are the covering policies, from the highest precedence down.
	Policies []PolicySource `json:"policies"`
}

// PolicySource is one policy that covers a device, through the target of
// highest precedence it has among those that cover the device.
type PolicySource struct {
	PolicyID   string `json:"policy_id"`
	PolicyName string `json:"policy_name"`
	Version    int    `json:"version"`
	Target     Target `json:"target"`
	TargetName string `json:"target_name,omitempty"`
}

// SettingSource says which policy set one setting of an effective policy.
// Keys are those of the compliance reports (protocol.KeyWiFiPrefix + SSID,
// "password", "restrictions.disable_camera", …).
type SettingSource struct {
	Key string `json:"key"`
	PolicySource
}
