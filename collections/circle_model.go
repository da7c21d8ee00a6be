package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the circles collection (see NewCircles).
const (
	FieldCircleName            = "name"
	FieldCircleInviteCode      = "invite_code"
	FieldCircleInviteLinkId    = "invite_link_id"
	FieldCircleInviteExpiresAt = "invite_expires_at"
	FieldCircleMaxMembers      = "max_members"
	FieldCircleMemberCount     = "member_count"
	FieldCircleCreator         = "creator"
	FieldCircleIsActive        = "is_active"
	FieldCircleImage           = "image"
)

var (
	_ core.Model        = (*Circle)(nil)
	_ core.PreValidator = (*Circle)(nil)
	_ core.RecordProxy  = (*Circle)(nil)
)

// Circle is a typed record of the circles collection.
type Circle struct {
	*core.Record
}

// AsCircle wraps a circles record (nil stays nil). The record is shared,
// not copied: setters change it.
func AsCircle(r *core.Record) *Circle {
	if r == nil {
		return nil
	}
	return &Circle{Record: r}
}

// NewCircle returns a blank, unsaved circle.
func NewCircle(app core.App) (*Circle, error) {
	r, err := newRecord(app, Circles)
	return wrapOne(r, err, AsCircle)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a circles record.
func (c *Circle) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(c.Record, Circles)
}

// ProxyRecord returns the wrapped record.
func (c *Circle) ProxyRecord() *core.Record { return c.Record }

// SetProxyRecord replaces the wrapped record.
func (c *Circle) SetProxyRecord(r *core.Record) { c.Record = r }

// Name returns the circle's name.
func (c *Circle) Name() string { return c.GetString(FieldCircleName) }

// SetName sets the circle's name.
func (c *Circle) SetName(name string) { c.Set(FieldCircleName, name) }

// InviteCode returns the current 6-character invite code.
func (c *Circle) InviteCode() string { return c.GetString(FieldCircleInviteCode) }

// SetInviteCode sets the invite code.
func (c *Circle) SetInviteCode(code string) { c.Set(FieldCircleInviteCode, code) }

// InviteLinkId returns the current invite link id.
func (c *Circle) InviteLinkId() string { return c.GetString(FieldCircleInviteLinkId) }

// SetInviteLinkId sets the invite link id.
func (c *Circle) SetInviteLinkId(id string) { c.Set(FieldCircleInviteLinkId, id) }

// InviteExpiresAt returns when the current invite stops working.
func (c *Circle) InviteExpiresAt() types.DateTime { return c.GetDateTime(FieldCircleInviteExpiresAt) }

// SetInviteExpiresAt sets when the current invite stops working.
func (c *Circle) SetInviteExpiresAt(t types.DateTime) { c.Set(FieldCircleInviteExpiresAt, t) }

// MaxMembers returns the most active members the circle may have.
func (c *Circle) MaxMembers() int { return c.GetInt(FieldCircleMaxMembers) }

// SetMaxMembers sets the most active members the circle may have.
func (c *Circle) SetMaxMembers(n int) { c.Set(FieldCircleMaxMembers, n) }

// MemberCount returns the stored number of active members (kept equal to
// them on every save; see RecountMembers).
func (c *Circle) MemberCount() int { return c.GetInt(FieldCircleMemberCount) }

// SetMemberCount sets the number of active members. Only the recount
// does; any value set otherwise is replaced on the next save.
func (c *Circle) SetMemberCount(n int) { c.Set(FieldCircleMemberCount, n) }

// Creator returns the users id of the circle's creator ("" once gone).
func (c *Circle) Creator() string { return c.GetString(FieldCircleCreator) }

// SetCreator sets the users id of the circle's creator.
func (c *Circle) SetCreator(userId string) { c.Set(FieldCircleCreator, userId) }

// IsActive reports whether the circle is in use (false after its soft
// delete or when its last member left).
func (c *Circle) IsActive() bool { return c.GetBool(FieldCircleIsActive) }

// SetActive makes the circle active or inactive.
func (c *Circle) SetActive(active bool) { c.Set(FieldCircleIsActive, active) }

// Image returns the stored file name of the circle's picture, or "".
func (c *Circle) Image() string { return c.GetString(FieldCircleImage) }

// SetImage uploads f as the circle's picture on the next save; nil removes
// the picture.
func (c *Circle) SetImage(f *filesystem.File) {
	if f == nil {
		c.Set(FieldCircleImage, "")
		return
	}
	c.Set(FieldCircleImage, f)
}

// Created returns when the circle was created.
func (c *Circle) Created() types.DateTime { return c.GetDateTime(FieldCreated) }

// Updated returns when the circle was last saved.
func (c *Circle) Updated() types.DateTime { return c.GetDateTime(FieldUpdated) }

// Hidden reports whether reports hide the circle's name and image from
// users (API.md §10).
func (c *Circle) Hidden() bool { return c.GetBool(FieldHidden) }

// SetHidden hides or shows the circle. Only the moderation package does,
// from the reports.
func (c *Circle) SetHidden(hidden bool) { c.Set(FieldHidden, hidden) }

// ShownName returns the name users see: HiddenCircleName while the circle
// is hidden.
func (c *Circle) ShownName() string {
	if c.Hidden() {
		return HiddenCircleName
	}
	return c.Name()
}
