package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the polls collection (see NewPolls).
const (
	FieldPollCircle       = "circle"
	FieldPollCreator      = "creator"
	FieldPollTemplate     = "template"
	FieldPollQuestionText = "question_text"
	FieldPollDeadline     = "deadline"
	FieldPollIsAnonymous  = "is_anonymous"
	FieldPollStatus       = "status"
	FieldPollTotalVotes   = "total_votes"
)

var (
	_ core.Model        = (*Poll)(nil)
	_ core.PreValidator = (*Poll)(nil)
	_ core.RecordProxy  = (*Poll)(nil)
)

// Poll is a typed record of the polls collection.
type Poll struct {
	*core.Record
}

// AsPoll wraps a polls record (nil stays nil). The record is shared, not
// copied: setters change it.
func AsPoll(r *core.Record) *Poll {
	if r == nil {
		return nil
	}
	return &Poll{Record: r}
}

// NewPoll returns a blank, unsaved poll.
func NewPoll(app core.App) (*Poll, error) {
	r, err := newRecord(app, Polls)
	return wrapOne(r, err, AsPoll)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a polls record.
func (p *Poll) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(p.Record, Polls)
}

// ProxyRecord returns the wrapped record.
func (p *Poll) ProxyRecord() *core.Record { return p.Record }

// SetProxyRecord replaces the wrapped record.
func (p *Poll) SetProxyRecord(r *core.Record) { p.Record = r }

// Circle returns the id of the circle the poll asks.
func (p *Poll) Circle() string { return p.GetString(FieldPollCircle) }

// SetCircle sets the circle's id.
func (p *Poll) SetCircle(circleId string) { p.Set(FieldPollCircle, circleId) }

// Creator returns the users id of who started the poll ("" once gone).
func (p *Poll) Creator() string { return p.GetString(FieldPollCreator) }

// SetCreator sets the users id of who started the poll.
func (p *Poll) SetCreator(userId string) { p.Set(FieldPollCreator, userId) }

// Template returns the id of the template the question came from.
func (p *Poll) Template() string { return p.GetString(FieldPollTemplate) }

// SetTemplate sets the template's id.
func (p *Poll) SetTemplate(templateId string) { p.Set(FieldPollTemplate, templateId) }

// QuestionText returns the question, copied from the template at creation
// so a later template edit does not rewrite past polls.
func (p *Poll) QuestionText() string { return p.GetString(FieldPollQuestionText) }

// SetQuestionText sets the question.
func (p *Poll) SetQuestionText(text string) { p.Set(FieldPollQuestionText, text) }

// Deadline returns when voting ends.
func (p *Poll) Deadline() types.DateTime { return p.GetDateTime(FieldPollDeadline) }

// SetDeadline sets when voting ends.
func (p *Poll) SetDeadline(t types.DateTime) { p.Set(FieldPollDeadline, t) }

// IsAnonymous reports whether votes are kept apart from their voters.
func (p *Poll) IsAnonymous() bool { return p.GetBool(FieldPollIsAnonymous) }

// SetAnonymous makes the poll anonymous or not.
func (p *Poll) SetAnonymous(anonymous bool) { p.Set(FieldPollIsAnonymous, anonymous) }

// Status returns PollOpen or PollClosed ("" on an unsaved blank poll).
func (p *Poll) Status() string { return p.GetString(FieldPollStatus) }

// SetStatus sets PollOpen or PollClosed.
func (p *Poll) SetStatus(status string) { p.Set(FieldPollStatus, status) }

// IsOpen reports whether the status is PollOpen. It says nothing about the
// deadline: a poll past it stays open until the dispatcher closes it.
func (p *Poll) IsOpen() bool { return p.Status() == PollOpen }

// IsClosed reports whether the status is PollClosed.
func (p *Poll) IsClosed() bool { return p.Status() == PollClosed }

// TotalVotes returns how many votes the poll has (public from the start).
func (p *Poll) TotalVotes() int { return p.GetInt(FieldPollTotalVotes) }

// SetTotalVotes sets the vote total (votes add to it with
// IncrementTotalVotes, without a save).
func (p *Poll) SetTotalVotes(n int) { p.Set(FieldPollTotalVotes, n) }

// Created returns when the poll was created.
func (p *Poll) Created() types.DateTime { return p.GetDateTime(FieldCreated) }

// Updated returns when the poll last changed.
func (p *Poll) Updated() types.DateTime { return p.GetDateTime(FieldUpdated) }
