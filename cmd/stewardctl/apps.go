package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

func (a *app) appsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apps",
		Short: "Upload, list, show, share, assign and rescan the apps of your private store",
	}
	cmd.AddCommand(a.appsUploadCmd(), a.appsListCmd(), a.appsShowCmd(), a.appsShareCmd(), a.appsAssignCmd(), a.appsRescanCmd())
	return cmd
}

func (a *app) appsUploadCmd() *cobra.Command {
	var account, override string
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Upload an APK; it stays quarantined until scanned clean",
		Example: `  stewardctl apps upload timesheet-2.4.apk --account 01j…
  stewardctl apps upload timesheet-2.5.apk --signer-override "Rotated the release key (ticket 4711)"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			v, err := c.UploadApp(cmd.Context(), account, f, override)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(v)
			}
			pkg := ""
			if v.Info != nil {
				pkg = v.Info.Package
			}
			return keyValues(a.stdout, "app", v.AppID, "version", v.ID, "package", pkg,
				"version code", strconv.FormatInt(v.VersionCode, 10), "sha256", v.SHA256, "status", string(v.Status))
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the account whose store receives it (default: yours)")
	cmd.Flags().StringVar(&override, "signer-override", "", "your reason to accept a signing certificate different from earlier versions'")
	return cmd
}

func (a *app) appsListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List your store's apps and those shared with you",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			apps, err := c.Apps(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, apps, 0, func(x *steward.StoreApp) string { return x.ID })
			}
			t := newTable(a.stdout, "ID", "PACKAGE", "NAME", "NEWEST", "STATUS", "ACCOUNT", "SHARED", "UPDATED")
			for _, x := range apps {
				newest, status := "-", "-"
				if v := x.Latest; v != nil {
					newest, status = strconv.FormatInt(v.VersionCode, 10), string(v.Status)
					if v.VersionName != "" {
						newest = v.VersionName + " (" + newest + ")"
					}
				}
				t.row(x.ID, x.Package, x.Name, newest, status, x.AccountID, strconv.FormatBool(x.Shared), when(x.UpdatedAt))
			}
			return t.flush()
		},
	}
}

func (a *app) appsShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show APP",
		Short: "Show an app: its versions with their scan status and reasons, and its assignments",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.App(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			if err := keyValues(a.stdout, "id", d.ID, "package", d.Package, "name", d.Name, "account", d.AccountID,
				"shared", strconv.FormatBool(d.Shared)); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "\nVersions:")
			t := newTable(a.stdout, "ID", "CODE", "NAME", "STATUS", "UPLOADED", "SIGNER", "REASONS")
			for _, v := range d.Versions {
				signer := ""
				if v.Info != nil && len(v.Info.Signers) > 0 {
					signer = v.Info.Signers[0].CertSHA256
				}
				t.row(v.ID, strconv.FormatInt(v.VersionCode, 10), v.VersionName, string(v.Status), when(v.UploadedAt),
					signer, strings.Join(v.Reasons, "; "))
			}
			if err := t.flush(); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "\nAssignments:")
			t = newTable(a.stdout, "ID", "TARGET", "TARGET ID", "NAME", "MODE", "CREATED")
			for _, as := range d.Assignments {
				target := as.Target()
				t.row(as.ID, string(target.Kind), target.ID, as.TargetName, string(as.Mode), when(as.CreatedAt))
			}
			return t.flush()
		},
	}
}

func (a *app) appsAssignCmd() *cobra.Command {
	var in client.AppAssign
	var required bool
	cmd := &cobra.Command{
		Use:   "assign APP",
		Short: "Assign an app to an account (and everything below it), a folder, a group or a device",
		Long: `Assign an app to one target: an account (and everything below it), a folder
or a group of a client account, or one device. --required installs it on the
devices it reaches once a version is clean, and on devices that enroll
later; otherwise it is only offered.`,
		Example: `  stewardctl apps assign 01j… --account 01j… --required
  stewardctl apps assign 01j… --folder 01j… --required
  stewardctl apps assign 01j… --group 01j…
  stewardctl apps assign 01j… --device 01j…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			in.Mode = steward.AssignAvailable
			if required {
				in.Mode = steward.AssignRequired
			}
			as, err := c.AssignApp(cmd.Context(), args[0], in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(as)
			}
			t := as.Target()
			return keyValues(a.stdout, "assignment", as.ID, string(t.Kind), t.ID, "mode", string(as.Mode))
		},
	}
	cmd.Flags().StringVar(&in.AccountID, "account", "", "assign to this account and everything below it")
	cmd.Flags().StringVar(&in.FolderID, "folder", "", "assign to the devices of this folder")
	cmd.Flags().StringVar(&in.GroupID, "group", "", "assign to the devices of this group")
	cmd.Flags().StringVar(&in.DeviceID, "device", "", "assign to this device")
	cmd.Flags().BoolVar(&required, "required", false, "install it (default: only offer it)")
	cmd.MarkFlagsOneRequired("account", "folder", "group", "device")
	cmd.MarkFlagsMutuallyExclusive("account", "folder", "group", "device")
	return cmd
}

func (a *app) appsShareCmd() *cobra.Command {
	var off bool
	cmd := &cobra.Command{
		Use:   "share APP",
		Short: "Share an app with every account below yours, or stop sharing it",
		Long: `Share an app with every account below its owner: they see it and may
assign it to their own accounts and devices. --off stops sharing it; the
assignments already made below stay until removed.`,
		Example: `  stewardctl apps share 01j…
  stewardctl apps share 01j… --off`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			x, err := c.ShareApp(cmd.Context(), args[0], !off)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(x)
			}
			return keyValues(a.stdout, "app", x.ID, "package", x.Package, "shared", strconv.FormatBool(x.Shared))
		},
	}
	cmd.Flags().BoolVar(&off, "off", false, "stop sharing it")
	return cmd
}

func (a *app) appsRescanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rescan APP VERSION",
		Short: "Put a quarantined version back in the scan queue",
		Long: `Put a quarantined version back in the scan queue: one kept as unscannable
(over the scanner's size limit, or after every scan attempt failed) once the
scanner is fixed, or one waiting for its next attempt. The scan job scans it
within seconds; 'stewardctl apps show APP' then shows the outcome.`,
		Example: `  stewardctl apps rescan 01j… 01j…`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			v, err := c.RescanAppVersion(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(v)
			}
			return keyValues(a.stdout, "version", v.ID, "version code", strconv.FormatInt(v.VersionCode, 10),
				"status", string(v.Status)+", waiting for its scan")
		},
	}
}
