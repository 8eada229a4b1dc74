package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// FanoutResult is one bulk command pushed to every connected device.
//
// Memory: the server's resident set (VmRSS) and Go heap in use, before
// and after the sockets connected and settled, divided by the sockets.
// Delivery: from just before the bulk command's request to the arrival of
// each socket's push message. Ack: from the same instant to the answer of
// the device's acknowledgement, sent as an HTTP request (or, with
// AckOnSocket, on the push socket) at once on receipt (or, with AckLater,
// once every push has arrived, so that the acks' load does not slow the
// deliveries down).
type FanoutResult struct {
	Sockets      int           `json:"sockets"`
	DialErrors   int           `json:"dial_errors"`
	FirstErr     string        `json:"first_error,omitempty"`
	DialDuration time.Duration `json:"dial_duration_ns"`

	RSSBefore        int64   `json:"rss_before_bytes"`
	RSSAfter         int64   `json:"rss_after_bytes"`
	HeapBefore       int64   `json:"heap_inuse_before_bytes"`
	HeapAfter        int64   `json:"heap_inuse_after_bytes"`
	StackBefore      int64   `json:"stack_inuse_before_bytes"`
	StackAfter       int64   `json:"stack_inuse_after_bytes"`
	GoroutinesBefore int     `json:"goroutines_before"`
	GoroutinesAfter  int     `json:"goroutines_after"`
	RSSPerDevice     float64 `json:"rss_per_device_bytes"`
	HeapPerDevice    float64 `json:"heap_per_device_bytes"`  // heap in use only
	StackPerDevice   float64 `json:"stack_per_device_bytes"` // goroutine stacks

	Commands     int           `json:"commands"`            // made by the bulk command
	Pushed       int           `json:"pushed"`              // reported delivered in its answer
	SendDuration time.Duration `json:"send_duration_ns"`    // the bulk command's request
	Delivery     Latency       `json:"delivery"`            // enqueue → push received
	WithinSecond int           `json:"delivered_within_1s"` // sockets
	Ack          Latency       `json:"ack"`                 // enqueue → ack answered
	AckErrors    int           `json:"ack_errors"`
	Wait         time.Duration `json:"wait_ns"`
	AckLater     bool          `json:"ack_after_delivery,omitempty"` // acks held until every push arrived
	AckOnSocket  bool          `json:"ack_on_socket,omitempty"`      // acks sent on the push socket, not as HTTP requests
	CPU          CPUUse        `json:"cpu"`                          // from the request to the last ack or the wait's end
}

// fanoutEnv is what the fan-out needs of the run.
type fanoutEnv struct {
	srv       *server
	api       *apiClient
	token     string
	accountID string
	devices   []device // the first len(devices) get a socket each
	conns     int      // HTTP connections for the acks
	dialers   int      // concurrent WebSocket dials
	wait      time.Duration
	ackLater  bool                  // ack once every push has arrived, not on receipt
	ackSocket bool                  // ack on the push socket, not with an HTTP request
	gc        func(context.Context) // collects the server's garbage, if it can (stewardprof)
	onSettled func(context.Context) // after the sockets settle (heap profile)
	onSend    func(context.Context) // just before the bulk command (CPU profile)
	log       func(format string, args ...any)
}

type socket struct {
	conn  *websocket.Conn
	got   time.Time // push received
	acked time.Time // ack answered
	err   error
}

func fanout(ctx context.Context, e fanoutEnv) (FanoutResult, error) {
	n := len(e.devices)
	res := FanoutResult{Sockets: n, Wait: e.wait, AckLater: e.ackLater, AckOnSocket: e.ackSocket}
	key, err := filterKey(ctx, e.api, e.token, e.accountID)
	if err != nil {
		return res, err
	}
	before, err := e.memory(ctx)
	if err != nil {
		return res, err
	}
	res.RSSBefore, res.HeapBefore, res.StackBefore, res.GoroutinesBefore = before.rss, before.heap, before.stack, before.goroutines

	// Dial every socket; a reader per socket waits for its push.
	wsClient := &http.Client{Transport: &http.Transport{DisableCompression: true}} // upgraded connections leave the pool
	ackClient := loadClient(e.conns)
	defer ackClient.CloseIdleConnections()
	socks := make([]socket, n)
	var arrived, acked atomic.Int64
	allArrived, allAcked := make(chan struct{}), make(chan struct{})
	release := make(chan struct{}) // acks may go
	if !e.ackLater {
		close(release)
	}
	// done counts a socket that got its push, or acked it, or never will.
	done := func(c *atomic.Int64, all chan struct{}) {
		if c.Add(1) == int64(n) {
			close(all)
		}
	}
	rctx, stopReaders := context.WithCancel(ctx)
	defer stopReaders()
	var readers sync.WaitGroup
	read := func(i int) {
		defer readers.Done()
		s := &socks[i]
		_, data, err := s.conn.Read(rctx)
		if err != nil {
			return
		}
		s.got = time.Now()
		done(&arrived, allArrived)
		var m protocol.PushMessage
		if err := json.Unmarshal(data, &m); err != nil || m.Type != protocol.PushCommands || len(m.Commands) == 0 {
			s.err = fmt.Errorf("unexpected push %.200s", data)
		} else {
			select {
			case <-release:
			case <-rctx.Done():
				return
			}
			for _, c := range m.Commands {
				var err error
				if e.ackSocket {
					err = socketAck(rctx, s.conn, c.ID)
				} else {
					err = ack(rctx, ackClient, e.srv.URL, &e.devices[i], c.ID)
				}
				if err != nil {
					s.err = err
				}
			}
			s.acked = time.Now()
		}
		done(&acked, allAcked)
		for { // read on, to answer control frames until the bench closes the socket
			if _, _, err := s.conn.Read(rctx); err != nil {
				return
			}
		}
	}
	start := time.Now()
	var next atomic.Int64
	var dialErrs atomic.Int64
	var firstErr atomic.Pointer[error]
	var dialers sync.WaitGroup
	for range e.dialers {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				c, _, err := websocket.Dial(ctx, wsURL(e.srv.URL)+protocol.PathPush, &websocket.DialOptions{
					HTTPClient: wsClient, HTTPHeader: http.Header{"Authorization": {"Bearer " + e.devices[i].Credential}},
					CompressionMode: websocket.CompressionDisabled})
				if err != nil {
					dialErrs.Add(1)
					firstErr.CompareAndSwap(nil, &err)
					done(&arrived, allArrived)
					done(&acked, allAcked)
					continue
				}
				c.SetReadLimit(1 << 20)
				socks[i].conn = c
				readers.Add(1)
				go read(i)
			}
		}()
	}
	dialers.Wait()
	res.DialDuration = time.Since(start)
	res.DialErrors = int(dialErrs.Load())
	if p := firstErr.Load(); p != nil {
		res.FirstErr = (*p).Error()
	}
	defer func() {
		for i := range socks {
			if socks[i].conn != nil {
				socks[i].conn.CloseNow()
			}
		}
		stopReaders()
		readers.Wait()
	}()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	connected := n - res.DialErrors
	e.log("  %d sockets connected in %v (%d failed)", connected, res.DialDuration.Round(time.Millisecond), res.DialErrors)

	// Each push connection holds a goroutine in the server: wait until
	// they are all there, then a little more for the dust to settle.
	settle := time.Now().Add(30 * time.Second)
	for {
		m, err := e.srv.metrics(ctx)
		if err != nil {
			return res, err
		}
		if int(m["go_goroutines"]) >= before.goroutines+connected || time.Now().After(settle) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	after, err := e.memory(ctx)
	if err != nil {
		return res, err
	}
	res.RSSAfter, res.HeapAfter, res.StackAfter, res.GoroutinesAfter = after.rss, after.heap, after.stack, after.goroutines
	if connected > 0 {
		res.RSSPerDevice = float64(after.rss-before.rss) / float64(connected)
		res.HeapPerDevice = float64(after.heap-before.heap) / float64(connected)
		res.StackPerDevice = float64(after.stack-before.stack) / float64(connected)
	}
	if e.onSettled != nil {
		e.onSettled(ctx)
	}

	// One bulk command to the whole account.
	if e.onSend != nil {
		e.onSend(ctx)
	}
	cpu0 := e.srv.sampleCPU(ctx)
	now := time.Now()
	made, pushed, err := sendToAccount(ctx, e.api, e.token, key, e.accountID, steward.CmdSync)
	res.SendDuration = time.Since(now)
	if err != nil {
		return res, err
	}
	res.Commands, res.Pushed = made, pushed
	e.log("  bulk command answered in %v: %d commands, %d pushed", res.SendDuration.Round(time.Millisecond), made, pushed)
	deadline := time.NewTimer(e.wait - time.Since(now))
	defer deadline.Stop()
	if e.ackLater {
		select {
		case <-allArrived:
		case <-deadline.C:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		close(release)
	}
	select {
	case <-allAcked:
	case <-deadline.C:
	case <-ctx.Done():
		return res, ctx.Err()
	}
	res.CPU = e.srv.sampleCPU(ctx).since(cpu0)
	stopReaders() // the sockets still waiting have missed the window
	readers.Wait()

	var got, acks []time.Duration
	for i := range socks {
		s := &socks[i]
		if s.err != nil {
			res.AckErrors++
			if res.FirstErr == "" {
				res.FirstErr = s.err.Error()
			}
		}
		if !s.got.IsZero() {
			got = append(got, s.got.Sub(now))
		}
		if !s.acked.IsZero() && s.err == nil {
			acks = append(acks, s.acked.Sub(now))
		}
	}
	res.Delivery = summarise(got, n-len(got))
	res.WithinSecond = within(got, time.Second)
	res.Ack = summarise(acks, n-len(acks))
	return res, nil
}

// ack acknowledges a command as dev.
func ack(ctx context.Context, hc *http.Client, base string, dev *device, id string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+strings.Replace(protocol.PathCommandAck, "{id}", id, 1), nil)
	if err != nil {
		return err
	}
	return send(hc, req, dev, http.StatusNoContent)
}

// socketAck acknowledges a command on the push socket and reads on until
// the server's answer to it.
func socketAck(ctx context.Context, c *websocket.Conn, id string) error {
	b, err := json.Marshal(protocol.SocketMessage{Type: protocol.SocketAck, CommandID: id})
	if err != nil {
		return err
	}
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("ack %s on the socket: %w", id, err)
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return fmt.Errorf("ack %s on the socket: %w", id, err)
		}
		var m protocol.PushMessage
		if json.Unmarshal(data, &m) != nil || m.Type != protocol.PushAcked || m.CommandID != id {
			continue
		}
		if m.Error != nil {
			return fmt.Errorf("ack %s refused: %s: %s", id, m.Error.Code, m.Error.Message)
		}
		return nil
	}
}

func wsURL(base string) string {
	return "ws" + strings.TrimPrefix(base, "http")
}

type memory struct {
	rss, heap, stack int64
	goroutines       int
}

// memory reads the server's resident set from /proc and its heap, stacks
// and goroutines from /metrics, after a garbage collection if it can.
func (e fanoutEnv) memory(ctx context.Context) (memory, error) {
	if e.gc != nil {
		e.gc(ctx)
	}
	rss, err := e.srv.rss()
	if err != nil {
		return memory{}, err
	}
	m, err := e.srv.metrics(ctx)
	if err != nil {
		return memory{}, err
	}
	if _, ok := m["go_memstats_heap_inuse_bytes"]; !ok {
		return memory{}, errors.New("no go_memstats_heap_inuse_bytes in /metrics")
	}
	return memory{rss: rss, heap: int64(m["go_memstats_heap_inuse_bytes"]), stack: int64(m["go_memstats_stack_inuse_bytes"]),
		goroutines: int(m["go_goroutines"])}, nil
}
