package collections

import (
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// feedOrder puts open polls first, by deadline ascending (the next to close
// on top), then closed polls, by deadline descending (the latest result on
// top); the id breaks ties so pages never overlap. "p" is the polls row.
const feedOrder = `(CASE WHEN p.[[status]] = '` + PollOpen + `' THEN 0 ELSE 1 END),
	(CASE WHEN p.[[status]] = '` + PollOpen + `' THEN p.[[deadline]] END) ASC,
	p.[[deadline]] DESC, p.[[id]] ASC`

// feedStatus narrows readablePolls to {:status} ("" for all).
const feedStatus = ` AND ({:status} = '' OR p.[[status]] = {:status})`

// CountFeed returns how many polls user may read, with status "" (all),
// PollOpen or PollClosed.
func CountFeed(app core.App, userId, status string) (int, error) {
	var n int
	err := app.DB().NewQuery("SELECT count(*)" + readablePolls + feedStatus).
		Bind(dbx.Params{"user": userId, "status": status}).Row(&n)
	return n, err
}

// FeedRow is one poll of a feed page and what the feed says about it
// besides the record.
type FeedRow struct {
	// Poll is the poll's id.
	Poll string `db:"id"`
	// CircleName is the name of the poll's circle as users see it
	// (HiddenCircleName while the circle is hidden).
	CircleName string `db:"circle_name"`
	// CircleHidden: reports hide the poll's circle (API.md §10).
	CircleHidden bool `db:"circle_hidden"`
	// Eligible: the user is in the poll's electorate and still an active
	// member of its circle, the two conditions of a vote that are about
	// the voter (API.md §5).
	Eligible bool `db:"eligible"`
	// Total is how many polls the feed has in all (the same on every row).
	Total int `db:"total"`
}

// FeedPage returns one page of the polls user may read (status as in
// CountFeed) in feed order: open polls by deadline ascending, then closed
// polls by deadline descending; and how many there are in all. One query
// (the total is a window count over the same rows), or two when the page
// is past the end.
func FeedPage(app core.App, userId, status string, limit, offset int) (rows []FeedRow, total int, err error) {
	rows = []FeedRow{}
	// the page first, then the details of its rows only
	err = app.DB().NewQuery(`SELECT p.[[id]] AS [[id]], p.[[total]] AS [[total]],
			` + shownCircleName + `,
			(p.[[active]] AND EXISTS (SELECT 1 FROM {{electors}} e WHERE e.[[poll]] = p.[[id]] AND e.[[user]] = {:user})) AS [[eligible]]
		FROM (SELECT p.[[id]], p.[[circle]], p.[[status]], p.[[deadline]], m.[[is_active]] AS [[active]], count(*) OVER () AS [[total]]` +
		readablePolls + feedStatus + ` ORDER BY ` + feedOrder + ` LIMIT {:limit} OFFSET {:offset}) p
		LEFT JOIN {{circles}} c ON c.[[id]] = p.[[circle]]
		ORDER BY ` + feedOrder).
		Bind(dbx.Params{"user": userId, "status": status, "limit": limit, "offset": offset, "hiddenCircle": HiddenCircleName}).All(&rows)
	if err != nil {
		return nil, 0, err
	}
	if len(rows) > 0 {
		return rows, rows[0].Total, nil
	}
	if offset == 0 {
		return rows, 0, nil
	}
	total, err = CountFeed(app, userId, status)
	return rows, total, err
}

// shownCircleName selects the name and hidden flag of circle "c" as users
// see them: HiddenCircleName ({:hiddenCircle}) while it is hidden.
const shownCircleName = `CASE WHEN c.[[hidden]] THEN {:hiddenCircle} ELSE COALESCE(c.[[name]], '') END AS [[circle_name]],
			COALESCE(c.[[hidden]], FALSE) AS [[circle_hidden]]`

// FindPolls returns the polls with the given ids, in that order (unknown
// ids left out), in one query.
func FindPolls(app core.App, ids []string) ([]*Poll, error) {
	rs, err := app.FindRecordsByIds(Polls, ids)
	if err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(rs))
	for _, r := range rs {
		byId[r.Id] = r
	}
	out := make([]*Poll, 0, len(ids))
	for _, id := range ids {
		if r := byId[id]; r != nil {
			out = append(out, AsPoll(r))
		}
	}
	return out, nil
}

// inList returns the placeholders "{:prefix0}, {:prefix1}, …" of values
// and their parameters, for an SQL IN (…) list.
func inList(prefix string, values []string) (string, dbx.Params) {
	params := make(dbx.Params, len(values)+1)
	var b strings.Builder
	for i, v := range values {
		name := prefix + strconv.Itoa(i)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{:" + name + "}")
		params[name] = v
	}
	return b.String(), params
}
