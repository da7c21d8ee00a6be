package circles

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// DefaultMaxMembers is a new circle's max_members when the app sends none.
const DefaultMaxMembers = 50

// creatorNicknameKey is the body key of a circle create that carries the
// creator's nickname: not a circle field, the nickname of the creator's
// membership.
const creatorNicknameKey = collections.FieldMemberNickname

// onCircleCreateRequest fills what the server decides on a new circle and
// makes its creator the first member, in the same transaction as the
// circle: a circle is never left without its creator's membership.
//
// The client sends name, nickname (not a circle field: the creator's
// nickname in it) and optionally max_members and image. creator,
// is_active and the invite fields are overwritten whatever the client
// sent, so nobody can pick a known invite code or make a circle for
// someone else.
func onCircleCreateRequest(e *core.RecordRequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	circle := collections.AsCircle(e.Record)

	// superusers (the dashboard) create circles without a membership; the
	// invite is still the server's
	if info.HasSuperuserAuth() {
		if err := assignFreshInvite(e.App, circle); err != nil {
			return apiError(e.RequestEvent, err)
		}
		if circle.MaxMembers() == 0 {
			circle.SetMaxMembers(DefaultMaxMembers)
		}
		return e.Next()
	}

	// the create rule lets only signed-in users of the users collection here
	user := e.Auth
	nickname, err := NormalizeNickname(request.BodyString(info.Body, creatorNicknameKey))
	if err != nil {
		return e.BadRequestError("Invalid nickname.", nicknameFieldError(err))
	}
	if err := checkCircleNameWords(e.App, circle.Name()); err != nil {
		return apiError(e.RequestEvent, err)
	}
	if err := checkNicknameWords(e.App, nickname); err != nil {
		return apiError(e.RequestEvent, err)
	}

	circle.SetCreator(user.Id)
	circle.SetActive(true)
	if info.Body[collections.FieldCircleMaxMembers] == nil {
		circle.SetMaxMembers(DefaultMaxMembers)
	}

	if err := createWithCreator(e, circle, user.Id, nickname); err != nil {
		if isInviteCollision(err) {
			err = ErrInviteCollision
		}
		return apiError(e.RequestEvent, err)
	}
	return nil
}

// createWithCreator saves the new circle (the rest of the create request)
// with a fresh invite and its creator's membership, in one transaction.
func createWithCreator(e *core.RecordRequestEvent, circle *collections.Circle, userId, nickname string) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		if err := assignFreshInvite(txApp, circle); err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		if _, err := saveMembership(txApp, nil, circle, userId, nickname); err != nil {
			return err
		}
		// the membership's save stored member_count 1; the answer (written
		// at commit) and the create event show the record as it is here
		n, err := collections.CountActiveMembers(txApp, circle.Id)
		circle.SetMemberCount(n)
		return err
	})
}

// onCircleUpdateRequest lets only the creator update a circle (the update
// rule lets every active member here: they see the circle, so the others
// get a 403, not a 404), keeps it to name, max_members and image, and
// refuses a max_members below the number of active members.
func onCircleUpdateRequest(e *core.RecordRequestEvent) error {
	if err := requireCreator(e, "change the circle's name, max_members or image"); err != nil {
		return err
	}
	if err := request.OnlyBodyKeys(e.RequestEvent,
		collections.FieldCircleName, collections.FieldCircleMaxMembers, collections.FieldCircleImage); err != nil {
		return err
	}
	circle := collections.AsCircle(e.Record)
	// superusers (the dashboard) rename freely; a creator's new name is
	// checked, an unchanged one is not (the app may send the whole form)
	if !e.HasSuperuserAuth() && circle.Name() != collections.AsCircle(e.Record.Original()).Name() {
		if err := checkCircleNameWords(e.App, circle.Name()); err != nil {
			return apiError(e.RequestEvent, err)
		}
	}
	if circle.MaxMembers() == collections.AsCircle(e.Record.Original()).MaxMembers() {
		return e.Next()
	}

	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		// counted under the write lock, so a join cannot slip in between
		// the check and the save
		if err := lockCircle(txApp, circle.Id); err != nil {
			return apiError(e.RequestEvent, err)
		}
		count, err := collections.CountActiveMembers(txApp, circle.Id)
		if err != nil {
			return err
		}
		if circle.MaxMembers() < count {
			return e.BadRequestError("The circle's max_members cannot be below its current member count.",
				request.FieldError(collections.FieldCircleMaxMembers, "validation_max_members_below_count",
					fmt.Sprintf("Must be at least %d, the current member count.", count)))
		}
		return e.Next()
	})
}

// requireCreator refuses a circle update or delete by anyone but the
// circle's creator as stored (the body cannot make one the creator) with
// the 403 of action; superusers (the dashboard) pass.
func requireCreator(e *core.RecordRequestEvent, action string) error {
	if e.HasSuperuserAuth() {
		return nil
	}
	if e.Auth == nil || collections.AsCircle(e.Record.Original()).Creator() != e.Auth.Id {
		return apiError(e.RequestEvent, creatorOnly(action))
	}
	return nil
}
