package moderation

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// TargetCircle returns the circle of a report's target, checked for a
// reporter: targetType is collections.ReportTargetMember (a members record,
// current or former, of a circle) or collections.ReportTargetCircle, and
// userId must be an active member of that circle, which must be active.
// Anything else is ErrTargetNotFound.
func TargetCircle(app core.App, userId, targetType, targetId string) (string, error) {
	var circleId string
	switch targetType {
	case collections.ReportTargetMember:
		m, err := collections.FindMember(app, targetId)
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrTargetNotFound
		}
		if err != nil {
			return "", err
		}
		circleId = m.Circle()
	case collections.ReportTargetCircle:
		circleId = targetId
	default:
		return "", ErrTargetNotFound
	}
	circle, err := collections.FindCircle(app, circleId)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !circle.IsActive()) {
		return "", ErrTargetNotFound
	}
	if err != nil {
		return "", err
	}
	me, err := collections.FindActiveMember(app, circle.Id, userId)
	if err != nil {
		return "", err
	}
	if me == nil {
		return "", ErrTargetNotFound
	}
	return circle.Id, nil
}

// RefreshHidden recomputes whether a target is hidden and saves it when
// that changed: hidden while at least hideAt distinct users have open
// reports of it, or while any report of it is actioned. A target that no
// longer exists is left alone. Call it in the transaction that changed
// the target's reports.
func RefreshHidden(app core.App, targetType, targetId string, hideAt int) error {
	if targetId == "" {
		return nil
	}
	open, actioned, err := collections.ReportStanding(app, targetType, targetId)
	if err != nil {
		return err
	}
	hidden := open >= hideAt || actioned

	var target *core.Record
	switch targetType {
	case collections.ReportTargetMember:
		m, err := collections.FindMember(app, targetId)
		if err != nil {
			return ignoreMissing(err)
		}
		if m.Hidden() == hidden {
			return nil
		}
		m.SetHidden(hidden)
		target = m.Record
	case collections.ReportTargetCircle:
		c, err := collections.FindCircle(app, targetId)
		if err != nil {
			return ignoreMissing(err)
		}
		if c.Hidden() == hidden {
			return nil
		}
		c.SetHidden(hidden)
		target = c.Record
	default:
		return nil
	}
	// a record save, so that realtime subscribers get the record in its
	// new (masked or restored) form; no validation, which could refuse a
	// row saved under older rules for reasons that have nothing to do
	// with hiding it
	return app.SaveNoValidate(target)
}

func ignoreMissing(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
