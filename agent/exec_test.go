package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/agent"
	"github.com/stewardmdm/steward/protocol"
)

const destructiveOff = "destructive commands are disabled on this device (start the agent with --allow-destructive)"

func cmd(id, typ, payload string) protocol.Command {
	c := protocol.Command{ID: id, Type: typ}
	if payload != "" {
		c.Payload = []byte(payload)
	}
	return c
}

// runCommands delivers commands one at a time (each after the previous
// one's result) and returns their results.
func runCommands(t *testing.T, f *fakeServer, cmds ...protocol.Command) map[string]protocol.CommandResult {
	t.Helper()
	got := map[string]protocol.CommandResult{}
	for _, c := range cmds {
		f.deliver(c)
		got[c.ID] = f.waitResults(c.ID)[c.ID]
	}
	return got
}

func TestCommands(t *testing.T) {
	f := newFakeServer(t)
	cache := filepath.Join(t.TempDir(), "cache")
	for _, p := range []string{"org.example.app/a/b", "org.example.app/c", "other/keep"} {
		if err := os.MkdirAll(filepath.Join(cache, p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cache, p, "data"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(cache, "escape")); err != nil {
		t.Fatal(err)
	}
	var reboots atomic.Int32
	a, _ := enrolled(t, f, func(o *agent.Options) {
		o.CacheDir = cache
		o.Reboot = func(context.Context) error { reboots.Add(1); return nil }
		o.Wipe = func(context.Context) error { t.Error("wipe ran"); return nil }
	})
	run(t, a)
	f.waitConnected()

	got := runCommands(t, f,
		cmd("install", protocol.CmdInstallApp, `{"package":"org.example.app","url":"https://x/app.apk"}`),
		cmd("update", protocol.CmdUpdateApp, `{"package":"org.example.app"}`),
		cmd("uninstall", protocol.CmdUninstallApp, `{"package":"org.example.app"}`),
		cmd("lock", protocol.CmdLock, `{"message":"Lost"}`),
		cmd("teleport", "teleport", `{}`),
		cmd("reboot", protocol.CmdReboot, ""),
		cmd("wipe", protocol.CmdWipe, ""),
		cmd("cache", protocol.CmdClearAppCache, `{"package":"org.example.app"}`),
		cmd("cache-none", protocol.CmdClearAppCache, `{"package":"never.cached"}`),
		cmd("cache-dots", protocol.CmdClearAppCache, `{"package":".."}`),
		cmd("cache-slash", protocol.CmdClearAppCache, `{"package":"other/keep"}`),
		cmd("cache-link", protocol.CmdClearAppCache, `{"package":"escape"}`),
		cmd("empty-msg", protocol.CmdSendMessage, `{"title":"Hi"}`),
		cmd("bad-payload", protocol.CmdSendMessage, `[1,2]`),
		cmd("off", protocol.CmdAgentDisable, `{"reason":"disabled_by_admin"}`),
		cmd("while-off", protocol.CmdSendMessage, `{"body":"hello"}`),
		cmd("sync-off", protocol.CmdSync, ""),
		cmd("on", protocol.CmdAgentEnable, ""),
		cmd("on-again", protocol.CmdAgentEnable, ""),
		cmd("after-on", protocol.CmdSendMessage, `{"body":"hello"}`),
	)
	const noSoftware = "the Linux agent does not install, update or uninstall software: use the distribution's package manager or configuration management"
	want := map[string]protocol.CommandResult{
		"install":     {Status: "unsupported", Output: noSoftware},
		"update":      {Status: "unsupported", Output: noSoftware},
		"uninstall":   {Status: "unsupported", Output: noSoftware},
		"lock":        {Status: "unsupported", Output: "the Linux agent cannot lock the device: a Linux host has no single lock screen it could drive"},
		"teleport":    {Status: "unsupported", Output: `unknown command type "teleport": steward-agent ` + agent.Version + " does not implement it"},
		"reboot":      {Status: "failed", Output: destructiveOff},
		"wipe":        {Status: "failed", Output: destructiveOff},
		"cache":       {Status: "succeeded", Output: "cleared the cache of org.example.app: removed 2 entries"},
		"cache-none":  {Status: "succeeded", Output: "never.cached has no cache to clear"},
		"cache-dots":  {Status: "failed", Output: `package name ".." is not allowed`},
		"cache-slash": {Status: "failed", Output: `package name "other/keep" is not allowed`},
		"cache-link":  {Status: "failed", Output: "clear the cache of escape: escape in the cache folder is not a folder"},
		"empty-msg":   {Status: "failed", Output: "the message has no body"},
		"bad-payload": {Status: "failed", Output: "the send_message payload is not valid: json: cannot unmarshal array into Go value of type protocol.MessagePayload"},
		"off":         {Status: "succeeded", Output: "agent disabled"},
		"while-off":   {Status: "failed", Output: "the agent is disabled on this device (an administrator disabled it): it runs no command but agent_enable"},
		"sync-off":    {Status: "failed", Output: "the agent is disabled on this device (an administrator disabled it): it runs no command but agent_enable"},
		"on":          {Status: "succeeded", Output: "agent enabled"},
		"on-again":    {Status: "succeeded", Output: "the agent was already enabled"},
		"after-on":    {Status: "succeeded", Output: "message shown"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if n := reboots.Load(); n != 0 {
		t.Errorf("rebooted %d times without --allow-destructive", n)
	}
	if entries, err := os.ReadDir(filepath.Join(cache, "org.example.app")); err != nil || len(entries) != 0 {
		t.Errorf("cleared cache holds %v (%v), want an empty folder", entries, err)
	}
	if _, err := os.Stat(filepath.Join(cache, "other/keep/data")); err != nil {
		t.Errorf("another package's cache was touched: %v", err)
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("a file outside the cache folder was touched: %v", err)
	}
}

func TestClearAppCacheWithoutCacheFolder(t *testing.T) {
	f := newFakeServer(t)
	a, _ := enrolled(t, f, nil)
	run(t, a)
	f.waitConnected()
	got := runCommands(t, f, cmd("c", protocol.CmdClearAppCache, `{"package":"org.example.app"}`))["c"]
	want := protocol.CommandResult{Status: "failed", Output: "no cache folder is configured on this device (start the agent with --cache-dir)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

// TestRebootIsReportedAfterTheBoot reboots through the hook and "boots" by
// changing the fixture's boot ID: the result waits, through restarts of
// the agent, until the boot ID changes.
func TestRebootIsReportedAfterTheBoot(t *testing.T) {
	f := newFakeServer(t)
	var fail atomic.Bool
	rebooted := make(chan struct{}, 1)
	a, o := enrolled(t, f, func(o *agent.Options) {
		o.AllowDestructive = true
		o.Reboot = func(context.Context) error {
			defer func() { rebooted <- struct{}{} }()
			if fail.Load() {
				return errors.New("systemctl reboot: exit status 1: Access denied")
			}
			return nil
		}
	})
	stop, _ := run(t, a)
	f.waitConnected()
	f.deliver(cmd("r1", protocol.CmdReboot, ""))
	select {
	case <-rebooted:
	case <-time.After(wait):
		t.Fatal("no reboot")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Restarted, but not rebooted: the result still waits.
	restart := func() func() error {
		t.Helper()
		next, err := agent.New(o)
		if err != nil {
			t.Fatal(err)
		}
		f.forgetConnections()
		stop, _ := run(t, next)
		f.waitConnected()
		f.waitCheckIn()
		return stop
	}
	// The first run may have been stopped before it checked in: what
	// counts is the restarted agent's check-in.
	f.forgetCheckIns()
	if err := restart()(); err != nil {
		t.Fatal(err)
	}
	if got := f.resultsFor("r1"); len(got) != 0 {
		t.Fatalf("reboot reported before the host rebooted: %+v", got)
	}
	if st, _ := a.Status(); st.PendingResults != 1 {
		t.Errorf("%d results pending, want the reboot's", st.PendingResults)
	}

	// The host boots.
	if err := os.WriteFile(filepath.Join(o.Root, "proc/sys/kernel/random/boot_id"), []byte("0f6b1c2d-new-boot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	restart()
	want := protocol.CommandResult{Status: "succeeded", Output: "rebooted"}
	if diff := cmp.Diff(want, f.waitResults("r1")["r1"]); diff != "" {
		t.Errorf("reboot result after the boot (-want +got):\n%s", diff)
	}

	// A reboot that fails says why at once.
	fail.Store(true)
	want = protocol.CommandResult{Status: "failed", Output: "reboot: systemctl reboot: exit status 1: Access denied"}
	if diff := cmp.Diff(want, runCommands(t, f, cmd("r2", protocol.CmdReboot, ""))["r2"]); diff != "" {
		t.Errorf("failed reboot (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r1", "r2"}, f.ackList()); diff != "" {
		t.Errorf("acknowledgements (-want +got):\n%s", diff)
	}
}

func TestExpiredCommandsAreNotStarted(t *testing.T) {
	f := newFakeServer(t)
	f.set(func(f *fakeServer) { f.skew = time.Hour }) // the device's clock is an hour slow
	a, _ := enrolled(t, f, nil)
	run(t, a)
	f.waitConnected()
	now := time.Now()
	late := protocol.Command{ID: "late", Type: protocol.CmdSync, ExpiresAt: now.Add(30 * time.Minute)}
	fine := protocol.Command{ID: "fine", Type: protocol.CmdSync, ExpiresAt: now.Add(2 * time.Hour)}
	f.deliver(late, fine)
	f.waitResults("fine")
	if diff := cmp.Diff([]string{"fine"}, f.ackList()); diff != "" {
		t.Errorf("acknowledgements (-want +got):\n%s", diff)
	}
}

func TestWipeWhenAllowed(t *testing.T) {
	f := newFakeServer(t)
	cache := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(filepath.Join(cache, "org.example.app"), 0o700); err != nil {
		t.Fatal(err)
	}
	var hookRan, reportedFirst atomic.Bool
	var fk *fakeServer = f
	a, o := enrolled(t, f, func(o *agent.Options) {
		o.AllowDestructive = true
		o.CacheDir = cache
		o.Wipe = func(context.Context) error {
			hookRan.Store(true)
			reportedFirst.Store(len(fk.resultsFor("w")) > 0)
			return nil
		}
	})
	credentialAtReport := make(chan bool, 1)
	f.set(func(f *fakeServer) {
		f.onResult = func(id string) {
			if id == "w" {
				_, err := os.Stat(filepath.Join(o.StateDir, "agent.json"))
				credentialAtReport <- err == nil
			}
		}
	})
	_, done := run(t, a)
	f.waitConnected()
	f.deliver(cmd("w", protocol.CmdWipe, ""))

	want := protocol.CommandResult{Status: "succeeded", Output: "wiping: the agent's state and cache are erased and the device is no longer enrolled"}
	if diff := cmp.Diff(want, f.waitResults("w")["w"]); diff != "" {
		t.Errorf("wipe result (-want +got):\n%s", diff)
	}
	if !<-credentialAtReport {
		t.Error("the credential was gone before the wipe was reported")
	}
	select {
	case err := <-done:
		if !errors.Is(err, agent.ErrWiped) {
			t.Errorf("Run: %v, want ErrWiped", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not end after the wipe")
	}
	if !hookRan.Load() || !reportedFirst.Load() {
		t.Errorf("wipe hook ran: %v, after the report: %v; want both", hookRan.Load(), reportedFirst.Load())
	}
	if _, err := os.Stat(o.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state folder after the wipe: %v, want it gone", err)
	}
	if entries, err := os.ReadDir(cache); err != nil || len(entries) != 0 {
		t.Errorf("cache folder after the wipe holds %v (%v), want it empty", entries, err)
	}
	if st, err := a.Status(); err != nil || st.Enrolled {
		t.Errorf("status after the wipe: %+v, %v; want not enrolled", st, err)
	}
}

// TestWipeFinishesAfterACrash starts an agent whose state says a wipe was
// under way when it stopped: it reports the pending result, then erases.
func TestWipeFinishesAfterACrash(t *testing.T) {
	f := newFakeServer(t)
	a, o := enrolled(t, f, nil)
	path := filepath.Join(o.StateDir, "agent.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	st["wipe"] = "w"
	st["pending"] = []any{map[string]any{"id": "w", "result": map[string]any{"status": "succeeded", "output": "wiped"}}}
	b, _ = json.Marshal(st)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); !errors.Is(err, agent.ErrWiped) {
		t.Errorf("Run: %v, want ErrWiped", err)
	}
	if diff := cmp.Diff(protocol.CommandResult{Status: "succeeded", Output: "wiped"}, f.waitResults("w")["w"]); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(o.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state folder: %v, want it gone", err)
	}
}
