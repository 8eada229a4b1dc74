package steward

import "time"

// The data catalog: every stored field of personal data belongs to a
// Category with a purpose, a legal basis and a retention Rule. The catalog
// itself is data, kept in package privacy; these are its types, shared by
// the retention engine, the generated records and the schema-drift test.

// RetentionAction is what happens to a category's data when its rule falls due.
type RetentionAction string

// Retention actions.
const (
	// ActionDelete removes the rows.
	ActionDelete RetentionAction = "delete"
	// ActionAnonymise overwrites the identifying fields irreversibly and keeps
	// the rest. Location traces are never anonymised: they are deleted.
	ActionAnonymise RetentionAction = "anonymise"
	// ActionCap keeps at most Rule.Cap rows per subject (and applies the
	// rule's anchors to the rest).
	ActionCap RetentionAction = "cap"
	// ActionKeep keeps the rows for a legal period given by the anchors;
	// LegalRetention says why.
	ActionKeep RetentionAction = "keep"
)

// AnchorKind names the event a retention clock starts from.
type AnchorKind string

// Retention anchors. Where several apply to a row, the earliest deadline wins.
const (
	// AnchorEvent is the row's own time (when it was recorded).
	AnchorEvent AnchorKind = "event"
	// AnchorAccountDeleted is the soft deletion of the owning client account.
	AnchorAccountDeleted AnchorKind = "account_deleted"
	// AnchorSubscriptionEnded is the end of the owning account's subscription.
	AnchorSubscriptionEnded AnchorKind = "subscription_ended"
	// AnchorDeviceReset is the device's confirmed effective reset (wipe).
	AnchorDeviceReset AnchorKind = "device_reset"
	// AnchorCustomerDeleted is the customer deleting the object itself.
	AnchorCustomerDeleted AnchorKind = "customer_deleted"
	// AnchorFeatureDisabled is the policy switch being turned off or the
	// device user withdrawing consent.
	AnchorFeatureDisabled AnchorKind = "feature_disabled"
)

// Anchor is one retention clock: the data goes After the anchor event.
// After == 0 means immediately, in the same transaction as the event.
type Anchor struct {
	Kind  AnchorKind    `json:"kind"`
	After time.Duration `json:"after"`
}

// RetentionRule is a category's retention as data. Version changes whenever
// the rule does; receipts record the version they applied.
type RetentionRule struct {
	Version int             `json:"version"`
	Action  RetentionAction `json:"action"`
	Anchors []Anchor        `json:"anchors"`
	// Cap is the most rows kept per subject, for ActionCap.
	Cap int `json:"cap,omitempty"`
	// Summary is the rule in plain language, as the generated pages show it.
	Summary string `json:"summary"`
}

// Anchor returns the rule's anchor of kind k and whether it has one.
func (r RetentionRule) Anchor(k AnchorKind) (Anchor, bool) {
	for _, a := range r.Anchors {
		if a.Kind == k {
			return a, true
		}
	}
	return Anchor{}, false
}

// Category is one entry of the data catalog.
type Category struct {
	Name       string   `json:"name"` // e.g. "device.location"
	Title      string   `json:"title"`
	Fields     []string `json:"fields"` // in plain language
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis"`
	Subjects   []string `json:"subjects"`   // whose data it is
	Recipients []string `json:"recipients"` // who may see it
	// Gate is the condition under which the data may be collected at all,
	// e.g. "company-owned device, policy enabled, user consent"; "" is always.
	Gate string `json:"gate,omitempty"`
	// Columns are the "table.column" names that hold this category's data.
	Columns []string      `json:"columns"`
	Rule    RetentionRule `json:"rule"`
	// LegalRetention says why data is kept past its purpose, if it is.
	LegalRetention string `json:"legal_retention,omitempty"`
	// Safeguards are the technical and organisational measures (Art. 30(1)(g)).
	Safeguards []string `json:"safeguards,omitempty"`
	// Clauses are the IDs of the policy promises this category implements.
	Clauses []string `json:"clauses,omitempty"`
}
