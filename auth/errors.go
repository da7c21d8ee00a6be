package auth

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// Device login errors; apiError maps them to HTTP statuses, in one place.
var (
	// ErrDeviceSecretMismatch: the device is known and the secret is not
	// its secret (401).
	ErrDeviceSecretMismatch = errors.New("device secret does not match")
	// ErrUserDisabled: an operator disabled the device's account (403).
	ErrUserDisabled = errors.New("user is disabled")
	// ErrDeviceRetired: the device's account has moved to another device;
	// the id no longer signs in (401).
	ErrDeviceRetired = errors.New("device retired")
)

// Account continuity errors (API.md §11).
var (
	// ErrTransferCodeNotFound: no transfer code has that value (never
	// made, used, or replaced by a newer one) (404).
	ErrTransferCodeNotFound = errors.New("transfer code not found")
	// ErrTransferCodeExpired: the code is older than TransferCodeTTL (410).
	ErrTransferCodeExpired = errors.New("transfer code expired")
	// ErrRecoveryCodeWrong: no recovery code has that value (401).
	ErrRecoveryCodeWrong = errors.New("recovery code does not match")
	// ErrDeviceInUse: the new device already signs in to an account that is
	// an active member of a circle; moving another account onto it would
	// lose that one (409).
	ErrDeviceInUse = errors.New("device in use by another account")
	// ErrTooManyCodeAttempts: the per-code limit is reached (429).
	ErrTooManyCodeAttempts = errors.New("too many attempts with this code")
)

// apiError maps a domain error to PocketBase's error shape; anything else
// is a 500 whose cause stays out of the message.
func apiError(e *core.RequestEvent, err error) error {
	switch {
	case errors.Is(err, ErrDeviceSecretMismatch):
		return e.UnauthorizedError("The device secret does not match this device.", nil)
	case errors.Is(err, ErrUserDisabled):
		return e.ForbiddenError("This account is disabled.", nil)
	case errors.Is(err, ErrDeviceRetired):
		return e.UnauthorizedError("This device's account has moved to another device. Sign in with new device credentials.",
			request.FieldError(collections.FieldUserDeviceId, "validation_device_retired", "This device id no longer signs in."))
	case errors.Is(err, ErrTransferCodeNotFound):
		return e.NotFoundError("This transfer code does not exist or was already used.", nil)
	case errors.Is(err, ErrTransferCodeExpired):
		return apis.NewApiError(http.StatusGone, "This transfer code has expired. Make a new one on the old device.", nil)
	case errors.Is(err, ErrRecoveryCodeWrong):
		return e.UnauthorizedError("The recovery code is not valid.", nil)
	case errors.Is(err, ErrDeviceInUse):
		return apis.NewApiError(http.StatusConflict, "This device already signs in to an account that is in a circle.",
			request.FieldError(collections.FieldUserDeviceId, "validation_device_in_use", "This device already belongs to an account in a circle; leave its circles or delete it first."))
	case errors.Is(err, ErrTooManyCodeAttempts):
		return e.TooManyRequestsError("Too many attempts with this code. Try again later.", nil)
	default:
		return e.InternalServerError("", err)
	}
}
