package scan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stewardmdm/steward"
)

// Scan streams r to clamd with INSTREAM and returns its verdict:
//   - "stream: OK": clean;
//   - "stream: <name> FOUND": infected, with the signature's name;
//   - "INSTREAM size limit exceeded. ERROR", or a stream longer than
//     Options.StreamMaxLength: unscannable (a verdict, not an error);
//   - any other reply, a reply without its terminator, a connection
//     failure or a timeout: an error, to retry later.
//
// r is read in chunks of Options.ChunkSize and never held whole. Scan
// returns as soon as ctx is done, even while r blocks; a Read already
// under way then finishes in the background and its data is dropped.
// Engine is filled from clamd's VERSION, cached for Options.VersionTTL.
func (c *Clamd) Scan(ctx context.Context, r io.Reader) (steward.ScanResult, error) {
	res, err := c.instream(ctx, r)
	if err != nil {
		return steward.ScanResult{}, err
	}
	res.Engine = c.engineVersion(ctx)
	return res, nil
}

type replyResult struct {
	reply string
	err   error
}

type pumpResult struct {
	sent      int64
	overLimit bool
	inputErr  error
	writeErr  error
}

func (c *Clamd) instream(ctx context.Context, r io.Reader) (steward.ScanResult, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return steward.ScanResult{}, err
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	if _, err := conn.Write([]byte("zINSTREAM\x00")); err != nil {
		return steward.ScanResult{}, c.connErr(ctx, "INSTREAM", err)
	}

	// clamd may answer before the stream ends (over its size limit, or an
	// error), so the reply is read while the chunks are written.
	replies := make(chan replyResult, 1)
	go func() {
		reply, err := readReply(conn)
		replies <- replyResult{reply, err}
	}()
	var ended atomic.Bool // set just before the terminating chunk is sent
	stop := make(chan struct{})
	defer close(stop)
	pumped := make(chan pumpResult, 1)
	go func() { pumped <- c.pump(conn, r, stop, &ended) }()

	var writeErr error
	for {
		select {
		case <-ctx.Done():
			return steward.ScanResult{}, fmt.Errorf("clamd INSTREAM: %w", ctx.Err())

		case p := <-pumped:
			pumped = nil
			switch {
			case p.overLimit:
				return steward.ScanResult{
					Verdict: steward.ScanUnscannable,
					Detail:  fmt.Sprintf("larger than the scanner's stream limit of %d bytes", c.opts.StreamMaxLength),
				}, nil
			case p.inputErr != nil:
				return steward.ScanResult{}, fmt.Errorf("clamd INSTREAM: read the stream: %w", p.inputErr)
			case p.writeErr != nil:
				// clamd may have hung up after refusing the stream: its
				// reply, if any, says why.
				writeErr = p.writeErr
				conn.SetReadDeadline(time.Now().Add(c.opts.WriteTimeout))
			default:
				conn.SetReadDeadline(time.Now().Add(c.opts.ReplyTimeout))
			}

		case rr := <-replies:
			if rr.err != nil {
				if writeErr != nil {
					return steward.ScanResult{}, c.connErr(ctx, "INSTREAM", fmt.Errorf("%w (reading the reply: %w)", writeErr, rr.err))
				}
				return steward.ScanResult{}, c.connErr(ctx, "INSTREAM", rr.err)
			}
			res, err := parseVerdict(rr.reply)
			if err != nil {
				return steward.ScanResult{}, err
			}
			if res.Verdict != steward.ScanUnscannable && !ended.Load() {
				return steward.ScanResult{}, fmt.Errorf("clamd INSTREAM: verdict %q before the stream ended", truncate(rr.reply))
			}
			return res, nil
		}
	}
}

// pump writes r to conn as INSTREAM chunks, then the zero-length chunk that
// ends the stream. It stops early when the stream passes StreamMaxLength,
// when a write fails, or when stop is closed.
func (c *Clamd) pump(conn net.Conn, r io.Reader, stop <-chan struct{}, ended *atomic.Bool) pumpResult {
	var res pumpResult
	buf := make([]byte, 4+c.opts.ChunkSize)
	write := func(b []byte) bool {
		select {
		case <-stop:
			res.writeErr = errors.New("scan ended")
			return false
		default:
		}
		conn.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
		if _, err := conn.Write(b); err != nil {
			res.writeErr = err
			return false
		}
		return true
	}
	for {
		n, err := io.ReadFull(r, buf[4:])
		if n > 0 {
			if limit := c.opts.StreamMaxLength; limit > 0 && res.sent+int64(n) > limit {
				res.overLimit = true
				return res
			}
			binary.BigEndian.PutUint32(buf, uint32(n))
			if !write(buf[:4+n]) {
				return res
			}
			res.sent += int64(n)
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			ended.Store(true)
			binary.BigEndian.PutUint32(buf, 0)
			write(buf[:4])
			return res
		case err != nil:
			res.inputErr = err
			return res
		}
	}
}

// parseVerdict maps an INSTREAM reply to a result; replies that are not a
// verdict are errors.
func parseVerdict(reply string) (steward.ScanResult, error) {
	switch {
	case reply == "stream: OK":
		return steward.ScanResult{Verdict: steward.ScanClean}, nil
	case reply == sizeLimitReply:
		return steward.ScanResult{Verdict: steward.ScanUnscannable, Detail: "over clamd's stream size limit (StreamMaxLength)"}, nil
	case strings.HasPrefix(reply, "stream: ") && strings.HasSuffix(reply, " FOUND"):
		name := strings.TrimSuffix(strings.TrimPrefix(reply, "stream: "), " FOUND")
		if !validSignature(name) {
			return steward.ScanResult{}, fmt.Errorf("clamd INSTREAM: malformed verdict %q", truncate(reply))
		}
		if strings.HasPrefix(name, "Heuristics.Limits.Exceeded") {
			// AlertExceedsMax: clamd gave up on a scan limit, not a finding.
			return steward.ScanResult{Verdict: steward.ScanUnscannable, Signature: name, Detail: "over one of clamd's scan limits"}, nil
		}
		return steward.ScanResult{Verdict: steward.ScanInfected, Signature: name}, nil
	case strings.HasSuffix(reply, " ERROR"):
		return steward.ScanResult{}, fmt.Errorf("clamd INSTREAM: %s", truncate(reply))
	default:
		return steward.ScanResult{}, fmt.Errorf("clamd INSTREAM: unexpected reply %q", truncate(reply))
	}
}

// validSignature accepts the names clamd gives signatures: short, printable
// and without spaces.
func validSignature(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}
