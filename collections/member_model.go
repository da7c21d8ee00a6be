package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the members collection (see NewMembers).
const (
	FieldMemberCircle      = "circle"
	FieldMemberUser        = "user"
	FieldMemberNickname    = "nickname"
	FieldMemberNicknameKey = "nickname_key"
	FieldMemberAvatar      = "avatar"
	FieldMemberIsActive    = "is_active"
	FieldMemberMuted       = "muted"
	FieldMemberJoined      = "joined"
)

var (
	_ core.Model        = (*Member)(nil)
	_ core.PreValidator = (*Member)(nil)
	_ core.RecordProxy  = (*Member)(nil)
)

// Member is a typed record of the members collection: one user's
// membership of one circle, current or former.
type Member struct {
	*core.Record
}

// AsMember wraps a members record (nil stays nil). The record is shared,
// not copied: setters change it.
func AsMember(r *core.Record) *Member {
	if r == nil {
		return nil
	}
	return &Member{Record: r}
}

// NewMember returns a blank, unsaved membership.
func NewMember(app core.App) (*Member, error) {
	r, err := newRecord(app, Members)
	return wrapOne(r, err, AsMember)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a members record.
func (m *Member) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(m.Record, Members)
}

// ProxyRecord returns the wrapped record.
func (m *Member) ProxyRecord() *core.Record { return m.Record }

// SetProxyRecord replaces the wrapped record.
func (m *Member) SetProxyRecord(r *core.Record) { m.Record = r }

// Circle returns the circle's id.
func (m *Member) Circle() string { return m.GetString(FieldMemberCircle) }

// SetCircle sets the circle's id.
func (m *Member) SetCircle(circleId string) { m.Set(FieldMemberCircle, circleId) }

// User returns the member's users id ("" once the user deleted itself).
func (m *Member) User() string { return m.GetString(FieldMemberUser) }

// SetUser sets the member's users id.
func (m *Member) SetUser(userId string) { m.Set(FieldMemberUser, userId) }

// Nickname returns the member's nickname in the circle.
func (m *Member) Nickname() string { return m.GetString(FieldMemberNickname) }

// SetNickname sets the nickname. The members save hooks keep nickname_key
// in step; code running without them sets it too (SetNicknameKey).
func (m *Member) SetNickname(nickname string) { m.Set(FieldMemberNickname, nickname) }

// NicknameKey returns the nickname normalised for comparison (hidden field).
func (m *Member) NicknameKey() string { return m.GetString(FieldMemberNicknameKey) }

// SetNicknameKey sets the comparison key of the nickname.
func (m *Member) SetNicknameKey(key string) { m.Set(FieldMemberNicknameKey, key) }

// Avatar returns the stored file name of the member's picture, or "".
func (m *Member) Avatar() string { return m.GetString(FieldMemberAvatar) }

// SetAvatar uploads f as the member's picture on the next save; nil
// removes the picture.
func (m *Member) SetAvatar(f *filesystem.File) {
	if f == nil {
		m.Set(FieldMemberAvatar, "")
		return
	}
	m.Set(FieldMemberAvatar, f)
}

// IsActive reports whether the membership is current (false after leaving
// or being removed).
func (m *Member) IsActive() bool { return m.GetBool(FieldMemberIsActive) }

// SetActive starts or ends the membership.
func (m *Member) SetActive(active bool) { m.Set(FieldMemberIsActive, active) }

// Muted reports whether the member turned off pushes about the circle.
func (m *Member) Muted() bool { return m.GetBool(FieldMemberMuted) }

// SetMuted turns pushes about the circle off (true) or on for the member.
func (m *Member) SetMuted(muted bool) { m.Set(FieldMemberMuted, muted) }

// Joined returns when the member (last) joined; it orders options and
// creatorship hand-over.
func (m *Member) Joined() types.DateTime { return m.GetDateTime(FieldMemberJoined) }

// SetJoined sets the join time.
func (m *Member) SetJoined(t types.DateTime) { m.Set(FieldMemberJoined, t) }

// Hidden reports whether reports hide the member's nickname and avatar
// from users (API.md §10).
func (m *Member) Hidden() bool { return m.GetBool(FieldHidden) }

// SetHidden hides or shows the member. Only the moderation package does,
// from the reports.
func (m *Member) SetHidden(hidden bool) { m.Set(FieldHidden, hidden) }

// ShownNickname returns the nickname users see: HiddenMemberNickname while
// the member is hidden.
func (m *Member) ShownNickname() string {
	if m.Hidden() {
		return HiddenMemberNickname
	}
	return m.Nickname()
}
