package steward

import (
	"context"
	"encoding/json"
	"time"
)

// Ownership says whose device it is, which decides what may be collected.
type Ownership string

// Ownerships. A personal (BYOD) device is managed through a work profile:
// the server accepts only work-profile data from it.
const (
	OwnershipCompany  Ownership = "company"
	OwnershipPersonal Ownership = "personal"
)

// Valid reports whether o is known.
func (o Ownership) Valid() bool { return o == OwnershipCompany || o == OwnershipPersonal }

// Channel is how Steward talks to a device: one field, not a fork of the code.
type Channel string

// Channels. Only the native agent is built; the others are reserved.
const (
	ChannelAgent             Channel = "agent"
	ChannelAndroidManagement Channel = "android_management"
	ChannelAppleMDM          Channel = "apple_mdm"
)

// Device is an enrolled device of a client account.
type Device struct {
	ID               string     `json:"id"`
	AccountID        string     `json:"account_id"`
	SupportID        string     `json:"support_id"` // 8 characters, unambiguous alphabet
	Name             string     `json:"name"`
	Ownership        Ownership  `json:"ownership"`
	Channel          Channel    `json:"channel"`
	Platform         string     `json:"platform"`    // android, linux
	HardwareID       string     `json:"hardware_id"` // stable identity reported at enrollment
	ActivationCodeID string     `json:"activation_code_id,omitempty"`
	AgentEnabled     bool       `json:"agent_enabled"`
	DisabledReason   string     `json:"disabled_reason,omitempty"`
	Inventory        Inventory  `json:"inventory"`
	AppCount         int        `json:"app_count"`
	Refusals         int64      `json:"refusals"` // data refused under the ownership rules
	EnrolledAt       time.Time  `json:"enrolled_at"`
	LastSeenAt       *time.Time `json:"last_seen_at,omitempty"`
	Online           bool       `json:"online"` // live connection, or seen within two check-in intervals
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	FolderID         string     `json:"folder_id,omitempty"` // the folder it sits in, if any
	GroupIDs         []string   `json:"group_ids,omitempty"` // its groups, sorted; filled on the read of one device

	// Policy is the device's effective policy as last computed.
	Policy DevicePolicyState `json:"policy"`
	// DirectoryVersion is the version of the contacts and files the device
	// should hold ("" for none); see Contact.
	DirectoryVersion string `json:"directory_version,omitempty"`
}

// Inventory is what a device reports about itself.
type Inventory struct {
	Manufacturer    string `json:"manufacturer,omitempty"`
	Model           string `json:"model,omitempty"`
	Serial          string `json:"serial,omitempty"`
	IP              string `json:"ip,omitempty"`
	ICCID           string `json:"iccid,omitempty"`        // company-owned only
	IMEI            string `json:"imei,omitempty"`         // company-owned only
	PhoneNumber     string `json:"phone_number,omitempty"` // company-owned only
	OSVersion       string `json:"os_version,omitempty"`
	PendingOSUpdate string `json:"pending_os_update,omitempty"`
	PatchLevel      string `json:"patch_level,omitempty"`
	SystemSignature string `json:"system_signature,omitempty"`
	BatteryLevel    *int   `json:"battery_level,omitempty"` // percent
	BatteryCharging *bool  `json:"battery_charging,omitempty"`
	BatteryHealth   string `json:"battery_health,omitempty"`
	GPSEnabled      *bool  `json:"gps_enabled,omitempty"`
	AgentVersion    string `json:"agent_version,omitempty"`
	AgentState      string `json:"agent_state,omitempty"`
	UptimeSeconds   *int64 `json:"uptime_seconds,omitempty"`
}

// Liveness is what a device's contact changes without anything worth a
// line in its history: when it was last seen, and the readings that move at
// every check-in (battery level and charging, uptime). Nil readings are
// left as they are.
type Liveness struct {
	SeenAt          time.Time
	BatteryLevel    *int
	BatteryCharging *bool
	UptimeSeconds   *int64
}

// SameExceptVolatile reports whether two inventories differ at most in the
// readings a Liveness carries.
func (inv Inventory) SameExceptVolatile(o Inventory) bool {
	if (inv.GPSEnabled == nil) != (o.GPSEnabled == nil) || inv.GPSEnabled != nil && *inv.GPSEnabled != *o.GPSEnabled {
		return false
	}
	inv.BatteryLevel, inv.BatteryCharging, inv.UptimeSeconds, inv.GPSEnabled = nil, nil, nil, nil
	o.BatteryLevel, o.BatteryCharging, o.UptimeSeconds, o.GPSEnabled = nil, nil, nil, nil
	return inv == o
}

// App is an application installed on a device.
type App struct {
	Package     string `json:"package"`
	Name        string `json:"name,omitempty"`
	VersionName string `json:"version_name,omitempty"`
	VersionCode int64  `json:"version_code,omitempty"`
	WorkProfile bool   `json:"work_profile,omitempty"`
	System      bool   `json:"system,omitempty"`
}

// DeviceEvent is one line of a device's history.
type DeviceEvent struct {
	ID        string          `json:"id"`
	DeviceID  string          `json:"device_id"`
	Kind      string          `json:"kind"` // enrolled, inventory, apps, command, refused, disabled, enabled, credential
	Detail    json.RawMessage `json:"detail,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// DeviceFilter selects devices within a subtree.
type DeviceFilter struct {
	AccountID string    `json:"account_id,omitempty"` // subtree root (default: the actor's account)
	Query     string    `json:"query,omitempty"`      // name, support ID, serial or hardware ID contains
	Ownership Ownership `json:"ownership,omitempty"`  // company or personal
	OSVersion string    `json:"os_version,omitempty"`
	Online    *bool     `json:"online,omitempty"`
	After     string    `json:"-"` // page after this ID
	Limit     int       `json:"-"`
	FolderID  string    `json:"folder_id,omitempty"` // in this folder
	GroupID   string    `json:"group_id,omitempty"`  // in this group
}

// ActivationCode lets devices enroll into a client account. Each successful
// activation spends one credit from the billing account (the account of
// whoever issued the code).
type ActivationCode struct {
	ID               string     `json:"id"`
	Code             string     `json:"code,omitempty"` // the secret shown to people; only its hash is kept after creation
	Prefix           string     `json:"prefix"`
	AccountID        string     `json:"account_id"`         // the client account devices join
	BillingAccountID string     `json:"billing_account_id"` // whose credits each activation spends
	IssuedBy         string     `json:"issued_by"`
	IssuedByEmail    string     `json:"issued_by_email"`
	Note             string     `json:"note,omitempty"`
	Seats            int        `json:"seats"`
	Used             int        `json:"used"`
	ExpiresAt        time.Time  `json:"expires_at"`
	RevokedAt        *time.Time `json:"revoked_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
}

// CommandType names a command.
type CommandType string

// Command types of protocol v1.
const (
	CmdInstallApp    CommandType = "install_app"
	CmdUpdateApp     CommandType = "update_app"
	CmdUninstallApp  CommandType = "uninstall_app"
	CmdClearAppCache CommandType = "clear_app_cache"
	CmdReboot        CommandType = "reboot"
	CmdSync          CommandType = "sync"
	CmdLock          CommandType = "lock"
	CmdWipe          CommandType = "wipe"
	CmdAgentEnable   CommandType = "agent_enable"
	CmdAgentDisable  CommandType = "agent_disable"
	CmdSendMessage   CommandType = "send_message"
)

// CommandTypes lists every command type.
var CommandTypes = []CommandType{CmdInstallApp, CmdUpdateApp, CmdUninstallApp, CmdClearAppCache, CmdReboot,
	CmdSync, CmdLock, CmdWipe, CmdAgentEnable, CmdAgentDisable, CmdSendMessage}

// CommandStatus is a command's place in its lifecycle:
// queued → delivered → acknowledged → succeeded | failed | expired | cancelled.
type CommandStatus string

// Command statuses.
const (
	CommandQueued       CommandStatus = "queued"
	CommandDelivered    CommandStatus = "delivered"
	CommandAcknowledged CommandStatus = "acknowledged"
	CommandSucceeded    CommandStatus = "succeeded"
	CommandFailed       CommandStatus = "failed"
	CommandExpired      CommandStatus = "expired"
	CommandCancelled    CommandStatus = "cancelled"
)

// Valid reports whether s is a known status.
func (s CommandStatus) Valid() bool {
	switch s {
	case CommandQueued, CommandDelivered, CommandAcknowledged, CommandSucceeded, CommandFailed, CommandExpired, CommandCancelled:
		return true
	}
	return false
}

// Finished reports whether no further transition can happen.
func (s CommandStatus) Finished() bool {
	return s == CommandSucceeded || s == CommandFailed || s == CommandExpired || s == CommandCancelled
}

// Command is one instruction to one device.
type Command struct {
	ID            string          `json:"id"`
	DeviceID      string          `json:"device_id"`
	AccountID     string          `json:"account_id"`
	BulkID        string          `json:"bulk_id,omitempty"`
	Type          CommandType     `json:"type"`
	Payload       json.RawMessage `json:"payload,omitempty"`
	Status        CommandStatus   `json:"status"`
	IssuedBy      string          `json:"issued_by,omitempty"`
	IssuedByEmail string          `json:"issued_by_email,omitempty"`
	Output        string          `json:"output,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	DeliveredAt   *time.Time      `json:"delivered_at,omitempty"`
	AckedAt       *time.Time      `json:"acked_at,omitempty"`
	FinishedAt    *time.Time      `json:"finished_at,omitempty"`
	ExpiresAt     time.Time       `json:"expires_at"`
}

// CommandFilter selects commands within a subtree.
type CommandFilter struct {
	AccountID string
	DeviceID  string
	BulkID    string
	Status    CommandStatus
	Before    string // page: older than this ID
	Limit     int
}

// DeviceAuth is what authenticating a device needs.
type DeviceAuth struct {
	DeviceID       string
	AccountID      string
	AccountPath    string
	Ownership      Ownership
	CredentialHash string
	Revoked        bool
}

// DeviceStore keeps devices, their inventory, apps and history, and
// activation codes. Scope checks are the service's job; prefixes are
// account paths.
type DeviceStore interface {
	InsertActivationCode(ctx context.Context, c *ActivationCode, codeHash string) error
	ActivationCodeByHash(ctx context.Context, codeHash string) (*ActivationCode, error) // ENOTFOUND
	ActivationCodeByID(ctx context.Context, id string) (*ActivationCode, error)         // ENOTFOUND
	ListActivationCodes(ctx context.Context, prefix string, limit int) ([]*ActivationCode, error)
	RevokeActivationCode(ctx context.Context, id string, at time.Time) error
	// UseActivationCode takes one seat if the code is live (not revoked, not
	// expired at now, seats left). ECONFLICT when it is not.
	UseActivationCode(ctx context.Context, id string, now time.Time) error

	InsertDevice(ctx context.Context, d *Device, credentialHash string) error
	DeviceByID(ctx context.Context, id string) (*Device, error) // ENOTFOUND
	// DeviceByHardware finds the device of an account with a hardware identity. ENOTFOUND.
	DeviceByHardware(ctx context.Context, accountID, hardwareID string) (*Device, error)
	SupportIDExists(ctx context.Context, supportID string) (bool, error)
	DeviceAuth(ctx context.Context, id string) (*DeviceAuth, error) // ENOTFOUND
	SetDeviceCredential(ctx context.Context, id, credentialHash string, at time.Time) error
	ListDevices(ctx context.Context, prefix string, f DeviceFilter) ([]*Device, error)
	CountDevices(ctx context.Context, prefix string) (total, company, personal int, err error)
	// UpdateDeviceInventory writes the current inventory and last-seen time.
	UpdateDeviceInventory(ctx context.Context, id string, inv Inventory, at time.Time) error
	// TouchDevices records last-seen times and volatile readings in one
	// batch. An entry older than the device's last-seen time changes nothing.
	TouchDevices(ctx context.Context, seen map[string]Liveness) error
	SetDeviceAgent(ctx context.Context, id string, enabled bool, reason string, at time.Time) error
	AddDeviceRefusals(ctx context.Context, id string, n int64) error
	// ReplaceDeviceApps replaces the app list; ApplyDeviceApps adds (or
	// updates) and removes by package.
	ReplaceDeviceApps(ctx context.Context, id string, apps []App) error
	ApplyDeviceApps(ctx context.Context, id string, added []App, removed []string) error
	ListDeviceApps(ctx context.Context, id string) ([]App, error)
	InsertDeviceEvent(ctx context.Context, e *DeviceEvent) error
	ListDeviceEvents(ctx context.Context, deviceID, before string, limit int) ([]*DeviceEvent, error)
	// DeleteDevice deletes a device and everything attached to it (apps,
	// history, commands, credentials).
	DeleteDevice(ctx context.Context, id string) error
	// DevicesForVerification pages through enrolled devices with their
	// code and account state, for the daily re-verification.
	DevicesForVerification(ctx context.Context, after string, limit int) ([]*DeviceVerification, error)
}

// DeviceVerification is the state the daily check needs about one device.
type DeviceVerification struct {
	DeviceID       string
	AccountID      string
	AccountPath    string
	AgentEnabled   bool
	DisabledReason string
	CodeRevoked    bool
}

// CommandStore keeps the command queue.
type CommandStore interface {
	InsertCommands(ctx context.Context, cs []*Command) error
	CommandByID(ctx context.Context, id string) (*Command, error) // ENOTFOUND
	// PendingCommands returns a device's queued or delivered, unexpired
	// commands, oldest first.
	PendingCommands(ctx context.Context, deviceID string, now time.Time, limit int) ([]*Command, error)
	// MarkDelivered moves queued commands to delivered.
	MarkDelivered(ctx context.Context, ids []string, at time.Time) error
	// TransitionCommand moves a command to status `to` if its status is one
	// of `from`, recording output and the time; it reports whether it did.
	TransitionCommand(ctx context.Context, id string, from []CommandStatus, to CommandStatus, output string, at time.Time) (bool, error)
	// AcknowledgeCommand moves a queued or delivered command of the device
	// to acknowledged; it reports whether it did (false for another
	// device's command, an unknown one, or one in another status).
	AcknowledgeCommand(ctx context.Context, deviceID, id string, at time.Time) (bool, error)
	ListCommands(ctx context.Context, prefix string, f CommandFilter) ([]*Command, error)
	// ExpireCommands marks unfinished commands past their expiry expired.
	ExpireCommands(ctx context.Context, now time.Time, batch int) (int64, error)
	// CompactCommands deletes finished commands that finished before t.
	CompactCommands(ctx context.Context, before time.Time, batch int) (int64, error)
	CountCommands(ctx context.Context) (int64, error)
}
