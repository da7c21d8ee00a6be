package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler runs a job every interval on robfig/cron: one run at a time (a
// tick that comes while the job still runs is skipped), a panicking job is
// logged with its stack and the next tick runs as usual, and Stop waits for
// the job in progress.
type Scheduler struct {
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

// NewScheduler returns a stopped Scheduler that calls job every interval
// with a context that ends when Stop is called. Whole seconds use cron's
// "@every" schedule; shorter or fractional intervals (tests) a plain
// constant delay.
func NewScheduler(logger *slog.Logger, interval time.Duration, job func(ctx context.Context)) *Scheduler {
	l := cronLogger{logger}
	c := cron.New(
		cron.WithSeconds(),
		cron.WithLogger(l),
		// Recover must sit inside SkipIfStillRunning: cron v3.0.1's
		// SkipIfStillRunning hands its token back without a defer, so a
		// panic passing through it would skip every later run.
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
	)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{cron: c, ctx: ctx, cancel: cancel}
	run := cron.FuncJob(func() { job(s.ctx) })
	if interval >= time.Second && interval%time.Second == 0 {
		if _, err := c.AddJob("@every "+interval.String(), run); err != nil {
			panic(err) // "@every <duration>" always parses
		}
	} else {
		c.Schedule(every(max(interval, time.Millisecond)), run)
	}
	return s
}

// Start starts the schedule; the first run comes one interval later.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops the schedule, ends the context of the job in progress and
// waits for it to return, or for ctx to end (then it returns ctx's error).
func (s *Scheduler) Stop(ctx context.Context) error {
	var done context.Context
	s.once.Do(func() {
		done = s.cron.Stop()
		s.cancel()
	})
	if done == nil {
		return nil
	}
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// every is a constant delay that, unlike cron's, may be shorter than a
// second.
type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// cronLogger adapts the app logger to cron.Logger. cron reports each tick
// at info level; that is debug detail here.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, keysAndValues ...any) {
	c.l.Debug("Push scheduler: "+msg, keysAndValues...)
}

func (c cronLogger) Error(err error, msg string, keysAndValues ...any) {
	c.l.Error("Push scheduler: "+msg, append(keysAndValues, "error", err)...)
}
