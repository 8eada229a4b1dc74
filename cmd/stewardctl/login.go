package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

func (a *app) loginCmd() *cobra.Command {
	var email, tokenName string
	var passwordStdin bool
	var expiresIn time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in and store an API token for this server",
		Long: `Sign in with your email and password. stewardctl exchanges them for an API
token and stores the server and the token in your configuration folder,
readable by you alone. The password is read from the terminal without echo,
or from standard input with --password-stdin.`,
		Example: `  stewardctl login --server https://mdm.example.com --email you@example.com
  echo "$PASSWORD" | stewardctl login --server https://mdm.example.com --email you@example.com --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			old, err := a.loadConfig()
			if err != nil {
				return err
			}
			server := a.serverURL(old)
			if server == "" {
				return errors.New("give the server's address with --server https://… (or set STEWARD_SERVER)")
			}
			server = strings.TrimRight(server, "/")
			anon, err := a.clientFor(server, "")
			if err != nil {
				return err
			}
			a.warnPlainHTTP(server)
			if email == "" {
				if email, err = a.prompt("Email: ", errors.New("standard input is not a terminal: give --email")); err != nil {
					return err
				}
			}
			password, err := a.readSecret(ctx, "Password: ", passwordStdin)
			if err != nil {
				return err
			}
			if tokenName == "" {
				tokenName = "stewardctl"
				if h, err := a.hostname(); err == nil && h != "" {
					tokenName += " on " + h
				}
			}
			var expires *time.Time
			if expiresIn > 0 {
				t := time.Now().Add(expiresIn).UTC()
				expires = &t
			}
			tok, err := anon.PasswordTokenExpiring(ctx, email, password, tokenName, expires)
			if err != nil {
				if steward.ErrorCode(err) == steward.EFORBIDDEN && steward.ErrorField(err) == "password" {
					return withHint(err, "Change it with 'stewardctl password --server "+server+" --email "+clean(email)+
						"', then run 'stewardctl login' again.")
				}
				if steward.ErrorCode(err) == steward.EFORBIDDEN {
					return withHint(err, "Sign in to the console at "+server+"/console/ to settle this, then run 'stewardctl login' again.")
				}
				return err
			}
			c, err := a.clientFor(server, tok.Secret)
			if err != nil {
				return err
			}
			me, err := c.Me(ctx)
			if err != nil {
				return err
			}
			p, err := a.saveConfig(&config{Server: server, Token: tok.Secret, TokenID: tok.ID, Email: me.Manager.Email})
			if err != nil {
				// Do not leave a working token behind that nobody knows.
				_ = c.RevokeToken(ctx, tok.ID)
				return err
			}
			// The token this login replaces is no longer needed.
			if old != nil && old.TokenID != "" && old.TokenID != tok.ID && sameServer(old.Server, server) {
				_ = c.RevokeToken(ctx, old.TokenID)
			}
			fmt.Fprintf(a.stdout, "Logged in to %s as %s (%s of %s %q).\nToken %q saved in %s.\n", server, clean(me.Manager.Email),
				me.Role, me.Account.Kind, clean(me.Account.Name), clean(tok.Name), p)
			return nil
		},
	}
	cmd.Flags().StringVarP(&email, "email", "e", "", "your email address (asked for when omitted)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	cmd.Flags().StringVar(&tokenName, "token-name", "", `name of the API token (default "stewardctl on <host>")`)
	cmd.Flags().DurationVar(&expiresIn, "expires-in", 0, "let the token expire after this long, e.g. 720h (default: never)")
	return cmd
}

func (a *app) logoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the API token in use and forget the stored login",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			c, err := a.client()
			if errors.Is(err, errNotLoggedIn) {
				if err := a.deleteConfig(); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "Not logged in.")
				return nil
			} else if err != nil {
				return err
			}
			revokeErr := a.revokeCurrent(cmd, c, cfg)
			if err := a.deleteConfig(); err != nil {
				return err
			}
			switch code := steward.ErrorCode(revokeErr); {
			case revokeErr == nil:
				fmt.Fprintf(a.stdout, "Logged out of %s; the token is revoked.\n", a.serverUsed)
			case code == steward.EUNAUTHENTICATED:
				fmt.Fprintf(a.stdout, "Logged out of %s; the token had already ended.\n", a.serverUsed)
			default:
				return fmt.Errorf("the stored login is deleted, but the token could not be revoked, so it still works until revoked in the console: %w", revokeErr)
			}
			return nil
		},
	}
}

// revokeCurrent revokes the token the client uses. Its ID is stored at
// login; a token from STEWARD_TOKEN is found by its prefix.
func (a *app) revokeCurrent(cmd *cobra.Command, c *client.Client, cfg *config) error {
	ctx := cmd.Context()
	if !a.usingEnvToken && cfg != nil && cfg.TokenID != "" {
		return c.RevokeToken(ctx, cfg.TokenID)
	}
	id, err := a.currentTokenID(cmd, c)
	if err != nil {
		return err
	}
	return c.RevokeToken(ctx, id)
}

// currentTokenID finds the token in use among the caller's tokens.
func (a *app) currentTokenID(cmd *cobra.Command, c *client.Client) (string, error) {
	secret := a.currentSecret()
	ts, err := c.Tokens(cmd.Context(), "")
	if err != nil {
		return "", err
	}
	for _, t := range ts {
		if t.RevokedAt == nil && t.Prefix != "" && strings.HasPrefix(secret, t.Prefix) {
			return t.ID, nil
		}
	}
	return "", errors.New("the token in use is not among your tokens")
}

// currentSecret is the token secret in use, from the environment or the
// stored login.
func (a *app) currentSecret() string {
	if t := a.getenv("STEWARD_TOKEN"); t != "" {
		return t
	}
	if cfg, err := a.loadConfig(); err == nil && cfg != nil {
		return cfg.Token
	}
	return ""
}

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the login and account the token acts for",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			me, err := c.Me(cmd.Context())
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(me)
			}
			return keyValues(a.stdout, "Server", a.serverUsed, "Email", me.Manager.Email, "Name", me.Manager.Name,
				"Role", string(me.Role), "Account", me.Account.Name+" ("+string(me.Account.Kind)+")", "Account ID", me.Account.ID)
		},
	}
}

// prompt reads one line from a terminal.
// notTTY is the error when standard input is not a terminal.
func (a *app) prompt(label string, notTTY error) (string, error) {
	if !a.stdinIsTTY {
		return "", notTTY
	}
	fmt.Fprint(a.stderr, label)
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", fmt.Errorf("read %s: %w", strings.TrimSuffix(strings.ToLower(label), ": "), err)
	}
	return strings.TrimSpace(line), nil
}

// readSecret reads a password from standard input (fromStdin) or from the
// terminal without echo.
func (a *app) readSecret(ctx context.Context, label string, fromStdin bool) (string, error) {
	if fromStdin {
		b, err := io.ReadAll(io.LimitReader(a.stdin, 4096))
		if err != nil {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if pw == "" {
			return "", errors.New("standard input held no password")
		}
		return pw, nil
	}
	if !a.stdinIsTTY {
		return "", errors.New("standard input is not a terminal: pipe the password in with --password-stdin")
	}
	fmt.Fprint(a.stderr, label)
	b, err := a.readPassword(ctx)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if len(b) == 0 {
		return "", errors.New("no password given")
	}
	return string(b), nil
}

// warnPlainHTTP warns before a password crosses the network unencrypted.
func (a *app) warnPlainHTTP(server string) {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "http" {
		return
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	fmt.Fprintf(a.stderr, "warning: %s is plain HTTP; your password and token cross the network unencrypted.\n", server)
}
