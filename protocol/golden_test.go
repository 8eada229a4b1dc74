package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ and the fuzz seed corpora")

// The example values below are the wire format's reference: each is
// marshalled to testdata/<name>.json, and docs/device-protocol.md quotes
// those files. A change to the wire types shows up as a diff in them.

var (
	exampleTime    = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	exampleDevice  = "01jnq8k2w6d3h5r7t9v1x3z5b7"
	exampleExpires = time.Date(2026, 3, 9, 9, 30, 0, 0, time.UTC)
)

func payload(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

var (
	exampleInstall = AppPayload{Package: "com.example.timesheet", VersionCode: 240301,
		URL:    "https://mdm.example.com/device/v1/apps/01jnq9c4e6g8j0m2p4r6t8w0y2/download",
		SHA256: "9f2b5c1e8d7a6f4e3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a"}
	exampleUpdate    = AppPayload{Package: "com.example.timesheet", VersionCode: 240415, URL: exampleInstall.URL, SHA256: "4c3d2e1f0a9f2b5c1e8d7a6f4e3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b"}
	exampleUninstall = AppPayload{Package: "com.example.oldcrm"}
	exampleClear     = AppPayload{Package: "com.android.chrome"}
	exampleLock      = LockPayload{Message: "This phone was reported lost. Call IT on +44 20 7946 0000."}
	exampleMessage   = MessagePayload{Title: "Update tonight", Body: "Please leave the tablet on its charger: it updates at 22:00."}
	exampleDisable   = AgentPayload{Reason: ReasonDisabledByAdmin}

	exampleCommands = []Command{
		{ID: "01jnqa3m5p7r9t1v3x5z7b9d1f", Type: CmdInstallApp, Payload: payload(exampleInstall), ExpiresAt: exampleExpires},
		{ID: "01jnqa3m5p7r9t1v3x5z7b9d1g", Type: CmdSendMessage, Payload: payload(exampleMessage), ExpiresAt: exampleExpires},
		{ID: "01jnqa3m5p7r9t1v3x5z7b9d1h", Type: CmdReboot, ExpiresAt: exampleExpires},
	}
)

type golden struct {
	name  string // testdata/<name>.json
	value any
}

func goldens() []golden {
	return append([]golden{
		{"enroll-request", EnrollRequest{Protocol: Version, ActivationCode: "ACME-7Q2K-9XWD", Ownership: OwnershipCompany,
			Platform: PlatformAndroid, Name: "Front desk tablet", AgentVersion: "1.4.0",
			Hardware: Hardware{ID: "4f1c9e2b7a6d3e8f0a1b2c3d4e5f6a7b", Manufacturer: "Google", Model: "Pixel Tablet", Serial: "38201FDJH004X2"}}},
		{"enroll-response", EnrollResponse{Protocol: Version, DeviceID: exampleDevice, SupportID: "K7QF3MXP",
			Credential:             exampleDevice + ".k5m2q7xw4rz3ta6hb2nd7vy4ce5pj6sg3fu2la7mr4ti5wq",
			Endpoints:              Endpoints{CheckIn: PathCheckIn, Commands: PathCommands, Push: PathPush},
			CheckInIntervalSeconds: 900, ServerTime: exampleTime}},
		{"checkin-request-company", CheckInRequest{Protocol: Version,
			Inventory: &Inventory{Manufacturer: "Google", Model: "Pixel Tablet", Serial: "38201FDJH004X2", IP: "10.20.4.17",
				SIM:       &SIM{ICCID: "8944110068256270054", IMEI: "356938035643809", PhoneNumber: "+447700900123"},
				OSVersion: "14", PendingOSUpdate: "15", PatchLevel: "2026-02-05",
				SystemSignature: "google/tangorpro/tangorpro:14/AP2A.240905.003/12231197:user/release-keys",
				Battery:         &Battery{Level: 84, Charging: true, Health: "good"}, GPSEnabled: ptr(true),
				AgentVersion: "1.4.0", AgentState: "enabled", UptimeSeconds: ptr(int64(273600))},
			Apps: &AppReport{Full: []App{
				{Package: "com.android.chrome", Name: "Chrome", VersionName: "122.0.6261.64", VersionCode: 626106433, System: true},
				{Package: "com.example.timesheet", Name: "Timesheet", VersionName: "3.2.0", VersionCode: 240301},
				{Package: "org.stewardmdm.agent", Name: "Steward", VersionName: "1.4.0", VersionCode: 10400},
			}}}},
		{"checkin-request-personal", CheckInRequest{Protocol: Version,
			Inventory: &Inventory{Manufacturer: "Samsung", Model: "SM-S921B", OSVersion: "14", PatchLevel: "2026-01-01",
				Battery: &Battery{Level: 37}, AgentVersion: "1.4.0", AgentState: "enabled"},
			Apps: &AppReport{
				Added:   []App{{Package: "com.example.timesheet", Name: "Timesheet", VersionName: "3.2.0", VersionCode: 240301, WorkProfile: true}},
				Removed: []string{"com.example.oldcrm"}}}},
		{"checkin-response", CheckInResponse{CheckInIntervalSeconds: 900, AgentEnabled: true, Commands: exampleCommands, ServerTime: exampleTime}},
		{"checkin-response-personal", CheckInResponse{CheckInIntervalSeconds: 900, AgentEnabled: true, Commands: []Command{},
			Refused: []string{RefusedIMEI, RefusedPhoneNumber, RefusedPersonalApps}, ServerTime: exampleTime}},
		{"checkin-response-disabled", CheckInResponse{CheckInIntervalSeconds: 3600, AgentEnabled: false,
			DisabledReason: ReasonSubscriptionEnded, Commands: []Command{}, ServerTime: exampleTime}},
		{"commands-response", CommandsResponse{Commands: []Command{
			{ID: "01jnqb7d9f1h3k5n7q9s1u3w5y", Type: CmdLock, Payload: payload(exampleLock), ExpiresAt: exampleExpires},
			{ID: "01jnqb7d9f1h3k5n7q9s1u3w5z", Type: CmdSync, ExpiresAt: exampleExpires},
		}}},
		{"payload-install-app", exampleInstall},
		{"payload-update-app", exampleUpdate},
		{"payload-uninstall-app", exampleUninstall},
		{"payload-clear-app-cache", exampleClear},
		{"payload-lock", exampleLock},
		{"payload-send-message", exampleMessage},
		{"payload-agent-disable", exampleDisable},
		{"result-succeeded", CommandResult{Status: ResultSucceeded, Output: "Installed com.example.timesheet 3.2.0 (240301)."}},
		{"result-failed", CommandResult{Status: ResultFailed, Output: "Download failed: SHA-256 mismatch."}},
		{"result-unsupported", CommandResult{Status: ResultUnsupported, Output: "Unknown command type \"locate\"."}},
		{"credential-response", CredentialResponse{Credential: exampleDevice + ".w3rt6yb2nc4xd7mf5kg2hp6jq3sv7lz4ua5ei2ob6tr3cy"}},
		{"push-commands", PushMessage{Type: PushCommands, Commands: exampleCommands[:1]}},
		{"push-poke", PushMessage{Type: PushPoke}},
		{"socket-ack", SocketMessage{Type: SocketAck, CommandID: "01jnqb7d9f1h3k5n7q9s1u3w5y"}},
		{"push-acked", PushMessage{Type: PushAcked, CommandID: "01jnqb7d9f1h3k5n7q9s1u3w5y"}},
		{"push-acked-refused", PushMessage{Type: PushAcked, CommandID: "01jnqb7d9f1h3k5n7q9s1u3w5y",
			Error: &PushError{Code: "conflict", Message: "The command is cancelled: do not run it."}}},
		{"error", exampleError()},
	}, append(append(privacyGoldens(), policyGoldens()...), directoryGoldens()...)...)
}

func exampleError() Error {
	var e Error
	e.Error.Code = "invalid"
	e.Error.Message = "inventory.battery.level is a percentage from 0 to 100, not 140."
	e.Error.Field = "inventory.battery.level"
	return e
}

// marshalGolden is the form of the golden files: indented by two spaces,
// ending with a newline.
func marshalGolden(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestGolden marshals every example and compares it with its golden file
// byte for byte, then reads the file back into the same type and
// marshals it again, so that the file is the wire form of the example and
// nothing else. Requests must also pass their decoder unchanged.
// go test ./protocol -update rewrites the files.
func TestGolden(t *testing.T) {
	names := map[string]bool{}
	for _, g := range goldens() {
		names[g.name+".json"] = true
		t.Run(g.name, func(t *testing.T) {
			path := filepath.Join("testdata", g.name+".json")
			got := marshalGolden(t, g.value)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./protocol -update writes it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Fatalf("%s changed (-file +now); if the wire format is meant to change, run go test ./protocol -update and say so in the commit:\n%s", path, diff)
			}

			back := reflect.New(reflect.TypeOf(g.value))
			if err := json.Unmarshal(want, back.Interface()); err != nil {
				t.Fatalf("reading %s back: %v", path, err)
			}
			if again := marshalGolden(t, back.Elem().Interface()); !bytes.Equal(again, want) {
				t.Errorf("%s does not survive decoding:\n%s", path, cmp.Diff(string(want), string(again)))
			}

			var decoded any
			switch g.value.(type) {
			case EnrollRequest:
				decoded, err = DecodeEnroll(bytes.NewReader(want))
			case CheckInRequest:
				decoded, err = DecodeCheckIn(bytes.NewReader(want))
			case CommandResult:
				decoded, err = DecodeResult(bytes.NewReader(want))
			case ConsentRequest:
				decoded, err = DecodeConsent(bytes.NewReader(want))
			case LocationRequest:
				decoded, err = DecodeLocation(bytes.NewReader(want))
			case WebHistoryRequest:
				decoded, err = DecodeWebHistory(bytes.NewReader(want))
			case PolicyReport:
				decoded, err = DecodePolicyReport(bytes.NewReader(want))
			default:
				return
			}
			if err != nil {
				t.Fatalf("the server refuses %s: %v", path, err)
			}
			if diff := cmp.Diff(g.value, reflect.ValueOf(decoded).Elem().Interface()); diff != "" {
				t.Errorf("decoding %s (-example +decoded):\n%s", path, diff)
			}
		})
	}

	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !names[filepath.Base(f)] {
			if *update {
				os.Remove(f)
				continue
			}
			t.Errorf("%s has no example in goldens(): remove it or add one", f)
		}
	}
}

// TestGoldenCommandPayloads checks that each command example carries the
// payload type its command takes, as the docs say.
func TestGoldenCommandPayloads(t *testing.T) {
	takes := map[string]any{
		CmdInstallApp: AppPayload{}, CmdUpdateApp: AppPayload{}, CmdUninstallApp: AppPayload{}, CmdClearAppCache: AppPayload{},
		CmdLock: LockPayload{}, CmdSendMessage: MessagePayload{}, CmdAgentEnable: AgentPayload{}, CmdAgentDisable: AgentPayload{},
		CmdReboot: nil, CmdSync: nil, CmdWipe: nil,
	}
	for _, g := range goldens() {
		var cmds []Command
		switch v := g.value.(type) {
		case CheckInResponse:
			cmds = v.Commands
		case CommandsResponse:
			cmds = v.Commands
		case PushMessage:
			cmds = v.Commands
		}
		for _, c := range cmds {
			want, ok := takes[c.Type]
			if !ok {
				t.Errorf("%s: unknown command type %q", g.name, c.Type)
				continue
			}
			if want == nil {
				if c.Payload != nil {
					t.Errorf("%s: %s has a payload", g.name, c.Type)
				}
				continue
			}
			p := reflect.New(reflect.TypeOf(want))
			dec := json.NewDecoder(bytes.NewReader(c.Payload))
			dec.DisallowUnknownFields()
			if err := dec.Decode(p.Interface()); err != nil {
				t.Errorf("%s: %s payload is not a %T: %v", g.name, c.Type, want, err)
			}
		}
	}
}
