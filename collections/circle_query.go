package collections

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindCircle returns the circle with the given id (sql.ErrNoRows when none),
// active or not.
func FindCircle(app core.App, id string) (*Circle, error) {
	r, err := app.FindRecordById(Circles, id)
	return wrapOne(r, err, AsCircle)
}

// FindCircleByInviteCode returns the circle whose current invite code is
// code, active or not, or nil. Codes are unique, so there is at most one.
func FindCircleByInviteCode(app core.App, code string) (*Circle, error) {
	r, err := app.FindFirstRecordByData(Circles, FieldCircleInviteCode, code)
	return wrapOptional(r, err, AsCircle)
}

// FindCircleByInviteLinkId returns the circle whose current invite link id
// is linkId, active or not, or nil.
func FindCircleByInviteLinkId(app core.App, linkId string) (*Circle, error) {
	r, err := app.FindFirstRecordByData(Circles, FieldCircleInviteLinkId, linkId)
	return wrapOptional(r, err, AsCircle)
}

// InviteCodeInUse reports whether any circle (active or not) holds code.
func InviteCodeInUse(app core.App, code string) (bool, error) {
	return circleWith(app, FieldCircleInviteCode, code)
}

// InviteLinkIdInUse reports whether any circle (active or not) holds linkId.
func InviteLinkIdInUse(app core.App, linkId string) (bool, error) {
	return circleWith(app, FieldCircleInviteLinkId, linkId)
}

func circleWith(app core.App, field, value string) (bool, error) {
	var found string
	err := app.DB().Select("id").From(Circles).
		Where(dbx.HashExp{field: value}).Limit(1).Row(&found)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// LockCircle starts the transaction's write on the circle's row, before
// anything is counted or checked; found is false when there is no such
// circle (nothing was locked then).
//
// Why: SQLite transactions begin deferred; the write lock is taken at the
// first write. Touching the row first (a no-op update) makes every later
// read of this transaction — member counts, nickname checks — happen under
// the database's single write lock, so two joins can never both see the
// last free seat. Call it with a transaction's txApp.
func LockCircle(txApp core.App, circleId string) (found bool, err error) {
	res, err := txApp.DB().NewQuery(
		"UPDATE {{" + Circles + "}} SET [[updated]] = [[updated]] WHERE [[id]] = {:id}",
	).Bind(dbx.Params{"id": circleId}).Execute()
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// activeMembersOf is the SQL count of the active members of the circle
// whose id is circleExpr (a bound parameter or a column of the outer query).
func activeMembersOf(circleExpr string) string {
	return "(SELECT COUNT(*) FROM {{" + Members + "}} m WHERE m.[[circle]] = " + circleExpr + " AND m.[[is_active]] = TRUE)"
}

// RecountMembers stores in the circle's member_count the number of its
// active members, counted in the same statement, and returns it (0 when
// there is no such circle). Plain SQL: no hooks, no realtime event, the
// circle's updated time unchanged. Run it in the transaction that changed
// the memberships, so the count commits with them.
func RecountMembers(app core.App, circleId string) (int, error) {
	var n int
	err := app.DB().NewQuery(
		"UPDATE {{" + Circles + "}} SET [[member_count]] = " + activeMembersOf("{:id}") +
			" WHERE [[id]] = {:id} RETURNING [[member_count]]").
		Bind(dbx.Params{"id": circleId}).Row(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// RecountAllMembers sets every circle's member_count to its number of
// active members (the backfill of the migration that added the field).
func RecountAllMembers(app core.App) error {
	_, err := app.DB().NewQuery(
		"UPDATE {{" + Circles + "}} SET [[member_count]] = " + activeMembersOf("{{"+Circles+"}}.[[id]]")).Execute()
	return err
}

// MemberCountMismatches returns the ids of the circles whose stored
// member_count differs from their number of active members, by id; none
// when the counts hold. Tests and operators use it to check the invariant.
func MemberCountMismatches(app core.App) ([]string, error) {
	var ids []string
	err := app.DB().NewQuery(
		"SELECT c.[[id]] FROM {{" + Circles + "}} c WHERE c.[[member_count]] != " + activeMembersOf("c.[[id]]") +
			" ORDER BY c.[[id]]").Column(&ids)
	return ids, err
}
