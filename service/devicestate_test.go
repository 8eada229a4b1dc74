package service

import (
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// TestDeviceStates: a cached device is served until it expires or is
// forgotten, and a row read before a forget is not cached after it.
func TestDeviceStates(t *testing.T) {
	c := &deviceStates{m: map[string]deviceState{}}
	now := time.Unix(1_700_000_000, 0)
	_, epoch, ok := c.get("d1", now)
	if ok {
		t.Fatal("an empty cache answered")
	}
	c.put(&steward.Device{ID: "d1", AgentEnabled: true}, epoch, now)
	if d, _, ok := c.get("d1", now.Add(stateTTL-time.Second)); !ok || !d.AgentEnabled {
		t.Fatalf("cached device: %v %v", d, ok)
	}
	if _, _, ok := c.get("d1", now.Add(stateTTL+time.Second)); ok {
		t.Error("an expired entry answered")
	}

	// A check-in reads the row; meanwhile the agent is disabled (forget);
	// the check-in's stale row must not be cached.
	c.forget("d1")
	_, epoch, _ = c.get("d1", now)
	c.forget("d1")
	c.put(&steward.Device{ID: "d1", AgentEnabled: true}, epoch, now)
	if _, _, ok := c.get("d1", now); ok {
		t.Error("a row read before a forget was cached after it")
	}

	var none *deviceStates // several nodes: no cache
	none.put(&steward.Device{ID: "d1"}, 0, now)
	if _, _, ok := none.get("d1", now); ok {
		t.Error("a nil cache answered")
	}
}
