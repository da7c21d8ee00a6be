package circles

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

func handleLeave(e *core.RequestEvent) error {
	user, err := request.RequireUser(e)
	if err != nil {
		return err
	}
	if err := LeaveCircle(e.App, e.Request.PathValue("id"), user.Id); err != nil {
		return apiError(e, err)
	}
	return e.NoContent(http.StatusNoContent)
}

// LeaveCircle ends the caller's membership of a circle (ErrNotMember
// when it has none: never joined, already left or removed, or no such
// circle). When the creator leaves,
// creatorship passes to the earliest-joined remaining member; when the
// last member leaves, the circle becomes inactive.
func LeaveCircle(app core.App, circleId, userId string) error {
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, circleId); err != nil {
			return err
		}
		circle, member, err := loadCircleForMember(txApp, circleId, userId)
		if err != nil {
			return err
		}
		if err := endMembership(txApp, circle, member); err != nil {
			return err
		}
		return txApp.Save(circle)
	})
	if errors.Is(err, ErrCircleNotFound) {
		return ErrNotMember
	}
	return err
}

// removeMemberKey is the body key of a remove (RemoveRequest.Member).
const removeMemberKey = "member"

// RemoveRequest is the body of a remove.
type RemoveRequest struct {
	Member string `json:"member" form:"member"`
}

func handleRemove(e *core.RequestEvent) error {
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
			request.FieldError(removeMemberKey, "validation_required", "Cannot be blank."))
	}
	circle, err := RemoveMember(e.App, e.Request.PathValue("id"), user.Id, body.Member)
	if err != nil {
		return apiError(e, err)
	}
	return request.RecordResponse(e, circle.Record)
}

// RemoveMember ends another member's membership (the creator only) and, in
// the same transaction, replaces the circle's invite: the removed member
// may know the old code or link, and must not be able to walk back in with
// it. It returns the circle with its new invite.
//
// memberId is a members record id of that circle. Errors: ErrCircleNotFound
// (caller not an active member), ErrNotCreator, ErrCannotRemoveSelf,
// ErrMemberNotFound (no such members record in that circle), ErrMemberGone
// (a former member of that circle).
func RemoveMember(app core.App, circleId, userId, memberId string) (*collections.Circle, error) {
	var circle *collections.Circle
	err := app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, circleId); err != nil {
			return err
		}
		c, me, err := loadCircleForMember(txApp, circleId, userId)
		if err != nil {
			return err
		}
		if c.Creator() != userId {
			return creatorOnly("remove members")
		}
		if memberId == me.Id {
			return ErrCannotRemoveSelf
		}
		target, err := collections.FindMember(txApp, memberId)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrMemberNotFound
		}
		if err != nil {
			return err
		}
		if target.Circle() != c.Id {
			return ErrMemberNotFound
		}
		if !target.IsActive() {
			return ErrMemberGone
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
// inactive. It changes circle in memory only: the caller saves it, which
// also stores its new member_count (and tells the members). It must run
// inside a transaction that holds the circle's lock.
func endMembership(txApp core.App, circle *collections.Circle, member *collections.Member) error {
	member.SetActive(false)
	if err := txApp.Save(member); err != nil {
		return err
	}

	next, err := collections.EarliestActiveMember(txApp, circle.Id)
	if err != nil {
		return err
	}
	switch {
	case next == nil:
		circle.SetActive(false)
	case circle.Creator() == member.User():
		circle.SetCreator(next.User())
	}
	return nil
}

// EndUserMemberships ends every active membership of a user, as leaving
// each circle would (creatorship passes on, emptied circles become
// inactive). The users delete hook runs it before the user goes.
func EndUserMemberships(app core.App, userId string) error {
	return app.RunInTransaction(func(txApp core.App) error {
		memberships, err := collections.ActiveMembershipsOfUser(txApp, userId)
		if err != nil {
			return err
		}
		for _, m := range memberships {
			if err := lockCircle(txApp, m.Circle()); err != nil {
				return err
			}
			circle, err := collections.FindCircle(txApp, m.Circle())
			if err != nil {
				return err
			}
			if err := endMembership(txApp, circle, m); err != nil {
				return err
			}
			if err := txApp.Save(circle); err != nil {
				return err
			}
		}
		return nil
	})
}
