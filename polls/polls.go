// Package polls is Circly's polls domain: starting a poll with its
// electorate (create.go), votes and their checks (vote.go), written by the
// ballot box with group commit (ballot_box.go), per-option counts published
// in steps (counts.go), results (results.go), closing a poll and forgetting
// who voted what (close.go, forget.go), keeping vote requests out of the
// request log and out of batches (vote_guard.go), realtime
// announcements of counters changed with plain SQL (announce.go) to the
// poll's readers (reader_gate.go), the minute scrub of the votes' arrival
// order (scrub.go), and the
// app's home: the feed of every poll a user may read (feed.go) and its
// inbox of picks (picks.go), paged alike (paging.go).
//
// The rules are plain functions over core.App (or the Service, where they
// need its secrets or ballot box) that return the sentinel errors of
// errors.go; hooks.go binds them to PocketBase and maps those errors to
// HTTP in one place (apiError).
package polls

import (
	"sync"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/core"

	"circly/config"
	"circly/keys"
	"circly/metrics"
)

// Service carries what the polls domain shares: settings, secrets, the
// ballot box and the pending WAL truncation. It holds no app: every
// function takes the app (or transaction app) it runs on.
type Service struct {
	Config  config.Config
	Secrets *keys.Secrets

	ballotMu   sync.Mutex
	ballots    *ballotBox
	terminated bool
	arriving   atomic.Int64 // votes on their way to the ballot box, not yet queued

	// orderMu keeps a commit and the announcements of its counters together
	// (the ballot box's commits, ClosePoll), so they are sent in commit order
	orderMu       sync.Mutex
	announceMu    sync.Mutex
	announcements *announcer

	forgetMu      sync.Mutex
	forgetPending bool

	scrub  orderScrub
	served bool // OnServe ran: the cron jobs ran here (not a command)
	// cronMu is held by a running minute job; stopped, set under it when
	// the app terminates, keeps later runs from touching a closed database
	cronMu      sync.Mutex
	cronStopped bool

	metrics *metrics.Set
}

// Register binds the polls routes, hooks and middlewares to app and returns
// the service they share; secrets is the server key.
func Register(app core.App, cfg config.Config, secrets *keys.Secrets) *Service {
	s := &Service{Config: cfg, Secrets: secrets, metrics: metrics.Of(app)}
	s.scrub.all = true
	// a server that stopped cleanly scrubbed on its way out (see stopServing)
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		s.startServing(e.App)
		return e.Next()
	})
	s.metrics.BallotQueue.Set(s.ballotQueueDepth)

	// on disk, an open poll's arrival order lasts at most about a minute
	app.Cron().MustAdd(ScrubArrivalOrderCron, scrubArrivalOrderSchedule, func() {
		s.cronMu.Lock()
		defer s.cronMu.Unlock()
		if s.cronStopped {
			return
		}
		if err := s.ScrubArrivalOrder(app); err != nil {
			app.Logger().Warn("Scrubbing the arrival order of votes failed; retried next minute", "error", err.Error())
		}
	})

	// stop the minute job (waiting for a run in progress), write the votes
	// still queued and send their counters before the app goes away
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.stopMinuteJob(app)
		s.closeBallots()
		s.closeAnnouncer()
		s.stopServing(app)
		return e.Next()
	})

	// every other commit also wakes the ballot box's WAL copier (see
	// copyOtherCommits)
	copyOther := func(e *core.ModelEvent) error {
		s.copyOtherCommits()
		return e.Next()
	}
	app.OnModelAfterCreateSuccess().BindFunc(copyOther)
	app.OnModelAfterUpdateSuccess().BindFunc(copyOther)
	app.OnModelAfterDeleteSuccess().BindFunc(copyOther)

	s.bind(app)
	return s
}

// ballotQueueDepth is how many checked ballots wait for the ballot box's
// writer (a gauge of the metrics route).
func (s *Service) ballotQueueDepth() float64 {
	s.ballotMu.Lock()
	defer s.ballotMu.Unlock()
	if s.ballots == nil {
		return 0
	}
	return float64(len(s.ballots.queue))
}
