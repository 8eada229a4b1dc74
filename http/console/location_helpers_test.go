package console_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// deviceCall sends a device-protocol request to the test server, as an
// agent would, and returns the status and body.
func (e *env) deviceCall(path, credential string, body any) (int, string) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.ts.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+credential)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

// walk is a device's track: n points heading north-east from a depot,
// one a minute, the newest now.
func walk(n int) protocol.LocationRequest {
	req := protocol.LocationRequest{Protocol: 1}
	now := time.Now().UTC()
	for i := range n {
		acc := 5.0 + float64(i)
		req.Points = append(req.Points, protocol.LocationPoint{Latitude: 53.5461 + float64(i)*0.0007, Longitude: 9.9661 + float64(i)*0.0011,
			AccuracyM: &acc, RecordedAt: now.Add(-time.Duration(n-1-i) * time.Minute)})
	}
	return req
}
