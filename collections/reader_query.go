package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// readablePolls is the FROM … WHERE of the polls ({{polls}} p) that user
// {:user} may read (API.md §6), the rows the polls read rules let through
// (pollReader), decided the same way: the user's members row of the poll's
// circle (m) is active, or the user is in the poll's electorate. Driven by
// the user's own members rows (idx_members_user_circle_active), then their
// circles' polls (idx_polls_circle_created), so the cost follows the
// user's polls, not the table's; the electorate is looked up only for the
// circles it has left. m.is_active tells which of the two it is.
const readablePolls = ` FROM {{members}} m JOIN {{polls}} p ON p.[[circle]] = m.[[circle]]
	WHERE m.[[user]] = {:user} AND (m.[[is_active]] = TRUE
		OR EXISTS (SELECT 1 FROM {{electors}} e WHERE e.[[poll]] = p.[[id]] AND e.[[user]] = {:user}))`

// IsPollReader reports whether user may read a poll, its options and
// results (API.md §6), as the polls read rules decide (pollReader): it has
// a members row in the poll's circle that is active, or it is in the
// poll's electorate. False for an unknown poll.
func IsPollReader(app core.App, pollId, userId string) (bool, error) {
	var ok bool
	err := app.DB().NewQuery("SELECT EXISTS (SELECT 1" + readablePolls + " AND p.[[id]] = {:poll})").
		Bind(dbx.Params{"poll": pollId, "user": userId}).Row(&ok)
	return ok, err
}
