package jobs_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/jobs"
)

// TestOneNodeAtATime starts two schedulers on one database, as two nodes
// would: a job runs on only one of them at a time.
func TestOneNodeAtATime(t *testing.T) {
	for name, open := range testutil.Databases(t) {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			clock := testutil.NewClock()
			var running, overlaps, runs atomic.Int32
			release := make(chan struct{})
			job := jobs.Job{Name: "exclusive", Every: time.Minute, Run: func(ctx context.Context) (string, error) {
				if running.Add(1) > 1 {
					overlaps.Add(1)
				}
				runs.Add(1)
				<-release
				running.Add(-1)
				return "ran", nil
			}}
			a, _ := jobs.New(db, clock, testutil.Logger())
			b, _ := jobs.New(db, clock, testutil.Logger())
			ctx := context.Background()
			var wg sync.WaitGroup
			var ranA bool
			wg.Add(1)
			go func() { defer wg.Done(); ranA = a.RunOnce(ctx, job) }()
			for runs.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			if b.RunOnce(ctx, job) {
				t.Error("the second node ran the job while the first held it")
			}
			close(release)
			wg.Wait()
			if !ranA || overlaps.Load() != 0 {
				t.Fatalf("ranA=%v overlaps=%d", ranA, overlaps.Load())
			}
			if !b.RunOnce(ctx, job) {
				t.Error("the second node could not run the job after the first released it")
			}
		})
	}
}

// TestPanicIsContained shows a panicking job neither kills the scheduler
// nor keeps its lease.
func TestPanicIsContained(t *testing.T) {
	db := testutil.OpenSQLite(t)
	s, _ := jobs.New(db, testutil.NewClock(), testutil.Logger())
	job := jobs.Job{Name: "boom", Every: time.Minute, Run: func(ctx context.Context) (string, error) { panic("boom") }}
	if !s.RunOnce(context.Background(), job) {
		t.Fatal("did not run")
	}
	if !s.RunOnce(context.Background(), job) {
		t.Fatal("lease kept after a panic")
	}
}
