package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// Fields of the votes collection (see NewVotes).
const (
	FieldVotePoll      = "poll"
	FieldVoteOption    = "option"
	FieldVoteVoterHash = "voter_hash"
	FieldVoteMember    = "member"
)

var (
	_ core.Model        = (*Vote)(nil)
	_ core.PreValidator = (*Vote)(nil)
	_ core.RecordProxy  = (*Vote)(nil)
)

// Vote is a typed record of the votes collection. Votes are written with
// plain SQL (InsertVote); the typed record serves the create request's
// record, whose body names poll and option.
type Vote struct {
	*core.Record
}

// AsVote wraps a votes record (nil stays nil). The record is shared, not
// copied: setters change it.
func AsVote(r *core.Record) *Vote {
	if r == nil {
		return nil
	}
	return &Vote{Record: r}
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a votes record.
func (v *Vote) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(v.Record, Votes)
}

// ProxyRecord returns the wrapped record.
func (v *Vote) ProxyRecord() *core.Record { return v.Record }

// SetProxyRecord replaces the wrapped record.
func (v *Vote) SetProxyRecord(r *core.Record) { v.Record = r }

// Poll returns the poll's id.
func (v *Vote) Poll() string { return v.GetString(FieldVotePoll) }

// SetPoll sets the poll's id.
func (v *Vote) SetPoll(pollId string) { v.Set(FieldVotePoll, pollId) }

// Option returns the chosen option's id.
func (v *Vote) Option() string { return v.GetString(FieldVoteOption) }

// SetOption sets the chosen option's id.
func (v *Vote) SetOption(optionId string) { v.Set(FieldVoteOption, optionId) }

// VoterHash returns the keyed hash of (poll, voter) (hidden field).
func (v *Vote) VoterHash() string { return v.GetString(FieldVoteVoterHash) }

// SetVoterHash sets the keyed hash of (poll, voter).
func (v *Vote) SetVoterHash(hash string) { v.Set(FieldVoteVoterHash, hash) }

// Member returns the voter's membership id; "" for anonymous polls.
func (v *Vote) Member() string { return v.GetString(FieldVoteMember) }

// SetMember sets the voter's membership id ("" for anonymous polls).
func (v *Vote) SetMember(memberId string) { v.Set(FieldVoteMember, memberId) }
