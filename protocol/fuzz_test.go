package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fuzz tests hold each decoder to three promises: it never panics,
// every refusal is an *InputError (TooLarge only over the limit), and
// whatever it accepts is valid JSON that, marshalled again, decodes to an
// equal value. The re-decoding has no size limit: marshalling may grow a
// body (Go escapes < as \u003c), and the limit is the transport's
// business, not the value's.

func FuzzDecodeEnroll(f *testing.F) {
	fuzzDecode(f, MaxEnrollBody, decodeEnroll)
}

func FuzzDecodeCheckIn(f *testing.F) {
	fuzzDecode(f, MaxCheckInBody, decodeCheckIn)
}

func FuzzDecodeResult(f *testing.F) {
	fuzzDecode(f, MaxResultBody, decodeResult)
}

func FuzzDecodeSocketMessage(f *testing.F) {
	fuzzDecode(f, MaxSocketMessage, decodeSocketMessage)
}

func fuzzDecode[T any](f *testing.F, max int64, decode func(io.Reader, int64) (*T, error)) {
	// The seeds are in testdata/fuzz/<FuzzName>/, written by TestSeedCorpus.
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decode(bytes.NewReader(data), max)
		if err != nil {
			ie, ok := err.(*InputError)
			if !ok {
				t.Fatalf("error %T is not an *InputError: %v", err, err)
			}
			if v != nil {
				t.Errorf("refused with %v, yet returned %+v", err, v)
			}
			if ie.Message == "" || ie.Message == unreadable {
				t.Errorf("the scan let through what json.Unmarshal refused: %q", data)
			}
			if ie.TooLarge != (int64(len(data)) > max) {
				t.Errorf("TooLarge = %v for %d bytes", ie.TooLarge, len(data))
			}
			if isSyntax(ie) && json.Valid(data) {
				t.Errorf("valid JSON refused as malformed: %s", ie.Message)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %+v: %v", v, err)
		}
		again, err := decode(bytes.NewReader(b), math.MaxInt32)
		if err != nil {
			t.Fatalf("accepted %q, but refuses it marshalled again as %s: %v", data, b, err)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Errorf("marshalled again, %q decodes differently (-first +again):\n%s", data, diff)
		}
	})
}

// isSyntax reports whether an error says the JSON itself is malformed.
// Invalid UTF-8 is not among them: json.Valid lets it through, and the
// decoders refuse it on purpose.
func isSyntax(ie *InputError) bool {
	for _, p := range []string{"Malformed JSON", "The body ends before", "The body is empty"} {
		if strings.HasPrefix(ie.Message, p) {
			return true
		}
	}
	return false
}

// seeds are the starting inputs of each fuzz test: the golden requests
// and inputs that have broken JSON decoders before.
func seeds(t *testing.T) map[string]map[string][]byte {
	golden := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	common := map[string]string{
		"empty":              "",
		"null":               "null",
		"array":              "[]",
		"trailing-object":    "{}{}",
		"trailing-garbage":   "{} x",
		"byte-order-mark":    "\ufeff{}",
		"invalid-utf8":       "{\"\xff\":1}",
		"invalid-utf8-value": "{\"protocol\":1,\"x\":\"\xc3\x28\"}",
		"lone-surrogate":     `{"x":"\ud800","y":"\udc00\ud800"}`,
		"bad-escape":         `{"x":"\q"}`,
		"raw-control":        "{\"x\":\"a\x01b\"}",
		"deep-arrays":        `{"x":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}`,
		"deep-objects":       strings.Repeat(`{"a":`, 2000) + "null" + strings.Repeat("}", 2000),
		"deep-at-limit":      strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth),
		"huge-number":        `{"protocol":1e999999}`,
		"huge-integer":       `{"protocol":` + strings.Repeat("9", 400) + `}`,
		"negative-zero":      `{"protocol":-0}`,
		"leading-zero":       `{"protocol":01}`,
		"bare-minus":         `{"protocol":-}`,
		"duplicate-key":      `{"protocol":1,"protocol":1}`,
		"case-variant":       `{"Protocol":1}`,
		"escaped-key":        `{"prot\u006fcol":1}`,
		"null-everywhere":    `{"protocol":null,"hardware":null,"inventory":null,"apps":null,"status":null,"output":null}`,
		"empty-key":          `{"":1,"":2}`,
		"unterminated":       `{"protocol":1,"x":"`,
	}
	in := map[string]map[string][]byte{
		"FuzzDecodeEnroll": {
			"golden-enroll-request": golden("enroll-request"),
			"kelvin-free":           []byte(`{"protocol":1,"activation_code":"A","ownership":"personal","platform":"linux","hardware":{"id":"x","ID":"y"}}`),
			"hardware-unicode":      []byte(`{"protocol":1,"activation_code":"A","ownership":"company","platform":"android","hardware":{"id":"ａ"}}`),
		},
		"FuzzDecodeCheckIn": {
			"golden-checkin-company":  golden("checkin-request-company"),
			"golden-checkin-personal": golden("checkin-request-personal"),
			"kelvin-key":              []byte(`{"protocol":1,"apps":{"added":[{"package":"a","wor\u212a_profile":true}]}}`),
			"empty-lists":             []byte(`{"protocol":1,"apps":{"full":[],"added":[],"removed":[]}}`),
			"full-and-removed":        []byte(`{"protocol":1,"apps":{"full":[{"package":"a"}],"removed":["b"]}}`),
			"package-twice":           []byte(`{"protocol":1,"apps":{"added":[{"package":"a"}],"removed":["a"]}}`),
			"battery-out-of-range":    []byte(`{"protocol":1,"inventory":{"battery":{"level":101,"charging":null}}}`),
			"int64-edge":              []byte(`{"protocol":1,"inventory":{"uptime_seconds":9223372036854775807},"apps":{"full":[{"package":"a","version_code":9223372036854775808}]}}`),
			"ip-zone":                 []byte(`{"protocol":1,"inventory":{"ip":"fe80::1%eth0"}}`),
			"sim-empty":               []byte(`{"protocol":1,"inventory":{"sim":{}}}`),
		},
		"FuzzDecodeResult": {
			"golden-result-succeeded":   golden("result-succeeded"),
			"golden-result-failed":      golden("result-failed"),
			"golden-result-unsupported": golden("result-unsupported"),
			"output-controls":           []byte(`{"status":"failed","output":"\u0000\u001b[1m\u0085\u2028"}`),
			"output-long":               []byte(`{"status":"failed","output":"` + strings.Repeat("€", MaxOutput/3+1) + `"}`),
			"long-s-key":                []byte(`{"ſtatus":"failed"}`),
		},
	}
	in["FuzzDecodeSocketMessage"] = map[string][]byte{
		"golden-socket-ack": golden("socket-ack"),
		"unknown-type":      []byte(`{"type":"hello","later":{"x":[1,2]}}`),
		"ack-without-id":    []byte(`{"type":"ack"}`),
		"no-type":           []byte(`{"command_id":"01jnqb7d9f1h3k5n7q9s1u3w5y"}`),
		"id-number":         []byte(`{"type":"ack","command_id":7}`),
	}
	for fuzz, m := range privacySeeds(golden) {
		in[fuzz] = m
	}
	for fuzz, m := range policySeeds(golden) {
		in[fuzz] = m
	}
	for _, m := range in {
		for name, s := range common {
			m[name] = []byte(s)
		}
	}
	return in
}

// corpusFile is Go's seed corpus format for one []byte argument.
func corpusFile(data []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
}

// TestSeedCorpus keeps the committed seed corpora equal to seeds():
// go test ./protocol -update writes them.
func TestSeedCorpus(t *testing.T) {
	for fuzz, inputs := range seeds(t) {
		dir := filepath.Join("testdata", "fuzz", fuzz)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for name, data := range inputs {
			path := filepath.Join(dir, name)
			want := corpusFile(data)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) || err == nil && !bytes.Equal(got, want) {
				t.Errorf("%s is missing or stale: run go test ./protocol -update", path)
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
}
