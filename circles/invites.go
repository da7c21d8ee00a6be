package circles

import (
	"errors"
	"regexp"
	"time"

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
func assignFreshInvite(app core.App, circle *collections.Circle) error {
	code, err := unusedInviteValue(app, collections.InviteCodeInUse, NewInviteCode)
	if err != nil {
		return err
	}
	linkId, err := unusedInviteValue(app, collections.InviteLinkIdInUse, NewInviteLinkId)
	if err != nil {
		return err
	}
	expires, err := types.ParseDateTime(time.Now().Add(InviteTTL))
	if err != nil {
		return err
	}
	circle.SetInviteCode(code)
	circle.SetInviteLinkId(linkId)
	circle.SetInviteExpiresAt(expires)
	return nil
}

// unusedInviteValue draws values with generate until inUse says one is
// free, at most maxInviteAttempts times (then ErrInviteCollision).
func unusedInviteValue(app core.App, inUse func(core.App, string) (bool, error), generate func() string) (string, error) {
	for range maxInviteAttempts {
		value := generate()
		used, err := inUse(app, value)
		if err != nil {
			return "", err
		}
		if !used {
			return value, nil
		}
	}
	return "", ErrInviteCollision
}

// isInviteCollision reports whether err is a unique index refusing an
// invite code or link id.
func isInviteCollision(err error) bool {
	return collections.IsUniqueViolation(err, collections.FieldCircleInviteCode) ||
		collections.IsUniqueViolation(err, collections.FieldCircleInviteLinkId)
}

// saveWithFreshInvite gives an existing circle a fresh invite and saves it,
// retrying with new values when a unique index still refuses them.
func saveWithFreshInvite(app core.App, circle *collections.Circle) error {
	var err error
	for range maxInviteAttempts {
		if err = assignFreshInvite(app, circle); err != nil {
			return err
		}
		err = app.Save(circle)
		if !isInviteCollision(err) {
			return err
		}
	}
	return errors.Join(ErrInviteCollision, err)
}

// NewInvite replaces the invite of a circle with a fresh code, link id and
// expiry, so the old code and link stop working at once. Only the creator
// may do it: ErrCircleNotFound for a caller who is not an active member (or
// an unknown or inactive circle), ErrNotCreator for other members.
func NewInvite(app core.App, circleId, userId string) (*collections.Circle, error) {
	var circle *collections.Circle
	err := app.RunInTransaction(func(txApp core.App) error {
		var err error
		circle, _, err = loadCircleForMember(txApp, circleId, userId)
		if err != nil {
			return err
		}
		if circle.Creator() != userId {
			return creatorOnly("make a new invite")
		}
		return saveWithFreshInvite(txApp, circle)
	})
	if err != nil {
		return nil, err
	}
	return circle, nil
}

func handleNewInvite(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := request.Read(e); err != nil {
		return err
	}
	circle, err := NewInvite(e.App, e.Request.PathValue("id"), user.Id)
	if err != nil {
		return apiError(e, err)
	}
	return request.RecordResponse(e, circle.Record)
}
