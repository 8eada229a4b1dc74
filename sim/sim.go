// Package sim is Steward's fleet simulator: N virtual Android devices that
// speak the real device protocol (package protocol) over real HTTP and
// WebSocket, for tests, the demo and benchmarks.
//
// Each device is drawn deterministically from the fleet's seed: a model
// from a catalogue of real Android devices, an Android version weighted as
// fleets are today, identifiers in valid formats, a battery that drains and
// charges as the clock moves, and an app list of real package names. A
// personal (BYOD) device reports what a work profile can see and no more: no
// serial, SIM, IP address, GPS status or personal app.
//
// Devices behave as docs/device-protocol.md asks of an agent: check-ins at
// the server's interval, a push WebSocket pinged every minute (or a long
// poll), commands acknowledged, carried out once per ID and reported.
//
// Time comes from two places: device state (battery, uptime, patch levels,
// the timestamps in CommandTiming) follows the Clock, so a test can move
// it; scheduling (check-in intervals, command delays, reconnects) uses real
// timers.
//
// Cost, measured by BenchmarkFleetMemory at 2,000 and 10,000 devices
// (heap and stacks in use): about 4 KiB per device drawn; running, about
// 32–37 KiB and one goroutine per device with push (the socket's buffers
// and its reader), about 38–41 KiB and three goroutines with long polls
// (net/http holds a reader and a writer goroutine per connection). Connecting
// a whole fleet at once leaves idle pooled connections worth up to ~15 KiB
// per device more until they time out.
package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// Clock tells the time. It has the shape of steward.Clock, which this
// package must not import.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// AgentVersion is the agent version simulated devices report; the
// pre-release tag tells them apart from real agents.
const AgentVersion = "1.0.0-sim"

// Options configure a Fleet.
type Options struct {
	// Server is the base URL of the Steward server, e.g. http://127.0.0.1:8080.
	Server string
	// ActivationCode enrolls every device.
	ActivationCode string
	// Devices is the number of simulated devices.
	Devices int
	// Seed draws the devices: the same seed (and the same month on the
	// Clock) gives the same fleet.
	Seed int64
	// PersonalShare is the fraction of personal (BYOD) devices, 0–1.
	PersonalShare float64
	// FailureRate is the fraction of commands that fail, 0–1.
	FailureRate float64
	// LocationConsentRate is the fraction of company-owned devices' users
	// who grant location when the server asks, 0–1 (0: nobody does).
	LocationConsentRate float64
	// PolicyFailureRates is, per kind of policy setting (PolicyKinds), the
	// fraction of settings of that kind that fail on a device, 0–1; a kind
	// not named never fails.
	PolicyFailureRates map[string]float64
	// CommandDelay is how long executing a command of a type takes, between
	// the ack and the result. It must be safe for concurrent use. Default:
	// DefaultCommandDelay.
	CommandDelay func(commandType string) time.Duration
	// UsePush holds a WebSocket per device at PathPush; without it devices
	// long-poll PathCommands.
	UsePush bool
	// CheckInEvery overrides the check-in interval the server asks for.
	CheckInEvery time.Duration
	// PollWait is how long a long poll asks the server to hold (default and
	// at most protocol.MaxWaitSeconds).
	PollWait time.Duration
	// PingEvery is how often a push socket is pinged (default 50 s, ±10 %;
	// the protocol asks for at least once a minute). A socket whose pong
	// does not come within 10 s is closed and dialled again.
	PingEvery time.Duration
	// Workers bounds concurrent enrollments and check-ins (default 64).
	Workers int
	// HTTPClient is shared by every device. Default: NewHTTPClient(Devices).
	// It must not set a Timeout: requests carry their own deadlines and the
	// WebSocket dial refuses a client timeout.
	HTTPClient *http.Client
	// Logger and Clock are required.
	Logger *slog.Logger
	Clock  Clock
}

// Fleet is a set of simulated devices.
type Fleet struct {
	opts   Options
	base   *url.URL
	client *http.Client
	log    *slog.Logger
	clock  Clock
	delay  func(string) time.Duration

	devices []*device
	// endpoints are the paths from the first enrollment; every device uses them.
	endpoints atomic.Pointer[protocol.Endpoints]
	queue     chan *device // devices due for a check-in; each at most once
	c         counters
	// offset is the server's clock minus the fleet's, from the latest
	// server_time, in nanoseconds: command expiry is judged by the server's clock.
	offset atomic.Int64

	timesMu sync.Mutex
	times   map[string]*CommandTiming

	runMu   sync.Mutex
	running bool
	tasks   sync.WaitGroup // command executions and device loops of the current Run
}

// New draws a fleet. It talks to no server until Enroll.
func New(o Options) (*Fleet, error) {
	if o.Logger == nil || o.Clock == nil {
		return nil, errors.New("sim: Logger and Clock are required")
	}
	if o.Devices <= 0 {
		return nil, errors.New("sim: Devices must be positive")
	}
	if o.ActivationCode == "" {
		return nil, errors.New("sim: ActivationCode is required")
	}
	if o.PersonalShare < 0 || o.PersonalShare > 1 || o.FailureRate < 0 || o.FailureRate > 1 ||
		o.LocationConsentRate < 0 || o.LocationConsentRate > 1 {
		return nil, errors.New("sim: PersonalShare, FailureRate and LocationConsentRate must be within 0–1")
	}
	if err := checkPolicyRates(o.PolicyFailureRates); err != nil {
		return nil, err
	}
	base, err := url.Parse(o.Server)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("sim: server URL %q: want http(s)://host[:port]", o.Server)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = NewHTTPClient(o.Devices)
	}
	if o.HTTPClient.Timeout > 0 {
		return nil, errors.New("sim: HTTPClient must not set a Timeout")
	}
	if o.CommandDelay == nil {
		o.CommandDelay = DefaultCommandDelay
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.PollWait <= 0 {
		o.PollWait = protocol.MaxWaitSeconds * time.Second
	}
	o.PollWait = min(o.PollWait, protocol.MaxWaitSeconds*time.Second)
	if o.PingEvery <= 0 {
		o.PingEvery = 50 * time.Second
	}

	f := &Fleet{
		opts: o, base: base, client: o.HTTPClient, log: o.Logger, clock: o.Clock, delay: o.CommandDelay,
		queue: make(chan *device, o.Devices), times: map[string]*CommandTiming{},
	}
	now := o.Clock.Now()
	ctry, carriers := fleetCountry(o.Seed)
	f.devices = make([]*device, o.Devices)
	for i := range f.devices {
		p := newProfile(o.Seed, i, o.PersonalShare, now, ctry, carriers)
		f.devices[i] = newDevice(f, i, p, initialApps(o.Seed, i, p), now)
	}
	return f, nil
}

// NewHTTPClient returns a client for a fleet of n devices: one transport
// whose idle pool holds a connection per device and then some (a long poll
// holds one per device), HTTP/1.1 only (each device is its own client, as
// on the road; an HTTP/2 transport would multiplex the whole fleet over one
// connection), at most MaxDialing connections being opened at once, and no
// client timeout (requests carry deadlines).
func NewHTTPClient(n int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2*n + 64
	t.MaxIdleConnsPerHost = 2*n + 64
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	slots := make(chan struct{}, MaxDialing)
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		defer func() { <-slots }()
		return dialer.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: t}
}

// MaxDialing bounds the TCP connections NewHTTPClient's transport opens at
// once. Without it, ten thousand devices starting together overflow the
// server's listen backlog (4096 by default on Linux), and connections wait
// on SYN retransmits for tens of seconds: that measures the kernel, not the
// server.
const MaxDialing = 128

// Enroll enrolls every device that holds no credential yet, Workers at a
// time, retrying transient failures. It returns an error naming how many
// devices failed and the first failure; the others stay enrolled.
func (f *Fleet) Enroll(ctx context.Context) error {
	var (
		mu     sync.Mutex
		failed int
		first  error
	)
	f.each(ctx, func(d *device) bool { return !d.enrolled() && !d.isStopped() }, func(d *device) {
		if err := d.enroll(ctx); err != nil {
			f.c.enrollFailed.Add(1)
			mu.Lock()
			failed++
			if first == nil {
				first = err
			}
			mu.Unlock()
		}
	})
	if first != nil {
		return fmt.Errorf("enroll: %d of %d devices failed: %w", failed, len(f.devices), first)
	}
	f.log.Info("fleet enrolled", "devices", len(f.devices), "enrolled", f.c.enrolled.Load())
	return ctx.Err()
}

// CheckInAll checks every running-capable device in once now, Workers at a
// time, and returns how many check-ins failed with the first failure.
// Commands in the answers are executed only while Run runs; otherwise they
// wait for the next delivery.
func (f *Fleet) CheckInAll(ctx context.Context) error {
	var (
		mu     sync.Mutex
		failed int
		first  error
	)
	f.each(ctx, func(d *device) bool { return d.enrolled() }, func(d *device) {
		if err := d.checkIn(ctx); err != nil {
			mu.Lock()
			failed++
			if first == nil {
				first = err
			}
			mu.Unlock()
		}
	})
	if first != nil {
		return fmt.Errorf("check-in: %d devices failed: %w", failed, first)
	}
	return ctx.Err()
}

// each runs fn for the devices that want selects, Workers at a time.
func (f *Fleet) each(ctx context.Context, want func(*device) bool, fn func(*device)) {
	work := make(chan *device)
	var wg sync.WaitGroup
	for range min(f.opts.Workers, len(f.devices)) {
		wg.Go(func() {
			for d := range work {
				fn(d)
			}
		})
	}
	for _, d := range f.devices {
		if !want(d) {
			continue
		}
		select {
		case work <- d:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
}

// Run runs every enrolled device until ctx ends: check-ins at the server's
// interval (or CheckInEvery) with ±10 % jitter, a push WebSocket or a long
// poll per device, and command execution. It returns nil when ctx ends, an
// error if no device is enrolled or the fleet is already running.
func (f *Fleet) Run(ctx context.Context) error {
	f.runMu.Lock()
	if f.running {
		f.runMu.Unlock()
		return errors.New("sim: fleet already running")
	}
	var live []*device
	for _, d := range f.devices {
		if d.enrolled() {
			live = append(live, d)
		}
	}
	if len(live) == 0 {
		f.runMu.Unlock()
		return errors.New("sim: no device enrolled")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.running = true
	for _, d := range live {
		d.start(ctx)
	}
	f.runMu.Unlock()
	f.log.Info("fleet running", "devices", len(live), "push", f.opts.UsePush)

	var workers sync.WaitGroup
	for range min(f.opts.Workers, len(live)) {
		workers.Go(func() { f.checkInWorker(ctx) })
	}
	<-ctx.Done()
	workers.Wait()

	f.runMu.Lock()
	f.running = false
	for _, d := range live {
		d.halt()
	}
	f.runMu.Unlock()
	f.tasks.Wait()
	for {
		select {
		case d := <-f.queue:
			d.queued.Store(false)
		default:
			return nil
		}
	}
}

// checkInWorker checks in the devices that come due.
func (f *Fleet) checkInWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-f.queue:
			d.queued.Store(false)
			dctx := d.context()
			if dctx == nil || dctx.Err() != nil {
				continue
			}
			if wait := d.downFor(); wait > 0 {
				d.retryAfter(wait) // rebooting: check in once up
				continue
			}
			err := d.checkIn(dctx)
			d.scheduleNext(err)
		}
	}
}

// spawn runs fn as a task of the current Run; it reports false when the
// fleet is not running.
func (f *Fleet) spawn(fn func()) bool {
	f.runMu.Lock()
	defer f.runMu.Unlock()
	if !f.running {
		return false
	}
	f.tasks.Go(fn)
	return true
}

// jitter returns d ± frac·d.
func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 - frac + 2*frac*rand.Float64()))
}

// sleep waits d or until ctx ends, reporting whether it waited the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff is exponential backoff with full jitter: a random wait between 0
// and a bound that starts at base and doubles after each failure up to cap.
type backoff struct {
	base, cap time.Duration
	n         int
}

func (b *backoff) next() time.Duration {
	d := b.base << min(b.n, 20)
	if d > b.cap || d <= 0 {
		d = b.cap
	}
	b.n++
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func (b *backoff) reset() { b.n = 0 }

// after waits before a retry: Retry-After when the server gave one, else
// the backoff's next wait. It reports whether ctx is still live.
func (b *backoff) after(ctx context.Context, err error) bool {
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return sleep(ctx, se.RetryAfter)
	}
	return sleep(ctx, b.next())
}

// noteServerTime records the server clock's offset from the fleet's.
func (f *Fleet) noteServerTime(t time.Time) {
	if !t.IsZero() {
		f.offset.Store(int64(t.Sub(f.clock.Now())))
	}
}

// serverNow is the fleet's clock corrected by the server's offset.
func (f *Fleet) serverNow() time.Time {
	return f.clock.Now().Add(time.Duration(f.offset.Load()))
}
