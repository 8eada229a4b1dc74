package privacy

// OperationalGroup is a group of columns that hold no personal data, with
// the reason. Together with the catalog's columns it covers every column of
// the schema; the schema-drift test fails on any column in neither.
type OperationalGroup struct {
	Columns []string `json:"columns"` // "table.column"
	Reason  string   `json:"reason"`
}

// operational lists every column that holds no personal data. A column
// here is kept or deleted with its row, whose category (if any) decides.
var operational = []OperationalGroup{
	{Reason: "Identifiers Steward generates (ULIDs) and the references between rows; they name nobody on their own.",
		Columns: []string{
			"accounts.id", "accounts.parent_id", "accounts.path",
			"managers.id", "managers.account_id", "manager_tokens.manager_id",
			"sessions.manager_id", "api_tokens.id", "api_tokens.manager_id", "api_tokens.account_id",
			"credit_ledger.id", "credit_ledger.account_id", "credit_ledger.counterparty_id", "credit_ledger.actor_id",
			"audit_heads.account_id", "audit_log.id", "audit_log.account_id", "audit_log.actor_id", "audit_log.token_id",
			"audit_log.target_type", "audit_log.target_id",
			"security_events.id", "security_events.account_id", "security_events.manager_id",
			"outbox.id",
			"activation_codes.id", "activation_codes.account_id", "activation_codes.billing_account_id", "activation_codes.issued_by",
			"devices.id", "devices.account_id", "devices.support_id", "devices.activation_code_id",
			"device_apps.device_id", "device_events.id", "device_events.device_id",
			"commands.id", "commands.device_id", "commands.account_id", "commands.bulk_id", "commands.issued_by",
			"legal_holds.id", "legal_holds.account_id", "legal_holds.subject_id", "legal_holds.created_by", "legal_holds.released_by",
			"retention_runs.last_receipt_id", "privacy_settings.account_id", "privacy_settings.updated_by",
			"device_consents.id", "device_consents.device_id",
			"location_points.id", "location_points.device_id", "web_history.id", "web_history.device_id",
			"apps.id", "apps.account_id", "apps.created_by", "app_versions.id", "app_versions.app_id", "app_versions.uploaded_by",
			"app_assignments.id", "app_assignments.app_id", "app_assignments.account_id", "app_assignments.device_id",
			"app_assignments.folder_id", "app_assignments.group_id",
			"app_assignments.assigned_by", "app_deployments.version_id", "app_deployments.device_id", "app_deployments.app_id",
			"app_deployments.command_id", "device_compliance.device_id",
			"users.id", "users.account_id", "user_fields.account_id",
		}},
	{Reason: "Hashes of secrets (sessions, links, tokens, codes, device credentials) and of the audit chain; a secret cannot be recovered from them.",
		Columns: []string{
			"manager_tokens.hash", "sessions.id", "sessions.csrf_token", "api_tokens.prefix", "api_tokens.secret_hash",
			"audit_heads.hash", "audit_log.prev_hash", "audit_log.hash",
			"activation_codes.code_hash", "activation_codes.prefix", "devices.credential_hash",
		}},
	{Reason: "Timestamps of a row's own life (created, updated, expires, delivered…); they date data whose category decides how long it is kept.",
		Columns: []string{
			"accounts.created_at", "accounts.updated_at", "accounts.deleted_at", "accounts.purged_at",
			"managers.last_login_at", "managers.password_changed_at", "managers.created_at", "managers.updated_at",
			"manager_tokens.created_at", "manager_tokens.expires_at", "manager_tokens.used_at",
			"sessions.created_at", "sessions.expires_at",
			"api_tokens.created_at", "api_tokens.expires_at", "api_tokens.last_used_at", "api_tokens.revoked_at",
			"credit_ledger.created_at", "audit_log.created_at", "security_events.created_at",
			"outbox.created_at", "outbox.next_attempt_at", "outbox.sent_at",
			"activation_codes.expires_at", "activation_codes.revoked_at", "activation_codes.created_at",
			"devices.credential_rotated_at", "devices.enrolled_at", "devices.last_seen_at", "devices.created_at", "devices.updated_at",
			"device_events.created_at",
			"commands.created_at", "commands.delivered_at", "commands.acked_at", "commands.finished_at", "commands.expires_at",
			"legal_holds.created_at", "legal_holds.expires_at", "legal_holds.released_at",
			"privacy_settings.updated_at", "device_consents.recorded_at",
			"location_points.received_at", "web_history.received_at",
			"apps.created_at", "apps.updated_at", "app_versions.uploaded_at", "app_versions.scanned_at",
			"app_assignments.created_at", "app_deployments.created_at", "app_deployments.updated_at",
			"app_versions.next_scan_at", "device_compliance.received_at",
			"users.created_at", "users.updated_at",
		}},
	{Reason: "Status flags, counters, kinds and versions the software keeps about its own rows.",
		Columns: []string{
			"accounts.lock_version", "managers.must_change_password", "managers.invited", "manager_tokens.purpose",
			"api_tokens.role", "audit_heads.seq", "audit_log.seq", "outbox.attempts",
			"activation_codes.seats", "activation_codes.used",
			"devices.ownership", "devices.channel", "devices.agent_enabled", "devices.disabled_reason", "devices.refusals",
			"device_apps.work_profile", "device_apps.system", "commands.status",
			"legal_holds.scope", "legal_holds.category", "apps.shared", "app_versions.status",
			"app_versions.scan_attempts",
		}},
	{Reason: "Account-level privacy switches (location and web-history tracking): settings of a company, not data about a person.",
		Columns: []string{"privacy_settings.location_enabled", "privacy_settings.web_history_enabled"}},
	{Reason: "Bookkeeping of the retention sweep: which rule version ran when, and how many rows it removed or held.",
		Columns: []string{
			"retention_runs.category", "retention_runs.rule_version", "retention_runs.last_run_at", "retention_runs.last_cutoff",
			"retention_runs.last_count", "retention_runs.held_count", "retention_runs.next_due_at",
		}},
	{Reason: "Job leases between the nodes of one installation: a job name, a node name and an expiry.",
		Columns: []string{"job_leases.name", "job_leases.holder", "job_leases.expires_at"}},
	{Reason: "Folders and groups of devices: names, descriptions and priorities managers give them to organise a company's " +
		"devices (configuration, like a policy's name, not data about a person), the references between them and the " +
		"devices, and their own timestamps. A folder or group is deleted when a manager deletes it.",
		Columns: []string{
			"folders.id", "folders.account_id", "folders.name", "folders.description", "folders.created_at", "folders.updated_at",
			"groups.id", "groups.account_id", "groups.name", "groups.description", "groups.priority", "groups.created_at",
			"groups.updated_at", "device_groups.group_id", "device_groups.device_id", "devices.folder_id",
		}},
	{Reason: "Operational security material, not personal data: each account's data key for the secrets in its " +
		"policies (Wi-Fi passwords, private keys), stored only wrapped (encrypted) by a master key kept outside the " +
		"database, with the master key's ID, the key's version and when it was made and last re-wrapped. It names " +
		"nobody and reveals nothing without the master key; it is kept as long as its account.",
		Columns: []string{
			"account_keys.account_id", "account_keys.version", "account_keys.wrapped_key", "account_keys.master_key_id",
			"account_keys.created_at", "account_keys.rotated_at",
		}},
	{Reason: "Definitions of an account's custom user fields (key, label, type, choices, order): the shape of a company's directory, not data about a person. A user's values are in users.custom_fields.",
		Columns: []string{"user_fields.field_key", "user_fields.position", "user_fields.label", "user_fields.type",
			"user_fields.choices", "user_fields.required"}},
	{Reason: "Policies' identifiers, references, version numbers, list positions and timestamps, and each device's " +
		"effective policy as last computed (a hash of its content, its check-in interval and tracking switches: settings " +
		"of a company, not data about a person). Kept or deleted with their policy or device.",
		Columns: []string{
			"policies.id", "policies.account_id", "policies.current_version", "policies.created_by", "policies.created_at",
			"policies.updated_at", "policy_versions.policy_id", "policy_versions.version", "policy_versions.created_by",
			"policy_versions.created_at", "policy_wifi.policy_id", "policy_wifi.version", "policy_wifi.position",
			"policy_ca_certs.policy_id", "policy_ca_certs.version", "policy_ca_certs.position", "policy_targets.policy_id",
			"devices.policy_version", "devices.policy_checkin_seconds", "devices.policy_location", "devices.policy_web_history",
		}},
	{Reason: "Shared contacts and files: their identifiers, owners and targets (references to accounts, folders, groups and " +
		"devices), who created them, their timestamps, and each device's directory version (a hash of what it should hold). " +
		"The personal fields are in directory.contacts and directory.files; these go with their rows.",
		Columns: []string{
			"contacts.id", "contacts.account_id", "contacts.created_by", "contacts.created_at", "contacts.updated_at",
			"contact_targets.contact_id", "contact_targets.kind", "contact_targets.target_id",
			"shared_files.id", "shared_files.account_id", "shared_files.uploaded_by", "shared_files.created_at", "shared_files.updated_at",
			"shared_file_targets.file_id", "shared_file_targets.kind", "shared_file_targets.target_id",
			"devices.directory_version",
		}},
}

// Operational returns the groups of columns that hold no personal data.
func Operational() []OperationalGroup {
	return append([]OperationalGroup(nil), operational...)
}
