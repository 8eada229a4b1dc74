// Command steward-sim runs a fleet of simulated Android devices against a
// Steward server until interrupted (SIGINT or SIGTERM), printing the
// fleet's counters every 10 seconds. It speaks only the device protocol:
// it imports no server package.
//
//	steward-sim --server http://127.0.0.1:8080 --code CODE --devices 1000 --push
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stewardmdm/steward/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "steward-sim:", err)
		}
		os.Exit(2)
	}
}

// config is what the flags say.
type config struct {
	opts     sim.Options
	every    time.Duration
	fast     bool
	insecure bool
	verbose  bool
}

func parse(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("steward-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	o := &c.opts
	fs.StringVar(&o.Server, "server", "", "Steward server `URL`, e.g. http://127.0.0.1:8080 (required)")
	fs.StringVar(&o.ActivationCode, "code", "", "activation `code` every device enrolls with (required)")
	fs.IntVar(&o.Devices, "devices", 100, "number of simulated devices")
	fs.Float64Var(&o.PersonalShare, "personal", 0.2, "share of personal (BYOD) devices, 0–1")
	fs.Float64Var(&o.FailureRate, "failure-rate", 0.02, "share of commands that fail, 0–1")
	fs.Float64Var(&o.LocationConsentRate, "location-consent", 0.7, "share of company devices' users who grant location when asked, 0–1")
	fs.Func("policy-failures", "share of policy settings that fail, per kind, e.g. `wifi=0.1,app=0.05` (kinds: "+
		strings.Join(sim.PolicyKinds, ", ")+"; default none)", func(v string) error {
		rates, err := parseRates(v)
		o.PolicyFailureRates = rates
		return err
	})
	fs.BoolVar(&o.UsePush, "push", false, "hold a push WebSocket per device instead of long-polling")
	fs.Int64Var(&o.Seed, "seed", 1, "seed the fleet is drawn from (same seed, same devices)")
	fs.DurationVar(&o.CheckInEvery, "checkin", 0, "check-in interval, overriding the server's")
	fs.IntVar(&o.Workers, "workers", 64, "concurrent enrollments and check-ins")
	fs.DurationVar(&c.every, "stats", 10*time.Second, "how often to print the counters")
	fs.BoolVar(&c.fast, "fast", false, "carry commands out at once instead of with realistic delays")
	fs.BoolVar(&c.insecure, "insecure", false, "accept any TLS certificate (self-signed test servers only)")
	fs.BoolVar(&c.verbose, "v", false, "log every device's errors")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: steward-sim --server URL --code CODE [flags]")
		fmt.Fprintln(stderr, "\nRuns simulated Android devices against a Steward server until interrupted.")
		fmt.Fprintln(stderr, "Each device holds a connection (an open file): run large fleets in their own")
		fmt.Fprintln(stderr, "process, within the open-file limit (ulimit -n), and away from the server's.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.Server == "" || o.ActivationCode == "":
		fs.Usage()
		return nil, errors.New("--server and --code are required")
	case c.every <= 0:
		return nil, errors.New("--stats must be positive")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	o := c.opts
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	o.Clock = sim.SystemClock{}
	o.HTTPClient = sim.NewHTTPClient(o.Devices)
	if c.insecure {
		o.HTTPClient.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	if c.fast {
		o.CommandDelay = func(string) time.Duration { return 0 }
	}
	f, err := sim.New(o)
	if err != nil {
		return err
	}

	start := time.Now()
	if err := f.Enroll(ctx); err != nil {
		if f.Stats().Enrolled == 0 || ctx.Err() != nil {
			return err
		}
		o.Logger.Warn("some devices did not enroll; running the others", "err", err)
	}
	fmt.Fprintf(stdout, "enrolled %d of %d devices in %v\n", f.Stats().Enrolled, o.Devices, time.Since(start).Round(time.Millisecond))

	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fmt.Fprintln(stdout, statsLine(f.Stats(), f.TakeCommandTimes()))
			}
		}
	}()
	err = f.Run(ctx)
	<-done
	fmt.Fprintln(stdout, statsLine(f.Stats(), f.TakeCommandTimes()))
	return err
}

// statsLine formats the counters, with the first sighting → ack latency of
// the commands finished since the last line.
func statsLine(st sim.Stats, finished map[string]sim.CommandTiming) string {
	line := fmt.Sprintf("%s enrolled=%d/%d stopped=%d push=%d check-ins ok=%d failed=%d commands received=%d succeeded=%d failed=%d unsupported=%d gone=%d errors=%d policy fetched=%d unchanged=%d reports=%d",
		time.Now().Format(time.TimeOnly), st.Enrolled, st.Devices, st.Stopped, st.PushConnected,
		st.CheckInsOK, st.CheckInsFailed, st.CommandsReceived, st.CommandsSucceeded, st.CommandsFailed,
		st.CommandsUnsupported, st.CommandsGone, st.RequestErrors, st.PolicyFetches, st.PolicyNotModified, st.PolicyReports)
	if st.DirectoryFetches+st.DirectoryNotModified > 0 {
		line += fmt.Sprintf(" directory fetches=%d unchanged=%d files=%d bad=%d removed=%d",
			st.DirectoryFetches, st.DirectoryNotModified, st.FileDownloads, st.FileDownloadsBad, st.FilesRemoved)
	}
	var lat []time.Duration
	for _, t := range finished {
		if !t.AckedAt.IsZero() {
			lat = append(lat, t.ToAck)
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
		line += fmt.Sprintf(" ack p50=%v p99=%v max=%v (n=%d)", q(0.5), q(0.99), lat[len(lat)-1], len(lat))
	}
	return line
}

// parseRates reads kind=rate pairs separated by commas.
func parseRates(v string) (map[string]float64, error) {
	rates := map[string]float64{}
	for _, pair := range strings.Split(v, ",") {
		kind, rate, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return nil, fmt.Errorf("%q: want kind=rate, e.g. wifi=0.1", pair)
		}
		r, err := strconv.ParseFloat(rate, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("%q: the rate is a number from 0 to 1", pair)
		}
		if !slices.Contains(sim.PolicyKinds, kind) {
			return nil, fmt.Errorf("%q: the kinds are %s", pair, strings.Join(sim.PolicyKinds, ", "))
		}
		rates[kind] = r
	}
	return rates, nil
}
