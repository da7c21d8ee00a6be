package polls

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// CastVote checks a vote of userId for optionId in pollId (API.md §5),
// has the ballot box record it with the counters in one transaction and
// answers after the commit; the changed counters are announced to realtime
// subscribers by the service's announcer, in commit order, off the
// request's path (see announce.go).
//
// Anonymity: the stored row holds poll, option and voter_hash =
// HMAC-SHA256(poll key, user id) — no user, no membership (except for
// non-anonymous polls), no time. The poll key is derived from the server key
// and a per-poll salt that is destroyed when the poll closes. The true count
// goes to the hidden "tally" with plain SQL (no realtime event, no
// timestamp); the published vote_count follows it once the poll has enough
// votes (see countVote).
func (s *Service) CastVote(ctx context.Context, app core.App, userId, pollId, optionId string) error {
	if pollId == "" {
		return ErrPollRequired
	}
	if optionId == "" {
		return ErrOptionRequired
	}
	// counted while checked, so the ballot box can wait for it (run);
	// cast takes it off once the ballot is queued
	s.checking.Add(1)
	b, err := s.checkInTurn(app, userId, pollId, optionId)
	if err != nil {
		s.checking.Add(-1)
		return err
	}

	res := s.votes(app).cast(b) // stops counting it as checked
	if res.err != nil {
		return res.err
	}
	s.metrics.Votes.Inc()
	return nil
}

// voteCheckSlots is how many votes are checked at once on a machine with
// procs CPUs for Go (GOMAXPROCS): four per CPU, at least eight.
//
// Why: a check is a short read (tens of µs of CPU); more of them at once
// than the CPUs can run only interleave, each holding a read connection
// and a snapshot while it waits for the CPU. With 64 voters on one CPU the
// read pool grew to a connection per concurrent check (the first burst
// after a start opened ~50, each parsing the whole schema: 46 % of the
// CPU in that burst's first 300 ms), and a connection's page cache, which
// SQLite empties whenever another connection committed, was stale at
// almost every check. With a few connections in turn, each is reused
// sooner, often before the next commit. A vote waiting here holds no
// connection and no snapshot, and waiting votes go in the order they came
// (a channel's waiting senders are served first in, first out). Measured
// in BENCHMARKS.md ("A bounded number of vote checks at once").
func voteCheckSlots(procs int) int {
	return max(8, 4*procs)
}

// checkInTurn is checkVote once a check slot is free (voteCheckSlots).
func (s *Service) checkInTurn(app core.App, userId, pollId, optionId string) (*ballot, error) {
	s.takeCheckSlot()
	defer s.releaseCheckSlot()
	return s.checkVote(app, userId, pollId, optionId)
}

// takeCheckSlot waits for a free check slot; releaseCheckSlot frees it.
func (s *Service) takeCheckSlot()    { s.checkSlots <- struct{}{} }
func (s *Service) releaseCheckSlot() { <-s.checkSlots }

// checkVote applies the checks of a vote and returns its ballot.
//
// Checks first, on the concurrent read connections, so that the ballot
// box's transaction (SQLite has a single writer) stays short. One query
// reads what every check needs: the poll's circle, status, deadline and
// kind, the caller's place in the electorate and active membership in that
// circle, and the chosen option's poll and member.
func (s *Service) checkVote(app core.App, userId, pollId, optionId string) (*ballot, error) {
	check, err := collections.LoadVoteCheck(app, pollId, userId, optionId)
	if err != nil {
		return nil, err
	}
	if check == nil {
		return nil, ErrPollNotFound
	}
	// The electorate was fixed when the poll was created: a member who
	// joined later, or a new account (also one re-registered on the same
	// device), cannot vote, so nobody can add votes of their own to reach
	// the results threshold or vote twice.
	if !check.Elector {
		return nil, ErrNotInElectorate
	}
	memberId := check.Member.String
	if memberId == "" {
		return nil, ErrNoLongerMember
	}
	if check.Status != collections.PollOpen || !time.Now().Before(check.Deadline.Time()) {
		return nil, ErrPollClosed
	}
	if !check.OptionPoll.Valid || check.OptionPoll.String != pollId {
		return nil, ErrWrongOption
	}
	// by user, not membership: a member who left and rejoined has a new
	// membership but is still the person behind the old option
	if check.OptionMember.String == memberId || (check.OptionUser.Valid && check.OptionUser.String == userId) {
		return nil, ErrSelfVote
	}
	participation, err := s.Secrets.ParticipationHash(pollId, userId)
	if err != nil {
		return nil, err
	}
	if check.IsAnonymous {
		memberId = ""
	}
	return &ballot{
		pollId:        pollId,
		optionId:      optionId,
		userId:        userId,
		member:        memberId,
		participation: participation,
	}, nil
}

// HasVoted reports whether user took part in a poll (open or closed). It
// reads the participation set through the keyed hash; it cannot tell, and
// nothing stored can, which option the user chose.
func (s *Service) HasVoted(app core.App, pollId, userId string) (bool, error) {
	h, err := s.Secrets.ParticipationHash(pollId, userId)
	if err != nil {
		return false, err
	}
	return collections.HasParticipation(app, pollId, h)
}

// voterHash is HMAC-SHA256(poll key, user id), hex.
func (s *Service) voterHash(pollId, userId string, salt []byte) (string, error) {
	key, err := s.Secrets.VoteKey(pollId, salt)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userId))
	return hex.EncodeToString(m.Sum(nil)), nil
}
