package dashboard

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Errors of the dashboard rules; apiError maps them to HTTP statuses.
var (
	// ErrOutboxReadOnly: a request creating or editing an outbox row (403).
	ErrOutboxReadOnly = errors.New("outbox rows are written by the dispatcher")
	// ErrOutboxRowLive: deleting an outbox row of an open poll (403).
	ErrOutboxRowLive = errors.New("outbox row of an open poll")
)

// apiError maps a dashboard error to PocketBase's error shape. API errors
// pass through; anything else is a 500 whose cause stays out of the
// message.
func apiError(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, ErrOutboxReadOnly):
		return e.ForbiddenError("Outbox rows are written by the push dispatcher only; they cannot be created or edited by hand.", nil)
	case errors.Is(err, ErrOutboxRowLive):
		return e.ForbiddenError("This poll is still open: the dispatcher would build the row again and send its pushes twice. Delete it after the poll has closed.", nil)
	default:
		return e.InternalServerError("", err)
	}
}
