package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) passwordCmd() *cobra.Command {
	var email string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Change your password (also the first one, before you can log in)",
		Long: `Change the password of your login. It signs in with your current password,
sets the new one and signs out again, so it needs no stored login: use it
for the password you were given, which must be changed before
'stewardctl login' can create a token. Your other console sessions end;
your API tokens keep working.

The passwords are read from the terminal without echo (the new one twice),
or, with --password-stdin, from standard input: the current password on the
first line, the new one on the second.`,
		Example: `  stewardctl password --server https://mdm.example.com --email you@example.com
  printf '%s\n%s\n' "$OLD" "$NEW" | stewardctl password --email you@example.com --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			server := a.serverURL(cfg)
			if server == "" {
				return errors.New("give the server's address with --server https://… (or set STEWARD_SERVER)")
			}
			server = strings.TrimRight(server, "/")
			if email == "" && cfg != nil && sameServer(cfg.Server, server) {
				email = cfg.Email
			}
			if email == "" {
				if email, err = a.prompt("Email: ", errors.New("standard input is not a terminal: give --email")); err != nil {
					return err
				}
			}
			c, err := a.clientFor(server, "")
			if err != nil {
				return err
			}
			a.warnPlainHTTP(server)
			var current, next string
			if passwordStdin {
				if current, next, err = a.twoPasswords(); err != nil {
					return err
				}
			} else {
				if current, err = a.readSecret(ctx, "Current password: ", false); err != nil {
					return err
				}
				if next, err = a.readSecret(ctx, "New password: ", false); err != nil {
					return err
				}
				again, err := a.readSecret(ctx, "New password again: ", false)
				if err != nil {
					return err
				}
				if again != next {
					return errors.New("the two new passwords differ; nothing was changed")
				}
			}
			if err := c.ChangePassword(ctx, email, current, next); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Password of %s changed on %s. Your other console sessions were signed out.\n", clean(email), server)
			if cfg == nil || cfg.Token == "" || !sameServer(cfg.Server, server) {
				fmt.Fprintln(a.stdout, "Run 'stewardctl login' to sign in with it.")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&email, "email", "e", "", "your email address (default: the stored login's, else asked for)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the current and the new password, one a line, from standard input")
	return cmd
}

// twoPasswords reads the current and the new password, one a line, from
// standard input.
func (a *app) twoPasswords() (string, string, error) {
	r := bufio.NewReader(io.LimitReader(a.stdin, 8192))
	var lines [2]string
	for i := range lines {
		line, err := r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", "", fmt.Errorf("read the passwords from standard input: %w", err)
		}
		lines[i] = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if lines[i] == "" {
			return "", "", errors.New("standard input must hold the current password on the first line and the new one on the second")
		}
	}
	return lines[0], lines[1], nil
}
