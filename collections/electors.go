package collections

import "github.com/pocketbase/pocketbase/core"

// NewElectors defines a poll's electorate: one row per user who was an
// active member of the poll's circle when the poll was created (the creator
// included). Only they may vote in it (API.md §5); a member who joins later,
// or a new account made on the same device, is not in it.
//
// Why a table and not the options: an option names a membership, not a
// user, and the creator has none; the electorate is about users. The rows
// say who could vote, never who did or what they chose. Superusers only:
// the app never reads it directly (the vote check and the read rules do).
func NewElectors() *core.Collection {
	c := core.NewBaseCollection(Electors, ElectorsId)

	c.Fields.Add(&core.RelationField{Name: "poll", Required: true, CollectionId: PollsId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.RelationField{Name: "user", Required: true, CollectionId: UsersId, CascadeDelete: true, MaxSelect: 1})

	superusersOnly(c)

	c.AddIndex("idx_electors_poll_user", true, "poll, user", "")
	c.AddIndex("idx_electors_user", false, "user", "")

	return c
}
