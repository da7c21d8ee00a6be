package collections

import "github.com/pocketbase/pocketbase/core"

// NewVotes defines votes. A vote row holds the poll, the option and a keyed
// hash of (poll, voter) — no user, no membership (for anonymous polls), no
// timestamp. The unique index on (poll, voter_hash) is the last line of the
// one-vote-per-user rule. Any signed-in user may attempt a create (the hook
// answers the contract's 403/400s); only superusers can read votes, and
// nobody updates or deletes them.
func NewVotes() *core.Collection {
	c := core.NewBaseCollection(Votes, VotesId)

	c.Fields.Add(&core.RelationField{Name: "poll", Required: true, CollectionId: PollsId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.RelationField{Name: "option", Required: true, CollectionId: OptionsId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.TextField{Name: "voter_hash", Hidden: true, Max: 64,
		Help: "A keyed hash of (poll, voter) that refuses a second vote without naming the voter; replaced by random bytes when the poll closes."})
	// set only for non-anonymous polls
	c.Fields.Add(&core.RelationField{Name: "member", CollectionId: MembersId, MaxSelect: 1})

	c.ListRule = nil
	c.ViewRule = nil
	c.CreateRule = ptr(signedInUser)
	c.UpdateRule = nil
	c.DeleteRule = nil

	c.AddIndex("idx_votes_poll_voter", true, "poll, voter_hash", "")
	c.AddIndex("idx_votes_option", false, "option", "")

	return c
}
