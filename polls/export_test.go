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

// Checking is the number of votes being checked, not yet in the ballot box.
func (s *Service) Checking() int64 { return s.checking.Load() }

// StopMinuteJob unschedules the minute job and waits for a run in
// progress, as the app's terminate hook does, so a test runs the job
// only when it says.
func (s *Service) StopMinuteJob(app core.App) { s.stopMinuteJob(app) }

// TakeAllCheckSlots takes every vote-check slot, as that many votes being
// checked would; the returned func gives them back.
func (s *Service) TakeAllCheckSlots() (release func()) {
	for range cap(s.checkSlots) {
		s.takeCheckSlot()
	}
	return func() {
		for range cap(s.checkSlots) {
			s.releaseCheckSlot()
		}
	}
}

// CheckSlotsTaken is how many votes hold a check slot now.
func (s *Service) CheckSlotsTaken() int { return len(s.checkSlots) }

// VoteCheckSlots is voteCheckSlots, for a unit test.
var VoteCheckSlots = voteCheckSlots
