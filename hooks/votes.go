package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"circly/collections"
)

// Vote error messages (API.md §5).
const (
	msgNotMember     = "Only members of the poll's circle can vote."
	msgPollClosed    = "This poll is closed."
	msgWrongOption   = "This option does not belong to the poll."
	msgSelfVote      = "You cannot vote for yourself."
	msgAlreadyVoted  = "You have already voted in this poll."
	msgPollNotFound  = "The poll does not exist."
	msgNotVotingUser = "Only app users can vote."
)

func (s *Service) registerVotes(app core.App) {
	app.OnRecordCreateRequest(collections.Votes).BindFunc(s.onVoteCreateRequest)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			e.Router.Bind(voteLogGuard())
			return e.Next()
		},
	})
}

// voteCreatePath matches the collection API's create route for votes, by
// name or id.
var voteCreatePath = regexp.MustCompile(`^/api/collections/(` + collections.Votes + `|` + collections.VotesId + `)/records/?$`)

// MiddlewareVoteLogGuardId identifies the middleware that keeps vote
// requests out of the request log.
const MiddlewareVoteLogGuardId = "circlyVoteLogGuard"

// voteLogGuard keeps vote requests out of PocketBase's request log.
//
// Why: the log stores the client IP, user agent, time and (optionally) the
// auth id of every request. For a vote that row would tie a person to the
// moment an option's count changed, which can name their choice. PocketBase
// skips the log for successful requests flagged by SkipSuccessActivityLog,
// but still logs failures; so this middleware, which runs just inside the
// activity logger, also writes error responses itself and reports success
// to the logger. Nothing about a vote request — accepted or refused — is
// logged; failures that are not API errors are logged without any request
// details.
func voteLogGuard() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       MiddlewareVoteLogGuardId,
		Priority: apis.DefaultActivityLoggerMiddlewarePriority + 1,
		Func: func(e *core.RequestEvent) error {
			if e.Request.Method != http.MethodPost || !voteCreatePath.MatchString(e.Request.URL.Path) {
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

// onVoteCreateRequest checks a vote (API.md §5) and records it with the
// counters in one transaction.
//
// Anonymity: the stored row holds poll, option and voter_hash =
// HMAC-SHA256(poll key, user id) — no user, no membership (except for
// non-anonymous polls), no time. The poll key is derived from the server key
// and a per-poll salt that is destroyed when the poll closes. The true count
// goes to the hidden "tally" with plain SQL (no realtime event, no
// timestamp); the published vote_count follows it once the poll has enough
// votes (see publishCounts).
func (s *Service) onVoteCreateRequest(e *core.RecordRequestEvent) error {
	if err := onlyBodyKeys(e.RequestEvent, "poll", "option"); err != nil {
		return err
	}
	if e.Auth == nil || e.Auth.Collection().Name != collections.Users {
		return e.ForbiddenError(msgNotVotingUser, nil)
	}

	pollId := e.Record.GetString("poll")
	optionId := e.Record.GetString("option")
	if pollId == "" {
		return e.BadRequestError("Choose a poll.", fieldError("poll", "validation_required", "Cannot be blank."))
	}
	if optionId == "" {
		return e.BadRequestError("Choose an option.", fieldError("option", "validation_required", "Cannot be blank."))
	}

	userId := e.Auth.Id
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp

		poll, err := txApp.FindRecordById(collections.Polls, pollId)
		if err != nil {
			return e.NotFoundError(msgPollNotFound, nil)
		}
		member, err := findActiveMember(txApp, poll.GetString("circle"), userId)
		if err != nil {
			return err
		}
		if member == nil {
			return e.ForbiddenError(msgNotMember, nil)
		}
		if poll.GetString("status") != collections.PollOpen || !time.Now().Before(poll.GetDateTime("deadline").Time()) {
			return e.BadRequestError(msgPollClosed, fieldError("poll", "validation_poll_closed", msgPollClosed))
		}
		option, err := txApp.FindRecordById(collections.Options, optionId)
		if err != nil || option.GetString("poll") != pollId {
			return e.BadRequestError(msgWrongOption, fieldError("option", "validation_wrong_option", msgWrongOption))
		}
		if option.GetString("member") == member.Id {
			return e.BadRequestError(msgSelfVote, fieldError("option", "validation_self_vote", msgSelfVote))
		}

		salt, open, err := pollKeySalt(txApp, pollId)
		if err != nil {
			return err
		}
		if !open {
			return e.BadRequestError(msgPollClosed, fieldError("poll", "validation_poll_closed", msgPollClosed))
		}
		voterHash, err := s.voterHash(pollId, userId, salt)
		if err != nil {
			return err
		}
		participation, err := s.Secrets.ParticipationHash(pollId, userId)
		if err != nil {
			return err
		}

		// Writes are serialised (one SQLite writer, one transaction at a
		// time), so this check and the insert below cannot interleave with
		// another vote; the unique index on (poll, voter_hash) stays the
		// last line regardless.
		var existing int
		if err := txApp.DB().Select("count(*)").From(collections.Votes).
			Where(dbx.HashExp{"poll": pollId, "voter_hash": voterHash}).Row(&existing); err != nil {
			return err
		}
		if existing > 0 {
			return alreadyVoted(e)
		}

		e.Record.Set("voter_hash", voterHash)
		if poll.GetBool("is_anonymous") {
			e.Record.Set("member", "")
		} else {
			e.Record.Set("member", member.Id)
		}

		if err := e.Next(); err != nil {
			if isUniqueViolation(err) {
				return alreadyVoted(e)
			}
			return err
		}

		if _, err := txApp.DB().Insert("_circly_participation", dbx.Params{"poll": pollId, "voter": participation}).Execute(); err != nil {
			if isUniqueViolation(err) {
				return alreadyVoted(e)
			}
			return err
		}
		if _, err := txApp.DB().NewQuery("UPDATE {{options}} SET [[tally]] = [[tally]] + 1 WHERE [[id]] = {:id}").
			Bind(dbx.Params{"id": optionId}).Execute(); err != nil {
			return err
		}

		poll.Set("total_votes", poll.GetInt("total_votes")+1)
		if err := txApp.Save(poll); err != nil {
			return err
		}
		return s.publishCounts(txApp, poll)
	})
}

func alreadyVoted(e *core.RecordRequestEvent) error {
	return e.BadRequestError(msgAlreadyVoted, fieldError("poll", "validation_already_voted", msgAlreadyVoted))
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

// publishCounts copies the true tally of a poll's options into the published
// vote_count once the poll has ResultsMinVotes votes: on the vote that
// reaches the threshold all options change in this one transaction; after
// that, each vote changes its own option. Below the threshold nothing is
// published, and a poll that closes below it never publishes.
func (s *Service) publishCounts(txApp core.App, poll *core.Record) error {
	if poll.GetInt("total_votes") < s.Config.ResultsMinVotes {
		return nil
	}
	stale, err := txApp.FindRecordsByFilter(collections.Options,
		"poll = {:poll} && vote_count != tally", "order", 0, 0, dbx.Params{"poll": poll.Id})
	if err != nil {
		return err
	}
	for _, o := range stale {
		o.Set("vote_count", o.GetInt("tally"))
		if err := txApp.Save(o); err != nil {
			return err
		}
	}
	return nil
}

// isUniqueViolation reports whether err is SQLite's unique constraint error.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "validation_not_unique")
}
