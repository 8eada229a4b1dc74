package agent

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/stewardmdm/steward/protocol"
)

// Push connection timing, as the protocol asks.
const (
	backoffBase  = time.Second      // first reconnection bound
	backoffCap   = 5 * time.Minute  // largest reconnection bound
	backoffReset = time.Minute      // a connection that lasted this long resets the bound
	longPollWait = 30               // seconds the server may hold a long poll (the protocol allows 0–60)
	pingEvery    = 30 * time.Second // keepalive: the protocol asks for a ping at least every minute
	pushReadMax  = 4 << 20
)

// backoff is the delay before the n-th reconnection (n ≥ 1): a random time
// up to a bound that doubles from backoffBase to backoffCap. The delay is
// at least half the bound, so that it grows with the failures, and the
// other half is jitter, so that devices cut off together (a server
// restart) do not come back together.
func backoff(n int) time.Duration {
	d := min(backoffBase<<min(n-1, 16), backoffCap)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// pushLoop holds the push WebSocket, reconnecting with backoff. While the
// WebSocket cannot connect (the server or a proxy refuses it, or it is
// down) the agent long-polls for commands between attempts instead.
func (a *Agent) pushLoop(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		start := a.now()
		connected, err := a.holdPush(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected && a.now().Sub(start) >= backoffReset {
			attempt = 0 // it held a while: start the backoff afresh
		}
		attempt++
		d := backoff(attempt)
		if connected {
			a.log.Info("push connection lost; reconnecting", "err", err, "in", d.Round(time.Millisecond))
			if a.sleep(ctx, d) != nil {
				return
			}
			continue
		}
		if attempt == 1 {
			a.log.Info("push unavailable; long-polling for commands", "err", err)
		} else {
			a.log.Debug("push unavailable; long-polling for commands", "err", err, "retry_in", d.Round(time.Millisecond))
		}
		a.longPollFor(ctx, d)
	}
}

// holdPush connects the WebSocket and reads push messages until the
// connection ends. connected says whether it got as far as connecting.
func (a *Agent) holdPush(ctx context.Context) (connected bool, err error) {
	c, err := a.creds()
	if err != nil {
		return false, err
	}
	u := endpointURL(c.server, orDefault(c.endpoints.Push, protocol.PathPush))
	dctx, cancel := context.WithTimeout(ctx, requestTimeout)
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPClient: a.http,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.credential}, "User-Agent": {"steward-agent/" + Version}},
	})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			if resp.StatusCode == http.StatusUnauthorized {
				a.unauthorized(c.credential)
			}
			return false, fmt.Errorf("push: %w", &ServerError{StatusCode: resp.StatusCode, Message: "the WebSocket upgrade was refused"})
		}
		return false, fmt.Errorf("push: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(pushReadMax)
	a.log.Info("push connected")

	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	wg.Go(func() { a.keepAlive(ctx, conn) })
	// Commands queued while the agent was away may have been pushed to no one.
	wg.Go(func() {
		if cmds, err := a.fetchCommands(ctx, 0); err == nil {
			a.enqueue(cmds...)
		} else if ctx.Err() == nil {
			a.log.Debug("cannot fetch pending commands", "err", err)
		}
	})
	for {
		var msg protocol.PushMessage
		if err := wsjson.Read(ctx, conn, &msg); err != nil {
			return true, err
		}
		switch msg.Type {
		case protocol.PushCommands:
			a.log.Debug("commands pushed", "n", len(msg.Commands))
			if len(msg.Commands) == 0 { // "commands are pending" without them: fetch
				wg.Go(func() {
					if cmds, err := a.fetchCommands(ctx, 0); err == nil {
						a.enqueue(cmds...)
					}
				})
			}
			a.enqueue(msg.Commands...)
		case protocol.PushPoke:
			a.log.Debug("poked: checking in")
			a.requestCheckIn()
		case protocol.PushRefresh:
			if slices.Contains(msg.Refresh, protocol.RefreshPolicy) {
				a.log.Debug("the policy changed: fetching it")
				a.requestPolicy()
			}
			if slices.Contains(msg.Refresh, protocol.RefreshDirectory) {
				a.log.Debug("the company directory changed: fetching it")
				a.requestDirectory()
			}
		default:
			a.log.Debug("ignoring an unknown push message", "type", msg.Type)
		}
	}
}

// keepAlive pings the server so that a connection that died silently (a
// NAT forgetting it, say) is noticed and replaced.
func (a *Agent) keepAlive(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pingEvery)
		err := conn.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				a.log.Info("push connection unresponsive; reconnecting", "err", err)
			}
			conn.CloseNow()
			return
		}
	}
}

// longPollFor long-polls for commands for about d (at least one poll,
// which the server may hold up to longPollWait seconds). When a poll fails
// it waits out the rest of d instead.
func (a *Agent) longPollFor(ctx context.Context, d time.Duration) {
	deadline := a.now().Add(d)
	for {
		start := time.Now()
		cmds, err := a.fetchCommands(ctx, longPollWait)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.log.Debug("long poll failed", "err", err)
			_ = a.sleep(ctx, max(deadline.Sub(a.now()), retryAfter(err), 0))
			return
		}
		a.enqueue(cmds...)
		if !a.now().Before(deadline) {
			return
		}
		// A server answering at once every time must not be polled in a
		// tight loop (say, a command whose acknowledgement keeps failing).
		if time.Since(start) < time.Second {
			if a.sleep(ctx, time.Second) != nil {
				return
			}
		}
	}
}
