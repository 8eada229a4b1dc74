// Package bench drives a real Steward server over loopback and measures
// the device protocol: enrollment, check-ins, idle polls, and the fan-out
// of one bulk command over push WebSockets. It starts `steward serve` as a
// subprocess, so that the server and the load generator each have their
// own open-file limit and their own memory, which the bench reads from the
// outside (/proc and /metrics). cmd/steward-bench is its command line;
// docs/performance.md holds the figures.
package bench

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Scenarios the bench knows, in the order it runs them.
var Scenarios = []string{"checkin", "poll", "fanout"}

// Options configure a run. Zero values take the defaults shown.
type Options struct {
	Steward       string        // server binary; "" finds ./steward or builds one
	Database      string        // PostgreSQL URL; "" for SQLite in a fresh data folder
	Devices       int           // 10000
	Conns         int           // 64 keep-alive connections for check-ins, polls and acks
	EnrollWorkers int           // 16 concurrent enrollments
	Sockets       int           // push sockets for the fan-out; default min(Devices, 15000)
	Duration      time.Duration // 15 s per scenario (the fan-out's wait)
	Warmup        time.Duration // 1 s before each load is measured; negative for none
	Scenarios     []string      // nil for all; empty (not nil) for enrollment only
	AckLater      bool          // fan-out: hold the acks until every push arrived
	AckOnSocket   bool          // fan-out: acknowledge on the push socket, not with an HTTP request
	ProfileDir    string        // when set, run stewardprof and save the server's profiles here
	Keep          bool          // keep the data folder and the server log
	Progress      io.Writer     // progress lines; default io.Discard
}

// Report is everything a run measured.
type Report struct {
	Database   string        `json:"database"` // sqlite or postgres
	Devices    int           `json:"devices"`
	Conns      int           `json:"conns"`
	Duration   time.Duration `json:"duration_ns"`
	CPUs       int           `json:"cpus"`
	Server     string        `json:"server"`
	Revision   string        `json:"revision,omitempty"` // the server's VCS revision, "+dirty" if modified
	OpenFiles  uint64        `json:"open_files_limit,omitempty"`
	Enroll     EnrollResult  `json:"enroll"`
	CheckIn    *LoadResult   `json:"checkin,omitempty"`
	Poll       *LoadResult   `json:"poll,omitempty"`
	Fanout     *FanoutResult `json:"fanout,omitempty"`
	Profiles   []string      `json:"profiles,omitempty"`
	ServerLog  string        `json:"server_log,omitempty"` // kept with Keep
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	// LoadAvg is the machine's 1-minute load average at the start and the
	// end (from /proc/loadavg): other work on the machine depresses every
	// figure.
	LoadAvg [2]float64 `json:"load_avg"`
}

func (o *Options) defaults() error {
	if o.Devices == 0 {
		o.Devices = 10000
	}
	if o.Conns == 0 {
		o.Conns = 64
	}
	if o.EnrollWorkers == 0 {
		o.EnrollWorkers = 16
	}
	if o.Sockets == 0 {
		o.Sockets = min(o.Devices, 15000)
	}
	if o.Duration == 0 {
		o.Duration = 15 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = time.Second
	} else if o.Warmup < 0 {
		o.Warmup = 0
	}
	if o.Scenarios == nil {
		o.Scenarios = Scenarios
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	switch {
	case o.Devices < 1 || o.Conns < 1 || o.EnrollWorkers < 1:
		return errors.New("devices, conns and enroll workers must be positive")
	case o.Sockets < 1 || o.Sockets > o.Devices:
		return fmt.Errorf("sockets must be from 1 to the number of devices (%d)", o.Devices)
	case o.Duration <= 0:
		return errors.New("the duration must be positive")
	}
	for _, s := range o.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return fmt.Errorf("unknown scenario %q (known: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	return nil
}

// Run starts a server, enrolls the fleet and runs the scenarios.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	r := &Report{Database: "sqlite", Devices: o.Devices, Conns: o.Conns, Duration: o.Duration, CPUs: runtime.NumCPU(),
		StartedAt: time.Now(), LoadAvg: [2]float64{loadAvg(), 0}}
	if o.Database != "" {
		r.Database = "postgres"
	}
	logf := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }
	if slices.Contains(o.Scenarios, "fanout") {
		// Sockets, the load's connections, and some slack for the rest.
		limit, err := raiseOpenFiles(o.Sockets + 2*o.Conns + 256)
		if err != nil {
			return nil, err
		}
		r.OpenFiles = limit
	}

	dir, err := os.MkdirTemp("", "steward-bench-")
	if err != nil {
		return nil, err
	}
	if o.Keep {
		logf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin, err := findSteward(ctx, o.Steward, dir, o.ProfileDir != "", o.Progress)
	if err != nil {
		return nil, err
	}
	r.Server, r.Revision = bin, revision(bin)
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	const email, password = "bench-admin@example.com", "Tz6-load-root-Rq2w"
	srv, err := startServer(ctx, serverOptions{Binary: bin, Database: o.Database, DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "server.log"), AdminEmail: email, AdminPassword: password, Profile: o.ProfileDir != ""})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := srv.stop(); err != nil {
			logf("stopping the server: %v", err)
		}
	}()
	if o.Keep {
		r.ServerLog = filepath.Join(dir, "server.log")
	}
	logf("server %s (pid %d) on %s, %s", bin, srv.pid(), srv.URL, r.Database)

	api := &apiClient{base: srv.URL, hc: &http.Client{Timeout: 5 * time.Minute}}
	fl, err := setUp(ctx, api, email, password, o.Devices)
	if err != nil {
		return nil, fmt.Errorf("set up: %w", err)
	}
	ru := &runner{o: o, r: r, srv: srv, api: api, fl: fl, logf: logf}
	if err := ru.enroll(ctx); err != nil {
		return r, fmt.Errorf("enroll: %w", err)
	}
	for _, sc := range o.Scenarios {
		var err error
		switch sc {
		case "checkin", "poll":
			err = ru.load(ctx, sc)
		case "fanout":
			err = ru.fanout(ctx)
		}
		if err != nil {
			return r, fmt.Errorf("%s: %w", sc, err)
		}
	}
	if o.ProfileDir != "" {
		ru.profile(ctx, "block.pprof", "block")
		ru.profile(ctx, "mutex.pprof", "mutex")
	}
	r.FinishedAt, r.LoadAvg[1] = time.Now(), loadAvg()
	return r, nil
}

// runner is a run under way: the server set up, the fleet it enrolls.
type runner struct {
	o       Options
	r       *Report
	srv     *server
	api     *apiClient
	fl      *fleet
	devices []device
	logf    func(format string, args ...any)
	mu      sync.Mutex // guards r.Profiles
}

// profile saves the server's profile of kind as name in the profile
// folder, if there is one.
func (ru *runner) profile(ctx context.Context, name, kind string) {
	if ru.o.ProfileDir == "" {
		return
	}
	path := filepath.Join(ru.o.ProfileDir, ru.r.Database+"-"+name)
	if err := ru.srv.profile(ctx, kind, path); err != nil {
		ru.logf("  profile %s: %v", name, err)
		return
	}
	ru.mu.Lock()
	ru.r.Profiles = append(ru.r.Profiles, path)
	ru.mu.Unlock()
}

// cpuProfile profiles the server's CPU for d.
func (ru *runner) cpuProfile(ctx context.Context, name string, d time.Duration) {
	ru.profile(ctx, name+".cpu.pprof", fmt.Sprintf("profile?seconds=%d", max(1, int(d.Round(time.Second)/time.Second))))
}

func (ru *runner) enroll(ctx context.Context) error {
	o := ru.o
	ru.logf("enrolling %d devices, %d at a time", o.Devices, o.EnrollWorkers)
	ec := loadClient(o.EnrollWorkers)
	defer ec.CloseIdleConnections()
	var late func(time.Duration)
	if o.ProfileDir != "" {
		late = func(est time.Duration) { ru.cpuProfile(ctx, "enroll-last", min(est, time.Minute)) }
	}
	devices, er, err := enroll(ctx, ec, ru.srv.URL, ru.fl.Code, o.Devices, o.EnrollWorkers, late)
	ru.r.Enroll, ru.devices = er, devices
	if err != nil {
		return err
	}
	ru.logf("  %d enrolled in %v: %.0f/s; first %d %.0f/s, last %d %.0f/s (%.0f %%); %d errors %s",
		er.Devices, er.Duration.Round(time.Millisecond), er.Rate, er.Window, er.FirstRate, er.Window, er.LastRate, 100*er.Ratio,
		er.Errors, er.FirstErr)
	return nil
}

// load runs the check-in or the poll scenario.
func (ru *runner) load(ctx context.Context, sc string) error {
	o := ru.o
	req, what := checkIn, "check-ins"
	if sc == "poll" {
		req, what = poll, "idle polls"
	}
	ru.logf("%s: %d connections over %d devices for %v (after %v of warm-up)", what, o.Conns, len(ru.devices), o.Duration, o.Warmup)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	profiled := make(chan struct{})
	go func() {
		defer close(profiled)
		select {
		case <-time.After(o.Warmup):
			ru.cpuProfile(pctx, sc, o.Duration)
		case <-pctx.Done():
		}
	}()
	lr, err := runLoad(ctx, sc, ru.srv.URL, ru.devices, o.Conns, o.Warmup, o.Duration, ru.srv.sampleCPU, req)
	if err != nil {
		cancel()
	}
	<-profiled
	if err != nil {
		return err
	}
	db := ""
	if lr.DBPerReq > 0 {
		db = fmt.Sprintf(", database %v", lr.DBPerReq)
	}
	ru.logf("  %.0f/s, p50 %v, p99 %v, %d errors %s; CPU per request: server %v%s; %s",
		lr.Rate, lr.Latency.P50, lr.Latency.P99, lr.Errors, lr.FirstErr, lr.CPUPerReq, db, lr.CPU)
	if sc == "checkin" {
		ru.r.CheckIn = &lr
	} else {
		ru.r.Poll = &lr
	}
	return nil
}

// fanout runs the fan-out scenario; with profiling, it takes a heap
// profile once the sockets settle, and a CPU profile and an execution
// trace of the bulk send.
func (ru *runner) fanout(ctx context.Context) error {
	o := ru.o
	n := min(o.Sockets, len(ru.devices))
	ru.logf("fan-out: %d push sockets, one bulk command, waiting up to %v", n, o.Duration)
	env := fanoutEnv{srv: ru.srv, api: ru.api, token: ru.fl.ResellerToken, accountID: ru.fl.ClientID, devices: ru.devices[:n],
		conns: o.Conns, dialers: o.Conns, wait: o.Duration, ackLater: o.AckLater, ackSocket: o.AckOnSocket, log: ru.logf}
	var profiles sync.WaitGroup
	if o.ProfileDir != "" {
		env.gc = func(ctx context.Context) { _ = ru.srv.profile(ctx, "heap?gc=1", os.DevNull) }
		env.onSettled = func(ctx context.Context) { ru.profile(ctx, "fanout.heap.pprof", "heap") }
		env.onSend = func(ctx context.Context) {
			profiles.Go(func() { ru.cpuProfile(ctx, "fanout", o.Duration) })
			profiles.Go(func() {
				ru.profile(ctx, "fanout.trace", fmt.Sprintf("trace?seconds=%d", int(o.Duration/time.Second)/2+1))
			})
			time.Sleep(100 * time.Millisecond) // let the profiles start
		}
	}
	fr, err := fanout(ctx, env)
	profiles.Wait()
	ru.r.Fanout = &fr
	if err != nil {
		return err
	}
	ru.logf("  memory per connected device: %.1f KiB RSS, %.1f KiB heap, %.1f KiB stack", fr.RSSPerDevice/1024,
		fr.HeapPerDevice/1024, fr.StackPerDevice/1024)
	ru.logf("  delivery first %v p50 %v p99 %v, %d of %d within 1 s; ack p50 %v p99 %v; %d errors %s; %s",
		fr.Delivery.Min, fr.Delivery.P50, fr.Delivery.P99, fr.WithinSecond, fr.Sockets, fr.Ack.P50, fr.Ack.P99, fr.AckErrors, fr.FirstErr, fr.CPU)
	return nil
}

// revision reads the VCS stamp go build put in the binary.
func revision(bin string) string {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "+dirty"
		}
	}
	if rev == "" {
		return ""
	}
	return rev[:min(12, len(rev))] + dirty
}

// loadAvg is the 1-minute load average, or -1 where /proc has none.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return -1
	}
	return v
}
