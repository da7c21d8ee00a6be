package collections

import (
	"database/sql"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// FindPoll returns the poll with the given id (sql.ErrNoRows when none).
func FindPoll(app core.App, id string) (*Poll, error) {
	r, err := app.FindRecordById(Polls, id)
	return wrapOne(r, err, AsPoll)
}

// IncrementTotalVotes adds one vote to a poll's total and returns the new
// total. Plain SQL, so no record hook or realtime event runs inside the
// vote's transaction (the caller announces the poll after the commit);
// "updated" is set to now, as a save would.
func IncrementTotalVotes(app core.App, pollId string) (total int, err error) {
	rows, err := incrementTotalVotesQuery.queryWrite(app, sql.Named("id", pollId), sql.Named("now", types.NowDateTime().String()))
	ok, err := scanOne(rows, err, &total)
	if err == nil && !ok {
		err = sql.ErrNoRows
	}
	return total, err
}

var incrementTotalVotesQuery = preparedQuery{name: "incrementTotalVotes",
	sql: "UPDATE polls SET total_votes = total_votes + 1, updated = :now WHERE id = :id RETURNING total_votes"}

// OpenPollsDueBy returns the ids of the open polls whose deadline is at or
// before now, earliest deadline first.
func OpenPollsDueBy(app core.App, now time.Time) ([]string, error) {
	nowDT, err := types.ParseDateTime(now)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = app.DB().Select("id").From(Polls).
		Where(dbx.HashExp{"status": PollOpen}).
		AndWhere(dbx.NewExp("[[deadline]] <= {:now}", dbx.Params{"now": nowDT.String()})).
		OrderBy("deadline").Column(&ids)
	return ids, err
}

// OpenPollIds returns the ids of every open poll.
func OpenPollIds(app core.App) ([]string, error) {
	var ids []string
	err := app.DB().Select(FieldId).From(Polls).Where(dbx.HashExp{FieldPollStatus: PollOpen}).Column(&ids)
	return ids, err
}
