package hooks

import (
	"cmp"
	"math"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// ResultsPath is the results route (API.md §6).
const ResultsPath = "/api/circly/polls/{id}/results"

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
	Order    int      `json:"order"`
	Votes    *int     `json:"votes"`
	Percent  *float64 `json:"percent"`
	Voters   []string `json:"voters,omitempty"`
}

func (s *Service) registerResults(app core.App) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.GET(ResultsPath, s.handleResults).Bind(apis.RequireAuth(collections.Users))
		return e.Next()
	})
}

func (s *Service) handleResults(e *core.RequestEvent) error {
	poll, err := e.App.FindRecordById(collections.Polls, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError(msgPollNotFound, nil)
	}
	member, err := findActiveMember(e.App, poll.GetString("circle"), e.Auth.Id)
	if err != nil {
		return err
	}
	if member == nil {
		return e.ForbiddenError("Only members of the poll's circle can see its results.", nil)
	}
	res, err := s.PollResults(e.App, poll, e.Auth.Id)
	if err != nil {
		return err
	}
	return e.JSON(200, res)
}

// PollResults computes a poll's results for a user from the published
// counters (never by scanning votes, except the voter list of a
// non-anonymous poll). Options are sorted by votes, then order.
func (s *Service) PollResults(app core.App, poll *core.Record, userId string) (*Results, error) {
	options, err := app.FindRecordsByFilter(collections.Options, "poll = {:poll}", "order", 0, 0, dbx.Params{"poll": poll.Id})
	if err != nil {
		return nil, err
	}
	voted, err := s.HasVoted(app, poll.Id, userId)
	if err != nil {
		return nil, err
	}

	total := poll.GetInt("total_votes")
	revealed := total >= s.Config.ResultsMinVotes
	res := &Results{
		Poll:         poll.Id,
		QuestionText: poll.GetString("question_text"),
		Status:       poll.GetString("status"),
		Deadline:     poll.GetDateTime("deadline"),
		TotalVotes:   total,
		Voted:        voted,
		Revealed:     revealed,
		IsAnonymous:  poll.GetBool("is_anonymous"),
		Options:      make([]ResultsOption, 0, len(options)),
	}

	var voters map[string][]string
	if revealed && !res.IsAnonymous {
		if voters, err = votersByOption(app, poll.Id); err != nil {
			return nil, err
		}
	}

	// Counts are published in steps (see countVote): percentages are of the
	// published votes, so they add up to 100 between steps too.
	published := 0
	for _, o := range options {
		published += o.GetInt("vote_count")
	}
	for _, o := range options {
		ro := ResultsOption{
			Id:       o.Id,
			Member:   o.GetString("member"),
			Nickname: o.GetString("nickname"),
			Order:    o.GetInt("order"),
		}
		if revealed {
			votes := o.GetInt("vote_count")
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
	return res, nil
}

// votersByOption lists the voters' nicknames per option of a non-anonymous
// poll (whose votes record the voter's membership).
func votersByOption(app core.App, pollId string) (map[string][]string, error) {
	var rows []struct {
		Option   string `db:"option"`
		Nickname string `db:"nickname"`
	}
	err := app.DB().Select("v.option", "m.nickname").From(collections.Votes+" v").
		InnerJoin(collections.Members+" m", dbx.NewExp("m.id = v.member")).
		Where(dbx.HashExp{"v.poll": pollId}).OrderBy("m.nickname").All(&rows)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Option] = append(out[r.Option], r.Nickname)
	}
	return out, nil
}
