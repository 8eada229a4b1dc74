package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// device is an enrolled device, as the bench knows it.
type device struct {
	ID         string
	Credential string
	Serial     string
}

// EnrollResult is how enrollment went. The rates compare the first and
// the last Window enrollments: a lookup without an index, or a sum over a
// growing table, shows as a last rate well below the first.
type EnrollResult struct {
	Devices   int           `json:"devices"` // enrolled
	Errors    int           `json:"errors"`
	FirstErr  string        `json:"first_error,omitempty"`
	Workers   int           `json:"workers"`
	Duration  time.Duration `json:"duration_ns"`
	Rate      float64       `json:"rate"` // enrollments per second, overall
	Window    int           `json:"window"`
	FirstRate float64       `json:"first_rate"` // the first Window enrollments
	LastRate  float64       `json:"last_rate"`  // the last Window enrollments
	Ratio     float64       `json:"ratio"`      // LastRate / FirstRate
	Latency   Latency       `json:"latency"`
}

// enrollWindow is how many enrollments the first and last rates cover.
func enrollWindow(n int) int { return min(1000, max(1, n/5)) }

// enroll enrolls n devices with the activation code, workers at a time.
// When the last window begins, it calls late (if not nil) in a goroutine
// of its own with an estimate of the window's length, and waits for it to
// return before returning itself.
func enroll(ctx context.Context, hc *http.Client, base, code string, n, workers int, late func(est time.Duration)) ([]device, EnrollResult, error) {
	res := EnrollResult{Workers: workers}
	w := enrollWindow(n)
	var completed atomic.Int64
	var lateDone sync.WaitGroup
	defer lateDone.Wait()
	devices := make([]device, n)
	done := make([]time.Time, n) // completion times of the successful ones
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				d, err := enrollOne(ctx, hc, base, code, i)
				if err != nil {
					mu.Lock()
					if res.Errors == 0 {
						res.FirstErr = err.Error()
					}
					res.Errors++
					mu.Unlock()
					continue
				}
				done[i], lat[i], ok[i], devices[i] = time.Now(), time.Since(t), true, d
				if c := completed.Add(1); late != nil && int(c) == n-w && c > 0 {
					est := time.Duration(float64(time.Since(start)) / float64(c) * float64(w))
					lateDone.Go(func() { late(est) })
				}
			}
		}()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return nil, res, err
	}
	var got []device
	var times []time.Time
	var lats []time.Duration
	for i := range n {
		if ok[i] {
			got = append(got, devices[i])
			times = append(times, done[i])
			lats = append(lats, lat[i])
		}
	}
	res.Devices = len(got)
	res.Latency = summarise(lats, 0)
	if res.Devices == 0 {
		return nil, res, fmt.Errorf("no device enrolled: %s", res.FirstErr)
	}
	res.Rate = float64(res.Devices) / res.Duration.Seconds()
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	w = min(w, len(times))
	res.Window = w
	res.FirstRate = float64(w) / times[w-1].Sub(start).Seconds()
	if len(times) > w {
		res.LastRate = float64(w) / times[len(times)-1].Sub(times[len(times)-1-w]).Seconds()
	} else {
		res.LastRate = res.FirstRate
	}
	res.Ratio = res.LastRate / res.FirstRate
	return got, res, nil
}

// enrollOne enrolls the i-th simulated device: a company-owned Android
// phone with a stable hardware ID.
func enrollOne(ctx context.Context, hc *http.Client, base, code string, i int) (device, error) {
	serial := fmt.Sprintf("BNCH%07d", i)
	req := protocol.EnrollRequest{Protocol: protocol.Version, ActivationCode: code, Ownership: protocol.OwnershipCompany,
		Platform: "android", AgentVersion: "bench-1",
		Hardware: protocol.Hardware{ID: fmt.Sprintf("bench-hw-%07d", i), Manufacturer: "Google", Model: "Pixel 8", Serial: serial}}
	b, err := json.Marshal(req)
	if err != nil {
		return device{}, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, base+protocol.PathEnroll, bytes.NewReader(b))
	if err != nil {
		return device{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(hr)
	if err != nil {
		return device{}, fmt.Errorf("enroll: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return device{}, fmt.Errorf("enroll: %w", err)
	}
	if res.StatusCode != http.StatusCreated {
		return device{}, fmt.Errorf("enroll: %s: %s", res.Status, bytes.TrimSpace(data))
	}
	var er protocol.EnrollResponse
	if err := json.Unmarshal(data, &er); err != nil {
		return device{}, fmt.Errorf("enroll: decode answer: %w", err)
	}
	return device{ID: er.DeviceID, Credential: er.Credential, Serial: serial}, nil
}
