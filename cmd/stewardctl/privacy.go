package main

import (
	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward/privacy"
)

func (a *app) privacyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "privacy",
		Short: "Records of processing, retention status, legal holds, sweep receipts and sweeps",
	}
	cmd.AddCommand(a.privacyRecordsCmd())
	cmd.AddCommand(a.retentionCmds()...)
	return cmd
}

func (a *app) privacyRecordsCmd() *cobra.Command {
	var plain bool
	cmd := &cobra.Command{
		Use:   "records",
		Short: "Print the records of processing (GDPR Art. 30) as Markdown, or with --plain what Steward collects",
		Example: `  stewardctl privacy records > records-of-processing.md
  stewardctl privacy records --plain
  stewardctl privacy records --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.PrivacyRecords(cmd.Context())
			if err != nil {
				return err
			}
			switch {
			case a.json && plain:
				return a.printJSON(d.Plain)
			case a.json:
				return a.printJSON(d.Records)
			case plain:
				return privacy.WriteNoticeMarkdown(a.stdout, d.Plain)
			}
			return privacy.WriteRecordsMarkdown(a.stdout, d.Records)
		},
	}
	cmd.Flags().BoolVar(&plain, "plain", false, "the plain-language page instead of the records of processing")
	return cmd
}
