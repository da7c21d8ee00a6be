package blocks

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"circly/collections"
	"circly/request"
)

// Errors of the block rules; apiError maps them to HTTP statuses.
var (
	// ErrMemberRequired: a block without blocked_member (400).
	ErrMemberRequired = errors.New("blocked_member required")
	// ErrMemberNotFound: the membership does not exist, belongs to a deleted
	// account, or is in a circle the caller is not an active member of
	// (404; alike on purpose, so nobody learns about other circles).
	ErrMemberNotFound = errors.New("member not found")
	// ErrBlockSelf: the membership is the caller's own (400).
	ErrBlockSelf = errors.New("cannot block yourself")
)

// apiError maps a domain error to PocketBase's error shape. API errors
// pass through; anything else is a 500 whose cause stays out of the
// message.
func apiError(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, ErrMemberRequired):
		return e.BadRequestError("Send blocked_member.",
			request.FieldError(collections.FieldBlockBlockedMember, "validation_required", "Cannot be blank."))
	case errors.Is(err, ErrMemberNotFound):
		return e.NotFoundError("The member was not found.", nil)
	case errors.Is(err, ErrBlockSelf):
		return e.BadRequestError("You cannot block yourself.",
			request.FieldError(collections.FieldBlockBlockedMember, "validation_cannot_block_self", "You cannot block yourself."))
	default:
		return e.InternalServerError("", err)
	}
}
