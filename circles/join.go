package circles

import (
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// JoinRequest is the body of a join: an invite code or an invite link id
// (exactly one of them) and the nickname to use in the circle.
type JoinRequest struct {
	InviteCode   string `json:"invite_code" form:"invite_code"`
	InviteLinkId string `json:"invite_link_id" form:"invite_link_id"`
	Nickname     string `json:"nickname" form:"nickname"`
}

// Normalize trims the invite values, upper-cases the code (codes are
// case-insensitive) and normalises the nickname (see NormalizeNickname).
// It returns PocketBase validation errors for what is missing or invalid.
func (r *JoinRequest) Normalize() error {
	r.InviteCode = strings.ToUpper(strings.TrimSpace(r.InviteCode))
	r.InviteLinkId = strings.TrimSpace(r.InviteLinkId)

	errs := validation.Errors{}
	switch {
	case r.InviteCode == "" && r.InviteLinkId == "":
		errs[collections.FieldCircleInviteCode] = validation.NewError("validation_required", "Send invite_code or invite_link_id.")
	case r.InviteCode != "" && r.InviteLinkId != "":
		errs[collections.FieldCircleInviteLinkId] = validation.NewError("validation_one_of", "Send invite_code or invite_link_id, not both.")
	}
	nickname, err := NormalizeNickname(r.Nickname)
	if err != nil {
		errs[collections.FieldMemberNickname] = nicknameFieldError(err)[collections.FieldMemberNickname]
	}
	r.Nickname = nickname

	if len(errs) > 0 {
		return errs
	}
	return nil
}

// invite is what a join request opens a circle with: its code or its link
// id, how that value is shaped, how to find the circle by it, and the
// circle's current value (a new invite may replace it).
type invite struct {
	value   string
	pattern *regexp.Regexp
	find    func(core.App, string) (*collections.Circle, error)
	current func(*collections.Circle) string
}

func (r JoinRequest) invite() invite {
	if r.InviteLinkId != "" {
		return invite{r.InviteLinkId, inviteLinkIdRegex, collections.FindCircleByInviteLinkId, (*collections.Circle).InviteLinkId}
	}
	return invite{r.InviteCode, inviteCodeRegex, collections.FindCircleByInviteCode, (*collections.Circle).InviteCode}
}

func (s *Service) handleJoin(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}

	// Why per user as well as per IP: many phones share one carrier IP, so
	// the IP limit has to be generous; a signed-in user guessing codes is
	// held to a few attempts a minute whatever its IP.
	if ok, retryAfter := s.joinLimiter.Allow(user.Id); !ok {
		e.Response.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
		return e.TooManyRequestsError("Too many join attempts. Try again in a minute.", nil)
	}

	if err := request.Read(e); err != nil {
		return err
	}
	var body JoinRequest
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	if err := body.Normalize(); err != nil {
		return e.BadRequestError("Invalid join request.", err)
	}
	if err := checkNicknameWords(e.App, body.Nickname); err != nil {
		return apiError(e, err)
	}

	circle, member, err := JoinCircle(e.App, user.Id, body)
	if err != nil {
		return apiError(e, err)
	}

	if err := apis.EnrichRecord(e, circle.Record); err != nil {
		return e.InternalServerError("", err)
	}
	if err := apis.EnrichRecord(e, member.Record); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"circle": circle.Record, "member": member.Record})
}

// JoinCircle makes a user a member of the circle an invite opens and
// returns the circle and the membership. req must be normalised.
//
//   - An active member gets its existing membership back, unchanged
//     (joining is idempotent).
//   - A former member (left or removed) is made active again on its old
//     row, with the new nickname and a new join time.
//
// Errors: ErrInviteNotFound (unknown or replaced code/link, inactive
// circle, or a user the circle's creator has blocked), ErrInviteExpired,
// ErrCircleFull, ErrNicknameTaken.
//
// Capacity holds under concurrency: the member count and the insert run in
// one transaction that first takes the write lock (lockCircle), so joins
// of one circle happen one after another and never exceed max_members.
func JoinCircle(app core.App, userId string, req JoinRequest) (circle *collections.Circle, member *collections.Member, err error) {
	inv := req.invite()
	if !inv.pattern.MatchString(inv.value) {
		return nil, nil, ErrInviteNotFound
	}

	// a plain read finds the circle; everything is checked again under the lock
	found, err := inv.find(app, inv.value)
	if err != nil {
		return nil, nil, err
	}
	if found == nil || !found.IsActive() {
		return nil, nil, ErrInviteNotFound
	}

	err = app.RunInTransaction(func(txApp core.App) error {
		var err error
		circle, member, err = joinLocked(txApp, found.Id, inv, userId, req.Nickname)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return circle, member, nil
}

// joinLocked is JoinCircle's transaction: under the circle's lock it checks
// the invite again, then capacity and the nickname, and saves the
// membership and the circle (its member_count).
func joinLocked(txApp core.App, circleId string, inv invite, userId, nickname string) (*collections.Circle, *collections.Member, error) {
	if err := lockCircle(txApp, circleId); err != nil {
		if errors.Is(err, ErrCircleNotFound) {
			return nil, nil, ErrInviteNotFound
		}
		return nil, nil, err
	}
	c, err := collections.FindCircle(txApp, circleId)
	if err != nil {
		return nil, nil, err
	}
	// a new invite may have replaced this one since the lookup
	if inv.current(c) != inv.value || !c.IsActive() {
		return nil, nil, ErrInviteNotFound
	}

	existing, err := collections.FindMembership(txApp, c.Id, userId)
	if err != nil {
		return nil, nil, err
	}
	if existing != nil && existing.IsActive() {
		return c, existing, nil
	}

	// API.md §10: a user the circle's creator has blocked is answered as
	// if the invite did not exist, before anything else could tell the
	// invite apart (expired, full). An active member is not asked: its
	// idempotent 200 above is what it got before the block.
	blocked, err := collections.HasBlocked(txApp, c.Creator(), userId)
	if err != nil {
		return nil, nil, err
	}
	if blocked {
		return nil, nil, ErrInviteNotFound
	}

	if inviteExpired(c) {
		return nil, nil, ErrInviteExpired
	}
	count, err := collections.CountActiveMembers(txApp, c.Id)
	if err != nil {
		return nil, nil, err
	}
	if count >= c.MaxMembers() {
		return nil, nil, ErrCircleFull
	}

	m, err := saveMembership(txApp, existing, c, userId, nickname)
	if err != nil {
		return nil, nil, err
	}
	// the new member_count (counted by the save hook), for the answer and
	// the members' realtime; nothing else of the circle changed, so its
	// fields need no validation again
	if err := txApp.SaveNoValidate(c); err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// joinLimitWindow is the window of the per-user join limit.
const joinLimitWindow = time.Minute
