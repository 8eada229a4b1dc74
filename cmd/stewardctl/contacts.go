package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

const targetHelp = "send it to the devices of kind:ID (kind account, folder, group or device); repeat for several"

func (a *app) contactsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contacts",
		Short: "List, create and delete the shared contacts pushed to devices",
	}
	cmd.AddCommand(a.contactsListCmd(), a.contactsCreateCmd(), a.contactsDeleteCmd())
	return cmd
}

func (a *app) contactsListCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List an account's shared contacts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			cs, err := c.Contacts(cmd.Context(), account)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, cs, 0, func(x *steward.Contact) string { return x.ID })
			}
			t := newTable(a.stdout, "ID", "NAME", "EMAIL", "PHONE", "TARGETS", "UPDATED")
			for _, x := range cs {
				t.row(x.ID, x.Name, x.Email, x.Phone, targetsText(x.Targets), when(x.UpdatedAt))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the account whose contacts to list (default: yours)")
	return cmd
}

func (a *app) contactsCreateCmd() *cobra.Command {
	var in client.ContactCreate
	var targets []string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a shared contact and push it to the devices of its targets",
		Example: `  stewardctl contacts create --name "Service desk" --email desk@example.com --phone "+44 20 7946 0000" \
    --target account:01j…
  stewardctl contacts create --name "Night guard" --phone 0800123456 --target group:01j… --target device:01j…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if in.Targets, err = parseTargets(targets); err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			x, err := c.CreateContact(cmd.Context(), in)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(x)
			}
			return keyValues(a.stdout, "contact", x.ID, "name", x.Name, "email", x.Email, "phone", x.Phone,
				"targets", targetsText(x.Targets))
		},
	}
	cmd.Flags().StringVar(&in.AccountID, "account", "", "the account that owns it (default: yours)")
	cmd.Flags().StringVar(&in.Name, "name", "", "the contact's name")
	cmd.Flags().StringVar(&in.Email, "email", "", "email address")
	cmd.Flags().StringVar(&in.Phone, "phone", "", "phone number, such as +44 20 7946 0000")
	cmd.Flags().StringVar(&in.Note, "note", "", "a note shown with the contact")
	cmd.Flags().StringArrayVar(&targets, "target", nil, targetHelp)
	cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) contactsDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete CONTACT",
		Short: "Delete a shared contact; the devices holding it remove it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.DeleteContact(cmd.Context(), args[0]); err != nil {
				return err
			}
			if !a.json {
				fmt.Fprintf(a.stdout, "Contact %s deleted.\n", args[0])
			}
			return nil
		},
	}
}

func (a *app) filesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files",
		Short: "List, upload and delete the shared files pushed to devices",
	}
	cmd.AddCommand(a.filesListCmd(), a.filesUploadCmd(), a.filesDeleteCmd())
	return cmd
}

func (a *app) filesListCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List an account's shared files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			fs, err := c.Files(cmd.Context(), account)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, fs, 0, func(x *steward.SharedFile) string { return x.ID })
			}
			t := newTable(a.stdout, "ID", "NAME", "SIZE", "TYPE", "TARGETS", "UPLOADED")
			for _, x := range fs {
				t.row(x.ID, x.Name, strconv.FormatInt(x.Size, 10), x.ContentType, targetsText(x.Targets), when(x.CreatedAt))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the account whose files to list (default: yours)")
	return cmd
}

func (a *app) filesUploadCmd() *cobra.Command {
	var in client.FileUpload
	var targets []string
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Upload a shared file and push it to the devices of its targets",
		Example: `  stewardctl files upload handbook.pdf --target account:01j…
  stewardctl files upload plan.pdf --name "Emergency plan.pdf" --description "Exits, floor by floor" --target group:01j…`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if in.Targets, err = parseTargets(targets); err != nil {
				return err
			}
			if in.Name == "" {
				in.Name = filepath.Base(args[0])
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			x, err := c.UploadFile(cmd.Context(), in, f)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(x)
			}
			return keyValues(a.stdout, "file", x.ID, "name", x.Name, "size", strconv.FormatInt(x.Size, 10), "type", x.ContentType,
				"sha256", x.SHA256, "targets", targetsText(x.Targets))
		},
	}
	cmd.Flags().StringVar(&in.AccountID, "account", "", "the account that owns it (default: yours)")
	cmd.Flags().StringVar(&in.Name, "name", "", "the name devices see (default: the file's)")
	cmd.Flags().StringVar(&in.ContentType, "type", "", "its media type, such as application/pdf (default: guessed by the server)")
	cmd.Flags().StringVar(&in.Description, "description", "", "what the file is, for the devices' users")
	cmd.Flags().StringArrayVar(&targets, "target", nil, targetHelp)
	return cmd
}

func (a *app) filesDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete FILE",
		Short: "Delete a shared file and its content; the devices holding it remove it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.DeleteFile(cmd.Context(), args[0]); err != nil {
				return err
			}
			if !a.json {
				fmt.Fprintf(a.stdout, "File %s deleted, with its content.\n", args[0])
			}
			return nil
		},
	}
}
