package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) accountsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "accounts",
		Aliases: []string{"account", "acc"},
		Short:   "List, create, suspend and delete accounts",
	}
	cmd.AddCommand(a.accountsListCmd(), a.accountsShowCmd(), a.accountsCreateCmd(),
		a.accountStatusCmd("suspend", steward.StatusSuspended, "Suspend an account: its managers cannot sign in"),
		a.accountStatusCmd("reactivate", steward.StatusActive, "Reactivate a suspended account"),
		a.accountsDeleteCmd(), a.accountsRestoreCmd())
	return cmd
}

func (a *app) accountsListCmd() *cobra.Command {
	var f steward.AccountFilter
	var kind, status string
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the accounts of your subtree, as a tree",
		Example: `  stewardctl accounts list
  stewardctl accounts list --parent 01j… --kind client --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			f.Kind, f.Status = steward.AccountKind(kind), steward.AccountStatus(status)
			var accs []*steward.Account
			for {
				page, err := c.Accounts(cmd.Context(), f)
				if err != nil {
					return err
				}
				accs = append(accs, page...)
				if !all || len(page) < f.Limit || len(page) == 0 {
					break
				}
				f.After = page[len(page)-1].ID
			}
			next := ""
			if !all {
				next = nextCursor(accs, f.Limit, func(acc *steward.Account) string { return acc.ID })
			}
			if a.json {
				return a.printJSON(listJSON[*steward.Account]{Items: nonNil(accs), Next: next})
			}
			minDepth := -1
			for _, acc := range accs {
				if d := depth(acc.Path); minDepth < 0 || d < minDepth {
					minDepth = d
				}
			}
			t := newTable(a.stdout, "ID", "NAME", "KIND", "STATUS", "BALANCE", "CREATED")
			for _, acc := range accs {
				st := string(acc.Status)
				if acc.DeletedAt != nil {
					st = "deleted"
				}
				t.row(acc.ID, strings.Repeat("  ", depth(acc.Path)-minDepth)+acc.Name, string(acc.Kind), st,
					strconv.FormatInt(acc.Balance, 10), when(acc.CreatedAt))
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--after", next)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.ParentID, "parent", "", "only direct children of this account")
	fl.StringVar(&f.RootID, "root", "", "only this account's subtree")
	fl.StringVar(&kind, "kind", "", "only this kind: platform, reseller or client")
	fl.StringVar(&status, "status", "", "only this status: active, suspended or blocked")
	fl.StringVarP(&f.Query, "query", "q", "", "only names containing this text")
	fl.BoolVar(&f.IncludeDeleted, "include-deleted", false, "include deleted accounts")
	fl.IntVar(&f.Limit, "limit", 100, "accounts per page")
	fl.StringVar(&f.After, "after", "", "page: accounts after this ID")
	fl.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}

// depth is an account's level in the hierarchy, from its path "/p/r/c/".
func depth(path string) int { return strings.Count(path, "/") }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *app) accountsShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show [ACCOUNT]",
		Short: "Show an account (default: your own)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			acc, err := c.Account(cmd.Context(), argOr(args, 0, ""))
			if err != nil {
				return err
			}
			return a.printAccount(acc)
		},
	}
}

func (a *app) printAccount(acc *steward.Account) error {
	if a.json {
		return a.printJSON(acc)
	}
	status := string(acc.Status)
	if acc.StatusReason != "" {
		status += " (" + acc.StatusReason + ")"
	}
	return keyValues(a.stdout,
		"ID", acc.ID, "Name", acc.Name, "Kind", string(acc.Kind), "Parent", acc.ParentID, "Status", status,
		"Balance", strconv.FormatInt(acc.Balance, 10),
		"Support", fmt.Sprintf("remote support %s, view devices %s", yesNo(acc.Support.RemoteSupport), yesNo(acc.Support.ViewDevices)),
		"Subscription", subscription(acc), "Notes", acc.Notes,
		"Created", when(acc.CreatedAt), "Updated", when(acc.UpdatedAt), "Deleted", whenPtr(acc.DeletedAt))
}

func subscription(acc *steward.Account) string {
	if acc.SubscriptionStart == nil && acc.SubscriptionEnd == nil {
		return ""
	}
	return whenPtr(acc.SubscriptionStart) + " to " + whenPtr(acc.SubscriptionEnd)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func argOr(args []string, i int, def string) string {
	if i < len(args) {
		return args[i]
	}
	return def
}

func (a *app) accountsCreateCmd() *cobra.Command {
	var in steward.AccountCreate
	var kind string
	var remote, view bool
	cmd := &cobra.Command{
		Use:   "create --name NAME --kind reseller|client [--parent ACCOUNT]",
		Short: "Create a reseller or client account",
		Example: `  stewardctl accounts create --name "Acme IT" --kind reseller
  stewardctl accounts create --name "Dental practice" --kind client --parent 01j…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			in.Kind = steward.AccountKind(kind)
			if cmd.Flags().Changed("remote-support") || cmd.Flags().Changed("view-devices") {
				in.Support = &steward.SupportPermissions{RemoteSupport: remote, ViewDevices: view}
			}
			acc, err := c.CreateAccount(cmd.Context(), in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(acc)
			}
			fmt.Fprintf(a.stdout, "Created %s account %q with ID %s.\n", acc.Kind, clean(acc.Name), acc.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in.Name, "name", "", "the account's name (required)")
	fl.StringVar(&kind, "kind", "", "reseller or client (required)")
	fl.StringVar(&in.ParentID, "parent", "", "the parent account (default: your own)")
	fl.StringVar(&in.Notes, "notes", "", "free-text notes")
	fl.BoolVar(&remote, "remote-support", false, "let the accounts above open remote support sessions")
	fl.BoolVar(&view, "view-devices", false, "let the accounts above read device details")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("kind")
	return cmd
}

func (a *app) accountStatusCmd(verb string, status steward.AccountStatus, short string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   verb + " ACCOUNT",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			acc, err := c.SetAccountStatus(cmd.Context(), args[0], status, reason)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(acc)
			}
			fmt.Fprintf(a.stdout, "Account %q (%s) is now %s.\n", clean(acc.Name), acc.ID, acc.Status)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, kept with the account and in the audit log")
	return cmd
}

func (a *app) accountsDeleteCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete ACCOUNT",
		Short: "Delete an account and everything below it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if !yes {
				acc, err := c.Account(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				answer, err := a.prompt(fmt.Sprintf("Delete %s %q and every account below it? Type yes: ", acc.Kind, clean(acc.Name)),
					errors.New("deleting an account deletes its whole subtree: add --yes to confirm"))
				if err != nil {
					return err
				}
				if answer != "yes" {
					return errors.New("not deleted")
				}
			}
			acc, err := c.DeleteAccount(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(acc)
			}
			fmt.Fprintf(a.stdout, "Deleted account %q (%s) and its subtree.\n", clean(acc.Name), acc.ID)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
