package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) devicesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "devices",
		Aliases: []string{"device", "dev"},
		Short:   "List and inspect enrolled devices",
	}
	cmd.AddCommand(a.devicesListCmd(), a.devicesShowCmd(), a.devicesRevokeCmd(), a.devicesLocationCmd())
	return cmd
}

// deviceFilterFlags adds the flags that select devices, shared by
// 'devices list' and 'commands send'. ownership and online receive the
// flags' raw values; filterFromFlags puts them into f after parsing.
func deviceFilterFlags(cmd *cobra.Command, f *steward.DeviceFilter, ownership *string, online *bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.AccountID, "account", "", "only devices of this account's subtree (default: yours)")
	fl.StringVarP(&f.Query, "query", "q", "", "only devices whose name, support ID, serial or hardware ID contains this text")
	fl.StringVar(ownership, "ownership", "", "only company or personal devices")
	fl.StringVar(&f.OSVersion, "os", "", `only devices reporting this OS version exactly, e.g. "Debian GNU/Linux 12 (bookworm)"`)
	fl.BoolVar(online, "online", false, "only devices online now (--online=false: only those offline)")
	fl.StringVar(&f.FolderID, "folder", "", "only devices in this folder")
	fl.StringVar(&f.GroupID, "group", "", "only devices in this group")
}

// filterFromFlags completes f from the flags deviceFilterFlags added.
func filterFromFlags(cmd *cobra.Command, f *steward.DeviceFilter, ownership string, online bool) error {
	f.Ownership = steward.Ownership(ownership)
	if f.Ownership != "" && !f.Ownership.Valid() {
		return fmt.Errorf("--ownership %q: give company or personal", ownership)
	}
	if cmd.Flags().Changed("online") {
		f.Online = &online
	}
	return nil
}

func (a *app) devicesListCmd() *cobra.Command {
	var f steward.DeviceFilter
	var ownership string
	var online, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the devices of your subtree",
		Example: `  stewardctl devices list
  stewardctl devices list --account 01j… --ownership personal --online
  stewardctl devices list -q "front desk" --json
  stewardctl devices list --os "Debian GNU/Linux 12 (bookworm)" --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account", "ownership": "--ownership"}
			if err := filterFromFlags(cmd, &f, ownership, online); err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			q := f
			if all {
				// Online is not stored: the server looks for matches through
				// a bounded number of pages, and its short answer ends the
				// listing. Read every page unfiltered and keep the matches
				// here, which is exact.
				q.Online = nil
			}
			var ds []*steward.Device
			next := ""
			for {
				p, err := c.DevicesPage(cmd.Context(), q)
				if err != nil {
					return err
				}
				ds, next = append(ds, p.Items...), p.Next
				if !all || next == "" {
					break
				}
				q.After = next
			}
			if all && f.Online != nil {
				kept := ds[:0]
				for _, d := range ds {
					if d.Online == *f.Online {
						kept = append(kept, d)
					}
				}
				ds = kept
			}
			if a.json {
				return a.printJSON(listJSON[*steward.Device]{Items: nonNil(ds), Next: next})
			}
			if len(ds) == 0 {
				fmt.Fprintln(a.stdout, "No devices match.")
				a.moreHint("--after", next)
				return nil
			}
			t := newTable(a.stdout, "ID", "SUPPORT ID", "NAME", "OWNERSHIP", "OS", "APPS", "LAST SEEN", "STATE")
			for _, d := range ds {
				t.row(d.ID, d.SupportID, d.Name, string(d.Ownership), d.Inventory.OSVersion, strconv.Itoa(d.AppCount),
					whenPtr(d.LastSeenAt), deviceState(d))
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--after", next)
			return nil
		},
	}
	deviceFilterFlags(cmd, &f, &ownership, &online)
	fl := cmd.Flags()
	fl.IntVar(&f.Limit, "limit", 50, "devices per page (the server sends at most 500)")
	fl.StringVar(&f.After, "after", "", "page: devices after this ID")
	fl.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}

// deviceState is online, offline or disabled with its reason.
func deviceState(d *steward.Device) string {
	switch {
	case !d.AgentEnabled && d.DisabledReason != "":
		return "disabled: " + d.DisabledReason
	case !d.AgentEnabled:
		return "disabled"
	case d.Online:
		return "online"
	}
	return "offline"
}

// deviceDetail is what 'devices show --json' prints: the device, its
// latest commands and, when asked for, its apps and history.
type deviceDetail struct {
	Device         *steward.Device         `json:"device"`
	RecentCommands []*steward.Command      `json:"recent_commands"`
	Apps           *[]steward.App          `json:"apps,omitempty"`
	History        *[]*steward.DeviceEvent `json:"history,omitempty"`
}

// recentCommands is how many commands 'devices show' lists.
const recentCommands = 5

func (a *app) devicesShowCmd() *cobra.Command {
	var apps bool
	var history int
	cmd := &cobra.Command{
		Use:   "show DEVICE",
		Short: "Show a device: its inventory, app count and latest commands",
		Long: `Show a device: its inventory, how many apps it has and its latest commands.
--apps lists the apps and --history the latest events of its history. With
--json the output is {"device": …, "recent_commands": […]} plus "apps" and
"history" when asked for.`,
		Example: `  stewardctl devices show 01j…
  stewardctl devices show 01j… --apps --history
  stewardctl devices show 01j… --history=100 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			det := deviceDetail{}
			if det.Device, err = c.Device(ctx, args[0]); err != nil {
				return err
			}
			if det.RecentCommands, err = c.Commands(ctx, steward.CommandFilter{DeviceID: det.Device.ID, Limit: recentCommands}); err != nil {
				return err
			}
			det.RecentCommands = nonNil(det.RecentCommands)
			if apps {
				l, err := c.DeviceApps(ctx, det.Device.ID)
				if err != nil {
					return err
				}
				l = nonNil(l)
				det.Apps = &l
			}
			if history > 0 {
				h, err := c.DeviceHistory(ctx, det.Device.ID, "", history)
				if err != nil {
					return err
				}
				h = nonNil(h)
				det.History = &h
			}
			if a.json {
				return a.printJSON(det)
			}
			return a.printDevice(det)
		},
	}
	cmd.Flags().BoolVar(&apps, "apps", false, "list the device's apps")
	cmd.Flags().IntVar(&history, "history", 0, "list this many of the latest history events (--history alone: 20)")
	cmd.Flags().Lookup("history").NoOptDefVal = "20"
	return cmd
}

func (a *app) printDevice(det deviceDetail) error {
	d, inv := det.Device, det.Device.Inventory
	state := deviceState(d)
	if d.LastSeenAt != nil {
		state += ", last seen " + when(*d.LastSeenAt)
	}
	osv := inv.OSVersion
	if inv.PendingOSUpdate != "" {
		osv += " (update pending: " + inv.PendingOSUpdate + ")"
	}
	appsHint := ""
	if d.AppCount > 0 && det.Apps == nil {
		appsHint = " (list them with --apps)"
	}
	platform := d.Platform
	if d.Channel != "" {
		platform = joinNonEmpty(", ", d.Platform, "via "+string(d.Channel))
	}
	refused := ""
	if d.Refusals > 0 {
		refused = fmt.Sprintf("%d items refused under the %s-device rules", d.Refusals, d.Ownership)
	}
	if err := keyValues(a.stdout,
		"ID", d.ID, "Support ID", d.SupportID, "Name", d.Name, "Account", d.AccountID,
		"Folder", d.FolderID, "Groups", strings.Join(d.GroupIDs, ", "), "Ownership", string(d.Ownership), "Platform", platform,
		"State", state, "Enrolled", when(d.EnrolledAt), "Activation code", d.ActivationCodeID,
		"Hardware", joinNonEmpty(" ", inv.Manufacturer, inv.Model), "Serial", inv.Serial, "Hardware ID", d.HardwareID,
		"OS", osv, "Patch level", inv.PatchLevel, "System", inv.SystemSignature, "IP", inv.IP,
		"SIM", joinNonEmpty(", ", prefixed("ICCID ", inv.ICCID), prefixed("IMEI ", inv.IMEI), inv.PhoneNumber),
		"Battery", battery(inv), "GPS", onOff(inv.GPSEnabled), "Agent", joinNonEmpty(", ", inv.AgentVersion, inv.AgentState),
		"Uptime", uptime(inv.UptimeSeconds), "Apps", strconv.Itoa(d.AppCount)+appsHint, "Refused data", refused,
	); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout)
	if len(det.RecentCommands) == 0 {
		fmt.Fprintln(a.stdout, "No commands yet.")
	} else {
		fmt.Fprintln(a.stdout, "Latest commands:")
		t := newTable(a.stdout, "ID", "TYPE", "STATUS", "ISSUED BY", "CREATED", "FINISHED")
		for _, c := range det.RecentCommands {
			t.row(c.ID, string(c.Type), string(c.Status), c.IssuedByEmail, when(c.CreatedAt), whenPtr(c.FinishedAt))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if det.Apps != nil {
		fmt.Fprintln(a.stdout)
		if len(*det.Apps) == 0 {
			fmt.Fprintln(a.stdout, "No apps reported.")
		} else {
			fmt.Fprintln(a.stdout, "Apps:")
			t := newTable(a.stdout, "PACKAGE", "NAME", "VERSION", "NOTES")
			for _, p := range *det.Apps {
				version := p.VersionName
				if p.VersionCode != 0 {
					version = joinNonEmpty(" ", version, "("+strconv.FormatInt(p.VersionCode, 10)+")")
				}
				t.row(p.Package, p.Name, version, joinNonEmpty(", ", cond(p.System, "system"), cond(p.WorkProfile, "work profile")))
			}
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	if det.History != nil {
		fmt.Fprintln(a.stdout)
		fmt.Fprintln(a.stdout, "History, newest first:")
		t := newTable(a.stdout, "WHEN", "EVENT", "DETAIL")
		for _, e := range *det.History {
			t.row(when(e.CreatedAt), e.Kind, shorten(string(e.Detail), 100))
		}
		return t.flush()
	}
	return nil
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func prefixed(prefix, v string) string {
	if v == "" {
		return ""
	}
	return prefix + v
}

func cond(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

func onOff(b *bool) string {
	if b == nil {
		return ""
	}
	return cond(*b, "on") + cond(!*b, "off")
}

func battery(inv steward.Inventory) string {
	if inv.BatteryLevel == nil {
		return inv.BatteryHealth
	}
	charging := ""
	if inv.BatteryCharging != nil && *inv.BatteryCharging {
		charging = "charging"
	}
	return joinNonEmpty(", ", strconv.Itoa(*inv.BatteryLevel)+"%", charging, inv.BatteryHealth)
}

func uptime(s *int64) string {
	if s == nil {
		return ""
	}
	return (time.Duration(*s) * time.Second).String()
}

// shorten cuts s to n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (a *app) devicesRevokeCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "revoke-credential DEVICE",
		Short: "Stop a lost or stolen device's credential from working; it must enroll again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.Device(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !yes {
				answer, err := a.prompt(fmt.Sprintf("Revoke the credential of %q (support ID %s)? It can only come back by enrolling again. Type yes: ", clean(d.Name), d.SupportID),
					errors.New("the device loses its access until it enrolls again with an activation code: add --yes to confirm"))
				if err != nil {
					return err
				}
				if answer != "yes" {
					return errors.New("not revoked")
				}
			}
			if err := c.RevokeDeviceCredential(cmd.Context(), d.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Revoked the credential of device %s (support ID %s). It must enroll again to be managed.\n", d.ID, d.SupportID)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
