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

// CastVote has the ballot box check a vote of userId for optionId in
// pollId (API.md §5) and record it with the counters, in one transaction,
// and answers after the commit; the changed counters are announced to
// realtime subscribers by the service's announcer, in commit order, off
// the request's path (see announce.go).
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
	b, err := s.newBallot(userId, pollId, optionId)
	if err != nil {
		return err
	}
	// counted on its way to the ballot box, so the box can wait for it
	// (run); cast takes it off once the ballot is queued
	s.arriving.Add(1)
	res := s.votes(app).cast(b)
	if res.err != nil {
		return res.err
	}
	s.metrics.Votes.Inc()
	return nil
}

// newBallot is a vote on its way to the ballot box, with its
// participation hash and the channel its outcome comes back on. The hash
// depends on the poll and the user alone, so it is computed here, on the
// request's goroutine, not in the ballot box's transaction, which holds
// SQLite's only write lock.
func (s *Service) newBallot(userId, pollId, optionId string) (*ballot, error) {
	participation, err := s.Secrets.ParticipationHash(pollId, userId)
	if err != nil {
		return nil, err
	}
	return &ballot{pollId: pollId, optionId: optionId, userId: userId, participation: participation,
		done: make(chan ballotResult, 1)}, nil
}

// checkBallot applies the checks of a vote inside the ballot box's
// transaction, before the ballot's first write, and fills in what its
// writes need (the membership for non-anonymous polls). A refusal is one
// of the package's sentinel errors (isRefusal); any other error is the
// database's.
//
// Why inside the transaction: the check reads the poll's row, the chosen
// option's row and the index pages the ballot's writes then change, so on
// the write connection those pages are already in its page cache. On the
// concurrent read connections, SQLite empties a connection's page cache
// whenever another connection has committed since its last read, which
// under a stream of votes is before almost every check: each check read
// every page again, and more of them the deeper the indexes grew
// (BENCHMARKS.md, "Checks inside the ballot box"). The facts are also read
// in the transaction that writes: a member who leaves commits before the
// check or after the vote. One query reads what every check needs: the
// poll's circle, status, deadline and kind, the caller's place in the
// electorate and active membership in that circle, and the chosen option's
// poll and member.
func (s *Service) checkBallot(txApp core.App, v *ballot) error {
	check, err := collections.LoadVoteCheck(txApp, v.pollId, v.userId, v.optionId)
	if err != nil {
		return err
	}
	if check == nil {
		return ErrPollNotFound
	}
	// The electorate was fixed when the poll was created: a member who
	// joined later, or a new account (also one re-registered on the same
	// device), cannot vote, so nobody can add votes of their own to reach
	// the results threshold or vote twice.
	if !check.Elector {
		return ErrNotInElectorate
	}
	memberId := check.Member.String
	if memberId == "" {
		return ErrNoLongerMember
	}
	if check.Status != collections.PollOpen || !time.Now().Before(check.Deadline.Time()) {
		return ErrPollClosed
	}
	if !check.OptionPoll.Valid || check.OptionPoll.String != v.pollId {
		return ErrWrongOption
	}
	// by user, not membership: a member who left and rejoined has a new
	// membership but is still the person behind the old option
	if check.OptionMember.String == memberId || (check.OptionUser.Valid && check.OptionUser.String == v.userId) {
		return ErrSelfVote
	}
	if check.IsAnonymous {
		memberId = ""
	}
	v.member = memberId
	return nil
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
func voterHash(key []byte, userId string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userId))
	return hex.EncodeToString(m.Sum(nil))
}
