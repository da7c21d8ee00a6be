package collections

import (
	"errors"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/router"
)

// IsUniqueViolation reports whether err is a unique index violation
// involving field, in any of the forms PocketBase passes it on: the
// driver's message, the validation errors PocketBase makes of it, or an
// API error wrapping either.
func IsUniqueViolation(err error, field string) bool {
	if err == nil {
		return false
	}
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		if raw, ok := apiErr.RawData().(error); ok && IsUniqueViolation(raw, field) {
			return true
		}
	}
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		if fe, ok := verrs[field].(validation.Error); ok && fe.Code() == "validation_not_unique" {
			return true
		}
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unique constraint failed") && strings.Contains(msg, "."+strings.ToLower(field))
}
