package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read and verify the audit log",
	}
	cmd.AddCommand(a.auditListCmd(), a.auditVerifyCmd())
	return cmd
}

func (a *app) auditListCmd() *cobra.Command {
	var f steward.AuditFilter
	var since, until string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first",
		Example: `  stewardctl audit list --since 24h
  stewardctl audit list --account 01j… --action credits. --limit 20
  stewardctl audit list --before 01j…   # the next page`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			var err error
			if f.Since, err = parseTimeFlag("--since", since, now); err != nil {
				return err
			}
			if f.Until, err = parseTimeFlag("--until", until, now); err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			es, err := c.AuditLog(cmd.Context(), f)
			if err != nil {
				return err
			}
			id := func(e *steward.AuditEntry) string { return e.ID }
			if a.json {
				return printList(a, es, f.Limit, id)
			}
			t := newTable(a.stdout, "WHEN", "ACTION", "ACTOR", "TARGET", "ACCOUNT", "SEQ", "ID")
			for _, e := range es {
				actor := e.ActorEmail
				if e.TokenID != "" {
					actor += " (token)"
				}
				t.row(when(e.CreatedAt), e.Action, actor, e.TargetType+" "+e.TargetID, e.AccountID, strconv.FormatInt(e.Seq, 10), e.ID)
			}
			if err := t.flush(); err != nil {
				return err
			}
			a.moreHint("--before", nextCursor(es, f.Limit, id))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.AccountID, "account", "", "only this account's subtree (default: yours)")
	fl.BoolVar(&f.OnlyDirect, "direct", false, "with --account: only that account's own entries, not its subtree's")
	fl.StringVar(&f.Action, "action", "", `only this action, or a prefix ending in "." such as "account."`)
	fl.StringVar(&f.ActorID, "actor", "", "only entries by this manager ID")
	fl.StringVar(&f.TargetID, "target", "", "only entries about this object ID")
	fl.StringVar(&since, "since", "", "only entries from this time on: RFC 3339, a date (2026-01-31) or an age such as 24h or 7d")
	fl.StringVar(&until, "until", "", "only entries before this time (same forms as --since)")
	fl.IntVar(&f.Limit, "limit", 50, "entries per page")
	fl.StringVar(&f.Before, "before", "", "page: entries older than this ID")
	return cmd
}

// parseTimeFlag reads an RFC 3339 time, a date (local midnight) or an age
// before now ("90m", "24h", "7d").
func parseTimeFlag(flag, v string, now time.Time) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, time.Local); err == nil {
		return &t, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			t := now.AddDate(0, 0, -n)
			return &t, nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		t := now.Add(-d)
		return &t, nil
	}
	return nil, fmt.Errorf("%s %q: give an RFC 3339 time (2026-01-31T12:00:00Z), a date (2026-01-31) or an age (24h, 7d)", flag, v)
}

// errAuditBroken makes 'audit verify' exit non-zero on a broken chain.
var errAuditBroken = errors.New("the audit chain does not verify")

func (a *app) auditVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify [ACCOUNT]",
		Short: "Verify an account's audit hash chain (default: your own account); exits 1 if broken",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			v, err := c.VerifyAudit(cmd.Context(), argOr(args, 0, ""))
			if err != nil {
				return err
			}
			if a.json {
				if err := a.printJSON(v); err != nil {
					return err
				}
			} else if v.OK {
				fmt.Fprintf(a.stdout, "ok: the audit chain of account %s verifies (%d entries).\n", v.AccountID, v.Entries)
			}
			if !v.OK {
				return fmt.Errorf("%w: account %s, entry %d: %s", errAuditBroken, v.AccountID, v.BrokenAt, v.Problem)
			}
			return nil
		},
	}
}
