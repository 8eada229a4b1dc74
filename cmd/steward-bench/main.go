// Command steward-bench measures a real Steward server over loopback: it
// starts `steward serve` as a subprocess with a fresh database, enrolls a
// fleet, and runs the device-protocol scenarios of package bench
// (check-ins, idle polls, push fan-out), printing the figures against the
// targets in docs/performance.md.
//
//	steward-bench --devices 10000 --conns 64 --duration 15s
//	steward-bench --database postgres://postgres@127.0.0.1:5432/test --json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/stewardmdm/steward/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "steward-bench:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("steward-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o bench.Options
	fs.StringVar(&o.Steward, "steward", "", "steward `binary` to run; default ./steward, else one built with go build")
	fs.StringVar(&o.Database, "database", "", "PostgreSQL `URL`: the server runs on a fresh schema, dropped after; default SQLite in a temporary folder")
	fs.IntVar(&o.Devices, "devices", 10000, "devices to enroll")
	fs.IntVar(&o.Conns, "conns", 64, "keep-alive connections for check-ins, polls and acks")
	fs.IntVar(&o.EnrollWorkers, "enroll-workers", 16, "concurrent enrollments")
	fs.IntVar(&o.Sockets, "sockets", 0, "push WebSockets for the fan-out (default: one per device, at most 15000)")
	fs.DurationVar(&o.Duration, "duration", 15*time.Second, "measured time of each load, and the fan-out's wait")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured time before each load (0 for none)")
	scenarios := fs.String("scenarios", strings.Join(bench.Scenarios, ","), "scenarios to run after enrollment, comma-separated, or none")
	fs.BoolVar(&o.AckLater, "ack-later", false, "fan-out: devices ack once every push has arrived, not on receipt (isolates delivery from the acks' load)")
	fs.BoolVar(&o.AckOnSocket, "ack-socket", false, "fan-out: devices ack on the push socket instead of with an HTTP request")
	fs.StringVar(&o.ProfileDir, "profile", "", "run the server with its profiler (bench/stewardprof) and save CPU, heap, block and mutex profiles in `DIR`")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary folder: data and server log")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	jsonOut := fs.String("json-out", "", "also write the JSON report to `FILE`")
	quiet := fs.Bool("q", false, "print no progress on stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: steward-bench [flags]")
		fmt.Fprintln(stderr, "\nStarts steward serve, enrolls a fleet and measures the device protocol over loopback.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Warmup == 0 {
		o.Warmup = -1 // none
	}
	switch *scenarios {
	case "none":
		o.Scenarios = []string{}
	case "":
	default:
		o.Scenarios = strings.Split(*scenarios, ",")
	}
	if !*quiet {
		o.Progress = stderr
	}
	r, err := bench.Run(ctx, o)
	if r != nil && *jsonOut != "" {
		b, jerr := json.MarshalIndent(r, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
		}
		if jerr != nil {
			return errors.Join(err, jerr)
		}
	}
	if r != nil {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if jerr := enc.Encode(r); jerr != nil {
				return errors.Join(err, jerr)
			}
		} else if err == nil {
			if werr := bench.WriteText(stdout, r); werr != nil {
				return werr
			}
		}
	}
	return err
}
