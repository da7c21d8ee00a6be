package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	"circly/request"
)

// Circle routes (API.md §2); the public preview is InvitePreviewPath.
const (
	JoinCirclePath   = "/api/circly/circles/join"
	NewInvitePath    = "/api/circly/circles/{id}/invite"
	LeaveCirclePath  = "/api/circly/circles/{id}/leave"
	RemoveMemberPath = "/api/circly/circles/{id}/remove"
)

// DefaultMaxMembers is a new circle's max_members when the app sends none.
const DefaultMaxMembers = 50

// Domain errors of circles, invites and memberships. circleApiError maps
// them to HTTP statuses, in one place.
var (
	// ErrCircleNotFound: the circle does not exist, is inactive, or the
	// caller is not an active member of it (404; the three look alike on
	// purpose, so outsiders learn nothing about circles they are not in).
	ErrCircleNotFound = errors.New("circle not found")
	// ErrInviteNotFound: no active circle has that invite code or link id (404).
	ErrInviteNotFound = errors.New("invite not found")
	// ErrInviteExpired: the invite is older than InviteTTL (410).
	ErrInviteExpired = errors.New("invite expired")
	// ErrCircleFull: the circle has max_members active members (409).
	ErrCircleFull = errors.New("circle is full")
	// ErrNicknameTaken: an active member of the circle has the same
	// NicknameKey (409).
	ErrNicknameTaken = errors.New("nickname taken")
	// ErrNotCreator: a member tried what only the circle's creator may do (403).
	ErrNotCreator = errors.New("not the circle's creator")
	// ErrMemberNotFound: the members record to remove is not an active
	// member of the circle (404).
	ErrMemberNotFound = errors.New("member not found")
	// ErrCannotRemoveSelf: the creator tried to remove its own membership;
	// leaving is a separate route (400).
	ErrCannotRemoveSelf = errors.New("cannot remove yourself")
	// ErrInviteCollision: no unused invite code was found after several
	// random draws (409; with 10^9 codes this does not happen in practice).
	ErrInviteCollision = errors.New("could not make a unique invite")
)

// circleApiError maps a domain error to PocketBase's error shape. Errors
// that are already API errors pass through; anything else is a 500 whose
// cause stays out of the message.
func circleApiError(e *core.RequestEvent, err error) error {
	var apiErr *router.ApiError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, ErrCircleNotFound):
		return e.NotFoundError("The circle was not found.", nil)
	case errors.Is(err, ErrInviteNotFound):
		return e.NotFoundError("This invite does not exist or is no longer valid.", nil)
	case errors.Is(err, ErrInviteExpired):
		return apis.NewApiError(http.StatusGone, "This invite has expired. Ask for a new one.", nil)
	case errors.Is(err, ErrCircleFull):
		return apis.NewApiError(http.StatusConflict, "This circle is full.", nil)
	case errors.Is(err, ErrNicknameTaken):
		return apis.NewApiError(http.StatusConflict, "This nickname is already taken in this circle.",
			request.FieldError("nickname", "validation_nickname_taken", "This nickname is already taken in this circle."))
	case errors.Is(err, ErrNotCreator):
		return e.ForbiddenError("Only the circle's creator can do this.", nil)
	case errors.Is(err, ErrMemberNotFound):
		return e.NotFoundError("The member was not found in this circle.", nil)
	case errors.Is(err, ErrCannotRemoveSelf):
		return e.BadRequestError("You cannot remove yourself; leave the circle instead.",
			request.FieldError("member", "validation_cannot_remove_self", "Use leave to remove yourself."))
	case errors.Is(err, ErrInviteCollision):
		return apis.NewApiError(http.StatusConflict, "Could not make a unique invite. Please try again.", nil)
	default:
		return e.InternalServerError("", err)
	}
}

func (s *Service) registerCircles(app core.App) {
	app.OnRecordCreateRequest(collections.Circles).BindFunc(s.onCircleCreateRequest)
	app.OnRecordUpdateRequest(collections.Circles).BindFunc(s.onCircleUpdateRequest)
	app.OnRecordDeleteRequest(collections.Circles).BindFunc(s.onCircleDeleteRequest)

	joinLimiter := newUserRateLimiter(s.Config.JoinPerUserLimit, joinLimitWindow)

	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.POST(JoinCirclePath, func(re *core.RequestEvent) error {
			return s.handleJoin(re, joinLimiter)
		})
		e.Router.POST(NewInvitePath, s.handleNewInvite)
		e.Router.POST(LeaveCirclePath, s.handleLeave)
		e.Router.POST(RemoveMemberPath, s.handleRemove)
		e.Router.GET(InvitePreviewPath, s.handleInvitePreview)
		return e.Next()
	})
}

// onCircleCreateRequest fills what the server decides on a new circle and
// makes its creator the first member, in the same transaction as the
// circle: a circle is never left without its creator's membership.
//
// The client sends name, nickname (not a circle field: the creator's
// nickname in it) and optionally max_members and image. creator,
// is_active and the invite fields are overwritten whatever the client
// sent, so nobody can pick a known invite code or make a circle for
// someone else.
func (s *Service) onCircleCreateRequest(e *core.RecordRequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("", err)
	}

	// superusers (the dashboard) create circles without a membership; the
	// invite is still the server's
	if info.HasSuperuserAuth() {
		if err := assignFreshInvite(e.App, e.Record); err != nil {
			return circleApiError(e.RequestEvent, err)
		}
		if e.Record.GetInt("max_members") == 0 {
			e.Record.Set("max_members", DefaultMaxMembers)
		}
		return e.Next()
	}

	// the create rule lets only signed-in users of the users collection here
	user := e.Auth
	nickname, err := NormalizeNickname(request.BodyString(info.Body, "nickname"))
	if err != nil {
		return e.BadRequestError("Invalid nickname.", nicknameFieldError(err))
	}

	e.Record.Set("creator", user.Id)
	e.Record.Set("is_active", true)
	if info.Body["max_members"] == nil {
		e.Record.Set("max_members", DefaultMaxMembers)
	}

	original := e.App
	defer func() { e.App = original }()
	err = e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		if err := assignFreshInvite(txApp, e.Record); err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		_, err := saveMembership(txApp, nil, e.Record, user.Id, nickname)
		return err
	})
	if err != nil {
		if collections.IsUniqueViolation(err, "invite_code") || collections.IsUniqueViolation(err, "invite_link_id") {
			err = ErrInviteCollision
		}
		return circleApiError(e.RequestEvent, err)
	}
	return nil
}

// onCircleUpdateRequest keeps creators to name, max_members and image (the
// update rule already limits updates to the creator) and refuses a
// max_members below the number of active members.
func (s *Service) onCircleUpdateRequest(e *core.RecordRequestEvent) error {
	if err := request.OnlyBodyKeys(e.RequestEvent, "name", "max_members", "image"); err != nil {
		return err
	}
	if e.Record.GetInt("max_members") == e.Record.Original().GetInt("max_members") {
		return e.Next()
	}

	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		// counted under the write lock, so a join cannot slip in between
		// the check and the save
		if err := lockCircle(txApp, e.Record.Id); err != nil {
			return circleApiError(e.RequestEvent, err)
		}
		count, err := countActiveMembers(txApp, e.Record.Id)
		if err != nil {
			return err
		}
		if e.Record.GetInt("max_members") < count {
			return e.BadRequestError("max_members cannot be below the current member count.",
				request.FieldError("max_members", "validation_max_members_below_count",
					fmt.Sprintf("Must be at least %d, the current member count.", count)))
		}
		return e.Next()
	})
}

// onCircleDeleteRequest makes a creator's delete a soft delete: the circle
// becomes inactive and every membership in it ends, so its polls, options
// and results stay in the database (history, counts) but no rule lets
// anyone see or use the circle any more, and its invite stops working.
// The answer is the usual 204.
//
// Superusers (the dashboard) delete for real; relations cascade to the
// circle's members, polls, options and votes.
func (s *Service) onCircleDeleteRequest(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	if err := DeactivateCircle(e.App, e.Record.Id); err != nil {
		return circleApiError(e.RequestEvent, err)
	}
	return e.NoContent(http.StatusNoContent)
}

// DeactivateCircle sets a circle inactive and ends all its memberships, in
// one transaction (the soft delete of circles).
func DeactivateCircle(app core.App, circleId string) error {
	return app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, circleId); err != nil {
			return err
		}
		circle, err := txApp.FindRecordById(collections.Circles, circleId)
		if err != nil {
			return err
		}
		members, err := txApp.FindAllRecords(collections.Members,
			dbx.HashExp{"circle": circleId, "is_active": true})
		if err != nil {
			return err
		}
		for _, m := range members {
			m.Set("is_active", false)
			if err := txApp.Save(m); err != nil {
				return err
			}
		}
		circle.Set("is_active", false)
		return txApp.Save(circle)
	})
}

func (s *Service) handleLeave(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := LeaveCircle(e.App, e.Request.PathValue("id"), user.Id); err != nil {
		return circleApiError(e, err)
	}
	return e.NoContent(http.StatusNoContent)
}

// LeaveCircle ends the caller's membership of a circle
// (ErrCircleNotFound when it has none). When the creator leaves,
// creatorship passes to the earliest-joined remaining member; when the
// last member leaves, the circle becomes inactive.
func LeaveCircle(app core.App, circleId, userId string) error {
	return app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, circleId); err != nil {
			return err
		}
		circle, member, err := loadCircleForMember(txApp, circleId, userId)
		if err != nil {
			return err
		}
		return endMembership(txApp, circle, member)
	})
}

// RemoveRequest is the body of a remove.
type RemoveRequest struct {
	Member string `json:"member" form:"member"`
}

func (s *Service) handleRemove(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := request.Read(e); err != nil {
		return err
	}
	var body RemoveRequest
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("The request body is not valid.", err)
	}
	body.Member = strings.TrimSpace(body.Member)
	if body.Member == "" {
		return e.BadRequestError("Name the member to remove.",
			request.FieldError("member", "validation_required", "Cannot be blank."))
	}
	circle, err := RemoveMember(e.App, e.Request.PathValue("id"), user.Id, body.Member)
	if err != nil {
		return circleApiError(e, err)
	}
	return request.RecordResponse(e, circle)
}

// RemoveMember ends another member's membership (the creator only) and, in
// the same transaction, replaces the circle's invite: the removed member
// may know the old code or link, and must not be able to walk back in with
// it. It returns the circle with its new invite.
//
// memberId is a members record id of that circle. Errors: ErrCircleNotFound
// (caller not an active member), ErrNotCreator, ErrCannotRemoveSelf,
// ErrMemberNotFound (not an active member of that circle).
func RemoveMember(app core.App, circleId, userId, memberId string) (*core.Record, error) {
	var circle *core.Record
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, circleId); err != nil {
			return err
		}
		c, me, err := loadCircleForMember(txApp, circleId, userId)
		if err != nil {
			return err
		}
		if c.GetString("creator") != userId {
			return ErrNotCreator
		}
		if memberId == me.Id {
			return ErrCannotRemoveSelf
		}
		target, err := txApp.FindRecordById(collections.Members, memberId)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrMemberNotFound
		}
		if err != nil {
			return err
		}
		if target.GetString("circle") != c.Id || !target.GetBool("is_active") {
			return ErrMemberNotFound
		}
		if err := endMembership(txApp, c, target); err != nil {
			return err
		}
		circle = c
		return saveWithFreshInvite(txApp, c)
	})
	if err != nil {
		return nil, err
	}
	return circle, nil
}

// endMembership makes member inactive and keeps its circle consistent:
// creatorship passes to the earliest-joined remaining active member when
// the creator leaves, and a circle with no active member left becomes
// inactive. It must run inside a transaction that holds the circle's lock.
func endMembership(txApp core.App, circle, member *core.Record) error {
	member.Set("is_active", false)
	if err := txApp.Save(member); err != nil {
		return err
	}

	remaining, err := txApp.FindRecordsByFilter(collections.Members,
		"circle = {:circle} && is_active = true", "joined,id", 1, 0,
		dbx.Params{"circle": circle.Id})
	if err != nil {
		return err
	}
	switch {
	case len(remaining) == 0:
		circle.Set("is_active", false)
	case circle.GetString("creator") == member.GetString("user"):
		circle.Set("creator", remaining[0].GetString("user"))
	default:
		return nil
	}
	return txApp.Save(circle)
}

// EndUserMemberships ends every active membership of a user, as leaving
// each circle would (creatorship passes on, emptied circles become
// inactive). The users delete hook runs it before the user goes.
func EndUserMemberships(app core.App, userId string) error {
	return app.RunInTransaction(func(txApp core.App) error {
		memberships, err := txApp.FindAllRecords(collections.Members,
			dbx.HashExp{"user": userId, "is_active": true})
		if err != nil {
			return err
		}
		for _, m := range memberships {
			circleId := m.GetString("circle")
			if err := lockCircle(txApp, circleId); err != nil {
				return err
			}
			circle, err := txApp.FindRecordById(collections.Circles, circleId)
			if err != nil {
				return err
			}
			if err := endMembership(txApp, circle, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// saveMembership makes user an active member of circle with nickname (already
// normalised): it reactivates existing (a former membership) or creates a
// new row. A nickname that another active member holds is ErrNicknameTaken:
// checked first, and the partial unique index on (circle, nickname_key)
// decides when two saves race.
func saveMembership(txApp core.App, existing, circle *core.Record, userId, nickname string) (*core.Record, error) {
	taken, err := nicknameTaken(txApp, circle.Id, nickname, "")
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, ErrNicknameTaken
	}

	member := existing
	if member == nil {
		col, err := txApp.FindCachedCollectionByNameOrId(collections.Members)
		if err != nil {
			return nil, err
		}
		member = core.NewRecord(col)
		member.Set("circle", circle.Id)
		member.Set("user", userId)
	}
	member.Set("nickname", nickname)
	member.Set("is_active", true)
	member.Set("joined", types.NowDateTime())

	if err := txApp.Save(member); err != nil {
		if collections.IsUniqueViolation(err, "nickname_key") {
			return nil, ErrNicknameTaken
		}
		return nil, err
	}
	return member, nil
}

// nicknameTaken reports whether an active member of the circle other than
// exceptMemberId has the same NicknameKey as nickname.
func nicknameTaken(app core.App, circleId, nickname, exceptMemberId string) (bool, error) {
	var found string
	q := app.DB().Select("id").From(collections.Members).Where(dbx.HashExp{
		"circle":       circleId,
		"nickname_key": NicknameKey(nickname),
		"is_active":    true,
	})
	if exceptMemberId != "" {
		q.AndWhere(dbx.Not(dbx.HashExp{"id": exceptMemberId}))
	}
	err := q.Limit(1).Row(&found)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// loadCircleForMember returns an active circle and the caller's active
// membership in it, or ErrCircleNotFound.
func loadCircleForMember(app core.App, circleId, userId string) (circle, member *core.Record, err error) {
	circle, err = app.FindRecordById(collections.Circles, circleId)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !circle.GetBool("is_active")) {
		return nil, nil, ErrCircleNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	member, err = findMembership(app, circleId, userId)
	if err != nil {
		return nil, nil, err
	}
	if member == nil || !member.GetBool("is_active") {
		return nil, nil, ErrCircleNotFound
	}
	return circle, member, nil
}

// findMembership returns the members row of (circle, user), active or not,
// or nil when the user was never a member.
func findMembership(app core.App, circleId, userId string) (*core.Record, error) {
	if userId == "" {
		return nil, nil
	}
	m, err := app.FindFirstRecordByFilter(collections.Members,
		"circle = {:circle} && user = {:user}",
		dbx.Params{"circle": circleId, "user": userId})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

// countActiveMembers counts a circle's active members.
func countActiveMembers(app core.App, circleId string) (int, error) {
	n, err := app.CountRecords(collections.Members, dbx.HashExp{"circle": circleId, "is_active": true})
	return int(n), err
}

// lockCircle starts the transaction's write on the circle's row, before
// anything is counted or checked.
//
// Why: SQLite transactions begin deferred; the write lock is taken at the
// first write. Touching the row first (a no-op update) makes every later
// read of this transaction — member counts, nickname checks — happen under
// the database's single write lock, so two joins can never both see the
// last free seat. (Inside one process PocketBase already funnels writes
// through one connection; this also holds against other writers of the
// same database file.) ErrCircleNotFound when there is no such circle.
func lockCircle(txApp core.App, circleId string) error {
	res, err := txApp.DB().NewQuery(
		"UPDATE {{" + collections.Circles + "}} SET [[updated]] = [[updated]] WHERE [[id]] = {:id}",
	).Bind(dbx.Params{"id": circleId}).Execute()
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrCircleNotFound
	}
	return nil
}
