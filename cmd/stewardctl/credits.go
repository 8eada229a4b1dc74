package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) creditsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "credits",
		Aliases: []string{"credit"},
		Short:   "Grant, transfer and inspect credits",
	}
	cmd.AddCommand(a.creditsGrantCmd(), a.creditsTransferCmd(), a.creditsBalanceCmd())
	return cmd
}

// parseAmount reads a positive whole number of credits.
func parseAmount(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("the amount %q must be a positive whole number of credits", s)
	}
	return n, nil
}

func (a *app) creditsGrantCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "grant ACCOUNT AMOUNT --reason TEXT",
		Short:   "Give credits to an account (platform administrators)",
		Example: `  stewardctl credits grant 01j… 500 --reason "invoice 2026-014"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			e, err := c.GrantCredits(cmd.Context(), steward.CreditGrant{AccountID: args[0], Amount: amount, Reason: reason})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(e)
			}
			fmt.Fprintf(a.stdout, "Granted %d credits to %s (entry %s).\n", e.Amount, e.AccountID, e.ID)
			return nil
		},
	}
	cmd.Flags().StringVarP(&reason, "reason", "r", "", "why, kept in the ledger (required)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func (a *app) creditsTransferCmd() *cobra.Command {
	var from, reason string
	cmd := &cobra.Command{
		Use:     "transfer TO AMOUNT --reason TEXT [--from ACCOUNT]",
		Short:   "Move credits down to an account below",
		Example: `  stewardctl credits transfer 01j… 20 --reason "10 devices for March" --from 01h…`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			es, err := c.TransferCredits(cmd.Context(), steward.CreditTransfer{FromID: from, ToID: args[0], Amount: amount, Reason: reason})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(listJSON[*steward.LedgerEntry]{Items: nonNil(es)})
			}
			if len(es) == 2 {
				fmt.Fprintf(a.stdout, "Transferred %d credits from %s to %s (reference %s).\n", es[1].Amount, es[0].AccountID, es[1].AccountID, es[0].Reference)
			} else {
				fmt.Fprintf(a.stdout, "Transferred %d credits to %s.\n", amount, args[0])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the account the credits leave (default: your own)")
	cmd.Flags().StringVarP(&reason, "reason", "r", "", "why, kept in both ledgers (required)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func (a *app) creditsBalanceCmd() *cobra.Command {
	var f steward.LedgerFilter
	cmd := &cobra.Command{
		Use:   "balance [ACCOUNT]",
		Short: "Show an account's balance and ledger (default: your own account)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			f.AccountID = argOr(args, 0, "")
			cr, err := c.Credits(cmd.Context(), f)
			if err != nil {
				return err
			}
			if a.json {
				cr.Entries = nonNil(cr.Entries)
				return a.printJSON(cr)
			}
			fmt.Fprintf(a.stdout, "Account %s: %d credits.\n", cr.AccountID, cr.Balance)
			if len(cr.Entries) == 0 {
				fmt.Fprintln(a.stdout, "The ledger is empty.")
				return nil
			}
			fmt.Fprintln(a.stdout)
			t := newTable(a.stdout, "WHEN", "KIND", "AMOUNT", "COUNTERPARTY", "BY", "REASON")
			for _, e := range cr.Entries {
				t.row(when(e.CreatedAt), string(e.Kind), fmt.Sprintf("%+d", e.Amount), e.CounterpartyID, e.ActorEmail, e.Reason)
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--before", cr.Next)
			return nil
		},
	}
	cmd.Flags().IntVar(&f.Limit, "limit", 20, "ledger entries per page")
	cmd.Flags().StringVar(&f.Before, "before", "", "page: entries older than this ID")
	return cmd
}
