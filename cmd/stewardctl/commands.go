package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

func (a *app) commandsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "commands",
		Aliases: []string{"command", "cmd"},
		Short:   "Send commands to devices, follow and cancel them",
	}
	cmd.AddCommand(a.commandsSendCmd(), a.commandsListCmd(), a.commandsShowCmd(), a.commandsCancelCmd())
	return cmd
}

// commandTypeNames lists the command types for help texts.
func commandTypeNames() string {
	names := make([]string, len(steward.CommandTypes))
	for i, t := range steward.CommandTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// wrap breaks text into lines of at most width characters, between words.
func wrap(text string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && line+1+len(w) > width {
			b.WriteByte('\n')
			line = 0
		} else if i > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// appCommands take a package name.
var appCommands = []steward.CommandType{steward.CmdInstallApp, steward.CmdUpdateApp, steward.CmdUninstallApp, steward.CmdClearAppCache}

// payloadFlags are the ways to give a command's payload.
type payloadFlags struct {
	raw, message, title, pkg string
}

// build returns the payload for a command of type t, refusing flags that
// do not fit it.
func (p payloadFlags) build(t steward.CommandType) (json.RawMessage, error) {
	if p.raw != "" {
		if p.message != "" || p.title != "" || p.pkg != "" {
			return nil, errors.New("give --payload, or --message, --title and --package, not both")
		}
		if !json.Valid([]byte(p.raw)) {
			return nil, errors.New(`--payload is not valid JSON: give an object such as '{"package":"org.example.app"}'`)
		}
		return json.RawMessage(p.raw), nil
	}
	switch {
	case p.pkg != "":
		if !slices.Contains(appCommands, t) || p.message != "" || p.title != "" {
			return nil, fmt.Errorf("--package goes with install_app, update_app, uninstall_app and clear_app_cache, alone")
		}
		return json.Marshal(struct {
			Package string `json:"package"`
		}{p.pkg})
	case t == steward.CmdSendMessage && (p.message != "" || p.title != ""):
		if p.message == "" {
			return nil, errors.New("--title needs --message: the message's text")
		}
		return json.Marshal(struct {
			Title string `json:"title,omitempty"`
			Body  string `json:"body"`
		}{p.title, p.message})
	case t == steward.CmdLock && p.message != "" && p.title == "":
		return json.Marshal(struct {
			Message string `json:"message"`
		}{p.message})
	case p.message != "" || p.title != "":
		return nil, errors.New("--message goes with send_message (with an optional --title) and lock")
	}
	return nil, nil
}

// parseTTL reads a duration such as 90m, 24h or 7d.
func parseTTL(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--ttl %q: give a positive duration such as 90m, 24h or 7d", v)
	}
	return d, nil
}

func (a *app) commandsSendCmd() *cobra.Command {
	var (
		typ       string
		devices   []string
		f         steward.DeviceFilter
		ownership string
		online    bool
		payload   payloadFlags
		ttl       string
		yes       bool
	)
	cmd := &cobra.Command{
		Use:   "send --type TYPE (--device ID … | --account ACCOUNT [--query TEXT …]) [--payload JSON | --message TEXT [--title TEXT] | --package NAME] [--ttl 24h]",
		Short: "Send a command to devices, named or selected by a filter",
		Long: `Send a command to devices: name them with --device (repeat it, or separate
IDs with commas), or select every device of an account's subtree matching
--query, --ownership, --os, --online, --folder and --group (a bulk command).

` + wrap("Types: "+commandTypeNames()+".", 78) + `

install_app, update_app, uninstall_app and clear_app_cache need --package;
send_message needs --message (and takes --title); lock takes an optional
--message for the lock screen. --payload gives the JSON payload itself.

A command waits for its device for --ttl (default 7 days). A wipe erases the
device and everything Steward holds about it, and is refused without --yes.`,
		Example: `  stewardctl commands send --type sync --device 01j…
  stewardctl commands send --type send_message --account 01j… --title IT --message "Restart tonight, please"
  stewardctl commands send --type install_app --package firefox-esr --account 01j… --ownership company --ttl 24h
  stewardctl commands send --type reboot --folder 01j…
  stewardctl commands send --type wipe --device 01j… --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account", "type": "--type", "payload": "--payload, --message or --package",
				"payload.package": "--package", "payload.body": "--message (and --title)", "ttl_seconds": "--ttl",
				"device_ids": "--device", "filter": "the devices selected (--account, --query, --ownership, --os, --online)",
				"confirm": "--yes", "ownership": "--ownership"}
			t := steward.CommandType(typ)
			if !slices.Contains(steward.CommandTypes, t) {
				return fmt.Errorf("--type %q: give one of %s", typ, commandTypeNames())
			}
			in := client.CommandSend{Type: t, Confirm: yes}
			var err error
			if in.Payload, err = payload.build(t); err != nil {
				return err
			}
			if in.TTL, err = parseTTL(ttl); err != nil {
				return err
			}
			filtered := slices.ContainsFunc([]string{"account", "query", "ownership", "os", "online", "folder", "group"}, cmd.Flags().Changed)
			switch {
			case len(devices) > 0 && filtered:
				return errors.New("name devices with --device, or select them with --account, --query, --ownership, --os and --online, not both")
			case len(devices) > 0:
				in.DeviceIDs = devices
			case filtered:
				if err := filterFromFlags(cmd, &f, ownership, online); err != nil {
					return err
				}
				in.Filter = &f
			default:
				return withHint(errors.New("say which devices get the command"),
					"Name them with --device ID, or select them with --account ACCOUNT (every device of its subtree) and --query, --ownership, --os or --online.")
			}
			if t == steward.CmdWipe && !yes {
				target := "device " + strings.Join(devices, "")
				switch {
				case in.Filter != nil:
					target = "every device the filter selects"
				case len(devices) > 1:
					target = fmt.Sprintf("%d devices", len(devices))
				}
				return withHint(fmt.Errorf("not wiping %s without --yes: a wipe erases the device, and once it confirms, Steward deletes everything it holds about it (inventory, apps, history, commands); it cannot be undone", target),
					"Check the devices with 'stewardctl devices show' or 'devices list', then repeat the command with --yes.")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			cmds, err := c.SendCommand(cmd.Context(), in)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, cmds, 0, func(c *steward.Command) string { return c.ID })
			}
			delivered := 0
			for _, c := range cmds {
				if c.Status == steward.CommandDelivered {
					delivered++
				}
			}
			switch {
			case len(cmds) == 1:
				now := ""
				if delivered == 1 {
					now = " It was pushed to the device, which is connected."
				}
				fmt.Fprintf(a.stdout, "Queued %s for device %s as command %s.%s\nFollow it with: stewardctl commands show %s\n",
					t, cmds[0].DeviceID, cmds[0].ID, now, cmds[0].ID)
			case len(cmds) > 1:
				fmt.Fprintf(a.stdout, "Queued %s for %d devices (bulk %s); %d pushed at once to connected devices.\nFollow them with: stewardctl commands list --bulk %s\n",
					t, len(cmds), cmds[0].BulkID, delivered, cmds[0].BulkID)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&typ, "type", "t", "", "the command: "+commandTypeNames()+" (required)")
	fl.StringSliceVarP(&devices, "device", "d", nil, "a device ID; repeat it or separate IDs with commas")
	deviceFilterFlags(cmd, &f, &ownership, &online)
	fl.StringVar(&payload.raw, "payload", "", "the command's JSON payload")
	fl.StringVarP(&payload.message, "message", "m", "", "send_message: the text to show; lock: a lock-screen message")
	fl.StringVar(&payload.title, "title", "", "send_message: the message's title")
	fl.StringVar(&payload.pkg, "package", "", "the app commands: the package name")
	fl.StringVar(&ttl, "ttl", "", "how long the command waits for its device: 90m, 24h, 7d… (default 7d, at most 90d)")
	fl.BoolVarP(&yes, "yes", "y", false, "confirm a wipe")
	_ = cmd.MarkFlagRequired("type")
	return cmd
}

// commandStatuses are the valid --status values.
var commandStatuses = []steward.CommandStatus{steward.CommandQueued, steward.CommandDelivered, steward.CommandAcknowledged,
	steward.CommandSucceeded, steward.CommandFailed, steward.CommandExpired, steward.CommandCancelled}

func (a *app) commandsListCmd() *cobra.Command {
	var f steward.CommandFilter
	var status string
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List commands, newest first",
		Example: `  stewardctl commands list --device 01j…
  stewardctl commands list --bulk 01j… --status failed
  stewardctl commands list --account 01j… --all --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			f.Status = steward.CommandStatus(status)
			if status != "" && !slices.Contains(commandStatuses, f.Status) {
				names := make([]string, len(commandStatuses))
				for i, s := range commandStatuses {
					names[i] = string(s)
				}
				return fmt.Errorf("--status %q: give one of %s", status, strings.Join(names, ", "))
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			var cs []*steward.Command
			next := ""
			for {
				p, err := c.CommandsPage(cmd.Context(), f)
				if err != nil {
					return err
				}
				cs, next = append(cs, p.Items...), p.Next
				if !all || next == "" {
					break
				}
				f.Before = next
			}
			if a.json {
				return a.printJSON(listJSON[*steward.Command]{Items: nonNil(cs), Next: next})
			}
			if len(cs) == 0 {
				fmt.Fprintln(a.stdout, "No commands match.")
				return nil
			}
			t := newTable(a.stdout, "ID", "TYPE", "DEVICE", "STATUS", "ISSUED BY", "CREATED", "FINISHED")
			for _, c := range cs {
				t.row(c.ID, string(c.Type), c.DeviceID, string(c.Status), c.IssuedByEmail, when(c.CreatedAt), whenPtr(c.FinishedAt))
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--before", next)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.DeviceID, "device", "", "only this device's commands")
	fl.StringVar(&f.BulkID, "bulk", "", "only the commands of this bulk send")
	fl.StringVar(&f.AccountID, "account", "", "only commands of this account's subtree (default: yours)")
	fl.StringVar(&status, "status", "", "only this status: queued, delivered, acknowledged, succeeded, failed, expired or cancelled")
	fl.IntVar(&f.Limit, "limit", 50, "commands per page (the server sends at most 500)")
	fl.StringVar(&f.Before, "before", "", "page: commands older than this ID")
	fl.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}

func (a *app) commandsShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show COMMAND",
		Short: "Show a command: its payload, status and the device's output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			cm, err := c.Command(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printCommand(cm)
		},
	}
}

func (a *app) printCommand(c *steward.Command) error {
	if a.json {
		return a.printJSON(c)
	}
	if err := keyValues(a.stdout,
		"ID", c.ID, "Type", string(c.Type), "Device", c.DeviceID, "Account", c.AccountID, "Bulk", c.BulkID,
		"Status", string(c.Status), "Payload", string(c.Payload), "Issued by", c.IssuedByEmail,
		"Created", when(c.CreatedAt), "Delivered", whenPtr(c.DeliveredAt), "Acknowledged", whenPtr(c.AckedAt),
		"Finished", whenPtr(c.FinishedAt), "Expires", when(c.ExpiresAt),
	); err != nil {
		return err
	}
	if out := strings.TrimRight(c.Output, "\n"); out != "" {
		fmt.Fprintln(a.stdout, "Output:")
		for _, line := range strings.Split(out, "\n") {
			fmt.Fprintln(a.stdout, "    "+clean(line))
		}
	}
	return nil
}

func (a *app) commandsCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel COMMAND",
		Short: "Cancel a command its device has not acknowledged yet",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			cm, err := c.CancelCommand(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(cm)
			}
			fmt.Fprintf(a.stdout, "Cancelled command %s (%s for device %s).\n", cm.ID, cm.Type, cm.DeviceID)
			return nil
		},
	}
}
