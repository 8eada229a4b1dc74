package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

func (a *app) usersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage a client account's directory users (people, not logins) and their custom fields",
		Long: `Directory users are the people of a client account: email, name,
directory name, custom fields and the devices they hold. They never sign in.
--account names the client account; the default is yours.`,
	}
	cmd.AddCommand(a.usersListCmd(), a.usersShowCmd(), a.usersCreateCmd(), a.usersDeleteCmd(), a.usersImportCmd(),
		a.usersExportCmd(), a.usersFieldsCmd())
	return cmd
}

func deviceList(u *steward.DirectoryUser) string {
	var ids []string
	for _, d := range u.Devices {
		ids = append(ids, d.SupportID)
	}
	return strings.Join(ids, " ")
}

func (a *app) usersListCmd() *cobra.Command {
	var account string
	var f steward.UserFilter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List or search an account's users, by email",
		Example: `  stewardctl users list --account 01j…
  stewardctl users list --account 01j… -q doe --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			c, err := a.client()
			if err != nil {
				return err
			}
			us, err := c.Users(cmd.Context(), account, f)
			if err != nil {
				return err
			}
			limit := f.Limit
			if limit == 0 {
				limit = 50
			}
			email := func(u *steward.DirectoryUser) string { return u.Email }
			if a.json {
				return printList(a, us, limit, email)
			}
			t := newTable(a.stdout, "ID", "EMAIL", "NAME", "DIRECTORY NAME", "DEVICES", "UPDATED")
			for _, u := range us {
				t.row(u.ID, u.Email, u.Name, u.DirectoryName, deviceList(u), when(u.UpdatedAt))
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--after", nextCursor(us, limit, email))
			return nil
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.Flags().StringVarP(&f.Query, "query", "q", "", "only users whose email, name or directory name contains this")
	cmd.Flags().StringVar(&f.After, "after", "", "the page after this email (the cursor a full page prints)")
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "page size (default 50, at most 500)")
	return cmd
}

func (a *app) usersShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show USER",
		Short: "Show a user with its custom fields and devices",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			u, err := c.User(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(u)
			}
			kv := []string{"id", u.ID, "account", u.AccountID, "email", u.Email, "name", u.Name, "directory name", u.DirectoryName}
			for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
				kv = append(kv, k, u.CustomFields[k])
			}
			kv = append(kv, "devices", deviceList(u), "updated", when(u.UpdatedAt))
			return keyValues(a.stdout, kv...)
		},
	}
}

func (a *app) usersCreateCmd() *cobra.Command {
	var account string
	var in client.UserInput
	var fields []string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Add a user to a client account",
		Example: `  stewardctl users create --account 01j… --email jane.doe@example.com --name "Jane Doe" \
      --directory-name jdoe --field cost_centre=4100 --field team=Sales --device K7M2QX9P`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account", "email": "--email", "name": "--name",
				"directory_name": "--directory-name"}
			in.CustomFields = map[string]string{}
			for _, f := range fields {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					return fmt.Errorf("--field %q: write it as KEY=VALUE", f)
				}
				in.CustomFields[strings.TrimSpace(k)] = v
				a.fieldFlags["custom_fields."+strings.TrimSpace(k)] = "--field " + strings.TrimSpace(k)
			}
			for i := range in.DeviceIDs {
				a.fieldFlags[fmt.Sprintf("device_ids[%d]", i)] = "--device " + in.DeviceIDs[i]
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			u, err := c.CreateUser(cmd.Context(), account, in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(u)
			}
			return keyValues(a.stdout, "user", u.ID, "email", u.Email, "devices", deviceList(u))
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.Flags().StringVar(&in.Email, "email", "", "the user's email, unique in the account")
	cmd.Flags().StringVar(&in.Name, "name", "", "the user's name")
	cmd.Flags().StringVar(&in.DirectoryName, "directory-name", "", "the user's name in your company directory, e.g. jdoe")
	cmd.Flags().StringArrayVar(&fields, "field", nil, "a custom field as KEY=VALUE (repeat for more)")
	cmd.Flags().StringArrayVar(&in.DeviceIDs, "device", nil, "a device the user holds, by support ID or ID (repeat for more)")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func (a *app) usersDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete USER",
		Short: "Delete a user at once (its devices stay, without a user)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.DeleteUser(cmd.Context(), args[0]); err != nil {
				return err
			}
			if !a.json {
				fmt.Fprintf(a.stdout, "User %s deleted.\n", args[0])
			}
			return nil
		},
	}
}

func (a *app) usersImportCmd() *cobra.Command {
	var account string
	var partial bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Create or update users from a CSV file (- for standard input)",
		Long: `Create or update users (by email) from a CSV file: a header row naming
its columns - email (required), name, directory_name, custom field keys,
devices (support IDs separated by spaces) - then a row per user. A column
left out leaves that part of existing users alone; an empty cell clears it.

Every row is checked first. A file with any bad row writes nothing: the
problems are listed by row (the header is row 1) and column. --partial writes
the good rows and skips the bad ones.`,
		Example: `  stewardctl users import staff.csv --account 01j…
  stewardctl users export --account 01j… | stewardctl users import - --account 01j… --partial`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account", "file": "FILE"}
			var in io.Reader = a.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			rep, err := c.ImportUsers(cmd.Context(), account, in, partial)
			var rejected *client.UserImportRejected
			if err != nil && !errors.As(err, &rejected) {
				return err
			}
			if a.json {
				if perr := a.printJSON(rep); perr != nil {
					return perr
				}
			} else {
				if rep.Written {
					if kerr := keyValues(a.stdout, "rows", strconv.Itoa(rep.Rows), "created", strconv.Itoa(rep.Created),
						"updated", strconv.Itoa(rep.Updated), "unchanged", strconv.Itoa(rep.Unchanged),
						"skipped", strconv.Itoa(rep.Skipped)); kerr != nil {
						return kerr
					}
				}
				if len(rep.Errors) > 0 {
					t := newTable(a.stdout, "ROW", "COLUMN", "PROBLEM")
					for _, e := range rep.Errors {
						t.row(strconv.Itoa(e.Row), e.Field, e.Message)
					}
					if ferr := t.flush(); ferr != nil {
						return ferr
					}
					if rep.ErrorCount > len(rep.Errors) {
						fmt.Fprintf(a.stdout, "… and %d more problems.\n", rep.ErrorCount-len(rep.Errors))
					}
				}
			}
			if rejected != nil {
				return withHint(rejected.Err, "Fix the rows above and import again, or use --partial to write only the good rows.")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.Flags().BoolVar(&partial, "partial", false, "write the good rows of a file with bad ones")
	return cmd
}

func (a *app) usersExportCmd() *cobra.Command {
	var account, output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write an account's users as CSV (the file 'users import' reads)",
		Example: `  stewardctl users export --account 01j… > staff.csv
  stewardctl users export --account 01j… -o staff.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			c, err := a.client()
			if err != nil {
				return err
			}
			if output == "" {
				return c.ExportUsers(cmd.Context(), account, a.stdout)
			}
			f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			if err := c.ExportUsers(cmd.Context(), account, f); err != nil {
				f.Close()
				os.Remove(output)
				return err
			}
			return f.Close()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

func (a *app) usersFieldsCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "fields",
		Short: "List an account's custom user fields ('fields set' replaces them)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			c, err := a.client()
			if err != nil {
				return err
			}
			defs, err := c.UserFields(cmd.Context(), account)
			if err != nil {
				return err
			}
			return a.printFields(defs)
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.AddCommand(a.usersFieldsSetCmd())
	return cmd
}

func (a *app) printFields(defs []steward.CustomFieldDef) error {
	if a.json {
		if defs == nil {
			defs = []steward.CustomFieldDef{}
		}
		return printList(a, defs, 0, func(d steward.CustomFieldDef) string { return d.Key })
	}
	t := newTable(a.stdout, "KEY", "LABEL", "TYPE", "REQUIRED", "CHOICES")
	for _, d := range defs {
		t.row(d.Key, d.Label, string(d.Type), strconv.FormatBool(d.Required), strings.Join(d.Choices, ", "))
	}
	return t.flush()
}

func (a *app) usersFieldsSetCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "set FILE",
		Short: "Replace an account's custom user fields with those of a JSON file (- for standard input)",
		Long: `Replace an account's custom user fields with the JSON list in FILE (or
{"fields": [...]}), each {"key", "label", "type": text|number|date|choice,
"choices", "required"}. A field left out is removed with its values on every
user; a changed field must still accept the values users hold.`,
		Example: `  echo '[{"key":"cost_centre","label":"Cost centre","type":"number"},
        {"key":"team","label":"Team","type":"choice","choices":["Sales","Support"],"required":true}]' |
    stewardctl users fields set - --account 01j…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.fieldFlags = map[string]string{"account_id": "--account"}
			var in io.Reader = a.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			b, err := io.ReadAll(io.LimitReader(in, 1<<20))
			if err != nil {
				return err
			}
			var defs []steward.CustomFieldDef
			if err := json.Unmarshal(b, &defs); err != nil {
				var wrapped struct {
					Fields []steward.CustomFieldDef `json:"fields"`
				}
				if err2 := json.Unmarshal(b, &wrapped); err2 != nil {
					return fmt.Errorf("%s: not a JSON list of fields: %w", args[0], err)
				}
				defs = wrapped.Fields
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			defs, err = c.PutUserFields(cmd.Context(), account, defs)
			if err != nil {
				return err
			}
			return a.printFields(defs)
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	return cmd
}
