// Package privacy holds the data catalog as code: every category of personal
// data Steward stores, with its purpose, legal basis, subjects, recipients,
// columns and retention rule; the columns that hold no personal data; and
// the ledger of the promises the source privacy policies make. The
// retention engine, the generated records of processing and the
// schema-drift test all read these lists.
package privacy

import (
	"time"

	"github.com/stewardmdm/steward"
)

// Durations the catalog's rules are written in. A month is counted as 30
// days and a year as 365, so a deadline never falls later than the policy's
// calendar promise.
const (
	Day   = 24 * time.Hour
	Month = 30 * Day
	Year  = 365 * Day
)

// Account-level clocks shared by most customer data (SPEC §4): six months
// after the client account is deleted, or two years after its subscription
// ends, whichever comes first.
var accountClock = []steward.Anchor{
	{Kind: steward.AnchorAccountDeleted, After: 6 * Month},
	{Kind: steward.AnchorSubscriptionEnded, After: 2 * Year},
}

func anchors(first []steward.Anchor, rest ...steward.Anchor) []steward.Anchor {
	out := append([]steward.Anchor(nil), rest...)
	return append(out, first...)
}

// Words the catalog repeats.
const (
	basisContract   = "Art. 6(1)(b) GDPR: performance of the contract with the customer"
	basisInterest   = "Art. 6(1)(f) GDPR: legitimate interests"
	basisLegal      = "Art. 6(1)(c) GDPR: legal obligation"
	basisEmployer   = "Art. 6(1)(f) GDPR: the customer's legitimate interest in managing its company devices"
	subjDeviceUsers = "Device users (the employees who hold the devices)"
	subjManagers    = "Managers (console logins) of resellers and client companies"
	subjContacts    = "Contact people of reseller and client companies"
	recAccount      = "Managers of the owning client account"
	recResellers    = "Managers of the resellers above that account"
	recPlatform     = "Platform administrators of the installation"
	recDevice       = "The device itself (what it reports, and what is sent to it)"
	sgScope         = "Every read and write is checked in one place against the caller's account subtree; objects outside it answer not found"
	sgTLS           = "Reached only over TLS (plain HTTP is refused except on loopback)"
	sgAudit         = "Every change is recorded in the hash-chained, append-only audit log"
	sgWipe          = "Deleted with the device, in one transaction, when the device confirms a reset"
	notBuilt        = "Not collected by this version: "
)

var everyone = []string{recAccount, recResellers, recPlatform}

// catalog is the data catalog. Its order is the order of the generated pages.
var catalog = []steward.Category{
	{
		Name: "device.location", Title: "Device location",
		Fields:     []string{"latitude and longitude", "accuracy", "time of the fix"},
		Purpose:    "Locate lost or stolen company devices.",
		LegalBasis: "Art. 6(1)(a) GDPR: the device user's permission on the device, on top of " + basisEmployer,
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Gate:       "Company-owned devices only, when the account turns location tracking on (off by default) and the device user has granted it on the device",
		Columns:    []string{"location_points.latitude", "location_points.longitude", "location_points.accuracy_m", "location_points.recorded_at"},
		Rule: steward.RetentionRule{Version: 2, Action: steward.ActionCap, Cap: 50,
			Anchors: anchors(accountClock,
				steward.Anchor{Kind: steward.AnchorEvent, After: 2 * Month},
				steward.Anchor{Kind: steward.AnchorFeatureDisabled},
				steward.Anchor{Kind: steward.AnchorDeviceReset},
			),
			Summary: "At most the last 50 points per device and nothing older than 2 months; deleted at once when tracking is turned off, consent is withdrawn or the device is reset; and with the device's other data 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Refused, and never stored, from personal (BYOD) devices and without the user's permission",
			"The cap is enforced in the same transaction as each new point; points older than 2 months are refused on arrival and swept",
			"Every view of a device's locations is recorded in the audit log", sgScope, sgWipe},
		Clauses: []string{"P-LOC-CAP", "P-LOC-PERMISSION", "P-LOC-COMPANY-ONLY", "P-LOC-2-MONTHS", "P-LOC-WITHDRAW", "P-CONSENT-DENIED"},
	},
	{
		Name: "device.web_history", Title: "Web history",
		Fields:     []string{"address (URL) of the page", "page title", "time of the visit"},
		Purpose:    "Control how company devices are used, where the customer's policy requires it.",
		LegalBasis: basisEmployer,
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Gate:       "Company-owned devices only, while the account turns web-history tracking on (off by default)",
		Columns:    []string{"web_history.url", "web_history.title", "web_history.visited_at"},
		Rule: steward.RetentionRule{Version: 2, Action: steward.ActionDelete,
			Anchors: anchors(accountClock,
				steward.Anchor{Kind: steward.AnchorEvent, After: 15 * Day},
				steward.Anchor{Kind: steward.AnchorFeatureDisabled},
				steward.Anchor{Kind: steward.AnchorDeviceReset},
			),
			Summary: "Deleted 15 days after the visit; deleted at once when web-history tracking is turned off, consent is withdrawn or the device is reset; and with the device's other data 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Refused, and never stored, from personal (BYOD) devices and while tracking is off", sgScope, sgWipe},
		Clauses:    []string{"P-WEB-OPT-IN", "P-WEB-15-DAYS"},
	},
	{
		Name: "device.consents", Title: "Device users' permissions",
		Fields:     []string{"what was asked (location, web history)", "granted or refused", "version of the notice shown", "time of the decision on the device"},
		Purpose:    "Prove what the device user agreed to, and stop collecting when they withdraw.",
		LegalBasis: basisLegal + " (Art. 7(1): the controller must be able to show consent)",
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Columns:    []string{"device_consents.purpose", "device_consents.granted", "device_consents.notice_version", "device_consents.decided_at"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorDeviceReset}),
			Summary: "Kept, append-only, while the device is enrolled; deleted when the device is reset, and 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Append-only: the database refuses to change a decision once recorded", sgScope, sgWipe},
		Clauses:    []string{"P-LOC-PERMISSION", "P-LOC-WITHDRAW"},
	},
	{
		Name: "device.inventory", Title: "Device inventory",
		Fields: []string{"manufacturer, model, serial number and hardware identifier", "IP address", "SIM identifiers (ICCID, IMEI, phone number)",
			"installed applications", "battery level and health", "operating system version, pending update, patch level and system signature",
			"GPS status", "agent version and state", "time since boot",
			"policy compliance: the policy version applied, when, and each setting's status with the device's explanation"},
		Purpose:    "Provide the service: monitor and manage the enrolled devices.",
		LegalBasis: basisContract,
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Gate:       "Personal (BYOD) devices report only their work profile: SIM identifiers, phone number and personal apps are refused and never stored",
		Columns: []string{"devices.platform", "devices.hardware_id", "devices.manufacturer", "devices.model", "devices.serial", "devices.ip",
			"devices.iccid", "devices.imei", "devices.phone_number", "devices.os_version", "devices.pending_os_update", "devices.patch_level",
			"devices.system_signature", "devices.battery_level", "devices.battery_charging", "devices.battery_health", "devices.gps_enabled",
			"devices.agent_version", "devices.agent_state", "devices.uptime_seconds", "devices.app_count",
			"device_apps.package", "device_apps.name", "device_apps.version_name", "device_apps.version_code",
			"device_compliance.version", "device_compliance.applied_at", "device_compliance.state", "device_compliance.failed",
			"device_compliance.settings"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionAnonymise,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorDeviceReset}),
			Summary: "Deleted when the device confirms a reset; anonymised 6 months after the account is deleted or 2 years after its subscription ends, whichever comes first."},
		Safeguards: []string{"Personal devices' SIM identifiers and personal apps are refused at the protocol layer and counted, never stored",
			"Device credentials are stored as hashes only", sgScope, sgWipe},
		Clauses: []string{"P-DEV-RESET", "P-DEV-ANONYMISED", "P-BYOD-WORK-PROFILE"},
	},
	{
		Name: "device.name", Title: "Device name",
		Fields:     []string{"device name (often the user's name)"},
		Purpose:    "Assign a named device to a named user.",
		LegalBasis: basisContract,
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Columns:    []string{"devices.name"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionAnonymise,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorDeviceReset}),
			Summary: "As the device inventory: deleted on a confirmed reset; anonymised 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{sgScope, sgWipe},
		Clauses:    []string{"P-DEVNAME-RESET"},
	},
	{
		Name: "device.history", Title: "Device activity history",
		Fields:     []string{"enrollment, check-in, credential and state-change events", "their details"},
		Purpose:    "Show what happened to a device, for support and security.",
		LegalBasis: basisContract,
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Columns:    []string{"device_events.kind", "device_events.detail"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorDeviceReset}),
			Summary: "Deleted when the device confirms a reset; deleted 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Personal devices' refused data never reaches the history", sgScope, sgWipe},
		Clauses:    []string{"P-DEV-RESET"},
	},
	{
		Name: "device.commands", Title: "Device commands",
		Fields:     []string{"command type and parameters (e.g. a message to the user)", "outcome and output", "email of the manager who sent it"},
		Purpose:    "Carry out the managers' actions on devices and show their outcome.",
		LegalBasis: basisContract,
		Subjects:   []string{subjDeviceUsers, subjManagers},
		Recipients: append([]string{recDevice}, everyone...),
		Columns:    []string{"commands.type", "commands.payload", "commands.output", "commands.issued_by_email"},
		Rule: steward.RetentionRule{Version: 2, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorEvent, After: 30 * Day}, steward.Anchor{Kind: steward.AnchorDeviceReset}),
			Summary: "Deleted 30 days after the command finishes (unfinished commands expire after their time to live, 7 days by default); deleted at once when the device is reset; and with the device's other data 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"A wipe needs an explicit confirmation", sgScope, sgAudit, sgWipe},
		Clauses:    []string{"P-DEV-RESET"},
	},
	{
		Name: "audit.console_actions", Title: "Console audit log",
		Fields:     []string{"email of the manager who acted", "action", "what it changed (summary)", "IP address", "time"},
		Purpose:    "Ensure account security: who changed what, from where and when.",
		LegalBasis: basisInterest + " (securing the accounts)",
		Subjects:   []string{subjManagers},
		Recipients: everyone,
		Columns:    []string{"audit_log.actor_email", "audit_log.action", "audit_log.ip", "audit_log.summary"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete, Anchors: accountClock,
			Summary: "Deleted 6 months after the account is deleted or 2 years after its subscription ends, whichever comes first; longer under a legal hold."},
		LegalRetention: "A legal hold keeps entries past their deadline for a dispute or an investigation.",
		Safeguards:     []string{"Append-only and hash-chained per account; the chain can be verified", sgScope},
		Clauses:        []string{"P-AUDIT-ACCOUNT-CLOCK", "P-AUDIT-READY", "P-KEPT-FOR-COMPLIANCE"},
	},
	{
		Name: "account.managers", Title: "Console logins",
		Fields:     []string{"email", "name", "password hash (argon2id)", "role", "two-factor state", "failed sign-ins and lockout"},
		Purpose:    "Let several managers sign in to an account, and keep the account secure.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers},
		Recipients: everyone,
		Columns: []string{"managers.email", "managers.name", "managers.role", "managers.password_hash", "managers.totp_enabled",
			"managers.failed_logins", "managers.locked_until"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted when the login is deleted; otherwise 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Passwords stored as argon2id hashes only", "Lockout after repeated failures; sign-in rate limits per address", sgScope, sgAudit},
		Clauses:    []string{"P-MGR-DELETE", "P-MGR-ACCOUNT-CLOCK", "P-ERASURE-ON-REQUEST"},
	},
	{
		Name: "account.sessions", Title: "Console sessions",
		Fields:     []string{"IP address", "browser (user agent)"},
		Purpose:    "Keep a manager signed in to the console.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers},
		Recipients: []string{"The manager who owns the session", recPlatform},
		Columns:    []string{"sessions.ip", "sessions.user_agent"},
		Rule: steward.RetentionRule{Version: 2, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorEvent, After: 12 * time.Hour}, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted when the session ends: at sign-out, within the hour after it expires (12 hours by default), or when the login is deleted; at the latest with the login, when the account's clock runs out."},
		Safeguards: []string{"Only a hash of the session secret is stored; cookies are HttpOnly, SameSite and Secure under TLS", "CSRF token checked on every change", sgTLS},
	},
	{
		Name: "account.api_tokens", Title: "API tokens",
		Fields:     []string{"token name given by the manager"},
		Purpose:    "Let managers and their scripts use the admin API.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers},
		Recipients: []string{"The manager who owns the token", recPlatform},
		Columns:    []string{"api_tokens.name"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted with the login that owns it; otherwise 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Shown once; only a hash of the secret is stored", "Scoped to the manager's account and at most the manager's role; revocable", sgAudit},
	},
	{
		Name: "account.reseller", Title: "Accounts (resellers and clients)",
		Fields: []string{"company name", "kind in the hierarchy", "status and the reason for it", "administrative notes",
			"support permissions", "credit balance", "subscription start and end"},
		Purpose:    "Operate the hierarchy of resellers and clients, and bill it.",
		LegalBasis: basisContract,
		Subjects:   []string{subjContacts},
		Recipients: []string{"Managers of the account and of the resellers above it", recPlatform},
		Columns: []string{"accounts.kind", "accounts.name", "accounts.status", "accounts.status_reason", "accounts.notes",
			"accounts.support_remote", "accounts.support_view_devices", "accounts.balance",
			"accounts.subscription_start", "accounts.subscription_end"},
		Rule: steward.RetentionRule{Version: 2, Action: steward.ActionAnonymise, Anchors: accountClock,
			Summary: "Kept while the account is active. 6 months after it is deleted or 2 years after its subscription ends, once the rest of its data is gone, its notes and status reason are erased; its name, kind, balance and subscription dates stay with its credit ledger, which legal retention keeps."},
		Safeguards: []string{sgScope, sgAudit},
		Clauses:    []string{"P-HIERARCHY-SCOPE", "P-ACCOUNT-DELETE"},
	},
	{
		Name: "billing.credit_ledger", Title: "Credit ledger",
		Fields:     []string{"grants, transfers, spends and refunds", "amounts", "reference and reason", "email of the manager who made the entry"},
		Purpose:    "Billing: who bought, moved and spent credits.",
		LegalBasis: basisLegal + " (accounting records)",
		Subjects:   []string{subjManagers, subjContacts},
		Recipients: []string{"Managers of the account and of the resellers above it", recPlatform},
		Columns: []string{"credit_ledger.kind", "credit_ledger.amount", "credit_ledger.reference", "credit_ledger.actor_email",
			"credit_ledger.reason"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionKeep,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 10 * Year}},
			Summary: "Kept for 10 years under legal (accounting) retention, never anonymised away. The ledger is append-only: this version deletes no entry, even after the 10 years."},
		LegalRetention: "Accounting law requires billing records to be kept; the ledger is append-only in the database.",
		Safeguards:     []string{"Append-only: the database refuses updates and deletions", sgScope},
		Clauses:        []string{"P-KEPT-FOR-COMPLIANCE"},
	},
	{
		Name: "billing.activation_codes", Title: "Activation codes",
		Fields:     []string{"email of the manager who issued the code", "note"},
		Purpose:    "Enroll devices into a client account and bill each activation.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers},
		Recipients: everyone,
		Columns:    []string{"activation_codes.issued_by_email", "activation_codes.note"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete, Anchors: accountClock,
			Summary: "Deleted 6 months after the account is deleted or 2 years after its subscription ends (a code that names a device a legal hold keeps stays with it)."},
		Safeguards: []string{"Only a hash of the code is stored; the code is shown once", "Every activation is re-verified daily", sgScope, sgAudit},
		Clauses:    []string{"P-ACTIVATION-DAILY"},
	},
	{
		Name: "security.events", Title: "Security events",
		Fields:     []string{"kind (sign-in attempt, lockout, refused token, blocked account…)", "email", "IP address", "browser (user agent)", "details"},
		Purpose:    "Protect accounts: detect and investigate attacks, fraud and abuse.",
		LegalBasis: basisInterest + " (security and fraud prevention)",
		Subjects:   []string{subjManagers},
		Recipients: []string{recPlatform},
		Columns:    []string{"security_events.kind", "security_events.email", "security_events.ip", "security_events.user_agent", "security_events.detail"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 2 * Year}},
			Summary: "Deleted 2 years after the event unless a legal hold applies."},
		LegalRetention: "A legal hold keeps events past their deadline for an investigation.",
		Safeguards:     []string{"Visible to platform administrators only", sgTLS},
		Clauses:        []string{"P-KEPT-FOR-COMPLIANCE"},
	},
	{
		Name: "mail.outbox", Title: "Outgoing mail",
		Fields:     []string{"recipient address", "subject", "body (password-reset and invitation links)", "the mail server's last error"},
		Purpose:    "Send password resets and invitations to managers.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers},
		Recipients: []string{"The mail server (SMTP) the operator configures"},
		Columns:    []string{"outbox.recipient", "outbox.subject", "outbox.body", "outbox.last_error"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 30 * Day}},
			Summary: "The body (with its one-time link) is erased as soon as the mail is sent; the rest is deleted 30 days after it was queued."},
		Safeguards: []string{"Links are one-time and expire; only their hashes are kept"},
	},
	{
		Name: "privacy.legal_holds", Title: "Legal holds",
		Fields:     []string{"reason for the hold", "email of the manager who placed it"},
		Purpose:    "Keep records past their deadline when a dispute or an investigation requires it.",
		LegalBasis: basisLegal + "; " + basisInterest + " (establishing or defending legal claims)",
		Subjects:   []string{subjManagers},
		Recipients: []string{recPlatform, "Managers of the held account and of the resellers above it (they see the holds on their subtree; only platform administrators place and release them)"},
		Columns:    []string{"legal_holds.reason", "legal_holds.created_by_email"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete, Anchors: accountClock,
			Summary: "Kept with the account's records: deleted 6 months after the account is deleted or 2 years after its subscription ends, once released or expired; the placing and the release stay in the platform's audit log."},
		Safeguards: []string{"Placing and releasing a hold is audited", sgScope},
		Clauses:    []string{"P-KEPT-FOR-COMPLIANCE"},
	},

	// Categories whose feature this version does not build: listed so the
	// catalog covers SPEC §4, marked so the records do not claim them.
	{
		Name: "directory.users", Title: "Directory users",
		Fields: []string{"email", "name", "directory name (such as the login in the company's own directory)",
			"custom fields the customer defines (text, numbers, dates, choices)", "the devices each user holds"},
		Purpose:    "Know who holds each company device: assign devices to named users.",
		LegalBasis: basisEmployer,
		Subjects:   []string{subjDeviceUsers},
		Recipients: everyone,
		Columns:    []string{"users.email", "users.name", "users.directory_name", "users.custom_fields", "devices.user_id"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted at once when the customer deletes the user (its devices are left without one; a removed custom field's values go from every user); otherwise deleted 6 months after the account is deleted or 2 years after its subscription ends, whichever comes first."},
		Safeguards: []string{"The audit log records which user and which fields changed, never the values, so a deleted user leaves no copy behind",
			"Exported files guard against spreadsheet formula injection", sgScope, sgAudit},
		Clauses: []string{"P-USERS"},
	},
	{
		Name: "directory.contacts", Title: "Shared contacts",
		Fields:     []string{"contact name, email address, phone number and note", "the accounts, folders, groups and devices each is sent to"},
		Purpose:    "Provide a company directory on managed devices.",
		LegalBasis: basisContract,
		Subjects:   []string{subjContacts, "People a customer lists in its company directory (colleagues, suppliers, services)"},
		Recipients: append([]string{recDevice + ": the devices the contact's targets cover, and no other"}, everyone...),
		Columns:    []string{"contacts.name", "contacts.email", "contacts.phone", "contacts.note"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted at once when the customer deletes the contact (the devices holding it are told to remove it); otherwise 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Sent only to the devices its targets cover; a device's directory holds nothing else",
			"The audit log records which fields changed, never their values, so a deleted contact leaves no copy", sgScope},
		Clauses: []string{"P-CONTACTS"},
	},
	{
		Name: "directory.files", Title: "Shared files",
		Fields: []string{"files uploaded by managers, with their name, type, size, SHA-256 and description",
			"email of the manager who uploaded each", "the accounts, folders, groups and devices each is sent to"},
		Purpose:    "Share files with managed devices.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers, "Anyone the customer's files are about"},
		Recipients: append([]string{recDevice + ": the devices the file's targets cover, and no other"}, everyone...),
		Columns: []string{"shared_files.name", "shared_files.content_type", "shared_files.size", "shared_files.sha256",
			"shared_files.blob_key", "shared_files.description", "shared_files.uploaded_by_email"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted at once, content included, when the customer deletes the file (the devices holding it are told to remove it); otherwise, content included, 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Downloaded only by the devices its targets cover (any other device is answered not found), and checked by SHA-256",
			"An upload over the size limit, or refused for any other reason, leaves nothing in storage", sgScope, sgAudit},
		Clauses: []string{"P-FILES"},
	},
	{
		Name: "config.policies", Title: "Policies",
		Fields: []string{"name and description", "app rules, kiosk app, password rules, restrictions, tracking switches and check-in interval of each version",
			"email of the manager who saved each version", "the accounts, folders, groups and devices each policy targets"},
		Purpose:    "Control the enrolled devices: save configurations and apply them to groups of devices.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers, subjDeviceUsers},
		Recipients: append([]string{recDevice + ": the devices a policy targets receive its settings"}, everyone...),
		Columns: []string{"policies.name", "policies.description", "policy_versions.settings", "policy_versions.created_by_email",
			"policy_targets.kind", "policy_targets.target_id"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted with every version and target when the customer deletes the policy; otherwise 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Every edit is a new version, recorded in the audit log with the settings that changed", sgScope, sgAudit},
		Clauses:    []string{"P-POLICIES"},
	},
	{
		Name: "config.wifi", Title: "Wi-Fi networks",
		Fields: []string{"network name (SSID) and security", "password (sealed)", "EAP method, identity, client certificate and its private key (sealed)",
			"server certificate name and CA fingerprint"},
		Purpose:    "Connect devices to company Wi-Fi.",
		LegalBasis: basisContract,
		Subjects:   []string{subjDeviceUsers},
		Recipients: append([]string{recDevice + ": only the devices the policy targets, which alone receive the secrets in clear"}, everyone...),
		Columns: []string{"policy_wifi.ssid", "policy_wifi.hidden", "policy_wifi.security", "policy_wifi.eap_method", "policy_wifi.identity",
			"policy_wifi.ca_cert_sha256", "policy_wifi.client_cert_pem", "policy_wifi.domain_suffix_match",
			"policy_wifi.password_sealed", "policy_wifi.password_ref", "policy_wifi.client_key_sealed", "policy_wifi.client_key_ref"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "A network removed from a policy is erased from every version at once, and only the current version keeps the secrets; all of it is deleted with the policy, and 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Passwords and private keys are sealed with the account's own key before they are stored, bound to their policy version and network; the console and the API never show them",
			sgScope, sgAudit},
		Clauses: []string{"P-WIFI"},
	},
	{
		Name: "config.ca_certs", Title: "CA certificates",
		Fields:     []string{"certificates (PEM) and their names"},
		Purpose:    "Let devices trust the company's certificate authorities (intranets, enterprise Wi-Fi).",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers},
		Recipients: append([]string{recDevice + ": the devices the policy targets"}, everyone...),
		Columns:    []string{"policy_ca_certs.sha256", "policy_ca_certs.name", "policy_ca_certs.pem"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "A certificate removed from a policy is erased from every version at once; all of them are deleted with the policy, and 6 months after the account is deleted or 2 years after its subscription ends."},
		Safeguards: []string{"Parsed and checked as X.509 on every save; expired and expiring certificates are flagged", sgScope, sgAudit},
		Clauses:    []string{"P-CA-CERTS"},
	},
	{
		Name: "apps.private", Title: "Private app store",
		Fields: []string{"APK files and their metadata (package, versions, permissions, signer)", "scan results and rejection reasons",
			"email and IP address of the manager who uploaded each version", "assignments and per-device deployment history with the install output"},
		Purpose:    "Distribute the customer's own apps to its devices, after checking them.",
		LegalBasis: basisContract,
		Subjects:   []string{subjManagers, subjDeviceUsers},
		Recipients: append([]string{recDevice}, everyone...),
		Columns: []string{"apps.package", "apps.name", "app_versions.version_code", "app_versions.version_name", "app_versions.sha256",
			"app_versions.size", "app_versions.blob_key", "app_versions.info", "app_versions.findings", "app_versions.reasons",
			"app_versions.scan", "app_versions.signer_override", "app_versions.uploaded_by_email", "app_versions.uploaded_from",
			"app_assignments.mode", "app_deployments.status", "app_deployments.output"},
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorCustomerDeleted}},
			Summary: "Deleted when the customer deletes the app: its APK files at once, with its versions, assignments and deployments. A rejected upload keeps no file; its scan result and reasons are kept as a security event."},
		Safeguards: []string{"Every upload is quarantined until scanned clean; devices download only clean versions assigned to them", sgScope, sgAudit},
		Clauses:    []string{"P-APPS", "P-APK-QUARANTINE"},
	},
	notYet("support.tickets", "Support tickets", "support tickets are not built yet",
		"messages, attachments, diagnostics, screenshots", "Answer customers' support requests.", "P-TICKETS"),
	notYet("support.remote_sessions", "Remote support sessions", "remote support is not built yet",
		"request and end times, consent decision, route, reconnects, end reason", "Consent-based remote support.", "P-REMOTE-CONSENT"),
	notYet("auth.risk_signals", "Risk-based sign-in signals", "risk-based authentication is not built yet",
		"device fingerprint, IP address, browser, language, time", "Score sign-ins and ask for a second factor when they look risky.", "P-RISK-SIGNALS"),
}

// notYet is a category whose feature this version does not build. Its rule
// is the one that will apply when it is built (SPEC §4).
func notYet(name, title, why, fields, purpose string, clauses ...string) steward.Category {
	c := steward.Category{Name: name, Title: title, Fields: []string{fields}, Purpose: purpose,
		NotCollected: notBuilt + why + ".", Clauses: clauses}
	switch name {
	case "support.tickets":
		c.Rule = steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorClosed, After: 2 * Year}},
			Summary: "Deleted 2 years after the ticket is closed."}
	case "support.remote_sessions":
		c.Rule = steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: Year}},
			Summary: "Deleted 1 year after the session; security suspensions are kept as security events."}
	case "auth.risk_signals":
		c.Rule = steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 90 * Day}},
			Summary: "Deleted 90 days after the sign-in."}
	default:
		c.Rule = steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted when the customer deletes it; otherwise 6 months after the account is deleted or 2 years after its subscription ends."}
	}
	return c
}

// Catalog returns a copy of the data catalog.
func Catalog() []steward.Category {
	return append([]steward.Category(nil), catalog...)
}

// Lookup returns the category called name.
func Lookup(name string) (steward.Category, bool) {
	for _, c := range catalog {
		if c.Name == name {
			return c, true
		}
	}
	return steward.Category{}, false
}
