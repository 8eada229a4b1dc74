package scan_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/scan"
)

// fakeClamd is a TCP listener that speaks as much of clamd's protocol as a
// test needs: VERSION answers version (or hangs up when it is empty), and
// every other command goes to handle.
type fakeClamd struct {
	addr     string
	version  atomic.Value // string
	versions atomic.Int32 // VERSION commands seen
	handle   func(conn net.Conn, br *bufio.Reader, cmd string)
}

func startFake(t *testing.T, handle func(conn net.Conn, br *bufio.Reader, cmd string)) *fakeClamd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeClamd{addr: "tcp:" + ln.Addr().String(), handle: handle}
	f.version.Store("ClamAV 1.4.6/27000/Mon Jan  6 09:30:00 2025")
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(conn)
				cmd, err := br.ReadString(0)
				if err != nil {
					return
				}
				cmd = strings.TrimSuffix(cmd, "\x00")
				if cmd == "zVERSION" {
					f.versions.Add(1)
					if v := f.version.Load().(string); v != "" {
						conn.Write([]byte(v + "\x00"))
					}
					return
				}
				f.handle(conn, br, cmd)
			}()
		}
	}()
	return f
}

// readStream reads INSTREAM chunks up to the zero-length one.
func readStream(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		var size uint32
		if err := binary.Read(br, binary.BigEndian, &size); err != nil {
			return out, err
		}
		if size == 0 {
			return out, nil
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return out, err
		}
		out = append(out, chunk...)
	}
}

// replyAfterStream reads the whole stream, then writes reply as is.
func replyAfterStream(reply string) func(net.Conn, *bufio.Reader, string) {
	return func(conn net.Conn, br *bufio.Reader, cmd string) {
		if cmd != "zINSTREAM" {
			conn.Write([]byte("UNKNOWN COMMAND\x00"))
			return
		}
		if _, err := readStream(br); err == nil {
			conn.Write([]byte(reply))
		}
	}
}

// replyAtOnce writes reply without reading the stream, then hangs up.
func replyAtOnce(reply string) func(net.Conn, *bufio.Reader, string) {
	return func(conn net.Conn, br *bufio.Reader, cmd string) { conn.Write([]byte(reply)) }
}

// bigInput is larger than any socket buffer, so a server that does not
// read makes the client wait.
func bigInput() io.Reader { return io.LimitReader(zeros{}, 64<<20) }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestScanReplies(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(net.Conn, *bufio.Reader, string)
		input   func() io.Reader
		want    steward.ScanResult
		wantErr string // substring; "" means no error
	}{
		{name: "clean", handle: replyAfterStream("stream: OK\x00"),
			want: steward.ScanResult{Verdict: steward.ScanClean, Engine: "ClamAV 1.4.6/27000"}},
		{name: "found", handle: replyAfterStream("stream: Win.Test.Foo-1 FOUND\x00"),
			want: steward.ScanResult{Verdict: steward.ScanInfected, Signature: "Win.Test.Foo-1", Engine: "ClamAV 1.4.6/27000"}},
		{name: "scan limit heuristic", handle: replyAfterStream("stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\x00"),
			want: steward.ScanResult{Verdict: steward.ScanUnscannable, Signature: "Heuristics.Limits.Exceeded.MaxFileSize", Detail: "over one of clamd's scan limits", Engine: "ClamAV 1.4.6/27000"}},
		{name: "size limit before the stream ends", handle: replyAtOnce("INSTREAM size limit exceeded. ERROR\x00"), input: bigInput,
			want: steward.ScanResult{Verdict: steward.ScanUnscannable, Detail: "over clamd's stream size limit (StreamMaxLength)", Engine: "ClamAV 1.4.6/27000"}},
		{name: "other error", handle: replyAfterStream("stream: Can't allocate memory ERROR\x00"), wantErr: "Can't allocate memory ERROR"},
		{name: "garbage", handle: replyAfterStream("hello there\x00"), wantErr: "unexpected reply"},
		{name: "binary garbage", handle: replyAfterStream("\xff\xfe\x01\x00"), wantErr: "unexpected reply"},
		{name: "nameless signature", handle: replyAfterStream("stream:  FOUND\x00"), wantErr: "malformed verdict"},
		{name: "signature with a newline", handle: replyAfterStream("stream: Evil\nName FOUND\x00"), wantErr: "malformed verdict"},
		{name: "missing NUL", handle: replyAfterStream("stream: OK"), wantErr: "without its terminator"},
		{name: "no reply", handle: replyAfterStream(""), wantErr: "without a reply"},
		{name: "endless reply", handle: replyAfterStream(strings.Repeat("A", 10000)), wantErr: "longer than"},
		{name: "verdict before the stream ends", handle: replyAtOnce("stream: OK\x00"), input: bigInput, wantErr: "before the stream ended"},
		{name: "unknown command", handle: replyAtOnce("UNKNOWN COMMAND\x00"), wantErr: "unexpected reply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.handle)
			c := newClient(t, scan.Options{Address: f.addr, ChunkSize: 1000, WriteTimeout: 5 * time.Second, ReplyTimeout: 5 * time.Second})
			input := io.Reader(bytes.NewReader(randomBytes(5000)))
			if tc.input != nil {
				input = tc.input()
			}
			got, err := c.Scan(ctxFor(t), input)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Scan = %+v, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScanSendsTheStream checks the bytes clamd receives are the input's,
// in chunks no larger than ChunkSize.
func TestScanSendsTheStream(t *testing.T) {
	var got []byte
	var maxChunk uint32
	done := make(chan struct{})
	f := startFake(t, func(conn net.Conn, br *bufio.Reader, cmd string) {
		defer close(done)
		for {
			var size uint32
			if binary.Read(br, binary.BigEndian, &size) != nil {
				return
			}
			if size == 0 {
				conn.Write([]byte("stream: OK\x00"))
				return
			}
			maxChunk = max(maxChunk, size)
			chunk := make([]byte, size)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return
			}
			got = append(got, chunk...)
		}
	})
	input := randomBytes(100_003)
	c := newClient(t, scan.Options{Address: f.addr, ChunkSize: 4096})
	if _, err := c.Scan(ctxFor(t), iotestHalfReader{bytes.NewReader(input)}); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	<-done
	if !bytes.Equal(got, input) {
		t.Errorf("clamd received %d bytes that differ from the %d-byte input", len(got), len(input))
	}
	if maxChunk > 4096 {
		t.Errorf("largest chunk %d bytes, want at most ChunkSize 4096", maxChunk)
	}
}

// iotestHalfReader returns at most half of what is asked, like a network
// stream.
type iotestHalfReader struct{ r io.Reader }

func (h iotestHalfReader) Read(p []byte) (int, error) { return h.r.Read(p[:(len(p)+1)/2]) }

func TestScanTimeouts(t *testing.T) {
	t.Run("silent after the stream", func(t *testing.T) {
		f := startFake(t, func(conn net.Conn, br *bufio.Reader, cmd string) {
			readStream(br)
			io.Copy(io.Discard, br) // until the client hangs up
		})
		c := newClient(t, scan.Options{Address: f.addr, ReplyTimeout: 100 * time.Millisecond})
		start := time.Now()
		_, err := c.Scan(ctxFor(t), bytes.NewReader([]byte("hello")))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Scan = %v, want a deadline error", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("never reads", func(t *testing.T) {
		release := make(chan struct{})
		f := startFake(t, func(conn net.Conn, br *bufio.Reader, cmd string) {
			<-release // holds the connection without reading
		})
		t.Cleanup(func() { close(release) })
		c := newClient(t, scan.Options{Address: f.addr, WriteTimeout: 100 * time.Millisecond})
		_, err := c.Scan(ctxFor(t), bigInput())
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Scan = %v, want a deadline error", err)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		f := startFake(t, func(conn net.Conn, br *bufio.Reader, cmd string) {
			readStream(br)
			io.Copy(io.Discard, br)
		})
		c := newClient(t, scan.Options{Address: f.addr}) // default timeouts: minutes
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := c.Scan(ctx, bytes.NewReader([]byte("hello")))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Scan = %v, want context.DeadlineExceeded", err)
		}
		if err := c.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Ping = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestScanEngineCache(t *testing.T) {
	f := startFake(t, replyAfterStream("stream: OK\x00"))
	clock := testutil.NewClock()
	c := newClient(t, scan.Options{Address: f.addr, VersionTTL: time.Hour, Clock: clock})
	scanEngine := func() string {
		t.Helper()
		res, err := c.Scan(ctxFor(t), bytes.NewReader([]byte("x")))
		if err != nil {
			t.Fatal(err)
		}
		return res.Engine
	}
	if e := scanEngine(); e != "ClamAV 1.4.6/27000" {
		t.Fatalf("engine %q", e)
	}
	f.version.Store("ClamAV 1.4.6/27001/Tue Jan  7 09:30:00 2025")
	clock.Advance(59 * time.Minute)
	if e := scanEngine(); e != "ClamAV 1.4.6/27000" {
		t.Errorf("engine %q within the TTL, want the cached one", e)
	}
	clock.Advance(2 * time.Minute)
	if e := scanEngine(); e != "ClamAV 1.4.6/27001" {
		t.Errorf("engine %q after the TTL, want the new database version", e)
	}
	if n := f.versions.Load(); n != 2 {
		t.Errorf("%d VERSION commands, want 2", n)
	}

	// A clamd that does not tell its version still gives verdicts.
	f.version.Store("")
	clock.Advance(2 * time.Hour)
	if e := scanEngine(); e != "" {
		t.Errorf("engine %q from a silent VERSION", e)
	}
}

func TestPingReplies(t *testing.T) {
	for reply, ok := range map[string]bool{"PONG\x00": true, "PANG\x00": false, "PONG": false} {
		f := startFake(t, replyAtOnce(reply))
		err := newClient(t, scan.Options{Address: f.addr}).Ping(ctxFor(t))
		if (err == nil) != ok {
			t.Errorf("PING answered %q: err = %v", reply, err)
		}
	}
}

func TestNewClamdAddress(t *testing.T) {
	for addr, ok := range map[string]bool{
		"unix:/run/clamav/clamd.ctl": true,
		"tcp:127.0.0.1:3310":         true,
		"tcp:[::1]:3310":             true,
		"tcp:clamav:3310":            true,
		"":                           false,
		"/run/clamav/clamd.ctl":      false,
		"unix:":                      false,
		"tcp:127.0.0.1":              false,
		"udp:127.0.0.1:3310":         false,
	} {
		c, err := scan.NewClamd(scan.Options{Address: addr})
		if ok && (err != nil || c.Address() != addr) {
			t.Errorf("NewClamd(%q) = %v, %v", addr, c, err)
		}
		if !ok && steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("NewClamd(%q): err = %v, want EINVALID", addr, err)
		}
	}
	if _, err := scan.NewClamd(scan.Options{Address: "tcp:127.0.0.1:3310", ReplyTimeout: -time.Second}); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("negative timeout: err = %v, want EINVALID", err)
	}
}
