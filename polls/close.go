package polls

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// ClosePoll closes an open poll: status becomes closed (a realtime event for
// members), the final per-option counts are published when the poll reached
// the results threshold, its vote-key salt is deleted and, for anonymous
// polls, its vote rows are rewritten so that nothing links them to voters
// any more: each voter_hash becomes random bytes and the rows are
// re-inserted in random order with fresh ids and random rowids, so neither
// the hash nor the stored order says anything; the participation records
// are re-inserted in random order too. After the commit the WAL is
// checkpointed and truncated (see Forget): with secure_delete on, no byte of
// the database or its WAL holds the salt or the old hashes any more. A poll
// closing below the threshold never reveals per-option counts. Closing a
// closed poll is a no-op; closed reports whether this call closed it.
func (s *Service) ClosePoll(app core.App, pollId string) (closed bool, err error) {
	closed, err = s.closeWithoutForgetting(app, pollId)
	if closed {
		s.Forget(app)
	}
	return closed, err
}

// closeWithoutForgetting is ClosePoll but the WAL truncation, which the
// caller owes (CloseDuePolls does one for all the polls it closed: under
// replication each truncation is a full snapshot of the database).
func (s *Service) closeWithoutForgetting(app core.App, pollId string) (closed bool, err error) {
	// The counters of votes committed before the close are sent first (the
	// announcer's queue), then the close's own events: no vote can commit
	// in between (orderMu), so a subscriber never sees a count go back.
	s.orderMu.Lock()
	s.announcer(app).flush()
	var published []string
	err = app.RunInTransaction(func(txApp core.App) error {
		var err error
		published, closed, err = s.closeInTx(txApp, pollId)
		return err
	})
	if err != nil || !closed {
		s.orderMu.Unlock()
		return closed, err
	}
	for _, id := range published {
		s.announce(app, context.Background(), collections.Options, id, nil)
	}
	s.orderMu.Unlock()
	return true, nil
}

// closeInTx is ClosePoll's transaction; it returns the options whose
// published count changed.
func (s *Service) closeInTx(txApp core.App, pollId string) (published []string, closed bool, err error) {
	poll, err := collections.FindPoll(txApp, pollId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, ErrPollNotFound
	}
	if err != nil {
		return nil, false, err
	}
	if poll.IsClosed() {
		return nil, false, nil
	}
	poll.SetStatus(collections.PollClosed)
	if err := txApp.Save(poll); err != nil {
		return nil, false, err
	}
	if s.CountsRevealed(poll) {
		if published, err = collections.PublishFinalCounts(txApp, pollId); err != nil {
			return nil, false, err
		}
	}
	if err := collections.DeletePollKey(txApp, pollId); err != nil {
		return nil, false, err
	}
	if poll.IsAnonymous() {
		if err := scrubVotes(txApp, pollId); err != nil {
			return nil, false, err
		}
	}
	if err := reshuffleParticipation(txApp, pollId); err != nil {
		return nil, false, err
	}
	return published, true, nil
}

// scrubVotes re-inserts a poll's vote rows in random order with fresh ids,
// random rowids, random hashes and no member (plain SQL: no hooks, no
// realtime events): the close of an anonymous poll.
func scrubVotes(txApp core.App, pollId string) error {
	return rewrite(txApp, pollId, collections.PollVoteOptions, collections.DeletePollVotes, collections.InsertScrubbedVote)
}

// relayoutPoll re-inserts an open poll's vote rows and participation
// records in random order, keeping their content (see ScrubArrivalOrder).
func relayoutPoll(txApp core.App, pollId string) error {
	if err := rewrite(txApp, pollId, collections.PollVoteRows, collections.DeletePollVotes, collections.InsertVoteRow); err != nil {
		return err
	}
	return reshuffleParticipation(txApp, pollId)
}

// reshuffleParticipation re-inserts a poll's participation records in
// random order. The table is keyed by hash, but SQLite lays new cells out
// inside a page in the order they arrive; rewriting them leaves no trace of
// the order in which people voted.
func reshuffleParticipation(txApp core.App, pollId string) error {
	return rewrite(txApp, pollId, collections.ParticipationVoters, collections.DeleteParticipation, collections.InsertParticipation)
}

// rewrite reads a poll's rows of one kind, deletes them and inserts them
// again in a uniformly random order.
func rewrite[T any](txApp core.App, pollId string,
	read func(core.App, string) ([]T, error),
	del func(core.App, string) error,
	insert func(core.App, string, T) error,
) error {
	rows, err := read(txApp, pollId)
	if err != nil {
		return err
	}
	if err := del(txApp, pollId); err != nil {
		return err
	}
	shuffle(rows)
	for _, r := range rows {
		if err := insert(txApp, pollId, r); err != nil {
			return err
		}
	}
	return nil
}

// shuffle puts s in a uniformly random order (crypto/rand).
func shuffle[T any](s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := int(uint64(collections.RandomRowid()) % uint64(i+1))
		s[i], s[j] = s[j], s[i]
	}
}

// CloseDuePolls closes every open poll whose deadline has passed at now and
// returns the ids it closed.
func (s *Service) CloseDuePolls(app core.App, now time.Time) ([]string, error) {
	s.forgetIfPending(app)
	ids, err := collections.OpenPollsDueBy(app, now)
	if err != nil {
		return nil, err
	}
	var closedIds []string
	defer func() {
		if len(closedIds) > 0 {
			s.Forget(app) // one WAL truncation for every poll closed here
		}
	}()
	for _, id := range ids {
		closed, err := s.closeWithoutForgetting(app, id)
		if err != nil {
			return closedIds, err
		}
		if closed {
			closedIds = append(closedIds, id)
		}
	}
	return closedIds, nil
}
