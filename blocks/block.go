package blocks

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// CheckBlock decides whether userId may block the person behind the
// membership memberId, and returns that person's users id and the block
// that already exists (nil when none).
//
// Errors: ErrMemberRequired, ErrMemberNotFound (unknown membership, one of
// a deleted account, or one in a circle userId is not an active member of;
// a former member's row in the caller's circle may be blocked, so a person
// who left can be kept from rejoining), ErrBlockSelf.
func CheckBlock(app core.App, userId, memberId string) (blockedUser string, existing *collections.Block, err error) {
	if memberId == "" {
		return "", nil, ErrMemberRequired
	}
	member, err := collections.FindMember(app, memberId)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrMemberNotFound
	}
	if err != nil {
		return "", nil, err
	}
	mine, err := collections.FindActiveMember(app, member.Circle(), userId)
	if err != nil {
		return "", nil, err
	}
	if mine == nil || member.User() == "" {
		return "", nil, ErrMemberNotFound
	}
	if member.User() == userId {
		return "", nil, ErrBlockSelf
	}
	existing, err = collections.FindBlock(app, userId, memberId)
	if err != nil {
		return "", nil, err
	}
	return member.User(), existing, nil
}

// onBlockCreateRequest is the only way an app user creates a block: the
// body is {blocked_member}; the server sets blocker (and, through
// fillBlockedUser, blocked_user). Blocking the same membership again
// answers 200 with the existing block, also when two requests race (the
// unique index on (blocker, blocked_member) refuses the second insert,
// which then answers the first one's row).
//
// Superusers (the dashboard) create rows as they write them.
func onBlockCreateRequest(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	if err := request.OnlyBodyKeys(e.RequestEvent, collections.FieldBlockBlockedMember); err != nil {
		return err
	}
	user, err := request.RequireUser(e.RequestEvent)
	if err != nil {
		return err
	}
	block := collections.AsBlock(e.Record)
	memberId := block.BlockedMember()

	_, existing, err := CheckBlock(e.App, user.Id, memberId)
	if err != nil {
		return apiError(e.RequestEvent, err)
	}
	if existing != nil {
		return request.RecordResponse(e.RequestEvent, existing.Record)
	}

	block.SetBlocker(user.Id)
	if err := e.Next(); err != nil {
		// a concurrent request made the same block first
		if again, findErr := collections.FindBlock(e.App, user.Id, memberId); findErr == nil && again != nil {
			return request.RecordResponse(e.RequestEvent, again.Record)
		}
		return err
	}
	return nil
}

// fillBlockedUser keeps blocks.blocked_user the user behind
// blocked_member whenever a save sets or changes blocked_member, whoever
// saves (the create hook, the dashboard). A membership emptied because its
// row was deleted leaves blocked_user as it was, so the block holds.
func fillBlockedUser(e *core.RecordEvent) error {
	block := collections.AsBlock(e.Record)
	memberId := block.BlockedMember()
	changed := e.Record.IsNew() || memberId != collections.AsBlock(e.Record.Original()).BlockedMember()
	if memberId != "" && changed {
		member, err := collections.FindMember(e.App, memberId)
		if err != nil {
			return fmt.Errorf("blocked member %s: %w", memberId, err)
		}
		if member.User() == "" {
			return fmt.Errorf("blocked member %s has no user", memberId)
		}
		block.SetBlockedUser(member.User())
	}
	return e.Next()
}
