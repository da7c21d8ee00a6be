package collections

import "github.com/pocketbase/pocketbase/core"

// NewMembers defines the members collection: one row per (circle, user),
// made active again when a former member rejoins.
//
// nickname_key is the nickname normalised for comparison (see
// circles.NicknameKey); a partial unique index on (circle, nickname_key) among
// active rows makes "nickname taken" hold even under concurrent joins.
// Nobody creates or deletes members through the collection API: join, leave
// and remove are custom routes. A member may change only its own nickname,
// avatar and muted (no pushes about the circle, API.md §9): the update rule
// lets every active member of the circle through (they see each other's
// rows) and the circles package's update hook answers 403 for another
// member's row (see ApplyMemberWriteRules).
func NewMembers() *core.Collection {
	c := core.NewBaseCollection(Members, MembersId)

	c.Fields.Add(&core.RelationField{Name: "circle", Required: true, CollectionId: CirclesId, CascadeDelete: true, MaxSelect: 1})
	// not required: a user who deletes itself leaves the row behind, unlinked
	c.Fields.Add(&core.RelationField{Name: "user", CollectionId: UsersId, MaxSelect: 1})
	c.Fields.Add(&core.TextField{Name: "nickname", Required: true, Min: 1, Max: 20})
	c.Fields.Add(&core.TextField{Name: "nickname_key", Hidden: true, Max: 200,
		Help: "Set by the server from nickname: its look-alike key (case, width and confusable letters folded). Two active members of a circle cannot share one."})
	c.Fields.Add(&core.FileField{
		Name:      "avatar",
		MaxSelect: 1,
		// API.md §10: fetching it needs a file token of a user the
		// collection's view rule lets read the record
		Protected: true,
		MaxSize:   maxImageSize,
		MimeTypes: imageMimeTypes,
		Thumbs:    imageThumbs,
	})
	c.Fields.Add(&core.BoolField{Name: "is_active"})
	c.Fields.Add(newMutedField())
	c.Fields.Add(newHiddenField("Set by the server from the reports (see the reports collection): while true, users see 숨겨진 멤버 and no avatar."))
	c.Fields.Add(&core.DateField{Name: "joined"})

	member := activeMemberOf("circle")
	c.ListRule = ptr(member)
	c.ViewRule = ptr(member)
	c.CreateRule = nil
	ApplyMemberWriteRules(c)

	c.AddIndex("idx_members_circle_user", true, "circle, user", "user != ''")
	c.AddIndex("idx_members_circle_nickname", true, "circle, nickname_key", "is_active = TRUE")
	c.AddIndex("idx_members_user_circle_active", false, "user, circle, is_active", "")
	c.AddIndex("idx_members_circle_joined", false, "circle, is_active, joined", "")

	return c
}

// newMutedField is members.muted: the member gets no push about the circle
// (API.md §7, §9). Default false.
func newMutedField() *core.BoolField {
	return &core.BoolField{Name: FieldMemberMuted}
}
