package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Pick is one entry of a user's inbox (API.md §9): a closed poll whose
// counts were revealed, in which one of the user's memberships was an
// option with published votes. Votes is that option's published count:
// how many picked the user, never who.
type Pick struct {
	Poll         string         `db:"poll"`
	QuestionText string         `db:"question_text"`
	Circle       string         `db:"circle"`
	CircleName   string         `db:"circle_name"` // HiddenCircleName while the circle is hidden
	CircleHidden bool           `db:"circle_hidden"`
	Deadline     types.DateTime `db:"deadline"`
	Votes        int            `db:"votes"`
	TotalVotes   int            `db:"total_votes"`
}

// picksFrom is the FROM … WHERE of a user's picks: the options that name
// one of user {:user}'s memberships (active or not: the inbox is kept
// after leaving) with a published count of at least 1, in closed polls
// with at least {:min} votes (the results threshold; below it counts were
// never published).
//
// CROSS JOIN fixes SQLite's join order: from the user's members rows, to
// their options (idx_options_member), to those options' polls. Left to
// itself the planner walks every closed poll by idx_polls_status_deadline
// to skip the final sort, which cost 176 ms with 10,000 closed polls in
// the database, against 1.8 ms this way (p50, bench scenario 8).
const picksFrom = ` FROM {{members}} m
	CROSS JOIN {{options}} o ON o.[[member]] = m.[[id]]
	CROSS JOIN {{polls}} p ON p.[[id]] = o.[[poll]]
	LEFT JOIN {{circles}} c ON c.[[id]] = p.[[circle]]
	WHERE m.[[user]] = {:user} AND o.[[vote_count]] >= 1
		AND p.[[status]] = '` + PollClosed + `' AND p.[[total_votes]] >= {:min}`

// CountPicks returns how many picks user has, with minVotes the results
// threshold (CIRCLY_RESULTS_MIN_VOTES).
func CountPicks(app core.App, userId string, minVotes int) (int, error) {
	var n int
	err := app.DB().NewQuery("SELECT count(*)" + picksFrom).
		Bind(dbx.Params{"user": userId, "min": minVotes}).Row(&n)
	return n, err
}

// PicksPage returns one page of user's picks, newest first (by deadline
// descending, then poll id), with minVotes as in CountPicks, and how many
// there are in all. One query (the total is a window count over the same
// rows), or two when the page is past the end.
func PicksPage(app core.App, userId string, minVotes, limit, offset int) (picks []Pick, total int, err error) {
	var rows []struct {
		Pick
		Total int `db:"total"`
	}
	err = app.DB().NewQuery(`SELECT p.[[id]] AS [[poll]], p.[[question_text]] AS [[question_text]],
			p.[[circle]] AS [[circle]], ` + shownCircleName + `, p.[[deadline]] AS [[deadline]],
			o.[[vote_count]] AS [[votes]], p.[[total_votes]] AS [[total_votes]], count(*) OVER () AS [[total]]` + picksFrom + `
		ORDER BY p.[[deadline]] DESC, p.[[id]] ASC LIMIT {:limit} OFFSET {:offset}`).
		Bind(dbx.Params{"user": userId, "min": minVotes, "limit": limit, "offset": offset, "hiddenCircle": HiddenCircleName}).All(&rows)
	if err != nil {
		return nil, 0, err
	}
	picks = make([]Pick, len(rows))
	for i, r := range rows {
		picks[i] = r.Pick
	}
	switch {
	case len(rows) > 0:
		total = rows[0].Total
	case offset > 0:
		total, err = CountPicks(app, userId, minVotes)
	}
	return picks, total, err
}
