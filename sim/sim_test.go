package sim_test

import (
	"context"
	"log/slog"
	"math"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/sim"
)

// fakeClock moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, time.March, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func fastDelay(string) time.Duration { return time.Millisecond }

// newFleet draws a fleet of n devices against s; change adjusts the options.
func newFleet(t *testing.T, s *fakeServer, n int, change func(*sim.Options)) *sim.Fleet {
	t.Helper()
	o := sim.Options{
		Server: s.URL, ActivationCode: s.code, Devices: n, Seed: 42, PersonalShare: 0.2,
		CommandDelay: fastDelay, PollWait: 5 * time.Second,
		Logger: slog.New(slog.DiscardHandler), Clock: newClock(),
	}
	if change != nil {
		change(&o)
	}
	f, err := sim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func enroll(t *testing.T, f *sim.Fleet) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := f.Enroll(ctx); err != nil {
		t.Fatal(err)
	}
}

// run runs the fleet until the returned stop is called (or the test ends).
func run(t *testing.T, f *sim.Fleet) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return within 10 s of cancellation")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkInAll(t *testing.T, f *sim.Fleet) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := f.CheckInAll(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	good := sim.Options{Server: "http://127.0.0.1:1", ActivationCode: "x", Devices: 1,
		Logger: slog.New(slog.DiscardHandler), Clock: newClock()}
	for name, change := range map[string]func(*sim.Options){
		"no logger":    func(o *sim.Options) { o.Logger = nil },
		"no clock":     func(o *sim.Options) { o.Clock = nil },
		"no devices":   func(o *sim.Options) { o.Devices = 0 },
		"no code":      func(o *sim.Options) { o.ActivationCode = "" },
		"bad URL":      func(o *sim.Options) { o.Server = "127.0.0.1:8080" },
		"bad share":    func(o *sim.Options) { o.PersonalShare = 1.5 },
		"bad failures": func(o *sim.Options) { o.FailureRate = -0.1 },
	} {
		o := good
		change(&o)
		if _, err := sim.New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := sim.New(good); err != nil {
		t.Errorf("good options: %v", err)
	}
}

func TestEnrollAndCheckIn(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 200, func(o *sim.Options) { o.CheckInEvery = 100 * time.Millisecond })
	enroll(t, f)
	if st := f.Stats(); st.Enrolled != 200 || st.EnrollFailed != 0 {
		t.Fatalf("after Enroll: %+v", st)
	}
	stop := run(t, f)
	waitFor(t, "every device to check in three times", func() bool { return s.minCheckIns() >= 3 })
	stop()
	st := f.Stats()
	if st.CheckInsOK < 600 || st.CheckInsFailed != 0 {
		t.Errorf("check-ins: %d ok, %d failed", st.CheckInsOK, st.CheckInsFailed)
	}
	devices := s.snapshot()
	if len(devices) != 200 {
		t.Fatalf("server has %d devices, want 200", len(devices))
	}
	for _, d := range devices {
		first := d.checkIns[0]
		if first.Inventory == nil || first.Inventory.Model == "" || first.Inventory.OSVersion == "" ||
			first.Inventory.Battery == nil || first.Inventory.AgentVersion != sim.AgentVersion {
			t.Fatalf("device %s: thin first inventory %+v", d.id, first.Inventory)
		}
		if first.Apps == nil || len(first.Apps.Full) == 0 {
			t.Fatalf("device %s: first check-in without the full app list", d.id)
		}
		for _, later := range d.checkIns[1:] {
			if later.Apps != nil && later.Apps.Full != nil {
				t.Fatalf("device %s: full app list sent again", d.id)
			}
		}
	}
	s.checkViolations(t)
}

// inventories checks every device in once and returns, by hardware ID, the
// enrollment and the first check-in.
func inventories(t *testing.T, seed int64, personal float64) map[string]fakeDevice {
	t.Helper()
	s := newFakeServer(t)
	f := newFleet(t, s, 200, func(o *sim.Options) { o.Seed, o.PersonalShare = seed, personal })
	enroll(t, f)
	checkInAll(t, f)
	out := map[string]fakeDevice{}
	for _, d := range s.snapshot() {
		d.id, d.credential, d.conn, d.wake = "", "", nil, nil
		out[d.enroll.Hardware.ID] = d
	}
	s.checkViolations(t)
	return out
}

func TestInventoryIsDeterministicAndVaried(t *testing.T) {
	a, b := inventories(t, 7, 0.2), inventories(t, 7, 0.2)
	opt := cmp.AllowUnexported(fakeDevice{})
	if diff := cmp.Diff(a, b, opt); diff != "" {
		t.Fatalf("same seed, different fleets (-first +second):\n%s", diff)
	}
	c := inventories(t, 8, 0.2)
	same := 0
	for id := range c {
		if _, ok := a[id]; ok {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 7 and 8 share %d hardware IDs", same)
	}

	models, manufacturers, versions, patches := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var personal, pending, gpsOff, charging, withSIM int
	patchRE := regexp.MustCompile(`^20\d\d-(0[1-9]|1[0-2])-0[15]$`)
	for _, d := range a {
		inv := d.checkIns[0].Inventory
		models[inv.Manufacturer+" "+inv.Model]++
		manufacturers[inv.Manufacturer]++
		versions[inv.OSVersion]++
		patches[inv.PatchLevel]++
		if v, err := strconv.Atoi(inv.OSVersion); err != nil || v < 11 || v > 15 {
			t.Errorf("OS version %q outside 11–15", inv.OSVersion)
		}
		if !patchRE.MatchString(inv.PatchLevel) {
			t.Errorf("patch level %q", inv.PatchLevel)
		}
		if inv.PendingOSUpdate != "" {
			pending++
		}
		if inv.Battery.Charging {
			charging++
		}
		if inv.SIM != nil {
			withSIM++
		}
		if inv.Battery.Level < 0 || inv.Battery.Level > 100 || inv.Battery.Health == "" {
			t.Errorf("battery %+v", inv.Battery)
		}
		n := len(d.checkIns[0].Apps.Full)
		if d.enroll.Ownership == protocol.OwnershipPersonal {
			personal++
			if n < 1 || n > 40 {
				t.Errorf("personal device reports %d work apps", n)
			}
			continue
		}
		if inv.GPSEnabled != nil && !*inv.GPSEnabled {
			gpsOff++
		}
		if n < 30 || n > 120 {
			t.Errorf("company device %s %s has %d apps, want 30–120", inv.Manufacturer, inv.Model, n)
		}
		if inv.Serial == "" || d.enroll.Hardware.Serial != inv.Serial {
			t.Errorf("company device serial %q, enrolled with %q", inv.Serial, d.enroll.Hardware.Serial)
		}
	}
	t.Logf("models %v", models)
	t.Logf("OS versions %v", versions)
	switch {
	case len(models) < 8 || len(manufacturers) < 5:
		t.Errorf("only %d models from %d manufacturers", len(models), len(manufacturers))
	case len(versions) < 5:
		t.Errorf("OS versions %v: want all of 11–15", versions)
	case len(patches) < 8:
		t.Errorf("only %d patch levels", len(patches))
	case personal < 20 || personal > 60:
		t.Errorf("%d personal devices of 200 at a share of 0.2", personal)
	case pending == 0 || gpsOff == 0 || charging == 0 || withSIM == 0:
		t.Errorf("no variety: %d pending updates, %d with GPS off, %d charging, %d with a SIM", pending, gpsOff, charging, withSIM)
	}
}

func TestPersonalDevicesReportWorkProfileOnly(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 200, func(o *sim.Options) { o.PersonalShare = 0.5 })
	enroll(t, f)
	// Several rounds, so that app deltas (updates, installs, removals) are
	// sent too.
	for range 25 {
		checkInAll(t, f)
	}
	var personal, company, deltas int
	for _, d := range s.snapshot() {
		isPersonal := d.enroll.Ownership == protocol.OwnershipPersonal
		if !isPersonal {
			company++
			continue
		}
		personal++
		if d.enroll.Hardware.Serial != "" {
			t.Errorf("personal device %s enrolled with serial %q", d.id, d.enroll.Hardware.Serial)
		}
		for _, c := range d.checkIns {
			if inv := c.Inventory; inv.SIM != nil || inv.Serial != "" || inv.GPSEnabled != nil {
				t.Fatalf("personal device %s reported SIM %v, serial %q or GPS %v", d.id, inv.SIM, inv.Serial, inv.GPSEnabled)
			}
			if c.Apps == nil {
				continue
			}
			if c.Apps.Full == nil {
				deltas++
			}
			for _, a := range append(c.Apps.Full, c.Apps.Added...) {
				if !a.WorkProfile {
					t.Fatalf("personal device %s reported %s outside the work profile", d.id, a.Package)
				}
			}
		}
	}
	if personal < 70 || company < 70 {
		t.Errorf("%d personal and %d company devices at a share of 0.5", personal, company)
	}
	if deltas == 0 {
		t.Error("no personal device sent an app delta in 25 check-ins")
	}
	s.checkViolations(t)
}

// luhnValid reports whether a string of digits passes the Luhn check.
func luhnValid(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestLuhnValid(t *testing.T) {
	for s, want := range map[string]bool{
		"490154203237518": true, "490154203237517": false, // the IMEI example of GSMA TS.06
		"79927398713": true, "79927398710": false,
	} {
		if luhnValid(s) != want {
			t.Errorf("luhnValid(%s) = %v", s, !want)
		}
	}
}

func TestIdentifiersHaveValidFormats(t *testing.T) {
	devs := inventories(t, 3, 0)
	imeiRE := regexp.MustCompile(`^35\d{13}$`)
	iccidRE := regexp.MustCompile(`^89\d{17,18}$`)
	phoneRE := regexp.MustCompile(`^\+[1-9]\d{8,14}$`)
	ipRE := regexp.MustCompile(`^(10|100)\.\d{1,3}\.\d{1,3}\.\d{1,3}$`)
	fingerprintRE := regexp.MustCompile(`^[a-z]+/\w+/\w+:(1[1-5])/[A-Z0-9]{4}\.\d{6}\.\d{3}/\d+:user/release-keys$`)
	imeis := map[string]bool{}
	for _, d := range devs {
		inv := d.checkIns[0].Inventory
		if !ipRE.MatchString(inv.IP) {
			t.Errorf("IP %q", inv.IP)
		}
		if m := fingerprintRE.FindStringSubmatch(inv.SystemSignature); m == nil || m[1] != inv.OSVersion {
			t.Errorf("build fingerprint %q for Android %s", inv.SystemSignature, inv.OSVersion)
		}
		sim := inv.SIM
		if sim == nil {
			continue
		}
		if !imeiRE.MatchString(sim.IMEI) || !luhnValid(sim.IMEI) {
			t.Errorf("IMEI %q fails the format or the Luhn check", sim.IMEI)
		}
		if !iccidRE.MatchString(sim.ICCID) || !luhnValid(sim.ICCID) {
			t.Errorf("ICCID %q fails the format or the Luhn check", sim.ICCID)
		}
		if !phoneRE.MatchString(sim.PhoneNumber) {
			t.Errorf("phone number %q is not E.164", sim.PhoneNumber)
		}
		if imeis[sim.IMEI] {
			t.Errorf("IMEI %s twice", sim.IMEI)
		}
		imeis[sim.IMEI] = true
	}
	if len(imeis) < 80 {
		t.Errorf("only %d of 200 company devices have a SIM", len(imeis))
	}
}

func TestCommandsAreAckedAndResultedOnce(t *testing.T) {
	for _, push := range []bool{true, false} {
		t.Run("push="+strconv.FormatBool(push), func(t *testing.T) {
			const n, rate = 200, 0.1
			s := newFakeServer(t)
			f := newFleet(t, s, n, func(o *sim.Options) { o.UsePush, o.FailureRate = push, rate })
			enroll(t, f)
			run(t, f)
			if push {
				waitFor(t, "every push socket", func() bool { return f.Stats().PushConnected == n && s.connected() == n })
			}
			ids := s.enqueue(protocol.CmdLock, nil)
			waitFor(t, "every result", func() bool {
				st := f.Stats()
				return st.CommandsSucceeded+st.CommandsFailed == n
			})
			byID := f.CommandTimes()
			failed := 0
			for _, d := range s.snapshot() {
				c := d.commands[0]
				if c.acks != 1 || len(c.results) != 1 {
					t.Fatalf("device %s: command %s acked %d times, %d results", d.id, c.cmd.ID, c.acks, len(c.results))
				}
				if c.results[0].Status == protocol.ResultFailed {
					failed++
					if c.results[0].Output == "" {
						t.Errorf("failure without output")
					}
				}
				tm, ok := byID[ids[d.id]]
				if !ok || tm.DeviceID != d.id || tm.Type != protocol.CmdLock || tm.AckedAt.IsZero() || tm.ToAck <= 0 {
					t.Fatalf("timing of %s: %+v (found %v)", c.cmd.ID, tm, ok)
				}
			}
			// Binomial(200, 0.1): mean 20, sd 4.2; the fleet's draws are seeded.
			if sd := math.Sqrt(n * rate * (1 - rate)); math.Abs(float64(failed)-n*rate) > 3.5*sd {
				t.Errorf("%d of %d commands failed at a rate of %.2f", failed, n, rate)
			}
			st := f.Stats()
			if st.CommandsReceived != n || st.CommandsAcked != n || int(st.CommandsFailed) != failed {
				t.Errorf("stats %+v, %d failures seen by the server", st, failed)
			}
			if push && st.CommandsDuplicate < n {
				t.Errorf("%d duplicate deliveries noticed, want at least %d (every push came twice)", st.CommandsDuplicate, n)
			}
			done := f.TakeCommandTimes()
			if len(done) != n || len(f.CommandTimes()) != 0 {
				t.Errorf("TakeCommandTimes took %d, left %d", len(done), len(f.CommandTimes()))
			}
			s.checkViolations(t)
		})
	}
}

func TestCommandEffects(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 20, func(o *sim.Options) {
		o.UsePush, o.PersonalShare, o.CheckInEvery = true, 0.5, 50*time.Millisecond
	})
	enroll(t, f)
	run(t, f)
	waitFor(t, "every push socket", func() bool { return f.Stats().PushConnected == 20 && s.connected() == 20 })

	const pkg = "com.example.fieldservice"
	s.enqueue(protocol.CmdInstallApp, protocol.AppPayload{Package: pkg, VersionCode: 1203})
	s.enqueue("locate_v9", nil) // a type this agent does not know
	waitFor(t, "the app in every device's report", func() bool { return s.allHave(pkg) })
	for _, d := range s.snapshot() {
		a := d.apps[pkg]
		personal := d.enroll.Ownership == protocol.OwnershipPersonal
		if a.VersionCode != 1203 || a.WorkProfile != personal || a.System {
			t.Errorf("device %s (personal %v) reports %+v", d.id, personal, a)
		}
		if st := d.commands[1].results; len(st) != 1 || st[0].Status != protocol.ResultUnsupported ||
			st[0].Output != `Unknown command type "locate_v9".` || d.commands[1].acks != 1 {
			t.Errorf("device %s answered an unknown command with %+v", d.id, st)
		}
	}

	// Wipe one device: it reports, forgets its credential and goes quiet.
	devices := s.snapshot()
	sort.Slice(devices, func(i, j int) bool { return devices[i].id < devices[j].id })
	victim := devices[0].id
	s.enqueue(protocol.CmdWipe, nil, victim)
	waitFor(t, "the wipe", func() bool { return f.Stats().Stopped == 1 })
	waitFor(t, "the wiped device's socket to close", func() bool { return f.Stats().PushConnected == 19 })
	afterWipe := f.Stats()
	if afterWipe.Enrolled != 19 {
		t.Errorf("after one wipe: %+v", afterWipe)
	}
	before := map[string]int{}
	for _, d := range s.snapshot() {
		before[d.id] = d.count
		if d.id != victim {
			continue
		}
		if r := d.commands[2].results; len(r) != 1 || r[0].Status != protocol.ResultSucceeded {
			t.Errorf("wipe result %+v", r)
		}
	}
	time.Sleep(300 * time.Millisecond) // six check-in intervals
	for _, d := range s.snapshot() {
		switch {
		case d.id == victim && d.count != before[d.id]:
			t.Errorf("the wiped device checked in again")
		case d.id != victim && d.count == before[d.id]:
			t.Errorf("device %s stopped checking in", d.id)
		}
	}
	if st := f.Stats(); st.CheckInsFailed != afterWipe.CheckInsFailed {
		t.Errorf("the wiped device kept knocking: %d failed check-ins, %d at the wipe", st.CheckInsFailed, afterWipe.CheckInsFailed)
	}
	s.checkViolations(t)
}

func TestAgentDisableAndEnable(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 10, func(o *sim.Options) { o.CheckInEvery = 50 * time.Millisecond })
	enroll(t, f)
	run(t, f)
	s.enqueue(protocol.CmdAgentDisable, protocol.AgentPayload{Reason: protocol.ReasonDisabledByAdmin})
	disabled := func(c protocol.CheckInRequest) bool { return c.Inventory == nil && c.Apps == nil }
	waitFor(t, "bare check-ins", func() bool {
		for _, d := range s.snapshot() {
			if len(d.checkIns) == 0 || !disabled(d.checkIns[len(d.checkIns)-1]) {
				return false
			}
		}
		return true
	})
	// A disabled agent runs nothing but agent_enable: it acks and fails the rest.
	s.enqueue(protocol.CmdLock, nil)
	waitFor(t, "the lock results", func() bool { return f.Stats().CommandsFailed == 10 })
	for _, d := range s.snapshot() {
		if r := d.commands[1].results; len(r) != 1 || r[0].Status != protocol.ResultFailed || r[0].Output != "The agent is disabled." {
			t.Errorf("device %s: lock while disabled gave %+v", d.id, r)
		}
	}
	// Enabled again, it reports in full: inventory and the whole app list.
	s.enqueue(protocol.CmdAgentEnable, nil)
	waitFor(t, "full reports", func() bool {
		for _, d := range s.snapshot() {
			if disabled(d.checkIns[len(d.checkIns)-1]) {
				return false
			}
		}
		return true
	})
	for _, d := range s.snapshot() {
		for i := 1; i < len(d.checkIns); i++ {
			if prev, cur := d.checkIns[i-1], d.checkIns[i]; disabled(prev) && !disabled(cur) &&
				(cur.Apps == nil || cur.Apps.Full == nil || cur.Inventory.AgentState != "enabled") {
				t.Errorf("device %s resumed without a full report", d.id)
			}
		}
	}
	s.checkViolations(t)
}

func TestSyncChecksInWithAFullList(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 20, func(o *sim.Options) { o.UsePush = true })
	enroll(t, f)
	run(t, f)
	waitFor(t, "the first check-ins", func() bool { return f.Stats().CheckInsOK == 20 })
	s.enqueue(protocol.CmdSync, nil)
	waitFor(t, "a second check-in each", func() bool { return s.minCheckIns() >= 2 })
	for _, d := range s.snapshot() {
		if c := d.checkIns[1]; c.Apps == nil || c.Apps.Full == nil {
			t.Errorf("device %s: check-in after sync without a full list", d.id)
		}
	}
	s.checkViolations(t)
}

func TestRebootDropsTheSocketUntilBooted(t *testing.T) {
	s := newFakeServer(t)
	const boot = 300 * time.Millisecond
	f := newFleet(t, s, 20, func(o *sim.Options) {
		o.UsePush = true
		o.CommandDelay = func(typ string) time.Duration {
			if typ == protocol.CmdReboot {
				return boot
			}
			return time.Millisecond
		}
	})
	enroll(t, f)
	run(t, f)
	waitFor(t, "every push socket", func() bool { return f.Stats().PushConnected == 20 && s.connected() == 20 })
	waitFor(t, "the first check-ins", func() bool { return f.Stats().CheckInsOK == 20 })
	start := time.Now()
	s.enqueue(protocol.CmdReboot, nil)
	waitFor(t, "the sockets to drop", func() bool { return f.Stats().PushConnected == 0 })
	waitFor(t, "the reboots to finish", func() bool { return f.Stats().CommandsSucceeded == 20 })
	if took := time.Since(start); took < boot {
		t.Errorf("reboots reported after %v, before the %v boot", took, boot)
	}
	waitFor(t, "every socket back and a check-in after boot", func() bool {
		return f.Stats().PushConnected == 20 && f.Stats().CheckInsOK >= 40
	})
	for _, d := range s.snapshot() {
		if up := *d.checkIns[len(d.checkIns)-1].Inventory.UptimeSeconds; up != 0 {
			t.Errorf("device %s reports %d s of uptime after a reboot (the clock stands still)", d.id, up)
		}
	}
	s.checkViolations(t)
}

func TestPushSocketsArePinged(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 10, func(o *sim.Options) { o.UsePush, o.PingEvery = true, 30*time.Millisecond })
	enroll(t, f)
	run(t, f)
	waitFor(t, "three pings a socket", func() bool { return s.pings.Load() >= 30 && f.Stats().Pings >= 30 })
	if st := f.Stats(); st.PushConnects != 10 {
		t.Errorf("%d dials for 10 devices: pings broke sockets", st.PushConnects)
	}
}

func TestFallsBackToLongPolling(t *testing.T) {
	s := newFakeServer(t)
	s.noPush = true
	f := newFleet(t, s, 20, func(o *sim.Options) { o.UsePush = true })
	enroll(t, f)
	run(t, f)
	waitFor(t, "the fallbacks", func() bool { return f.Stats().PushFallbacks == 20 })
	s.enqueue(protocol.CmdLock, nil)
	waitFor(t, "the results, by long poll", func() bool { return f.Stats().CommandsSucceeded == 20 })
	if st := f.Stats(); st.PushConnected != 0 || st.PushConnects != 0 {
		t.Errorf("sockets on a server without them: %+v", st)
	}
	s.checkViolations(t)
}

func TestExpiredCommandsAreNotRun(t *testing.T) {
	s := newFakeServer(t)
	s.expiry = -time.Minute
	// The fleet's clock is in 2025; expiry is judged by the server's clock.
	f := newFleet(t, s, 20, nil)
	enroll(t, f)
	run(t, f)
	s.enqueue(protocol.CmdLock, nil)
	waitFor(t, "the expired commands to be seen", func() bool { return f.Stats().CommandsExpired >= 20 })
	for _, d := range s.snapshot() {
		if d.commands[0].acks != 0 {
			t.Errorf("device %s acknowledged an expired command", d.id)
		}
	}
	s.checkViolations(t)
}

func TestEnrollHonoursRetryAfter(t *testing.T) {
	s := newFakeServer(t)
	s.throttle.Store(1)
	f := newFleet(t, s, 1, nil)
	start := time.Now()
	enroll(t, f)
	if took := time.Since(start); took < time.Second {
		t.Errorf("enrolled %v after a 429 with Retry-After: 1", took)
	}
	s.checkViolations(t)
}

func TestPushPokeAndReconnect(t *testing.T) {
	s := newFakeServer(t)
	f := newFleet(t, s, 50, func(o *sim.Options) { o.UsePush = true })
	enroll(t, f)
	run(t, f)
	waitFor(t, "every push socket", func() bool { return f.Stats().PushConnected == 50 && s.connected() == 50 })
	waitFor(t, "the first check-ins", func() bool { return f.Stats().CheckInsOK == 50 })

	if n := s.poke(); n != 50 {
		t.Fatalf("poked %d sockets", n)
	}
	waitFor(t, "a check-in per poke", func() bool { return f.Stats().CheckInsOK == 100 })

	s.dropSockets()
	waitFor(t, "every device to reconnect", func() bool {
		st := f.Stats()
		return st.PushConnects == 100 && st.PushConnected == 50
	})
	s.checkViolations(t)
}

func TestBatteryFollowsTheClock(t *testing.T) {
	s := newFakeServer(t)
	clock := newClock()
	f := newFleet(t, s, 200, func(o *sim.Options) { o.Clock = clock })
	enroll(t, f)
	last := func() map[string]protocol.CheckInRequest {
		out := map[string]protocol.CheckInRequest{}
		for _, d := range s.snapshot() {
			out[d.id] = d.checkIns[len(d.checkIns)-1]
		}
		return out
	}
	checkInAll(t, f)
	t0 := last()
	checkInAll(t, f)
	if same := last(); !cmp.Equal(batteries(t0), batteries(same)) {
		t.Errorf("the battery changed while the clock stood still")
	}
	clock.Advance(30 * time.Minute)
	checkInAll(t, f)
	t1 := last()

	var drained, charged, docked int
	for id, before := range t0 {
		a, b := before.Inventory, t1[id].Inventory
		switch {
		case a.Battery.Charging && b.Battery.Charging && a.Battery.Level == 100 && b.Battery.Level == 100:
			docked++
		case a.Battery.Charging && b.Battery.Charging:
			if b.Battery.Level <= a.Battery.Level {
				t.Errorf("device %s charged from %d to %d", id, a.Battery.Level, b.Battery.Level)
			}
			charged++
		case !a.Battery.Charging && !b.Battery.Charging:
			if b.Battery.Level >= a.Battery.Level {
				t.Errorf("device %s drained from %d to %d", id, a.Battery.Level, b.Battery.Level)
			}
			drained++
		}
		if up := *b.UptimeSeconds - *a.UptimeSeconds; up != 1800 {
			t.Errorf("device %s: uptime grew by %d s in 30 min", id, up)
		}
	}
	if drained < 50 || charged < 10 {
		t.Errorf("%d devices drained, %d charged, %d docked", drained, charged, docked)
	}

	// Over two days every battery is plugged in at some point.
	plugged := map[string]bool{}
	prev := t1
	for range 12 {
		clock.Advance(4 * time.Hour)
		checkInAll(t, f)
		now := last()
		for id, c := range now {
			if b := c.Inventory.Battery; b.Charging || b.Level > prev[id].Inventory.Battery.Level {
				plugged[id] = true
			}
		}
		prev = now
	}
	if len(plugged) < 190 {
		t.Errorf("only %d of 200 devices charged in two days", len(plugged))
	}
	s.checkViolations(t)
}

func batteries(m map[string]protocol.CheckInRequest) map[string]protocol.Battery {
	out := map[string]protocol.Battery{}
	for id, c := range m {
		out[id] = *c.Inventory.Battery
	}
	return out
}
