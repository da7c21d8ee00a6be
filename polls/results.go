package polls

import (
	"cmp"
	"math"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// Results is the body of GET /api/circly/polls/{id}/results.
type Results struct {
	Poll         string          `json:"poll"`
	QuestionText string          `json:"question_text"`
	Status       string          `json:"status"`
	Deadline     types.DateTime  `json:"deadline"`
	TotalVotes   int             `json:"total_votes"`
	Voted        bool            `json:"voted"`
	Revealed     bool            `json:"revealed"`
	IsAnonymous  bool            `json:"is_anonymous"`
	Options      []ResultsOption `json:"options"`
}

// ResultsOption is one option in Results. Votes and Percent are null until
// the poll has ResultsMinVotes votes. Voters (nicknames) is set only for
// non-anonymous polls, and only once counts are revealed.
type ResultsOption struct {
	Id       string   `json:"id"`
	Member   string   `json:"member"`
	Nickname string   `json:"nickname"`
	Hidden   bool     `json:"hidden"` // reports hide the member: Nickname is collections.HiddenMemberNickname
	Order    int      `json:"order"`
	Votes    *int     `json:"votes"`
	Percent  *float64 `json:"percent"`
	Voters   []string `json:"voters,omitempty"`
}

// ResultsFor returns a poll's results for a user (API.md §6): an unknown
// poll is ErrPollNotFound, a user who may not read it (neither an active
// member of its circle nor in its electorate) ErrResultsNotReader.
func (s *Service) ResultsFor(app core.App, pollId, userId string) (*Results, error) {
	poll, err := collections.FindPoll(app, pollId)
	if err != nil {
		return nil, ErrPollNotFound
	}
	reader, err := collections.IsPollReader(app, poll.Id, userId)
	if err != nil {
		return nil, err
	}
	if !reader {
		return nil, ErrResultsNotReader
	}
	return s.PollResults(app, poll, userId)
}

// PollResults computes a poll's results for a user from the published
// counters (never by scanning votes, except the voter list of a
// non-anonymous poll). Options are sorted by votes, then order.
func (s *Service) PollResults(app core.App, poll *collections.Poll, userId string) (*Results, error) {
	options, err := collections.PollOptions(app, poll.Id)
	if err != nil {
		return nil, err
	}
	voted, err := s.HasVoted(app, poll.Id, userId)
	if err != nil {
		return nil, err
	}

	total := poll.TotalVotes()
	res := &Results{
		Poll:         poll.Id,
		QuestionText: poll.QuestionText(),
		Status:       poll.Status(),
		Deadline:     poll.Deadline(),
		TotalVotes:   total,
		Voted:        voted,
		Revealed:     s.CountsRevealed(poll),
		IsAnonymous:  poll.IsAnonymous(),
		Options:      make([]ResultsOption, 0, len(options)),
	}

	memberIds := make([]string, len(options))
	for i, o := range options {
		memberIds[i] = o.Member()
	}
	hidden, err := collections.HiddenMembers(app, memberIds)
	if err != nil {
		return nil, err
	}

	var voters map[string][]string
	if res.Revealed && !res.IsAnonymous {
		if voters, err = collections.VotersByOption(app, poll.Id); err != nil {
			return nil, err
		}
	}
	res.addOptions(options, voters, hidden)
	return res, nil
}

// addOptions adds the options to res, with their counts and voters when
// res is revealed, sorted by votes, then order. The options naming a
// hidden member (hidden) show collections.HiddenMemberNickname.
func (res *Results) addOptions(options []*collections.Option, voters map[string][]string, hidden map[string]bool) {
	// Counts are published in steps (see countVote): percentages are of the
	// published votes, so they add up to 100 between steps too.
	published := 0
	for _, o := range options {
		published += o.VoteCount()
	}
	for _, o := range options {
		ro := ResultsOption{
			Id:       o.Id,
			Member:   o.Member(),
			Nickname: o.Nickname(),
			Order:    o.Order(),
		}
		if hidden[o.Member()] {
			ro.Nickname, ro.Hidden = collections.HiddenMemberNickname, true
		}
		if res.Revealed {
			votes := o.VoteCount()
			percent := 0.0
			if published > 0 {
				percent = math.Round(float64(votes)*1000/float64(published)) / 10
			}
			ro.Votes, ro.Percent = &votes, &percent
			ro.Voters = voters[o.Id]
		}
		res.Options = append(res.Options, ro)
	}

	slices.SortStableFunc(res.Options, func(a, b ResultsOption) int {
		if a.Votes != nil && b.Votes != nil && *a.Votes != *b.Votes {
			return cmp.Compare(*b.Votes, *a.Votes)
		}
		return cmp.Compare(a.Order, b.Order)
	})
}
