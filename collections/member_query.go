package collections

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindMember returns the membership with the given id (sql.ErrNoRows when
// none), active or not.
func FindMember(app core.App, id string) (*Member, error) {
	r, err := app.FindRecordById(Members, id)
	return wrapOne(r, err, AsMember)
}

// FindMembership returns the members row of (circle, user), active or not,
// or nil when the user was never a member (or userId is empty: rows of
// deleted users have no user and must not match).
func FindMembership(app core.App, circleId, userId string) (*Member, error) {
	if userId == "" {
		return nil, nil
	}
	r, err := app.FindFirstRecordByFilter(Members,
		"circle = {:circle} && user = {:user}",
		dbx.Params{"circle": circleId, "user": userId})
	return wrapOptional(r, err, AsMember)
}

// FindActiveMember returns the active membership of user in circle, or nil.
func FindActiveMember(app core.App, circleId, userId string) (*Member, error) {
	if circleId == "" {
		return nil, nil
	}
	m, err := FindMembership(app, circleId, userId)
	if err != nil || m == nil || !m.IsActive() {
		return nil, err
	}
	return m, nil
}

// ActiveMembersExcept lists a circle's active members other than exceptId,
// by join time (then id, so equal times still give one order).
func ActiveMembersExcept(app core.App, circleId, exceptId string) ([]*Member, error) {
	rs, err := app.FindRecordsByFilter(Members,
		"circle = {:circle} && is_active = true && id != {:except}",
		"joined,id", 0, 0,
		dbx.Params{"circle": circleId, "except": exceptId})
	return wrapAll(rs, err, AsMember)
}

// EarliestActiveMember returns the circle's active member who joined first
// (by joined, then id), or nil when it has none.
func EarliestActiveMember(app core.App, circleId string) (*Member, error) {
	rs, err := app.FindRecordsByFilter(Members,
		"circle = {:circle} && is_active = true", "joined,id", 1, 0,
		dbx.Params{"circle": circleId})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return AsMember(rs[0]), nil
}

// ActiveMembers lists a circle's active members, in no particular order.
func ActiveMembers(app core.App, circleId string) ([]*Member, error) {
	rs, err := app.FindAllRecords(Members,
		dbx.HashExp{"circle": circleId, "is_active": true})
	return wrapAll(rs, err, AsMember)
}

// ActiveMembershipsOfUser lists a user's active memberships, in no
// particular order.
func ActiveMembershipsOfUser(app core.App, userId string) ([]*Member, error) {
	rs, err := app.FindAllRecords(Members,
		dbx.HashExp{"user": userId, "is_active": true})
	return wrapAll(rs, err, AsMember)
}

// CountActiveMembers counts a circle's active members.
func CountActiveMembers(app core.App, circleId string) (int, error) {
	n, err := app.CountRecords(Members, dbx.HashExp{"circle": circleId, "is_active": true})
	return int(n), err
}

// NicknameTaken reports whether an active member of the circle other than
// exceptMemberId ("" for none) has the comparison key nicknameKey. The
// caller computes the key (circles.NicknameKey); the partial unique index on
// (circle, nickname_key) is the last word when two saves race.
func NicknameTaken(app core.App, circleId, nicknameKey, exceptMemberId string) (bool, error) {
	var found string
	q := app.DB().Select("id").From(Members).Where(dbx.HashExp{
		"circle":       circleId,
		"nickname_key": nicknameKey,
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

// Recipient is a user behind an active membership, as a push notification
// sees it: the token, account state and mute switch as they are now.
type Recipient struct {
	Member string `db:"member"` // the members row
	User   string `db:"user"`
	Token  string `db:"token"`  // "" when the user has no push token (or no users row)
	Active bool   `db:"active"` // false when the account is disabled (or gone)
	Muted  bool   `db:"muted"`  // the member turned off pushes about the circle
	Locale string `db:"locale"` // the user's locale, LocaleDefault when it set none
}

// CircleRecipients lists the users of a circle's active members (rows of
// deleted users left out) with their push tokens, by join time then id.
// One query: the outbox resolves a whole circle at once.
func CircleRecipients(app core.App, circleId string) ([]Recipient, error) {
	var out []Recipient
	err := app.DB().NewQuery(
		"SELECT m.[[id]] AS [[member]], m.[[user]] AS [[user]], m.[[muted]] AS [[muted]], " +
			"COALESCE(u.[[push_token]], '') AS [[token]], COALESCE(u.[[is_active]], FALSE) AS [[active]], " +
			"COALESCE(NULLIF(u.[[locale]], ''), '" + LocaleDefault + "') AS [[locale]] " +
			"FROM {{" + Members + "}} m LEFT JOIN {{" + Users + "}} u ON u.[[id]] = m.[[user]] " +
			"WHERE m.[[circle]] = {:circle} AND m.[[is_active]] = TRUE AND m.[[user]] != '' " +
			"ORDER BY m.[[joined]], m.[[id]]").
		Bind(dbx.Params{"circle": circleId}).All(&out)
	return out, err
}
