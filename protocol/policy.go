package protocol

import "time"

// Policies and the company directory reach a device by pull: the check-in
// answer carries the versions the device should hold (PolicyVersion,
// DirectoryVersion), and the device fetches what changed with a
// conditional GET (If-None-Match: the version; 304 when unchanged). When
// either changes, connected devices are told at once by a PushRefresh
// message; the others learn it at their next check-in.

// Paths of the policy and directory endpoints.
const (
	PathPolicy       = "/device/v1/policy"        // GET: the effective policy; ETag is its version
	PathPolicyReport = "/device/v1/policy/report" // POST: what the device applied (PolicyReport)
	PathDirectory    = "/device/v1/directory"     // GET: contacts and the file manifest; ETag is its version
	PathFileDownload = "/device/v1/files/{id}/download"
)

// PushRefresh is a push message telling a device to fetch again what
// PushMessage.Refresh names: RefreshPolicy, RefreshDirectory.
const (
	PushRefresh      = "refresh"
	RefreshPolicy    = "policy"
	RefreshDirectory = "directory"
)

// MaxPolicyReportBody bounds a PolicyReport.
const MaxPolicyReportBody = 64 << 10

// Policy is a device's effective policy, merged from every policy that
// targets it, with secrets in clear: it is sent only to that device. A nil
// section or field sets nothing.
type Policy struct {
	Version      string          `json:"version"`
	WiFi         []WiFiNetwork   `json:"wifi,omitempty"`
	CACerts      []CACert        `json:"ca_certs,omitempty"`
	Apps         []AppRule       `json:"apps,omitempty"`
	Kiosk        *Kiosk          `json:"kiosk,omitempty"`
	Password     *PasswordRules  `json:"password,omitempty"`
	Restrictions *Restrictions   `json:"restrictions,omitempty"`
	Tracking     *TrackingPolicy `json:"tracking,omitempty"`
	// CheckInIntervalSeconds replaces the server's default interval.
	CheckInIntervalSeconds *int `json:"checkin_interval_seconds,omitempty"`
}

// Wi-Fi security types and EAP methods.
const (
	WiFiOpen           = "open"
	WiFiWPA2Personal   = "wpa2_personal"
	WiFiWPA3Personal   = "wpa3_personal"
	WiFiWPA2Enterprise = "wpa2_enterprise"
	WiFiWPA3Enterprise = "wpa3_enterprise"

	EAPPEAP = "peap"
	EAPTLS  = "tls"
	EAPTTLS = "ttls"
)

// WiFiNetwork is one network to configure, keyed by SSID.
type WiFiNetwork struct {
	SSID     string `json:"ssid"`
	Hidden   bool   `json:"hidden,omitempty"`
	Security string `json:"security"`           // one of the WiFi* values
	Password string `json:"password,omitempty"` // personal networks (and PEAP/TTLS)
	// Enterprise networks.
	EAPMethod         string `json:"eap_method,omitempty"` // one of the EAP* values
	Identity          string `json:"identity,omitempty"`
	CACertSHA256      string `json:"ca_cert_sha256,omitempty"`      // names one of Policy.CACerts
	ClientCertPEM     string `json:"client_cert_pem,omitempty"`     // EAP-TLS
	ClientKeyPEM      string `json:"client_key_pem,omitempty"`      // EAP-TLS, a secret
	DomainSuffixMatch string `json:"domain_suffix_match,omitempty"` // the server certificate's name
}

// CACert is a certificate authority to trust, keyed by the SHA-256 of its
// DER encoding (lower-case hex).
type CACert struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name,omitempty"`
	PEM    string `json:"pem"`
}

// App rule actions.
const (
	AppRequired = "required"
	AppAllowed  = "allowed"
	AppBlocked  = "blocked"
)

// AppRule says what a device does with one package.
type AppRule struct {
	Package string `json:"package"`
	Action  string `json:"action"` // required, allowed, blocked
}

// Kiosk locks the device to one app (lock-task mode).
type Kiosk struct {
	Package string `json:"package"`
}

// Password qualities.
const (
	PasswordAny          = "any"
	PasswordNumeric      = "numeric"
	PasswordAlphanumeric = "alphanumeric"
	PasswordComplex      = "complex"
)

// PasswordRules are the screen-lock and password rules.
type PasswordRules struct {
	Quality              string `json:"quality,omitempty"` // one of the Password* values
	MinLength            *int   `json:"min_length,omitempty"`
	MaxFailedAttempts    *int   `json:"max_failed_attempts,omitempty"` // before a wipe
	ScreenLockTimeoutSec *int   `json:"screen_lock_timeout_seconds,omitempty"`
}

// Restrictions turn device features off (true) or leave them on (false).
type Restrictions struct {
	DisableCamera     *bool `json:"disable_camera,omitempty"`
	DisableUSB        *bool `json:"disable_usb,omitempty"`
	DisableScreenshot *bool `json:"disable_screenshot,omitempty"`
}

// TrackingPolicy switches location and web-history tracking. Both are off
// unless set; the account's privacy switches and the device user's
// consent still apply (see Privacy).
type TrackingPolicy struct {
	Location   *bool `json:"location,omitempty"`
	WebHistory *bool `json:"web_history,omitempty"`
}

// Compliance states of one setting.
const (
	SettingApplied       = "applied"
	SettingFailed        = "failed"
	SettingNotApplicable = "not_applicable" // the device cannot do it (a Linux device has no camera policy)
	SettingPending       = "pending"        // waits on something (an app to download)
)

// PolicyReport is what a device made of one policy version: a status per
// setting, keyed as in the setting keys below.
type PolicyReport struct {
	Protocol  int             `json:"protocol"`
	Version   string          `json:"version"`
	AppliedAt time.Time       `json:"applied_at"`
	Settings  []SettingStatus `json:"settings"`
}

// SettingStatus is one setting's state on the device.
type SettingStatus struct {
	Key    string `json:"key"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Setting keys: one per Wi-Fi network ("wifi/<ssid>"), CA certificate
// ("ca_cert/<sha256>") and app rule ("app/<package>"), and one per other
// setting, named by its JSON path ("kiosk", "password",
// "restrictions.disable_camera", "tracking.location",
// "checkin_interval_seconds", …).
const (
	KeyWiFiPrefix   = "wifi/"
	KeyCACertPrefix = "ca_cert/"
	KeyAppPrefix    = "app/"
)
