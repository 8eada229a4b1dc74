// Package e2e drives the real binaries: it builds steward, stewardctl and
// steward-agent, starts 'steward serve' on a fresh data folder, administers
// it with stewardctl as a user would, and enrolls this host with the agent.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	adminEmail    = "admin@example.com"
	adminPassword = "a-long-password-1"
)

// The binaries, built once for the package. The agent is built on its
// own, so that the tests that do not need it run when it does not build.
var (
	binDir        string
	buildErr      error
	agentBuildErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "steward-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir, buildErr = dir, build(dir, "github.com/stewardmdm/steward/cmd/steward", "github.com/stewardmdm/steward/cmd/stewardctl")
	if buildErr == nil {
		agentBuildErr = build(dir, "github.com/stewardmdm/steward/cmd/steward-agent")
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles the packages' commands into dir.
func build(dir string, pkgs ...string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, out)
	}
	return nil
}

func bin(t *testing.T, name string) string {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building the binaries failed: %v", buildErr)
	}
	return filepath.Join(binDir, name)
}

// syncBuffer collects a subprocess's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cleanEnv is the test's environment without STEWARD_* variables, HOME or
// XDG_CONFIG_HOME, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "STEWARD_") || k == "HOME" || k == "XDG_CONFIG_HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serverProc is a running 'steward serve'.
type serverProc struct {
	url    string
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}
	err    error // set when exited is closed
}

// startServer runs steward serve on a fresh data folder and waits until
// /readyz answers 200.
func startServer(t *testing.T) *serverProc {
	t.Helper()
	addr := freeAddr(t)
	s := &serverProc{url: "http://" + addr, log: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin(t, "steward"), "serve", "--data", t.TempDir(), "--addr", addr)
	s.cmd.Env = cleanEnv("STEWARD_ADMIN_EMAIL="+adminEmail, "STEWARD_ADMIN_PASSWORD="+adminPassword, "HOME="+t.TempDir())
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("steward serve output:\n%s", s.log.String())
		}
	})

	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-s.exited:
			t.Fatalf("steward serve exited before it was ready: %v", s.err)
		default:
		}
		resp, err := hc.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("steward serve not ready after 15 s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctl runs stewardctl with a private HOME and configuration folder.
type ctl struct {
	t         *testing.T
	path      string
	home      string
	configDir string
}

func newCtl(t *testing.T) *ctl {
	home := t.TempDir()
	return &ctl{t: t, path: bin(t, "stewardctl"), home: home, configDir: filepath.Join(home, "config")}
}

func (c *ctl) exec(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Env = cleanEnv("HOME="+c.home, "XDG_CONFIG_HOME="+c.configDir)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// ok runs stewardctl and fails the test unless it exits 0.
func (c *ctl) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, errs, err := c.exec(stdin, args...)
	if err != nil {
		c.t.Fatalf("stewardctl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

// json runs stewardctl with --json and decodes its output into v.
func (c *ctl) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok("", append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("stewardctl %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Wire shapes, declared here so the test reads the JSON a script would.
type account struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	ParentID string `json:"parent_id"`
	Path     string `json:"path"`
	Status   string `json:"status"`
	Balance  int64  `json:"balance"`
}

type auditEntry struct {
	ID         string `json:"id"`
	Action     string `json:"action"`
	ActorEmail string `json:"actor_email"`
	TargetID   string `json:"target_id"`
}

type token struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	RevokedAt *string `json:"revoked_at"`
}

func TestAdministerWithStewardctl(t *testing.T) {
	start := time.Now()
	srv := startServer(t)
	c := newCtl(t)
	t.Logf("server ready after %v", time.Since(start).Round(time.Millisecond))

	// Sign in; the token lands in XDG_CONFIG_HOME, readable by the user alone.
	out := c.ok(adminPassword+"\n", "login", "--server", srv.url, "--email", adminEmail, "--password-stdin")
	if !strings.Contains(out, "Logged in to "+srv.url+" as "+adminEmail) {
		t.Fatalf("login said:\n%s", out)
	}
	fi, err := os.Stat(filepath.Join(c.configDir, "steward", "stewardctl.json"))
	if err != nil {
		t.Fatalf("login stored nothing: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("stored login has mode %v, want 0600", fi.Mode().Perm())
	}

	// Build a small hierarchy and move credits down it.
	var reseller, client account
	c.json(&reseller, "accounts", "create", "--name", "Reseller One", "--kind", "reseller")
	c.ok("", "credits", "grant", reseller.ID, "100", "--reason", "opening balance")
	c.json(&client, "accounts", "create", "--name", "Client One", "--kind", "client", "--parent", reseller.ID)
	c.ok("", "credits", "transfer", client.ID, "40", "--from", reseller.ID, "--reason", "ten devices")

	var accounts struct {
		Items []account `json:"items"`
	}
	c.json(&accounts, "accounts", "list")
	if len(accounts.Items) != 3 {
		t.Fatalf("accounts list: %d accounts, want 3: %+v", len(accounts.Items), accounts.Items)
	}
	byID := map[string]account{}
	for _, a := range accounts.Items {
		byID[a.ID] = a
	}
	platform := accounts.Items[0]
	r, cl := byID[reseller.ID], byID[client.ID]
	switch {
	case platform.Kind != "platform" || platform.ParentID != "":
		t.Errorf("first account is %+v, want the platform at the root", platform)
	case r.Kind != "reseller" || r.ParentID != platform.ID || !strings.HasPrefix(r.Path, platform.Path):
		t.Errorf("reseller %+v is not below the platform %s", r, platform.ID)
	case cl.Kind != "client" || cl.ParentID != reseller.ID || !strings.HasPrefix(cl.Path, r.Path):
		t.Errorf("client %+v is not below the reseller %s", cl, reseller.ID)
	case r.Balance != 60 || cl.Balance != 40:
		t.Errorf("balances: reseller %d, client %d; want 60 and 40", r.Balance, cl.Balance)
	}
	text := c.ok("", "accounts", "list")
	if !strings.Contains(text, "    Client One") {
		t.Errorf("accounts list does not show the tree:\n%s", text)
	}

	var credits struct {
		Balance int64 `json:"balance"`
		Entries []struct {
			Kind   string `json:"kind"`
			Amount int64  `json:"amount"`
		} `json:"entries"`
	}
	c.json(&credits, "credits", "balance", reseller.ID)
	if credits.Balance != 60 || len(credits.Entries) != 2 || credits.Entries[0].Amount != -40 || credits.Entries[1].Amount != 100 {
		t.Errorf("reseller credits: %+v", credits)
	}

	// The audit log shows every action, and its chains verify.
	var audit struct {
		Items []auditEntry `json:"items"`
	}
	c.json(&audit, "audit", "list")
	var actions []string
	for _, e := range audit.Items {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"platform.bootstrap", "token.create", "account.create", "credits.grant", "credits.transfer"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit list lacks %s: %v", want, actions)
		}
	}
	c.json(&audit, "audit", "list", "--account", client.ID, "--action", "credits.", "--since", "1h")
	if len(audit.Items) != 1 || audit.Items[0].Action != "credits.transfer" || audit.Items[0].ActorEmail != adminEmail {
		t.Errorf("filtered audit list: %+v", audit.Items)
	}
	if out := c.ok("", "audit", "list", "--action", "account.create"); strings.Count(out, "account.create") != 2 {
		t.Errorf("audit list table:\n%s", out)
	}
	for _, acc := range []string{platform.ID, reseller.ID, client.ID} {
		if out := c.ok("", "audit", "verify", acc); !strings.HasPrefix(out, "ok: ") {
			t.Errorf("audit verify %s: %s", acc, out)
		}
	}

	// Revoking the token in use ends the login, and stewardctl says so.
	var tokens struct {
		Items []token `json:"items"`
	}
	c.json(&tokens, "tokens", "list")
	if len(tokens.Items) != 1 || tokens.Items[0].RevokedAt != nil {
		t.Fatalf("tokens: %+v", tokens.Items)
	}
	c.ok("", "tokens", "revoke", tokens.Items[0].ID)
	_, errs, err := c.exec("", "accounts", "list")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("accounts list with a revoked token: %v\n%s", err, errs)
	}
	if !strings.Contains(errs, "stewardctl login") {
		t.Errorf("the error does not say to log in:\n%s", errs)
	}

	// SIGTERM shuts the server down gracefully.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.exited:
		if srv.err != nil {
			t.Errorf("steward serve exited with %v after SIGTERM", srv.err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("steward serve still running 5 s after SIGTERM")
	}
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}
