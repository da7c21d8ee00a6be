package auth

import (
	"errors"

	"github.com/pocketbase/pocketbase/core"
)

// Device login errors; apiError maps them to HTTP statuses, in one place.
var (
	// ErrDeviceSecretMismatch: the device is known and the secret is not
	// its secret (401).
	ErrDeviceSecretMismatch = errors.New("device secret does not match")
	// ErrUserDisabled: an operator disabled the device's account (403).
	ErrUserDisabled = errors.New("user is disabled")
)

// apiError maps a domain error to PocketBase's error shape; anything else
// is a 500 whose cause stays out of the message.
func apiError(e *core.RequestEvent, err error) error {
	switch {
	case errors.Is(err, ErrDeviceSecretMismatch):
		return e.UnauthorizedError("The device secret does not match this device.", nil)
	case errors.Is(err, ErrUserDisabled):
		return e.ForbiddenError("This account is disabled.", nil)
	default:
		return e.InternalServerError("", err)
	}
}
