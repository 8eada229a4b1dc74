// Package jobs runs Steward's background work: plain functions behind one
// scheduler. Each job runs on one node at a time (a lease in the database),
// is cancellable, survives its own panics, and logs what each run did.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// Leaser hands out named leases that only one holder has at a time.
type Leaser interface {
	AcquireLease(ctx context.Context, name, holder string, now, expires time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Job is one kind of background work.
type Job struct {
	Name  string
	Every time.Duration
	// Run does one round and says what it did, for the log.
	Run func(ctx context.Context) (string, error)
}

// Scheduler runs jobs on their intervals.
type Scheduler struct {
	leaser Leaser
	clock  steward.Clock
	logger *slog.Logger
	holder string
	jobs   []Job
	wg     sync.WaitGroup
}

// New returns a scheduler; holder names this node in the leases.
func New(leaser Leaser, clock steward.Clock, logger *slog.Logger) (*Scheduler, error) {
	if leaser == nil || clock == nil || logger == nil {
		return nil, errors.New("jobs: leaser, clock and logger are required")
	}
	host, _ := os.Hostname()
	return &Scheduler{leaser: leaser, clock: clock, logger: logger,
		holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), steward.NewSecret("", 4))}, nil
}

// Add registers a job. Call before Start.
func (s *Scheduler) Add(j Job) { s.jobs = append(s.jobs, j) }

// Start runs every job in its own goroutine until ctx ends; Wait waits for them.
func (s *Scheduler) Start(ctx context.Context) {
	for _, j := range s.jobs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				s.RunOnce(ctx, j)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

// Wait blocks until every job goroutine has returned.
func (s *Scheduler) Wait() { s.wg.Wait() }

// RunOnce runs one round of j if this node can take its lease. It reports
// whether the job ran.
func (s *Scheduler) RunOnce(ctx context.Context, j Job) (ran bool) {
	now := s.clock.Now()
	ok, err := s.leaser.AcquireLease(ctx, "job:"+j.Name, s.holder, now, now.Add(j.Every+time.Minute))
	if err != nil {
		if ctx.Err() == nil {
			s.logger.Error("job lease", "job", j.Name, "err", err)
		}
		return false
	}
	if !ok {
		return false
	}
	ran = true
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("job panicked", "job", j.Name, "panic", p)
		}
		if err := s.leaser.ReleaseLease(context.WithoutCancel(ctx), "job:"+j.Name, s.holder); err != nil {
			s.logger.Warn("job lease release", "job", j.Name, "err", err)
		}
	}()
	start := time.Now()
	did, err := j.Run(ctx)
	if err != nil {
		s.logger.Error("job failed", "job", j.Name, "took", time.Since(start), "err", err)
	} else if did != "" {
		s.logger.Info("job ran", "job", j.Name, "took", time.Since(start), "did", did)
	}
	return ran
}
