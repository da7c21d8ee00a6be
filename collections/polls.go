package collections

import "github.com/pocketbase/pocketbase/core"

// Poll status values.
const (
	PollOpen   = "open"
	PollClosed = "closed"
)

// NewPolls defines polls as the first migration created them. Any
// signed-in user may attempt a create, and the create hook answers
// 403/404/400 with the contract's reasons. Nobody updates or deletes a poll
// through the API: votes and the scheduler change it from Go.
//
// Reading: the rules in force are ApplyPollReaders' (the circle's members
// and the poll's electorate). NewPolls keeps the members-only rules the
// first migration saved, because the electorate's rules join the electors
// collection, which did not exist yet then.
func NewPolls() *core.Collection {
	c := core.NewBaseCollection(Polls, PollsId)

	c.Fields.Add(&core.RelationField{Name: "circle", Required: true, CollectionId: CirclesId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.RelationField{Name: "creator", CollectionId: UsersId, MaxSelect: 1})
	c.Fields.Add(&core.RelationField{Name: "template", CollectionId: TemplatesId, MaxSelect: 1})
	c.Fields.Add(&core.TextField{Name: "question_text", Max: 200, Presentable: true,
		Help: "Copied from the template when the poll is made; later template edits do not change it."})
	c.Fields.Add(&core.DateField{Name: "deadline", Required: true})
	c.Fields.Add(&core.BoolField{Name: "is_anonymous"})
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{PollOpen, PollClosed}})
	c.Fields.Add(&core.NumberField{Name: "total_votes", Min: floatPtr(0), OnlyInt: true})
	autodates(c)

	member := activeMemberOf("circle") // until ApplyPollReaders
	c.ListRule = ptr(member)
	c.ViewRule = ptr(member)
	c.CreateRule = ptr(signedInUser)
	c.UpdateRule = nil
	c.DeleteRule = nil

	c.AddIndex("idx_polls_circle_created", false, "circle, created", "")
	c.AddIndex("idx_polls_status_deadline", false, "status, deadline", "")

	return c
}

// ApplyPollReaders sets who lists, views and subscribes to polls (API.md
// §6): the active members of the poll's circle and the poll's electorate,
// so a voter who has left keeps reading its polls. Migration 1764201604
// applies it, once the electors collection exists.
func ApplyPollReaders(c *core.Collection) {
	c.ListRule = ptr(pollsReadRule)
	c.ViewRule = ptr(pollsReadRule)
}
