package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// Fields of the options collection (see NewOptions). "order" is an SQL
// keyword: quote it ([[order]]) in hand-written SQL.
const (
	FieldOptionPoll      = "poll"
	FieldOptionMember    = "member"
	FieldOptionNickname  = "nickname"
	FieldOptionOrder     = "order"
	FieldOptionVoteCount = "vote_count"
	FieldOptionTally     = "tally"
)

var (
	_ core.Model        = (*Option)(nil)
	_ core.PreValidator = (*Option)(nil)
	_ core.RecordProxy  = (*Option)(nil)
)

// Option is a typed record of the options collection: one member a poll
// can be answered with.
type Option struct {
	*core.Record
}

// AsOption wraps an options record (nil stays nil). The record is shared,
// not copied: setters change it.
func AsOption(r *core.Record) *Option {
	if r == nil {
		return nil
	}
	return &Option{Record: r}
}

// NewOption returns a blank, unsaved option.
func NewOption(app core.App) (*Option, error) {
	r, err := newRecord(app, Options)
	return wrapOne(r, err, AsOption)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold an options record.
func (o *Option) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(o.Record, Options)
}

// ProxyRecord returns the wrapped record.
func (o *Option) ProxyRecord() *core.Record { return o.Record }

// SetProxyRecord replaces the wrapped record.
func (o *Option) SetProxyRecord(r *core.Record) { o.Record = r }

// Poll returns the poll's id.
func (o *Option) Poll() string { return o.GetString(FieldOptionPoll) }

// SetPoll sets the poll's id.
func (o *Option) SetPoll(pollId string) { o.Set(FieldOptionPoll, pollId) }

// Member returns the id of the membership the option names.
func (o *Option) Member() string { return o.GetString(FieldOptionMember) }

// SetMember sets the membership the option names.
func (o *Option) SetMember(memberId string) { o.Set(FieldOptionMember, memberId) }

// Nickname returns the member's nickname when the poll was created (kept
// so the poll still reads the same after a rename or leave).
func (o *Option) Nickname() string { return o.GetString(FieldOptionNickname) }

// SetNickname sets the nickname shown for the option.
func (o *Option) SetNickname(nickname string) { o.Set(FieldOptionNickname, nickname) }

// Order returns the option's position (0-based, by the member's join time).
func (o *Option) Order() int { return o.GetInt(FieldOptionOrder) }

// SetOrder sets the option's position.
func (o *Option) SetOrder(order int) { o.Set(FieldOptionOrder, order) }

// VoteCount returns the published count (0 until counts are published).
func (o *Option) VoteCount() int { return o.GetInt(FieldOptionVoteCount) }

// SetVoteCount sets the published count.
func (o *Option) SetVoteCount(n int) { o.Set(FieldOptionVoteCount, n) }

// Tally returns the true count (hidden field; changed only by AddTally and
// AddTallyAndPublish).
func (o *Option) Tally() int { return o.GetInt(FieldOptionTally) }

// SetTally sets the true count (new options start at 0).
func (o *Option) SetTally(n int) { o.Set(FieldOptionTally, n) }
