package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) complianceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "See which devices comply with their policy, and why not",
	}
	cmd.AddCommand(a.complianceListCmd(), a.complianceShowCmd())
	return cmd
}

func (a *app) complianceListCmd() *cobra.Command {
	var f steward.ComplianceFilter
	var state string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Count the devices in each state and list those in one (non-compliant by default)",
		Long: `Count the devices of your subtree (or --account's) in each compliance state:
compliant, non_compliant, pending (no report on the current policy version
yet) and unknown (no policy and no report). Then list the devices in --state,
non-compliant by default, with the settings that failed. With --json the
output is the API's answer: {"counts": …, "items": […], "next": …}.`,
		Example: `  stewardctl compliance list
  stewardctl compliance list --account 01j… --state pending
  stewardctl compliance list --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"state": "--state"}
			f.State = steward.ComplianceState(state)
			if f.State != "" && !f.State.Valid() {
				return fmt.Errorf("--state %q: give compliant, non_compliant, pending or unknown", state)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			sum, err := c.Compliance(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(sum)
			}
			counts := make([]string, 0, len(steward.ComplianceStates))
			for _, st := range steward.ComplianceStates {
				counts = append(counts, fmt.Sprintf("%s %d", st, sum.Counts[st]))
			}
			fmt.Fprintf(a.stdout, "%d devices: %s.\n\n", sum.Total, strings.Join(counts, ", "))
			if len(sum.Items) == 0 {
				fmt.Fprintf(a.stdout, "No device is %s.\n", sum.State)
				return nil
			}
			t := newTable(a.stdout, "ID", "SUPPORT ID", "NAME", "VERSION", "WHY")
			for _, d := range sum.Items {
				why := d.Reason
				if len(d.Failing) > 0 {
					parts := make([]string, len(d.Failing))
					for i, s := range d.Failing {
						parts[i] = s.Key
						if s.Detail != "" {
							parts[i] += ": " + s.Detail
						}
					}
					why = strings.Join(parts, "; ")
				}
				t.row(d.DeviceID, d.SupportID, d.Name, d.CurrentVersion, why)
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--after", sum.Next)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.AccountID, "account", "", "the account whose subtree to judge (default: yours)")
	fl.StringVar(&state, "state", "", "list the devices in this state: compliant, non_compliant, pending or unknown (default non_compliant)")
	fl.IntVar(&f.Limit, "limit", 50, "devices per page (the server sends at most 500)")
	fl.StringVar(&f.After, "after", "", "page: devices after this ID")
	return cmd
}

func (a *app) complianceShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show DEVICE",
		Short: "Show a device's compliance and every setting of its latest policy report",
		Example: `  stewardctl compliance show 01j…
  stewardctl compliance show 01j… --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			dc, err := c.DeviceCompliance(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(dc)
			}
			fmt.Fprintf(a.stdout, "%s (%s): %s\n%s\n", clean(dc.Name), dc.SupportID, dc.State, clean(dc.Reason))
			rep := dc.Report
			if rep == nil {
				return nil
			}
			stale := ""
			if dc.Stale {
				stale = " (stale)"
			}
			fmt.Fprintf(a.stdout, "\nReport on version %s%s, applied %s, received %s:\n", clean(rep.Version), stale, when(rep.AppliedAt), when(rep.ReceivedAt))
			t := newTable(a.stdout, "SETTING", "STATUS", "DETAIL")
			for _, s := range rep.Settings {
				t.row(s.Key, s.Status, s.Detail)
			}
			if err := t.flush(); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, strconv.Itoa(len(rep.Settings))+" settings, "+strconv.Itoa(rep.Failed)+" failed.")
			return nil
		},
	}
}
