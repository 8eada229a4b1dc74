package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

// retentionCmds are the privacy subcommands of the retention engine.
func (a *app) retentionCmds() []*cobra.Command {
	holds := &cobra.Command{Use: "holds", Aliases: []string{"hold"}, Short: "List, place and release legal holds"}
	holds.AddCommand(a.holdsListCmd(), a.holdsCreateCmd(), a.holdsReleaseCmd())
	return []*cobra.Command{a.retentionCmd(), holds, a.receiptsCmd(), a.sweepCmd()}
}

func (a *app) retentionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "retention",
		Short: "Show each data category's rule, stored rows and last sweep (platform admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			st, err := c.RetentionStatus(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, st, 0, func(s *steward.RetentionStatus) string { return s.Category })
			}
			t := newTable(a.stdout, "CATEGORY", "ACTION", "ENFORCED BY", "ROWS", "LAST SWEEP", "REMOVED", "HELD", "NEXT DUE")
			for _, s := range st {
				if s.NotCollected != "" {
					t.row(s.Category, string(s.Rule.Action), "not collected", "", "", "", "", "")
					continue
				}
				var by []string
				for _, e := range s.Enforcement {
					if !slices.Contains(by, e.By) {
						by = append(by, e.By)
					}
				}
				enforced := strings.Join(by, ",")
				if !s.Enforced {
					enforced += " (partly)"
				}
				rows, last, removed, next := "", "never", "", ""
				if s.Rows != nil {
					rows = fmt.Sprint(*s.Rows)
				}
				if s.LastRun != nil {
					last, removed = when(s.LastRun.LastRunAt), fmt.Sprint(s.LastRun.LastCount)
				}
				if !s.Swept {
					last = "not swept"
				}
				next = whenPtr(s.NextDueAt)
				t.row(s.Category, string(s.Rule.Action), enforced, rows, last, removed, fmt.Sprint(s.HeldByHolds), next)
			}
			return t.flush()
		},
	}
}

func (a *app) holdsListCmd() *cobra.Command {
	var f steward.HoldFilter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the legal holds on your subtree, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			c, err := a.client()
			if err != nil {
				return err
			}
			hs, err := c.LegalHolds(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, hs, 0, func(h *steward.LegalHold) string { return h.ID })
			}
			if len(hs) == 0 {
				fmt.Fprintln(a.stdout, "No legal holds.")
				return nil
			}
			now := time.Now()
			t := newTable(a.stdout, "ID", "ACCOUNT", "SCOPE", "COVERS", "STATE", "BY", "REASON")
			for _, h := range hs {
				covers := "everything"
				if h.Scope == steward.HoldSubject {
					covers = h.SubjectID
				} else if h.Scope == steward.HoldCategory {
					covers = h.Category
				}
				state := "in force"
				switch {
				case h.ReleasedAt != nil:
					state = "released " + when(*h.ReleasedAt)
				case !h.Active(now):
					state = "expired"
				case h.ExpiresAt != nil:
					state = "until " + when(*h.ExpiresAt)
				}
				t.row(h.ID, h.AccountID, string(h.Scope), clean(covers), state, clean(h.CreatedByEmail), clean(h.Reason))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&f.AccountID, "account", "", "only holds on this account's subtree (default: yours)")
	cmd.Flags().BoolVar(&f.Active, "active", false, "only holds in force now")
	return cmd
}

func (a *app) holdsCreateCmd() *cobra.Command {
	var in steward.LegalHoldCreate
	var days int
	cmd := &cobra.Command{
		Use:   "create --account ACCOUNT --reason TEXT [--device ID | --manager ID | --category NAME] [--days N]",
		Short: "Place a legal hold: the retention sweep keeps what it covers (platform admin)",
		Long: `Place a legal hold on an account's subtree. With --device or --manager it
covers that one subject; with --category one category of the data catalog
(e.g. device.location); otherwise everything under the account. The hold
lasts until released, or --days days.`,
		Example: `  stewardctl privacy holds create --account 01j… --reason "Case 2025-17"
  stewardctl privacy holds create --account 01j… --device 01k… --reason "Police request 8812" --days 90`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account", "reason": "--reason", "subject_id": "--device or --manager",
				"category": "--category", "expires_at": "--days"}
			in.Scope = steward.HoldAccount
			if in.SubjectID != "" {
				in.Scope = steward.HoldSubject
			} else if in.Category != "" {
				in.Scope = steward.HoldCategory
			}
			if days > 0 {
				t := time.Now().Add(time.Duration(days) * 24 * time.Hour)
				in.ExpiresAt = &t
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			h, err := c.CreateLegalHold(cmd.Context(), in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(h)
			}
			fmt.Fprintf(a.stdout, "Legal hold %s placed on account %s (%s). Release it with: stewardctl privacy holds release %s\n",
				h.ID, h.AccountID, h.Scope, h.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in.AccountID, "account", "", "the account whose subtree the hold is on (required)")
	fl.StringVar(&in.Reason, "reason", "", "why the data must be kept (required)")
	fl.StringVar(&in.SubjectID, "device", "", "hold only this device")
	fl.StringVar(&in.SubjectID, "manager", "", "hold only this manager")
	fl.StringVar(&in.Category, "category", "", "hold only this catalog category, e.g. device.location")
	fl.IntVar(&days, "days", 0, "the hold expires after this many days (default: until released)")
	cmd.MarkFlagsMutuallyExclusive("device", "manager", "category")
	_ = cmd.MarkFlagRequired("account")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func (a *app) holdsReleaseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "release HOLD-ID",
		Short: "Release a legal hold; the next sweep removes what is due (platform admin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			h, err := c.ReleaseLegalHold(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(h)
			}
			fmt.Fprintf(a.stdout, "Released legal hold %s. The next retention sweep removes what it kept, if its time has come.\n", h.ID)
			return nil
		},
	}
}

func (a *app) receiptsCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "receipts",
		Short: "List the receipts of retention sweeps, newest first (platform admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			es, err := c.RetentionReceipts(cmd.Context(), limit)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, es, 0, func(e *steward.AuditEntry) string { return e.ID })
			}
			if len(es) == 0 {
				fmt.Fprintln(a.stdout, "No receipts: no sweep has removed anything yet.")
				return nil
			}
			t := newTable(a.stdout, "WHEN", "CATEGORY", "ACCOUNT", "CUTOFF", "COUNT", "HELD", "SHA-256")
			for _, e := range es {
				var r steward.RetentionReceipt
				if err := json.Unmarshal(e.Summary, &r); err != nil {
					return fmt.Errorf("receipt %s: %w", e.ID, err)
				}
				t.row(when(e.CreatedAt), r.Category, r.AccountID, when(r.Cutoff), fmt.Sprint(r.Count), fmt.Sprint(r.Held), r.SHA256)
			}
			return t.flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many receipts (the server sends at most 500)")
	return cmd
}

func (a *app) sweepCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sweep",
		Short: "Run the retention sweep now (platform admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			said, err := c.RunRetentionSweep(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]string{"summary": said})
			}
			fmt.Fprintln(a.stdout, said)
			return nil
		},
	}
}

func (a *app) accountsRestoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore ACCOUNT-ID",
		Short: "Restore a deleted account (and those deleted with it) before its data is purged",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			acc, err := c.RestoreAccount(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(acc)
			}
			fmt.Fprintf(a.stdout, "Restored account %q (%s).\n", clean(acc.Name), acc.ID)
			return nil
		},
	}
}
