package polls

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// PicksPath is the caller's inbox (API.md §9).
const PicksPath = "/api/circly/me/picks"

// PicksPage is the body of GET PicksPath.
type PicksPage = ListPage[PickItem]

// PickItem is one entry of the inbox: a closed poll whose counts were
// revealed, in which the caller (one of its memberships) got Votes votes.
// It names the caller's own count only, never who voted.
type PickItem struct {
	Poll         string         `json:"poll"`
	QuestionText string         `json:"question_text"`
	Circle       string         `json:"circle"`
	CircleName   string         `json:"circle_name"` // collections.HiddenCircleName while the circle is hidden
	CircleHidden bool           `json:"circle_hidden"`
	Deadline     types.DateTime `json:"deadline"`
	Votes        int            `json:"votes"`
	TotalVotes   int            `json:"total_votes"`
}

// Picks returns one page of user's inbox, newest first (by deadline): the
// closed polls with revealed counts (at least Config.ResultsMinVotes votes)
// in which one of its memberships, active or not, was an option with at
// least one published vote. One query (two for a page past the end),
// however many circles the user has been in.
func (s *Service) Picks(app core.App, userId string, page Page) (*PicksPage, error) {
	picks, total, err := collections.PicksPage(app, userId, s.Config.ResultsMinVotes, page.PerPage, page.offset())
	if err != nil {
		return nil, err
	}
	res := &PicksPage{Page: page, TotalItems: total, Items: make([]PickItem, len(picks))}
	for i, p := range picks {
		res.Items[i] = PickItem(p)
	}
	return res, nil
}
