// Command steward-agent is Steward's reference device agent for Linux: a
// thin command line over package agent.
//
//	steward-agent enroll --server https://mdm.example.com --code CODE [--ownership company|personal] [--name NAME] [--force]
//	steward-agent run [--allow-destructive] [--cache-dir DIR]
//	steward-agent status [--json]
//	steward-agent rotate
//
// Every flag can also be set with an STEWARD_AGENT_* environment variable
// (STEWARD_AGENT_CODE keeps the activation code out of the process list);
// a flag wins over the environment. The state folder is
// /var/lib/steward-agent for root, $XDG_STATE_HOME/steward-agent (or
// ~/.local/state/steward-agent) for anyone else.
//
// 'run' stops gracefully on SIGTERM or SIGINT and rotates its credential
// on SIGUSR1. It uses the standard flag package rather than cobra: the
// agent is four subcommands on a device, and every dependency is one more
// thing to ship there.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…"; the
// agent reports agent.Version to the server either way.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{
		stdout: os.Stdout, stderr: os.Stderr,
		getenv: os.Getenv, euid: os.Geteuid(), homeDir: os.UserHomeDir,
		rotateSignal: func(c chan<- os.Signal) func() {
			signal.Notify(c, syscall.SIGUSR1)
			return func() { signal.Stop(c) }
		},
	}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
