package polls

import "github.com/pocketbase/pocketbase/core"

// CanReceiveLive is the decision the realtime broadcast of a counter makes
// for one subscriber (readerGate), for tests in polls_test.
func CanReceiveLive(app core.App, record *core.Record, info *core.RequestInfo, rule *string) (bool, error) {
	return newReaderGate(app, record).CanAccessRecord(record, info, rule)
}

// CleanStopMark is the file a clean stop leaves in the data dir.
const CleanStopMark = cleanStopMark

// StartServing and StopServing are what the app's serve and terminate
// hooks run for the minute job.
func (s *Service) StartServing(app core.App) { s.startServing(app) }
func (s *Service) StopServing(app core.App)  { s.stopServing(app) }

// ScrubPending is what the next run of the minute job covers: the polls
// noted since the last run, or every open poll.
func (s *Service) ScrubPending() (polls int, all bool) {
	s.scrub.mu.Lock()
	defer s.scrub.mu.Unlock()
	return len(s.scrub.polls), s.scrub.all
}

// Arriving is the number of votes on their way to the ballot box, not yet
// queued.
func (s *Service) Arriving() int64 { return s.arriving.Load() }

// StopMinuteJob unschedules the minute job and waits for a run in
// progress, as the app's terminate hook does, so a test runs the job
// only when it says.
func (s *Service) StopMinuteJob(app core.App) { s.stopMinuteJob(app) }

// WriteBallots has the ballot box check and write the given votes (user,
// poll, option) as one batch, as if they had arrived together, and returns
// each vote's outcome.
func (s *Service) WriteBallots(app core.App, votes [][3]string) []error {
	batch := make([]*ballot, len(votes))
	for i, v := range votes {
		b, err := s.newBallot(v[0], v[1], v[2])
		if err != nil {
			panic(err)
		}
		batch[i] = b
	}
	s.votes(app).write(batch)
	errs := make([]error, len(batch))
	for i, b := range batch {
		errs[i] = (<-b.done).err
	}
	return errs
}
