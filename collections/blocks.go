package collections

import "github.com/pocketbase/pocketbase/core"

// NewBlocks defines the blocks collection (API.md §10): one row per
// (blocker, blocked membership).
//
//   - blocker: the user who blocks, set by the server from the request's
//     auth. Deleting that account deletes its blocks.
//   - blocked_member: the members record the blocker picked (a membership
//     of a circle the blocker is an active member of). Members rows are
//     never deleted by the app (leaving and rejoining reuse the same row),
//     so it keeps naming the person; if a superuser deletes the row, the
//     relation is emptied and the block keeps working through
//     blocked_user.
//   - blocked_user: hidden, set by the server from blocked_member.user. The
//     effects (join refused, no pushes) look at this user, so a block
//     holds whichever membership the blocked person has, in any circle.
//     Deleting the blocked account deletes the block.
//
// Only the blocker lists, views, creates (through the create hook of the
// blocks package) and deletes its rows; nobody updates them. The blocked
// user reads nothing here and no field of any record it reads changes.
func NewBlocks() *core.Collection {
	c := core.NewBaseCollection(Blocks, BlocksId)

	c.Fields.Add(&core.RelationField{Name: FieldBlockBlocker, Required: true, CollectionId: UsersId, CascadeDelete: true, MaxSelect: 1})
	// not required, not cascading: see above (the create hook requires it)
	c.Fields.Add(&core.RelationField{Name: FieldBlockBlockedMember, CollectionId: MembersId, MaxSelect: 1})
	c.Fields.Add(&core.RelationField{Name: FieldBlockBlockedUser, Hidden: true, Required: true, CollectionId: UsersId, CascadeDelete: true, MaxSelect: 1,
		Help: "Set by the server from blocked_member's user; the block acts on this account in every circle."})
	c.Fields.Add(&core.AutodateField{Name: FieldCreated, OnCreate: true})

	owner := signedInUser + ` && ` + FieldBlockBlocker + ` = @request.auth.id`
	c.ListRule = ptr(owner)
	c.ViewRule = ptr(owner)
	c.CreateRule = ptr(signedInUser)
	c.UpdateRule = nil
	c.DeleteRule = ptr(owner)

	// partial: rows whose membership was deleted (emptied) do not collide
	c.AddIndex("idx_blocks_blocker_member", true, FieldBlockBlocker+", "+FieldBlockBlockedMember, FieldBlockBlockedMember+" != ''")
	c.AddIndex("idx_blocks_blocked_user_blocker", false, FieldBlockBlockedUser+", "+FieldBlockBlocker, "")

	return c
}
