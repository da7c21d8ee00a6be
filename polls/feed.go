package polls

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// FeedPath is the app's home feed (API.md §9).
const FeedPath = "/api/circly/feed"

// FeedPage is the body of GET FeedPath.
type FeedPage = ListPage[FeedItem]

// FeedItem is one poll of the feed. Poll is the polls record; the handler
// enriches it as the collection API would show it to the caller. Voted is
// the caller's own participation (never anyone else's, never the choice).
type FeedItem struct {
	Poll       *core.Record `json:"poll"`
	CircleName string       `json:"circle_name"`
	// CircleHidden: reports hide the circle; CircleName is then
	// collections.HiddenCircleName (API.md §10).
	CircleHidden bool `json:"circle_hidden"`
	Voted        bool `json:"voted"`
	CanVote      bool `json:"can_vote"`
}

// Feed returns one page of the polls user may read (API.md §6: its circles'
// polls and those whose electorate it is in), with status "" (all),
// collections.PollOpen or collections.PollClosed: open polls first by
// deadline ascending, then closed polls by deadline descending.
//
// CanVote says a vote would be taken now: the poll is open and before its
// deadline (now), the user is in its electorate and still an active member
// of its circle (a former member's vote is refused, API.md §5), and has not
// voted.
//
// A fixed number of queries, however many circles and polls the user has:
// the page (with the total and each poll's circle name and eligibility),
// its records, and its participation, whose keyed hashes are computed
// here; a page past the end counts instead.
func (s *Service) Feed(app core.App, userId, status string, page Page, now time.Time) (*FeedPage, error) {
	rows, total, err := collections.FeedPage(app, userId, status, page.PerPage, page.offset())
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	byId := make(map[string]collections.FeedRow, len(rows))
	for i, r := range rows {
		ids[i] = r.Poll
		byId[r.Poll] = r
	}
	var polls []*collections.Poll
	voted := map[string]bool{}
	if len(ids) > 0 {
		if polls, err = collections.FindPolls(app, ids); err != nil {
			return nil, err
		}
		if voted, err = s.votedIn(app, ids, userId); err != nil {
			return nil, err
		}
	}

	res := &FeedPage{Page: page, TotalItems: total, Items: make([]FeedItem, 0, len(polls))}
	// polls are in the page's order (a poll deleted in between is left out)
	for _, p := range polls {
		r := byId[p.Id]
		res.Items = append(res.Items, FeedItem{
			Poll:         p.Record,
			CircleName:   r.CircleName,
			CircleHidden: r.CircleHidden,
			Voted:        voted[p.Id],
			CanVote:      p.IsOpen() && now.Before(p.Deadline().Time()) && r.Eligible && !voted[p.Id],
		})
	}
	return res, nil
}

// votedIn reports which of the polls user took part in: it computes the
// user's participation hash of each poll and checks them all in one query.
func (s *Service) votedIn(app core.App, pollIds []string, userId string) (map[string]bool, error) {
	voters := make(map[string]string, len(pollIds))
	for _, id := range pollIds {
		h, err := s.Secrets.ParticipationHash(id, userId)
		if err != nil {
			return nil, err
		}
		voters[id] = h
	}
	return collections.Participated(app, voters)
}
