package hooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	"circly/request"
)

// Poll deadline bounds (API.md §4).
const (
	MinPollDuration = time.Minute
	MaxPollDuration = 7 * 24 * time.Hour
	// MinPollOptions is the least number of options a poll can have.
	MinPollOptions = 2
)

func (s *Service) registerPolls(app core.App) {
	app.OnRecordCreateRequest(collections.Polls).BindFunc(s.onPollCreateRequest)
}

// onPollCreateRequest checks and completes a poll create: the caller must be
// an active member (403), the template active (404), the deadline 1 minute
// to 7 days ahead (400). In one transaction it saves the poll, one option per
// other active member (by join time), the template's usage count and the
// poll's vote-key salt; fewer than 2 options create nothing (400).
func (s *Service) onPollCreateRequest(e *core.RecordRequestEvent) error {
	if err := request.OnlyBodyKeys(e.RequestEvent, "circle", "template", "deadline", "is_anonymous"); err != nil {
		return err
	}
	if _, err := request.RequireUser(e.RequestEvent); err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}

	circleId := e.Record.GetString("circle")
	templateId := e.Record.GetString("template")
	if circleId == "" {
		return e.BadRequestError("Choose the circle to ask.", request.FieldError("circle", "validation_required", "Cannot be blank."))
	}
	if templateId == "" {
		return e.BadRequestError("Choose a question.", request.FieldError("template", "validation_required", "Cannot be blank."))
	}

	member, err := findActiveMember(e.App, circleId, e.Auth.Id)
	if err != nil {
		return err
	}
	if member == nil {
		return e.ForbiddenError("Only members of the circle can start a poll there.", nil)
	}

	template, err := e.App.FindRecordById(collections.Templates, templateId)
	if err != nil || !template.GetBool("is_active") {
		return e.NotFoundError("The question template does not exist or is no longer offered.", nil)
	}

	deadline := e.Record.GetDateTime("deadline")
	now := time.Now()
	if deadline.IsZero() {
		return e.BadRequestError("Set a deadline.", request.FieldError("deadline", "validation_required", "Cannot be blank."))
	}
	if d := deadline.Time().Sub(now); d < MinPollDuration || d > MaxPollDuration {
		return e.BadRequestError("The deadline must be between 1 minute and 7 days from now.",
			request.FieldError("deadline", "validation_deadline_out_of_range", "Must be between 1 minute and 7 days from now."))
	}

	anonymous, ok := anonymousFromBody(request.RawBodyValue(e.RequestEvent, "is_anonymous", info.Body))
	if !ok {
		return e.BadRequestError("is_anonymous must be true or false.",
			request.FieldError("is_anonymous", "validation_invalid_bool", "Must be true or false."))
	}
	e.Record.Set("is_anonymous", anonymous)
	e.Record.Set("creator", e.Auth.Id)
	e.Record.Set("question_text", template.GetString("question_text"))
	e.Record.Set("status", collections.PollOpen)
	e.Record.Set("total_votes", 0)

	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp

		others, err := activeMembersExcept(txApp, circleId, member.Id)
		if err != nil {
			return err
		}
		if len(others) < MinPollOptions {
			return e.BadRequestError("A poll needs at least 2 other members in the circle.",
				request.FieldError("circle", "validation_not_enough_members", "The circle needs at least 3 members for a poll."))
		}

		if err := e.Next(); err != nil {
			return err
		}
		poll := e.Record

		options, err := txApp.FindCachedCollectionByNameOrId(collections.Options)
		if err != nil {
			return err
		}
		for i, m := range others {
			o := core.NewRecord(options)
			o.Set("poll", poll.Id)
			o.Set("member", m.Id)
			o.Set("nickname", m.GetString("nickname"))
			o.Set("order", i)
			o.Set("vote_count", 0)
			o.Set("tally", 0)
			if err := txApp.Save(o); err != nil {
				return err
			}
		}

		_, err = txApp.DB().NewQuery("UPDATE {{templates}} SET [[usage_count]] = [[usage_count]] + 1 WHERE [[id]] = {:id}").
			Bind(dbx.Params{"id": templateId}).Execute()
		if err != nil {
			return err
		}

		if err := fixElectorate(txApp, poll.Id, circleId); err != nil {
			return err
		}
		return createPollKey(txApp, poll.Id)
	})
}

// fixElectorate records a new poll's electorate (API.md §5): the users who
// are active members of its circle now, the creator included. Later joins,
// and new accounts, are not in it.
func fixElectorate(txApp core.App, pollId, circleId string) error {
	_, err := txApp.DB().NewQuery(`INSERT INTO {{` + collections.Electors + `}} ([[id]], [[poll]], [[user]])
		SELECT 'e' || lower(hex(randomblob(7))), {:poll}, [[user]] FROM {{` + collections.Members + `}}
		WHERE [[circle]] = {:circle} AND [[is_active]] = TRUE AND [[user]] != ''`).
		Bind(dbx.Params{"poll": pollId, "circle": circleId}).Execute()
	return err
}

// anonymousFromBody reads is_anonymous: absent, null or empty means the
// default (anonymous); a bool or its text form ("true"/"false", as multipart
// forms send it) is taken as given; anything else is refused (ok false), so
// a client bug can never quietly make a poll non-anonymous.
func anonymousFromBody(v any) (anonymous bool, ok bool) {
	switch x := v.(type) {
	case nil:
		return true, true
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "":
			return true, true
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	return false, false
}

// findActiveMember returns the active membership of user in circle, or nil.
func findActiveMember(app core.App, circleId, userId string) (*core.Record, error) {
	m, err := collections.FindActiveMember(app, circleId, userId)
	if err != nil || m == nil {
		return nil, err
	}
	return m.Record, nil
}

// activeMembersExcept lists a circle's active members other than exceptId,
// by join time.
func activeMembersExcept(app core.App, circleId, exceptId string) ([]*core.Record, error) {
	return app.FindRecordsByFilter(collections.Members,
		"circle = {:circle} && is_active = true && id != {:except}",
		"joined,id", 0, 0,
		dbx.Params{"circle": circleId, "except": exceptId})
}

// createPollKey stores a fresh random salt for a poll's vote key.
func createPollKey(app core.App, pollId string) error {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	_, err := app.DB().Insert("_circly_poll_keys", dbx.Params{"poll": pollId, "salt": salt}).Execute()
	return err
}

// pollKeySalt returns the salt of an open poll's vote key; ok is false once
// the poll has closed and its salt is gone.
func pollKeySalt(app core.App, pollId string) (salt []byte, ok bool, err error) {
	err = app.DB().Select("salt").From("_circly_poll_keys").Where(dbx.HashExp{"poll": pollId}).Row(&salt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return salt, err == nil, err
}

// ErrPollNotFound is returned for an unknown poll id.
var ErrPollNotFound = errors.New("poll not found")

// ClosePoll closes an open poll: status becomes closed (a realtime event for
// members), the final per-option counts are published when the poll reached
// the results threshold, its vote-key salt is deleted and, for anonymous
// polls, its vote rows are rewritten so that nothing links them to voters
// any more: each voter_hash becomes random bytes and the rows are
// re-inserted in random order with fresh ids and random rowids, so neither
// the hash nor the stored order says anything; the participation records
// are re-inserted in random order too. After the commit the WAL is
// checkpointed and truncated (see Forget): with secure_delete on, no byte of
// the database or its WAL holds the salt or the old hashes any more. A poll
// closing below the threshold never reveals per-option counts. Closing a
// closed poll is a no-op; closed reports whether this call closed it.
func (s *Service) ClosePoll(app core.App, pollId string) (closed bool, err error) {
	var published []string
	err = app.RunInTransaction(func(txApp core.App) error {
		poll, err := txApp.FindRecordById(collections.Polls, pollId)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrPollNotFound
		}
		if err != nil {
			return err
		}
		if poll.GetString("status") == collections.PollClosed {
			return nil
		}
		poll.Set("status", collections.PollClosed)
		if err := txApp.Save(poll); err != nil {
			return err
		}
		if poll.GetInt("total_votes") >= s.Config.ResultsMinVotes {
			err := txApp.DB().NewQuery("UPDATE {{options}} SET [[vote_count]] = [[tally]] WHERE [[poll]] = {:poll} AND [[vote_count]] != [[tally]] RETURNING [[id]]").
				Bind(dbx.Params{"poll": pollId}).Column(&published)
			if err != nil {
				return err
			}
		}
		if _, err := txApp.DB().Delete("_circly_poll_keys", dbx.HashExp{"poll": pollId}).Execute(); err != nil {
			return err
		}
		if poll.GetBool("is_anonymous") {
			if err := reshuffleVotes(txApp, pollId); err != nil {
				return err
			}
		}
		if err := reshuffleParticipation(txApp, pollId); err != nil {
			return err
		}
		closed = true
		return nil
	})
	if err != nil || !closed {
		return closed, err
	}
	for _, id := range published {
		s.announce(app, context.Background(), collections.Options, id)
	}
	s.Forget(app)
	return true, nil
}

// reshuffleVotes re-inserts a poll's vote rows in random order with fresh
// ids, random rowids and random hashes (plain SQL: no hooks, no realtime
// events).
func reshuffleVotes(txApp core.App, pollId string) error {
	return rewriteVotes(txApp, pollId, true)
}

// relayoutPoll re-inserts an open poll's vote rows and participation
// records in random order, keeping their content. The ballot box runs it in
// every commit that added votes to the poll.
//
// Why: a random rowid puts a row at a random place in the b-tree, but
// inside a page SQLite lays each new cell out below the previous one, so
// the byte offsets of a poll's cells in the database file would still tell
// the order in which its votes (and its voters) came. A poll has at most 49
// votes, and under load one rewrite serves every vote of the group commit.
func relayoutPoll(txApp core.App, pollId string) error {
	if err := rewriteVotes(txApp, pollId, false); err != nil {
		return err
	}
	return reshuffleParticipation(txApp, pollId)
}

// rewriteVotes deletes a poll's vote rows and inserts them again in random
// order with random rowids; scrub also gives them fresh ids, random hashes
// and no member (the close of an anonymous poll).
func rewriteVotes(txApp core.App, pollId string, scrub bool) error {
	var rows []dbx.NullStringMap
	err := txApp.DB().Select("id", "option", "voter_hash", "member").From(collections.Votes).
		Where(dbx.HashExp{"poll": pollId}).All(&rows)
	if err != nil {
		return err
	}
	if _, err := txApp.DB().Delete(collections.Votes, dbx.HashExp{"poll": pollId}).Execute(); err != nil {
		return err
	}
	shuffle(rows)
	for _, r := range rows {
		row := dbx.Params{"rowid": randomRowid(), "id": r["id"].String, "poll": pollId, "option": r["option"].String,
			"voter_hash": r["voter_hash"].String, "member": r["member"].String}
		if scrub {
			row["id"], row["voter_hash"], row["member"] = core.GenerateDefaultRandomId(), randomHex(32), ""
		}
		if _, err := txApp.DB().Insert(collections.Votes, row).Execute(); err != nil {
			return err
		}
	}
	return nil
}

// randomHex returns n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// reshuffleParticipation re-inserts a poll's participation records in
// random order. The table is keyed by hash, but SQLite lays new cells out
// inside a page in the order they arrive; rewriting them leaves no trace of
// the order in which people voted.
func reshuffleParticipation(txApp core.App, pollId string) error {
	var voters []string
	err := txApp.DB().Select("voter").From("_circly_participation").
		Where(dbx.HashExp{"poll": pollId}).Column(&voters)
	if err != nil {
		return err
	}
	if _, err := txApp.DB().Delete("_circly_participation", dbx.HashExp{"poll": pollId}).Execute(); err != nil {
		return err
	}
	shuffle(voters)
	for _, voter := range voters {
		if _, err := txApp.DB().Insert("_circly_participation", dbx.Params{"poll": pollId, "voter": voter}).Execute(); err != nil {
			return err
		}
	}
	return nil
}

// shuffle puts s in a uniformly random order (crypto/rand).
func shuffle[T any](s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := int(uint64(randomRowid()) % uint64(i+1))
		s[i], s[j] = s[j], s[i]
	}
}

// CloseDuePolls closes every open poll whose deadline has passed at now and
// returns the ids it closed.
func (s *Service) CloseDuePolls(app core.App, now time.Time) ([]string, error) {
	s.forgetIfPending(app)
	var ids []string
	nowDT, err := types.ParseDateTime(now)
	if err != nil {
		return nil, err
	}
	err = app.DB().Select("id").From(collections.Polls).
		Where(dbx.HashExp{"status": collections.PollOpen}).
		AndWhere(dbx.NewExp("[[deadline]] <= {:now}", dbx.Params{"now": nowDT.String()})).
		OrderBy("deadline").Column(&ids)
	if err != nil {
		return nil, err
	}
	var closedIds []string
	for _, id := range ids {
		closed, err := s.ClosePoll(app, id)
		if err != nil {
			return closedIds, err
		}
		if closed {
			closedIds = append(closedIds, id)
		}
	}
	return closedIds, nil
}

// HasVoted reports whether user took part in a poll (open or closed). It
// reads the participation set through the keyed hash; it cannot tell, and
// nothing stored can, which option the user chose.
func (s *Service) HasVoted(app core.App, pollId, userId string) (bool, error) {
	h, err := s.Secrets.ParticipationHash(pollId, userId)
	if err != nil {
		return false, err
	}
	var n int
	err = app.DB().Select("count(*)").From("_circly_participation").
		Where(dbx.HashExp{"poll": pollId, "voter": h}).Row(&n)
	return n > 0, err
}
