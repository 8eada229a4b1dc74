package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

// app is one run of stewardctl: its streams, its environment and the
// global flags. main fills it from the process; tests fill it by hand.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	configDir      func() (string, error)                // os.UserConfigDir
	stdinIsTTY     bool                                  // stdin is a terminal: prompts are allowed
	readPassword   func(context.Context) ([]byte, error) // reads a line from the terminal without echo
	httpClient     *http.Client                          // nil: the client's default
	hostname       func() (string, error)                // names new tokens

	// Global flags.
	server string
	json   bool

	started       bool              // the command's own code ran (so an error is not a usage error)
	fieldFlags    map[string]string // the running command's names for API fields, before the global fieldFlags
	usingEnvToken bool
	serverUsed    string
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

// run executes the command line and returns the exit code. Errors are
// printed to stderr with a hint saying what to do.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if !a.started {
		fmt.Fprintf(a.stderr, "stewardctl: %v\n", err)
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(a.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	}
	a.printError(err)
	return exitError
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "stewardctl",
		Short: "Administer a Steward MDM server",
		Long: `stewardctl administers a Steward server: accounts, credits, managers,
API tokens, the audit log, devices, commands and activation codes.

Start with 'stewardctl login --server https://mdm.example.com'. The token is
kept in your configuration folder; STEWARD_SERVER and STEWARD_TOKEN override it.`,
		Version:           version,
		SilenceUsage:      true,
		SilenceErrors:     true,
		DisableAutoGenTag: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.PersistentFlags().StringVar(&a.server, "server", "", "server URL, e.g. https://mdm.example.com (default $STEWARD_SERVER, then the one you logged in to)")
	root.PersistentFlags().BoolVar(&a.json, "json", false, "print the server's JSON instead of a table")
	root.AddCommand(a.loginCmd(), a.logoutCmd(), a.whoamiCmd(), a.accountsCmd(), a.creditsCmd(), a.tokensCmd(),
		a.auditCmd(), a.managersCmd(), a.devicesCmd(), a.commandsCmd(), a.codesCmd(), a.privacyCmd(), a.appsCmd(),
		a.foldersCmd(), a.groupsCmd(), a.complianceCmd(),
		a.policiesCmd(), a.passwordCmd())
	root.AddCommand(a.usersCmd())
	root.AddCommand(a.contactsCmd(), a.filesCmd())
	a.markStart(root)
	return root
}

// markStart wraps every command's RunE to record that cobra accepted the
// command line: errors before that are usage errors (cobra validates
// required flags after the pre-run hooks, so those cannot tell).
func (a *app) markStart(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			a.started = true
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		a.markStart(sub)
	}
}

// errNotLoggedIn means there is no token to use.
var errNotLoggedIn = errors.New("not logged in")

// client returns an API client for the server and token in use: the
// --server flag, STEWARD_SERVER or the stored server; STEWARD_TOKEN or the
// stored token. A stored token is only ever sent to the server it was
// issued by.
func (a *app) client() (*client.Client, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	server := a.serverURL(cfg)
	if server == "" {
		return nil, fmt.Errorf("%w: no server given", errNotLoggedIn)
	}
	token := a.getenv("STEWARD_TOKEN")
	a.usingEnvToken = token != ""
	if token == "" && cfg != nil && sameServer(cfg.Server, server) {
		token = cfg.Token
	}
	if token == "" {
		return nil, fmt.Errorf("%w to %s", errNotLoggedIn, server)
	}
	return a.clientFor(server, token)
}

func (a *app) clientFor(server, token string) (*client.Client, error) {
	a.serverUsed = server
	return client.New(server, token, client.WithHTTPClient(a.httpClient), client.WithUserAgent("stewardctl/"+version))
}

// serverURL is the server to talk to: flag, then environment, then the
// stored configuration.
func (a *app) serverURL(cfg *config) string {
	switch {
	case a.server != "":
		return a.server
	case a.getenv("STEWARD_SERVER") != "":
		return a.getenv("STEWARD_SERVER")
	case cfg != nil:
		return cfg.Server
	}
	return ""
}

func sameServer(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// fieldFlags names the command-line flag behind an API field, so that an
// invalid value is reported as the thing the user typed.
var fieldFlags = map[string]string{
	"name": "--name (or NAME)", "kind": "--kind", "parent_id": "--parent", "notes": "--notes",
	"amount": "AMOUNT", "reason": "--reason", "account_id": "ACCOUNT", "from_id": "--from", "to_id": "TO",
	"email": "--email", "role": "--role", "password": "the password", "expires_at": "--expires-in",
	"since": "--since", "until": "--until", "limit": "--limit", "status": "the status",
}

// flagFor names the flag behind an API field: the running command's own
// name for it, else the usual one.
func (a *app) flagFor(field string) string {
	if f := a.fieldFlags[field]; f != "" {
		return f
	}
	return fieldFlags[field]
}

// hinted is an error with advice on what to do about it.
type hinted struct {
	error
	hint string
}

func (h *hinted) Unwrap() error { return h.error }

// withHint attaches advice to err; printError shows it below the message.
func withHint(err error, hint string) error { return &hinted{error: err, hint: hint} }

// printError explains err and what to do about it.
func (a *app) printError(err error) {
	w := a.stderr
	if h := (*hinted)(nil); errors.As(err, &h) {
		defer fmt.Fprintln(w, h.hint)
	}
	server := a.serverUsed
	if server == "" {
		server = "the server"
	}
	var se *steward.Error
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "stewardctl: interrupted.")
	case errors.Is(err, errNotLoggedIn):
		fmt.Fprintf(w, "stewardctl: %v.\nRun 'stewardctl login --server https://your-steward-server' first, or set STEWARD_SERVER and STEWARD_TOKEN.\n", err)
	case errors.As(err, &se):
		msg := se.Message
		if msg == "" {
			msg = "the server refused the request (" + se.Code + ")"
		}
		fmt.Fprintf(w, "stewardctl: %s\n", msg)
		switch se.Code {
		case steward.EUNAUTHENTICATED:
			if a.usingEnvToken {
				fmt.Fprintln(w, "The token in STEWARD_TOKEN was refused: set a valid one, or unset it and run 'stewardctl login'.")
			} else {
				fmt.Fprintln(w, "Your login has ended: run 'stewardctl login' to sign in again.")
			}
		case steward.EINVALID:
			if f := a.flagFor(se.Field); f != "" {
				fmt.Fprintf(w, "Check %s.\n", f)
			} else if se.Field != "" {
				fmt.Fprintf(w, "Check the value of %q.\n", se.Field)
			}
		case steward.ERATELIMITED:
			fmt.Fprintln(w, "Wait a minute before trying again.")
		case steward.EINTERNAL:
			fmt.Fprintf(w, "The server failed; its log has the details.\n")
		}
	case client.IsNetworkError(err):
		fmt.Fprintf(w, "stewardctl: cannot reach %s: %v\nCheck the address (--server or STEWARD_SERVER) and that the server is running.\n", server, err)
	default:
		fmt.Fprintf(w, "stewardctl: %v\n", err)
	}
}
