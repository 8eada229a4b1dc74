package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

// Folders and groups of a client account's devices.

func (a *app) foldersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "folders",
		Short: "List, create, rename and delete folders; move devices in and out",
		Long: `Folders organise a client account's devices: a device is in at most one
folder. Apps, policies and bulk commands can target a folder.`,
	}
	cmd.AddCommand(a.foldersListCmd(), a.foldersCreateCmd(), a.foldersRenameCmd(), a.foldersDeleteCmd(),
		a.foldersMoveCmd("add"), a.foldersMoveCmd("remove"))
	return cmd
}

func (a *app) groupsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "List, create, rename and delete groups; add and remove devices",
		Long: `Groups gather a client account's devices: a device may be in many groups.
Where two groups of a device set one setting differently, the group with
the higher priority wins, then the one whose name sorts first.`,
	}
	cmd.AddCommand(a.groupsListCmd(), a.groupsCreateCmd(), a.groupsRenameCmd(), a.groupsPriorityCmd(), a.groupsDeleteCmd(),
		a.groupsMoveCmd("add"), a.groupsMoveCmd("remove"))
	return cmd
}

func (a *app) foldersListCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a client account's folders with their device counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			fs, err := c.Folders(cmd.Context(), account)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, fs, 0, func(f *steward.Folder) string { return f.ID })
			}
			if len(fs) == 0 {
				fmt.Fprintln(a.stdout, "No folders.")
				return nil
			}
			t := newTable(a.stdout, "ID", "NAME", "DEVICES", "DESCRIPTION", "UPDATED")
			for _, f := range fs {
				t.row(f.ID, f.Name, strconv.Itoa(f.DeviceCount), f.Description, when(f.UpdatedAt))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	return cmd
}

func (a *app) foldersCreateCmd() *cobra.Command {
	var account string
	var in client.FolderCreate
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a folder in a client account",
		Example: `  stewardctl folders create "Front desk" --account 01j… --description "Tablets at reception"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			in.Name = args[0]
			f, err := c.CreateFolder(cmd.Context(), account, in)
			if err != nil {
				return err
			}
			return a.printFolder(f)
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.Flags().StringVar(&in.Description, "description", "", "what the folder holds")
	return cmd
}

func (a *app) printFolder(f *steward.Folder) error {
	if a.json {
		return a.printJSON(f)
	}
	return keyValues(a.stdout, "id", f.ID, "name", f.Name, "account", f.AccountID, "devices", strconv.Itoa(f.DeviceCount),
		"description", f.Description)
}

func (a *app) foldersRenameCmd() *cobra.Command {
	var description string
	cmd := &cobra.Command{
		Use:   "rename FOLDER NAME",
		Short: "Rename a folder (and, with --description, describe it anew)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			in := client.FolderUpdate{Name: &args[1]}
			if cmd.Flags().Changed("description") {
				in.Description = &description
			}
			f, err := c.UpdateFolder(cmd.Context(), args[0], in)
			if err != nil {
				return err
			}
			return a.printFolder(f)
		},
	}
	cmd.Flags().StringVar(&description, "description", "", "a new description")
	return cmd
}

func (a *app) foldersDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete FOLDER",
		Short: "Delete a folder; its devices stay enrolled, in no folder",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.DeleteFolder(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Folder %s deleted.\n", args[0])
			return nil
		},
	}
}

// foldersMoveCmd is "folders add" (move devices in) or "folders remove".
func (a *app) foldersMoveCmd(verb string) *cobra.Command {
	short := "Move devices into a folder (out of any other); all or nothing"
	if verb == "remove" {
		short = "Take devices out of a folder; all or nothing"
	}
	return &cobra.Command{
		Use:     verb + " FOLDER DEVICE...",
		Short:   short,
		Example: "  stewardctl folders " + verb + " 01j…folder 01j…device 01j…device",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			move := c.MoveToFolder
			if verb == "remove" {
				move = c.RemoveFromFolder
			}
			f, err := move(cmd.Context(), args[0], args[1:])
			if err != nil {
				return err
			}
			return a.printFolder(f)
		},
	}
}

func (a *app) groupsListCmd() *cobra.Command {
	var account string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a client account's groups with their priorities and device counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			gs, err := c.Groups(cmd.Context(), account)
			if err != nil {
				return err
			}
			if a.json {
				return printList(a, gs, 0, func(g *steward.Group) string { return g.ID })
			}
			if len(gs) == 0 {
				fmt.Fprintln(a.stdout, "No groups.")
				return nil
			}
			t := newTable(a.stdout, "ID", "NAME", "PRIORITY", "DEVICES", "DESCRIPTION", "UPDATED")
			for _, g := range gs {
				t.row(g.ID, g.Name, strconv.Itoa(g.Priority), strconv.Itoa(g.DeviceCount), g.Description, when(g.UpdatedAt))
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	return cmd
}

func (a *app) groupsCreateCmd() *cobra.Command {
	var account string
	var in client.GroupCreate
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a group in a client account",
		Example: `  stewardctl groups create Kiosks --account 01j… --priority 10`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			in.Name = args[0]
			g, err := c.CreateGroup(cmd.Context(), account, in)
			if err != nil {
				return err
			}
			return a.printGroup(g)
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the client account (default: yours)")
	cmd.Flags().StringVar(&in.Description, "description", "", "what the group gathers")
	cmd.Flags().IntVar(&in.Priority, "priority", 0, "0 to 1000; the higher wins where two groups of a device disagree")
	return cmd
}

func (a *app) printGroup(g *steward.Group) error {
	if a.json {
		return a.printJSON(g)
	}
	return keyValues(a.stdout, "id", g.ID, "name", g.Name, "account", g.AccountID, "priority", strconv.Itoa(g.Priority),
		"devices", strconv.Itoa(g.DeviceCount), "description", g.Description)
}

func (a *app) groupsRenameCmd() *cobra.Command {
	var description string
	cmd := &cobra.Command{
		Use:   "rename GROUP NAME",
		Short: "Rename a group (and, with --description, describe it anew)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := client.GroupUpdate{Name: &args[1]}
			if cmd.Flags().Changed("description") {
				in.Description = &description
			}
			return a.updateGroup(cmd, args[0], in)
		},
	}
	cmd.Flags().StringVar(&description, "description", "", "a new description")
	return cmd
}

func (a *app) groupsPriorityCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "priority GROUP N",
		Short: "Set a group's priority (0 to 1000; the higher wins where two groups of a device disagree)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				return fmt.Errorf("priority %q: give a whole number from 0 to 1000", args[1])
			}
			return a.updateGroup(cmd, args[0], client.GroupUpdate{Priority: &n})
		},
	}
}

func (a *app) updateGroup(cmd *cobra.Command, id string, in client.GroupUpdate) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	g, err := c.UpdateGroup(cmd.Context(), id, in)
	if err != nil {
		return err
	}
	return a.printGroup(g)
}

func (a *app) groupsDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete GROUP",
		Short: "Delete a group; its devices stay enrolled and leave it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.DeleteGroup(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Group %s deleted.\n", args[0])
			return nil
		},
	}
}

// groupsMoveCmd is "groups add" or "groups remove".
func (a *app) groupsMoveCmd(verb string) *cobra.Command {
	short := "Add devices to a group; all or nothing"
	if verb == "remove" {
		short = "Remove devices from a group; all or nothing"
	}
	return &cobra.Command{
		Use:     verb + " GROUP DEVICE...",
		Short:   short,
		Example: "  stewardctl groups " + verb + " 01j…group 01j…device 01j…device",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			move := c.AddToGroup
			if verb == "remove" {
				move = c.RemoveFromGroup
			}
			g, err := move(cmd.Context(), args[0], args[1:])
			if err != nil {
				return err
			}
			return a.printGroup(g)
		},
	}
}
