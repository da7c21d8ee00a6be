package collections

import "github.com/pocketbase/pocketbase/core"

// InviteCodeAlphabet holds the characters of an invite code: upper-case
// letters and digits without the look-alikes 0/O and 1/I.
const InviteCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// InviteCodePattern is the stored shape of an invite code.
const InviteCodePattern = `^[A-HJ-NP-Z2-9]{6}$`

// InviteLinkIdPattern is the stored shape of an invite link id (URL-safe).
const InviteLinkIdPattern = `^[A-Za-z0-9_-]{22,64}$`

// NewCircles defines the circles collection: a group of up to 50 friends.
//
// Only active members of a circle can list, view or subscribe to it. Only the
// creator may update it, and only name, max_members and image, or delete it:
// the update and delete rules let every active member through and the
// circles package's hooks answer the other members 403 (a member sees the
// circle; strangers get the rules' 404, see ApplyMemberWriteRules). The
// update hook refuses other fields and max_members below the member count;
// hooks fill creator, the invite fields and is_active. member_count is derived:
// the circles package recounts it on every save of a circle and of a
// membership (see RecountMembers), so nobody writes it.
func NewCircles() *core.Collection {
	c := core.NewBaseCollection(Circles, CirclesId)

	c.Fields.Add(&core.TextField{Name: "name", Required: true, Min: 1, Max: 100})
	c.Fields.Add(&core.TextField{Name: "invite_code", Required: true, Min: 6, Max: 6, Pattern: InviteCodePattern})
	c.Fields.Add(&core.TextField{Name: "invite_link_id", Required: true, Min: 22, Max: 64, Pattern: InviteLinkIdPattern})
	c.Fields.Add(&core.DateField{Name: "invite_expires_at", Required: true})
	c.Fields.Add(&core.NumberField{Name: "max_members", Required: true, Min: floatPtr(2), Max: floatPtr(50), OnlyInt: true})
	c.Fields.Add(newMemberCountField())
	c.Fields.Add(&core.RelationField{Name: "creator", CollectionId: UsersId, MaxSelect: 1})
	c.Fields.Add(&core.BoolField{Name: "is_active"})
	c.Fields.Add(&core.FileField{
		Name:      "image",
		MaxSelect: 1,
		// API.md §10: fetching it needs a file token of a user the
		// collection's view rule lets read the record
		Protected: true,
		MaxSize:   maxImageSize,
		MimeTypes: imageMimeTypes,
		Thumbs:    imageThumbs,
	})
	c.Fields.Add(newHiddenField("Set by the server from the reports (see the reports collection): while true, users see 숨겨진 서클 and no image."))
	autodates(c)

	member := activeMemberOf("id")
	c.ListRule = ptr(`is_active = true && ` + member)
	c.ViewRule = ptr(`is_active = true && ` + member)
	c.CreateRule = ptr(signedInUser)
	ApplyMemberWriteRules(c)

	c.AddIndex("idx_circles_invite_code", true, "invite_code", "")
	c.AddIndex("idx_circles_invite_link_id", true, "invite_link_id", "")
	c.AddIndex("idx_circles_creator", false, "creator", "")

	return c
}

// newMemberCountField is circles.member_count: the number of active members
// (API.md §9). Not required: a deleted or emptied circle has 0.
func newMemberCountField() *core.NumberField {
	return &core.NumberField{Name: FieldCircleMemberCount, Min: floatPtr(0), OnlyInt: true,
		Help: "Active members; kept by the server (recomputed on every save)."}
}
