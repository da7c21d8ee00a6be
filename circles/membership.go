package circles

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// saveMembership makes user an active member of circle with nickname (already
// normalised): it reactivates existing (a former membership) or creates a
// new row. A nickname that another active member holds is ErrNicknameTaken:
// checked first, and the partial unique index on (circle, nickname_key)
// decides when two saves race.
func saveMembership(txApp core.App, existing *collections.Member, circle *collections.Circle, userId, nickname string) (*collections.Member, error) {
	taken, err := nicknameTaken(txApp, circle.Id, nickname, "")
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, ErrNicknameTaken
	}

	member := existing
	if member == nil {
		if member, err = collections.NewMember(txApp); err != nil {
			return nil, err
		}
		member.SetCircle(circle.Id)
		member.SetUser(userId)
	}
	member.SetNickname(nickname)
	member.SetActive(true)
	member.SetJoined(types.NowDateTime())

	if err := txApp.Save(member); err != nil {
		if collections.IsUniqueViolation(err, collections.FieldMemberNicknameKey) {
			return nil, ErrNicknameTaken
		}
		return nil, err
	}
	return member, nil
}

// nicknameTaken reports whether an active member of the circle other than
// exceptMemberId has the same NicknameKey as nickname.
func nicknameTaken(app core.App, circleId, nickname, exceptMemberId string) (bool, error) {
	return collections.NicknameTaken(app, circleId, NicknameKey(nickname), exceptMemberId)
}

// loadCircleForMember returns an active circle and the caller's active
// membership in it, or ErrCircleNotFound.
func loadCircleForMember(app core.App, circleId, userId string) (*collections.Circle, *collections.Member, error) {
	circle, err := collections.FindCircle(app, circleId)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !circle.IsActive()) {
		return nil, nil, ErrCircleNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	member, err := collections.FindActiveMember(app, circleId, userId)
	if err != nil {
		return nil, nil, err
	}
	if member == nil {
		return nil, nil, ErrCircleNotFound
	}
	return circle, member, nil
}
