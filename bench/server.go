package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create and drop the bench schema
)

// Packages the bench builds when it is not given a binary.
const (
	stewardPkg     = "github.com/stewardmdm/steward/cmd/steward"
	stewardProfPkg = "github.com/stewardmdm/steward/bench/stewardprof"
)

// findSteward returns the server binary to run: the one named, else
// ./steward, else one built with `go build` into dir. With profile it
// always builds stewardprof, the same server with the Go profiler mounted.
func findSteward(ctx context.Context, named, dir string, profile bool, log io.Writer) (string, error) {
	if profile {
		if named != "" {
			return "", errors.New("--profile builds its own server (stewardprof); leave --steward out")
		}
		return goBuild(ctx, stewardProfPkg, filepath.Join(dir, "stewardprof"), log)
	}
	if named != "" {
		if _, err := os.Stat(named); err != nil {
			return "", fmt.Errorf("--steward: %w", err)
		}
		return named, nil
	}
	if st, err := os.Stat("steward"); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
		p, err := filepath.Abs("steward")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(log, "using ./steward, built %s (pass --steward to choose another)\n", st.ModTime().Format(time.DateTime))
		return p, nil
	}
	return goBuild(ctx, stewardPkg, filepath.Join(dir, "steward"), log)
}

func goBuild(ctx context.Context, pkg, out string, log io.Writer) (string, error) {
	fmt.Fprintf(log, "building %s\n", pkg)
	cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=true", "-o", out, pkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s (run steward-bench inside the Steward module, or give --steward): %w\n%s", pkg, err, stderr.String())
	}
	return out, nil
}

// serverOptions configure a server subprocess.
type serverOptions struct {
	Binary        string
	Database      string // PostgreSQL URL; empty for SQLite in DataDir
	DataDir       string
	LogPath       string // the server's stdout and stderr
	AdminEmail    string
	AdminPassword string
	Profile       bool // the binary is stewardprof: find its profiler
}

// server is a running `steward serve` subprocess.
type server struct {
	URL      string // http://127.0.0.1:port
	PprofURL string // stewardprof only
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	hc       *http.Client
	pg       *pgSchema // the PostgreSQL schema, dropped by stop
}

// startServer starts the binary on a free loopback port with a fresh
// database: a SQLite file in DataDir, or a new schema in the PostgreSQL
// database, dropped by stop.
func startServer(ctx context.Context, o serverOptions) (*server, error) {
	s := &server{exited: make(chan struct{}), hc: &http.Client{Timeout: 30 * time.Second}}
	args := []string{"serve", "--data", o.DataDir, "--addr", "127.0.0.1:0", "--log-format", "json"}
	if o.Database != "" {
		dsn, pg, err := freshSchema(ctx, o.Database)
		if err != nil {
			return nil, err
		}
		s.pg = pg
		args = append(args, "--database", dsn)
	}
	logf, err := os.Create(o.LogPath)
	if err != nil {
		s.dropSchema()
		return nil, err
	}
	cmd := exec.Command(o.Binary, args...)
	cmd.Env = append(withoutSteward(os.Environ()),
		"STEWARD_ADMIN_EMAIL="+o.AdminEmail, "STEWARD_ADMIN_PASSWORD="+o.AdminPassword)
	if o.Profile {
		cmd.Env = append(cmd.Env, "STEWARD_BENCH_PPROF=127.0.0.1:0")
	}
	cmd.SysProcAttr = childAttr()
	cmd.Stdout = logf
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logf.Close()
		s.dropSchema()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.dropSchema()
		return nil, fmt.Errorf("start %s: %w", o.Binary, err)
	}
	s.cmd = cmd

	// Copy the JSON log to the file, watching for the listening lines.
	addrs := make(chan [2]string, 2)
	var copied sync.WaitGroup
	copied.Add(1)
	go func() {
		defer copied.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			logf.Write(line)
			logf.Write([]byte{'\n'})
			var m struct{ Msg, Addr string }
			if json.Unmarshal(line, &m) == nil && m.Addr != "" && (m.Msg == "steward listening" || m.Msg == "pprof listening") {
				select {
				case addrs <- [2]string{m.Msg, m.Addr}:
				default:
				}
			}
		}
		_, _ = io.Copy(logf, stderr)
	}()
	go func() {
		copied.Wait()
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()

	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for s.URL == "" || (o.Profile && s.PprofURL == "") {
		select {
		case a := <-addrs:
			if a[0] == "pprof listening" {
				s.PprofURL = "http://" + a[1]
			} else {
				s.URL = "http://" + a[1]
			}
		case <-s.exited:
			s.dropSchema()
			return nil, fmt.Errorf("the server exited before listening (%v); the end of its log:\n%s", s.waitErr, tail(o.LogPath, 20))
		case <-deadline.C:
			s.stop()
			return nil, fmt.Errorf("the server did not listen within 60 s; the end of its log:\n%s", tail(o.LogPath, 20))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		}
	}
	for i := 0; ; i++ {
		res, err := s.hc.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if i == 100 {
			s.stop()
			return nil, fmt.Errorf("the server is not ready after 10 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// withoutSteward drops STEWARD_* variables so that the caller's settings
// cannot change the server under test.
func withoutSteward(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "STEWARD_") {
			out = append(out, kv)
		}
	}
	return out
}

// pgSchema is the bench's own schema in a PostgreSQL database.
type pgSchema struct {
	name string
	db   *sql.DB // to create, watch and drop the schema
}

// freshSchema creates an empty schema in the PostgreSQL database and
// returns a URL that selects it; the server's sessions carry the schema's
// name as their application_name, so that their backends can be found.
func freshSchema(ctx context.Context, dbURL string) (string, *pgSchema, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("--database must be a postgres:// URL")
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("open %s: %w", u.Redacted(), err)
	}
	db.SetMaxOpenConns(2)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "steward_bench_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema in %s: %w", u.Redacted(), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String(), &pgSchema{name: schema, db: db}, nil
}

// drop drops the schema and closes the connection.
func (p *pgSchema) drop() error {
	defer p.db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.db.ExecContext(ctx, "DROP SCHEMA "+p.name+" CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", p.name, err)
	}
	return nil
}

// backends lists the process IDs of the server's PostgreSQL sessions.
func (p *pgSchema) backends(ctx context.Context) ([]int, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, p.name)
	if err != nil {
		return nil, fmt.Errorf("postgres backends: %w", err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, rows.Err()
}

func (s *server) dropSchema() error {
	if s.pg == nil {
		return nil
	}
	p := s.pg
	s.pg = nil
	return p.drop()
}

// stop asks the server to shut down (SIGTERM), kills it after 30 s, and
// drops its PostgreSQL schema.
func (s *server) stop() error {
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(30 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
	}
	return s.dropSchema()
}

// pid is the server's process ID.
func (s *server) pid() int { return s.cmd.Process.Pid }

// rss is the server's resident memory, from /proc/<pid>/status.
func (s *server) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// metrics reads the unlabelled samples of the server's /metrics.
func (s *server) metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", res.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.ContainsRune(line, '{') {
			continue
		}
		name, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			out[name] = f
		}
	}
	return out, sc.Err()
}

// profile saves a profile from stewardprof's /debug/pprof to path:
// kind "profile?seconds=N" (CPU), "heap?gc=1", "block", "mutex"…
func (s *server) profile(ctx context.Context, kind, path string) error {
	if s.PprofURL == "" {
		return errors.New("the server has no profiler")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.PprofURL+"/debug/pprof/"+kind, nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", kind, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<10))
		return fmt.Errorf("profile %s: %s %s", kind, res.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", kind, err)
	}
	return f.Close()
}
