package protocol

import (
	"io"
	"reflect"
)

// A device may speak on its push socket too. For now it says one thing:
// that it received a pushed command, which spares the HTTP request of an
// acknowledgement (POST PathCommandAck). The server answers each with a
// PushAcked message. A device may acknowledge either way; both record the
// same thing, and repeating an acknowledgement is harmless.

// Socket message types sent by the device over the WebSocket.
const (
	SocketAck = "ack" // a pushed command arrived and the device will run it
)

// PushAcked answers a SocketAck: PushMessage.CommandID names the command,
// and PushMessage.Error says why it was refused, if it was.
const PushAcked = "acked"

// SocketMessage is one device → server WebSocket message. Types the server
// does not know are ignored, so later agents can say more.
type SocketMessage struct {
	Type      string `json:"type"`
	CommandID string `json:"command_id,omitempty"`
}

// MaxSocketMessage bounds a device → server WebSocket message.
const MaxSocketMessage = 1 << 10

// PushError is why the server refused what a device said on its socket.
type PushError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var socketShape = shapeOf(reflect.TypeFor[SocketMessage]())

// DecodeSocketMessage reads and validates a message a device sent over its
// push socket, as DecodeEnroll does, with the limit MaxSocketMessage.
func DecodeSocketMessage(r io.Reader) (*SocketMessage, error) {
	return decodeSocketMessage(r, MaxSocketMessage)
}

func decodeSocketMessage(r io.Reader, max int64) (*SocketMessage, error) {
	var m SocketMessage
	if err := decode(r, max, "socket message", socketShape, &m); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks a socket message: a type, and a command ID for an ack.
func (m *SocketMessage) Validate() error {
	ie := required("type", m.Type, MaxText)
	if ie == nil && m.Type == SocketAck {
		ie = required("command_id", m.CommandID, MaxText)
	}
	if ie != nil {
		return ie
	}
	return nil
}
