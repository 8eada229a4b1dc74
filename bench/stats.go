package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Latency summarises a set of latencies. Missing counts the samples that
// never came (a push that did not arrive before the wait ended); they rank
// above every observed sample, so a percentile that falls among them is
// reported as not reached (-1 in JSON, "—" in text).
type Latency struct {
	Count   int           // observed samples
	Missing int           // expected samples that never came
	Min     time.Duration // -1: no sample
	P50     time.Duration // -1: not reached
	P99     time.Duration
	Max     time.Duration
}

// summarise sorts samples in place and summarises them with missing
// samples counted as slower than any observed one.
func summarise(samples []time.Duration, missing int) Latency {
	slices.Sort(samples)
	l := Latency{Count: len(samples), Missing: missing, Min: -1, P50: -1, P99: -1, Max: -1}
	total := len(samples) + missing
	if total == 0 {
		return l
	}
	if len(samples) > 0 {
		l.Min = samples[0]
	}
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(total))) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(samples) {
			return -1
		}
		return samples[i]
	}
	l.P50, l.P99 = rank(0.50), rank(0.99)
	if missing == 0 && len(samples) > 0 {
		l.Max = samples[len(samples)-1]
	}
	return l
}

// within counts the samples at or below d.
func within(sorted []time.Duration, d time.Duration) int {
	n, _ := slices.BinarySearchFunc(sorted, d, func(s, d time.Duration) int {
		if s <= d {
			return -1
		}
		return 1
	})
	return n
}

// MarshalJSON writes the durations in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count   int     `json:"count"`
		Missing int     `json:"missing,omitempty"`
		Min     float64 `json:"min_ms"`
		P50     float64 `json:"p50_ms"`
		P99     float64 `json:"p99_ms"`
		Max     float64 `json:"max_ms"`
	}{l.Count, l.Missing, ms(l.Min), ms(l.P50), ms(l.P99), ms(l.Max)})
}

// ms is d in milliseconds, or -1 for a percentile not reached.
func ms(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return math.Round(float64(d)/1e3) / 1e3
}
