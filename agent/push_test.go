package agent_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

func message(id, body string) protocol.Command {
	return protocol.Command{ID: id, Type: protocol.CmdSendMessage, Payload: []byte(`{"title":"Hello","body":"` + body + `"}`)}
}

// ackCheckingWriter fails the test when a message is shown before its
// command was acknowledged.
type ackCheckingWriter struct {
	syncWriter
	f *fakeServer
}

func (w *ackCheckingWriter) Write(p []byte) (int, error) {
	if len(w.f.ackList()) == 0 {
		w.f.t.Error("a message was shown before its command was acknowledged")
	}
	return w.syncWriter.Write(p)
}

func TestPushedCommandRunsOnce(t *testing.T) {
	f := newFakeServer(t)
	msgs := &ackCheckingWriter{f: f}
	a, _ := enrolled(t, f, func(o *agent.Options) { o.Messages = msgs })
	run(t, a)
	f.waitConnected()
	f.waitCheckIn()

	m1, m2 := message("c1", "Backups run tonight"), message("c2", `Second\u001b[2J`)
	f.queue(m1)
	f.push(protocol.PushMessage{Type: protocol.PushCommands, Commands: []protocol.Command{m1, m1}})
	f.push(protocol.PushMessage{Type: protocol.PushCommands, Commands: []protocol.Command{m1}})
	f.deliver(m2)
	got := f.waitResults("c1", "c2")

	want := map[string]protocol.CommandResult{
		"c1": {Status: "succeeded", Output: "message shown"},
		"c2": {Status: "succeeded", Output: "message shown"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c1", "c2"}, f.ackList()); diff != "" {
		t.Errorf("acknowledgements (-want +got):\n%s", diff)
	}
	if n := len(f.resultsFor("c1")); n != 1 {
		t.Errorf("c1 reported %d times, want once", n)
	}
	if n := strings.Count(msgs.String(), "Backups run tonight"); n != 1 {
		t.Errorf("the message was shown %d times, want once:\n%s", n, msgs.String())
	}
	if !strings.Contains(msgs.String(), "Hello\n\nBackups run tonight\n") {
		t.Errorf("messages shown:\n%s", msgs.String())
	}

	if strings.ContainsRune(msgs.String(), 0x1b) {
		t.Errorf("a message's escape sequence reached the terminal: %q", msgs.String())
	}

	// "Commands are pending" without the commands makes the agent fetch them.
	f.queue(message("c3", "Third"))
	f.push(protocol.PushMessage{Type: protocol.PushCommands})
	f.waitResults("c3")

	// A poke makes the agent check in.
	f.push(protocol.PushMessage{Type: protocol.PushPoke})
	f.waitCheckIn()
}

func TestCommandsQueuedWhileAwayAreFetchedOnConnect(t *testing.T) {
	f := newFakeServer(t)
	a, _ := enrolled(t, f, nil)
	f.queue(protocol.Command{ID: "early", Type: protocol.CmdSync})
	run(t, a)
	if got := f.waitResults("early")["early"]; got.Status != protocol.ResultSucceeded {
		t.Errorf("result %+v, want succeeded", got)
	}
}

func TestLongPollWhenPushIsRefused(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.pushStatus = http.StatusNotFound })
	a, _ := enrolled(t, f, nil)
	run(t, a)
	f.waitCheckIn()
	// Wait for the agent to hold a long poll, then queue a command.
	select {
	case q := <-f.pollsCh:
		if q != "wait=30" {
			t.Errorf("poll query %q, want wait=30", q)
		}
	case <-time.After(wait):
		t.Fatal("the agent did not long-poll")
	}
	f.queue(protocol.Command{ID: "p1", Type: protocol.CmdSync})
	if got := f.waitResults("p1")["p1"]; got.Status != protocol.ResultSucceeded {
		t.Errorf("result %+v, want succeeded", got)
	}
	f.mu.Lock()
	tries := f.pushTries
	f.mu.Unlock()
	if tries == 0 {
		t.Error("the agent never tried the WebSocket")
	}
}

// TestReconnectBackoff watches the pauses between push attempts while the
// server refuses both the WebSocket and the long poll: their bound doubles
// from a second and stops growing at five minutes, and each pause is
// between half the bound and the bound.
func TestReconnectBackoff(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.pushStatus, f.pollStatus, f.checkInErr = 503, 503, 503 })
	sleeps := make(chan time.Duration)
	clock := newFakeClock()
	a, _ := enrolled(t, f, func(o *agent.Options) {
		o.Now = clock.Now
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			select {
			case sleeps <- d:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	run(t, a)
	var got []time.Duration
	for len(got) < 12 {
		select {
		case d := <-sleeps:
			got = append(got, d)
		case <-time.After(wait):
			t.Fatalf("only %d pauses: %v", len(got), got)
		}
	}
	for i, d := range got {
		ceil := min(time.Second<<i, 5*time.Minute)
		if d < ceil/2 || d > ceil {
			t.Errorf("pause %d is %v, want within [%v, %v] (all: %v)", i+1, d, ceil/2, ceil, got)
		}
	}
}
