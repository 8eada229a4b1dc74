package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/stewardmdm/steward/protocol"
)

// msgDestructiveDisabled is the result of reboot and wipe on an agent
// started without --allow-destructive.
const msgDestructiveDisabled = "destructive commands are disabled on this device (start the agent with --allow-destructive)"

func succeeded(format string, args ...any) protocol.CommandResult {
	return protocol.CommandResult{Status: protocol.ResultSucceeded, Output: fmt.Sprintf(format, args...)}
}

func failed(format string, args ...any) protocol.CommandResult {
	return protocol.CommandResult{Status: protocol.ResultFailed, Output: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) protocol.CommandResult {
	return protocol.CommandResult{Status: protocol.ResultUnsupported, Output: fmt.Sprintf(format, args...)}
}

// handle acknowledges a command, carries it out and reports the result;
// it reports whether the command wiped the agent. It follows the
// protocol's rules for at-least-once delivery:
//
//   - a command seen before (acknowledged or dropped) is not acted on
//     again; its result, if not yet delivered, is among the pending ones;
//   - a command past its expires_at by the server's clock (the agent's
//     corrected by the offset measured from server_time) is not started;
//   - a command is acted on only when the server accepted its
//     acknowledgement: one it no longer wants (404, 409) is dropped, one
//     that could not be acknowledged (network, 5xx) is left for the next
//     delivery.
func (a *Agent) handle(ctx context.Context, c protocol.Command) (wiped bool) {
	log := a.log.With("command", c.ID, "type", c.Type)
	if c.ID == "" {
		log.Warn("command without an ID: ignored")
		return false
	}
	st, err := a.snapshot()
	if err != nil {
		return false
	}
	if st.seen(c.ID) {
		log.Debug("command seen before: not acting again")
		return false
	}
	serverNow := a.now().Add(st.ClockOffset)
	remember := func() {
		if err := a.update(func(s *state) error { s.remember(c, serverNow); return nil }); err != nil {
			log.Error("cannot record the command as seen", "err", err)
		}
	}
	if !c.ExpiresAt.IsZero() && !serverNow.Before(c.ExpiresAt) {
		log.Warn("command expired before it could start: dropped", "expires_at", c.ExpiresAt)
		remember()
		return false
	}
	if err := a.ack(ctx, c.ID); err != nil {
		switch statusOf(err) {
		case http.StatusNotFound, http.StatusConflict, http.StatusGone:
			log.Warn("the server refused the acknowledgement: not acting on the command", "err", err)
			remember()
		default:
			if ctx.Err() == nil {
				log.Warn("cannot acknowledge the command; it will come again", "err", err)
			}
		}
		return false
	}
	// The server delivers an acknowledged command no more, so even if this
	// record failed, only a redelivery racing the acknowledgement could repeat it.
	remember()
	log.Info("command acknowledged")
	if a.allowDestructive && !st.Disabled {
		switch c.Type {
		case protocol.CmdReboot:
			a.rebootHost(ctx, c)
			return false
		case protocol.CmdWipe:
			return a.wipe(ctx, c)
		}
	}
	res := a.execute(ctx, c, st)
	log.Info("command done", "status", res.Status, "output", res.Output)
	a.report(ctx, c.ID, res)
	if (c.Type == protocol.CmdAgentEnable || c.Type == protocol.CmdAgentDisable) && res.Status == protocol.ResultSucceeded {
		a.requestCheckIn() // after the report, so that the server knows
	}
	return false
}

// execute carries out a command other than an allowed reboot or wipe.
func (a *Agent) execute(ctx context.Context, c protocol.Command, st *state) protocol.CommandResult {
	if st.Disabled && c.Type != protocol.CmdAgentEnable {
		return failed("the agent is disabled on this device (%s): it runs no command but agent_enable", reasonText(st.DisabledReason))
	}
	switch c.Type {
	case protocol.CmdSync:
		resp, err := a.checkIn(ctx, true)
		if err != nil {
			return failed("%v", err)
		}
		a.enqueue(resp.Commands...)
		return succeeded("checked in")
	case protocol.CmdSendMessage:
		return a.sendMessage(c)
	case protocol.CmdClearAppCache:
		return a.clearAppCache(c)
	case protocol.CmdReboot, protocol.CmdWipe:
		return failed(msgDestructiveDisabled)
	case protocol.CmdAgentDisable, protocol.CmdAgentEnable:
		return a.setEnabled(c)
	case protocol.CmdInstallApp, protocol.CmdUpdateApp, protocol.CmdUninstallApp:
		return unsupported("the Linux agent does not install, update or uninstall software: use the distribution's package manager or configuration management")
	case protocol.CmdLock:
		return unsupported("the Linux agent cannot lock the device: a Linux host has no single lock screen it could drive")
	}
	return unsupported("unknown command type %q: steward-agent %s does not implement it", c.Type, Version)
}

// decodePayload reads a command's payload into p.
func decodePayload(c protocol.Command, p any) error {
	if len(c.Payload) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Payload, p); err != nil {
		return fmt.Errorf("the %s payload is not valid: %w", c.Type, err)
	}
	return nil
}

// sendMessage shows a message to the device's user: on Options.Messages
// and in the log.
func (a *Agent) sendMessage(c protocol.Command) protocol.CommandResult {
	var p protocol.MessagePayload
	if err := decodePayload(c, &p); err != nil {
		return failed("%v", err)
	}
	if strings.TrimSpace(p.Body) == "" {
		return failed("the message has no body")
	}
	a.log.Info("message from the administrator", "title", p.Title, "body", p.Body)
	var b strings.Builder
	b.WriteString("--- Message from your administrator ---\n")
	if t := printable(p.Title); t != "" {
		b.WriteString(t + "\n\n")
	}
	b.WriteString(strings.TrimRight(printable(p.Body), "\n") + "\n")
	if _, err := a.messages.Write([]byte(b.String())); err != nil {
		return failed("show the message: %v", err)
	}
	return succeeded("message shown")
}

// printable drops control characters but newlines and tabs, so that a
// message cannot drive the terminal it is shown on (escape sequences).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// checkPackageName accepts a package name as the protocol writes them
// (letters, digits and . _ - +) that is also a single, plain path element:
// not starting with a dot or a dash, no "..".
func checkPackageName(name string) error {
	if name == "" {
		return errors.New("no package named")
	}
	if !protocol.ValidPackage(name) || strings.Contains(name, "..") || name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("package name %q is not allowed", name)
	}
	return nil
}

// clearAppCache empties CacheDir/<package>. The folder is opened through
// os.Root, so no symbolic link inside the cache folder can lead outside it.
func (a *Agent) clearAppCache(c protocol.Command) protocol.CommandResult {
	if a.cacheDir == "" {
		return failed("no cache folder is configured on this device (start the agent with --cache-dir)")
	}
	var p protocol.AppPayload
	if err := decodePayload(c, &p); err != nil {
		return failed("%v", err)
	}
	if err := checkPackageName(p.Package); err != nil {
		return failed("%v", err)
	}
	root, err := os.OpenRoot(a.cacheDir)
	if err != nil {
		return failed("open the cache folder: %v", err)
	}
	defer root.Close()
	fi, err := root.Lstat(p.Package)
	if errors.Is(err, fs.ErrNotExist) {
		return succeeded("%s has no cache to clear", p.Package)
	} else if err != nil {
		return failed("clear the cache of %s: %v", p.Package, err)
	} else if !fi.IsDir() {
		return failed("clear the cache of %s: %s in the cache folder is not a folder", p.Package, p.Package)
	}
	sub, err := root.OpenRoot(p.Package)
	if err != nil {
		return failed("clear the cache of %s: %v", p.Package, err)
	}
	defer sub.Close()
	n, err := emptyRoot(sub)
	if err != nil {
		return failed("clear the cache of %s: removed %d entries, then: %v", p.Package, n, err)
	}
	return succeeded("cleared the cache of %s: removed %d entries", p.Package, n)
}

// emptyRoot removes everything inside r, keeping r itself.
func emptyRoot(r *os.Root) (int, error) {
	entries, err := fs.ReadDir(r.FS(), ".")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if err := r.RemoveAll(e.Name()); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rebootHost reboots through the Reboot hook and reports succeeded once
// the host has booted again, as the protocol asks: the result waits on
// disk, held back while the boot ID is the one before the reboot. A hook
// that fails is reported at once. Where the boot ID cannot be read, the
// result is reported when the hook returns (and from disk at the next start
// if the reboot came first).
func (a *Agent) rebootHost(ctx context.Context, c protocol.Command) {
	log := a.log.With("command", c.ID, "type", c.Type)
	boot := bootID(a.root)
	res := succeeded("rebooted")
	if boot == "" {
		res = succeeded("reboot started")
	}
	// No pending result is sent until the hook has answered: a failing
	// hook must not leave a success reported.
	a.resultsMu.Lock()
	err := a.keepResult(c.ID, res, boot)
	if err != nil {
		log.Warn("cannot keep the reboot's result before rebooting", "err", err)
	}
	log.Warn("rebooting the host")
	if err := a.reboot(ctx); err != nil {
		res = failed("reboot: %v", err)
		if err := a.keepResult(c.ID, res, ""); err != nil {
			log.Warn("cannot keep the reboot's result", "err", err)
		}
	}
	a.resultsMu.Unlock()
	log.Info("command done", "status", res.Status, "output", res.Output)
	a.flushResults(ctx)
}

// setEnabled carries out agent_enable and agent_disable. Disabling shows
// the device's user why; enabling makes the next check-in carry the full
// app list (handle asks for it at once).
func (a *Agent) setEnabled(c protocol.Command) protocol.CommandResult {
	var p protocol.AgentPayload
	if err := decodePayload(c, &p); err != nil {
		return failed("%v", err)
	}
	disable := c.Type == protocol.CmdAgentDisable
	reason := cmp.Or(p.Reason, protocol.ReasonDisabledByAdmin)
	var was bool
	err := a.update(func(s *state) error {
		was = s.Disabled
		s.Disabled, s.DisabledReason = disable, ""
		if disable {
			s.DisabledReason = reason
		} else if was {
			s.AppsReported = false // resume with a full list
		}
		return nil
	})
	if err != nil {
		return failed("keep the agent's state: %v", err)
	}
	switch {
	case disable && was:
		return succeeded("the agent was already disabled")
	case disable:
		a.showDisabled(reason)
		return succeeded("agent disabled")
	case !was:
		return succeeded("the agent was already enabled")
	}
	a.log.Info("agent enabled")
	return succeeded("agent enabled")
}

// wipe erases the agent's data in the order the protocol asks for a
// wipe: erase what can be erased while still able to report (the cache
// and everything in the state but what reporting needs, with a mark so
// that a crash finishes the wipe at the next start), report the result
// (retrying for a few minutes), then run the Wipe hook, and leave Run to
// delete the rest, credential last. It reports whether the agent is
// wiped; a wipe that fails before reporting is reported failed and the
// agent carries on.
func (a *Agent) wipe(ctx context.Context, c protocol.Command) bool {
	log := a.log.With("command", c.ID, "type", c.Type)
	log.Warn("wiping the agent's data")
	defer a.stopDirectory()() // no shared file is written while the folder is erased
	// The policy's files first (Wi-Fi passwords among them): the state
	// that lists them goes next. The policy lock keeps a policy being
	// applied from writing them again.
	a.policyMu.Lock()
	err := a.removePolicyFiles()
	if err == nil {
		err = a.update(func(s *state) error {
			*s = state{
				Server: s.Server, DeviceID: s.DeviceID, Credential: s.Credential, Ownership: s.Ownership,
				HardwareID: s.HardwareID, Endpoints: s.Endpoints, EnrolledAt: s.EnrolledAt, Pending: s.Pending, Wipe: c.ID,
			}
			return nil
		})
	}
	a.policyMu.Unlock()
	if err == nil {
		err = a.eraseFolders()
	}
	if err != nil {
		_ = a.update(func(s *state) error { s.Wipe = ""; return nil })
		a.report(ctx, c.ID, failed("wipe: %v", err))
		return false
	}
	msg := "erased the agent's state and cache; the device is no longer enrolled (the host's disks are not the agent's to erase)"
	if a.wipeHook != nil {
		msg = "wiping: the agent's state and cache are erased and the device is no longer enrolled"
	}
	if err := a.keepResult(c.ID, succeeded("%s", msg), ""); err != nil {
		log.Error("cannot keep the wipe's result", "err", err)
	}
	a.reportWipe(ctx)
	if a.wipeHook != nil {
		if err := a.wipeHook(ctx); err != nil {
			log.Error("the wipe hook failed after the wipe was reported", "err", err)
		}
	}
	return true
}

// eraseFolders empties the cache folder and removes everything in the
// state folder but agent.json (still needed to report) and the lock.
func (a *Agent) eraseFolders() error {
	var errs []error
	if a.cacheDir != "" {
		if r, err := os.OpenRoot(a.cacheDir); errors.Is(err, fs.ErrNotExist) {
			// nothing cached
		} else if err != nil {
			errs = append(errs, fmt.Errorf("erase the cache folder: %w", err))
		} else {
			if _, err := emptyRoot(r); err != nil {
				errs = append(errs, fmt.Errorf("erase the cache folder: %w", err))
			}
			r.Close()
		}
	}
	if a.filesDir != "" {
		if r, err := os.OpenRoot(a.filesDir); errors.Is(err, fs.ErrNotExist) {
			// no shared files
		} else if err != nil {
			errs = append(errs, fmt.Errorf("erase the files folder: %w", err))
		} else {
			if _, err := emptyRoot(r); err != nil {
				errs = append(errs, fmt.Errorf("erase the files folder: %w", err))
			}
			r.Close()
		}
	}
	entries, err := os.ReadDir(a.stateDir)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("erase the state folder: %w", err))...)
	}
	for _, e := range entries {
		if e.Name() == stateFile || e.Name() == lockFile {
			continue
		}
		if err := os.RemoveAll(filepath.Join(a.stateDir, e.Name())); err != nil {
			errs = append(errs, fmt.Errorf("erase the state folder: %w", err))
		}
	}
	return errors.Join(errs...)
}

// wipeReportAttempts bounds the tries to report a wipe: with the backoff
// between them, a few minutes, as the protocol asks.
const wipeReportAttempts = 9

// reportWipe reports pending results, the wipe's among them, retrying for
// a few minutes: the credential goes next, and with it any way to report.
func (a *Agent) reportWipe(ctx context.Context) {
	for attempt := 1; ; attempt++ {
		ferr := a.flushResults(ctx)
		st, err := a.snapshot()
		if err != nil || !slices.ContainsFunc(st.Pending, func(p pendingResult) bool { return p.ID == st.Wipe }) {
			return
		}
		if attempt == wipeReportAttempts {
			a.log.Error("could not report the wipe; erasing anyway", "command", st.Wipe)
			return
		}
		if a.sleep(ctx, max(backoff(attempt), retryAfter(ferr))) != nil {
			return
		}
	}
}
