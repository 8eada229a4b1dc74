package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// LoadResult is a closed-loop load: Conns workers, each on its own
// keep-alive connection, sending one request after another for Duration,
// each time as the next device of the fleet. Requests and Errors count
// what completed in the measured window, after Warmup.
type LoadResult struct {
	Scenario  string        `json:"scenario"`
	Conns     int           `json:"conns"`
	Devices   int           `json:"devices"`
	Warmup    time.Duration `json:"warmup_ns"`
	Duration  time.Duration `json:"duration_ns"`
	Requests  int           `json:"requests"`
	Errors    int           `json:"errors"`
	FirstErr  string        `json:"first_error,omitempty"`
	Rate      float64       `json:"rate"` // successful requests per second
	Latency   Latency       `json:"latency"`
	ServerCPU time.Duration `json:"server_cpu_ns"` // CPU time the server used in the window
	CPUPerReq time.Duration `json:"server_cpu_per_request_ns"`
	BenchCPU  time.Duration `json:"bench_cpu_ns"` // CPU time the load generator used in the window
}

// request sends one request as dev and reports an error for anything but
// the expected answer. It must read the body to the end, so that the
// connection is reused.
type request func(ctx context.Context, hc *http.Client, base string, dev *device, n int) error

// loadClient keeps conns connections open to the server and no more.
func loadClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, MaxIdleConns: conns,
		IdleConnTimeout: time.Minute, DisableCompression: true}}
}

// runLoad runs req over the fleet. cpu reads the server's CPU time.
func runLoad(ctx context.Context, name string, base string, devices []device, conns int, warmup, dur time.Duration,
	cpu func() (time.Duration, error), req request) (LoadResult, error) {
	res := LoadResult{Scenario: name, Conns: conns, Devices: len(devices), Warmup: warmup, Duration: dur}
	hc := loadClient(conns)
	defer hc.CloseIdleConnections()
	var next atomic.Int64
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+dur)
	type worker struct {
		lat      []time.Duration
		errs     int
		firstErr error
	}
	ws := make([]worker, conns)
	var wg sync.WaitGroup
	var cpuFrom, benchFrom time.Duration
	var cpuErr error
	cpuTaken := make(chan struct{})
	go func() {
		defer close(cpuTaken)
		select {
		case <-time.After(time.Until(from)):
		case <-ctx.Done():
		}
		cpuFrom, cpuErr = cpu()
		benchFrom = selfCPU()
	}()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := &ws[w]
			me.lat = make([]time.Duration, 0, 1<<14)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				t := time.Now()
				if t.After(until) {
					return
				}
				err := req(ctx, hc, base, &devices[i%len(devices)], i)
				end := time.Now()
				if t.Before(from) || end.After(until) {
					continue // warm-up, or past the window
				}
				if err != nil {
					if me.errs == 0 {
						me.firstErr = err
					}
					me.errs++
					continue
				}
				me.lat = append(me.lat, end.Sub(t))
			}
		}()
	}
	wg.Wait()
	<-cpuTaken
	cpuTo, err := cpu()
	res.BenchCPU = selfCPU() - benchFrom
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if cpuErr == nil && err == nil {
		res.ServerCPU = cpuTo - cpuFrom
	}
	var all []time.Duration
	for _, w := range ws {
		all = append(all, w.lat...)
		if w.firstErr != nil && res.FirstErr == "" {
			res.FirstErr = w.firstErr.Error()
		}
		res.Errors += w.errs
	}
	res.Requests = len(all) + res.Errors
	res.Rate = float64(len(all)) / dur.Seconds()
	res.Latency = summarise(all, 0)
	if len(all) > 0 {
		res.CPUPerReq = res.ServerCPU / time.Duration(len(all))
	}
	return res, nil
}

// checkIn posts a realistic small check-in: the inventory of a company
// phone whose battery drains and uptime grows, and no app list.
func checkIn(ctx context.Context, hc *http.Client, base string, dev *device, n int) error {
	gps := true
	uptime := int64(3600 + n)
	body, err := json.Marshal(protocol.CheckInRequest{Protocol: protocol.Version, Inventory: &protocol.Inventory{
		Manufacturer: "Google", Model: "Pixel 8", Serial: dev.Serial, OSVersion: "14", PatchLevel: "2026-10-05",
		Battery: &protocol.Battery{Level: 100 - n%100, Charging: n%7 == 0, Health: "good"}, GPSEnabled: &gps,
		AgentVersion: "bench-1", AgentState: "running", UptimeSeconds: &uptime}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+protocol.PathCheckIn, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return send(hc, req, dev, http.StatusOK)
}

// poll asks for pending commands without waiting.
func poll(ctx context.Context, hc *http.Client, base string, dev *device, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+protocol.PathCommands, nil)
	if err != nil {
		return err
	}
	return send(hc, req, dev, http.StatusOK)
}

// send sends req as dev and drains the answer.
func send(hc *http.Client, req *http.Request, dev *device, want int) error {
	req.Header.Set("Authorization", "Bearer "+dev.Credential)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, res.Status, bytes.TrimSpace(b))
	}
	_, err = io.Copy(io.Discard, res.Body)
	return err
}
