package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// DefaultCommandDelay is how long an Android device takes to carry out a
// command, drawn anew each time: a lock or a message in well under a
// second, an app install in seconds to tens of seconds (download and
// install), a reboot in about a minute (the result is sent once the device
// is back up).
func DefaultCommandDelay(commandType string) time.Duration {
	between := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(rand.Int64N(int64(hi-lo)))
	}
	switch commandType {
	case protocol.CmdInstallApp, protocol.CmdUpdateApp:
		return between(4*time.Second, 40*time.Second)
	case protocol.CmdUninstallApp:
		return between(time.Second, 5*time.Second)
	case protocol.CmdReboot:
		return between(25*time.Second, 70*time.Second)
	case protocol.CmdWipe:
		return between(2*time.Second, 6*time.Second)
	case protocol.CmdSync:
		return between(500*time.Millisecond, 3*time.Second)
	case protocol.CmdClearAppCache:
		return between(300*time.Millisecond, 2*time.Second)
	default:
		return between(100*time.Millisecond, 800*time.Millisecond)
	}
}

// failures are the errors a command fails with when the failure rate
// strikes, as an Android agent would report them.
var failures = map[string][]string{
	protocol.CmdInstallApp:    {"INSTALL_FAILED_INSUFFICIENT_STORAGE", "download failed: connection reset by peer", "INSTALL_FAILED_VERIFICATION_FAILURE"},
	protocol.CmdUpdateApp:     {"INSTALL_FAILED_INSUFFICIENT_STORAGE", "INSTALL_FAILED_UPDATE_INCOMPATIBLE", "download failed: timeout"},
	protocol.CmdUninstallApp:  {"DELETE_FAILED_DEVICE_POLICY_MANAGER", "DELETE_FAILED_INTERNAL_ERROR"},
	protocol.CmdClearAppCache: {"clearing the cache failed: package is busy"},
	protocol.CmdReboot:        {"reboot refused: a call is in progress", "reboot refused: device policy does not allow it"},
	protocol.CmdSync:          {"sync failed: network unreachable"},
	protocol.CmdLock:          {"lock failed: device admin is not active"},
	protocol.CmdWipe:          {"wipe refused: device admin is not active"},
	protocol.CmdAgentEnable:   {"enabling failed: settings could not be written"},
	protocol.CmdAgentDisable:  {"disabling failed: settings could not be written"},
	protocol.CmdSendMessage:   {"notifications are blocked for the agent"},
}

// receive takes commands from a check-in answer, a long poll or a push.
// Each command ID is acted on once; commands are executed only while the
// fleet runs (otherwise they wait for their next delivery).
func (d *device) receive(cmds []protocol.Command) {
	if len(cmds) == 0 {
		return
	}
	now, serverNow := d.f.clock.Now(), d.f.serverNow()
	mono := time.Now()
	for _, c := range cmds {
		if c.ID == "" {
			continue
		}
		d.mu.Lock()
		if _, dup := d.seen[c.ID]; dup {
			d.mu.Unlock()
			d.f.c.duplicates.Add(1)
			continue
		}
		dctx := d.ctx
		if dctx == nil || dctx.Err() != nil {
			d.mu.Unlock()
			continue
		}
		if !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(serverNow) {
			d.mu.Unlock()
			d.f.c.expired.Add(1)
			continue
		}
		d.remember(c, now)
		id := d.id
		d.mu.Unlock()
		d.f.recordReceived(c, id, now, mono)
		if !d.f.spawn(func() { d.execute(dctx, c) }) {
			d.forgetSeen(c.ID)
			d.f.dropTiming(c.ID)
			continue
		}
		d.f.c.received.Add(1)
	}
}

// remember marks a command taken until it expires (or a day, if it names
// no expiry), pruning what has expired; d.mu is held.
func (d *device) remember(c protocol.Command, now time.Time) {
	if d.seen == nil {
		d.seen = map[string]seenCmd{}
	}
	if len(d.seen) >= 32 {
		for id, s := range d.seen {
			if s.forget.Before(now) {
				delete(d.seen, id)
			}
		}
	}
	forget := c.ExpiresAt
	if forget.IsZero() {
		forget = now.Add(24 * time.Hour)
	}
	d.seen[c.ID] = seenCmd{forget: forget}
}

// execute carries a command out: ack, work for a while, result.
func (d *device) execute(ctx context.Context, c protocol.Command) {
	d.exec.Lock()
	defer d.exec.Unlock()
	if ctx.Err() != nil {
		d.forgetSeen(c.ID)
		return
	}
	cred := d.credential()
	if cred == "" {
		return
	}
	ackPath := strings.Replace(protocol.PathCommandAck, "{id}", pathEscape(c.ID), 1)
	err := d.f.retry(ctx, "ack", func(ctx context.Context) error {
		return d.f.call(ctx, http.MethodPost, ackPath, cred, nil, nil)
	})
	switch {
	case isStatus(err, http.StatusNotFound, http.StatusConflict, http.StatusGone):
		// Cancelled, expired or finished meanwhile: nothing to do.
		d.f.c.gone.Add(1)
		d.f.recordEnd(c.ID, d.f.clock.Now(), "gone")
		return
	case isStatus(err, http.StatusUnauthorized):
		d.stop("credential refused at ack")
		return
	case err != nil:
		// Let a redelivery try again.
		d.f.c.requestErrors.Add(1)
		d.forgetSeen(c.ID)
		d.f.dropTiming(c.ID)
		return
	}
	d.f.c.acked.Add(1)
	d.f.recordAck(c.ID, d.f.clock.Now())

	delay := d.f.delay(c.Type)
	fails := d.roll()
	if c.Type == protocol.CmdReboot && !fails && d.enabled() {
		d.reboot(delay) // down now, the result once booted
	}
	if !sleep(ctx, delay) {
		d.f.recordEnd(c.ID, d.f.clock.Now(), "interrupted") // acknowledged, never finished
		return
	}
	var res protocol.CommandResult
	var after func()
	reason := ""
	if !fails && d.enabled() {
		reason = d.fetchAPK(ctx, cred, c) // an APK to install is downloaded and checked first
	}
	if reason != "" {
		res = protocol.CommandResult{Status: protocol.ResultFailed, Output: reason}
	} else {
		res, after = d.apply(c, fails)
	}
	resPath := strings.Replace(protocol.PathCommandResult, "{id}", pathEscape(c.ID), 1)
	err = d.f.retry(ctx, "result", func(ctx context.Context) error {
		return d.f.call(ctx, http.MethodPost, resPath, cred, res, nil)
	})
	if err != nil {
		d.f.c.requestErrors.Add(1)
		d.f.log.Debug("result not delivered", "device", d.id, "command", c.ID, "err", err)
	} else {
		switch res.Status {
		case protocol.ResultSucceeded:
			d.f.c.succeeded.Add(1)
		case protocol.ResultFailed:
			d.f.c.failed.Add(1)
		default:
			d.f.c.unsupported.Add(1)
		}
	}
	d.f.recordEnd(c.ID, d.f.clock.Now(), res.Status)
	if after != nil {
		after()
	}
}

func (d *device) forgetSeen(id string) {
	d.mu.Lock()
	delete(d.seen, id)
	d.mu.Unlock()
}

// roll tells whether the failure rate strikes a command.
func (d *device) roll() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Float64() < d.f.opts.FailureRate
}

func (d *device) enabled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.agentOn
}

// apply works a command's effect on the device and returns its result and
// what to do once the result is sent. A disabled agent runs nothing but
// agent_enable.
func (d *device) apply(c protocol.Command, fails bool) (protocol.CommandResult, func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fail := func(msg string) (protocol.CommandResult, func()) {
		return protocol.CommandResult{Status: protocol.ResultFailed, Output: msg}, nil
	}
	ok := func(msg string) (protocol.CommandResult, func()) {
		return protocol.CommandResult{Status: protocol.ResultSucceeded, Output: msg}, nil
	}
	// A package change is reported at once, as the package broadcast makes
	// an agent check in.
	changed := func(msg string) (protocol.CommandResult, func()) {
		return protocol.CommandResult{Status: protocol.ResultSucceeded, Output: msg}, d.due
	}
	msgs, known := failures[c.Type]
	switch {
	case !known:
		return protocol.CommandResult{Status: protocol.ResultUnsupported, Output: fmt.Sprintf("Unknown command type %q.", c.Type)}, nil
	case !d.agentOn && c.Type != protocol.CmdAgentEnable:
		return fail("The agent is disabled.")
	case fails:
		return fail(msgs[d.rng.IntN(len(msgs))])
	}
	now := d.f.clock.Now()
	switch c.Type {
	case protocol.CmdInstallApp, protocol.CmdUpdateApp, protocol.CmdUninstallApp, protocol.CmdClearAppCache:
		var pl protocol.AppPayload
		if err := json.Unmarshal(c.Payload, &pl); err != nil || pl.Package == "" {
			return fail("payload names no package")
		}
		i := d.find(pl.Package)
		switch c.Type {
		case protocol.CmdInstallApp:
			a := catalogueOrNew(pl.Package)
			code := pl.VersionCode
			if code <= 0 {
				code = a.baseCode()
			}
			if i >= 0 {
				d.apps[i].code = max(d.apps[i].code, code)
			} else {
				d.apps = append(d.apps, app{cat: a, code: code, work: d.p.personal})
			}
			d.noteAdded(pl.Package)
			return changed(fmt.Sprintf("installed %s (version code %d)", pl.Package, code))
		case protocol.CmdUpdateApp:
			if i < 0 {
				return fail("package not installed: " + pl.Package)
			}
			if d.apps[i].cat.Platform {
				return fail("system package is updated with the OS: " + pl.Package)
			}
			d.apps[i].code = max(d.apps[i].code+1, pl.VersionCode)
			d.noteAdded(pl.Package)
			return changed(fmt.Sprintf("updated %s to version code %d", pl.Package, d.apps[i].code))
		case protocol.CmdUninstallApp:
			if i < 0 {
				return fail("package not installed: " + pl.Package)
			}
			if d.apps[i].cat.System && !d.apps[i].work {
				return fail("DELETE_FAILED_INTERNAL_ERROR: system package")
			}
			d.apps = append(d.apps[:i], d.apps[i+1:]...)
			d.noteRemoved(pl.Package)
			return changed("uninstalled " + pl.Package)
		default:
			if i < 0 {
				return fail("package not installed: " + pl.Package)
			}
			return ok(fmt.Sprintf("cleared %d KB of cache", 64+d.rng.IntN(200_000)))
		}
	case protocol.CmdReboot:
		d.bootAt = now
		// Back up: report, then check in (the socket redials on its own).
		return protocol.CommandResult{Status: protocol.ResultSucceeded, Output: "rebooted"}, d.due
	case protocol.CmdSync:
		d.needFull = true
		return protocol.CommandResult{Status: protocol.ResultSucceeded, Output: "checking in with a full app list"}, d.due
	case protocol.CmdLock:
		return ok("locked")
	case protocol.CmdWipe:
		// The agent reports before the reset; afterwards the device is new
		// and knows no credential.
		return protocol.CommandResult{Status: protocol.ResultSucceeded, Output: "factory reset started"},
			func() { d.stop("wiped") }
	case protocol.CmdAgentEnable:
		if !d.agentOn {
			d.needFull = true
		}
		d.agentOn = true
		return ok("agent enabled")
	case protocol.CmdAgentDisable:
		d.agentOn = false
		return ok("agent disabled")
	case protocol.CmdSendMessage:
		var pl protocol.MessagePayload
		if err := json.Unmarshal(c.Payload, &pl); err != nil || pl.Body == "" {
			return fail("payload has no message body")
		}
		return ok("message shown")
	}
	return protocol.CommandResult{Status: protocol.ResultUnsupported}, nil
}
