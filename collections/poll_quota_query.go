package collections

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// CountPollsSince counts the polls creatorId started in circleId at or
// after since (the poll quota, API.md §10).
func CountPollsSince(app core.App, circleId, creatorId string, since time.Time) (int, error) {
	from, err := types.ParseDateTime(since)
	if err != nil {
		return 0, err
	}
	var n int
	err = app.DB().Select("COUNT(*)").From(Polls).Where(dbx.HashExp{FieldPollCircle: circleId, FieldPollCreator: creatorId}).
		AndWhere(dbx.NewExp("[[created]] >= {:from}", dbx.Params{"from": from.String()})).Row(&n)
	return n, err
}

// CountOpenPolls counts a circle's open polls whose deadline is after now
// (a poll past its deadline is closed for voters even before the
// dispatcher marks it).
func CountOpenPolls(app core.App, circleId string, now time.Time) (int, error) {
	at, err := types.ParseDateTime(now)
	if err != nil {
		return 0, err
	}
	var n int
	err = app.DB().Select("COUNT(*)").From(Polls).Where(dbx.HashExp{FieldPollCircle: circleId, FieldPollStatus: PollOpen}).
		AndWhere(dbx.NewExp("[["+FieldPollDeadline+"]] > {:now}", dbx.Params{"now": at.String()})).Row(&n)
	return n, err
}
