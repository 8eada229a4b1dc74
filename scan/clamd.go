// Package scan scans uploads for malware with ClamAV's clamd, speaking its
// INSTREAM protocol over a Unix or TCP socket.
package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// Defaults of Options.
const (
	DefaultDialTimeout  = 5 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultReplyTimeout = 2 * time.Minute
	DefaultChunkSize    = 64 << 10
	DefaultVersionTTL   = time.Hour
)

// maxReply bounds what is read of one clamd reply: a verdict names one
// signature, so anything longer is not clamd.
const maxReply = 4 << 10

// sizeLimitReply is clamd's answer to a stream over its StreamMaxLength.
const sizeLimitReply = "INSTREAM size limit exceeded. ERROR"

// Options configures a Clamd.
type Options struct {
	// Address is where clamd listens: "unix:/path/to/clamd.ctl" or
	// "tcp:host:port". Required.
	Address string
	// DialTimeout bounds connecting (default 5 s).
	DialTimeout time.Duration
	// WriteTimeout bounds each chunk written to clamd (default 30 s).
	WriteTimeout time.Duration
	// ReplyTimeout bounds the wait for the verdict once the whole stream is
	// sent, which is when clamd scans it (default 2 min).
	ReplyTimeout time.Duration
	// ChunkSize is the largest INSTREAM chunk (default 64 KiB).
	ChunkSize int
	// StreamMaxLength is clamd's StreamMaxLength, when known. A stream
	// longer than that is reported unscannable as soon as it passes the
	// limit, without sending clamd the rest. Zero relies on clamd's own
	// "size limit exceeded" reply.
	StreamMaxLength int64
	// VersionTTL is how long the engine version is cached (default 1 h).
	VersionTTL time.Duration
	// Clock tells the time for the version cache (default the system clock).
	Clock steward.Clock
}

// Clamd is a client of ClamAV's clamd. It is safe for concurrent use; each
// call opens its own connection.
type Clamd struct {
	network, addr string
	opts          Options

	mu        sync.Mutex
	engine    string
	engineAt  time.Time
	hasEngine bool
}

var _ steward.VirusScanner = (*Clamd)(nil)

// NewClamd returns a client of the clamd at opts.Address. It does not
// connect: call Ping to check that clamd answers. It returns EINVALID for a
// malformed address or negative limits.
func NewClamd(opts Options) (*Clamd, error) {
	network, addr, err := parseAddress(opts.Address)
	if err != nil {
		return nil, err
	}
	if opts.DialTimeout < 0 || opts.WriteTimeout < 0 || opts.ReplyTimeout < 0 || opts.ChunkSize < 0 || opts.StreamMaxLength < 0 || opts.VersionTTL < 0 {
		return nil, steward.Errorf(steward.EINVALID, "clamd: timeouts and sizes must not be negative")
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.ReplyTimeout == 0 {
		opts.ReplyTimeout = DefaultReplyTimeout
	}
	if opts.ChunkSize == 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	if opts.VersionTTL == 0 {
		opts.VersionTTL = DefaultVersionTTL
	}
	if opts.Clock == nil {
		opts.Clock = steward.SystemClock{}
	}
	return &Clamd{network: network, addr: addr, opts: opts}, nil
}

// parseAddress splits "unix:/path" or "tcp:host:port".
func parseAddress(a string) (network, addr string, err error) {
	scheme, rest, ok := strings.Cut(a, ":")
	switch {
	case ok && scheme == "unix" && rest != "":
		return "unix", rest, nil
	case ok && scheme == "tcp":
		if _, _, err := net.SplitHostPort(rest); err == nil {
			return "tcp", rest, nil
		}
	}
	return "", "", steward.Errorf(steward.EINVALID, "clamd address %q: want unix:/path or tcp:host:port", a)
}

// Address returns the address the client connects to, as configured.
func (c *Clamd) Address() string { return c.network + ":" + c.addr }

func (c *Clamd) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: c.opts.DialTimeout}
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return nil, fmt.Errorf("clamd: connect to %s: %w", c.Address(), err)
	}
	return conn, nil
}

// Ping checks that clamd answers PING with PONG. It returns an error when
// clamd cannot be reached or answers anything else.
func (c *Clamd) Ping(ctx context.Context) error {
	reply, err := c.command(ctx, "PING")
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("clamd: PING answered %q", truncate(reply))
	}
	return nil
}

// Version asks clamd for its version, e.g. "ClamAV 1.4.6/27000" (engine and
// signature database version; the database date is dropped). It always
// asks; Scan uses a cached copy.
func (c *Clamd) Version(ctx context.Context) (string, error) {
	reply, err := c.command(ctx, "VERSION")
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(reply, "ClamAV ") {
		return "", fmt.Errorf("clamd: VERSION answered %q", truncate(reply))
	}
	parts := strings.SplitN(reply, "/", 3)
	return strings.Join(parts[:min(len(parts), 2)], "/"), nil
}

// engineVersion returns the cached version, refreshing it when it is older
// than VersionTTL; "" when clamd does not tell.
func (c *Clamd) engineVersion(ctx context.Context) string {
	now := c.opts.Clock.Now()
	c.mu.Lock()
	if c.hasEngine && now.Sub(c.engineAt) < c.opts.VersionTTL {
		defer c.mu.Unlock()
		return c.engine
	}
	c.mu.Unlock()
	v, err := c.Version(ctx)
	if err != nil {
		return "" // the verdict stands without it; asked again next scan
	}
	c.mu.Lock()
	c.engine, c.engineAt, c.hasEngine = v, now, true
	c.mu.Unlock()
	return v
}

// command sends a command without payload and returns the reply.
func (c *Clamd) command(ctx context.Context, name string) (string, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	deadline := time.Now().Add(c.opts.ReplyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	if _, err := conn.Write([]byte("z" + name + "\x00")); err != nil {
		return "", c.connErr(ctx, name, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return "", c.connErr(ctx, name, err)
	}
	return reply, nil
}

// connErr describes a failure on the connection, preferring the context's
// error when it is why the connection was closed.
func (c *Clamd) connErr(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("clamd %s: %w", op, ctxErr)
	}
	return fmt.Errorf("clamd %s: %w", op, err)
}

// readReply reads one NUL-terminated reply. A reply that ends without its
// NUL, or runs past maxReply, is an error.
func readReply(r io.Reader) (string, error) {
	buf := make([]byte, 0, 256)
	chunk := make([]byte, 256)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			return string(buf[:i]), nil
		}
		if len(buf) > maxReply {
			return "", fmt.Errorf("reply longer than %d bytes without a terminator", maxReply)
		}
		if err == io.EOF {
			if len(buf) == 0 {
				return "", errors.New("connection closed without a reply")
			}
			return "", fmt.Errorf("reply %q ends without its terminator", truncate(string(buf)))
		}
		if err != nil {
			return "", err
		}
	}
}

func truncate(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
