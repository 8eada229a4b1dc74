package sim_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardmdm/steward/protocol"
)

// fakeServer is a small, strict server side of protocol v1: it enrolls,
// records what devices send, checks the ownership rules, and queues
// commands with at-least-once delivery (push, long poll and check-in
// answers all carry a command until it is acknowledged).
type fakeServer struct {
	*httptest.Server
	code     string
	interval int // seconds
	keepAll  bool
	expiry   time.Duration // commands expire this long after they are queued
	noPush   bool          // answer the WebSocket dial 404, as behind a proxy that strips Upgrade
	throttle atomic.Int64  // answer this many more enrollments 429 with Retry-After: 1

	mu         sync.Mutex
	devices    map[string]*fakeDevice // by device ID
	byHardware map[string]*fakeDevice
	seq        int
	violations []string
	pings      atomic.Int64
	apks       map[string][]byte // by version, at protocol.PathAppDownload
	downloads  map[string]int    // successful downloads by device ID
	policy     *protocol.Policy  // nil: no policy targets the devices (404)
}

type fakeDevice struct {
	id, credential string
	enroll         protocol.EnrollRequest
	checkIns       []protocol.CheckInRequest // all of them when keepAll, else the last
	count          int
	apps           map[string]protocol.App
	commands       []*fakeCommand
	wake           chan struct{} // closed when a command is queued
	conn           *websocket.Conn
	disabled       bool                    // by an agent_disable the device carried out
	policyGets     []string                // If-None-Match of each policy fetch
	reports        []protocol.PolicyReport // accepted policy reports
}

type fakeCommand struct {
	cmd       protocol.Command
	acks      int
	results   []protocol.CommandResult
	cancelled bool
}

func newFakeServer(tb testing.TB) *fakeServer {
	s := &fakeServer{code: "ACT-TEST", interval: 3600, keepAll: true, expiry: 24 * time.Hour,
		devices: map[string]*fakeDevice{}, byHardware: map[string]*fakeDevice{}}
	s.Server = httptest.NewServer(s.routes())
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close ends push sockets first: httptest waits for hijacked connections.
func (s *fakeServer) Close() {
	s.dropSockets()
	s.Server.Close()
}

func (s *fakeServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.PathEnroll, s.enroll)
	mux.HandleFunc("POST "+protocol.PathCheckIn, s.checkIn)
	mux.HandleFunc("GET "+protocol.PathCommands, s.commands)
	mux.HandleFunc("POST "+protocol.PathCommandAck, s.ack)
	mux.HandleFunc("POST "+protocol.PathCommandResult, s.result)
	mux.HandleFunc("GET "+protocol.PathPush, s.push)
	mux.HandleFunc("GET "+protocol.PathAppDownload, s.download)
	mux.HandleFunc("GET "+protocol.PathPolicy, s.getPolicy)
	mux.HandleFunc("POST "+protocol.PathPolicyReport, s.policyReport)
	return mux
}

func (s *fakeServer) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e protocol.Error
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

// refuse answers a body the protocol's decoders refused, and counts it: the
// simulator must never send one.
func (s *fakeServer) refuse(w http.ResponseWriter, err error) {
	s.violate("refused body: %v", err)
	writeError(w, http.StatusBadRequest, "invalid", err.Error())
}

func (s *fakeServer) enroll(w http.ResponseWriter, r *http.Request) {
	if s.throttle.Add(-1) >= 0 {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate_limited", "slow down")
		return
	}
	req, err := protocol.DecodeEnroll(r.Body)
	if err != nil {
		s.refuse(w, err)
		return
	}
	switch {
	case req.ActivationCode != s.code:
		writeError(w, http.StatusNotFound, "not_found", "unknown activation code")
		return
	case req.Platform != protocol.PlatformAndroid:
		s.violate("device %s enrolled as %q", req.Hardware.ID, req.Platform)
	}
	if req.Ownership == protocol.OwnershipPersonal && req.Hardware.Serial != "" {
		s.violate("personal device %s sent a serial at enrollment", req.Hardware.ID)
	}
	s.mu.Lock()
	d := s.byHardware[req.Hardware.ID]
	if d == nil {
		s.seq++
		d = &fakeDevice{id: fmt.Sprintf("dev%05d", s.seq), apps: map[string]protocol.App{}, wake: make(chan struct{})}
		s.devices[d.id] = d
		s.byHardware[req.Hardware.ID] = d
	}
	d.enroll = *req
	d.credential = d.id + ".secret" + strconv.Itoa(s.seq)
	resp := protocol.EnrollResponse{
		Protocol: protocol.Version, DeviceID: d.id, SupportID: "SUP" + d.id[3:], Credential: d.credential,
		Endpoints:              protocol.Endpoints{CheckIn: protocol.PathCheckIn, Commands: protocol.PathCommands, Push: protocol.PathPush},
		CheckInIntervalSeconds: s.interval, ServerTime: time.Now().UTC(),
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

// auth finds the device of the request's credential.
func (s *fakeServer) auth(w http.ResponseWriter, r *http.Request) *fakeDevice {
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	id, _, _ := strings.Cut(cred, ".")
	s.mu.Lock()
	d := s.devices[id]
	valid := d != nil && d.credential != "" && d.credential == cred
	s.mu.Unlock()
	if !ok || !valid {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "bad device credential")
		return nil
	}
	return d
}

func (s *fakeServer) checkIn(w http.ResponseWriter, r *http.Request) {
	d := s.auth(w, r)
	if d == nil {
		return
	}
	decoded, err := protocol.DecodeCheckIn(r.Body)
	if err != nil {
		s.refuse(w, err)
		return
	}
	req := *decoded
	personal := d.enroll.Ownership == protocol.OwnershipPersonal
	var refused []string
	if personal {
		if inv := req.Inventory; inv != nil && (inv.Serial != "" || inv.GPSEnabled != nil || inv.IP != "") {
			s.violate("personal device %s sent a serial, IP address or GPS status", d.id)
		}
		// The real server's rule; the copy keeps what was sent for the test.
		stripped := req
		if req.Apps != nil {
			a := *req.Apps
			a.Full, a.Added = slices.Clone(a.Full), slices.Clone(a.Added)
			stripped.Apps = &a
		}
		if req.Inventory != nil {
			inv := *req.Inventory
			stripped.Inventory = &inv
		}
		if refused = protocol.StripPersonal(&stripped); len(refused) > 0 {
			s.violate("personal device %s sent %v", d.id, refused)
		}
	}
	s.mu.Lock()
	if s.keepAll || len(d.checkIns) == 0 {
		d.checkIns = append(d.checkIns, req)
	} else {
		d.checkIns[0] = req
	}
	d.count++
	if a := req.Apps; a != nil {
		if a.Full != nil {
			clear(d.apps)
		}
		for _, list := range [][]protocol.App{a.Full, a.Added} {
			for _, app := range list {
				if personal && !app.WorkProfile {
					s.violations = append(s.violations, fmt.Sprintf("personal device %s sent non-work app %s", d.id, app.Package))
				}
				d.apps[app.Package] = app
			}
		}
		for _, pkg := range a.Removed {
			if _, ok := d.apps[pkg]; !ok {
				s.violations = append(s.violations, fmt.Sprintf("device %s removed unknown app %s", d.id, pkg))
			}
			delete(d.apps, pkg)
		}
	}
	pending, enabled := d.pendingLocked(), !d.disabled
	version := ""
	if s.policy != nil {
		version = s.policy.Version
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, protocol.CheckInResponse{
		CheckInIntervalSeconds: s.interval, AgentEnabled: enabled, Commands: pending, Refused: refused,
		PolicyVersion: version, ServerTime: time.Now().UTC(),
	})
}

// pendingLocked lists the commands not yet acknowledged; s.mu is held.
func (d *fakeDevice) pendingLocked() []protocol.Command {
	out := []protocol.Command{}
	for _, c := range d.commands {
		if c.acks == 0 && !c.cancelled {
			out = append(out, c.cmd)
		}
	}
	return out
}

func (s *fakeServer) commands(w http.ResponseWriter, r *http.Request) {
	d := s.auth(w, r)
	if d == nil {
		return
	}
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	wait = min(wait, protocol.MaxWaitSeconds)
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		pending, wake := d.pendingLocked(), d.wake
		s.mu.Unlock()
		if len(pending) > 0 || wait == 0 {
			writeJSON(w, http.StatusOK, protocol.CommandsResponse{Commands: pending})
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			return
		}
	}
}

func (s *fakeServer) command(w http.ResponseWriter, r *http.Request) (*fakeDevice, *fakeCommand) {
	d := s.auth(w, r)
	if d == nil {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range d.commands {
		if c.cmd.ID == r.PathValue("id") {
			return d, c
		}
	}
	writeError(w, http.StatusNotFound, "not_found", "no such command")
	return nil, nil
}

func (s *fakeServer) ack(w http.ResponseWriter, r *http.Request) {
	d, c := s.command(w, r)
	if c == nil {
		return
	}
	if n, _ := io.Copy(io.Discard, r.Body); n > 0 || r.Header.Get("Content-Type") != "" {
		s.violate("device %s sent a body with the ack of %s", d.id, c.cmd.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(c.results) > 0 || c.cancelled {
		writeError(w, http.StatusConflict, "conflict", "The command is finished; do not act on it.")
		return
	}
	c.acks++
	w.WriteHeader(http.StatusNoContent)
}

func (s *fakeServer) result(w http.ResponseWriter, r *http.Request) {
	d, c := s.command(w, r)
	if c == nil {
		return
	}
	decoded, err := protocol.DecodeResult(r.Body)
	if err != nil {
		s.refuse(w, err)
		return
	}
	res := *decoded
	s.mu.Lock()
	if c.acks == 0 {
		s.violations = append(s.violations, fmt.Sprintf("device %s sent a result before the ack of %s", d.id, c.cmd.ID))
	}
	c.results = append(c.results, res)
	if res.Status == protocol.ResultSucceeded {
		switch c.cmd.Type {
		case protocol.CmdAgentDisable:
			d.disabled = true
		case protocol.CmdAgentEnable:
			d.disabled = false
		case protocol.CmdWipe:
			d.credential = "" // the real server deletes the device: 401 from now on
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// serveAPK offers an APK for download and returns its URL.
func (s *fakeServer) serveAPK(version string, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apks == nil {
		s.apks, s.downloads = map[string][]byte{}, map[string]int{}
	}
	s.apks[version] = body
	return s.URL + strings.Replace(protocol.PathAppDownload, "{version}", version, 1)
}

// download serves an APK to an authenticated device.
func (s *fakeServer) download(w http.ResponseWriter, r *http.Request) {
	d := s.auth(w, r)
	if d == nil {
		return
	}
	s.mu.Lock()
	body, ok := s.apks[r.PathValue("version")]
	if ok {
		s.downloads[d.id]++
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "App version not found.")
		return
	}
	w.Header().Set("Content-Type", "application/vnd.android.package-archive")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func (s *fakeServer) push(w http.ResponseWriter, r *http.Request) {
	d := s.auth(w, r)
	if d == nil {
		return
	}
	if s.noPush {
		writeError(w, http.StatusNotFound, "not_found", "no WebSocket here")
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		OnPingReceived: func(context.Context, []byte) bool { s.pings.Add(1); return true },
	})
	if err != nil {
		return
	}
	s.mu.Lock()
	old := d.conn
	d.conn = conn
	s.mu.Unlock()
	if old != nil {
		old.CloseNow()
	}
	for {
		if _, _, err := conn.Read(r.Context()); err != nil {
			break
		}
	}
	s.mu.Lock()
	if d.conn == conn {
		d.conn = nil
	}
	s.mu.Unlock()
	conn.CloseNow()
}

// enqueue queues a command for every enrolled device (or only those named)
// and pushes it to connected ones; it returns the command IDs by device ID.
func (s *fakeServer) enqueue(typ string, payload any, only ...string) map[string]string {
	type delivery struct {
		conn *websocket.Conn
		cmd  protocol.Command
	}
	var pushes []delivery
	ids := map[string]string{}
	s.mu.Lock()
	for _, d := range s.devices {
		if len(only) > 0 && !slices.Contains(only, d.id) {
			continue
		}
		c := protocol.Command{ID: fmt.Sprintf("cmd-%s-%d", d.id, len(d.commands)), Type: typ,
			ExpiresAt: time.Now().Add(s.expiry).UTC()}
		if payload != nil {
			c.Payload, _ = json.Marshal(payload)
		}
		d.commands = append(d.commands, &fakeCommand{cmd: c})
		ids[d.id] = c.ID
		close(d.wake)
		d.wake = make(chan struct{})
		if d.conn != nil {
			pushes = append(pushes, delivery{d.conn, c})
		}
	}
	s.mu.Unlock()
	// Twice: delivery is at least once, and devices must act once.
	for range 2 {
		for _, p := range pushes {
			s.send(p.conn, protocol.PushMessage{Type: protocol.PushCommands, Commands: []protocol.Command{p.cmd}})
		}
	}
	return ids
}

// minCheckIns is the fewest check-ins any device made. Waits poll it rather
// than snapshot, which copies everything under the server's lock.
func (s *fakeServer) minCheckIns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	least := -1
	for _, d := range s.devices {
		if least < 0 || d.count < least {
			least = d.count
		}
	}
	return least
}

// allHave reports whether every device reports an app.
func (s *fakeServer) allHave(pkg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if _, ok := d.apps[pkg]; !ok {
			return false
		}
	}
	return true
}

// connected counts the push sockets the server holds.
func (s *fakeServer) connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.devices {
		if d.conn != nil {
			n++
		}
	}
	return n
}

// poke asks every connected device to check in.
func (s *fakeServer) poke() int {
	s.mu.Lock()
	var conns []*websocket.Conn
	for _, d := range s.devices {
		if d.conn != nil {
			conns = append(conns, d.conn)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.send(c, protocol.PushMessage{Type: protocol.PushPoke})
	}
	return len(conns)
}

func (s *fakeServer) send(conn *websocket.Conn, m protocol.PushMessage) {
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Write(ctx, websocket.MessageText, b)
}

// dropSockets closes every push socket, as a server restart would.
func (s *fakeServer) dropSockets() {
	s.mu.Lock()
	var conns []*websocket.Conn
	for _, d := range s.devices {
		if d.conn != nil {
			conns = append(conns, d.conn)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.CloseNow()
	}
}

// snapshot copies what the server knows of its devices.
func (s *fakeServer) snapshot() []fakeDevice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]fakeDevice, 0, len(s.devices))
	for _, d := range s.devices {
		c := *d
		c.checkIns = append([]protocol.CheckInRequest(nil), d.checkIns...)
		c.apps = make(map[string]protocol.App, len(d.apps))
		for k, v := range d.apps {
			c.apps[k] = v
		}
		c.commands = nil
		for _, fc := range d.commands {
			cp := *fc
			cp.results = append([]protocol.CommandResult(nil), fc.results...)
			c.commands = append(c.commands, &cp)
		}
		out = append(out, c)
	}
	return out
}

func (s *fakeServer) checkViolations(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, v := range s.violations {
		if i == 10 {
			t.Errorf("… and %d more violations", len(s.violations)-10)
			break
		}
		t.Errorf("protocol violation: %s", v)
	}
}

// fakeServerEnv makes the test binary a fake server only (see
// startFakeServerProcess), so that a benchmark measures the fleet's memory
// without the server's.
const fakeServerEnv = "STEWARD_SIM_FAKE_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(fakeServerEnv) == "1" {
		s := newFakeServer(nil)
		s.keepAll = false
		fmt.Println(s.URL)
		_, _ = io.Copy(io.Discard, os.Stdin) // serve until the parent closes stdin
		s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startFakeServerProcess runs a fake server in a child process and returns
// its URL; the child ends with the benchmark.
func startFakeServerProcess(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fakeServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("fake server process: %v", err)
	}
	return strings.TrimSpace(line)
}

// getPolicy answers the policy: 304 when If-None-Match is its ETag, 404
// when there is none.
func (s *fakeServer) getPolicy(w http.ResponseWriter, r *http.Request) {
	d := s.auth(w, r)
	if d == nil {
		return
	}
	inm := r.Header.Get("If-None-Match")
	s.mu.Lock()
	p := s.policy
	d.policyGets = append(d.policyGets, inm)
	s.mu.Unlock()
	switch {
	case p == nil:
		writeError(w, http.StatusNotFound, "not_found", "no policy targets this device")
	case inm == `"`+p.Version+`"`:
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Header().Set("ETag", `"`+p.Version+`"`)
		writeJSON(w, http.StatusOK, p)
	}
}

// policyReport keeps a report the protocol's decoder accepts; a report
// that misses or repeats a setting of the policy is a violation.
func (s *fakeServer) policyReport(w http.ResponseWriter, r *http.Request) {
	d := s.auth(w, r)
	if d == nil {
		return
	}
	rep, err := protocol.DecodePolicyReport(r.Body)
	if err != nil {
		s.refuse(w, err)
		return
	}
	s.mu.Lock()
	if p := s.policy; p != nil && p.Version == rep.Version {
		var keys []string
		for _, st := range rep.Settings {
			keys = append(keys, st.Key)
		}
		if !slices.Equal(keys, p.SettingKeys()) {
			s.violations = append(s.violations, fmt.Sprintf("device %s reported %v on a policy of %v", d.id, keys, p.SettingKeys()))
		}
	}
	d.reports = append(d.reports, *rep)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// setPolicy replaces the policy the devices should hold.
func (s *fakeServer) setPolicy(p *protocol.Policy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
}

// pushAll sends a message over every device's open socket.
func (s *fakeServer) pushAll(tb testing.TB, m protocol.PushMessage) {
	tb.Helper()
	s.mu.Lock()
	var conns []*websocket.Conn
	for _, d := range s.devices {
		if d.conn != nil {
			conns = append(conns, d.conn)
		}
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range conns {
		b, _ := json.Marshal(m)
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			tb.Errorf("push: %v", err)
		}
	}
}

// reportsOf returns every device's reports, by device ID.
func (s *fakeServer) reportsOf() map[string][]protocol.PolicyReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]protocol.PolicyReport{}
	for id, d := range s.devices {
		out[id] = slices.Clone(d.reports)
	}
	return out
}
