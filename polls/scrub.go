package polls

import (
	"errors"
	"os"
	"path/filepath"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/store"
)

// ScrubArrivalOrderCron is the PocketBase cron job that runs
// ScrubArrivalOrder, and its schedule (every minute).
const (
	ScrubArrivalOrderCron     = "circlyScrubArrivalOrder"
	scrubArrivalOrderSchedule = "* * * * *"
)

// scrubPollsPerCommit bounds the polls re-laid out in one transaction: one
// commit per poll made the minute job cost as much as a quarter of the
// server's CPU under steady voting (a commit writes every page it touched,
// one write per page), while one commit for everything would hold the
// writer (and the votes behind it) for as long as the whole job runs.
// Sixteen polls are at most ~1,600 rows.
const scrubPollsPerCommit = 16

// cleanStopMark is the file in the data dir that says the server that
// stopped last scrubbed every poll that got votes before it stopped, so the
// next start need not re-lay out every open poll.
const cleanStopMark = "circly_votes_scrubbed"

// startServing decides what the first scrub covers: only the polls that
// get votes from now on if the last server stopped cleanly (its mark is
// there), else every open poll (after a crash, a restore or a first start
// nothing says which polls got votes in the minute before). The mark is
// removed first, so a crash from here on leaves none.
func (s *Service) startServing(app core.App) {
	err := os.Remove(filepath.Join(app.DataDir(), cleanStopMark))
	s.scrub.mu.Lock()
	s.scrub.all = err != nil
	s.scrub.mu.Unlock()
	s.cronMu.Lock()
	s.served = true
	s.cronMu.Unlock()
}

// stopServing runs the minute job one last time when the app terminates
// (after the ballot box wrote its last ballots), and leaves the mark when
// it scrubbed everything. It does nothing for an app that did not serve
// (a command) and when every open poll would have to be scrubbed (the
// server stopped before its first run, or that run failed): a stop stays
// short, and the next start scrubs them all.
func (s *Service) stopServing(app core.App) {
	s.cronMu.Lock()
	served := s.served
	s.cronMu.Unlock()
	s.scrub.mu.Lock()
	all := s.scrub.all
	s.scrub.mu.Unlock()
	if !served || all {
		return
	}
	if err := s.ScrubArrivalOrder(app); err != nil {
		app.Logger().Warn("Scrubbing the arrival order of votes at stop failed; the next start scrubs every open poll", "error", err.Error())
		return
	}
	if err := os.WriteFile(filepath.Join(app.DataDir(), cleanStopMark), nil, 0o600); err != nil {
		app.Logger().Warn("Could not mark the clean stop; the next start scrubs every open poll", "error", err.Error())
	}
}

// stopMinuteJob unschedules the minute job and waits for a run in
// progress; later runs (a tick already fired) do nothing.
func (s *Service) stopMinuteJob(app core.App) {
	app.Cron().Remove(ScrubArrivalOrderCron)
	s.cronMu.Lock()
	s.cronStopped = true
	s.cronMu.Unlock()
}

// orderScrub remembers the open polls that got votes since the last scrub.
// all is set at start: votes written before a restart are unknown.
type orderScrub struct {
	mu    sync.Mutex
	polls map[string]struct{}
	all   bool
}

// noteVotes records that polls got votes in a commit.
func (s *Service) noteVotes(pollIds []string) {
	if len(pollIds) == 0 {
		return
	}
	s.scrub.mu.Lock()
	defer s.scrub.mu.Unlock()
	if s.scrub.polls == nil {
		s.scrub.polls = map[string]struct{}{}
	}
	for _, id := range pollIds {
		s.scrub.polls[id] = struct{}{}
	}
}

// takeScrubList returns the polls to scrub and forgets them.
func (s *Service) takeScrubList(app core.App) ([]string, error) {
	s.scrub.mu.Lock()
	ids := make([]string, 0, len(s.scrub.polls))
	for id := range s.scrub.polls {
		ids = append(ids, id)
	}
	s.scrub.polls = nil
	all := s.scrub.all
	s.scrub.all = false
	s.scrub.mu.Unlock()
	if !all {
		return ids, nil
	}
	open, err := collections.OpenPollIds(app)
	if err != nil {
		s.scrub.mu.Lock()
		s.scrub.all = true
		s.scrub.mu.Unlock()
	}
	return open, err
}

// ScrubArrivalOrder re-lays out, in random order, the vote rows and
// participation records of every open poll that got votes since the last
// run (every open poll on the first run after a start), then empties the
// WAL. PocketBase's cron runs it every minute.
//
// Why: vote rows get random rowids, so their b-tree order says nothing; but
// inside a page SQLite places each new cell below the previous one, so the
// byte offsets of a poll's cells in the file still tell the order in which
// its votes (and voters) came, and until a checkpoint the WAL holds the
// page as it was after each commit. Rewriting every poll in every commit
// erased the first but cost 60–100% more CPU per vote in `make bench`, and
// left the second. This job erases both: on disk, the arrival order of an
// open poll's votes survives for at most about a minute (plus a checkpoint
// held up by a long reader). The close scrubs its poll at once.
func (s *Service) ScrubArrivalOrder(app core.App) error {
	ids, err := s.takeScrubList(app)
	if err != nil {
		return err
	}
	scrubbed := len(ids) > 0
	var errs []error
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), scrubPollsPerCommit)]
		ids = ids[len(chunk):]
		err := app.RunInTransaction(func(txApp core.App) error {
			for _, id := range chunk {
				poll, err := collections.FindPoll(txApp, id)
				if err != nil || !poll.IsOpen() {
					continue // gone, or closed (the close scrubbed it)
				}
				if err := relayoutPoll(txApp, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			s.noteVotes(chunk) // try again next run
			errs = append(errs, err)
		}
	}
	// Under replication the WAL is not truncated here: Litestream's
	// truncating checkpoint takes a full snapshot of the database, and its
	// local L0 files keep every synced page version for their retention
	// (minutes) whatever happens to the WAL (SECURITY.md, Replication).
	if scrubbed && !store.WALReplicated(app) {
		s.Forget(app)
	}
	return errors.Join(errs...)
}
