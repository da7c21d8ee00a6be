package collections

import (
	"database/sql"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The tally statements below are plain SQL on purpose: a record save would
// fire a realtime event and set a timestamp, and either would tell members
// when an option got a vote (see NewOptions).

// FindOption returns the option with the given id (sql.ErrNoRows when none).
func FindOption(app core.App, id string) (*Option, error) {
	r, err := app.FindRecordById(Options, id)
	return wrapOne(r, err, AsOption)
}

// PollOptions lists a poll's options by order.
func PollOptions(app core.App, pollId string) ([]*Option, error) {
	rs, err := app.FindRecordsByFilter(Options, "poll = {:poll}", "order", 0, 0, dbx.Params{"poll": pollId})
	return wrapAll(rs, err, AsOption)
}

// AddTally adds one vote to an option's hidden tally, publishing nothing.
func AddTally(app core.App, optionId string) error {
	_, err := addTallyQuery.exec(app, sql.Named("id", optionId))
	return err
}

var addTallyQuery = preparedQuery{name: "addTally", sql: "UPDATE options SET tally = tally + 1 WHERE id = :id"}

// AddTallyAndPublish adds one vote to optionId's tally and, in the same
// statement, publishes every option of the poll (vote_count takes the
// tally, this vote included); it returns the options whose published count
// changed with their new count. When to call it rather than AddTally is the
// caller's rule.
//
// One statement because SQLite evaluates every SET expression on the row's
// old values: "+ ([[id]] = {:id})" adds the new vote to both columns of the
// voted option only.
func AddTallyAndPublish(app core.App, pollId, optionId string) (changed []OptionCount, err error) {
	err = app.DB().NewQuery("UPDATE {{options}} SET [[tally]] = [[tally]] + ([[id]] = {:id}), [[vote_count]] = [[tally]] + ([[id]] = {:id}) " +
		"WHERE [[poll]] = {:poll} AND ([[id]] = {:id} OR [[vote_count]] != [[tally]]) RETURNING [[id]], [[vote_count]]").
		Bind(dbx.Params{"poll": pollId, "id": optionId}).All(&changed)
	return changed, err
}

// OptionCount is an option's published count (vote_count) as a statement
// left it.
type OptionCount struct {
	Id        string `db:"id"`
	VoteCount int    `db:"vote_count"`
}

// PublishFinalCounts sets every option's published count of a poll to its
// tally and returns the options whose count changed (closing a poll that
// reached the results threshold).
func PublishFinalCounts(app core.App, pollId string) (changed []string, err error) {
	err = app.DB().NewQuery("UPDATE {{options}} SET [[vote_count]] = [[tally]] WHERE [[poll]] = {:poll} AND [[vote_count]] != [[tally]] RETURNING [[id]]").
		Bind(dbx.Params{"poll": pollId}).Column(&changed)
	return changed, err
}

// MembersWithPublishedVotes returns the memberships named by a poll's
// options whose published count (vote_count, not the hidden tally) is at
// least 1, in option order.
func MembersWithPublishedVotes(app core.App, pollId string) ([]string, error) {
	var ids []string
	err := app.DB().Select("member").From(Options).
		Where(dbx.HashExp{"poll": pollId}).AndWhere(dbx.NewExp("[[vote_count]] >= 1")).
		OrderBy("[[order]]").Column(&ids)
	return ids, err
}
