package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindBlock returns the block of (blocker, blocked member), or nil.
func FindBlock(app core.App, blockerId, memberId string) (*Block, error) {
	r, err := app.FindFirstRecordByFilter(Blocks,
		FieldBlockBlocker+" = {:blocker} && "+FieldBlockBlockedMember+" = {:member}",
		dbx.Params{"blocker": blockerId, "member": memberId})
	return wrapOptional(r, err, AsBlock)
}

// HasBlocked reports whether blockerId has blocked userId (through any of
// userId's memberships). Empty ids never match.
func HasBlocked(app core.App, blockerId, userId string) (bool, error) {
	if blockerId == "" || userId == "" {
		return false, nil
	}
	var n int
	err := app.DB().Select("count(*)").From(Blocks).
		Where(dbx.HashExp{FieldBlockBlockedUser: userId, FieldBlockBlocker: blockerId}).Row(&n)
	return n > 0, err
}

// BlockersOf lists the users who have blocked userId, each once, in no
// particular order ("" lists none).
func BlockersOf(app core.App, userId string) ([]string, error) {
	out := []string{}
	if userId == "" {
		return out, nil
	}
	err := app.DB().Select(FieldBlockBlocker).Distinct(true).From(Blocks).
		Where(dbx.HashExp{FieldBlockBlockedUser: userId}).Column(&out)
	return out, err
}
