// Package deviceapi serves the device protocol (protocol.Version) under
// /device/v1: enrollment, check-in, command polling and results over HTTPS
// + JSON, and push over a WebSocket. Devices authenticate with their
// credential as a bearer token.
package deviceapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// Options configure the device API.
type Options struct {
	Service    *service.Service
	Logger     *slog.Logger
	TrustProxy bool
}

// API serves /device/v1.
type API struct {
	svc    *service.Service
	logger *slog.Logger
	opts   Options
	mux    *http.ServeMux
	// sockets is the context of every held push socket; Close ends it.
	sockets      context.Context
	closeSockets context.CancelFunc
}

// New returns the device API.
func New(o Options) (*API, error) {
	if o.Service == nil || o.Logger == nil {
		return nil, errors.New("deviceapi: Service and Logger are required")
	}
	a := &API{svc: o.Service, logger: o.Logger, opts: o, mux: http.NewServeMux()}
	a.sockets, a.closeSockets = context.WithCancel(context.Background())
	a.mux.HandleFunc("POST "+protocol.PathEnroll, a.enroll)
	a.mux.HandleFunc("POST "+protocol.PathCheckIn, a.device(a.checkIn))
	a.mux.HandleFunc("GET "+protocol.PathCommands, a.device(a.commands))
	a.mux.HandleFunc("POST "+protocol.PathCommandAck, a.device(a.ack))
	a.mux.HandleFunc("POST "+protocol.PathCommandResult, a.device(a.result))
	a.mux.HandleFunc("POST "+protocol.PathCredential, a.device(a.rotate))
	a.mux.HandleFunc("GET "+protocol.PathPush, a.device(a.push))
	a.mux.HandleFunc("POST "+protocol.PathConsent, a.device(a.consent))
	a.mux.HandleFunc("POST "+protocol.PathLocation, a.device(a.location))
	a.mux.HandleFunc("POST "+protocol.PathWebHistory, a.device(a.webHistory))
	a.mux.HandleFunc("GET "+protocol.PathAppDownload, a.device(a.appDownload))
	a.mux.HandleFunc("POST "+protocol.PathPolicyReport, a.device(a.policyReport))
	a.mux.HandleFunc("GET "+protocol.PathPolicy, a.device(a.policy))
	a.mux.HandleFunc("GET "+protocol.PathDirectory, a.device(a.directory))
	a.mux.HandleFunc("GET "+protocol.PathFileDownload, a.device(a.fileDownload))
	a.mux.HandleFunc("/device/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, steward.Errorf(steward.ENOTFOUND, "No device route %s %s in protocol v%d.", r.Method, r.URL.Path, protocol.Version))
	})
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Close closes every push socket held. An http.Server's Shutdown does not:
// a WebSocket is a hijacked connection, outside its reach.
func (a *API) Close() { a.closeSockets() }

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteError(w, r, a.logger, err)
}

// inputError maps the protocol decoder's errors to codes.
func inputError(err error) error {
	var ie *protocol.InputError
	if errors.As(err, &ie) {
		code := steward.EINVALID
		if ie.TooLarge {
			code = steward.ETOOLARGE
		}
		return &steward.Error{Code: code, Field: ie.Field, Message: ie.Message}
	}
	return err
}

func (a *API) enroll(w http.ResponseWriter, r *http.Request) {
	req, err := protocol.DecodeEnroll(http.MaxBytesReader(w, r.Body, protocol.MaxEnrollBody))
	if err != nil {
		a.fail(w, r, inputError(err))
		return
	}
	res, created, err := a.svc.Enroll(r.Context(), req, web.ClientIP(r, a.opts.TrustProxy))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusOK // the same hardware enrolled again
	if created {
		status = http.StatusCreated
	}
	web.WriteJSON(w, status, res)
}

type deviceHandler func(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error)

// device authenticates the caller's credential and runs h.
func (a *API) device(h deviceHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || cred == "" {
			a.fail(w, r, steward.Errorf(steward.EUNAUTHENTICATED, "Send the device credential as 'Authorization: Bearer <credential>'."))
			return
		}
		dev, err := a.svc.AuthenticateDevice(r.Context(), strings.TrimSpace(cred), web.ClientIP(r, a.opts.TrustProxy))
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out, err := h(w, r, dev)
		if errors.Is(err, errHandled) {
			return
		}
		if err != nil {
			if r.Context().Err() != nil {
				return // the device went away
			}
			a.fail(w, r, err)
			return
		}
		if out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		web.WriteJSON(w, http.StatusOK, out)
	}
}

var errHandled = errors.New("handled")

func (a *API) checkIn(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	req, err := protocol.DecodeCheckIn(http.MaxBytesReader(w, r.Body, protocol.MaxCheckInBody))
	if err != nil {
		return nil, inputError(err)
	}
	return a.svc.CheckIn(r.Context(), dev, req, web.ClientIP(r, a.opts.TrustProxy))
}

func (a *API) commands(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	wait := 0
	if v := r.URL.Query().Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > protocol.MaxWaitSeconds {
			return nil, &steward.Error{Code: steward.EINVALID, Field: "wait", Message: "wait is a number of seconds from 0 to 60."}
		}
		wait = n
	}
	return a.svc.PendingCommands(r.Context(), dev, time.Duration(wait)*time.Second)
}

func (a *API) ack(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	return nil, a.svc.AckCommand(r.Context(), dev, r.PathValue("id"))
}

func (a *API) result(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	res, err := protocol.DecodeResult(http.MaxBytesReader(w, r.Body, protocol.MaxResultBody))
	if err != nil {
		return nil, inputError(err)
	}
	return nil, a.svc.CommandResult(r.Context(), dev, r.PathValue("id"), res)
}

func (a *API) rotate(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	return a.svc.RotateDeviceCredential(r.Context(), dev)
}

// wsSink pushes messages over one device's WebSocket.
type wsSink struct{ c *websocket.Conn }

func (s wsSink) Push(ctx context.Context, m protocol.PushMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.c.Write(ctx, websocket.MessageText, b)
}

// push upgrades a device's connection to a WebSocket and hands it to a
// goroutine of its own. The request's goroutine is deep (net/http, the
// middleware, this handler) and so is its stack; a socket held for hours
// is cheaper on a fresh goroutine, so the handler returns at once.
func (a *API) push(w http.ResponseWriter, r *http.Request, dev *service.Device) (any, error) {
	c, err := websocket.Accept(smallBuffers{w}, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, errHandled // Accept has answered
	}
	c.SetReadLimit(4 << 10)
	unregister := a.svc.RegisterPush(dev.ID, wsSink{c})
	// Whatever queued while the device was away goes out at once. This
	// runs here rather than in hold: the queue's read goes deep into the
	// database driver, and the socket's goroutine should keep the small
	// stack its reads need.
	if pending, err := a.svc.PendingCommands(r.Context(), dev, 0); err == nil && len(pending.Commands) > 0 {
		_ = wsSink{c}.Push(r.Context(), protocol.PushMessage{Type: protocol.PushCommands, Commands: pending.Commands})
	}
	go a.hold(c, *dev, unregister)
	return nil, errHandled
}

// hold keeps a push socket until it closes or the API does. It only
// reads: reading answers the device's pings and notices a close, and
// what the device says (an acknowledgement) is handled on a goroutine of
// its own, so the reader keeps a small stack. Pushes are written from the
// sender's goroutine.
func (a *API) hold(c *websocket.Conn, dev service.Device, unregister func()) {
	defer unregister()
	defer c.CloseNow()
	for {
		typ, data, err := c.Read(a.sockets)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.Close(websocket.StatusUnsupportedData, "text messages only")
			return
		}
		go a.socketMessage(c, dev, data)
	}
}

// socketMessage handles one message a device sent on its push socket: an
// acknowledgement is recorded and answered; other types are ignored; a
// malformed message closes the socket.
func (a *API) socketMessage(c *websocket.Conn, dev service.Device, data []byte) {
	m, err := protocol.DecodeSocketMessage(bytes.NewReader(data))
	if err != nil {
		code := websocket.StatusInvalidFramePayloadData
		var ie *protocol.InputError
		if errors.As(err, &ie) && ie.TooLarge {
			code = websocket.StatusMessageTooBig
		}
		c.Close(code, truncate(err.Error(), 120))
		return
	}
	if m.Type != protocol.SocketAck {
		return // for later agents
	}
	ctx, cancel := context.WithTimeout(a.sockets, 30*time.Second)
	defer cancel()
	reply := protocol.PushMessage{Type: protocol.PushAcked, CommandID: m.CommandID}
	if err := a.svc.AckCommand(ctx, &dev, m.CommandID); err != nil {
		if ctx.Err() != nil {
			return
		}
		reply.Error = &protocol.PushError{Code: steward.ErrorCode(err), Message: steward.ErrorMessage(err)}
	}
	_ = wsSink{c}.Push(ctx, reply)
}

// truncate cuts s to at most n bytes, for a close reason (at most 123).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// smallBuffers hands the WebSocket small buffers for the hijacked
// connection instead of net/http's 4 KiB reader and writer, which it would
// keep for the life of the socket: a device sends nothing but control
// frames, and a push is one small frame (a bigger one is written through).
// With ten thousand idle sockets the two buffers were a third of their
// memory.
type smallBuffers struct{ http.ResponseWriter }

const socketBuffer = 512

func (s smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Keep what the client sent after its request, if anything.
	var r io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn)
	}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(r, socketBuffer), bufio.NewWriterSize(conn, socketBuffer)), nil
}
