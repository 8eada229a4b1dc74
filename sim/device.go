package sim

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardmdm/steward/protocol"
)

// defaultInterval is the check-in interval until the server names one.
const defaultInterval = 5 * time.Minute

// device is one simulated device. Its profile never changes; everything
// else is guarded by mu. While Run runs, a device costs one goroutine (its
// push socket or long poll) and a timer; check-ins run on the fleet's
// workers.
type device struct {
	f      *Fleet
	idx    int
	p      *profile
	queued atomic.Bool // waiting in the fleet's check-in queue

	mu       sync.Mutex
	id, cred string
	stopped  bool // wiped, or the server refused the credential
	interval time.Duration
	agentOn  bool
	apps     []app
	needFull bool     // the next check-in sends the full app list
	added    []string // packages changed since the last report
	removed  []string
	refused  map[string]bool // inventory fields the server refused
	batt     battery
	bootAt   time.Time
	rng      *rand.Rand         // failures and app churn
	seen     map[string]seenCmd // commands already taken, by ID
	failures int                // check-ins failed in a row
	lastFull time.Time          // last full app list sent (Clock)
	down     time.Time          // rebooting until then (real time)
	ctx      context.Context    // the device's life within Run
	cancel   context.CancelFunc
	timer    *time.Timer
	conn     *websocket.Conn    // the push socket, while open
	ping     *time.Timer        // next ping of conn
	dropPoll context.CancelFunc // ends the long poll in flight
	priv     privacyState       // location and browsing (privacy.go)
	pol      policyState        // the policy applied (policy.go)
	dir      directory          // the company directory held (directory.go)

	exec     sync.Mutex // one command at a time, as an agent does
	policyMu sync.Mutex // one policy application at a time
	dirMu    sync.Mutex // one directory sync at a time
	checkMu  sync.Mutex // one check-in at a time
}

// seenCmd is a command a device took, kept until its expiry so that a
// redelivery is recognised.
type seenCmd struct{ forget time.Time }

func newDevice(f *Fleet, i int, p *profile, apps []app, now time.Time) *device {
	r := rand.New(rand.NewPCG(uint64(f.opts.Seed)^0xdec1, uint64(i)))
	d := &device{
		f: f, idx: i, p: p, interval: defaultInterval, agentOn: true, apps: apps, needFull: true,
		batt: battery{level: p.battery.start, charging: p.battery.charging, at: now},
		rng:  r,
	}
	// Most devices rebooted within the last week, a few long ago.
	d.bootAt = now.Add(-time.Duration(r.ExpFloat64() * float64(72*time.Hour)))
	return d
}

func (d *device) enrolled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cred != ""
}

func (d *device) isStopped() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopped
}

func (d *device) credential() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cred
}

func (d *device) context() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ctx
}

// enroll enrolls the device, retrying transient failures.
func (d *device) enroll(ctx context.Context) error {
	p := d.p
	ownership := protocol.OwnershipCompany
	if p.personal {
		ownership = protocol.OwnershipPersonal
	}
	req := protocol.EnrollRequest{
		Protocol: protocol.Version, ActivationCode: d.f.opts.ActivationCode, Ownership: ownership,
		Platform: "android", Name: p.name, AgentVersion: AgentVersion,
		Hardware: protocol.Hardware{ID: p.hardwareID, Manufacturer: p.model.Manufacturer, Model: p.model.Name, Serial: p.serial},
	}
	var resp protocol.EnrollResponse
	err := d.f.retry(ctx, "enroll", func(ctx context.Context) error {
		return d.f.call(ctx, http.MethodPost, protocol.PathEnroll, "", req, &resp)
	})
	if err != nil {
		return err
	}
	if resp.DeviceID == "" || resp.Credential == "" {
		return errors.New("enroll: answer without device ID or credential")
	}
	if resp.Endpoints.CheckIn != "" {
		ep := resp.Endpoints
		d.f.endpoints.CompareAndSwap(nil, &ep)
	}
	d.f.noteServerTime(resp.ServerTime)
	d.mu.Lock()
	d.id, d.cred, d.needFull = resp.DeviceID, resp.Credential, true
	if resp.CheckInIntervalSeconds > 0 {
		d.interval = time.Duration(resp.CheckInIntervalSeconds) * time.Second
	}
	d.mu.Unlock()
	d.f.c.enrolled.Add(1)
	return nil
}

// start begins the device's life within Run: a first check-in now, a timer
// for the next ones, and its push socket or long poll.
func (d *device) start(ctx context.Context) {
	d.mu.Lock()
	d.ctx, d.cancel = context.WithCancel(ctx)
	dctx := d.ctx
	d.timer = time.AfterFunc(d.nextInterval(), d.due)
	d.mu.Unlock()
	d.due()
	if d.f.opts.UsePush {
		d.f.tasks.Go(func() { d.push(dctx) })
	} else {
		d.f.tasks.Go(func() { d.poll(dctx, time.Time{}) })
	}
}

// halt ends the device's life within Run.
func (d *device) halt() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	if d.cancel != nil {
		d.cancel()
	}
}

// stop makes the device forget its credential for good: after a wipe, or
// when the server refuses the credential.
func (d *device) stop(reason string) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	wasEnrolled := d.cred != ""
	d.stopped, d.cred, d.dir = true, "", directory{} // a reset device holds nothing
	if d.timer != nil {
		d.timer.Stop()
	}
	cancel := d.cancel
	d.mu.Unlock()
	if wasEnrolled {
		d.f.c.enrolled.Add(-1)
	}
	d.f.c.stopped.Add(1)
	d.f.log.Debug("device stopped", "device", d.id, "reason", reason)
	if cancel != nil {
		cancel()
	}
}

// due queues the device for a check-in unless it is queued already.
func (d *device) due() {
	if d.queued.CompareAndSwap(false, true) {
		select {
		case d.f.queue <- d:
		default: // cannot happen: the queue holds every device once
			d.queued.Store(false)
		}
	}
}

// nextInterval is the time to the next check-in; d.mu is held.
func (d *device) nextInterval() time.Duration {
	iv := d.interval
	if d.f.opts.CheckInEvery > 0 {
		iv = d.f.opts.CheckInEvery
	}
	if d.failures > 0 {
		retry := time.Duration(5<<min(d.failures-1, 10)) * time.Second
		iv = min(iv, retry)
	}
	return jitter(iv, 0.1)
}

// scheduleNext sets the timer for the next check-in after one ended.
func (d *device) scheduleNext(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.failures++
	} else {
		d.failures = 0
	}
	next := d.nextInterval()
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		next = jitter(se.RetryAfter, 0.1) // the server said when
	}
	if d.timer != nil && !d.stopped && d.ctx != nil && d.ctx.Err() == nil {
		d.timer.Reset(next)
	}
}

// retryAfter sets the timer for a check-in after d.
func (d *device) retryAfter(wait time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.stopped && d.ctx != nil && d.ctx.Err() == nil {
		d.timer.Reset(wait)
	}
}

// checkIn reports the device's state and takes the answer's commands.
func (d *device) checkIn(ctx context.Context) error {
	cred := d.credential()
	if cred == "" {
		return errors.New("check-in: not enrolled")
	}
	d.checkMu.Lock()
	defer d.checkMu.Unlock()
	req, taken := d.buildCheckIn()
	var resp protocol.CheckInResponse
	err := d.f.call(ctx, http.MethodPost, d.f.path("checkin"), cred, req, &resp)
	if err != nil {
		d.giveBack(taken)
		if ctx.Err() != nil {
			return err // stopping, not failing
		}
		d.f.c.checkInsFailed.Add(1)
		if isStatus(err, http.StatusUnauthorized) {
			d.stop("credential refused at check-in")
		}
		return err
	}
	d.f.c.checkInsOK.Add(1)
	d.f.noteServerTime(resp.ServerTime)
	d.mu.Lock()
	if d.f.opts.CheckInEvery == 0 && resp.CheckInIntervalSeconds > 0 {
		d.interval = time.Duration(resp.CheckInIntervalSeconds) * time.Second
	}
	if resp.AgentEnabled && !d.agentOn {
		d.needFull = true
	}
	d.agentOn = resp.AgentEnabled
	for _, field := range resp.Refused {
		if d.refused == nil {
			d.refused = map[string]bool{}
		}
		d.refused[field] = true
	}
	policy := d.wantsPolicy(resp.PolicyVersion)
	d.mu.Unlock()
	d.f.c.refusals.Add(int64(len(resp.Refused)))
	d.receive(resp.Commands)
	d.privacy(ctx, resp.Privacy)
	if policy {
		d.syncPolicy(ctx)
	}
	if resp.DirectoryVersion != d.directoryVersion() {
		d.syncDirectory(ctx)
	}
	return nil
}

// reported is what a check-in took from the device's pending changes, to be
// given back if the check-in fails.
type reported struct {
	full           bool
	added, removed []string
}

// buildCheckIn advances the device's state to now and writes its report.
func (d *device) buildCheckIn() (protocol.CheckInRequest, reported) {
	now := d.f.clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.p
	d.batt.advance(&p.battery, now)
	req := protocol.CheckInRequest{Protocol: protocol.Version}
	if !d.agentOn {
		// A disabled agent checks in only to learn when it is enabled again.
		return req, reported{}
	}
	if now.Sub(d.lastFull) >= 24*time.Hour {
		d.needFull = true // at least once a day
	}
	if !d.needFull {
		d.churn()
	}
	uptime := int64(now.Sub(d.bootAt) / time.Second)
	inv := &protocol.Inventory{
		Manufacturer: p.model.Manufacturer, Model: p.model.Name, Serial: p.serial, IP: p.ip, SIM: p.sim,
		OSVersion: strconv.Itoa(p.os), PendingOSUpdate: p.pending, PatchLevel: p.patch,
		SystemSignature: p.signature, Battery: d.batt.report(&p.battery),
		AgentVersion: AgentVersion, AgentState: "enabled", UptimeSeconds: &uptime,
	}
	if !p.personal {
		gps := p.gps
		inv.GPSEnabled = &gps
	}
	d.dropRefused(inv)
	req.Inventory = inv

	taken := reported{full: d.needFull, added: d.added, removed: d.removed}
	switch {
	case d.needFull:
		var full []protocol.App
		for _, a := range d.apps {
			if d.reportable(a) {
				full = append(full, a.wire(p.os))
			}
		}
		req.Apps = &protocol.AppReport{Full: full}
		d.lastFull = now
	case len(d.added)+len(d.removed) > 0:
		rep := &protocol.AppReport{Removed: d.removed}
		for _, pkg := range d.added {
			if i := d.find(pkg); i >= 0 {
				rep.Added = append(rep.Added, d.apps[i].wire(p.os))
			}
		}
		req.Apps = rep
	}
	d.needFull, d.added, d.removed = false, nil, nil
	return req, taken
}

// giveBack restores the changes a failed check-in took.
func (d *device) giveBack(t reported) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.needFull = d.needFull || t.full
	for _, pkg := range t.added {
		if d.find(pkg) >= 0 {
			d.noteAdded(pkg)
		} else {
			d.noteRemoved(pkg)
		}
	}
	for _, pkg := range t.removed {
		if d.find(pkg) < 0 {
			d.noteRemoved(pkg)
		}
	}
}

// dropRefused leaves out the fields the server refused before.
func (d *device) dropRefused(inv *protocol.Inventory) {
	for field := range d.refused {
		switch field {
		case "sim", "iccid", "imei", "phone_number":
			inv.SIM = nil
		case "serial":
			inv.Serial = ""
		case "ip":
			inv.IP = ""
		case "gps_enabled":
			inv.GPSEnabled = nil
		case "battery":
			inv.Battery = nil
		case "uptime_seconds":
			inv.UptimeSeconds = nil
		}
	}
}

// reportable tells whether an app may be reported: a personal device
// reports its work profile only.
func (d *device) reportable(a app) bool { return !d.p.personal || a.work }

// find returns the index of the reportable app with a package, or -1.
// On a personal device only the work profile is looked at.
func (d *device) find(pkg string) int {
	for i, a := range d.apps {
		if a.cat.Package == pkg && d.reportable(a) {
			return i
		}
	}
	return -1
}

func (d *device) noteAdded(pkg string) {
	d.removed = without(d.removed, pkg)
	if !contains(d.added, pkg) {
		d.added = append(d.added, pkg)
	}
}

func (d *device) noteRemoved(pkg string) {
	d.added = without(d.added, pkg)
	if !contains(d.removed, pkg) {
		d.removed = append(d.removed, pkg)
	}
}

// churn changes apps now and then, as users and app stores do: an update
// (6 %), a new business app (1.5 %), a removal (1 %). d.mu is held.
func (d *device) churn() {
	r := d.rng
	if x := r.Float64(); x < 0.06 && len(d.apps) > 0 {
		i := r.IntN(len(d.apps))
		if !d.apps[i].cat.Platform {
			d.apps[i].code++
			if d.reportable(d.apps[i]) {
				d.noteAdded(d.apps[i].cat.Package)
			}
		}
	} else if x < 0.075 {
		group := "business"
		if d.p.model.Kind == kindRugged {
			group = "rugged"
		}
		g := appGroups[group]
		a := g[r.IntN(len(g))]
		if d.find(a.Package) < 0 {
			d.apps = append(d.apps, app{cat: a, code: a.baseCode(), work: d.p.personal})
			d.noteAdded(a.Package)
		}
	} else if x < 0.085 && len(d.apps) > 0 {
		i := r.IntN(len(d.apps))
		if a := d.apps[i]; !a.cat.System {
			d.apps = append(d.apps[:i], d.apps[i+1:]...)
			if d.reportable(a) {
				d.noteRemoved(a.cat.Package)
			}
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func without(s []string, v string) []string {
	for i, x := range s {
		if x == v {
			return append(s[:i:i], s[i+1:]...)
		}
	}
	return s
}

// downFor is how long the device is still rebooting.
func (d *device) downFor() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return time.Until(d.down)
}

// push holds the device's WebSocket as the protocol asks: reconnect with
// full-jitter backoff (1 s doubling to 5 min, reset once a connection
// lasted a minute), stop on 401, and long-poll for a while when the server
// answers without upgrading.
func (d *device) push(ctx context.Context) {
	b := backoff{base: time.Second, cap: 5 * time.Minute}
	for ctx.Err() == nil {
		if !sleep(ctx, d.downFor()) {
			return
		}
		conn, err := d.dial(ctx)
		switch {
		case err == nil:
		case isStatus(err, http.StatusUnauthorized):
			d.stop("credential refused at push")
			return
		case upgradeRefused(err):
			d.f.log.Debug("no WebSocket; long-polling for a while", "device", d.id, "err", err)
			d.f.c.pushFallbacks.Add(1)
			d.poll(ctx, time.Now().Add(jitter(5*time.Minute, 0.2)))
			continue
		default:
			d.f.log.Debug("push dial failed", "device", d.id, "err", err)
			b.after(ctx, err)
			continue
		}
		connected := time.Now()
		d.f.c.pushConnected.Add(1)
		d.f.c.pushConnects.Add(1)
		d.mu.Lock()
		d.conn = conn
		d.ping = time.AfterFunc(jitter(d.f.opts.PingEvery, 0.1), func() { d.f.spawn(func() { d.pingPush(ctx, conn) }) })
		d.mu.Unlock()
		// Pushes sent while the socket was down are not replayed.
		if _, err := d.fetch(ctx, 0); isStatus(err, http.StatusUnauthorized) {
			d.stop("credential refused at commands")
		}
		err = d.readPush(ctx, conn)
		d.mu.Lock()
		d.conn = nil
		d.ping.Stop()
		d.mu.Unlock()
		d.f.c.pushConnected.Add(-1)
		conn.CloseNow()
		if ctx.Err() != nil {
			return
		}
		d.f.log.Debug("push socket closed", "device", d.id, "err", err)
		if time.Since(connected) >= time.Minute {
			b.reset()
		}
		sleep(ctx, b.next())
	}
}

// upgradeRefused reports whether the server (or a proxy) answered the
// WebSocket dial with a plain HTTP answer that retrying will not change.
func upgradeRefused(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status != http.StatusUnauthorized &&
		se.Status != http.StatusTooManyRequests && se.Status < 500
}

// dial opens the push WebSocket.
func (d *device) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+d.credential())
	h.Set("User-Agent", "steward-sim/"+AgentVersion)
	conn, resp, err := websocket.Dial(ctx, d.f.url(d.f.path("push"), nil), &websocket.DialOptions{
		HTTPClient: d.f.client, HTTPHeader: h,
	})
	if err != nil {
		if resp != nil {
			return nil, statusError("push", resp)
		}
		return nil, err
	}
	conn.SetReadLimit(protocol.MaxCheckInBody)
	return conn, nil
}

// readPush reads push messages until the socket fails or ctx ends.
func (d *device) readPush(ctx context.Context, conn *websocket.Conn) error {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var m protocol.PushMessage
		if err := json.Unmarshal(data, &m); err != nil {
			d.f.log.Debug("bad push message", "device", d.id, "err", err)
			continue
		}
		switch m.Type {
		case protocol.PushCommands:
			if len(m.Commands) > 0 {
				d.receive(m.Commands)
			} else if _, err := d.fetch(ctx, 0); isStatus(err, http.StatusUnauthorized) {
				d.stop("credential refused at commands")
			}
		case protocol.PushPoke:
			d.due()
		case protocol.PushRefresh:
			if contains(m.Refresh, protocol.RefreshPolicy) {
				d.f.spawn(func() { d.syncPolicy(ctx) })
			}
			if slices.Contains(m.Refresh, protocol.RefreshDirectory) {
				d.f.spawn(func() { d.syncDirectory(ctx) })
			}
		} // other types are for later agents
	}
}

// pingPush pings the socket and schedules the next ping; a socket whose
// pong does not come is closed, and the reader dials again.
func (d *device) pingPush(ctx context.Context, conn *websocket.Conn) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := conn.Ping(pctx)
	cancel()
	if err != nil {
		conn.CloseNow()
		return
	}
	d.f.c.pings.Add(1)
	d.mu.Lock()
	if d.conn == conn {
		d.ping.Reset(jitter(d.f.opts.PingEvery, 0.1))
	}
	d.mu.Unlock()
}

// poll long-polls for commands until ctx ends or, if until is not zero,
// until then: each answer is followed at once by the next request, errors
// by full-jitter backoff.
func (d *device) poll(ctx context.Context, until time.Time) {
	b := backoff{base: time.Second, cap: 5 * time.Minute}
	wait := max(int(d.f.opts.PollWait/time.Second), 1)
	for ctx.Err() == nil && (until.IsZero() || time.Now().Before(until)) {
		if !sleep(ctx, d.downFor()) {
			return
		}
		pctx, cancel := context.WithCancel(ctx)
		d.mu.Lock()
		d.dropPoll = cancel
		d.mu.Unlock()
		start := time.Now()
		n, err := d.fetch(pctx, wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case pctx.Err() != nil:
			// Cut by a reboot: the loop waits for the boot.
		case isStatus(err, http.StatusUnauthorized):
			d.stop("credential refused at commands")
			return
		case err != nil:
			d.f.log.Debug("long poll failed", "device", d.id, "err", err)
			b.after(ctx, err)
		default:
			b.reset()
			if n == 0 && time.Since(start) < time.Second {
				sleep(ctx, time.Second) // a server that does not hold the request
			}
		}
	}
}

// fetch gets the pending commands, holding up to wait seconds, and takes
// them; it returns how many came.
func (d *device) fetch(ctx context.Context, wait int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(wait)*time.Second+30*time.Second)
	defer cancel()
	var q map[string]string
	if wait > 0 {
		q = map[string]string{"wait": strconv.Itoa(wait)}
	}
	var resp protocol.CommandsResponse
	if err := d.f.get(ctx, d.f.path("commands"), q, d.credential(), &resp); err != nil {
		return 0, err
	}
	d.receive(resp.Commands)
	return len(resp.Commands), nil
}

// reboot takes the device down for a while: its socket and long poll drop,
// its check-ins wait, and it comes back (reconnects, checks in) after.
func (d *device) reboot(boot time.Duration) {
	d.mu.Lock()
	d.down = time.Now().Add(boot)
	conn, drop := d.conn, d.dropPoll
	d.mu.Unlock()
	if conn != nil {
		conn.Close(websocket.StatusGoingAway, "rebooting")
	}
	if drop != nil {
		drop()
	}
}
