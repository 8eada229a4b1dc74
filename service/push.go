package service

import (
	"context"
	"sync"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// PushSink delivers push messages to one connected device (a WebSocket in
// the transport). Push must not block for long: the hub calls it with a
// deadline in ctx.
type PushSink interface {
	Push(ctx context.Context, m protocol.PushMessage) error
}

// hub knows which devices hold a live push connection on this node, and
// wakes the long polls waiting for them. The push is only a shortcut: the
// commands stay in the queue until the device acknowledges them.
type hub struct {
	mu      sync.RWMutex
	sinks   map[string]PushSink
	waiters map[string][]chan struct{}
}

func newHub() *hub {
	return &hub{sinks: map[string]PushSink{}, waiters: map[string][]chan struct{}{}}
}

// RegisterPush records a device's live connection; the returned function
// unregisters it (only if it is still the current one).
func (s *Service) RegisterPush(deviceID string, sink PushSink) (unregister func()) {
	h := s.hub
	h.mu.Lock()
	h.sinks[deviceID] = sink
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		if h.sinks[deviceID] == sink {
			delete(h.sinks, deviceID)
		}
		h.mu.Unlock()
	}
}

// Connected reports whether the device holds a push connection here.
func (s *Service) Connected(deviceID string) bool {
	s.hub.mu.RLock()
	defer s.hub.mu.RUnlock()
	_, ok := s.hub.sinks[deviceID]
	return ok
}

// ConnectedCount is the number of live push connections on this node.
func (s *Service) ConnectedCount() int {
	s.hub.mu.RLock()
	defer s.hub.mu.RUnlock()
	return len(s.hub.sinks)
}

// waitForCommands blocks until the device is poked or ctx ends.
func (s *Service) waitForCommands(ctx context.Context, deviceID string) {
	ch := make(chan struct{}, 1)
	h := s.hub
	h.mu.Lock()
	h.waiters[deviceID] = append(h.waiters[deviceID], ch)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		ws := h.waiters[deviceID]
		for i, w := range ws {
			if w == ch {
				ws = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(h.waiters, deviceID)
		} else {
			h.waiters[deviceID] = ws
		}
		h.mu.Unlock()
	}()
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// notify pushes commands to a device that is connected, and wakes its long
// polls. It reports whether a push connection took the commands.
func (s *Service) notify(ctx context.Context, deviceID string, cmds []protocol.Command) bool {
	h := s.hub
	h.mu.RLock()
	sink := h.sinks[deviceID]
	for _, w := range h.waiters[deviceID] {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	h.mu.RUnlock()
	if sink == nil {
		return false
	}
	m := protocol.PushMessage{Type: protocol.PushPoke}
	if len(cmds) > 0 {
		m = protocol.PushMessage{Type: protocol.PushCommands, Commands: cmds}
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := sink.Push(pctx, m); err != nil {
		s.logger.Debug("push failed; the device will pick the commands up later", "device", deviceID, "err", err)
		return false
	}
	return true
}
