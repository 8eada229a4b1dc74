package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

func (a *app) policiesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "Create, edit, assign and inspect policies, and see a device's effective policy",
		Long: `Policies are versioned configurations (Wi-Fi networks, CA certificates, app
rules, kiosk app, password rules, restrictions, tracking, check-in interval)
assigned to accounts, folders, groups and devices. Every edit of the
settings makes a new version. Secrets (Wi-Fi passwords, EAP client keys)
are write-only: the server answers only whether one is set.`,
	}
	cmd.AddCommand(a.policiesListCmd(), a.policiesShowCmd(), a.policiesCreateCmd(), a.policiesEditCmd(),
		a.policiesAssignCmd(), a.policiesVersionsCmd(), a.policiesEffectiveCmd(), a.policiesDeleteCmd())
	return cmd
}

func (a *app) policiesListCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the policies of an account and the accounts below it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ps, err := c.Policies(cmd.Context(), account)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, ps, 0, func(p *steward.Policy) string { return p.ID })
			}
			t := newTable(a.stdout, "ID", "NAME", "VERSION", "TARGETS", "ACCOUNT", "UPDATED")
			for _, p := range ps {
				t.row(p.ID, p.Name, strconv.Itoa(p.CurrentVersion), targetsText(p.Targets), p.AccountID, when(p.UpdatedAt))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the account (default: yours)")
	return cmd
}

func targetsText(ts []steward.Target) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Kind) + ":" + t.ID
	}
	return strings.Join(out, " ")
}

func (a *app) policiesShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show POLICY",
		Short: "Show a policy: its targets and current settings",
		Long: `Show a policy: its targets and its current settings, as JSON (the form
'policies edit' reads). Secrets show only as password_set / client_key_set.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.Policy(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			if err := keyValues(a.stdout, "id", d.ID, "name", d.Name, "description", d.Description, "account", d.AccountID,
				"version", strconv.Itoa(d.CurrentVersion), "updated", when(d.UpdatedAt)); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "\nTargets:")
			t := newTable(a.stdout, "KIND", "ID", "NAME")
			for _, n := range d.NamedTargets {
				name := n.Name
				if n.Missing {
					name = "(deleted)"
				}
				t.row(string(n.Kind), n.ID, name)
			}
			if err := t.flush(); err != nil {
				return err
			}
			for _, ca := range d.Settings.CACerts {
				if ca.CertInfo != nil && (ca.Expired || ca.Expiring) {
					state := "expires"
					if ca.Expired {
						state = "expired"
					}
					fmt.Fprintf(a.stdout, "\nWarning: CA certificate %q %s on %s.\n", ca.Name, state, when(ca.NotAfter))
				}
			}
			fmt.Fprintln(a.stdout, "\nSettings:")
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(d.Settings)
		},
	}
}

// policyFile reads the JSON document a create or edit takes (- for
// standard input), refusing unknown fields.
func (a *app) policyFile(path string, v any) error {
	var r io.Reader
	if path == "-" {
		r = a.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func (a *app) policiesCreateCmd() *cobra.Command {
	var account, file, name, description string
	cmd := &cobra.Command{
		Use:   "create --file FILE",
		Short: "Create a policy from a JSON file",
		Long: `Create a policy from a JSON file (- reads standard input):

  {"name": "Warehouse", "description": "…",
   "settings": {"wifi": [{"ssid": "Office", "security": "wpa2_personal", "password": "…"}],
                "checkin_interval_seconds": 600},
   "targets": [{"kind": "group", "id": "01j…"}]}

--name and --description override the file's. An invalid setting is
refused with the exact field (wifi[0].password, ca_certs[1].pem, …).`,
		Example: `  stewardctl policies create --file warehouse.json --account 01j…
  stewardctl policies create --name "Empty" --file - <<< '{}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var in client.PolicyInput
			if err := a.policyFile(file, &in); err != nil {
				return err
			}
			if name != "" {
				in.Name = name
			}
			if description != "" {
				in.Description = description
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.CreatePolicy(cmd.Context(), account, in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			return keyValues(a.stdout, "policy", d.ID, "name", d.Name, "version", strconv.Itoa(d.CurrentVersion),
				"targets", targetsText(d.Targets))
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the account that owns it (default: yours)")
	cmd.Flags().StringVar(&file, "file", "", "the JSON file (- for standard input)")
	cmd.Flags().StringVar(&name, "name", "", "its name")
	cmd.Flags().StringVar(&description, "description", "", "its description")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func (a *app) policiesEditCmd() *cobra.Command {
	var file, name, description string
	cmd := &cobra.Command{
		Use:   "edit POLICY [--file FILE]",
		Short: "Save new settings as the next version, or rename a policy",
		Long: `Edit a policy. --file reads a JSON file (- for standard input) like the one
'policies create' takes, without targets: its settings replace the
current ones whole and become the next version. A network's "password"
or "client_key_pem" left out keeps the stored value; "" clears it.
--name and --description change those alone.`,
		Example: `  stewardctl policies show 01j… --json | jq '{settings}' > p.json   # edit p.json
  stewardctl policies edit 01j… --file p.json
  stewardctl policies edit 01j… --name "Warehouse scanners"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.ExactArgs(1)(cmd, args); err != nil {
				return err
			}
			if file == "" && !cmd.Flags().Changed("name") && !cmd.Flags().Changed("description") {
				return errors.New("give --file, --name or --description")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var in client.PolicyUpdate
			if file != "" {
				if err := a.policyFile(file, &in); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("name") {
				in.Name = &name
			}
			if cmd.Flags().Changed("description") {
				in.Description = &description
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.UpdatePolicy(cmd.Context(), args[0], in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			return keyValues(a.stdout, "policy", d.ID, "name", d.Name, "version", strconv.Itoa(d.CurrentVersion))
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the JSON file (- for standard input)")
	cmd.Flags().StringVar(&name, "name", "", "a new name")
	cmd.Flags().StringVar(&description, "description", "", "a new description")
	return cmd
}

func (a *app) policiesAssignCmd() *cobra.Command {
	var none bool
	cmd := &cobra.Command{
		Use:   "assign POLICY KIND:ID...",
		Short: "Set what a policy targets: accounts, folders, groups and devices",
		Long: `Set what a policy targets, replacing its targets: account:ID (the account
and everything below it), folder:ID, group:ID or device:ID, inside the
policy's account. --none removes every target.`,
		Example: `  stewardctl policies assign 01j… group:01j… device:01j…
  stewardctl policies assign 01j… --none`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MinimumNArgs(1)(cmd, args); err != nil {
				return err
			}
			if none == (len(args) > 1) {
				return errors.New("give targets as KIND:ID, or --none")
			}
			_, err := parseTargets(args[1:])
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets(args[1:])
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.SetPolicyTargets(cmd.Context(), args[0], targets)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			t := newTable(a.stdout, "KIND", "ID", "NAME")
			for _, n := range d.NamedTargets {
				t.row(string(n.Kind), n.ID, n.Name)
			}
			return t.flush()
		},
	}
	cmd.Flags().BoolVar(&none, "none", false, "remove every target")
	return cmd
}

// parseTargets reads KIND:ID arguments.
func parseTargets(args []string) ([]steward.Target, error) {
	targets := []steward.Target{}
	for _, s := range args {
		kind, id, ok := strings.Cut(s, ":")
		if !ok || !steward.TargetKind(kind).Valid() || id == "" {
			return nil, fmt.Errorf("%q is not KIND:ID with a kind of account, folder, group or device", s)
		}
		targets = append(targets, steward.Target{Kind: steward.TargetKind(kind), ID: id})
	}
	return targets, nil
}

func (a *app) policiesVersionsCmd() *cobra.Command {
	var from int
	cmd := &cobra.Command{
		Use:   "versions POLICY [VERSION]",
		Short: "List a policy's versions, or show one with what changed",
		Long: `List a policy's versions, newest first. With VERSION, show what changed in
it since the version before (or since --from; 0 is the empty policy).`,
		Example: `  stewardctl policies versions 01j…
  stewardctl policies versions 01j… 3 --from 1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.RangeArgs(1, 2)(cmd, args); err != nil {
				return err
			}
			if len(args) == 2 {
				if n, err := strconv.Atoi(args[1]); err != nil || n < 1 {
					return fmt.Errorf("%q is not a version number", args[1])
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				vs, err := c.PolicyVersions(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if a.json {
					return printList(a, vs, 0, func(v *steward.PolicyVersion) string { return strconv.Itoa(v.Version) })
				}
				t := newTable(a.stdout, "VERSION", "CREATED", "BY")
				for _, v := range vs {
					t.row(strconv.Itoa(v.Version), when(v.CreatedAt), v.CreatedByEmail)
				}
				return t.flush()
			}
			n, _ := strconv.Atoi(args[1])
			var fromp *int
			if cmd.Flags().Changed("from") {
				fromp = &from
			}
			d, err := c.PolicyVersion(cmd.Context(), args[0], n, fromp)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			if err := keyValues(a.stdout, "version", strconv.Itoa(d.Version), "created", when(d.CreatedAt), "by", d.CreatedByEmail); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "\nChanges:")
			t := newTable(a.stdout, "SETTING", "CHANGE", "BEFORE", "AFTER")
			for _, ch := range d.Changes {
				change := ch.Change
				if ch.SecretChanged {
					change += " (secret)"
				}
				t.row(ch.Key, change, string(ch.Before), string(ch.After))
			}
			return t.flush()
		},
	}
	cmd.Flags().IntVar(&from, "from", 0, "compare with this version (0: the empty policy)")
	return cmd
}

func (a *app) policiesEffectiveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "effective DEVICE",
		Short: "Show a device's effective policy and where each setting came from",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			e, err := c.EffectivePolicy(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(e)
			}
			version := e.Version
			if version == "" {
				version = "(no policy covers this device)"
			}
			if err := keyValues(a.stdout, "device", e.DeviceID, "version", version); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)
			t := newTable(a.stdout, "SETTING", "POLICY", "VERSION", "THROUGH")
			for _, s := range e.Sources {
				through := string(s.Target.Kind) + " " + s.TargetName
				t.row(s.Key, s.PolicyName, strconv.Itoa(s.Version), through)
			}
			return t.flush()
		},
	}
}

func (a *app) policiesDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete POLICY",
		Short: "Delete a policy with every version and its secrets",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.DeletePolicy(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "Deleted.")
			return nil
		},
	}
}
