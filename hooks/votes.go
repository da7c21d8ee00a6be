package hooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	"circly/request"
)

// Vote error messages (API.md §5).
const (
	msgNotMember = "Only members of the poll's circle can vote."
	// API.md §5: the electorate is fixed at the poll's creation.
	msgNotInElectorate = "Only the members of the circle when the poll started can vote in it."
	msgPollClosed      = "This poll is closed."
	msgWrongOption     = "This option does not belong to the poll."
	msgSelfVote        = "You cannot vote for yourself."
	msgAlreadyVoted    = "You have already voted in this poll."
	msgPollNotFound    = "The poll does not exist."
)

func (s *Service) registerVotes(app core.App) {
	app.OnRecordCreateRequest(collections.Votes).BindFunc(s.onVoteCreateRequest)
	app.OnBatchRequest().BindFunc(refuseVotesInBatch)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			e.Router.Bind(voteLogGuard())
			return e.Next()
		},
	})
}

// votesPath matches every route of the votes collection (any method, the
// collection named in any letter case or by its id) and the batch route,
// whose body may carry a vote.
var votesPath = regexp.MustCompile(`(?i)^/api/(collections/(` + regexp.QuoteMeta(collections.Votes) + `|` +
	regexp.QuoteMeta(collections.VotesId) + `)(/.*)?|batch/?)$`)

// MiddlewareVoteLogGuardId identifies the middleware that keeps vote
// requests out of the request log.
const MiddlewareVoteLogGuardId = "circlyVoteLogGuard"

// voteLogGuard keeps vote requests out of PocketBase's request log.
//
// Why: the log stores the client IP, user agent, time and (optionally) the
// auth id of every request. For a vote that row would tie a person to the
// moment an option's count changed, which can name their choice; for a
// refused read of a vote row it would tie a person to the row. PocketBase
// skips the log for successful requests flagged by SkipSuccessActivityLog,
// but still logs failures; so this middleware, which runs just inside the
// activity logger, also writes error responses itself and reports success
// to the logger. Nothing about a request to the votes routes — any method,
// accepted or refused — or to the batch route is logged; failures that are
// not API errors are logged without any request details.
func voteLogGuard() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       MiddlewareVoteLogGuardId,
		Priority: apis.DefaultActivityLoggerMiddlewarePriority + 1,
		Func: func(e *core.RequestEvent) error {
			if !votesPath.MatchString(e.Request.URL.Path) {
				return e.Next()
			}
			// the same flag apis.SkipSuccessActivityLog sets
			e.Set("__skipSuccessActivityLogger", true)

			err := e.Next()
			if err == nil {
				return nil
			}
			apiErr := router.ToApiError(err)
			if apiErr.Status >= 500 {
				e.App.Logger().Error("Vote request failed", "error", err.Error())
			}
			if e.Written() {
				return nil
			}
			if writeErr := e.JSON(apiErr.Status, apiErr); writeErr != nil {
				e.App.Logger().Error("Vote response failed", "error", writeErr.Error())
			}
			return nil
		},
	}
}

// msgVoteInBatch is the answer to a batch that carries a vote.
const msgVoteInBatch = "Votes cannot be sent in a batch; send each vote on its own."

// batchRecordsPath matches the record routes a batch request may name.
var batchRecordsPath = regexp.MustCompile(`^/api/collections/([^/?]+)/records`)

// refuseVotesInBatch refuses, before the batch's transaction starts, a
// batch with any request on the votes collection. A vote is written by the
// ballot box in its own transaction; inside a batch it would wait for the
// batch's transaction (which holds SQLite's only writer) until the batch
// timed out.
func refuseVotesInBatch(e *core.BatchRequestEvent) error {
	for i, ir := range e.Batch {
		u, err := url.Parse(ir.URL)
		if err != nil {
			continue // PocketBase refuses it as an unknown action
		}
		m := batchRecordsPath.FindStringSubmatch(u.Path)
		if m == nil {
			continue
		}
		c, err := e.App.FindCachedCollectionByNameOrId(m[1])
		if err != nil || c.Id != collections.VotesId {
			continue
		}
		return e.BadRequestError(msgVoteInBatch, validation.Errors{"requests": validation.Errors{
			strconv.Itoa(i): validation.NewError("validation_vote_in_batch", msgVoteInBatch),
		}})
	}
	return e.Next()
}

// voteCheckQuery reads, for a poll, a user and an option, everything the
// vote checks need; no row means no such poll.
const voteCheckQuery = `SELECT p.[[circle]], p.[[status]], p.[[deadline]], p.[[is_anonymous]],
	EXISTS (SELECT 1 FROM {{electors}} el WHERE el.[[poll]] = p.[[id]] AND el.[[user]] = {:user}) AS [[elector]],
	(SELECT m.[[id]] FROM {{members}} m
		WHERE m.[[circle]] = p.[[circle]] AND m.[[user]] = {:user} AND m.[[is_active]] = TRUE LIMIT 1) AS [[member]],
	o.[[poll]] AS [[option_poll]], o.[[member]] AS [[option_member]], om.[[user]] AS [[option_user]]
	FROM {{polls}} p LEFT JOIN {{options}} o ON o.[[id]] = {:option}
	LEFT JOIN {{members}} om ON om.[[id]] = o.[[member]]
	WHERE p.[[id]] = {:poll} LIMIT 1`

// onVoteCreateRequest checks a vote (API.md §5) and records it with the
// counters in one transaction.
//
// Anonymity: the stored row holds poll, option and voter_hash =
// HMAC-SHA256(poll key, user id) — no user, no membership (except for
// non-anonymous polls), no time. The poll key is derived from the server key
// and a per-poll salt that is destroyed when the poll closes. The true count
// goes to the hidden "tally" with plain SQL (no realtime event, no
// timestamp); the published vote_count follows it once the poll has enough
// votes (see countVote).
func (s *Service) onVoteCreateRequest(e *core.RecordRequestEvent) error {
	if err := request.OnlyBodyKeys(e.RequestEvent, "poll", "option"); err != nil {
		return err
	}
	if _, err := request.RequireUser(e.RequestEvent); err != nil {
		return err
	}

	pollId := e.Record.GetString("poll")
	optionId := e.Record.GetString("option")
	if pollId == "" {
		return e.BadRequestError("Choose a poll.", request.FieldError("poll", "validation_required", "Cannot be blank."))
	}
	if optionId == "" {
		return e.BadRequestError("Choose an option.", request.FieldError("option", "validation_required", "Cannot be blank."))
	}

	userId := e.Auth.Id

	// Checks first, on the concurrent read connections, so that the
	// transaction below (SQLite has a single writer) stays short. One query
	// reads what every check needs: the poll's circle, status, deadline and
	// kind, the caller's active membership in that circle, and the chosen
	// option's poll and member.
	var check struct {
		Circle       string         `db:"circle"`
		Status       string         `db:"status"`
		Deadline     types.DateTime `db:"deadline"`
		IsAnonymous  bool           `db:"is_anonymous"`
		Elector      bool           `db:"elector"`
		Member       sql.NullString `db:"member"`
		OptionPoll   sql.NullString `db:"option_poll"`
		OptionMember sql.NullString `db:"option_member"`
		OptionUser   sql.NullString `db:"option_user"`
	}
	err := e.App.DB().NewQuery(voteCheckQuery).
		Bind(dbx.Params{"poll": pollId, "user": userId, "option": optionId}).One(&check)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e.NotFoundError(msgPollNotFound, nil)
		}
		return err
	}
	// The electorate was fixed when the poll was created: a member who
	// joined later, or a new account (also one re-registered on the same
	// device), cannot vote, so nobody can add votes of their own to reach
	// the results threshold or vote twice.
	if !check.Elector {
		return e.ForbiddenError(msgNotInElectorate, request.FieldError("poll", "validation_not_in_electorate", msgNotInElectorate))
	}
	memberId := check.Member.String
	if memberId == "" {
		return e.ForbiddenError(msgNotMember, nil)
	}
	if check.Status != collections.PollOpen || !time.Now().Before(check.Deadline.Time()) {
		return e.BadRequestError(msgPollClosed, request.FieldError("poll", "validation_poll_closed", msgPollClosed))
	}
	if !check.OptionPoll.Valid || check.OptionPoll.String != pollId {
		return e.BadRequestError(msgWrongOption, request.FieldError("option", "validation_wrong_option", msgWrongOption))
	}
	// by user, not membership: a member who left and rejoined has a new
	// membership but is still the person behind the old option
	if check.OptionMember.String == memberId || (check.OptionUser.Valid && check.OptionUser.String == userId) {
		return e.BadRequestError(msgSelfVote, request.FieldError("option", "validation_self_vote", msgSelfVote))
	}
	participation, err := s.Secrets.ParticipationHash(pollId, userId)
	if err != nil {
		return err
	}
	if check.IsAnonymous {
		e.Record.Set("member", "")
	} else {
		e.Record.Set("member", memberId)
	}

	res := s.votes(e.App).cast(&ballot{
		pollId:        pollId,
		optionId:      optionId,
		userId:        userId,
		member:        e.Record.GetString("member"),
		participation: participation,
	})
	switch {
	case errors.Is(res.err, errPollClosed):
		return e.BadRequestError(msgPollClosed, request.FieldError("poll", "validation_poll_closed", msgPollClosed))
	case errors.Is(res.err, errAlreadyVoted):
		return alreadyVoted(e)
	case res.err != nil:
		return res.err
	}

	// Counters were changed with plain SQL inside the short write
	// transaction; announce the poll's new total (and any published option
	// count) to realtime subscribers now that they are committed.
	s.announce(e.App, e.Request.Context(), collections.Polls, pollId)
	for _, id := range res.changedOptions {
		s.announce(e.App, e.Request.Context(), collections.Options, id)
	}

	// No id: the answer carries no handle to the stored row (a handle
	// would let the voter's later requests for it be matched to the row).
	return e.JSON(http.StatusOK, map[string]any{
		"collectionId":   e.Record.Collection().Id,
		"collectionName": e.Record.Collection().Name,
		"poll":           pollId,
		"option":         optionId,
	})
}

// announce sends a committed record's current state to realtime
// subscribers through the hook PocketBase runs after a save, so the
// collection's list/view rules decide who receives it. When no realtime
// client subscribes to the record or its collection there is nobody to
// tell, and the record is not even loaded.
func (s *Service) announce(app core.App, ctx context.Context, collection, id string) {
	if !hasSubscribers(app, collection, id) {
		return
	}
	record, err := app.FindRecordById(collection, id)
	if err != nil {
		app.Logger().Warn("Realtime announce: record not found", "collection", collection, "id", id)
		return
	}
	event := &core.ModelEvent{App: app, Context: ctx, Type: core.ModelEventTypeUpdate}
	event.Model = record
	if err := app.OnModelAfterUpdateSuccess().Trigger(event); err != nil {
		app.Logger().Warn("Realtime announce failed", "collection", collection, "id", id, "error", err.Error())
	}
}

// hasSubscribers reports whether any realtime client subscribes to the
// record (by collection name or id) or to its whole collection: the topics
// PocketBase's own broadcast of a record update looks for. A false answer
// means that broadcast would send nothing.
func hasSubscribers(app core.App, collection, id string) bool {
	broker := app.SubscriptionsBroker()
	if broker.TotalClients() == 0 {
		return false
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return true // let the broadcast decide
	}
	prefixes := []string{
		c.Name + "/" + id + "?", c.Id + "/" + id + "?",
		c.Name + "/*?", c.Id + "/*?",
		c.Name + "?", c.Id + "?", // PocketBase's older topic form
	}
	for _, client := range broker.Clients() {
		if len(client.Subscriptions(prefixes...)) > 0 {
			return true
		}
	}
	return false
}

func alreadyVoted(e *core.RecordRequestEvent) error {
	return e.BadRequestError(msgAlreadyVoted, request.FieldError("poll", "validation_already_voted", msgAlreadyVoted))
}

// voterHash is HMAC-SHA256(poll key, user id), hex.
func (s *Service) voterHash(pollId, userId string, salt []byte) (string, error) {
	key, err := s.Secrets.VoteKey(pollId, salt)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userId))
	return hex.EncodeToString(m.Sum(nil)), nil
}
