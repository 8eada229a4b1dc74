// Package privacy holds the data catalog as code: every category of personal
// data Steward stores, with its purpose, legal basis, subjects, recipients,
// columns and retention rule. The retention engine, the generated records of
// processing and the schema-drift test all read this one list.
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

// catalog is the data catalog. Its order is the order of the generated pages.
var catalog = []steward.Category{
	{
		Name: "device.location", Title: "Device location",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionCap, Cap: 50,
			Anchors: []steward.Anchor{
				{Kind: steward.AnchorEvent, After: 2 * Month},
				{Kind: steward.AnchorFeatureDisabled},
				{Kind: steward.AnchorDeviceReset},
			},
			Summary: "At most the last 50 points per device and nothing older than 2 months; deleted at once when tracking is turned off, consent is withdrawn or the device is reset."},
	},
	{
		Name: "device.web_history", Title: "Web history",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{
				{Kind: steward.AnchorEvent, After: 15 * Day},
				{Kind: steward.AnchorFeatureDisabled},
				{Kind: steward.AnchorDeviceReset},
			},
			Summary: "Deleted 15 days after the visit; deleted at once when web-history tracking is turned off or the device is reset."},
	},
	{
		Name: "device.inventory", Title: "Device inventory",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionAnonymise,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorDeviceReset}),
			Summary: "Deleted when the device confirms a reset; anonymised 6 months after the account is deleted or 2 years after its subscription ends, whichever comes first."},
	},
	{
		Name: "audit.console_actions", Title: "Console audit log",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete, Anchors: accountClock,
			Summary: "Deleted 6 months after the account is deleted or 2 years after its subscription ends, whichever comes first; longer under a legal hold."},
	},
	{
		Name: "account.managers", Title: "Console logins",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: anchors(accountClock, steward.Anchor{Kind: steward.AnchorCustomerDeleted}),
			Summary: "Deleted when the login is deleted; otherwise 6 months after the account is deleted or 2 years after its subscription ends."},
	},
	{
		Name: "billing.credit_ledger", Title: "Credit ledger",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionKeep,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 10 * Year}},
			Summary: "Kept for 10 years under legal (accounting) retention, never anonymised away."},
	},
	{
		Name: "security.events", Title: "Security events",
		Rule: steward.RetentionRule{Version: 1, Action: steward.ActionDelete,
			Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 2 * Year}},
			Summary: "Deleted 2 years after the event unless a legal hold applies."},
	},
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
