package circles

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// circles.member_count (API.md §9) is derived from the members rows and
// kept equal to the number of active members on every path, by two model
// hooks that run in the transaction of the save that fires them:
//
//   - every save or delete of a membership recounts its circle in SQL after
//     the write (collections.RecountMembers): joins, leaves, removals, the
//     soft delete, a deleting user, the dashboard and Go code alike;
//   - every save of a circle counts its active members first and stores
//     that, so a circle record read before a membership changed can never
//     write an old count back.
//
// The count is a fresh COUNT(*), not an increment, so it cannot drift. The
// rules that change memberships (join, leave, remove, the soft delete) also
// save the circle in their transaction, so that members get a realtime
// update of the circle and the answer carries the new count. Under
// concurrent joins the counts come one after another: each join holds the
// circle's write lock (lockCircle) from its capacity check to its commit.
func registerMemberCount(app core.App) {
	app.OnRecordCreate(collections.Circles).BindFunc(countMembersOnCircleSave)
	app.OnRecordUpdate(collections.Circles).BindFunc(countMembersOnCircleSave)

	app.OnRecordCreate(collections.Members).BindFunc(recountOnMembershipSave)
	app.OnRecordUpdate(collections.Members).BindFunc(recountOnMembershipSave)
	app.OnRecordDelete(collections.Members).BindFunc(func(e *core.RecordEvent) error {
		return recountAfter(e, collections.AsMember(e.Record).Circle())
	})
}

// countMembersOnCircleSave sets member_count to the circle's active members,
// counted in the save's transaction, before the circle is written.
func countMembersOnCircleSave(e *core.RecordEvent) error {
	return inTransaction(e, func(txApp core.App) error {
		n, err := collections.CountActiveMembers(txApp, e.Record.Id)
		if err != nil {
			return err
		}
		collections.AsCircle(e.Record).SetMemberCount(n)
		return e.Next()
	})
}

// recountOnMembershipSave recounts the circle (both circles, when a
// membership moved) after a save of a membership.
func recountOnMembershipSave(e *core.RecordEvent) error {
	return recountAfter(e, membershipCircles(e.Record)...)
}

// recountAfter runs the rest of the save or delete and then recounts the
// given circles, in one transaction.
func recountAfter(e *core.RecordEvent, circles ...string) error {
	if len(circles) == 0 {
		return e.Next()
	}
	return inTransaction(e, func(txApp core.App) error {
		if err := e.Next(); err != nil {
			return err
		}
		for _, id := range circles {
			if _, err := collections.RecountMembers(txApp, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// membershipCircles returns the circles whose count a save of r may
// change: its circle, and the one it was loaded with when that differs.
// Every save recounts, not only those that look like they changed
// is_active: Original is the state when the record was loaded, and a record
// saved twice since would compare against an old state.
func membershipCircles(r *core.Record) []string {
	circle := collections.AsMember(r).Circle()
	before := collections.AsMember(r.Original()).Circle()
	if before != "" && before != circle {
		return []string{before, circle}
	}
	return []string{circle}
}

// inTransaction runs fn in a transaction of e.App (the one already open,
// if any) with e.App set to the transaction's app meanwhile, so the rest of
// the save runs in it too.
func inTransaction(e *core.RecordEvent, fn func(txApp core.App) error) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		return fn(txApp)
	})
}
