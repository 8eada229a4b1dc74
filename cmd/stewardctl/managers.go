package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) managersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "managers",
		Aliases: []string{"manager"},
		Short:   "List and create the logins of an account",
	}
	cmd.AddCommand(a.managersListCmd(), a.managersCreateCmd())
	return cmd
}

func (a *app) managersListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list [ACCOUNT]",
		Short: "List an account's managers (default: your own account)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ms, err := c.Managers(cmd.Context(), argOr(args, 0, ""))
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, ms, 0, func(m *steward.Manager) string { return m.ID })
			}
			now := time.Now()
			t := newTable(a.stdout, "ID", "EMAIL", "NAME", "ROLE", "STATE", "2FA", "LAST LOGIN")
			for _, m := range ms {
				t.row(m.ID, m.Email, m.Name, string(m.Role), managerState(m, now), yesNo(m.TOTPEnabled), whenPtr(m.LastLoginAt))
			}
			return t.flush()
		},
	}
}

func managerState(m *steward.Manager, now time.Time) string {
	switch {
	case m.Invited:
		return "invited"
	case m.LockedUntil != nil && now.Before(*m.LockedUntil):
		return "locked until " + when(*m.LockedUntil)
	case m.MustChangePassword:
		return "must change password"
	}
	return "active"
}

func (a *app) managersCreateCmd() *cobra.Command {
	var in steward.ManagerCreate
	var role string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "create --email EMAIL --name NAME [--account ACCOUNT] [--role admin] (--invite | --password-stdin)",
		Short: "Create a login, by invitation or with a first password",
		Long: `Create a manager (a login) for an account. With --invite the manager receives a
link by mail to choose a password. Otherwise give a first password, typed at
the terminal or piped in with --password-stdin; it must be changed at the
first sign-in.`,
		Example: `  stewardctl managers create --account 01j… --email it@acme.example --name "Acme IT" --invite
  echo "$FIRST_PASSWORD" | stewardctl managers create --email ops@example.com --name Ops --role read_only --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Role = steward.ManagerRole(role)
			if in.Invite && passwordStdin {
				return errors.New("give --invite or --password-stdin, not both")
			}
			if !in.Invite {
				pw, err := a.readSecret(cmd.Context(), "First password for "+in.Email+": ", passwordStdin)
				if err != nil {
					return withHint(err, "Or invite the manager by mail with --invite.")
				}
				in.Password = pw
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			m, err := c.CreateManager(cmd.Context(), in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(m)
			}
			how := "They must change the password at first sign-in."
			if m.Invited {
				how = "An invitation is on its way to " + clean(m.Email) + "."
			}
			fmt.Fprintf(a.stdout, "Created %s %s (%s) in account %s. %s\n", m.Role, clean(m.Email), m.ID, m.AccountID, how)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in.AccountID, "account", "", "the account (default: your own)")
	fl.StringVar(&in.Email, "email", "", "the manager's email address (required)")
	fl.StringVar(&in.Name, "name", "", "the manager's name (required)")
	fl.StringVar(&role, "role", "admin", "owner, admin or read_only")
	fl.BoolVar(&in.Invite, "invite", false, "mail an invitation link instead of setting a password")
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the first password from standard input")
	_ = cmd.MarkFlagRequired("email")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}
