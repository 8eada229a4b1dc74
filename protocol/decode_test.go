package protocol

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refusal is what a refused body must produce.
type refusal struct {
	name, body string
	field      string // "" for the body as a whole
	says       string // a piece of the message
	tooLarge   bool
}

func testRefusals[T any](t *testing.T, decode func(io.Reader) (*T, error), cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decode(strings.NewReader(tc.body))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %+v, %v; want an *InputError", v, err)
			}
			if v != nil {
				t.Errorf("a refused body also returned %+v", v)
			}
			if ie.Field != tc.field || ie.TooLarge != tc.tooLarge {
				t.Errorf("field %q, too large %v; want %q, %v (%s)", ie.Field, ie.TooLarge, tc.field, tc.tooLarge, ie.Message)
			}
			if !strings.Contains(ie.Message, tc.says) {
				t.Errorf("message %q does not say %q", ie.Message, tc.says)
			}
			if ie.Message == unreadable {
				t.Errorf("the scan let through what Unmarshal refused")
			}
		})
	}
}

const enrollOK = `{"protocol":1,"activation_code":"ACME-7Q2K-9XWD","ownership":"company","platform":"android","hardware":{"id":"a1b2c3"}}`

// enrollWith replaces the end of enrollOK's hardware object with more keys.
func enrollWith(more string) string {
	return strings.TrimSuffix(enrollOK, "}") + "," + more + "}"
}

func TestDecodeEnroll(t *testing.T) {
	got, err := DecodeEnroll(strings.NewReader(enrollWith(`"name":"Front desk","future_field":{"deep":[1,{"x":null}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	want := &EnrollRequest{Protocol: 1, ActivationCode: "ACME-7Q2K-9XWD", Ownership: "company", Platform: "android",
		Name: "Front desk", Hardware: Hardware{ID: "a1b2c3"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded enrollment (-want +got):\n%s", diff)
	}

	testRefusals(t, DecodeEnroll, []refusal{
		{"empty", ``, "", "empty", false},
		{"blank", " \n", "", "empty", false},
		{"null", `null`, "", "must be a JSON object, not null", false},
		{"array", `[]`, "", "must be a JSON object, not an array", false},
		{"string", `"x"`, "", "must be a JSON object, not a string", false},
		{"truncated", `{"protocol":1`, "", "ends before", false},
		{"syntax", `{"protocol" 1}`, "", "Malformed JSON at byte", false},
		{"trailing object", enrollOK + `{}`, "", "exactly one JSON object", false},
		{"trailing garbage", enrollOK + ` x`, "", "more follows at byte", false},
		{"byte order mark", "\ufeff" + enrollOK, "", "Malformed JSON", false},
		{"invalid UTF-8", `{"protocol":1,"name":"` + "\xff" + `"}`, "", "not valid UTF-8 (bad byte at 22)", false},
		{"too large", enrollWith(`"name":"` + strings.Repeat("a", MaxEnrollBody) + `"`), "", "larger than the limit of 16 KiB", true},
		{"too large by white space after", enrollOK + strings.Repeat(" ", MaxEnrollBody), "", "16 KiB", true},

		{"duplicate key", enrollWith(`"protocol":2`), "protocol", `"protocol" appears twice in the body`, false},
		{"duplicate nested key", strings.Replace(enrollOK, `"id":"a1b2c3"`, `"id":"a","id":"b"`, 1), "hardware.id", "twice in hardware", false},
		{"duplicate unknown key", enrollWith(`"x":1,"x":2`), "x", "twice", false},
		{"case variant", strings.Replace(enrollOK, `"protocol"`, `"Protocol"`, 1), "protocol", `must be written "protocol"`, false},
		{"deep nesting", enrollWith(`"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40)), "x" + strings.Repeat("[0]", MaxDepth-1), "more than 32 deep", false},
		{"very deep nesting", enrollWith(`"x":` + strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000)), "x" + strings.Repeat(".a", MaxDepth-1), "more than 32 deep", false},

		{"protocol missing", `{"activation_code":"x"}`, "protocol", "protocol is missing; this server speaks protocol 1", false},
		{"protocol 2", `{"protocol":2}`, "protocol", "Protocol version 2 is not supported; this server speaks 1.", false},
		{"protocol string", `{"protocol":"1"}`, "protocol", "protocol must be a whole number, not a string", false},
		{"protocol fraction", `{"protocol":1.0}`, "protocol", `written without a fraction or exponent, not "1.0"`, false},
		{"protocol exponent", `{"protocol":1e0}`, "protocol", "without a fraction or exponent", false},
		{"protocol huge", `{"protocol":123456789012345678901234567890}`, "protocol", "out of range", false},
		{"protocol null", `{"protocol":null}`, "protocol", "missing", false},
		{"code missing", `{"protocol":1}`, "activation_code", "activation_code is required", false},
		{"code long", `{"protocol":1,"activation_code":"` + strings.Repeat("A", 65) + `"}`, "activation_code", "longer than 64 bytes", false},
		{"code control", `{"protocol":1,"activation_code":"AB\u0000CD"}`, "activation_code", "control character U+0000", false},
		{"ownership missing", `{"protocol":1,"activation_code":"x"}`, "ownership", `ownership is required: "company" or "personal"`, false},
		{"ownership other", `{"protocol":1,"activation_code":"x","ownership":"shared"}`, "ownership", `not "shared"`, false},
		{"platform other", `{"protocol":1,"activation_code":"x","ownership":"personal","platform":"ios"}`, "platform", `"android" or "linux", not "ios"`, false},
		{"hardware null", strings.Replace(enrollOK, `{"id":"a1b2c3"}`, `null`, 1), "hardware.id", "hardware.id is required", false},
		{"hardware string", strings.Replace(enrollOK, `{"id":"a1b2c3"}`, `"a1b2c3"`, 1), "hardware", "hardware must be an object, not a string", false},
		{"hardware id long", strings.Replace(enrollOK, `a1b2c3`, strings.Repeat("f", 129), 1), "hardware.id", "longer than 128 bytes", false},
		{"hardware id space", strings.Replace(enrollOK, `a1b2c3`, `a1 b2`, 1), "hardware.id", "visible ASCII characters, not U+0020", false},
		{"hardware id unicode", strings.Replace(enrollOK, `a1b2c3`, `a1b2c３`, 1), "hardware.id", "U+FF13", false},
		{"name long", enrollWith(`"name":"` + strings.Repeat("é", 129) + `"`), "name", "longer than 256 bytes", false},
		{"name control", enrollWith(`"name":"a\u001bb"`), "name", "U+001B", false},
		{"model number", strings.Replace(enrollOK, `"id":"a1b2c3"`, `"id":"a1b2c3","model":7`, 1), "hardware.model", "must be a string, not a number", false},
	})
}

const checkInOK = `{"protocol":1,"inventory":{"model":"Pixel 8","battery":{"level":80,"charging":true}},"apps":{"full":[{"package":"com.example.mail"},{"package":"org.example.notes"}]}}`

func TestDecodeCheckIn(t *testing.T) {
	got, err := DecodeCheckIn(strings.NewReader(`{"protocol":1,"inventory":{"ip":"fe80::1%wlan0","uptime_seconds":0},"apps":{"full":[],"added":[{"package":"a"}],"removed":[]},"location":{"lat":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	zero := int64(0)
	want := &CheckInRequest{Protocol: 1, Inventory: &Inventory{IP: "fe80::1%wlan0", UptimeSeconds: &zero},
		Apps: &AppReport{Added: []App{{Package: "a"}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded check-in (-want +got):\n%s", diff)
	}

	apps := func(n int, prefix string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"package":"%s%d"}`, prefix, i)
		}
		return b.String()
	}
	testRefusals(t, DecodeCheckIn, []refusal{
		{"too large", `{"protocol":1,"x":"` + strings.Repeat("a", MaxCheckInBody) + `"}`, "", "larger than the limit of 512 KiB", true},
		{"protocol 0", `{"protocol":0}`, "protocol", "missing", false},
		{"inventory array", `{"protocol":1,"inventory":[]}`, "inventory", "inventory must be an object, not an array", false},
		{"battery over 100", `{"protocol":1,"inventory":{"battery":{"level":101}}}`, "inventory.battery.level", "from 0 to 100, not 101", false},
		{"battery negative", `{"protocol":1,"inventory":{"battery":{"level":-1}}}`, "inventory.battery.level", "not -1", false},
		{"battery level fraction", `{"protocol":1,"inventory":{"battery":{"level":50.5}}}`, "inventory.battery.level", "whole number", false},
		{"charging string", `{"protocol":1,"inventory":{"battery":{"charging":"yes"}}}`, "inventory.battery.charging", "must be true or false, not a string", false},
		{"uptime negative", `{"protocol":1,"inventory":{"uptime_seconds":-5}}`, "inventory.uptime_seconds", "negative", false},
		{"uptime huge", `{"protocol":1,"inventory":{"uptime_seconds":9223372036854775808}}`, "inventory.uptime_seconds", "out of range", false},
		{"ip", `{"protocol":1,"inventory":{"ip":"10.0.0.300"}}`, "inventory.ip", `not "10.0.0.300"`, false},
		{"sim long", `{"protocol":1,"inventory":{"sim":{"imei":"` + strings.Repeat("1", 257) + `"}}}`, "inventory.sim.imei", "longer than 256", false},
		{"both full and delta", `{"protocol":1,"apps":{"full":[{"package":"a"}],"removed":["b"]}}`, "apps", "either a full list or added/removed, not both", false},
		{"too many apps", `{"protocol":1,"apps":{"full":[` + apps(MaxApps+1, "p") + `]}}`, "apps.full", "has 5001 entries; at most 5000", false},
		{"too many removed", `{"protocol":1,"apps":{"removed":["` + strings.Repeat(`a","`, MaxApps) + `a"]}}`, "apps.removed", "5001 entries", false},
		{"package missing", `{"protocol":1,"apps":{"full":[{"package":"a"},{"name":"Mail"}]}}`, "apps.full[1].package", `not ""`, false},
		{"package space", `{"protocol":1,"apps":{"added":[{"package":"com.example mail"}]}}`, "apps.added[0].package", `letters, digits and . _ - +, not "com.example mail"`, false},
		{"package colon", `{"protocol":1,"apps":{"full":[{"package":"libc6:amd64"}]}}`, "apps.full[0].package", "not a package name", false},
		{"package long", `{"protocol":1,"apps":{"full":[{"package":"` + strings.Repeat("a", 256) + `"}]}}`, "apps.full[0].package", "1 to 255", false},
		{"package number", `{"protocol":1,"apps":{"full":[{"package":"a"},{"package":"b"},{"package":3}]}}`, "apps.full[2].package", "must be a string, not a number", false},
		{"removed number", `{"protocol":1,"apps":{"removed":["a",1]}}`, "apps.removed[1]", "must be a string", false},
		{"package twice", `{"protocol":1,"apps":{"full":[{"package":"a"},{"package":"b"},{"package":"a"}]}}`, "apps.full[2].package", `names "a" again, as apps.full[0].package did`, false},
		{"added and removed", `{"protocol":1,"apps":{"added":[{"package":"a"}],"removed":["a"]}}`, "apps.removed[0]", "again", false},
		{"version code negative", `{"protocol":1,"apps":{"full":[{"package":"a","version_code":-1}]}}`, "apps.full[0].version_code", "negative", false},
		{"version code exponent", `{"protocol":1,"apps":{"full":[{"package":"a","version_code":1e3}]}}`, "apps.full[0].version_code", "exponent", false},
		{"app name control", `{"protocol":1,"apps":{"full":[{"package":"a","name":"x\u0085"}]}}`, "apps.full[0].name", "U+0085", false},
		{"Kelvin sign", `{"protocol":1,"apps":{"full":[{"package":"a","wor\u212a_profile":true}]}}`, "apps.full[0].work_profile", `must be written "work_profile"`, false},
		{"duplicate in app", `{"protocol":1,"apps":{"full":[{"package":"a","package":"b"}]}}`, "apps.full[0].package", "twice in apps.full[0]", false},
		{"many keys, one twice", `{"protocol":1,"inventory":{` + manyKeys(40) + `,"k7":0}}`, "inventory.k7", "twice", false},
	})

	t.Run("many apps", func(t *testing.T) {
		got, err := DecodeCheckIn(strings.NewReader(`{"protocol":1,"apps":{"full":[` + apps(MaxApps, "com.example.app") + `]}}`))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(got.Apps.Full); n != MaxApps {
			t.Errorf("%d apps, want %d", n, MaxApps)
		}
	})
}

func manyKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":%d`, i, i)
	}
	return strings.Join(keys, ",")
}

func TestDecodeResult(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       CommandResult
	}{
		{"plain", `{"status":"succeeded","output":"installed 1.4.2"}`, CommandResult{Status: "succeeded", Output: "installed 1.4.2"}},
		{"unsupported", `{"status":"unsupported","extra":[true]}`, CommandResult{Status: "unsupported"}},
		{"controls", `{"status":"failed","output":"a\u0000b\u001b[31mc\td\r\ne"}`, CommandResult{Status: "failed", Output: "a\ufffdb\ufffd[31mc\td\r\ne"}},
		{"cut", `{"status":"failed","output":"` + strings.Repeat("é", MaxOutput) + `"}`,
			CommandResult{Status: "failed", Output: strings.Repeat("é", (MaxOutput-3)/2) + "…"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeResult(strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(got.Output) > MaxOutput {
				t.Errorf("output of %d bytes kept", len(got.Output))
			}
		})
	}

	testRefusals(t, DecodeResult, []refusal{
		{"status missing", `{"output":"x"}`, "status", `status is required: "succeeded", "failed" or "unsupported"`, false},
		{"status other", `{"status":"done"}`, "status", `not "done"`, false},
		{"status case", `{"status":"Succeeded"}`, "status", `not "Succeeded"`, false},
		{"key with long s", `{"ſtatus":"failed"}`, "status", `must be written "status"`, false},
		{"output number", `{"status":"failed","output":12}`, "output", "output must be a string", false},
		{"too large", `{"status":"failed","output":"` + strings.Repeat("x", MaxResultBody) + `"}`, "", "64 KiB", true},
	})
}

// The caller's http.MaxBytesReader is reported as too large too, and a
// failing reader is a read error, not an InputError.
func TestDecodeReaders(t *testing.T) {
	body := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(enrollWith(`"name":"`+strings.Repeat("a", 100)+`"`))), 64)
	_, err := DecodeEnroll(body)
	var ie *InputError
	if !errors.As(err, &ie) || !ie.TooLarge {
		t.Errorf("over the caller's limit: %v; want too large", err)
	}

	broken := errors.New("connection reset")
	_, err = DecodeCheckIn(io.MultiReader(strings.NewReader(`{"protocol":`), errReader{broken}))
	if !errors.Is(err, broken) || errors.As(err, &ie) {
		t.Errorf("failing reader: %v; want the read error", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestInputErrorText(t *testing.T) {
	_, err := DecodeEnroll(strings.NewReader(`{"protocol":3}`))
	if got, want := err.Error(), "protocol: protocol: Protocol version 3 is not supported; this server speaks 1."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestValidateRequestsBeforeSending(t *testing.T) {
	// Agents validate what they are about to send with the same rules.
	req := &CheckInRequest{Protocol: 1, Apps: &AppReport{Full: []App{{Package: "a"}}, Removed: []string{"b"}}}
	var ie *InputError
	if err := req.Validate(); !errors.As(err, &ie) || ie.Field != "apps" {
		t.Errorf("Validate() = %v; want an InputError on apps", err)
	}
	if err := (&CommandResult{Status: ResultSucceeded, Output: strings.Repeat("x", MaxOutput+1)}).Validate(); err == nil {
		t.Error("output over MaxOutput passed Validate")
	}
	if err := (&CommandResult{Status: ResultFailed}).Validate(); err != nil {
		t.Errorf("a valid result: %v", err)
	}
}

func TestCleanOutput(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"ok\n":                           "ok\n",
		"bad \xff byte":                  "bad \ufffd byte",
		"nul\x00":                        "nul\ufffd",
		strings.Repeat("a", MaxOutput):   strings.Repeat("a", MaxOutput),
		strings.Repeat("a", MaxOutput+1): strings.Repeat("a", MaxOutput-3) + "…",
		"a" + strings.Repeat("€", MaxOutput/3+1): "a" + strings.Repeat("€", (MaxOutput-4)/3) + "…",
	} {
		got := CleanOutput(in)
		if got != want {
			t.Errorf("CleanOutput(%.20q…) = %.20q… (%d bytes), want %d bytes", in, got, len(got), len(want))
		}
		if again := CleanOutput(got); again != got {
			t.Errorf("CleanOutput is not idempotent on %.20q…", in)
		}
	}
}

func TestValidPackage(t *testing.T) {
	for p, want := range map[string]bool{
		"com.example.mail": true, "libstdc++6": true, "python3.12-venv": true, "a_b": true, "A": true,
		"": false, "a b": false, "libc6:amd64": false, "a/b": false, "é": false, strings.Repeat("a", 256): false,
	} {
		if got := ValidPackage(p); got != want {
			t.Errorf("ValidPackage(%q) = %v", p, got)
		}
	}
}
