package deviceapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// TestSocketAck: a device acknowledges a pushed command on its socket and
// is answered there; another device's command is refused there (and is a
// security event); a malformed message closes the socket.
func TestSocketAck(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev, other := f.enroll("sock-1", "company"), f.enroll("sock-2", "company")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, strings.Replace(f.url, "http", "ws", 1)+protocol.PathPush,
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + dev.Credential}}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		for !f.srv.Service.Connected(dev.DeviceID) {
			time.Sleep(time.Millisecond)
		}
		say := func(v any) protocol.PushMessage {
			t.Helper()
			b, _ := json.Marshal(v)
			if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
				t.Fatal(err)
			}
			for {
				_, msg, err := ws.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var pm protocol.PushMessage
				if err := json.Unmarshal(msg, &pm); err != nil {
					t.Fatal(err)
				}
				if pm.Type == protocol.PushAcked {
					return pm
				}
			}
		}

		cmds := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{dev.DeviceID}, Type: steward.CmdSync}))
		for range 2 { // a repeated ack is harmless
			if r := say(protocol.SocketMessage{Type: protocol.SocketAck, CommandID: cmds[0].ID}); r.CommandID != cmds[0].ID || r.Error != nil {
				t.Errorf("ack answered %+v", r)
			}
		}
		if c := must(f.srv.Service.Command(f.reseller, cmds[0].ID)); c.Status != steward.CommandAcknowledged || c.AckedAt == nil {
			t.Errorf("after the socket ack: %s, acked at %v", c.Status, c.AckedAt)
		}

		foreign := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{other.DeviceID}, Type: steward.CmdSync}))
		r := say(protocol.SocketMessage{Type: protocol.SocketAck, CommandID: foreign[0].ID})
		if r.Error == nil || r.Error.Code != steward.ENOTFOUND {
			t.Errorf("another device's command: %+v", r)
		}
		if c := must(f.srv.Service.Command(f.reseller, foreign[0].ID)); c.Status != steward.CommandQueued {
			t.Errorf("another device acknowledged the command: %s", c.Status)
		}
		evs := must(f.srv.Service.SecurityEvents(f.admin, steward.SecurityEventFilter{Kind: "device.foreign_command"}))
		if len(evs) == 0 {
			t.Error("no security event for an ack of another device's command")
		}

		// Unknown types are ignored; the socket stays open.
		b, _ := json.Marshal(map[string]any{"type": "hello", "later": true})
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
		if r := say(protocol.SocketMessage{Type: protocol.SocketAck, CommandID: cmds[0].ID}); r.Error != nil {
			t.Errorf("after an unknown type: %+v", r)
		}

		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ack"`)); err != nil {
			t.Fatal(err)
		}
		_, _, err = ws.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusInvalidFramePayloadData {
			t.Errorf("a malformed message: %v, want the socket closed with 1007", err)
		}
	})
}
