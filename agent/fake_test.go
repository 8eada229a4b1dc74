package agent_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

// wait bounds every wait in these tests: long enough never to fire on a
// slow machine, short enough that a hang fails the test rather than the run.
const wait = 10 * time.Second

// fakeServer speaks the device side of protocol v1 closely enough to drive
// the agent: it keeps commands queued until they are acknowledged, holds
// long polls, and pushes over a WebSocket.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	credential  string
	rotations   int
	rejected    int // requests refused with 401
	enrolls     []protocol.EnrollRequest
	enrollErr   int // when non-zero, enroll answers this status
	pending     []protocol.Command
	acks        []string
	results     map[string][]protocol.CommandResult
	conns       []*websocket.Conn
	pushStatus  int // when non-zero, the push endpoint answers this status
	pushTries   int
	pollStatus  int // when non-zero, the commands endpoint answers this status
	polls       []string
	checkInErr  int
	resultErr   int
	agentOff    string // when set, check-ins answer agent_enabled false with this reason
	refuse      []string
	skew        time.Duration // how far the server's clock is ahead
	checkInCmds []protocol.Command
	onResult    func(id string) // runs before a result is recorded
	delivered   map[string]protocol.Command
	directory   directoryFixture

	policy       *protocol.Policy // nil: no policy targets the device (404)
	policyGets   []string         // the If-None-Match of every policy fetch
	policyNotMod int              // fetches answered 304
	reports      []protocol.PolicyReport
	reportErr    int                        // when non-zero, reports answer this status
	reportsCh    chan protocol.PolicyReport // every accepted report

	pendingSig chan struct{}                // pulsed when commands are queued
	checkIns   chan protocol.CheckInRequest // every accepted check-in
	resultsCh  chan string                  // IDs of recorded results
	connected  chan struct{}                // one per WebSocket accepted
	pollsCh    chan string                  // the query of every poll
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{
		t: t, results: map[string][]protocol.CommandResult{}, delivered: map[string]protocol.Command{},
		pendingSig: make(chan struct{}), checkIns: make(chan protocol.CheckInRequest, 100),
		resultsCh: make(chan string, 100), connected: make(chan struct{}, 100), pollsCh: make(chan string, 100),
		reportsCh: make(chan protocol.PolicyReport, 100),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.PathEnroll, f.enroll)
	mux.HandleFunc("POST "+protocol.PathCheckIn, f.auth(f.checkIn))
	mux.HandleFunc("GET "+protocol.PathCommands, f.auth(f.commands))
	mux.HandleFunc("POST "+protocol.PathCommandAck, f.auth(f.ack))
	mux.HandleFunc("POST "+protocol.PathCommandResult, f.auth(f.result))
	mux.HandleFunc("POST "+protocol.PathCredential, f.auth(f.rotate))
	mux.HandleFunc("GET "+protocol.PathPush, f.auth(f.pushHandler))
	mux.HandleFunc("GET "+protocol.PathPolicy, f.auth(f.getPolicy))
	mux.HandleFunc("POST "+protocol.PathPolicyReport, f.auth(f.report))
	mux.HandleFunc("GET "+protocol.PathDirectory, f.auth(f.directoryHandler))
	mux.HandleFunc("GET "+protocol.PathFileDownload, f.auth(f.fileHandler))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) URL() string { return f.srv.URL }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e protocol.Error
	e.Error.Code, e.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *fakeServer) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := f.credential != "" && r.Header.Get("Authorization") == "Bearer "+f.credential
		if !ok {
			f.rejected++
		}
		f.mu.Unlock()
		if !ok {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "bad credential")
			return
		}
		h(w, r)
	}
}

func (f *fakeServer) enroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.enrollErr != 0 {
		writeError(w, f.enrollErr, "invalid", "activation code not valid")
		return
	}
	f.enrolls = append(f.enrolls, req)
	id := fmt.Sprintf("dev%d", len(f.enrolls))
	f.credential = id + ".secret"
	writeJSON(w, protocol.EnrollResponse{
		Protocol: protocol.Version, DeviceID: id, SupportID: "ABCD1234", Credential: f.credential,
		Endpoints:              protocol.Endpoints{CheckIn: protocol.PathCheckIn, Commands: protocol.PathCommands, Push: protocol.PathPush},
		CheckInIntervalSeconds: 3600, ServerTime: time.Now().Add(f.skew),
	})
}

func (f *fakeServer) checkIn(w http.ResponseWriter, r *http.Request) {
	var req protocol.CheckInRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	f.mu.Lock()
	if f.checkInErr != 0 {
		f.mu.Unlock()
		writeError(w, f.checkInErr, "internal", "down")
		return
	}
	resp := protocol.CheckInResponse{
		CheckInIntervalSeconds: 3600, AgentEnabled: f.agentOff == "", DisabledReason: f.agentOff,
		Commands: f.checkInCmds, Refused: f.refuse, ServerTime: time.Now().Add(f.skew),
		DirectoryVersion: f.directory.resp.Version,
	}
	if f.policy != nil {
		resp.PolicyVersion = f.policy.Version
	}
	f.checkInCmds = nil
	f.mu.Unlock()
	f.checkIns <- req
	writeJSON(w, resp)
}

// commands lists the queued commands, holding the request up to ?wait=N
// seconds while there are none.
func (f *fakeServer) commands(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.polls = append(f.polls, r.URL.RawQuery)
	status := f.pollStatus
	f.mu.Unlock()
	select {
	case f.pollsCh <- r.URL.RawQuery:
	default:
	}
	if status != 0 {
		writeError(w, status, "internal", "down")
		return
	}
	secs, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	timeout := time.After(time.Duration(secs) * time.Second)
	for {
		f.mu.Lock()
		cmds := slices.Clone(f.pending)
		sig := f.pendingSig
		f.mu.Unlock()
		if len(cmds) > 0 || secs == 0 {
			writeJSON(w, protocol.CommandsResponse{Commands: cmds})
			return
		}
		select {
		case <-sig:
		case <-timeout:
			writeJSON(w, protocol.CommandsResponse{Commands: []protocol.Command{}})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeServer) ack(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.delivered[id]; !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such command")
		return
	}
	if !slices.Contains(f.acks, id) { // acknowledging again is fine too
		f.acks = append(f.acks, id)
	}
	f.pending = slices.DeleteFunc(f.pending, func(c protocol.Command) bool { return c.ID == id })
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeServer) result(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var res protocol.CommandResult
	if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	f.mu.Lock()
	status, hook := f.resultErr, f.onResult
	f.mu.Unlock()
	if status != 0 {
		writeError(w, status, "internal", "down")
		return
	}
	if hook != nil {
		hook(id)
	}
	f.mu.Lock()
	f.results[id] = append(f.results[id], res)
	// Like the server, take the agent's word on its enabled state.
	if c := f.delivered[id]; res.Status == protocol.ResultSucceeded && c.Type == protocol.CmdAgentDisable {
		var p protocol.AgentPayload
		json.Unmarshal(c.Payload, &p)
		f.agentOff = cmp.Or(p.Reason, "disabled")
	} else if res.Status == protocol.ResultSucceeded && c.Type == protocol.CmdAgentEnable {
		f.agentOff = ""
	}
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	f.resultsCh <- id
}

func (f *fakeServer) rotate(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rotations++
	id, _, _ := strings.Cut(f.credential, ".")
	f.credential = fmt.Sprintf("%s.rotated%d", id, f.rotations)
	writeJSON(w, protocol.CredentialResponse{Credential: f.credential})
}

func (f *fakeServer) pushHandler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.pushTries++
	status := f.pushStatus
	f.mu.Unlock()
	if status != 0 {
		writeError(w, status, "not_found", "no push here")
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	f.mu.Lock()
	f.conns = append(f.conns, conn)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.conns = slices.DeleteFunc(f.conns, func(c *websocket.Conn) bool { return c == conn })
		f.mu.Unlock()
	}()
	f.connected <- struct{}{}
	// Read until the agent goes: reading answers its pings.
	for {
		if _, _, err := conn.Read(r.Context()); err != nil {
			return
		}
	}
}

// queue adds commands to the queue and wakes long polls; it pushes
// nothing (see push).
func (f *fakeServer) queue(cmds ...protocol.Command) {
	f.mu.Lock()
	f.pending = append(f.pending, cmds...)
	for _, c := range cmds {
		f.delivered[c.ID] = c
	}
	close(f.pendingSig)
	f.pendingSig = make(chan struct{})
	f.mu.Unlock()
}

// push sends a message over every open WebSocket.
func (f *fakeServer) push(msg protocol.PushMessage) {
	f.t.Helper()
	f.mu.Lock()
	conns := slices.Clone(f.conns)
	f.mu.Unlock()
	if len(conns) == 0 {
		f.t.Fatal("push: no WebSocket is connected")
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var errs []error
	for _, c := range conns { // some may be closing: one delivery is enough
		if err := wsjson.Write(ctx, c, msg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == len(conns) {
		f.t.Fatalf("push: %v", errors.Join(errs...))
	}
}

// deliver queues commands and pushes them, as the server does.
func (f *fakeServer) deliver(cmds ...protocol.Command) {
	f.t.Helper()
	f.queue(cmds...)
	f.push(protocol.PushMessage{Type: protocol.PushCommands, Commands: cmds})
}

func (f *fakeServer) set(fn func(f *fakeServer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeServer) enrollReqs() []protocol.EnrollRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.enrolls)
}

func (f *fakeServer) ackList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.acks)
}

func (f *fakeServer) resultsFor(id string) []protocol.CommandResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.results[id])
}

func (f *fakeServer) currentCredential() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.credential
}

// waitResults waits until every ID has a result and returns the first
// result of each.
func (f *fakeServer) waitResults(ids ...string) map[string]protocol.CommandResult {
	f.t.Helper()
	deadline := time.After(wait)
	for {
		got := map[string]protocol.CommandResult{}
		f.mu.Lock()
		for _, id := range ids {
			if rs := f.results[id]; len(rs) > 0 {
				got[id] = rs[0]
			}
		}
		f.mu.Unlock()
		if len(got) == len(ids) {
			return got
		}
		select {
		case <-f.resultsCh:
		case <-deadline:
			f.t.Fatalf("results: got %v, want results for %v", got, ids)
		}
	}
}

func (f *fakeServer) waitCheckIn() protocol.CheckInRequest {
	f.t.Helper()
	select {
	case req := <-f.checkIns:
		return req
	case <-time.After(wait):
		f.t.Fatal("no check-in")
	}
	return protocol.CheckInRequest{}
}

// forgetCheckIns discards the check-ins received so far (if any), so that
// the next waitCheckIn waits for a new one.
func (f *fakeServer) forgetCheckIns() {
	for {
		select {
		case <-f.checkIns:
		default:
			return
		}
	}
}

// forgetConnections discards the signals of earlier connections, so that
// the next waitConnected waits for a new one.
func (f *fakeServer) forgetConnections() {
	for {
		select {
		case <-f.connected:
		default:
			return
		}
	}
}

func (f *fakeServer) waitConnected() {
	f.t.Helper()
	select {
	case <-f.connected:
	case <-time.After(wait):
		f.t.Fatal("the agent did not connect the WebSocket")
	}
}

// testRoot copies the host fixture to a folder the test may change.
func testRoot(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "root")
	if err := os.CopyFS(dir, os.DirFS("testdata/root")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testLogger logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newAgent returns an agent of the fake server with a fixture host; opt
// adjusts its options.
func newAgent(t *testing.T, f *fakeServer, opt func(*agent.Options)) (*agent.Agent, agent.Options) {
	t.Helper()
	o := agent.Options{
		Server: f.URL(), StateDir: filepath.Join(t.TempDir(), "state"), Root: testRoot(t), Logger: testLogger(t),
		Interfaces: func() ([]agent.Interface, error) { return nil, nil },
	}
	if opt != nil {
		opt(&o)
	}
	a, err := agent.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a, o
}

// enrolled returns an enrolled agent.
func enrolled(t *testing.T, f *fakeServer, opt func(*agent.Options)) (*agent.Agent, agent.Options) {
	t.Helper()
	a, o := newAgent(t, f, opt)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := a.Enroll(ctx, agent.EnrollRequest{Code: "CODE-1234"}); err != nil {
		t.Fatalf("enroll: %v", err)
	}
	return a, o
}

// run starts the agent and returns a function that stops it and returns
// Run's error; the test's end stops it too. done is closed when Run returns.
func run(t *testing.T, a *agent.Agent) (stop func() error, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	ch := make(chan error, 1)
	go func() {
		err := a.Run(ctx)
		errc <- err
		ch <- err
	}()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(wait):
				err = errors.New("Run did not return after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil && !errors.Is(err, agent.ErrWiped) && !errors.Is(err, agent.ErrRevoked) {
			t.Errorf("run: %v", err)
		}
	})
	return stop, ch
}

// syncWriter is a writer safe for concurrent use.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

var _ io.Writer = (*syncWriter)(nil)

// policyETag is the ETag of a policy version, quoted as HTTP has it.
func policyETag(version string) string { return `"` + version + `"` }

// getPolicy answers the policy, 304 when If-None-Match names its version,
// 404 when there is none.
func (f *fakeServer) getPolicy(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	p := f.policy
	inm := r.Header.Get("If-None-Match")
	f.policyGets = append(f.policyGets, inm)
	if p != nil && inm == policyETag(p.Version) {
		f.policyNotMod++
	}
	f.mu.Unlock()
	switch {
	case p == nil:
		writeError(w, http.StatusNotFound, "not_found", "no policy targets this device")
	case inm == policyETag(p.Version):
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Header().Set("ETag", policyETag(p.Version))
		writeJSON(w, p)
	}
}

// report records a policy report that the protocol's decoder accepts.
func (f *fakeServer) report(w http.ResponseWriter, r *http.Request) {
	rep, err := protocol.DecodePolicyReport(r.Body)
	if err != nil {
		f.t.Errorf("the agent sent a report the server refuses: %v", err)
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	f.mu.Lock()
	status := f.reportErr
	if status == 0 {
		f.reports = append(f.reports, *rep)
	}
	f.mu.Unlock()
	if status != 0 {
		writeError(w, status, "internal", "down")
		return
	}
	w.WriteHeader(http.StatusNoContent)
	f.reportsCh <- *rep
}

// waitReport waits for the next accepted policy report.
func (f *fakeServer) waitReport() protocol.PolicyReport {
	f.t.Helper()
	select {
	case rep := <-f.reportsCh:
		return rep
	case <-time.After(wait):
		f.t.Fatal("no policy report")
	}
	return protocol.PolicyReport{}
}
