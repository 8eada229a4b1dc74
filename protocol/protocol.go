// Package protocol is the device protocol, version 1: the wire types that
// devices and the server exchange over HTTPS + JSON, with a WebSocket for
// push. It imports nothing of the server, so agents and simulators can use
// it alone. docs/device-protocol.md describes it for other implementers.
package protocol

import (
	"encoding/json"
	"time"
)

// Version is the protocol version this package speaks.
const Version = 1

// Paths of protocol v1. Every path but PathEnroll needs the device's
// credential as "Authorization: Bearer <credential>". A credential has the
// form "<device-id>.<secret>"; the server keeps only a hash of the secret.
// The WebSocket at PathPush takes the same header on its upgrade request.
const (
	PathEnroll        = "/device/v1/enroll"
	PathCheckIn       = "/device/v1/checkin"
	PathCommands      = "/device/v1/commands" // GET; ?wait=N holds the request up to N seconds (long poll)
	PathCommandAck    = "/device/v1/commands/{id}/ack"
	PathCommandResult = "/device/v1/commands/{id}/result"
	PathCredential    = "/device/v1/credential" // POST rotates the credential
	PathPush          = "/device/v1/push"       // WebSocket
	// PathAppDownload serves an assigned, clean APK (GET, Range allowed);
	// install_app and update_app carry its URL.
	PathAppDownload = "/device/v1/apps/{version}/download"
)

// Limits the server enforces.
const (
	MaxEnrollBody  = 16 << 10  // 16 KiB
	MaxCheckInBody = 512 << 10 // 512 KiB: inventory and a full app list
	MaxResultBody  = 64 << 10  // 64 KiB: command output is cut at 16 KiB
	MaxApps        = 5000
	MaxWaitSeconds = 60
)

// Ownership values.
const (
	OwnershipCompany  = "company"
	OwnershipPersonal = "personal"
)

// EnrollRequest enrolls a device with an activation code.
type EnrollRequest struct {
	Protocol       int      `json:"protocol"`
	ActivationCode string   `json:"activation_code"`
	Ownership      string   `json:"ownership"` // company or personal (BYOD work profile)
	Platform       string   `json:"platform"`  // android, linux
	Name           string   `json:"name,omitempty"`
	AgentVersion   string   `json:"agent_version,omitempty"`
	Hardware       Hardware `json:"hardware"`
}

// Hardware identifies a device. ID is stable across re-enrollments (e.g. a
// hash of the Android ID and serial, or /etc/machine-id on Linux).
type Hardware struct {
	ID           string `json:"id"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Serial       string `json:"serial,omitempty"`
}

// EnrollResponse is a new (or re-enrolled) device's identity.
type EnrollResponse struct {
	Protocol               int       `json:"protocol"`
	DeviceID               string    `json:"device_id"`
	SupportID              string    `json:"support_id"`
	Credential             string    `json:"credential"` // shown once; keep it secret
	Endpoints              Endpoints `json:"endpoints"`
	CheckInIntervalSeconds int       `json:"checkin_interval_seconds"`
	ServerTime             time.Time `json:"server_time"`
}

// Endpoints are the paths the device uses after enrollment.
type Endpoints struct {
	CheckIn  string `json:"checkin"`
	Commands string `json:"commands"`
	Push     string `json:"push"`
}

// CheckInRequest reports the device's state. Fields the device cannot or
// may not report are left out.
type CheckInRequest struct {
	Protocol  int        `json:"protocol"`
	Inventory *Inventory `json:"inventory,omitempty"`
	Apps      *AppReport `json:"apps,omitempty"`
}

// Inventory is the device's current state.
type Inventory struct {
	Manufacturer    string   `json:"manufacturer,omitempty"`
	Model           string   `json:"model,omitempty"`
	Serial          string   `json:"serial,omitempty"`
	IP              string   `json:"ip,omitempty"`
	SIM             *SIM     `json:"sim,omitempty"` // refused for personal devices
	OSVersion       string   `json:"os_version,omitempty"`
	PendingOSUpdate string   `json:"pending_os_update,omitempty"`
	PatchLevel      string   `json:"patch_level,omitempty"`
	SystemSignature string   `json:"system_signature,omitempty"`
	Battery         *Battery `json:"battery,omitempty"`
	GPSEnabled      *bool    `json:"gps_enabled,omitempty"`
	AgentVersion    string   `json:"agent_version,omitempty"`
	AgentState      string   `json:"agent_state,omitempty"`
	UptimeSeconds   *int64   `json:"uptime_seconds,omitempty"`
}

// SIM identifiers (company-owned devices only).
type SIM struct {
	ICCID       string `json:"iccid,omitempty"`
	IMEI        string `json:"imei,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// Battery state.
type Battery struct {
	Level    int    `json:"level"` // percent, 0–100
	Charging bool   `json:"charging"`
	Health   string `json:"health,omitempty"` // good, overheat, dead, …
}

// AppReport is either the full list of installed apps or a delta since the
// last report. A personal device reports work-profile apps only. An empty
// list is the same as none (the lists are omitted when empty), so a full
// list is never empty; DecodeCheckIn drops empty lists.
type AppReport struct {
	Full    []App    `json:"full,omitempty"`
	Added   []App    `json:"added,omitempty"` // installed or updated
	Removed []string `json:"removed,omitempty"`
}

// App is an installed application.
type App struct {
	Package     string `json:"package"`
	Name        string `json:"name,omitempty"`
	VersionName string `json:"version_name,omitempty"`
	VersionCode int64  `json:"version_code,omitempty"`
	WorkProfile bool   `json:"work_profile,omitempty"`
	System      bool   `json:"system,omitempty"`
}

// CheckInResponse tells the device how to carry on. Commands is [] rather
// than null when none are pending; Refused holds the Refused* names and
// DisabledReason one of the Reason* values.
type CheckInResponse struct {
	CheckInIntervalSeconds int       `json:"checkin_interval_seconds"`
	AgentEnabled           bool      `json:"agent_enabled"`
	DisabledReason         string    `json:"disabled_reason,omitempty"`
	Commands               []Command `json:"commands"`
	Refused                []string  `json:"refused,omitempty"` // fields refused under the ownership rules
	Privacy                *Privacy  `json:"privacy,omitempty"` // what the account enables; see privacy.go
	// PolicyVersion and DirectoryVersion are the versions the device should
	// hold; when one differs from what it has, it fetches PathPolicy or
	// PathDirectory (see policy.go). Empty: nothing targets the device.
	PolicyVersion    string    `json:"policy_version,omitempty"`
	DirectoryVersion string    `json:"directory_version,omitempty"`
	ServerTime       time.Time `json:"server_time"`
}

// Command types.
const (
	CmdInstallApp    = "install_app"
	CmdUpdateApp     = "update_app"
	CmdUninstallApp  = "uninstall_app"
	CmdClearAppCache = "clear_app_cache"
	CmdReboot        = "reboot"
	CmdSync          = "sync"
	CmdLock          = "lock"
	CmdWipe          = "wipe"
	CmdAgentEnable   = "agent_enable"
	CmdAgentDisable  = "agent_disable"
	CmdSendMessage   = "send_message"
)

// Command is an instruction for the device. IDs are stable: a device that
// sees a command twice (at-least-once delivery) must act on it once.
type Command struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	ExpiresAt time.Time       `json:"expires_at"`
}

// Payloads of the commands that take one.
type (
	// AppPayload names an app (install, update, uninstall, clear cache).
	AppPayload struct {
		Package     string `json:"package"`
		VersionCode int64  `json:"version_code,omitempty"`
		URL         string `json:"url,omitempty"`
		SHA256      string `json:"sha256,omitempty"`
	}
	// MessagePayload is a message to show the device's user.
	MessagePayload struct {
		Title string `json:"title,omitempty"`
		Body  string `json:"body"`
	}
	// LockPayload optionally shows a message on the lock screen.
	LockPayload struct {
		Message string `json:"message,omitempty"`
	}
	// AgentPayload gives the reason for enabling or disabling the agent.
	AgentPayload struct {
		Reason string `json:"reason,omitempty"`
	}
)

// CommandsResponse lists the device's pending commands.
type CommandsResponse struct {
	Commands []Command `json:"commands"`
}

// Result statuses a device reports.
const (
	ResultSucceeded   = "succeeded"
	ResultFailed      = "failed"
	ResultUnsupported = "unsupported" // the agent does not implement this command
)

// CommandResult reports how a command ended.
type CommandResult struct {
	Status string `json:"status"`
	Output string `json:"output,omitempty"`
}

// CredentialResponse carries a rotated credential; the old one stops working.
type CredentialResponse struct {
	Credential string `json:"credential"`
}

// Push message types sent by the server over the WebSocket.
const (
	PushCommands = "commands" // commands are pending: here they are
	PushPoke     = "poke"     // something changed: check in
)

// PushMessage is one server → device WebSocket message. The push is only a
// poke with a shortcut: the commands stay queued until the device
// acknowledges them (over HTTP, or over the socket with a SocketAck).
type PushMessage struct {
	Type     string    `json:"type"`
	Commands []Command `json:"commands,omitempty"`
	// CommandID and Error answer a SocketAck (Type PushAcked).
	CommandID string     `json:"command_id,omitempty"`
	Error     *PushError `json:"error,omitempty"`
	// Refresh names what to fetch again (Type PushRefresh).
	Refresh []string `json:"refresh,omitempty"`
}

// Error is the body of every error response.
type Error struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}
