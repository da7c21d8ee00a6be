package notify

import (
	"context"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/config"
	"circly/expo"
	"circly/metrics"
)

// Polls is what the dispatcher needs of the polls domain: closing the polls
// that are due (closing forgets who voted what; the dispatcher then sends
// their results) and whether a user took part in a poll (reminders skip
// voters), and whether a poll's counts are revealed (the results copy and
// picked pushes depend on it). main.go passes the polls service.
type Polls interface {
	CloseDuePolls(app core.App, now time.Time) ([]string, error)
	HasVoted(app core.App, pollId, userId string) (bool, error)
	CountsRevealed(poll *collections.Poll) bool
}

// Defaults of Settings.
const (
	DefaultBatchSize       = 600 // one second of Expo's 600/s, six requests of 100
	DefaultMaxAttempts     = 5
	DefaultRetryBackoff    = time.Minute
	DefaultMaxRetryBackoff = 30 * time.Minute
	DefaultReceiptTimeout  = 24 * time.Hour // Expo keeps receipts for a day
	DefaultRetention       = 30 * 24 * time.Hour
	DefaultStopGrace       = 5 * time.Second
)

// Settings tune the dispatcher and its scheduler. Zero values select the
// defaults, except ReceiptDelay (zero asks for receipts at once) and
// Interval (zero or less: no scheduler; RunOnce still works).
type Settings struct {
	// Expo configures the client (base URL, access token, pacing, retries
	// of one request). NotificationsPerSecond 0 means Expo's 600/s; use
	// expo.PacingOff to send unpaced.
	Expo expo.Config

	// Interval is the time between scheduled runs.
	Interval time.Duration

	// ReceiptDelay is how long after a send its receipt is asked for
	// (Expo advises 15 minutes).
	ReceiptDelay time.Duration

	// ReceiptTimeout is how long receipts are waited for before a
	// delivery's receipt is recorded as unknown.
	ReceiptTimeout time.Duration

	// Retention is how long finished rows of closed polls are kept.
	Retention time.Duration

	// BatchSize is the most deliveries claimed and sent in one round. It
	// bounds how many may be sent twice after a crash in the middle of a
	// round.
	BatchSize int

	// MaxAttempts bounds the sends of one delivery.
	MaxAttempts int

	// RetryBackoff is the wait before the first resend of a delivery Expo
	// turned away for now; it doubles with every attempt up to
	// MaxRetryBackoff.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration

	// StopGrace is how long a batch already handed to Expo may take to
	// finish after the run's context ended (server shutdown), so that its
	// outcome is recorded instead of left ambiguous.
	StopGrace time.Duration
}

// SettingsFrom maps Circly's configuration to Settings. ExpoRate 0 turns
// pacing off.
func SettingsFrom(cfg config.Config) Settings {
	rate := cfg.ExpoRate
	if rate <= 0 {
		rate = expo.PacingOff
	}
	return Settings{
		Expo: expo.Config{
			BaseURL:                cfg.ExpoBaseURL,
			AccessToken:            cfg.ExpoAccessToken,
			NotificationsPerSecond: rate,
		},
		Interval:     cfg.DispatchInterval,
		ReceiptDelay: cfg.ReceiptDelay,
		Retention:    cfg.OutboxRetention,
	}
}

func (s Settings) withDefaults() Settings {
	if s.ReceiptDelay < 0 {
		s.ReceiptDelay = 0
	}
	if s.ReceiptTimeout <= 0 {
		s.ReceiptTimeout = DefaultReceiptTimeout
	}
	if s.Retention <= 0 {
		s.Retention = DefaultRetention
	}
	if s.BatchSize <= 0 {
		s.BatchSize = DefaultBatchSize
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = DefaultMaxAttempts
	}
	if s.RetryBackoff <= 0 {
		s.RetryBackoff = DefaultRetryBackoff
	}
	if s.MaxRetryBackoff <= 0 {
		s.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	s.MaxRetryBackoff = max(s.MaxRetryBackoff, s.RetryBackoff)
	if s.StopGrace <= 0 {
		s.StopGrace = DefaultStopGrace
	}
	return s
}

// Notifier owns the outbox: it enqueues rows when polls are created and
// dispatches them. It runs on the app it was made for (never inside a
// transaction of a request).
type Notifier struct {
	app      core.App
	polls    Polls
	client   *expo.Client
	settings Settings
	metrics  *metrics.Set

	runMu sync.Mutex // one run at a time

	// polls saved or deleted since a run last read their scheduled rows
	// (Register's hooks), and when a run last read every scheduled row
	// (guarded by runMu); see scheduledStates
	changedMu sync.Mutex
	changed   map[string]struct{}
	lastSweep time.Time

	schedMu   sync.Mutex
	scheduler *Scheduler

	// crash points, set by tests only
	afterClaim func()
	afterSend  func()
}

// New returns a Notifier for app without binding anything; see Register.
func New(app core.App, polls Polls, s Settings) *Notifier {
	s = s.withDefaults()
	return &Notifier{app: app, polls: polls, client: expo.New(s.Expo), settings: s, metrics: metrics.Of(app)}
}

// Register makes a Notifier and binds it to app: the polls create hook
// enqueues a new poll's notifications, push_copy refuses malformed
// placeholders (validateCopy), and, when s.Interval is positive, the
// scheduler starts with the server (OnServe, so not for commands such as
// migrate or superuser) and stops when the app terminates, waiting for a
// run in progress.
func Register(app core.App, polls Polls, s Settings) *Notifier {
	n := New(app, polls, s)

	app.OnRecordAfterCreateSuccess(collections.Polls).BindFunc(n.onPollCreated)
	app.OnRecordAfterUpdateSuccess(collections.Polls).BindFunc(n.onPollChanged)
	app.OnRecordAfterDeleteSuccess(collections.Polls).BindFunc(n.onPollChanged)
	app.OnRecordValidate(collections.PushCopy).BindFunc(validateCopy)

	if n.settings.Interval > 0 {
		app.OnServe().BindFunc(func(e *core.ServeEvent) error {
			n.StartScheduler()
			return e.Next()
		})
		app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
			ctx, cancel := context.WithTimeout(context.Background(), n.settings.StopGrace+10*time.Second)
			defer cancel()
			if err := n.StopScheduler(ctx); err != nil {
				e.App.Logger().Warn("Push scheduler did not stop in time", "error", err)
			}
			return e.Next()
		})
	}

	return n
}

// Settings returns the settings in use, defaults filled in.
func (n *Notifier) Settings() Settings { return n.settings }

// StartScheduler starts running the dispatcher every Settings.Interval; it
// does nothing if the scheduler already runs or the interval is not
// positive.
func (n *Notifier) StartScheduler() {
	n.schedMu.Lock()
	defer n.schedMu.Unlock()
	if n.scheduler != nil || n.settings.Interval <= 0 {
		return
	}
	n.scheduler = NewScheduler(n.app.Logger(), n.settings.Interval, func(ctx context.Context) {
		if _, err := n.RunOnce(ctx, time.Now()); err != nil {
			n.app.Logger().Error("Push dispatch failed", "error", err)
		}
	})
	n.scheduler.Start()
}

// StopScheduler stops the scheduler and waits, until ctx ends, for a run in
// progress to finish. A stopped scheduler can be started again.
func (n *Notifier) StopScheduler(ctx context.Context) error {
	n.schedMu.Lock()
	s := n.scheduler
	n.scheduler = nil
	n.schedMu.Unlock()
	if s == nil {
		return nil
	}
	return s.Stop(ctx)
}

// onPollCreated enqueues the poll's notifications after the poll was
// committed. It does no network I/O. A failure is logged, not returned: the
// poll exists, and the next run creates whatever rows are missing.
func (n *Notifier) onPollCreated(e *core.RecordEvent) error {
	if _, err := n.enqueuePoll(e.App, e.Record.Id); err != nil {
		e.App.Logger().Error("Could not enqueue the poll's notifications; the dispatcher will retry",
			"poll", e.Record.Id, "error", err)
	}
	return e.Next()
}
