// Command stewardctl administers a Steward server from the command line:
// accounts, credits, managers, API tokens, the audit log, devices, their
// commands and activation codes. It speaks only through the admin API
// client (package client).
//
// Sign in once with 'stewardctl login --server https://mdm.example.com';
// the API token is kept in the user's configuration folder. STEWARD_SERVER
// and STEWARD_TOKEN override what is stored.
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fd := int(os.Stdin.Fd())
	a := &app{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		getenv:       os.Getenv,
		configDir:    os.UserConfigDir,
		stdinIsTTY:   term.IsTerminal(fd),
		readPassword: func(ctx context.Context) ([]byte, error) { return readPassword(ctx, fd) },
		httpClient:   &http.Client{Timeout: 2 * time.Minute},
		hostname:     os.Hostname,
	}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// readPassword reads a line from the terminal without echo. Ctrl-C is
// caught for the whole run (to cancel requests), so it would not interrupt
// term.ReadPassword: wait for the context instead, and put the terminal
// back before giving up.
func readPassword(ctx context.Context, fd int) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		return nil, ctx.Err()
	}
}
