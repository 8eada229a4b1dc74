package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkDecodeCheckIn decodes a check-in with a full list of 3,000
// apps (about 400 KiB), near the size limit.
func BenchmarkDecodeCheckIn(b *testing.B) {
	req := CheckInRequest{Protocol: 1, Inventory: &Inventory{Model: "Pixel 8", OSVersion: "15"}, Apps: &AppReport{}}
	for i := range 3000 {
		req.Apps.Full = append(req.Apps.Full, App{Package: fmt.Sprintf("com.example.vendor%d.app", i),
			Name: "Example App", VersionName: "12.4.0-release", VersionCode: 1204000 + int64(i), System: i%3 == 0})
	}
	body, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCheckIn(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalCheckIn is the same body through json.Unmarshal alone,
// to show what the strict scan costs.
func BenchmarkUnmarshalCheckIn(b *testing.B) {
	req := CheckInRequest{Protocol: 1, Apps: &AppReport{}}
	for i := range 3000 {
		req.Apps.Full = append(req.Apps.Full, App{Package: fmt.Sprintf("com.example.vendor%d.app", i),
			Name: "Example App", VersionName: "12.4.0-release", VersionCode: 1204000 + int64(i), System: i%3 == 0})
	}
	body, _ := json.Marshal(req)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v CheckInRequest
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
