package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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
	CPU       CPUUse        `json:"cpu"`
	CPUPerReq time.Duration `json:"server_cpu_per_request_ns"`
	DBPerReq  time.Duration `json:"database_cpu_per_request_ns,omitempty"`
}

// request sends one request as dev over rc, the n-th of the run, and
// reports an error for anything but the expected answer. buf is the
// worker's own, to build a body in.
type request func(rc *rawConn, dev *device, n int, buf []byte) error

// loadClient is a net/http client that keeps conns connections open to
// the server and no more (enrollment, acks).
func loadClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns, MaxIdleConns: conns,
		IdleConnTimeout: time.Minute, DisableCompression: true}}
}

// runLoad runs req over the fleet. cpu samples the CPU counters.
func runLoad(ctx context.Context, name string, base string, devices []device, conns int, warmup, dur time.Duration,
	cpu func(context.Context) cpuSample, req request) (LoadResult, error) {
	res := LoadResult{Scenario: name, Conns: conns, Devices: len(devices), Warmup: warmup, Duration: dur}
	addr := strings.TrimPrefix(base, "http://")
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
	var cpuFrom cpuSample
	cpuTaken := make(chan struct{})
	go func() {
		defer close(cpuTaken)
		select {
		case <-time.After(time.Until(from)):
		case <-ctx.Done():
		}
		cpuFrom = cpu(ctx)
	}()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := &ws[w]
			me.lat = make([]time.Duration, 0, 1<<14)
			rc := newRawConn(addr)
			defer rc.close()
			buf := make([]byte, 0, 1024)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				t := time.Now()
				if t.After(until) {
					return
				}
				err := req(rc, &devices[i%len(devices)], i, buf)
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
	cpuTo := cpu(ctx)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.CPU = cpuTo.since(cpuFrom)
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
		res.CPUPerReq = res.CPU.Server / time.Duration(len(all))
		res.DBPerReq = res.CPU.Database / time.Duration(len(all))
	}
	return res, nil
}

// checkIn posts a realistic small check-in: the inventory of a company
// phone whose battery drains and uptime grows, and no app list. The body
// is written by hand for the generator's sake; a test checks that it is
// what json.Marshal makes of the same protocol.CheckInRequest.
func checkIn(rc *rawConn, dev *device, n int, buf []byte) error {
	status, body, err := rc.do("POST", protocol.PathCheckIn, dev.Credential, "application/json", checkInBody(buf[:0], dev.Serial, n))
	return answer(status, body, err, "check-in", http.StatusOK)
}

// checkInBody appends the n-th check-in of the device with the serial.
func checkInBody(b []byte, serial string, n int) []byte {
	b = append(b, `{"protocol":1,"inventory":{"manufacturer":"Google","model":"Pixel 8","serial":"`...)
	b = append(b, serial...)
	b = append(b, `","os_version":"14","patch_level":"2026-10-05","battery":{"level":`...)
	b = strconv.AppendInt(b, int64(100-n%100), 10)
	b = append(b, `,"charging":`...)
	b = strconv.AppendBool(b, n%7 == 0)
	b = append(b, `,"health":"good"},"gps_enabled":true,"agent_version":"bench-1","agent_state":"running","uptime_seconds":`...)
	b = strconv.AppendInt(b, int64(3600+n), 10)
	return append(b, "}}"...)
}

// checkInRequest is the check-in checkInBody writes.
func checkInRequest(serial string, n int) protocol.CheckInRequest {
	gps := true
	uptime := int64(3600 + n)
	return protocol.CheckInRequest{Protocol: protocol.Version, Inventory: &protocol.Inventory{
		Manufacturer: "Google", Model: "Pixel 8", Serial: serial, OSVersion: "14", PatchLevel: "2026-10-05",
		Battery: &protocol.Battery{Level: 100 - n%100, Charging: n%7 == 0, Health: "good"}, GPSEnabled: &gps,
		AgentVersion: "bench-1", AgentState: "running", UptimeSeconds: &uptime}}
}

// poll asks for pending commands without waiting.
func poll(rc *rawConn, dev *device, n int, buf []byte) error {
	status, body, err := rc.do("GET", protocol.PathCommands, dev.Credential, "", nil)
	return answer(status, body, err, "poll", http.StatusOK)
}

func answer(status int, body []byte, err error, op string, want int) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if status != want {
		return fmt.Errorf("%s: %d %s: %.300s", op, status, http.StatusText(status), bytes.TrimSpace(body))
	}
	return nil
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
