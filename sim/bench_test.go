package sim_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/stewardmdm/steward/sim"
)

// BenchmarkFleetMemory measures what a simulated device costs the process
// that simulates it, with the fake server in a child process so that its
// memory is not counted:
//
//	go test ./sim -run '^$' -bench FleetMemory -benchtime 1x
//	STEWARD_SIM_BENCH_DEVICES=10000 go test ./sim -run '^$' -bench FleetMemory -benchtime 1x
//
// It reports heap and stack in use per device: drawn (after New), just
// after connecting, and running (enrolled, first check-in done, holding a
// push socket or a long poll, idle pool emptied); and goroutines per
// running device.
func BenchmarkFleetMemory(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_SIM_BENCH_DEVICES")); err == nil && v > 0 {
		n = v
	}
	url := startFakeServerProcess(b)
	for _, push := range []bool{true, false} {
		b.Run(fmt.Sprintf("push=%v/devices=%d", push, n), func(b *testing.B) {
			for range b.N {
				measureFleet(b, url, n, push)
			}
		})
	}
}

func inUse() (uint64, int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if os.Getenv("STEWARD_SIM_BENCH_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "heap in use %d KiB, stack in use %d KiB, goroutines %d\n", m.HeapInuse>>10, m.StackInuse>>10, runtime.NumGoroutine())
	}
	return m.HeapInuse + m.StackInuse, runtime.NumGoroutine()
}

func measureFleet(b *testing.B, url string, n int, push bool) {
	base, g0 := inUse()
	client := sim.NewHTTPClient(n)
	f, err := sim.New(sim.Options{
		Server: url, ActivationCode: "ACT-TEST", Devices: n, Seed: 1, PersonalShare: 0.2, UsePush: push,
		CommandDelay: fastDelay, HTTPClient: client, Logger: slog.New(slog.DiscardHandler), Clock: sim.SystemClock{},
	})
	if err != nil {
		b.Fatal(err)
	}
	drawn, _ := inUse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if err := f.Enroll(ctx); err != nil {
		b.Fatal(err)
	}
	enrollTime := time.Since(start)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx) }()
	start = time.Now()
	if os.Getenv("STEWARD_SIM_BENCH_VERBOSE") != "" {
		go func() {
			for runCtx.Err() == nil {
				st := f.Stats()
				fmt.Fprintf(os.Stderr, "%v: %d connected, %d check-ins\n", time.Since(start).Round(time.Second), st.PushConnected, st.CheckInsOK)
				time.Sleep(time.Second)
			}
		}()
	}
	waitForLong(b, func() bool {
		st := f.Stats()
		return st.CheckInsOK >= int64(n) && (!push || st.PushConnected == int64(n))
	})
	settle := time.Since(start)
	time.Sleep(time.Second) // let the long polls settle on the server
	// Connecting the fleet at once leaves up to a connection per device in
	// the idle pool (each device fetches its queue on connecting), which
	// time out after 90 s; steady state is measured without them.
	burst, _ := inUse()
	client.CloseIdleConnections()
	running, g1 := inUse()
	if path := os.Getenv("STEWARD_SIM_BENCH_HEAPPROFILE"); path != "" {
		if w, err := os.Create(fmt.Sprintf("%s.push-%v", path, push)); err == nil {
			_ = pprof.Lookup("heap").WriteTo(w, 0)
			w.Close()
		}
	}
	st := f.Stats()
	stop()
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	per := func(x uint64) float64 { return float64(int64(x)-int64(base)) / float64(n) }
	b.ReportMetric(per(drawn), "B/device-drawn")
	b.ReportMetric(per(burst), "B/device-after-connect")
	b.ReportMetric(per(running), "B/device-running")
	b.ReportMetric(float64(g1-g0)/float64(n), "goroutines/device")
	b.ReportMetric(float64(n)/enrollTime.Seconds(), "enrollments/s")
	b.Logf("%d devices, push %v: per device %.1f KiB drawn, %.1f KiB just after connecting, %.1f KiB running, %.2f goroutines; enrolled in %v, connected and checked in %v later; %d push dials",
		n, push, per(drawn)/1024, per(burst)/1024, per(running)/1024, float64(g1-g0)/float64(n),
		enrollTime.Round(time.Millisecond), settle.Round(time.Millisecond), st.PushConnects)
	runtime.KeepAlive(f)
}

// waitForLong is waitFor with room for big fleets.
func waitForLong(b *testing.B, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatal("timed out waiting for the fleet to settle")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
