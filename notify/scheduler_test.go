package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/notify"
)

// syncBuffer is a bytes.Buffer safe for the scheduler's goroutines.
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

func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// eventually polls cond every few milliseconds for up to 5 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSchedulerRunsOneJobAtATime(t *testing.T) {
	t.Parallel()
	logger, _ := testLogger()
	var running, most, runs atomic.Int32
	s := notify.NewScheduler(logger, 10*time.Millisecond, func(ctx context.Context) {
		now := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		runs.Add(1)
		time.Sleep(60 * time.Millisecond) // six ticks
	})
	s.Start()
	eventually(t, "three runs", func() bool { return runs.Load() >= 3 })
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m != 1 {
		t.Fatalf("%d runs at once", m)
	}
	if r := runs.Load(); r > 8 {
		t.Fatalf("%d runs: overlapping ticks were not skipped", r)
	}
}

func TestSchedulerSurvivesAPanickingJob(t *testing.T) {
	t.Parallel()
	logger, logs := testLogger()
	var runs atomic.Int32
	s := notify.NewScheduler(logger, 10*time.Millisecond, func(ctx context.Context) {
		if runs.Add(1) == 1 {
			panic("dispatcher bug")
		}
	})
	s.Start()
	eventually(t, "runs after the panic", func() bool { return runs.Load() >= 3 })
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !bytes.Contains([]byte(out), []byte("dispatcher bug")) || !bytes.Contains([]byte(out), []byte("level=ERROR")) {
		t.Fatalf("the panic was not logged as an error:\n%s", out)
	}
}

func TestSchedulerWholeSecondsUseCronSpec(t *testing.T) {
	t.Parallel()
	logger, logs := testLogger()
	s := notify.NewScheduler(logger, 15*time.Second, func(context.Context) {})
	s.Start()
	eventually(t, "the schedule", func() bool { return bytes.Contains([]byte(logs.String()), []byte("next=")) })
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerStopWaitsForTheRunningJob(t *testing.T) {
	t.Parallel()
	logger, _ := testLogger()
	started := make(chan struct{})
	var once sync.Once
	var finished, runs atomic.Int32
	s := notify.NewScheduler(logger, 10*time.Millisecond, func(ctx context.Context) {
		runs.Add(1)
		once.Do(func() { close(started) })
		<-ctx.Done() // Stop ends the job's context
		time.Sleep(30 * time.Millisecond)
		finished.Add(1)
	})
	s.Start()
	<-started
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if finished.Load() != 1 {
		t.Fatal("Stop returned before the job finished")
	}
	r := runs.Load()
	time.Sleep(50 * time.Millisecond)
	if runs.Load() != r {
		t.Fatal("the job ran after Stop")
	}

	// a job that ignores its context makes Stop give up at the caller's deadline
	block := make(chan struct{})
	defer close(block)
	stuck := notify.NewScheduler(logger, 10*time.Millisecond, func(ctx context.Context) { <-block })
	stuck.Start()
	time.Sleep(30 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := stuck.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop of a stuck job: %v", err)
	}
}

// The registered scheduler starts with the server and stops on terminate.
func TestSchedulerFollowsTheServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(s *notify.Settings) { s.Interval = 20 * time.Millisecond })
	f := h.newCircle(3)
	poll := h.createPoll(f, 0, time.Hour) // the first request builds the server: OnServe
	eventually(t, "the announcement", func() bool {
		return countTo(t, h.expo, f.push[1], poll.Id, collections.KindPollStarted) == 1 &&
			countTo(t, h.expo, f.push[2], poll.Id, collections.KindPollStarted) == 1
	})

	e := new(core.TerminateEvent)
	e.App = h.app
	if err := h.app.OnTerminate().Trigger(e, func(*core.TerminateEvent) error { return nil }); err != nil {
		t.Fatal(err)
	}
	sent := len(h.expo.Messages())
	second := h.createPoll(f, 1, time.Hour)
	time.Sleep(100 * time.Millisecond)
	if n := len(h.expo.Messages()); n != sent {
		t.Fatalf("%d messages after terminate", n-sent)
	}
	if s := row(t, h.app, second.Id, collections.KindPollStarted).GetString("status"); s != collections.NotificationPending {
		t.Fatalf("second poll's announcement %q, want pending for the next start", s)
	}
}
