package collections

import "github.com/pocketbase/pocketbase/core"

// NewOptions defines poll options, one per eligible member at poll creation.
//
// vote_count is the published count: it reads 0 until the poll has
// CIRCLY_RESULTS_MIN_VOTES votes. tally is the true count; it is a hidden
// field (never sent to members, not filterable by them, stripped from
// realtime events) and is only ever changed with a plain SQL update, so a
// vote below the threshold produces no realtime event and no timestamp.
// For the same reason options have no "updated" field: nothing here records
// when a vote arrived.
func NewOptions() *core.Collection {
	c := core.NewBaseCollection(Options, OptionsId)

	c.Fields.Add(&core.RelationField{Name: "poll", Required: true, CollectionId: PollsId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.RelationField{Name: "member", CollectionId: MembersId, MaxSelect: 1})
	c.Fields.Add(&core.TextField{Name: "nickname", Max: 200})
	c.Fields.Add(&core.NumberField{Name: "order", Min: floatPtr(0), OnlyInt: true})
	c.Fields.Add(&core.NumberField{Name: "vote_count", Min: floatPtr(0), OnlyInt: true,
		Help: "The published count members see: the tally, copied in steps of the results threshold and at the close. Set by the server."})
	c.Fields.Add(&core.NumberField{Name: "tally", Hidden: true, Min: floatPtr(0), OnlyInt: true,
		Help: "The live vote count, never shown to users (it would tell who voted for whom); published as vote_count in steps. Set by the server."})

	// the members-only rules the first migration saved; the rules in force
	// are ApplyOptionReaders' (see NewPolls)
	member := activeMemberOf("poll.circle")
	c.ListRule = ptr(member)
	c.ViewRule = ptr(member)
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil

	c.AddIndex("idx_options_poll_order", false, "poll, `order`", "")
	c.AddIndex("idx_options_member", false, "member", "")

	return c
}

// ApplyOptionReaders sets who lists, views and subscribes to options: the
// readers of their poll (ApplyPollReaders), so a voter who has left keeps
// reading the options and their published counts.
func ApplyOptionReaders(c *core.Collection) {
	c.ListRule = ptr(optionsReadRule)
	c.ViewRule = ptr(optionsReadRule)
}
