package circles

import (
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// InvitePreviewPath is the public invite preview route (no auth).
const InvitePreviewPath = "/api/circly/invites/{invite_link_id}"

// InvitePreview is what anyone holding an invite link may see of the circle
// before joining: nothing that identifies it or its members.
type InvitePreview struct {
	CircleName      string         `json:"circle_name"`
	Hidden          bool           `json:"hidden"` // reports hide the circle: CircleName is collections.HiddenCircleName
	MemberCount     int            `json:"member_count"`
	MaxMembers      int            `json:"max_members"`
	InviteExpiresAt types.DateTime `json:"invite_expires_at"`
}

// PreviewInvite returns the preview of the circle an invite link id opens.
// Errors: ErrInviteNotFound (unknown, malformed or replaced link id, or
// inactive circle), ErrInviteExpired.
func PreviewInvite(app core.App, linkId string) (*InvitePreview, error) {
	// a malformed id is answered without a query
	if !inviteLinkIdRegex.MatchString(linkId) {
		return nil, ErrInviteNotFound
	}
	circle, err := collections.FindCircleByInviteLinkId(app, linkId)
	if err != nil {
		return nil, err
	}
	if circle == nil || !circle.IsActive() {
		return nil, ErrInviteNotFound
	}
	if inviteExpired(circle) {
		return nil, ErrInviteExpired
	}
	return &InvitePreview{
		CircleName:      circle.ShownName(),
		Hidden:          circle.Hidden(),
		MemberCount:     circle.MemberCount(),
		MaxMembers:      circle.MaxMembers(),
		InviteExpiresAt: circle.InviteExpiresAt(),
	}, nil
}

// inviteExpired reports whether the circle's current invite has expired.
func inviteExpired(circle *collections.Circle) bool {
	expires := circle.InviteExpiresAt()
	return expires.IsZero() || !expires.Time().After(time.Now())
}

func handleInvitePreview(e *core.RequestEvent) error {
	preview, err := PreviewInvite(e.App, e.Request.PathValue("invite_link_id"))
	if err != nil {
		return apiError(e, err)
	}
	// the preview changes as people join; the link id must not leak onward
	e.Response.Header().Set("Cache-Control", "no-store")
	e.Response.Header().Set("Referrer-Policy", "no-referrer")
	return e.JSON(http.StatusOK, preview)
}
