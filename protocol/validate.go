package protocol

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on fields, in bytes of UTF-8.
const (
	MaxActivationCode = 64
	MaxHardwareID     = 128
	MaxPackage        = 255
	MaxText           = 256      // every other string of a request but the output
	MaxOutput         = 16 << 10 // command output; the server cuts longer output
)

// Platforms.
const (
	PlatformAndroid = "android"
	PlatformLinux   = "linux"
)

// Validate checks an enrollment request: protocol 1, an activation code,
// a known ownership and platform, a hardware ID of visible ASCII, and
// strings within their limits. The error is an *InputError naming the
// field.
func (r *EnrollRequest) Validate() error {
	if ie := r.validate(); ie != nil {
		return ie
	}
	return nil
}

func (r *EnrollRequest) validate() *InputError {
	if ie := checkProtocol(r.Protocol); ie != nil {
		return ie
	}
	if ie := required("activation_code", r.ActivationCode, MaxActivationCode); ie != nil {
		return ie
	}
	if ie := oneOf("ownership", r.Ownership, OwnershipCompany, OwnershipPersonal); ie != nil {
		return ie
	}
	if ie := oneOf("platform", r.Platform, PlatformAndroid, PlatformLinux); ie != nil {
		return ie
	}
	if ie := required("hardware.id", r.Hardware.ID, MaxHardwareID); ie != nil {
		return ie
	}
	for _, c := range r.Hardware.ID {
		if c <= ' ' || c > '~' {
			return &InputError{Field: "hardware.id", Message: fmt.Sprintf(
				"hardware.id may hold only visible ASCII characters, not %U.", c)}
		}
	}
	return firstOf(
		text("name", r.Name, MaxText),
		text("agent_version", r.AgentVersion, MaxText),
		text("hardware.manufacturer", r.Hardware.Manufacturer, MaxText),
		text("hardware.model", r.Hardware.Model, MaxText),
		text("hardware.serial", r.Hardware.Serial, MaxText),
	)
}

// Validate checks a check-in: protocol 1, the inventory's strings within
// MaxText, an IP address that parses, a battery level of 0–100, no
// negative uptime, and the app report (see AppReport.Validate). The error
// is an *InputError naming the field.
func (r *CheckInRequest) Validate() error {
	if ie := r.validate(); ie != nil {
		return ie
	}
	return nil
}

func (r *CheckInRequest) validate() *InputError {
	if ie := checkProtocol(r.Protocol); ie != nil {
		return ie
	}
	if inv := r.Inventory; inv != nil {
		if ie := inv.validate(); ie != nil {
			return ie
		}
	}
	if r.Apps != nil {
		return r.Apps.validate()
	}
	return nil
}

func (inv *Inventory) validate() *InputError {
	ie := firstOf(
		text("inventory.manufacturer", inv.Manufacturer, MaxText),
		text("inventory.model", inv.Model, MaxText),
		text("inventory.serial", inv.Serial, MaxText),
		text("inventory.ip", inv.IP, MaxText),
		text("inventory.os_version", inv.OSVersion, MaxText),
		text("inventory.pending_os_update", inv.PendingOSUpdate, MaxText),
		text("inventory.patch_level", inv.PatchLevel, MaxText),
		text("inventory.system_signature", inv.SystemSignature, MaxText),
		text("inventory.agent_version", inv.AgentVersion, MaxText),
		text("inventory.agent_state", inv.AgentState, MaxText),
	)
	if ie != nil {
		return ie
	}
	if inv.IP != "" {
		if _, err := netip.ParseAddr(inv.IP); err != nil {
			return &InputError{Field: "inventory.ip", Message: fmt.Sprintf(
				"inventory.ip must be an IPv4 or IPv6 address, not %s.", quote(inv.IP))}
		}
	}
	if s := inv.SIM; s != nil {
		ie := firstOf(
			text("inventory.sim.iccid", s.ICCID, MaxText),
			text("inventory.sim.imei", s.IMEI, MaxText),
			text("inventory.sim.phone_number", s.PhoneNumber, MaxText),
		)
		if ie != nil {
			return ie
		}
	}
	if b := inv.Battery; b != nil {
		if b.Level < 0 || b.Level > 100 {
			return &InputError{Field: "inventory.battery.level", Message: fmt.Sprintf(
				"inventory.battery.level is a percentage from 0 to 100, not %d.", b.Level)}
		}
		if ie := text("inventory.battery.health", b.Health, MaxText); ie != nil {
			return ie
		}
	}
	if u := inv.UptimeSeconds; u != nil && *u < 0 {
		return &InputError{Field: "inventory.uptime_seconds", Message: "inventory.uptime_seconds must not be negative."}
	}
	return nil
}

// Validate checks an app report: either a full list or a delta (added and
// removed), never both; at most MaxApps entries in each list; valid
// package names (letters, digits and . _ - +, at most MaxPackage bytes),
// each at most once across the report; names and versions within
// MaxText; no negative version code. The error is an *InputError naming
// the field.
func (a *AppReport) Validate() error {
	if ie := a.validate(); ie != nil {
		return ie
	}
	return nil
}

func (a *AppReport) validate() *InputError {
	if len(a.Full) > 0 && (len(a.Added) > 0 || len(a.Removed) > 0) {
		return &InputError{Field: "apps", Message: "apps holds either a full list or added/removed, not both."}
	}
	// Field names are built only for a message: a report of thousands of
	// apps is checked without allocating one per app.
	seen := make(map[string]place, len(a.Full)+len(a.Added)+len(a.Removed))
	for _, l := range []struct {
		list string
		apps []App
	}{{"apps.full", a.Full}, {"apps.added", a.Added}} {
		if ie := tooMany(l.list, len(l.apps)); ie != nil {
			return ie
		}
		for i := range l.apps {
			if ie := l.apps[i].validate(place{l.list, i}, seen); ie != nil {
				return ie
			}
		}
	}
	if ie := tooMany("apps.removed", len(a.Removed)); ie != nil {
		return ie
	}
	for i, p := range a.Removed {
		if ie := checkPackage(place{"apps.removed", i}, "", p, seen); ie != nil {
			return ie
		}
	}
	return nil
}

// place is an entry of an app list.
type place struct {
	list  string
	index int
}

func (p place) field(sub string) string { return fmt.Sprintf("%s[%d]%s", p.list, p.index, sub) }

func (app *App) validate(at place, seen map[string]place) *InputError {
	if ie := checkPackage(at, ".package", app.Package, seen); ie != nil {
		return ie
	}
	if app.VersionCode < 0 {
		f := at.field(".version_code")
		return &InputError{Field: f, Message: f + " must not be negative."}
	}
	for _, t := range []struct{ sub, s string }{{".name", app.Name}, {".version_name", app.VersionName}} {
		if fault := textFault(t.s, MaxText); fault != "" {
			f := at.field(t.sub)
			return &InputError{Field: f, Message: f + " " + fault}
		}
	}
	return nil
}

func tooMany(field string, n int) *InputError {
	if n <= MaxApps {
		return nil
	}
	return &InputError{Field: field, Message: fmt.Sprintf("%s has %d entries; at most %d are allowed.", field, n, MaxApps)}
}

// checkPackage checks the package name at at+sub and that the report names
// it once; seen maps each name to where it was named first.
func checkPackage(at place, sub, p string, seen map[string]place) *InputError {
	if !ValidPackage(p) {
		f := at.field(sub)
		return &InputError{Field: f, Message: fmt.Sprintf(
			"%s is not a package name: use 1 to %d letters, digits and . _ - +, not %s.", f, MaxPackage, quote(p))}
	}
	if first, ok := seen[p]; ok {
		firstSub := ".package"
		if first.list == "apps.removed" {
			firstSub = ""
		}
		f := at.field(sub)
		return &InputError{Field: f, Message: fmt.Sprintf(
			"%s names %s again, as %s did: report each package once.", f, quote(p), first.field(firstSub))}
	}
	seen[p] = at
	return nil
}

// ValidPackage reports whether p is a package name as Android and dpkg
// write them: 1 to MaxPackage letters, digits, '.', '_', '-' and '+'.
func ValidPackage(p string) bool {
	if p == "" || len(p) > MaxPackage {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == '-', c == '+':
		default:
			return false
		}
	}
	return true
}

// Validate checks a command result: a known status and at most MaxOutput
// bytes of output. The error is an *InputError naming the field.
func (r *CommandResult) Validate() error {
	if ie := oneOf("status", r.Status, ResultSucceeded, ResultFailed, ResultUnsupported); ie != nil {
		return ie
	}
	if len(r.Output) > MaxOutput {
		return &InputError{Field: "output", Message: fmt.Sprintf("output is longer than %d bytes.", MaxOutput)}
	}
	return nil
}

// CleanOutput makes command output safe to keep: invalid UTF-8 and control
// characters other than tab, newline and carriage return become U+FFFD,
// and output longer than MaxOutput is cut at a character boundary and
// ends with "…". Clean output stays as it is.
func CleanOutput(s string) string {
	clean := func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || !unicode.IsControl(r) {
			return r
		}
		return utf8.RuneError
	}
	if strings.IndexFunc(s, func(r rune) bool { return clean(r) != r }) >= 0 || !utf8.ValidString(s) {
		s = strings.Map(clean, s) // Map also replaces invalid UTF-8 with U+FFFD
	}
	if len(s) <= MaxOutput {
		return s
	}
	const ellipsis = "…"
	cut := MaxOutput - len(ellipsis)
	for !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

func checkProtocol(v int) *InputError {
	switch v {
	case Version:
		return nil
	case 0:
		return &InputError{Field: "protocol", Message: fmt.Sprintf(
			"protocol is missing; this server speaks protocol %d.", Version)}
	}
	return &InputError{Field: "protocol", Message: fmt.Sprintf(
		"Protocol version %d is not supported; this server speaks %d.", v, Version)}
}

func required(field, s string, max int) *InputError {
	if s == "" {
		return &InputError{Field: field, Message: field + " is required."}
	}
	return text(field, s, max)
}

// text checks an optional string: valid UTF-8, at most max bytes, no
// control characters.
func text(field, s string, max int) *InputError {
	if fault := textFault(s, max); fault != "" {
		return &InputError{Field: field, Message: field + " " + fault}
	}
	return nil
}

// textFault says what is wrong with a string, "" if nothing is.
func textFault(s string, max int) string {
	if len(s) > max {
		return fmt.Sprintf("is longer than %d bytes.", max)
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8."
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("contains the control character %U; send plain text.", r)
	}
	return ""
}

func oneOf(field, s string, allowed ...string) *InputError {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	q := make([]string, len(allowed))
	for i, a := range allowed {
		q[i] = fmt.Sprintf("%q", a)
	}
	list := strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	if s == "" {
		return &InputError{Field: field, Message: fmt.Sprintf("%s is required: %s.", field, list)}
	}
	return &InputError{Field: field, Message: fmt.Sprintf("%s must be %s, not %s.", field, list, quote(s))}
}

func firstOf(errs ...*InputError) *InputError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
