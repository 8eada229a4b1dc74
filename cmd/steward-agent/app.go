package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

// app is one run of steward-agent: its streams and environment. main fills
// it from the process; tests fill it by hand.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	euid           int
	homeDir        func() (string, error)
	httpClient     *http.Client // nil: the agent's default
	root           string       // the host's filesystem root; "" means "/" (tests use a fixture)
	// rotateSignal subscribes c to the signal that asks a running agent to
	// rotate its credential and returns the unsubscribe; nil: none.
	rotateSignal func(c chan<- os.Signal) func()
}

// errUsage marks a command-line mistake; its message has been printed.
var errUsage = errors.New("usage")

const usage = `steward-agent is Steward's device agent for Linux.

Usage:
  steward-agent enroll --server URL --code CODE [--ownership company|personal] [--name NAME] [--force]
  steward-agent run [--allow-destructive] [--cache-dir DIR] [--apply-wifi-dir DIR] [--apply-ca-dir DIR] [--files-dir DIR]
  steward-agent status [--json]
  steward-agent rotate
  steward-agent version

Every command takes --state-dir DIR, --ca-file PEM (to trust a private
certificate authority) and --log-level debug|info|warn|error.
Each flag may be set in the environment instead: --cache-dir as
STEWARD_AGENT_CACHE_DIR, and so on. Run 'steward-agent COMMAND -h' for a
command's flags.
`

// run executes the command line and returns the exit code.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "enroll":
		err = a.enroll(ctx, args[1:])
	case "run":
		err = a.runAgent(ctx, args[1:])
	case "status":
		err = a.status(args[1:])
	case "rotate":
		err = a.rotate(ctx, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(a.stdout, "steward-agent %s (agent %s, protocol %d)\n", a.version(), agent.Version, protocol.Version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(a.stderr, "steward-agent: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	}
	a.printError(err)
	return exitError
}

func (a *app) version() string {
	if version != "" {
		return version
	}
	return agent.Version
}

// printError explains err and what to do about it.
func (a *app) printError(err error) {
	fmt.Fprintf(a.stderr, "steward-agent: %v\n", err)
	switch {
	case errors.Is(err, agent.ErrNotEnrolled):
		fmt.Fprintln(a.stderr, "Enroll first: steward-agent enroll --server https://your-steward-server --code CODE")
	case errors.Is(err, agent.ErrRevoked):
		fmt.Fprintln(a.stderr, "Enroll again with a new activation code: steward-agent enroll --force --server https://your-steward-server --code CODE")
	case errors.Is(err, agent.ErrBusy):
		fmt.Fprintln(a.stderr, "A running agent rotates its credential on SIGUSR1: systemctl kill -s USR1 steward-agent")
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(a.stderr, "Interrupted.")
	}
}

// flags is a subcommand's flag set with the flags every command shares.
type flags struct {
	*flag.FlagSet
	a        *app
	stateDir string
	logLevel string
	caFile   string
	fromEnv  []func() // fill secrets from the environment after parsing
}

func (a *app) flags(name, synopsis string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	f := &flags{FlagSet: fs, a: a}
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: steward-agent %s %s\n\nFlags (each also read from the environment variable shown):\n", name, synopsis)
		fs.PrintDefaults()
	}
	f.str(&f.stateDir, "state-dir", "", "folder holding the credential and the agent's state (default /var/lib/steward-agent as root, else $XDG_STATE_HOME/steward-agent)")
	f.str(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.str(&f.caFile, "ca-file", "", "PEM file of certificate authorities to trust besides the system's, for a server with a private CA")
	return f
}

// env names the variable behind a flag: --cache-dir is STEWARD_AGENT_CACHE_DIR.
func env(flagName string) string {
	return "STEWARD_AGENT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// secret defines a string flag that is read from its environment variable
// when not given, without showing the variable's value in the help.
func (f *flags) secret(p *string, name, help string) {
	f.StringVar(p, name, "", help+" ($"+env(name)+")")
	f.fromEnv = append(f.fromEnv, func() {
		if *p == "" {
			*p = f.a.getenv(env(name))
		}
	})
}

// str defines a string flag whose default comes from its environment variable.
func (f *flags) str(p *string, name, def, help string) {
	if v := f.a.getenv(env(name)); v != "" {
		def = v
	}
	f.StringVar(p, name, def, help+" ($"+env(name)+")")
}

// boolean defines a bool flag whose default comes from its environment variable.
func (f *flags) boolean(p *bool, name, help string) error {
	def := false
	if v := f.a.getenv(env(name)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fmt.Fprintf(f.a.stderr, "steward-agent: $%s=%q is not true or false\n", env(name), v)
			return errUsage
		}
		def = b
	}
	f.BoolVar(p, name, def, help+" ($"+env(name)+")")
	return nil
}

// parse reads the arguments; no positional arguments are taken.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	for _, fill := range f.fromEnv {
		fill()
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.a.stderr, "steward-agent %s: unexpected argument %q\n", f.Name(), f.Arg(0))
		f.Usage()
		return errUsage
	}
	return nil
}

// required fails with usage when a flag has no value.
func (f *flags) required(name, value string) error {
	if value == "" {
		fmt.Fprintf(f.a.stderr, "steward-agent %s: --%s (or $%s) is required\n", f.Name(), name, env(name))
		f.Usage()
		return errUsage
	}
	return nil
}

// defaultStateDir is /var/lib/steward-agent for root and a folder in the
// user's state home for anyone else.
func (a *app) defaultStateDir() (string, error) {
	if a.euid == 0 {
		return "/var/lib/steward-agent", nil
	}
	if x := a.getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "steward-agent"), nil
	}
	home, err := a.homeDir()
	if err != nil {
		return "", fmt.Errorf("find a state folder: %w (give --state-dir)", err)
	}
	return filepath.Join(home, ".local", "state", "steward-agent"), nil
}

// newAgent builds the agent from the shared flags and opts.
func (f *flags) newAgent(opts agent.Options) (*agent.Agent, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		fmt.Fprintf(f.a.stderr, "steward-agent %s: --log-level %q is not debug, info, warn or error\n", f.Name(), f.logLevel)
		return nil, errUsage
	}
	if f.stateDir == "" {
		dir, err := f.a.defaultStateDir()
		if err != nil {
			return nil, err
		}
		f.stateDir = dir
	}
	opts.StateDir = f.stateDir
	opts.Logger = slog.New(slog.NewTextHandler(f.a.stderr, &slog.HandlerOptions{Level: level}))
	opts.HTTPClient = f.a.httpClient
	if f.caFile != "" {
		c, err := clientTrusting(f.caFile)
		if err != nil {
			return nil, err
		}
		opts.HTTPClient = c
	}
	opts.Root = f.a.root
	return agent.New(opts)
}

func (a *app) enroll(ctx context.Context, args []string) error {
	f := a.flags("enroll", "--server URL --code CODE [--ownership company|personal] [--name NAME] [--force]")
	var server, code, ownership, name string
	var force bool
	f.str(&server, "server", "", "the Steward server, e.g. https://mdm.example.com")
	f.secret(&code, "code", "the activation code")
	f.str(&ownership, "ownership", "company", "who owns the device: company or personal")
	f.str(&name, "name", "", "a name for the device (optional)")
	if err := f.boolean(&force, "force", "replace an existing enrollment"); err != nil {
		return err
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.required("server", server); err != nil {
		return err
	}
	if err := f.required("code", code); err != nil {
		return err
	}
	ag, err := f.newAgent(agent.Options{Server: server})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := ag.Enroll(ctx, agent.EnrollRequest{Code: code, Ownership: ownership, Name: name, Force: force})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Enrolled as device %s (support ID %s) with %s.\nThe credential is kept in %s.\nStart the agent with: steward-agent run\n",
		st.DeviceID, st.SupportID, st.Server, f.stateDir)
	return nil
}

func (a *app) runAgent(ctx context.Context, args []string) error {
	f := a.flags("run", "[--allow-destructive] [--cache-dir DIR] [--apply-wifi-dir DIR [--wifi-reload-cmd CMD]] [--apply-ca-dir DIR [--ca-update-cmd CMD]] [--files-dir DIR]")
	var cacheDir, wifiDir, wifiReload, caDir, caUpdate, filesDir string
	var destructive bool
	if err := f.boolean(&destructive, "allow-destructive", "let the server reboot this device and wipe the agent's data"); err != nil {
		return err
	}
	f.str(&cacheDir, "cache-dir", "", "a folder dedicated to the agent whose <package> subfolders clear_app_cache empties")
	f.str(&wifiDir, "apply-wifi-dir", "", "write the policy's Wi-Fi networks as NetworkManager profiles in this folder, e.g. /etc/NetworkManager/system-connections (default: they are not applied)")
	f.str(&wifiReload, "wifi-reload-cmd", "", `a command to run after the Wi-Fi profiles change, e.g. "nmcli connection reload"`)
	f.str(&caDir, "apply-ca-dir", "", "write the policy's CA certificates in this folder, e.g. /usr/local/share/ca-certificates (default: they are not applied)")
	f.str(&caUpdate, "ca-update-cmd", "", `a command to run after the certificates change, e.g. "update-ca-certificates"`)
	f.str(&filesDir, "files-dir", "", "a folder dedicated to the agent where the files shared with this device are downloaded (without it, only their list is kept)")
	if err := f.parse(args); err != nil {
		return err
	}
	for _, pair := range [][2]string{{"wifi-reload-cmd", "apply-wifi-dir"}, {"ca-update-cmd", "apply-ca-dir"}} {
		if f.Lookup(pair[0]).Value.String() != "" && f.Lookup(pair[1]).Value.String() == "" {
			fmt.Fprintf(a.stderr, "steward-agent run: --%s needs --%s\n", pair[0], pair[1])
			return errUsage
		}
	}
	for _, d := range []*string{&cacheDir, &wifiDir, &caDir, &filesDir} {
		if *d != "" && !filepath.IsAbs(*d) {
			abs, err := filepath.Abs(*d)
			if err != nil {
				return err
			}
			*d = abs
		}
	}
	ag, err := f.newAgent(agent.Options{AllowDestructive: destructive, CacheDir: cacheDir, Messages: a.stdout,
		WiFiDir: wifiDir, WiFiReload: strings.Fields(wifiReload), CADir: caDir, CAUpdate: strings.Fields(caUpdate), FilesDir: filesDir})
	if err != nil {
		return err
	}
	if a.rotateSignal != nil {
		sig := make(chan os.Signal, 1)
		defer a.rotateSignal(sig)()
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case <-done:
					return
				case <-sig:
					if err := ag.RotateCredential(ctx); err != nil {
						fmt.Fprintf(a.stderr, "steward-agent: %v\n", err)
					}
				}
			}
		}()
	}
	err = ag.Run(ctx)
	if errors.Is(err, agent.ErrWiped) {
		fmt.Fprintf(a.stdout, "steward-agent: %v\n", err)
		return nil
	}
	return err
}

func (a *app) status(args []string) error {
	f := a.flags("status", "[--json]")
	var asJSON bool
	f.BoolVar(&asJSON, "json", false, "print the status as JSON")
	if err := f.parse(args); err != nil {
		return err
	}
	ag, err := f.newAgent(agent.Options{})
	if err != nil {
		return err
	}
	st, err := ag.Status()
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if !st.Enrolled {
		fmt.Fprintf(a.stdout, "Not enrolled (state folder %s).\n", f.stateDir)
		return nil
	}
	w := a.stdout
	fmt.Fprintf(w, "Device:        %s (support ID %s)\n", st.DeviceID, st.SupportID)
	fmt.Fprintf(w, "Server:        %s\n", st.Server)
	fmt.Fprintf(w, "Ownership:     %s\n", st.Ownership)
	if st.Name != "" {
		fmt.Fprintf(w, "Name:          %s\n", st.Name)
	}
	fmt.Fprintf(w, "Enrolled:      %s\n", st.EnrolledAt.Local().Format(time.RFC1123))
	last := "never"
	if !st.LastCheckIn.IsZero() {
		last = st.LastCheckIn.Local().Format(time.RFC1123)
	}
	fmt.Fprintf(w, "Last check-in: %s (every %s)\n", last, st.CheckInInterval)
	state := "enabled"
	if st.Disabled {
		state = "disabled"
		if st.DisabledReason != "" {
			state += ": " + st.DisabledReason
		}
	}
	fmt.Fprintf(w, "Agent:         %s, %s\n", state, map[bool]string{true: "running", false: "not running"}[st.Running])
	if st.Revoked {
		fmt.Fprintln(w, "Credential:    refused by the server: enroll again (steward-agent enroll --force)")
	}
	if st.PendingResults > 0 {
		fmt.Fprintf(w, "Pending:       %d results not yet reported\n", st.PendingResults)
	}
	if st.PolicyVersion != "" {
		fmt.Fprintf(w, "Policy:        version %s applied\n", st.PolicyVersion)
	}
	fmt.Fprintf(w, "Directory:     %d contacts, %d files\n", st.Contacts, st.Files)
	return nil
}

func (a *app) rotate(ctx context.Context, args []string) error {
	f := a.flags("rotate", "")
	if err := f.parse(args); err != nil {
		return err
	}
	ag, err := f.newAgent(agent.Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := ag.RotateCredential(ctx); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "Credential rotated; the old one no longer works.")
	return nil
}

// clientTrusting returns an HTTP client that trusts the certificate
// authorities in a PEM file besides the system's, and, like the agent's
// default client, follows no redirect.
func clientTrusting(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read --ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", caFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}
