package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// Run keeps the agent working until ctx ends: it checks in at the server's
// interval (with jitter), holds the push WebSocket (long-polling when it
// cannot connect) and carries out commands one at a time. It holds the
// state folder's lock meanwhile.
//
// It returns nil when ctx ends; ErrWiped after a wipe erased the agent's
// data; ErrRevoked when the server refuses the credential (now or before:
// the agent then does not talk to the server until enrolled again);
// ErrNotEnrolled; and ErrBusy when another agent process runs.
func (a *Agent) Run(ctx context.Context) error {
	if _, err := readState(a.stateDir); err != nil {
		return err
	}
	f, err := lockDir(a.stateDir)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.lock, a.st, a.wiped = f, nil, false // read the state afresh under the lock
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.lock = nil
		a.mu.Unlock()
		f.Close()
	}()
	st, err := a.snapshot()
	if err != nil {
		return err
	}
	if st.Wipe != "" {
		a.log.Warn("finishing a wipe that was under way", "command", st.Wipe)
		a.reportWipe(ctx)
		if a.wipeHook != nil {
			if err := a.wipeHook(ctx); err != nil {
				a.log.Error("the wipe hook failed", "err", err)
			}
		}
		return a.erase()
	}
	if st.Revoked {
		return ErrRevoked
	}
	select { // a refusal recorded before this run is in the state, not here
	case <-a.revokedSig:
	default:
	}
	a.log.Info("agent running", "device", st.DeviceID, "server", st.Server, "version", Version,
		"allow_destructive", a.allowDestructive, "cache_dir", a.cacheDir, "disabled", st.Disabled)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wiped atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		if a.work(ctx) {
			wiped.Store(true)
			cancel(ErrWiped)
		}
	})
	wg.Go(func() { a.checkInLoop(ctx) })
	wg.Go(func() { a.pushLoop(ctx) })
	wg.Go(func() { a.policyLoop(ctx) })
	wg.Go(func() { a.directoryLoop(ctx) })
	wg.Go(func() {
		select {
		case <-ctx.Done():
		case <-a.revokedSig:
			cancel(ErrRevoked)
		}
	})
	wg.Wait()
	switch {
	case wiped.Load():
		return a.erase()
	case errors.Is(context.Cause(ctx), ErrRevoked):
		return ErrRevoked
	}
	a.log.Info("agent stopped")
	return nil
}

// erase deletes the state folder, credential included, and stops every
// later write to it. It returns ErrWiped when done.
func (a *Agent) erase() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.wiped, a.st = true, nil
	if err := os.RemoveAll(a.stateDir); err != nil {
		return fmt.Errorf("wipe: erase the state folder: %w", err)
	}
	a.log.Warn("wiped: the agent's state and credential are erased; the device is no longer enrolled")
	return ErrWiped
}

// checkInLoop checks in at the server's interval, sooner when asked, and
// retries failures with backoff (or as long as the server asks).
func (a *Agent) checkInLoop(ctx context.Context) {
	failures := 0
	for {
		resp, err := a.CheckIn(ctx)
		if ctx.Err() != nil || errors.Is(err, ErrRevoked) {
			return
		}
		st, serr := a.snapshot()
		if serr != nil {
			return
		}
		interval := st.interval()
		var wait time.Duration
		if err != nil {
			failures++
			wait = max(min(retryDelay(failures), interval), retryAfter(err))
			a.log.Warn("check-in failed", "err", err, "retry_in", wait.Round(time.Second))
		} else {
			failures = 0
			a.enqueue(resp.Commands...)
			if resp.DirectoryVersion != st.DirectoryVersion {
				a.requestDirectory()
			}
			a.flushResults(ctx)
			wait = jitter(interval, 0.1)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-a.checkInSig:
			t.Stop()
		}
	}
}

// retryDelay is the wait before the n-th retry of a failed check-in.
func retryDelay(n int) time.Duration {
	return jitter(min(5*time.Second<<min(n-1, 10), 15*time.Minute), 0.2)
}

// jitter spreads d by ±frac so that devices do not march in step.
func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 - frac + 2*frac*rand.Float64()))
}

// enqueue hands commands to the worker. The queue is unbounded so that no
// sender ever waits for the worker (which may itself be checking in).
func (a *Agent) enqueue(cmds ...protocol.Command) {
	if len(cmds) == 0 {
		return
	}
	a.queueMu.Lock()
	a.queue = append(a.queue, cmds...)
	a.queueMu.Unlock()
	select {
	case a.queueSig <- struct{}{}:
	default:
	}
}

func (a *Agent) takeQueue() []protocol.Command {
	a.queueMu.Lock()
	defer a.queueMu.Unlock()
	q := a.queue
	a.queue = nil
	return q
}

// work carries out queued commands one at a time, in order of delivery,
// until ctx ends or a command wipes the agent; it reports the latter.
func (a *Agent) work(ctx context.Context) (wiped bool) {
	a.flushResults(ctx)
	for {
		q := a.takeQueue()
		for _, c := range q {
			if ctx.Err() != nil {
				return false
			}
			if a.handle(ctx, c) {
				return true
			}
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return false
		case <-a.queueSig:
		}
	}
}

// report keeps a result on disk and sends it with any other pending ones.
func (a *Agent) report(ctx context.Context, id string, r protocol.CommandResult) {
	if err := a.keepResult(id, r, ""); err != nil {
		a.log.Error("cannot keep a result on disk; sending it anyway", "command", id, "err", err)
		if err := a.postResult(context.WithoutCancel(ctx), id, r); err != nil {
			a.log.Error("result lost", "command", id, "err", err)
		}
		return
	}
	a.flushResults(ctx)
}

// keepResult records a result to report, replacing an earlier one for the
// same command. A result with a boot ID is held back until the host has
// booted again. The output is cleaned as the server would clean it.
func (a *Agent) keepResult(id string, r protocol.CommandResult, boot string) error {
	r.Output = protocol.CleanOutput(r.Output)
	return a.update(func(s *state) error {
		s.Pending = slices.DeleteFunc(s.Pending, func(p pendingResult) bool { return p.ID == id })
		s.Pending = append(s.Pending, pendingResult{ID: id, Result: r, Boot: boot})
		return nil
	})
}

// resultTimeout bounds one result report. A report started before the
// agent is told to stop (say, by a wipe's last steps) still gets this long
// to reach the server.
const resultTimeout = 10 * time.Second

// flushResults reports pending results in order until one fails for a
// reason that may pass (network, 5xx, 429), which it returns; those stay
// for later. Results held for a reboot that has not happened yet are
// skipped. Results the server refuses outright (404: not a command of this
// device; 400 or 413: a body the agent cannot fix) are dropped: retrying
// could not change the answer. A 401 revokes the agent.
func (a *Agent) flushResults(ctx context.Context) error {
	a.resultsMu.Lock()
	defer a.resultsMu.Unlock()
	st, err := a.snapshot()
	if err != nil || st.Revoked {
		return err
	}
	boot := bootID(a.root)
	for _, p := range st.Pending {
		if p.Boot != "" && p.Boot == boot {
			continue // the host has not rebooted yet
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resultTimeout)
		err := a.postResult(rctx, p.ID, p.Result)
		cancel()
		log := a.log.With("command", p.ID, "status", p.Result.Status)
		code := statusOf(err)
		switch {
		case err == nil:
			log.Info("result reported")
		case code == http.StatusUnauthorized:
			return err
		case code >= 400 && code <= 499 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
			log.Warn("the server refused a result; dropping it", "err", err)
		default:
			log.Warn("cannot report a result; it stays for the next try", "err", err)
			return err
		}
		if err := a.update(func(s *state) error {
			s.Pending = slices.DeleteFunc(s.Pending, func(q pendingResult) bool { return q.ID == p.ID })
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
