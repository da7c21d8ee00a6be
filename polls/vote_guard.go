package polls

import (
	"net/url"
	"regexp"
	"strconv"

	validation "github.com/pocketbase/ozzo-validation/v4"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"circly/collections"
)

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
