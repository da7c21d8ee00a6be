package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// InsertElectorate records a new poll's electorate: one electors row per
// user who is an active member of the circle now (rows of deleted users
// left out). One INSERT … SELECT, so the electorate is exactly the
// membership the poll's transaction sees.
func InsertElectorate(app core.App, pollId, circleId string) error {
	_, err := app.DB().NewQuery(`INSERT INTO {{` + Electors + `}} ([[id]], [[poll]], [[user]])
		SELECT 'e' || lower(hex(randomblob(7))), {:poll}, [[user]] FROM {{` + Members + `}}
		WHERE [[circle]] = {:circle} AND [[is_active]] = TRUE AND [[user]] != ''`).
		Bind(dbx.Params{"poll": pollId, "circle": circleId}).Execute()
	return err
}

// IsElector reports whether a user is in a poll's electorate.
func IsElector(app core.App, pollId, userId string) (bool, error) {
	var n int
	err := app.DB().Select("count(*)").From(Electors).
		Where(dbx.HashExp{FieldElectorPoll: pollId, FieldElectorUser: userId}).Row(&n)
	return n > 0, err
}
