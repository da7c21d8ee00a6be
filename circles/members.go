package circles

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

func (s *Service) registerMembers(app core.App) {
	// nickname_key follows nickname on every save path (request, join,
	// dashboard, Go code), so the partial unique index on (circle,
	// nickname_key) always compares what NicknameKey says.
	app.OnRecordCreate(collections.Members).BindFunc(syncNicknameKey)
	app.OnRecordUpdate(collections.Members).BindFunc(syncNicknameKey)
	app.OnRecordValidate(collections.Members).BindFunc(validateMemberNickname)

	app.OnRecordUpdateRequest(collections.Members).BindFunc(onMemberUpdateRequest)

	app.OnRecordDelete(collections.Users).BindFunc(onUserDelete)
}

// syncNicknameKey stores a valid nickname in its normalised form and
// computes nickname_key from it. An invalid nickname is left as it is for
// validateMemberNickname to refuse.
func syncNicknameKey(e *core.RecordEvent) error {
	m := collections.AsMember(e.Record)
	nickname := m.Nickname()
	if normalized, err := NormalizeNickname(nickname); err == nil {
		nickname = normalized
		m.SetNickname(nickname)
	}
	key := NicknameKey(nickname)
	// a member that kept, through a change of the key, a nickname another
	// active member held first keeps its own key while the nickname stays
	// (collections.RekeyNicknames)
	if !e.Record.IsNew() && nickname == collections.AsMember(e.Record.Original()).Nickname() &&
		collections.IsDuplicateKeyOf(m.NicknameKey(), key) {
		return e.Next()
	}
	m.SetNicknameKey(key)
	return e.Next()
}

// validateMemberNickname applies the nickname rules to new and changed
// nicknames (rows saved before a rule change are not blocked from other
// updates such as leaving).
func validateMemberNickname(e *core.RecordEvent) error {
	nickname := collections.AsMember(e.Record).Nickname()
	if e.Record.IsNew() || nickname != collections.AsMember(e.Record.Original()).Nickname() {
		if _, err := NormalizeNickname(nickname); err != nil {
			return nicknameFieldError(err)
		}
	}
	return e.Next()
}

// onMemberUpdateRequest lets a member change only its own nickname, avatar
// and muted (the update rule lets every active member of the circle here:
// they see each other's rows, so another member's row is a 403, not a
// 404). A nickname another active member of the circle holds, by
// NicknameKey, is a 409 — also when two renames race, through the unique
// index.
func onMemberUpdateRequest(e *core.RecordRequestEvent) error {
	if !e.HasSuperuserAuth() && (e.Auth == nil || collections.AsMember(e.Record.Original()).User() != e.Auth.Id) {
		return apiError(e.RequestEvent, ErrNotOwnMembership)
	}
	if err := request.OnlyBodyKeys(e.RequestEvent,
		collections.FieldMemberNickname, collections.FieldMemberAvatar, collections.FieldMemberMuted); err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	if _, ok := info.Body[collections.FieldMemberMuted]; ok {
		if _, ok := boolFromBody(request.RawBodyValue(e.RequestEvent, collections.FieldMemberMuted, info.Body)); !ok {
			return e.BadRequestError("Set muted to true or false.",
				request.FieldError(collections.FieldMemberMuted, "validation_invalid_bool", "Must be true or false."))
		}
	}
	if _, ok := info.Body[collections.FieldMemberNickname]; ok {
		if err := renameMember(e, request.BodyString(info.Body, collections.FieldMemberNickname)); err != nil {
			return err
		}
	}

	err = e.Next()
	if collections.IsUniqueViolation(err, collections.FieldMemberNicknameKey) {
		return apiError(e.RequestEvent, ErrNicknameTaken)
	}
	return err
}

// renameMember sets the request's new nickname, normalised, on the member
// being updated: 400 when it is invalid or contains a blocked word (when
// it changes), 409 when another active member of the circle holds it.
func renameMember(e *core.RecordRequestEvent, raw string) error {
	nickname, err := NormalizeNickname(raw)
	if err != nil {
		return e.BadRequestError("Invalid nickname.", nicknameFieldError(err))
	}
	member := collections.AsMember(e.Record)
	if nickname != collections.AsMember(e.Record.Original()).Nickname() {
		if err := checkNicknameWords(e.App, nickname); err != nil {
			return apiError(e.RequestEvent, err)
		}
	}
	member.SetNickname(nickname)
	taken, err := nicknameTaken(e.App, member.Circle(), nickname, member.Id)
	if err != nil {
		return apiError(e.RequestEvent, err)
	}
	if taken {
		return apiError(e.RequestEvent, ErrNicknameTaken)
	}
	return nil
}

// boolFromBody reads a bool sent as JSON or as its text form ("true" /
// "false", as multipart forms send it); anything else, null included, is
// refused (ok false) rather than read as false the way PocketBase's bool
// field would.
func boolFromBody(v any) (value bool, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// onUserDelete ends a deleting user's active memberships, in the delete's
// transaction, as if it left each circle: creatorship passes on and
// emptied circles become inactive. The member rows stay (unlinked from the
// user by PocketBase) so polls that named them keep their options.
func onUserDelete(e *core.RecordEvent) error {
	return inTransaction(e, func(txApp core.App) error {
		if err := EndUserMemberships(txApp, e.Record.Id); err != nil {
			return err
		}
		return e.Next()
	})
}
