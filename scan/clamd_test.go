package scan_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/scan"
)

// These tests run a real clamd (testutil.StartClamd) whose database knows
// only the EICAR test file.

func newClient(t *testing.T, opts scan.Options) *scan.Clamd {
	t.Helper()
	c, err := scan.NewClamd(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// zipOf returns a zip archive holding the named files.
func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestClamdVerdicts(t *testing.T) {
	clamd := testutil.StartClamd(t)
	withEICAR := append(append([]byte("some text before it\n"), testutil.EICAR...), "\nand after"...)
	tests := []struct {
		name      string
		input     []byte
		chunk     int
		verdict   steward.ScanVerdict
		signature string // prefix
	}{
		{"EICAR", testutil.EICAR, 0, steward.ScanInfected, "Eicar-Test-"},
		// Chunks of 7 bytes split the signature across many chunks: clamd
		// must see one stream, so the framing has to be right.
		{"EICAR in 7-byte chunks", testutil.EICAR, 7, steward.ScanInfected, "Eicar-Test-"},
		{"EICAR inside a file", withEICAR, 0, steward.ScanInfected, testutil.EICARBodySignature},
		{"EICAR inside a zip", zipOf(t, map[string][]byte{"AndroidManifest.xml": randomBytes(512), "assets/readme.txt": withEICAR}), 0, steward.ScanInfected, testutil.EICARBodySignature},
		{"EICAR file inside a zip", zipOf(t, map[string][]byte{"assets/eicar.com": testutil.EICAR}), 0, steward.ScanInfected, "Eicar-Test-"},
		{"clean bytes", randomBytes(300 << 10), 1000, steward.ScanClean, ""},
		{"clean zip", zipOf(t, map[string][]byte{"classes.dex": randomBytes(4096), "res/a.txt": []byte("hello")}), 0, steward.ScanClean, ""},
		{"empty", nil, 0, steward.ScanClean, ""},
		// A member that unpacks past clamd's MaxScanSize is not scanned
		// whole; with AlertExceedsMax clamd says so, and that is no clean bill.
		{"zip member over the scan limits", zipOf(t, map[string][]byte{"assets/big.bin": make([]byte, 2*testutil.ClamdStreamMaxLength)}), 0, steward.ScanUnscannable, "Heuristics.Limits.Exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, scan.Options{Address: clamd.Address, ChunkSize: tc.chunk})
			res, err := c.Scan(ctxFor(t), bytes.NewReader(tc.input))
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if res.Verdict != tc.verdict {
				t.Fatalf("verdict %q (%+v), want %q", res.Verdict, res, tc.verdict)
			}
			if !strings.HasPrefix(res.Signature, tc.signature) || (tc.signature == "") != (res.Signature == "") {
				t.Errorf("signature %q, want one starting with %q", res.Signature, tc.signature)
			}
			if !strings.HasPrefix(res.Engine, "ClamAV 1.") {
				t.Errorf("engine %q, want clamd's version", res.Engine)
			}
		})
	}
}

func TestClamdStreamLimit(t *testing.T) {
	clamd := testutil.StartClamd(t)
	over := randomBytes(testutil.ClamdStreamMaxLength + 1)
	atLimit := over[:testutil.ClamdStreamMaxLength]

	t.Run("clamd refuses", func(t *testing.T) {
		// The client does not know the limit: clamd's reply decides.
		c := newClient(t, scan.Options{Address: clamd.Address})
		res, err := c.Scan(ctxFor(t), bytes.NewReader(over))
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		if res.Verdict != steward.ScanUnscannable || !strings.Contains(res.Detail, "size limit") {
			t.Fatalf("got %+v, want unscannable over clamd's size limit", res)
		}
	})
	t.Run("client knows the limit", func(t *testing.T) {
		c := newClient(t, scan.Options{Address: clamd.Address, StreamMaxLength: testutil.ClamdStreamMaxLength})
		counted := &countingReader{r: io.MultiReader(bytes.NewReader(over), bytes.NewReader(randomBytes(8<<20)))}
		res, err := c.Scan(ctxFor(t), counted)
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		if res.Verdict != steward.ScanUnscannable {
			t.Fatalf("got %+v, want unscannable", res)
		}
		if counted.n > 2*testutil.ClamdStreamMaxLength {
			t.Errorf("read %d bytes of the input: want it to stop soon after the limit", counted.n)
		}
	})
	t.Run("exactly the limit", func(t *testing.T) {
		// clamd accepts a stream of exactly StreamMaxLength; so does the
		// client's own check.
		for _, limit := range []int64{0, testutil.ClamdStreamMaxLength} {
			c := newClient(t, scan.Options{Address: clamd.Address, StreamMaxLength: limit})
			res, err := c.Scan(ctxFor(t), bytes.NewReader(atLimit))
			if err != nil {
				t.Fatalf("Scan (client limit %d): %v", limit, err)
			}
			if res.Verdict != steward.ScanClean {
				t.Fatalf("client limit %d: got %+v, want clean", limit, res)
			}
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestClamdPingAndVersion(t *testing.T) {
	clamd := testutil.StartClamd(t)
	c := newClient(t, scan.Options{Address: clamd.Address})
	ctx := ctxFor(t)
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	v, err := c.Version(ctx)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if !strings.HasPrefix(v, "ClamAV 1.") {
		t.Errorf("Version = %q", v)
	}
}

func TestClamdStopped(t *testing.T) {
	clamd := testutil.StartClamd(t)
	c := newClient(t, scan.Options{Address: clamd.Address})
	ctx := ctxFor(t)
	if _, err := c.Scan(ctx, bytes.NewReader([]byte("warm"))); err != nil {
		t.Fatalf("Scan while running: %v", err)
	}
	clamd.Stop()
	if err := c.Ping(ctx); err == nil {
		t.Error("Ping succeeded with clamd stopped")
	}
	res, err := c.Scan(ctx, bytes.NewReader(testutil.EICAR))
	if err == nil {
		t.Fatalf("Scan with clamd stopped = %+v, want an error", res)
	}
}

// blockingReader returns some data, then blocks until released, like an
// upload that stalls.
type blockingReader struct {
	first   []byte
	release chan struct{}
	reading chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	close(b.reading)
	<-b.release
	return 0, io.ErrClosedPipe
}

func TestClamdCancelMidStream(t *testing.T) {
	clamd := testutil.StartClamd(t)
	c := newClient(t, scan.Options{Address: clamd.Address, ChunkSize: 1024})
	r := &blockingReader{first: randomBytes(10 << 10), release: make(chan struct{}), reading: make(chan struct{})}
	defer close(r.release)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Scan(ctx, r)
		done <- err
	}()
	select {
	case <-r.reading: // the first 10 KiB went to clamd; the input now stalls
	case err := <-done:
		t.Fatalf("Scan returned before the input stalled: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the scan never read the input")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Scan = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Scan did not return after its context was cancelled")
	}
	// clamd is still fine for the next scan.
	if res, err := c.Scan(ctxFor(t), bytes.NewReader(testutil.EICAR)); err != nil || res.Verdict != steward.ScanInfected {
		t.Fatalf("next Scan = %+v, %v", res, err)
	}
}

func TestClamdConcurrentScans(t *testing.T) {
	clamd := testutil.StartClamd(t)
	c := newClient(t, scan.Options{Address: clamd.Address})
	ctx := ctxFor(t)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			input, want := randomBytes(64<<10), steward.ScanClean
			if i%2 == 0 {
				input, want = append(input, testutil.EICAR...), steward.ScanInfected
			}
			res, err := c.Scan(ctx, bytes.NewReader(input))
			if err == nil && res.Verdict != want {
				err = fmt.Errorf("scan %d: verdict %q, want %q", i, res.Verdict, want)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
