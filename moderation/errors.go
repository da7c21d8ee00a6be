package moderation

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Domain errors of reports. apiError maps them to HTTP statuses, in one
// place.
var (
	// ErrTargetNotFound: the reported member or circle does not exist, is
	// not of the given target_type, its circle is inactive, or the
	// reporter is not an active member of its circle (404; alike on
	// purpose, so nobody learns of records outside its circles).
	ErrTargetNotFound = errors.New("report target not found")
)

// apiError maps a domain error to PocketBase's error shape. Errors that
// are already API errors pass through; anything else is a 500 whose cause
// stays out of the message.
func apiError(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, ErrTargetNotFound):
		return e.NotFoundError("The reported member or circle was not found.", nil)
	default:
		return e.InternalServerError("", err)
	}
}
