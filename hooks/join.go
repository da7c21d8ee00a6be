package hooks

import (
	"database/sql"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// joinLimitWindow is the window of the per-user join limit.
const joinLimitWindow = time.Minute

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
		errs["invite_code"] = validation.NewError("validation_required", "Send invite_code or invite_link_id.")
	case r.InviteCode != "" && r.InviteLinkId != "":
		errs["invite_link_id"] = validation.NewError("validation_one_of", "Send invite_code or invite_link_id, not both.")
	}
	nickname, err := NormalizeNickname(r.Nickname)
	if err != nil {
		errs["nickname"] = nicknameFieldError(err)["nickname"]
	}
	r.Nickname = nickname

	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (s *Service) handleJoin(e *core.RequestEvent, limiter *userRateLimiter) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}

	// Why per user as well as per IP: many phones share one carrier IP, so
	// the IP limit has to be generous; a signed-in user guessing codes is
	// held to a few attempts a minute whatever its IP.
	if ok, retryAfter := limiter.Allow(user.Id); !ok {
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

	circle, member, err := JoinCircle(e.App, user.Id, body)
	if err != nil {
		return circleApiError(e, err)
	}

	if err := apis.EnrichRecord(e, circle); err != nil {
		return e.InternalServerError("", err)
	}
	if err := apis.EnrichRecord(e, member); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"circle": circle, "member": member})
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
// circle), ErrInviteExpired, ErrCircleFull, ErrNicknameTaken.
//
// Capacity holds under concurrency: the member count and the insert run in
// one transaction that first takes the write lock (lockCircle), so joins
// of one circle happen one after another and never exceed max_members.
func JoinCircle(app core.App, userId string, req JoinRequest) (circle, member *core.Record, err error) {
	field, value, pattern := "invite_code", req.InviteCode, inviteCodeRegex
	if req.InviteLinkId != "" {
		field, value, pattern = "invite_link_id", req.InviteLinkId, inviteLinkIdRegex
	}
	if !pattern.MatchString(value) {
		return nil, nil, ErrInviteNotFound
	}

	// a plain read finds the circle; everything is checked again under the lock
	found, err := findCircleByInvite(app, field, value)
	if err != nil {
		return nil, nil, err
	}

	err = app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, found.Id); err != nil {
			if errors.Is(err, ErrCircleNotFound) {
				return ErrInviteNotFound
			}
			return err
		}
		c, err := txApp.FindRecordById(collections.Circles, found.Id)
		if err != nil {
			return err
		}
		// a new invite may have replaced this one since the lookup
		if c.GetString(field) != value || !c.GetBool("is_active") {
			return ErrInviteNotFound
		}

		existing, err := findMembership(txApp, c.Id, userId)
		if err != nil {
			return err
		}
		if existing != nil && existing.GetBool("is_active") {
			circle, member = c, existing
			return nil
		}

		if inviteExpired(c) {
			return ErrInviteExpired
		}
		count, err := countActiveMembers(txApp, c.Id)
		if err != nil {
			return err
		}
		if count >= c.GetInt("max_members") {
			return ErrCircleFull
		}

		m, err := saveMembership(txApp, existing, c, userId, req.Nickname)
		if err != nil {
			return err
		}
		circle, member = c, m
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return circle, member, nil
}

func findCircleByInvite(app core.App, field, value string) (*core.Record, error) {
	circle, err := app.FindFirstRecordByData(collections.Circles, field, value)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInviteNotFound
	}
	if err != nil {
		return nil, err
	}
	if !circle.GetBool("is_active") {
		return nil, ErrInviteNotFound
	}
	return circle, nil
}

// userRateLimiter is an in-memory fixed-window limiter keyed by user id:
// at most limit calls per window. A limit ≤ 0 allows everything. It is per
// process, like PocketBase's own limiter.
type userRateLimiter struct {
	limit  int
	window time.Duration

	mu        sync.Mutex
	windows   map[string]*rateWindow
	lastPrune time.Time
}

type rateWindow struct {
	start time.Time
	count int
}

func newUserRateLimiter(limit int, window time.Duration) *userRateLimiter {
	return &userRateLimiter{limit: limit, window: window, windows: map[string]*rateWindow{}}
}

// Allow counts a call of key and reports whether it is within the limit;
// when it is not, retryAfter says when the window resets.
func (l *userRateLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := time.Now()

	l.mu.Lock()
	defer l.mu.Unlock()

	// forget finished windows now and then, so the map stays small
	if now.Sub(l.lastPrune) > l.window {
		for k, w := range l.windows {
			if now.Sub(w.start) >= l.window {
				delete(l.windows, k)
			}
		}
		l.lastPrune = now
	}

	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &rateWindow{start: now}
		l.windows[key] = w
	}
	if w.count >= l.limit {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.count++
	return true, 0
}
