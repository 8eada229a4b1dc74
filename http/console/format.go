package console

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// ago says how long before now t was, in the largest unit that fits:
// "just now", "5 min ago", "3 h ago", "12 days ago", then the date.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
	return t.UTC().Format("2006-01-02")
}

// duration writes seconds as days, hours and minutes: "3 d 4 h", "2 h 5 min".
func duration(s int64) string {
	d := time.Duration(s) * time.Second
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	}
	return fmt.Sprintf("%d min", mins)
}

// eventSummary describes a history entry in a line; what it cannot read it
// shows as the raw detail.
func eventSummary(e *steward.DeviceEvent) string {
	var m map[string]any
	if len(e.Detail) == 0 || json.Unmarshal(e.Detail, &m) != nil {
		return string(e.Detail)
	}
	str := func(k string) string {
		if v, ok := m[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	list := func(k string) string {
		vs, _ := m[k].([]any)
		out := make([]string, 0, len(vs))
		for _, v := range vs {
			out = append(out, fmt.Sprint(v))
		}
		return strings.Join(out, ", ")
	}
	switch e.Kind {
	case "enrolled":
		if m["reenrolled"] == true {
			return "Enrolled again from " + str("ip") + "; the old credential stopped working."
		}
		return fmt.Sprintf("Enrolled as %s with code %s… from %s.", ownershipName(steward.Ownership(str("ownership"))), str("code"), str("ip"))
	case "inventory":
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			pair, _ := m[k].([]any)
			if len(pair) == 2 {
				from, to, name := fmt.Sprint(pair[0]), fmt.Sprint(pair[1]), strings.ReplaceAll(k, "_", " ")
				switch {
				case from == "":
					parts = append(parts, name+": "+to)
				case to == "":
					parts = append(parts, name+": "+from+" → none")
				default:
					parts = append(parts, name+": "+from+" → "+to)
				}
			}
		}
		return strings.Join(parts, "\n")
	case "apps":
		if _, full := m["after"]; full {
			return "App list: " + str("before") + " → " + str("after") + " apps."
		}
		var parts []string
		if s := list("installed"); s != "" {
			parts = append(parts, "installed or updated "+s)
		}
		if s := list("removed"); s != "" {
			parts = append(parts, "removed "+s)
		}
		return strings.Join(parts, "; ")
	case "command":
		return commandName(steward.CommandType(str("type"))) + ": " + str("status")
	case "refused":
		return "Refused under the BYOD rules (" + str("count") + "): " + list("fields")
	case "credential":
		if by := str("revoked_by"); by != "" {
			return "Credential revoked by " + by + "."
		}
		if m["rotated"] == true {
			return "The device rotated its credential."
		}
	case "compliance":
		s := complianceLabels[steward.ComplianceState(str("state"))][0] + " on policy version " + str("version")
		if m["stale"] == true {
			s += " (not the current version)"
		}
		if f := list("failed"); f != "" {
			s += "; failed: " + f
		}
		return s + "."
	case "disabled", "enabled":
		s := strings.TrimSpace(str("reason"))
		if by := str("by"); by != "" {
			s = strings.TrimSpace(s + " (" + by + ")")
		}
		return s
	}
	return string(e.Detail)
}

// ownershipName is how the console names an ownership.
func ownershipName(o steward.Ownership) string {
	if o == steward.OwnershipPersonal {
		return "personal (BYOD)"
	}
	return string(o)
}

// formatBytes writes a size in the largest binary unit that keeps it at
// least 1: 6.4 MiB.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}
