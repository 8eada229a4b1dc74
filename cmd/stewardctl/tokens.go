package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) tokensCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tokens",
		Aliases: []string{"token"},
		Short:   "List, create and revoke API tokens",
	}
	cmd.AddCommand(a.tokensListCmd(), a.tokensCreateCmd(), a.tokensRevokeCmd())
	return cmd
}

func (a *app) tokensListCmd() *cobra.Command {
	var manager string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List your API tokens (or a manager's); * marks the one in use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ts, err := c.Tokens(cmd.Context(), manager)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, ts, 0, func(t *steward.APIToken) string { return t.ID })
			}
			current := a.currentSecret()
			now := time.Now()
			t := newTable(a.stdout, " ", "ID", "NAME", "ROLE", "PREFIX", "CREATED", "LAST USED", "EXPIRES", "STATE")
			for _, tk := range ts {
				mark := " "
				if tk.Prefix != "" && strings.HasPrefix(current, tk.Prefix) && tk.RevokedAt == nil {
					mark = "*"
				}
				t.row(mark, tk.ID, tk.Name, string(tk.Role), tk.Prefix, when(tk.CreatedAt), whenPtr(tk.LastUsedAt),
					whenPtr(tk.ExpiresAt), tokenState(tk, now))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&manager, "manager", "", "list this manager's tokens (default: yours)")
	return cmd
}

func tokenState(t *steward.APIToken, now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked " + when(*t.RevokedAt)
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return "expired"
	}
	return "active"
}

func (a *app) tokensCreateCmd() *cobra.Command {
	var role string
	var expiresIn time.Duration
	cmd := &cobra.Command{
		Use:   "create NAME [--role read_only] [--expires-in 720h]",
		Short: "Create an API token for automation; its secret is shown once",
		Example: `  stewardctl tokens create "billing export" --role read_only --expires-in 2160h
  STEWARD_TOKEN=$(stewardctl tokens create ci --json | jq -r .secret)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			in := steward.TokenCreate{Name: args[0], Role: steward.ManagerRole(role)}
			if expiresIn > 0 {
				t := time.Now().Add(expiresIn).UTC()
				in.ExpiresAt = &t
			}
			tk, err := c.CreateToken(cmd.Context(), in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(tk)
			}
			fmt.Fprintf(a.stdout, "Created token %q (%s, role %s).\nSecret, shown only this once:\n\n    %s\n\n", clean(tk.Name), tk.ID, tk.Role, tk.Secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "owner, admin or read_only, at most yours (default: your role)")
	cmd.Flags().DurationVar(&expiresIn, "expires-in", 0, "let the token expire after this long, e.g. 720h (default: never)")
	return cmd
}

func (a *app) tokensRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke TOKEN",
		Short: "Revoke an API token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Revoked token %s.\n", args[0])
			return nil
		},
	}
}
