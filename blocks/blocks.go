// Package blocks is API.md §10's blocks: a user blocks the person behind a
// membership of a circle it is in. Only the blocker reads or deletes its
// blocks; the blocked person is never told and nothing it can read
// changes.
//
// The effects live where they apply, over the same data (collections'
// block queries), without importing this package:
//   - circles.JoinCircle: a blocked user's join of a circle the blocker
//     created is answered as an unknown invite (404);
//   - notify's recipient selection: the blocker gets no push of any kind
//     about polls the blocked user created.
//
// A block names a members record, but its effects follow the person
// (blocks.blocked_user, a hidden field the server sets from the
// membership): they hold after the blocked member leaves and rejoins
// (members rows are reused on rejoin) and in every circle of either user.
package blocks

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// Register binds the blocks hooks to app.
func Register(app core.App) {
	app.OnRecordCreateRequest(collections.Blocks).BindFunc(onBlockCreateRequest)
	app.OnRecordCreate(collections.Blocks).BindFunc(fillBlockedUser)
	app.OnRecordUpdate(collections.Blocks).BindFunc(fillBlockedUser)
}
