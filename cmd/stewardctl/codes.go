package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

func (a *app) codesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "codes",
		Aliases: []string{"code", "activation-codes"},
		Short:   "Issue, list and revoke activation codes that enroll devices",
	}
	cmd.AddCommand(a.codesCreateCmd(), a.codesListCmd(), a.codesRevokeCmd())
	return cmd
}

func (a *app) codesCreateCmd() *cobra.Command {
	var in client.ActivationCodeCreate
	cmd := &cobra.Command{
		Use:   "create --account ACCOUNT --seats N [--days D] [--note TEXT]",
		Short: "Issue an activation code for a client account; it is shown once",
		Long: `Issue an activation code that lets up to --seats devices enroll into a client
account. Each device that enrolls spends one credit of your account (codes
issued by the platform account are free). The code is shown only this once.`,
		Example: `  stewardctl codes create --account 01j… --seats 10 --days 7 --note "front desk laptops"
  CODE=$(stewardctl codes create --account 01j… --seats 1 --json | jq -r .code)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account", "seats": "--seats", "valid_days": "--days",
				"expires_at": "--days", "note": "--note"}
			c, err := a.client()
			if err != nil {
				return err
			}
			if a.json {
				code, err := c.CreateActivationCode(cmd.Context(), in)
				if err != nil {
					return err
				}
				return a.printJSON(code)
			}
			// Say what the code costs and where devices land: the account
			// issuing it pays, unless it is the platform.
			me, err := c.Me(cmd.Context())
			if err != nil {
				return err
			}
			target, err := c.Account(cmd.Context(), in.AccountID)
			if err != nil {
				return err
			}
			code, err := c.CreateActivationCode(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Activation code for %q (%s): %s, valid until %s.\nShown only this once:\n\n    %s\n\n",
				clean(target.Name), code.AccountID, plural(code.Seats, "seat"), when(code.ExpiresAt), code.Code)
			fmt.Fprintf(a.stdout, "Enroll a Linux device with the reference agent:\n\n    steward-agent enroll --server %s --code %s\n\n",
				shellQuote(c.BaseURL()), code.Code)
			if me.Account != nil && me.Account.ID == code.BillingAccountID && me.Account.Kind == steward.AccountPlatform {
				fmt.Fprintln(a.stdout, "Enrolling with it is free: the platform account issued it.")
			} else if me.Account != nil && me.Account.ID == code.BillingAccountID {
				fmt.Fprintf(a.stdout, "Each device that enrolls spends one credit of %q (balance now %d).\n", clean(me.Account.Name), me.Account.Balance)
			} else {
				fmt.Fprintf(a.stdout, "Each device that enrolls spends one credit of account %s.\n", code.BillingAccountID)
			}
			fmt.Fprintf(a.stdout, "Revoke the code with: stewardctl codes revoke %s\n", code.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in.AccountID, "account", "", "the client account devices join (required)")
	fl.IntVar(&in.Seats, "seats", 0, "how many devices may enroll with the code (required)")
	fl.IntVar(&in.ValidDays, "days", 0, "days the code stays valid, 1 to 730 (default 30)")
	fl.StringVar(&in.Note, "note", "", "a note kept with the code")
	_ = cmd.MarkFlagRequired("account")
	_ = cmd.MarkFlagRequired("seats")
	return cmd
}

// plural is "1 seat", "2 seats".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// shellQuote quotes s for a POSIX shell when it holds anything but the
// characters of a plain URL.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/@%+,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (a *app) codesListCmd() *cobra.Command {
	var account string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the activation codes of your subtree, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			c, err := a.client()
			if err != nil {
				return err
			}
			cs, err := c.ActivationCodes(cmd.Context(), account, limit)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, cs, 0, func(c *steward.ActivationCode) string { return c.ID })
			}
			if len(cs) == 0 {
				fmt.Fprintln(a.stdout, "No activation codes.")
				return nil
			}
			now := time.Now()
			t := newTable(a.stdout, "ID", "PREFIX", "ACCOUNT", "USED", "EXPIRES", "STATE", "ISSUED BY", "NOTE")
			for _, c := range cs {
				t.row(c.ID, c.Prefix+"…", c.AccountID, fmt.Sprintf("%d/%d", c.Used, c.Seats), when(c.ExpiresAt),
					codeState(c, now), c.IssuedByEmail, c.Note)
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "only codes of this account's subtree (default: yours)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many codes (the server sends at most 500)")
	return cmd
}

// codeState says whether a code can still enroll devices.
func codeState(c *steward.ActivationCode, now time.Time) string {
	switch {
	case c.RevokedAt != nil:
		return "revoked " + when(*c.RevokedAt)
	case !now.Before(c.ExpiresAt):
		return "expired"
	case c.Used >= c.Seats:
		return "used up"
	}
	return "active"
}

func (a *app) codesRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke CODE-ID",
		Short: "Stop an activation code from enrolling more devices",
		Long: `Stop an activation code from enrolling more devices. The devices it has
enrolled are disabled by the server's next daily check.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			code, err := c.RevokeActivationCode(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(code)
			}
			fmt.Fprintf(a.stdout, "Revoked activation code %s… (%s). The server's next daily check disables the %s it enrolled.\n",
				code.Prefix, code.ID, plural(code.Used, "device"))
			return nil
		},
	}
}
