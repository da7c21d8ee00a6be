package circles

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"circly/collections"
	"circly/request"
)

// Domain errors of circles, invites and memberships. apiError maps them
// to HTTP statuses, in one place.
var (
	// ErrCircleNotFound: the circle does not exist, is inactive, or the
	// caller is not an active member of it (404; the three look alike on
	// purpose, so outsiders learn nothing about circles they are not in).
	ErrCircleNotFound = errors.New("circle not found")
	// ErrInviteNotFound: no active circle has that invite code or link id (404).
	ErrInviteNotFound = errors.New("invite not found")
	// ErrInviteExpired: the invite is older than InviteTTL (410).
	ErrInviteExpired = errors.New("invite expired")
	// ErrCircleFull: the circle has max_members active members (409).
	ErrCircleFull = errors.New("circle is full")
	// ErrNicknameTaken: an active member of the circle has the same
	// NicknameKey (409).
	ErrNicknameTaken = errors.New("nickname taken")
	// ErrBlockedNickname: the nickname contains a blocked word (400,
	// data.nickname.code validation_blocked_word).
	ErrBlockedNickname = errors.New("nickname contains a blocked word")
	// ErrBlockedCircleName: the circle name contains a blocked word (400,
	// data.name.code validation_blocked_word).
	ErrBlockedCircleName = errors.New("circle name contains a blocked word")
	// ErrNotCreator: a member tried what only the circle's creator may do
	// (403; the rules return a CreatorOnlyError, which is ErrNotCreator and
	// names the action).
	ErrNotCreator = errors.New("not the circle's creator")
	// ErrNotMember: the caller leaving has no active membership in the
	// circle: it never joined, already left or was removed, or the circle
	// does not exist (404, alike for all of them).
	ErrNotMember = errors.New("not a member of the circle")
	// ErrNotOwnMembership: a member tried to change another member's row
	// (403; it sees the row, so a 404 would be a lie).
	ErrNotOwnMembership = errors.New("not the caller's own membership")
	// ErrMemberNotFound: the members record to remove does not exist or
	// belongs to another circle (404).
	ErrMemberNotFound = errors.New("member not found")
	// ErrMemberGone: the members record to remove is a former member of
	// the circle: it left or was removed already (409).
	ErrMemberGone = errors.New("member no longer in the circle")
	// ErrCannotRemoveSelf: the creator tried to remove its own membership;
	// leaving is a separate route (400).
	ErrCannotRemoveSelf = errors.New("cannot remove yourself")
	// ErrInviteCollision: no unused invite code was found after several
	// random draws (409; with 10^9 codes this does not happen in practice).
	ErrInviteCollision = errors.New("could not make a unique invite")
)

// CreatorOnlyError is ErrNotCreator for one action: Action completes the
// sentence "Only the circle's creator can …".
type CreatorOnlyError struct{ Action string }

func (e *CreatorOnlyError) Error() string { return "only the circle's creator can " + e.Action }

// Is makes a CreatorOnlyError match ErrNotCreator.
func (e *CreatorOnlyError) Is(target error) bool { return target == ErrNotCreator }

// creatorOnly is the ErrNotCreator of an action.
func creatorOnly(action string) error { return &CreatorOnlyError{Action: action} }

// Messages shared by the refusals of this package.
const (
	msgCircleNotFound = "The circle was not found."
	msgNotMember      = "You are not a member of this circle, or you have already left it."
)

// apiError maps a domain error to PocketBase's error shape. Errors that
// are already API errors pass through; anything else is a 500 whose cause
// stays out of the message.
func apiError(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, ErrCircleNotFound):
		return e.NotFoundError(msgCircleNotFound, nil)
	case errors.Is(err, ErrNotMember):
		return e.NotFoundError(msgNotMember, nil)
	case errors.Is(err, ErrInviteNotFound):
		return e.NotFoundError("This invite does not exist or is no longer valid.", nil)
	case errors.Is(err, ErrInviteExpired):
		return apis.NewApiError(http.StatusGone, "This invite has expired. Ask for a new one.", nil)
	case errors.Is(err, ErrCircleFull):
		return apis.NewApiError(http.StatusConflict, "This circle is full.", nil)
	case errors.Is(err, ErrNicknameTaken):
		return apis.NewApiError(http.StatusConflict, "This nickname is already taken in this circle.",
			request.FieldError(collections.FieldMemberNickname, "validation_nickname_taken", "This nickname is already taken in this circle."))
	case errors.Is(err, ErrBlockedNickname):
		return e.BadRequestError("This nickname contains a word that is not allowed.",
			request.FieldError(collections.FieldMemberNickname, "validation_blocked_word", "Contains a word that is not allowed."))
	case errors.Is(err, ErrBlockedCircleName):
		return e.BadRequestError("This circle name contains a word that is not allowed.",
			request.FieldError(collections.FieldCircleName, "validation_blocked_word", "Contains a word that is not allowed."))
	case errors.Is(err, ErrNotCreator):
		var co *CreatorOnlyError
		if errors.As(err, &co) {
			return e.ForbiddenError("Only the circle's creator can "+co.Action+".", nil)
		}
		return e.ForbiddenError("Only the circle's creator can do this.", nil)
	case errors.Is(err, ErrNotOwnMembership):
		return e.ForbiddenError("Only the member itself can change its nickname, avatar or muted.", nil)
	case errors.Is(err, ErrMemberNotFound):
		return e.NotFoundError("The member was not found in this circle.", nil)
	case errors.Is(err, ErrMemberGone):
		return apis.NewApiError(http.StatusConflict, "This member has already left the circle or was removed.", nil)
	case errors.Is(err, ErrCannotRemoveSelf):
		return e.BadRequestError("You cannot remove yourself; leave the circle instead.",
			request.FieldError(removeMemberKey, "validation_cannot_remove_self", "Use leave to remove yourself."))
	case errors.Is(err, ErrInviteCollision):
		return apis.NewApiError(http.StatusConflict, "Could not make a unique invite. Please try again.", nil)
	default:
		return e.InternalServerError("", err)
	}
}
