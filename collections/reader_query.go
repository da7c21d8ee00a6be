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
	WHERE m.[[user]] = {:user} AND ` + readerRow

// readerRow holds when the members row m of poll p's circle makes its user
// a reader of p: the row is active, or its user is in p's electorate.
const readerRow = `(m.[[is_active]] = TRUE
	OR EXISTS (SELECT 1 FROM {{electors}} e WHERE e.[[poll]] = p.[[id]] AND e.[[user]] = m.[[user]]))`

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

// PollReaders returns the ids of the users who may read a poll, its
// options and results, decided row by row as IsPollReader decides it for
// one user (readerRow): a members row of the poll's circle that is
// active, or one whose user is in the poll's electorate. (The rules also want the user
// itself active: that is a field of the auth record, not of these rows.)
// Empty for an unknown poll.
func PollReaders(app core.App, pollId string) (map[string]bool, error) {
	var ids []string
	err := app.DB().NewQuery(`SELECT m.[[user]] FROM {{polls}} p JOIN {{members}} m ON m.[[circle]] = p.[[circle]]
		WHERE p.[[id]] = {:poll} AND ` + readerRow).
		Bind(dbx.Params{"poll": pollId}).Column(&ids)
	readers := make(map[string]bool, len(ids))
	for _, id := range ids {
		readers[id] = true
	}
	return readers, err
}

// IsReaderRule reports whether rule is the read rule Circly gives the
// collection c when it is polls or options (ApplyPollReaders,
// ApplyOptionReaders): a rule PollReaders decides. False for any other
// collection, or once an operator has edited the rule in the dashboard.
func IsReaderRule(c *core.Collection, rule string) bool {
	switch c.Name {
	case Polls:
		return rule == pollsReadRule
	case Options:
		return rule == optionsReadRule
	}
	return false
}
