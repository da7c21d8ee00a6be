package hooks

import (
	"database/sql"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	"circly/request"
)

// InviteTTL is how long an invite (code and link) stays valid after it is made.
const InviteTTL = 24 * time.Hour

// InviteCodeLength is the length of an invite code.
const InviteCodeLength = 6

// InviteLinkIdLength is the length of a new invite link id: 24 characters
// of a 64-character alphabet are 144 random bits.
const InviteLinkIdLength = 24

// InviteLinkIdAlphabet holds the URL-safe characters of an invite link id.
const InviteLinkIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// InvitePreviewPath is the public invite preview route (no auth).
const InvitePreviewPath = "/api/circly/invites/{invite_link_id}"

var (
	inviteCodeRegex   = regexp.MustCompile(collections.InviteCodePattern)
	inviteLinkIdRegex = regexp.MustCompile(collections.InviteLinkIdPattern)
)

// NewInviteCode returns a random invite code: InviteCodeLength characters of
// collections.InviteCodeAlphabet (no 0/O/1/I), drawn with crypto/rand.
//
// Why crypto/rand: a code is the only secret a stranger needs to join a
// circle within its 24 hours, so it must not be predictable from earlier
// codes. 32^6 ≈ 10^9 codes, together with the per-IP and per-user join
// limits, make guessing one impractical.
func NewInviteCode() string {
	return security.RandomStringWithAlphabet(InviteCodeLength, collections.InviteCodeAlphabet)
}

// NewInviteLinkId returns a random invite link id: InviteLinkIdLength
// URL-safe characters drawn with crypto/rand. Unlike the code, a link id is
// never typed, so it is long enough to be unguessable on its own.
func NewInviteLinkId() string {
	return security.RandomStringWithAlphabet(InviteLinkIdLength, InviteLinkIdAlphabet)
}

// maxInviteAttempts bounds the search for an unused invite code.
const maxInviteAttempts = 5

// assignFreshInvite sets a new invite code, link id and expiry on circle
// (not saved). The values are checked to be unused on app; called inside
// the transaction that saves the circle, that check is exact because
// PocketBase runs every write of the process through one connection. The
// unique indexes stay the last word: saveWithFreshInvite retries on them.
func assignFreshInvite(app core.App, circle *core.Record) error {
	code, err := unusedInviteValue(app, "invite_code", NewInviteCode)
	if err != nil {
		return err
	}
	linkId, err := unusedInviteValue(app, "invite_link_id", NewInviteLinkId)
	if err != nil {
		return err
	}
	expires, err := types.ParseDateTime(time.Now().Add(InviteTTL))
	if err != nil {
		return err
	}
	circle.Set("invite_code", code)
	circle.Set("invite_link_id", linkId)
	circle.Set("invite_expires_at", expires)
	return nil
}

func unusedInviteValue(app core.App, field string, generate func() string) (string, error) {
	for range maxInviteAttempts {
		value := generate()
		var found string
		err := app.DB().Select("id").From(collections.Circles).
			Where(dbx.HashExp{field: value}).Limit(1).Row(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return value, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", ErrInviteCollision
}

// saveWithFreshInvite gives an existing circle a fresh invite and saves it,
// retrying with new values when a unique index still refuses them.
func saveWithFreshInvite(app core.App, circle *core.Record) error {
	var err error
	for range maxInviteAttempts {
		if err = assignFreshInvite(app, circle); err != nil {
			return err
		}
		err = app.Save(circle)
		if !collections.IsUniqueViolation(err, "invite_code") && !collections.IsUniqueViolation(err, "invite_link_id") {
			return err
		}
	}
	return errors.Join(ErrInviteCollision, err)
}

// NewInvite replaces the invite of a circle with a fresh code, link id and
// expiry, so the old code and link stop working at once. Only the creator
// may do it: ErrCircleNotFound for a caller who is not an active member (or
// an unknown or inactive circle), ErrNotCreator for other members.
func NewInvite(app core.App, circleId, userId string) (*core.Record, error) {
	var circle *core.Record
	err := app.RunInTransaction(func(txApp core.App) error {
		var err error
		circle, _, err = loadCircleForMember(txApp, circleId, userId)
		if err != nil {
			return err
		}
		if circle.GetString("creator") != userId {
			return ErrNotCreator
		}
		return saveWithFreshInvite(txApp, circle)
	})
	if err != nil {
		return nil, err
	}
	return circle, nil
}

// InvitePreview is what anyone holding an invite link may see of the circle
// before joining: nothing that identifies it or its members.
type InvitePreview struct {
	CircleName      string         `json:"circle_name"`
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
	circle, err := app.FindFirstRecordByData(collections.Circles, "invite_link_id", linkId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInviteNotFound
	}
	if err != nil {
		return nil, err
	}
	if !circle.GetBool("is_active") {
		return nil, ErrInviteNotFound
	}
	if inviteExpired(circle) {
		return nil, ErrInviteExpired
	}
	count, err := countActiveMembers(app, circle.Id)
	if err != nil {
		return nil, err
	}
	return &InvitePreview{
		CircleName:      circle.GetString("name"),
		MemberCount:     count,
		MaxMembers:      circle.GetInt("max_members"),
		InviteExpiresAt: circle.GetDateTime("invite_expires_at"),
	}, nil
}

// inviteExpired reports whether the circle's current invite has expired.
func inviteExpired(circle *core.Record) bool {
	expires := circle.GetDateTime("invite_expires_at")
	return expires.IsZero() || !expires.Time().After(time.Now())
}

func (s *Service) handleInvitePreview(e *core.RequestEvent) error {
	preview, err := PreviewInvite(e.App, e.Request.PathValue("invite_link_id"))
	if err != nil {
		return circleApiError(e, err)
	}
	// the preview changes as people join; the link id must not leak onward
	e.Response.Header().Set("Cache-Control", "no-store")
	e.Response.Header().Set("Referrer-Policy", "no-referrer")
	return e.JSON(http.StatusOK, preview)
}

func (s *Service) handleNewInvite(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := request.Read(e); err != nil {
		return err
	}
	circle, err := NewInvite(e.App, e.Request.PathValue("id"), user.Id)
	if err != nil {
		return circleApiError(e, err)
	}
	return request.RecordResponse(e, circle)
}
