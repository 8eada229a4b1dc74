package testutil

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ClamdEnv names the environment variable that makes the tests that need
// clamd fail, rather than skip, when it is not installed: set it to
// "require".
const ClamdEnv = "STEWARD_TEST_CLAMD"

// EICAR is the EICAR anti-virus test file: harmless, and detected by every
// scanner as if it were a virus.
var EICAR = []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)

// Names of the test signatures StartClamd's database holds. clamd appends
// ".UNOFFICIAL" to names from databases it does not know.
const (
	EICARBodySignature = "Eicar-Test-Signature" // the EICAR string anywhere in a file (.ndb)
	EICARHashSignature = "Eicar-Test-File"      // a file that is exactly EICAR (.hdb)
)

// ClamdStreamMaxLength is the StreamMaxLength of a clamd from StartClamd,
// and its MaxFileSize and MaxScanSize too: with AlertExceedsMax, a zip
// member that unpacks to more is reported as Heuristics.Limits.Exceeded.*.
const ClamdStreamMaxLength = 1 << 20

// Clamd is a clamd started for a test.
type Clamd struct {
	// Address is where it listens, as scan.Options.Address takes it:
	// "unix:/path".
	Address string
	// Socket is the path of its Unix socket.
	Socket string

	cmd    *exec.Cmd
	done   chan struct{}
	output *lockedBuffer
	once   sync.Once
}

// StartClamd starts a clamd of its own for t, with a database that knows
// only the EICAR test file (see EICARBodySignature and EICARHashSignature),
// its size limits at ClamdStreamMaxLength, and everything it writes in a
// temporary folder. It returns once clamd answers PING, and stops it when t
// ends. It skips t when clamd is not installed, unless STEWARD_TEST_CLAMD is
// "require" (Debian: apt-get install clamav clamav-daemon).
func StartClamd(t testing.TB) *Clamd {
	t.Helper()
	return StartClamdLimit(t, ClamdStreamMaxLength)
}

// StartClamdLimit is StartClamd with its StreamMaxLength, MaxFileSize and
// MaxScanSize at limit bytes instead of ClamdStreamMaxLength: an operator
// who raised clamd's limits.
func StartClamdLimit(t testing.TB, limit int) *Clamd {
	t.Helper()
	bin := clamdBinary()
	if bin == "" {
		if os.Getenv(ClamdEnv) == "require" {
			t.Fatalf("clamd is not installed and %s=require (Debian: apt-get install -y --no-install-recommends clamav clamav-daemon)", ClamdEnv)
		}
		t.Skipf("clamd is not installed (Debian: apt-get install clamav clamav-daemon; set %s=require to fail instead)", ClamdEnv)
	}
	// Not t.TempDir: a Unix socket's path must stay under 108 bytes, and
	// test names can be long.
	dir, err := os.MkdirTemp("", "clamd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(EICAR)
	files := map[string]string{
		filepath.Join(db, "steward-test.hdb"): fmt.Sprintf("%s:%d:%s\n", hex.EncodeToString(sum[:]), len(EICAR), EICARHashSignature),
		filepath.Join(db, "steward-test.ndb"): fmt.Sprintf("%s:0:*:%s\n", EICARBodySignature, hex.EncodeToString(EICAR)),
		filepath.Join(dir, "clamd.conf"): fmt.Sprintf(`LocalSocket %s
DatabaseDirectory %s
TemporaryDirectory %s
LogFile %s
StreamMaxLength %d
MaxFileSize %d
MaxScanSize %d
AlertExceedsMax yes
Foreground yes
SelfCheck 0
`, filepath.Join(dir, "clamd.sock"), db, dir, filepath.Join(dir, "clamd.log"), limit, limit, limit),
	}
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	c := &Clamd{
		Socket: filepath.Join(dir, "clamd.sock"),
		done:   make(chan struct{}),
		output: &lockedBuffer{},
	}
	c.Address = "unix:" + c.Socket
	// No User option: clamd then runs as whoever starts it, root included.
	c.cmd = exec.Command(bin, "--config-file="+filepath.Join(dir, "clamd.conf"))
	c.cmd.Stdout, c.cmd.Stderr = c.output, c.output
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start clamd: %v", err)
	}
	go func() { c.cmd.Wait(); close(c.done) }()
	t.Cleanup(c.Stop)

	deadline := time.Now().Add(30 * time.Second)
	for {
		if ping(c.Socket) == nil {
			return c
		}
		select {
		case <-c.done:
			t.Fatalf("clamd exited before answering: %v\n%s", c.cmd.ProcessState, c.output.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("clamd did not answer PING within 30 s\n%s", c.output.String())
		}
	}
}

// Stop stops clamd and waits for it to exit; later calls do nothing.
func (c *Clamd) Stop() {
	c.once.Do(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	})
}

// Output returns what clamd has written to its standard output and error.
func (c *Clamd) Output() string { return c.output.String() }

func clamdBinary() string {
	if p, err := exec.LookPath("clamd"); err == nil {
		return p
	}
	// Debian installs it in /usr/sbin, which is not on every user's PATH.
	if _, err := os.Stat("/usr/sbin/clamd"); err == nil {
		return "/usr/sbin/clamd"
	}
	return ""
}

// ping speaks clamd's PING directly, so the harness does not depend on the
// client it is there to test.
func ping(socket string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return err
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(conn, buf); err != nil {
		return err
	}
	if string(buf) != "PONG\x00" {
		return fmt.Errorf("PING answered %q", buf)
	}
	return nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
