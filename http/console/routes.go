package console

// routeTable is every console page and form. Public routes are reachable
// signed out; beforePassword routes stay reachable while a forced password
// change is pending (everything else redirects to the password page).
func (c *Console) routeTable() []route {
	return []route{
		{method: "GET", pattern: "/console/login", public: true, h: c.loginPage},
		{method: "POST", pattern: "/console/login", public: true, h: c.login},
		{method: "POST", pattern: "/console/logout", beforePassword: true, h: c.logout},
		{method: "GET", pattern: "/console/forgot", public: true, h: c.forgotPage},
		{method: "POST", pattern: "/console/forgot", public: true, h: c.forgot},
		{method: "GET", pattern: "/console/reset", public: true, h: c.resetPage},
		{method: "POST", pattern: "/console/reset", public: true, h: c.reset},
		{method: "GET", pattern: "/console/invite", public: true, h: c.invitePage},
		{method: "POST", pattern: "/console/invite", public: true, h: c.invite},
		{method: "GET", pattern: "/console/password", beforePassword: true, h: c.passwordPage},
		{method: "POST", pattern: "/console/password", beforePassword: true, h: c.changePassword},

		{method: "GET", pattern: "/console/{$}", h: c.dashboard},

		{method: "GET", pattern: "/console/accounts", h: c.accounts},
		{method: "GET", pattern: "/console/accounts/{account}", h: c.accountPage},
		{method: "POST", pattern: "/console/accounts/{account}/children", h: c.createChild},
		{method: "POST", pattern: "/console/accounts/{account}/edit", h: c.editAccount},
		{method: "POST", pattern: "/console/accounts/{account}/status", h: c.setStatus},
		{method: "GET", pattern: "/console/accounts/{account}/delete", h: c.deletePage},
		{method: "POST", pattern: "/console/accounts/{account}/delete", h: c.deleteAccount},
		{method: "POST", pattern: "/console/accounts/{account}/managers", h: c.createManager},
		{method: "POST", pattern: "/console/accounts/{account}/grant", h: c.grant},
		{method: "POST", pattern: "/console/accounts/{account}/transfer", h: c.transfer},
		{method: "POST", pattern: "/console/accounts/{account}/privacy", h: c.setPrivacy},
		{method: "POST", pattern: "/console/managers/{manager}/role", h: c.setRole},
		{method: "POST", pattern: "/console/managers/{manager}/delete", h: c.deleteManager},

		{method: "GET", pattern: "/console/devices", h: c.devices},
		{method: "GET", pattern: "/console/devices/{device}", h: c.devicePage},
		{method: "POST", pattern: "/console/devices/{device}/commands", h: c.sendCommand},
		{method: "GET", pattern: "/console/devices/{device}/wipe", h: c.wipePage},
		{method: "POST", pattern: "/console/devices/{device}/wipe", h: c.wipe},
		{method: "GET", pattern: "/console/devices/{device}/revoke", h: c.revokePage},
		{method: "POST", pattern: "/console/devices/{device}/revoke", h: c.revokeCredential},
		{method: "GET", pattern: "/console/devices/{device}/location", h: c.locationPage},
		{method: "GET", pattern: "/console/devices/{device}/web-history", h: c.webHistoryPage},
		{method: "POST", pattern: "/console/commands/{command}/cancel", h: c.cancelCommand},
		{method: "GET", pattern: "/console/compliance", h: c.compliance},

		{method: "GET", pattern: "/console/apps", h: c.apps},
		{method: "GET", pattern: "/console/apps/{app}", h: c.appPage},
		{method: "POST", pattern: "/console/apps/{app}/assignments", h: c.assignApp},
		{method: "POST", pattern: "/console/apps/{app}/assignments/{assignment}/delete", h: c.unassignApp},
		{method: "GET", pattern: "/console/apps/{app}/delete", h: c.deleteAppPage},
		{method: "POST", pattern: "/console/apps/{app}/delete", h: c.deleteApp},

		{method: "GET", pattern: "/console/folders", h: c.folders},
		{method: "POST", pattern: "/console/folders", h: c.createFolder},
		{method: "POST", pattern: "/console/folders/{folder}/edit", h: c.editFolder},
		{method: "POST", pattern: "/console/folders/{folder}/delete", h: c.deleteFolder},
		{method: "POST", pattern: "/console/groups", h: c.createGroup},
		{method: "POST", pattern: "/console/groups/{group}/edit", h: c.editGroup},
		{method: "POST", pattern: "/console/groups/{group}/delete", h: c.deleteGroup},
		{method: "POST", pattern: "/console/devices/membership", h: c.changeMembership},

		{method: "GET", pattern: "/console/contacts", h: c.contacts},
		{method: "POST", pattern: "/console/contacts", h: c.createContact},
		{method: "GET", pattern: "/console/contacts/{contact}", h: c.contactPage},
		{method: "POST", pattern: "/console/contacts/{contact}", h: c.updateContact},
		{method: "POST", pattern: "/console/contacts/{contact}/delete", h: c.deleteContact},
		{method: "GET", pattern: "/console/files", h: c.files},
		{method: "GET", pattern: "/console/files/{file}", h: c.filePage},
		{method: "POST", pattern: "/console/files/{file}", h: c.updateFile},
		{method: "POST", pattern: "/console/files/{file}/delete", h: c.deleteFile},

		{method: "GET", pattern: "/console/codes", h: c.codes},
		{method: "POST", pattern: "/console/codes", h: c.createCode},
		{method: "POST", pattern: "/console/codes/{code}/revoke", h: c.revokeCode},

		{method: "GET", pattern: "/console/tokens", h: c.tokens},
		{method: "POST", pattern: "/console/tokens", h: c.createToken},
		{method: "POST", pattern: "/console/tokens/{token}/revoke", h: c.revokeToken},

		{method: "GET", pattern: "/console/audit", h: c.audit},
		{method: "GET", pattern: "/console/audit/verify", h: c.verifyAudit},
		{method: "GET", pattern: "/console/security", h: c.security},

		{method: "GET", pattern: "/console/privacy/records", h: c.privacyRecords},
		{method: "GET", pattern: "/console/privacy", h: c.privacyPage},
		{method: "POST", pattern: "/console/privacy/holds", h: c.createHold},
		{method: "POST", pattern: "/console/privacy/holds/{hold}/release", h: c.releaseHold},

		{method: "GET", pattern: "/console/users", h: c.users},
		{method: "GET", pattern: "/console/users/new", h: c.newUserPage},
		{method: "POST", pattern: "/console/users", h: c.createUser},
		{method: "GET", pattern: "/console/users/fields", h: c.fieldsPage},
		{method: "POST", pattern: "/console/users/fields", h: c.saveFields},
		{method: "GET", pattern: "/console/users/import", h: c.importPage},
		{method: "POST", pattern: "/console/users/import", maxBody: importMaxRaw, h: c.importUsers},
		{method: "GET", pattern: "/console/users/{user}", h: c.userPage},
		{method: "POST", pattern: "/console/users/{user}", h: c.updateUser},
		{method: "GET", pattern: "/console/users/{user}/delete", h: c.deleteUserPage},
		{method: "POST", pattern: "/console/users/{user}/delete", h: c.deleteUser},
		{method: "POST", pattern: "/console/devices/{device}/user", h: c.setDeviceUser},
	}
}
