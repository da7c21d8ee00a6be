package circles

import (
	"errors"

	validation "github.com/pocketbase/ozzo-validation/v4"

	"circly/collections"
	"circly/names"
	"circly/request"
)

// The nickname rules are the names package's (names.NormalizeNickname,
// names.Key); circles applies them to memberships.

// NicknameMaxLength is the longest nickname, in code points after normalisation.
const NicknameMaxLength = names.NicknameMaxLength

// Nickname errors returned by NormalizeNickname.
var (
	ErrNicknameRequired = names.ErrNicknameRequired
	ErrNicknameTooLong  = names.ErrNicknameTooLong
	ErrNicknameInvalid  = names.ErrNicknameInvalid
)

// NormalizeNickname returns the form of a nickname that Circly stores and
// shows, or why it cannot be used (names.NormalizeNickname).
func NormalizeNickname(s string) (string, error) { return names.NormalizeNickname(s) }

// NicknameKey returns the comparison key of a nickname: two nicknames with
// the same key — the same up to case and look-alike characters
// (names.Key) — count as the same nickname within a circle.
// members.nickname_key holds it.
func NicknameKey(s string) string { return names.Key(s) }

// nicknameFieldError returns the validation error data of a refused nickname.
func nicknameFieldError(err error) validation.Errors {
	switch {
	case errors.Is(err, ErrNicknameRequired):
		return request.FieldError(collections.FieldMemberNickname, "validation_required", "Cannot be blank.")
	case errors.Is(err, ErrNicknameTooLong):
		return request.FieldError(collections.FieldMemberNickname, "validation_length_out_of_range", "Must be between 1 and 20 characters.")
	default:
		return request.FieldError(collections.FieldMemberNickname, "validation_invalid_nickname", "The nickname contains control, invisible or invalid characters.")
	}
}
