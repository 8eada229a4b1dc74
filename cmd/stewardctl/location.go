package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func (a *app) devicesLocationCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "location DEVICE",
		Short: "Show a device's recent location (the view is audited)",
		Long: `Show a device's location points, newest first: at most 50 are kept, none
older than 60 days, and only from a company-owned device whose account
enables location and whose user granted it. Owners and admins may look;
every look is recorded in the audit log as device.location.view.`,
		Example: `  stewardctl devices location 01j…
  stewardctl devices location 01j… --limit 5 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ps, err := c.DeviceLocation(cmd.Context(), args[0], limit)
			if err != nil {
				return err
			}
			ps = nonNil(ps)
			if a.json {
				return a.printJSON(ps)
			}
			if len(ps) == 0 {
				fmt.Fprintln(a.stdout, "No location points.")
				return nil
			}
			t := newTable(a.stdout, "RECORDED", "LATITUDE", "LONGITUDE", "ACCURACY")
			for _, p := range ps {
				acc := ""
				if p.AccuracyM != nil {
					acc = strconv.FormatFloat(*p.AccuracyM, 'f', 0, 64) + " m"
				}
				t.row(when(p.RecordedAt), strconv.FormatFloat(p.Latitude, 'f', 5, 64), strconv.FormatFloat(p.Longitude, 'f', 5, 64), acc)
			}
			return t.flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most this many points (default: all kept, at most 50)")
	return cmd
}
