package privacy

// The promise ledger: what the privacy policies Steward was derived from
// (its seeds) promise about personal data, each promise tied to the catalog
// category it concerns and to the tests that prove Steward keeps it. A
// promise Steward does not keep yet says so, with the reason, instead of
// naming a test. promises_test.go fails when an implemented promise names
// no test, or a test that does not exist.

// PromiseStatus says whether Steward keeps a promise.
type PromiseStatus string

// Promise statuses.
const (
	// Implemented promises are kept by the code and proven by their tests.
	Implemented PromiseStatus = "implemented"
	// NotBuilt promises concern features this version does not build.
	NotBuilt PromiseStatus = "not_built"
)

// Promise is one clause of the ledger.
type Promise struct {
	// ID is stable: tests, the catalog and the generated pages refer to it.
	ID string `json:"id"`
	// Sentence is quoted from the seed (… marks a cut).
	Sentence string `json:"sentence"`
	// Seed is the file name of the policy the sentence comes from.
	Seed string `json:"seed"`
	// Categories are the catalog categories the promise is about; none
	// means all of them.
	Categories []string      `json:"categories,omitempty"`
	Status     PromiseStatus `json:"status"`
	// Tests prove the promise, as "path/of/package.TestName" relative to
	// the module (a "/subtest" suffix may follow the function's name).
	Tests []string `json:"tests,omitempty"`
	// Reason says why a not-built promise is not kept yet.
	Reason string `json:"reason,omitempty"`
}

// Seed is one of the privacy policies Steward was derived from.
type Seed struct {
	File    string `json:"file"`
	Product string `json:"product"`
}

// The seeds, by file name.
const (
	seedTinyMDM    = "000_8eb5d42650ae7ef5.txt"
	seedAtlas      = "001_2795e19960e16538.txt"
	seedKandji     = "002_70e7e03b390cb167.txt"
	seedMiniOrange = "003_19452889facdf67a.txt"
)

var seeds = []Seed{
	{seedTinyMDM, "TinyMDM (Android MDM)"},
	{seedAtlas, "ATLAS MDM (Android fleet management)"},
	{seedKandji, "Kandji (Apple device management)"},
	{seedMiniOrange, "miniOrange plugins (2FA, risk-based authentication)"},
}

// Seeds returns the privacy policies the ledger quotes.
func Seeds() []Seed { return append([]Seed(nil), seeds...) }

// Tests other packages provide, named once.
const (
	testWipe          = "http/deviceapi.TestWipeDeletesEverything"
	testAccountClock  = "service.TestRetentionAccountDeleted"
	testSubscription  = "service.TestRetentionSubscriptionEnded"
	testScopeWalk     = "http/adminapi.TestNoRouteLeaksAForeignSubtree"
	testPolicyConsent = "service.TestLocationRequiresCompanyPolicyAndConsent"
	testManagerDelete = "service.TestManagerRoles"
	testCascade       = "store.TestSQLite/Managers/DeleteCascades"
)

const notBuiltDSR = "Data-subject requests (identity check, export, correction, deletion, 30-day deadline) are not built yet."

var promises = []Promise{
	// TinyMDM.
	{ID: "P-AUDIT-ACCOUNT-CLOCK", Seed: seedTinyMDM, Categories: []string{"audit.console_actions"}, Status: Implemented,
		Sentence: "Dashboard action logs. Purpose: to ensure account security. Storage period: deleted 6 months after account deletion, or 2 years after the end of the subscription.",
		Tests:    []string{"service.TestRetentionAuditLog", testAccountClock, testSubscription}},
	{ID: "P-GOOGLE-ID", Seed: seedTinyMDM, Status: NotBuilt,
		Sentence: "ID of the company using the Google API Service.",
		Reason:   "Devices managed through Google's Android Management API are not supported yet; no Google enterprise ID is stored."},
	{ID: "P-DEV-RESET", Seed: seedTinyMDM, Categories: []string{"device.inventory", "device.history", "device.commands"}, Status: Implemented,
		Sentence: "Devices: manufacturer, technical identifiers, IP, SIM identifiers (iccid, imei, phone number), installed applications, battery status and health, operating system version, pending operating system update, system signature, GPS status. … Storage period: deleted immediately on effective reset of the device.",
		Tests:    []string{testWipe, "service.TestDeviceResetDeletesLocationHistoryAndConsents"}},
	{ID: "P-DEV-ANONYMISED", Seed: seedTinyMDM, Categories: []string{"device.inventory"}, Status: Implemented,
		Sentence: "Anonymized 6 months after account deletion, or 2 years after the end of the subscription (all references to personal data are removed).",
		Tests:    []string{testAccountClock, testSubscription}},
	{ID: "P-WEB-OPT-IN", Seed: seedTinyMDM, Categories: []string{"device.web_history"}, Status: Implemented,
		Sentence: "Policies: history of websites visited in the last 15 days (only if the option is enabled by the administrator).",
		Tests:    []string{"service.TestWebHistoryOnlyWhileEnabled"}},
	{ID: "P-WEB-15-DAYS", Seed: seedTinyMDM, Categories: []string{"device.web_history"}, Status: Implemented,
		Sentence: "Storage period: automatically deleted after 15 days.",
		Tests:    []string{"service.TestRetentionWebHistoryAge", "service.TestRetentionSweepIdempotent"}},
	{ID: "P-CONTACTS", Seed: seedTinyMDM, Categories: []string{"directory.contacts"}, Status: Implemented,
		Sentence: "Shared contacts: contact name, email, phone number, note. … Storage period: deleted immediately if the Customer deletes the shared contact. Deleted 6 months after account deletion, or 2 years after the end of the subscription.",
		Tests:    []string{"service.TestDirectoryDeletedAtOnce", "service.TestRetentionPurgesDirectory"}},
	{ID: "P-FILES", Seed: seedTinyMDM, Categories: []string{"directory.files"}, Status: Implemented,
		Sentence: "Shared files: files uploaded by the user. … Storage period: deleted immediately if the Customer deletes the shared file. Deleted 6 months after account deletion, or 2 years after end of the subscription.",
		Tests:    []string{"service.TestDirectoryDeletedAtOnce", "service.TestRetentionPurgesDirectory"}},
	{ID: "P-MGR-DELETE", Seed: seedTinyMDM, Categories: []string{"account.managers"}, Status: Implemented,
		Sentence: "Managers: manager’s email. … Storage period: deleted immediately if the Customer deletes the Manager.",
		Tests:    []string{testManagerDelete, testCascade}},
	{ID: "P-MGR-ACCOUNT-CLOCK", Seed: seedTinyMDM, Categories: []string{"account.managers"}, Status: Implemented,
		Sentence: "Deleted 6 months after the account is deleted, or 2 years after the end of the subscription.",
		Tests:    []string{testAccountClock, testSubscription, "service.TestRetentionReceiptsNameTheirCategory"}},
	{ID: "P-DEVNAME-RESET", Seed: seedTinyMDM, Categories: []string{"device.name"}, Status: Implemented,
		Sentence: "Devices: device name. … Storage period: deleted immediately upon an effective reset of the device. Anonymised 6 months after account deletion, or 2 years after the end of the subscription (all references to personal data are removed).",
		Tests:    []string{testWipe, testAccountClock, testSubscription}},
	{ID: "P-CA-CERTS", Seed: seedTinyMDM, Categories: []string{"config.ca_certs"}, Status: Implemented,
		Sentence: "CA certificates. … Storage period: deleted immediately upon deletion of the file. Deleted 6 months after account deletion, or 2 years after the end of the subscription.",
		Tests:    []string{"service.TestPolicyRemovalErasesEveryVersion", "service.TestRetentionPurgesPolicies"}},
	{ID: "P-WIFI", Seed: seedTinyMDM, Categories: []string{"config.wifi"}, Status: Implemented,
		Sentence: "Wi-Fi networks: list of Wi-Fi networks with password, Wi-Fis EAP certificate. … Storage period: deleted immediately when the network is deleted. Deleted 6 months after account deletion, or 2 years after end of the subscription.",
		Tests: []string{"service.TestPolicyRemovalErasesEveryVersion", "service.TestPolicySecretsAreWriteOnly",
			"service.TestRetentionPurgesPolicies"}},
	{ID: "P-POLICIES", Seed: seedTinyMDM, Categories: []string{"config.policies"}, Status: Implemented,
		Sentence: "Policies: selected and saved configurations for a group of devices. … Storage period: deleted immediately upon deletion of the policy. Anonymised 6 months after account deletion, or 2 years after end of subscription date (all references to personal data are deleted).",
		Tests:    []string{"service.TestPolicyRemovalErasesEveryVersion", "service.TestRetentionPurgesPolicies"}},
	{ID: "P-USERS", Seed: seedTinyMDM, Categories: []string{"directory.users"}, Status: Implemented,
		Sentence: "Users: email, name, directory name, associated device, custom fields. … Storage period: deleted immediately if the Customer deletes the user. Anonymised 6 months after account deletion, or 2 years after the end of the subscription (all references to personal data are removed).",
		Tests: []string{"service.TestDeletedUserLeavesNoCopy", "service.TestUserDevices", testAccountClock, testSubscription,
			"service.TestRetentionReceiptsNameTheirCategory", "store.TestSQLite/Users/Purge"}},
	{ID: "P-APPS", Seed: seedTinyMDM, Categories: []string{"apps.private"}, Status: NotBuilt,
		Sentence: "Applications on the TinyMDM Store. … Storage period: deleted immediately when the application is deleted. Deleted 6 months after account deletion, or 2 years after the end of the subscription.",
		Reason:   "The private app store is not built yet; no APK is stored."},
	{ID: "P-LOC-CAP", Seed: seedTinyMDM, Categories: []string{"device.location"}, Status: Implemented,
		Sentence: "We may use and store information about the location of devices (last 50 location points), only if you give us permission to do so.",
		Tests:    []string{"service.TestLocationCapEvictsOldest", testPolicyConsent}},
	{ID: "P-LOC-COMPANY-ONLY", Seed: seedTinyMDM, Categories: []string{"device.location"}, Status: Implemented,
		Sentence: "Location tracking Services are designed to be used only on company-owned devices. Indeed, location tracking is not an option for employees’ personal BYOD devices, and is disabled by default for business devices.",
		Tests:    []string{"service.TestPersonalDeviceLocationRefused", testPolicyConsent}},
	{ID: "P-LOC-PERMISSION", Seed: seedTinyMDM, Categories: []string{"device.location", "device.consents"}, Status: Implemented,
		Sentence: "End users will need to enable Location Services for companies to track devices.",
		Tests:    []string{testPolicyConsent}},
	{ID: "P-LOC-2-MONTHS", Seed: seedTinyMDM, Categories: []string{"device.location"}, Status: Implemented,
		Sentence: "This being said, at TinyMDM, and in accordance with the GDPR, we only store location tracking data for 2 months, and within the limit of 50 location points maximum.",
		Tests:    []string{"service.TestRetentionLocationAge", "service.TestLocationIngestRefusesStalePoints", "service.TestLocationCapEvictsOldest"}},
	{ID: "P-BYOD-WORK-PROFILE", Seed: seedTinyMDM, Categories: []string{"device.inventory"}, Status: Implemented,
		Sentence: "If you have been invited by your company to add a work profile to your personal device, then WE DO NOT collect any personal information related to the private use of your device (outside of the work profile).",
		Tests:    []string{"http/deviceapi.TestPersonalDevicesKeepPersonalDataOut", "protocol.TestStripPersonal", "service.TestPersonalDeviceLocationRefused"}},
	{ID: "P-LOC-WITHDRAW", Seed: seedTinyMDM, Categories: []string{"device.location", "device.consents"}, Status: Implemented,
		Sentence: "You can disable location authorization or not grant it the first time if you do not wish to share location.",
		Tests:    []string{"service.TestLocationPurgedWhenDisabledOrWithdrawn", "service.TestLocationImmediatePurgeIsAtomic"}},
	{ID: "P-NEED-TO-KNOW", Seed: seedTinyMDM, Status: Implemented,
		Sentence: "For example, we restrict access to this information to authorized employees and data processors who need to know that information in order to operate, develop or improve our application.",
		Tests:    []string{testScopeWalk, "service.TestLocationViewIsAudited", "service.TestPrivacyDataAcrossRolesAndSubtrees"}},
	{ID: "P-BREACH-72H", Seed: seedTinyMDM, Status: NotBuilt,
		Sentence: "We are also committed to informing our customers of any breach that results in the accidental or unlawful destruction, loss, alteration, unauthorized disclosure of or access to personal data within 72 hours of becoming aware of it (Art. 33 GDPR), …",
		Reason:   "The breach register and its 72-hour deadline are not built yet."},
	{ID: "P-DSR-30-DAYS", Seed: seedTinyMDM, Status: NotBuilt,
		Sentence: "At any time, at the request of an account holder, … undertake, within 30 days: To export their user data. Delete the user data. Update the user data.",
		Reason:   notBuiltDSR},
	{ID: "P-ACCOUNT-DELETE", Seed: seedTinyMDM, Categories: []string{"account.reseller"}, Status: Implemented,
		Sentence: "At any time, at the request of an account holder, … undertake, within 30 days: … Delete the account.",
		Tests:    []string{"service.TestDeleteAccount", testAccountClock}},
	{ID: "P-BACKUPS", Seed: seedTinyMDM, Status: NotBuilt,
		Sentence: "If no exceptions apply, we will take steps within one month to ensure the deletion of data from both backup and active systems.",
		Reason:   "Per-account encryption keys (deletion from backups by destroying the key) are not built yet."},

	// ATLAS MDM.
	{ID: "P-HIERARCHY-SCOPE", Seed: seedAtlas, Categories: []string{"account.reseller"}, Status: Implemented,
		Sentence: "Resellers and sub resellers see only the data allowed by their hierarchy.",
		Tests:    []string{testScopeWalk, "service.TestAccountScope", "service.TestAuditScope"}},
	{ID: "P-ACTIVATION-DAILY", Seed: seedAtlas, Categories: []string{"billing.activation_codes"}, Status: Implemented,
		Sentence: "Activation checks should be verified by the backend each day.",
		Tests:    []string{"http/deviceapi.TestDailyVerification"}},
	{ID: "P-APK-QUARANTINE", Seed: seedAtlas, Categories: []string{"apps.private"}, Status: NotBuilt,
		Sentence: "Uploaded APKs should be quarantined until backend antivirus and static checks mark them clean.",
		Reason:   "The private app store is not built yet."},
	{ID: "P-TICKETS", Seed: seedAtlas, Categories: []string{"support.tickets"}, Status: NotBuilt,
		Sentence: "Support tickets may contain user messages, attachment names, diagnostic details, screenshots supplied by customers, and replies from administrators or resellers.",
		Reason:   "Support tickets are not built yet."},
	{ID: "P-REMOTE-CONSENT", Seed: seedAtlas, Categories: []string{"support.remote_sessions"}, Status: NotBuilt,
		Sentence: "The device user should see a clear Allow/Deny prompt before screen mirroring or keyboard/mouse control begins.",
		Reason:   "Remote support is not built yet."},
	{ID: "P-AUDIT-READY", Seed: seedAtlas, Categories: []string{"audit.console_actions"}, Status: Implemented,
		Sentence: "Maintain billing, support, security, and compliance audit logs.",
		Tests: []string{"service.TestAuditRecordsEveryChange", "service.TestAuditTampering", "service.TestRetentionReceipts",
			"service.TestRetentionReceiptsNameTheirCategory"}},
	{ID: "P-KEPT-FOR-COMPLIANCE", Seed: seedAtlas, Status: Implemented,
		Categories: []string{"audit.console_actions", "billing.credit_ledger", "security.events", "privacy.legal_holds"},
		Sentence:   "Audit logs, credit ledgers, APK scan results, security events, and support records may be retained longer for fraud prevention, disputes, legal obligations, and incident investigation.",
		Tests: []string{"service.TestLegalHoldBlocksDeletion", "service.TestRetentionSecurityEvents", "store.TestSQLite/Ledger/AppendOnly",
			"service.TestRetentionHoldOnAccountKeepsItUnpurged"}},
	{ID: "P-DSR-IDENTITY", Seed: seedAtlas, Status: NotBuilt,
		Sentence: "Customers may request access, correction, deletion, or export subject to identity verification, contract requirements, security obligations, and legal retention rules.",
		Reason:   notBuiltDSR},

	// Kandji.
	{ID: "P-RIGHT-TO-KNOW", Seed: seedKandji, Status: Implemented,
		Sentence: "Right to Know: You can request information about the categories and specific pieces of personal information we have collected about you, the sources of the information, the purposes for collection, and the categories of third parties with whom we share it.",
		Tests:    []string{"privacy.TestGeneratedDocuments", "http/console.TestBrowserPrivacyRecords", "service.TestRetentionEnforcementMatchesCatalog"}},
	{ID: "P-RIGHT-OF-ACCESS", Seed: seedKandji, Status: NotBuilt,
		Sentence: "Right to Access/Portability: You can request a copy of your personal information in a portable format.",
		Reason:   notBuiltDSR},

	// miniOrange.
	{ID: "P-CONSENT-DENIED", Seed: seedMiniOrange, Categories: []string{"device.location"}, Status: Implemented,
		Sentence: "If they deny consent, they will not be logged in and no data will be fetched.",
		Tests:    []string{testPolicyConsent}},
	{ID: "P-RISK-SIGNALS", Seed: seedMiniOrange, Categories: []string{"auth.risk_signals"}, Status: NotBuilt,
		Sentence: "For Risk Based Authentication information like device type, location, IP address and time is required to identify the user and grant access based on the risk.",
		Reason:   "Risk-based authentication is not built yet; no sign-in signals are stored beyond security events."},
	{ID: "P-ERASURE-ON-REQUEST", Seed: seedMiniOrange, Categories: []string{"account.managers"}, Status: Implemented,
		Sentence: "Customers can delete end-user’s information if end-user requests.",
		Tests:    []string{testManagerDelete, testCascade}},
	{ID: "P-ENCRYPTED-IN-TRANSIT", Seed: seedMiniOrange, Status: Implemented,
		Sentence: "Encryption: All data that is in transit because of miniOrange is encrypted.",
		Tests:    []string{"server.TestPlainHTTPOnlyOnLoopback", "server.TestServeTLSAndShutdown"}},
}

// Promises returns the promise ledger.
func Promises() []Promise {
	return append([]Promise(nil), promises...)
}
