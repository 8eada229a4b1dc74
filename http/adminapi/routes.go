package adminapi

import "net/http"

// routeTable is every admin API route. Path parameters are named after the
// kind of object they hold ({account}, {manager}, {token}, {device},
// {command}, {code}, {hold}, {app}, {assignment}, {folder}, {group},
// {contact}, {file}), which is how the
// authorisation test finds a foreign object to put in each.
func (a *API) routeTable() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/openapi.json", Public: true, Summary: "This API's OpenAPI document", handler: a.getOpenAPI},

		{Method: "POST", Pattern: "/api/v1/auth/login", Public: true, Summary: "Sign in with a password (console session)", handler: a.login},
		{Method: "POST", Pattern: "/api/v1/auth/logout", Public: true, Summary: "End the console session", handler: a.logout},
		{Method: "POST", Pattern: "/api/v1/auth/token", Public: true, Status: http.StatusCreated, Summary: "Exchange a password for an API token", handler: a.passwordToken},
		{Method: "POST", Pattern: "/api/v1/auth/password-reset", Public: true, Status: http.StatusAccepted, Summary: "Mail a password reset link", handler: a.requestReset},
		{Method: "POST", Pattern: "/api/v1/auth/password-reset/confirm", Public: true, Summary: "Set a new password with a reset link", handler: a.confirmReset},
		{Method: "POST", Pattern: "/api/v1/auth/invitation/accept", Public: true, Summary: "Accept an invitation and choose a password", handler: a.acceptInvitation},

		{Method: "GET", Pattern: "/api/v1/me", Summary: "The calling manager and its account", handler: a.me},
		{Method: "POST", Pattern: "/api/v1/me/password", Summary: "Change the caller's password", handler: a.changePassword},
		{Method: "GET", Pattern: "/api/v1/dashboard", Summary: "Counts for the caller's subtree", handler: a.dashboard},

		{Method: "GET", Pattern: "/api/v1/accounts", Summary: "List accounts in the caller's subtree", handler: a.listAccounts},
		{Method: "POST", Pattern: "/api/v1/accounts", Status: http.StatusCreated, Summary: "Create a child account", handler: a.createAccount},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}", Summary: "Get an account", handler: a.getAccount},
		{Method: "PATCH", Pattern: "/api/v1/accounts/{account}", Summary: "Rename or edit an account", handler: a.updateAccount},
		{Method: "DELETE", Pattern: "/api/v1/accounts/{account}", Summary: "Soft-delete an account and its subtree", handler: a.deleteAccount},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/status", Summary: "Suspend, block or reactivate an account", handler: a.setAccountStatus},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/move", Summary: "Move an account under another parent", handler: a.moveAccount},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/restore", Summary: "Restore a deleted account before its data is purged", handler: a.restoreAccount},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/managers", Summary: "List an account's managers", handler: a.listManagers},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/managers", Status: http.StatusCreated, Summary: "Create or invite a manager", handler: a.createManager},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/credits", Summary: "An account's balance and ledger", handler: a.getCredits},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/audit/verify", Summary: "Verify an account's audit hash chain", handler: a.verifyAudit},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/privacy-settings", Summary: "A client account's privacy switches", handler: a.getPrivacySettings},
		{Method: "PUT", Pattern: "/api/v1/accounts/{account}/privacy-settings", Summary: "Turn location or web-history tracking on or off", handler: a.putPrivacySettings},

		{Method: "GET", Pattern: "/api/v1/managers/{manager}", Summary: "Get a manager", handler: a.getManager},
		{Method: "PATCH", Pattern: "/api/v1/managers/{manager}", Summary: "Rename a manager or change its role", handler: a.updateManager},
		{Method: "DELETE", Pattern: "/api/v1/managers/{manager}", Summary: "Delete a manager", handler: a.deleteManager},

		{Method: "POST", Pattern: "/api/v1/credits/grants", Status: http.StatusCreated, Summary: "Grant credits (platform admin)", handler: a.grantCredits},
		{Method: "POST", Pattern: "/api/v1/credits/transfers", Status: http.StatusCreated, Summary: "Transfer credits down the hierarchy", handler: a.transferCredits},

		{Method: "GET", Pattern: "/api/v1/tokens", Summary: "List API tokens", handler: a.listTokens},
		{Method: "POST", Pattern: "/api/v1/tokens", Status: http.StatusCreated, Summary: "Create an API token", handler: a.createToken},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{token}", Summary: "Revoke an API token", handler: a.revokeToken},

		{Method: "GET", Pattern: "/api/v1/devices", Summary: "List devices in the caller's subtree", handler: a.listDevices},
		{Method: "GET", Pattern: "/api/v1/devices/{device}", Summary: "Get a device with its inventory", handler: a.getDevice},
		{Method: "GET", Pattern: "/api/v1/devices/{device}/apps", Summary: "A device's installed apps", handler: a.deviceApps},
		{Method: "GET", Pattern: "/api/v1/devices/{device}/history", Summary: "A device's history", handler: a.deviceHistory},
		{Method: "GET", Pattern: "/api/v1/devices/{device}/location", Summary: "A device's recent location (audited)", handler: a.deviceLocation},
		{Method: "GET", Pattern: "/api/v1/devices/{device}/web-history", Summary: "A device's web history (audited)", handler: a.deviceWebHistory},
		{Method: "GET", Pattern: "/api/v1/devices/{device}/consents", Summary: "Its user's location and web-history decisions", handler: a.deviceConsents},
		{Method: "POST", Pattern: "/api/v1/devices/{device}/credential/revoke", Summary: "Revoke a device's credential", handler: a.revokeDeviceCredential},

		{Method: "GET", Pattern: "/api/v1/commands", Summary: "List commands", handler: a.listCommands},
		{Method: "POST", Pattern: "/api/v1/commands", Status: http.StatusCreated, Summary: "Send a command to devices", handler: a.sendCommand},
		{Method: "GET", Pattern: "/api/v1/commands/{command}", Summary: "Get a command", handler: a.getCommand},
		{Method: "POST", Pattern: "/api/v1/commands/{command}/cancel", Summary: "Cancel a command not yet acknowledged", handler: a.cancelCommand},

		{Method: "GET", Pattern: "/api/v1/activation-codes", Summary: "List activation codes", handler: a.listCodes},
		{Method: "POST", Pattern: "/api/v1/activation-codes", Status: http.StatusCreated, Summary: "Issue an activation code", handler: a.createCode},
		{Method: "POST", Pattern: "/api/v1/activation-codes/{code}/revoke", Summary: "Revoke an activation code", handler: a.revokeCode},

		{Method: "GET", Pattern: "/api/v1/apps", Summary: "List the apps of the caller's store", handler: a.listApps},
		{Method: "POST", Pattern: "/api/v1/apps", Status: http.StatusCreated, Summary: "Upload an APK (quarantined until scanned)", handler: a.uploadApp},
		{Method: "GET", Pattern: "/api/v1/apps/{app}", Summary: "Get an app with its versions and assignments", handler: a.getApp},
		{Method: "PATCH", Pattern: "/api/v1/apps/{app}", Summary: "Share an app down its owner's subtree, or stop sharing it", handler: a.updateApp},
		{Method: "DELETE", Pattern: "/api/v1/apps/{app}", Summary: "Delete an app and its APK files", handler: a.deleteApp},
		{Method: "POST", Pattern: "/api/v1/apps/{app}/assignments", Status: http.StatusCreated, Summary: "Assign an app to an account or device", handler: a.assignApp},
		{Method: "DELETE", Pattern: "/api/v1/apps/{app}/assignments/{assignment}", Summary: "Remove an assignment (uninstalls where nothing else assigns the app)", handler: a.unassignApp},
		{Method: "GET", Pattern: "/api/v1/apps/{app}/deployments", Summary: "An app's deployments with status counts", handler: a.appDeployments},

		{Method: "GET", Pattern: "/api/v1/accounts/{account}/folders", Summary: "List a client account's folders", handler: a.listFolders},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/folders", Status: http.StatusCreated, Summary: "Create a folder in a client account", handler: a.createFolder},
		{Method: "GET", Pattern: "/api/v1/folders/{folder}", Summary: "Get a folder with its device count", handler: a.getFolder},
		{Method: "PATCH", Pattern: "/api/v1/folders/{folder}", Summary: "Rename a folder or change its description", handler: a.updateFolder},
		{Method: "DELETE", Pattern: "/api/v1/folders/{folder}", Summary: "Delete a folder (its devices are left in none)", handler: a.deleteFolder},
		{Method: "POST", Pattern: "/api/v1/folders/{folder}/devices", Summary: "Move devices into a folder", handler: a.addFolderDevices},
		{Method: "POST", Pattern: "/api/v1/folders/{folder}/devices/remove", Summary: "Take devices out of a folder", handler: a.removeFolderDevices},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/groups", Summary: "List a client account's groups", handler: a.listGroups},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/groups", Status: http.StatusCreated, Summary: "Create a group in a client account", handler: a.createGroup},
		{Method: "GET", Pattern: "/api/v1/groups/{group}", Summary: "Get a group with its device count", handler: a.getGroup},
		{Method: "PATCH", Pattern: "/api/v1/groups/{group}", Summary: "Rename a group or change its description or priority", handler: a.updateGroup},
		{Method: "DELETE", Pattern: "/api/v1/groups/{group}", Summary: "Delete a group (its devices leave it)", handler: a.deleteGroup},
		{Method: "POST", Pattern: "/api/v1/groups/{group}/devices", Summary: "Add devices to a group", handler: a.addGroupDevices},
		{Method: "POST", Pattern: "/api/v1/groups/{group}/devices/remove", Summary: "Remove devices from a group", handler: a.removeGroupDevices},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/contacts", Summary: "List an account's shared contacts", handler: a.listContacts},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/contacts", Status: http.StatusCreated, Summary: "Create a shared contact and push it to its targets", handler: a.createContact},
		{Method: "GET", Pattern: "/api/v1/contacts/{contact}", Summary: "Get a shared contact", handler: a.getContact},
		{Method: "PATCH", Pattern: "/api/v1/contacts/{contact}", Summary: "Edit a shared contact or its targets", handler: a.updateContact},
		{Method: "DELETE", Pattern: "/api/v1/contacts/{contact}", Summary: "Delete a shared contact (devices remove it)", handler: a.deleteContact},
		{Method: "GET", Pattern: "/api/v1/accounts/{account}/files", Summary: "List an account's shared files", handler: a.listFiles},
		{Method: "POST", Pattern: "/api/v1/accounts/{account}/files", Status: http.StatusCreated, Summary: "Upload a shared file (the raw body) and push it to its targets", handler: a.uploadFile},
		{Method: "GET", Pattern: "/api/v1/files/{file}", Summary: "Get a shared file's record", handler: a.getFile},
		{Method: "PATCH", Pattern: "/api/v1/files/{file}", Summary: "Edit a shared file's description or targets", handler: a.updateFile},
		{Method: "DELETE", Pattern: "/api/v1/files/{file}", Summary: "Delete a shared file and its content (devices remove it)", handler: a.deleteFile},
		{Method: "GET", Pattern: "/api/v1/files/{file}/download", Summary: "Download a shared file's content", handler: a.downloadFile},

		{Method: "GET", Pattern: "/api/v1/audit", Summary: "Read the audit log", handler: a.listAudit},
		{Method: "GET", Pattern: "/api/v1/security-events", Summary: "Read security events (platform admin)", handler: a.listSecurityEvents},

		{Method: "GET", Pattern: "/api/v1/privacy/catalog", Summary: "The data catalog", handler: a.privacyCatalog},
		{Method: "GET", Pattern: "/api/v1/privacy/records", Summary: "Records of processing and the plain-language page", handler: a.privacyRecords},
		{Method: "GET", Pattern: "/api/v1/privacy/retention", Summary: "Retention status per data category (platform admin)", handler: a.retentionStatus},
		{Method: "GET", Pattern: "/api/v1/privacy/holds", Summary: "List legal holds on the caller's subtree", handler: a.listHolds},
		{Method: "POST", Pattern: "/api/v1/privacy/holds", Status: http.StatusCreated, Summary: "Place a legal hold (platform admin)", handler: a.createHold},
		{Method: "POST", Pattern: "/api/v1/privacy/holds/{hold}/release", Summary: "Release a legal hold (platform admin)", handler: a.releaseHold},
		{Method: "GET", Pattern: "/api/v1/privacy/receipts", Summary: "Receipts of retention sweeps (platform admin)", handler: a.listReceipts},
		{Method: "POST", Pattern: "/api/v1/privacy/sweep", Summary: "Run the retention sweep now (platform admin)", handler: a.runSweep},

		{Method: "GET", Pattern: "/api/v1/accounts/{account}/compliance", Summary: "Compliance of an account's devices, counted by state, with a page of devices in one state", handler: a.accountCompliance},
		{Method: "GET", Pattern: "/api/v1/devices/{device}/compliance", Summary: "A device's compliance and its latest policy report", handler: a.deviceCompliance},
	}
}
