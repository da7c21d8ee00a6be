package polls

import (
	"errors"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"circly/collections"
	"circly/request"
)

// ResultsPath is the results route (API.md §6).
const ResultsPath = "/api/circly/polls/{id}/results"

// Vote error messages (API.md §5).
const (
	msgNotMember = "Only members of the poll's circle can vote."
	// API.md §5: the electorate is fixed at the poll's creation.
	msgNotInElectorate = "Only the members of the circle when the poll started can vote in it."
	msgPollClosed      = "This poll is closed."
	msgWrongOption     = "This option does not belong to the poll."
	msgSelfVote        = "You cannot vote for yourself."
	msgAlreadyVoted    = "You have already voted in this poll."
	msgPollNotFound    = "The poll was not found."
)

// answers maps the errors of this package to PocketBase's error answers:
// status, message and, when field is set, the field error's code and
// message.
var answers = []struct {
	err                       error
	status                    int
	message                   string
	field, code, fieldMessage string
}{
	{ErrCircleRequired, http.StatusBadRequest, "Choose the circle to ask.", collections.FieldPollCircle, "validation_required", "Cannot be blank."},
	{ErrTemplateRequired, http.StatusBadRequest, "Choose a question.", collections.FieldPollTemplate, "validation_required", "Cannot be blank."},
	{ErrNotMember, http.StatusForbidden, "Only members of the circle can start a poll there.", "", "", ""},
	{ErrTemplateNotFound, http.StatusNotFound, "The question template does not exist or is no longer offered.", "", "", ""},
	{ErrDeadlineRequired, http.StatusBadRequest, "Set a deadline.", collections.FieldPollDeadline, "validation_required", "Cannot be blank."},
	{ErrDeadlineOutOfRange, http.StatusBadRequest, "The deadline must be between 1 minute and 7 days from now.",
		collections.FieldPollDeadline, "validation_deadline_out_of_range", "Must be between 1 minute and 7 days from now."},
	{ErrInvalidAnonymous, http.StatusBadRequest, "Set is_anonymous to true or false.",
		collections.FieldPollIsAnonymous, "validation_invalid_bool", "Must be true or false."},
	{ErrNotEnoughMembers, http.StatusBadRequest, "A poll needs at least 2 other members in the circle.",
		collections.FieldPollCircle, "validation_not_enough_members", "The circle needs at least 3 members for a poll."},
	{ErrPollsPerDay, http.StatusTooManyRequests, "You have started as many polls in this circle as allowed in 24 hours. Try again later.",
		collections.FieldPollCircle, "validation_polls_per_day", "Too many polls started in this circle in the last 24 hours."},
	{ErrOpenPollsMax, http.StatusConflict, "This circle has as many open polls as allowed. Start one when another has closed.",
		collections.FieldPollCircle, "validation_open_polls_max", "Too many open polls in this circle."},

	{ErrPollRequired, http.StatusBadRequest, "Choose a poll.", collections.FieldVotePoll, "validation_required", "Cannot be blank."},
	{ErrOptionRequired, http.StatusBadRequest, "Choose an option.", collections.FieldVoteOption, "validation_required", "Cannot be blank."},
	{ErrPollNotFound, http.StatusNotFound, msgPollNotFound, "", "", ""},
	{ErrNotInElectorate, http.StatusForbidden, msgNotInElectorate, collections.FieldVotePoll, "validation_not_in_electorate", msgNotInElectorate},
	{ErrNoLongerMember, http.StatusForbidden, msgNotMember, "", "", ""},
	{ErrPollClosed, http.StatusBadRequest, msgPollClosed, collections.FieldVotePoll, "validation_poll_closed", msgPollClosed},
	{ErrWrongOption, http.StatusBadRequest, msgWrongOption, collections.FieldVoteOption, "validation_wrong_option", msgWrongOption},
	{ErrSelfVote, http.StatusBadRequest, msgSelfVote, collections.FieldVoteOption, "validation_self_vote", msgSelfVote},
	{ErrAlreadyVoted, http.StatusBadRequest, msgAlreadyVoted, collections.FieldVotePoll, "validation_already_voted", msgAlreadyVoted},

	// who cannot read the poll cannot see it: answered like an unknown poll
	{ErrResultsNotReader, http.StatusNotFound, msgPollNotFound, "", "", ""},
}

// apiError maps an error of this package to its answer. Anything else
// (PocketBase's own API errors, unexpected failures) passes on unchanged.
func apiError(err error) error {
	var qe *QueryError
	if errors.As(err, &qe) {
		return apis.NewBadRequestError("Invalid query parameter "+qe.Param+".", request.FieldError(qe.Param, qe.Code, qe.Message))
	}
	for _, a := range answers {
		if errors.Is(err, a.err) {
			var data any
			if a.field != "" {
				data = request.FieldError(a.field, a.code, a.fieldMessage)
			}
			return apis.NewApiError(a.status, a.message, data)
		}
	}
	return err
}

// bind registers this package's hooks, routes and middlewares.
func (s *Service) bind(app core.App) {
	app.OnRecordCreateRequest(collections.Polls).BindFunc(s.onPollCreateRequest)
	app.OnRecordCreateRequest(collections.Votes).BindFunc(s.onVoteCreateRequest)
	app.OnBatchRequest().BindFunc(refuseVotesInBatch)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			e.Router.Bind(voteLogGuard())
			e.Router.GET(ResultsPath, s.handleResults).BindFunc(request.RequireUserMiddleware)
			e.Router.GET(FeedPath, s.handleFeed).BindFunc(request.RequireUserMiddleware)
			e.Router.GET(PicksPath, s.handlePicks).BindFunc(request.RequireUserMiddleware)
			return e.Next()
		},
	})
}

// onPollCreateRequest reads a poll create and hands it to CreatePoll, with
// PocketBase's own create (validation, save, answer) as the save step
// inside CreatePoll's transaction.
func (s *Service) onPollCreateRequest(e *core.RecordRequestEvent) error {
	if err := request.OnlyBodyKeys(e.RequestEvent, collections.FieldPollCircle, collections.FieldPollTemplate,
		collections.FieldPollDeadline, collections.FieldPollIsAnonymous); err != nil {
		return err
	}
	if _, err := request.RequireUser(e.RequestEvent); err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	poll := collections.AsPoll(e.Record)
	req := PollRequest{
		Circle:      poll.Circle(),
		Template:    poll.Template(),
		Deadline:    poll.Deadline(),
		IsAnonymous: request.RawBodyValue(e.RequestEvent, collections.FieldPollIsAnonymous, info.Body),
		Quota:       PollQuota{PerDay: s.Config.PollsPerDay, OpenMax: s.Config.OpenPollsMax},
	}
	return apiError(CreatePoll(e.App, e.Auth.Id, req, poll, func(txApp core.App) error {
		e.App = txApp
		return e.Next()
	}))
}

// onVoteCreateRequest reads a vote and hands it to CastVote; PocketBase's
// own create never runs (the ballot box writes the vote).
func (s *Service) onVoteCreateRequest(e *core.RecordRequestEvent) error {
	if err := request.OnlyBodyKeys(e.RequestEvent, collections.FieldVotePoll, collections.FieldVoteOption); err != nil {
		return err
	}
	if _, err := request.RequireUser(e.RequestEvent); err != nil {
		return err
	}
	vote := collections.AsVote(e.Record)
	pollId, optionId := vote.Poll(), vote.Option()
	if err := s.CastVote(e.Request.Context(), e.App, e.Auth.Id, pollId, optionId); err != nil {
		return apiError(err)
	}
	// No id: the answer carries no handle to the stored row (a handle
	// would let the voter's later requests for it be matched to the row).
	return e.JSON(http.StatusOK, map[string]any{
		core.FieldNameCollectionId:   e.Record.Collection().Id,
		core.FieldNameCollectionName: e.Record.Collection().Name,
		collections.FieldVotePoll:    pollId,
		collections.FieldVoteOption:  optionId,
	})
}

// handleResults answers GET ResultsPath for a signed-in user.
func (s *Service) handleResults(e *core.RequestEvent) error {
	res, err := s.ResultsFor(e.App, e.Request.PathValue("id"), e.Auth.Id)
	if err != nil {
		return apiError(err)
	}
	return e.JSON(http.StatusOK, res)
}

// handleFeed answers GET FeedPath for a signed-in user; each poll is shown
// as the collection API would show it to the caller.
func (s *Service) handleFeed(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	status, err := ParseFeedStatus(q)
	if err != nil {
		return apiError(err)
	}
	page, err := ParsePage(q)
	if err != nil {
		return apiError(err)
	}
	res, err := s.Feed(e.App, e.Auth.Id, status, page, time.Now())
	if err != nil {
		return err
	}
	records := make([]*core.Record, len(res.Items))
	for i, it := range res.Items {
		records[i] = it.Poll
	}
	if err := apis.EnrichRecords(e, records); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, res)
}

// handlePicks answers GET PicksPath for a signed-in user.
func (s *Service) handlePicks(e *core.RequestEvent) error {
	page, err := ParsePage(e.Request.URL.Query())
	if err != nil {
		return apiError(err)
	}
	res, err := s.Picks(e.App, e.Auth.Id, page)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, res)
}
