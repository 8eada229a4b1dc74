package protocol

// Names in CheckInResponse.Refused: what a personal (BYOD) device sent that
// the ownership rules refuse. The server drops it before storing anything.
// Location and web history are not part of a v1 check-in; a key carrying
// them is unknown to v1 and ignored like any other.
const (
	RefusedICCID        = "inventory.sim.iccid"
	RefusedIMEI         = "inventory.sim.imei"
	RefusedPhoneNumber  = "inventory.sim.phone_number"
	RefusedPersonalApps = "apps.personal" // apps outside the work profile
)

// StripPersonal removes from the check-in of a personal device what the
// ownership rules refuse — SIM identifiers, the phone number and every app
// not marked work_profile — and returns the names of what it removed, in
// the order of the constants above, for CheckInResponse.Refused. Removed
// packages stay: removing a package the server does not hold changes
// nothing. A full list left empty becomes no list, so the server keeps the
// work apps it holds rather than clearing them.
func StripPersonal(r *CheckInRequest) []string {
	var refused []string
	if inv := r.Inventory; inv != nil && inv.SIM != nil {
		if inv.SIM.ICCID != "" {
			refused = append(refused, RefusedICCID)
		}
		if inv.SIM.IMEI != "" {
			refused = append(refused, RefusedIMEI)
		}
		if inv.SIM.PhoneNumber != "" {
			refused = append(refused, RefusedPhoneNumber)
		}
		inv.SIM = nil
	}
	if a := r.Apps; a != nil {
		var personal bool
		a.Full, personal = workApps(a.Full)
		var p bool
		a.Added, p = workApps(a.Added)
		if personal || p {
			refused = append(refused, RefusedPersonalApps)
		}
	}
	return refused
}

// workApps keeps the work-profile apps of a list, in place.
func workApps(apps []App) (work []App, dropped bool) {
	work = apps[:0]
	for _, a := range apps {
		if a.WorkProfile {
			work = append(work, a)
		}
	}
	dropped = len(work) < len(apps)
	clear(apps[len(work):])
	return nilIfEmpty(work), dropped
}

// Reasons in CheckInResponse.DisabledReason: why the agent is disabled.
// The daily re-verification sets the first four; an administrator's
// agent_disable sets ReasonDisabledByAdmin, with any note in the command's
// AgentPayload. Agents show their own words for the reasons they know and
// a generic message for any other.
const (
	ReasonCodeRevoked       = "activation_code_revoked"
	ReasonSubscriptionEnded = "subscription_ended"
	ReasonAccountSuspended  = "account_suspended"
	ReasonAccountBlocked    = "account_blocked"
	ReasonAccountDeleted    = "account_deleted"
	ReasonDisabledByAdmin   = "disabled_by_admin"
)
