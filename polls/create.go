package polls

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// Poll deadline bounds (API.md §4).
const (
	MinPollDuration = time.Minute
	MaxPollDuration = 7 * 24 * time.Hour
	// MinPollOptions is the least number of options a poll can have.
	MinPollOptions = 2
)

// PollRequest is what a user asks for when starting a poll.
type PollRequest struct {
	Circle   string
	Template string
	Deadline types.DateTime
	// IsAnonymous is the body's is_anonymous as the client sent it (see
	// anonymousFromBody): nil means the default, anonymous.
	IsAnonymous any
	// Quota limits how many polls may be started (API.md §10); its zero
	// value limits nothing.
	Quota PollQuota
}

// PollQuota is the poll quota of API.md §10. A zero field is no limit.
type PollQuota struct {
	// PerDay: polls one user may start in one circle per rolling 24 hours
	// (ErrPollsPerDay).
	PerDay int
	// OpenMax: open polls one circle may have at once (ErrOpenPollsMax).
	OpenMax int
}

// QuotaWindow is the rolling window of PollQuota.PerDay.
const QuotaWindow = 24 * time.Hour

// CreatePoll checks and starts a poll (API.md §4): the user must be an
// active member of the circle (ErrNotMember), the template active
// (ErrTemplateNotFound), the deadline 1 minute to 7 days ahead
// (ErrDeadlineOutOfRange), the quota not reached (ErrPollsPerDay,
// ErrOpenPollsMax). It fills poll, a new record, and in one
// transaction saves it with save, one option per other active member (by
// join time), the template's usage count, the electorate and the poll's
// vote-key salt; fewer than MinPollOptions options create nothing
// (ErrNotEnoughMembers).
//
// save stores the poll inside the transaction: the create request's own
// PocketBase pipeline (validation, save and answer); nil saves it with
// txApp.Save.
func CreatePoll(app core.App, userId string, req PollRequest, poll *collections.Poll, save func(txApp core.App) error) error {
	member, template, anonymous, err := checkPollRequest(app, userId, req)
	if err != nil {
		return err
	}
	poll.SetCircle(req.Circle)
	poll.SetTemplate(req.Template)
	poll.SetDeadline(req.Deadline)
	poll.SetAnonymous(anonymous)
	poll.SetCreator(userId)
	poll.SetQuestionText(template.QuestionText())
	poll.SetStatus(collections.PollOpen)
	poll.SetTotalVotes(0)
	// named by the minute it starts in: the latest polls' rows sit side by
	// side in every index keyed by poll (collections.NewPollId); a request
	// cannot name its poll (the hook allows no id in the body)
	poll.Id = collections.NewPollId(time.Now())

	return app.RunInTransaction(func(txApp core.App) error {
		if err := checkQuota(txApp, userId, req); err != nil {
			return err
		}
		others, err := collections.ActiveMembersExcept(txApp, req.Circle, member.Id)
		if err != nil {
			return err
		}
		if len(others) < MinPollOptions {
			return ErrNotEnoughMembers
		}

		if save == nil {
			err = txApp.Save(poll)
		} else {
			err = save(txApp)
		}
		if err != nil {
			return err
		}

		if err := createOptions(txApp, poll.Id, others); err != nil {
			return err
		}
		if err := collections.IncrementUsageCount(txApp, req.Template); err != nil {
			return err
		}
		// API.md §5: the electorate is the circle's active members now, the
		// creator included; later joins, and new accounts, are not in it
		if err := collections.InsertElectorate(txApp, poll.Id, req.Circle); err != nil {
			return err
		}
		return createPollKey(txApp, poll.Id)
	})
}

// checkPollRequest applies the checks that need no transaction, in the
// order their answers are given: the circle and template named, the user
// an active member, the template offered, the deadline in range and
// is_anonymous readable.
func checkPollRequest(app core.App, userId string, req PollRequest) (member *collections.Member, template *collections.Template, anonymous bool, err error) {
	if req.Circle == "" {
		return nil, nil, false, ErrCircleRequired
	}
	if req.Template == "" {
		return nil, nil, false, ErrTemplateRequired
	}

	member, err = collections.FindActiveMember(app, req.Circle, userId)
	if err != nil {
		return nil, nil, false, err
	}
	if member == nil {
		return nil, nil, false, ErrNotMember
	}

	template, err = collections.FindTemplate(app, req.Template)
	if err != nil || !template.IsActive() {
		return nil, nil, false, ErrTemplateNotFound
	}

	if req.Deadline.IsZero() {
		return nil, nil, false, ErrDeadlineRequired
	}
	if d := req.Deadline.Time().Sub(time.Now()); d < MinPollDuration || d > MaxPollDuration {
		return nil, nil, false, ErrDeadlineOutOfRange
	}

	anonymous, ok := anonymousFromBody(req.IsAnonymous)
	if !ok {
		return nil, nil, false, ErrInvalidAnonymous
	}
	return member, template, anonymous, nil
}

// checkQuota refuses a poll over the quota. It first takes the database's
// write lock (a no-op write to the circle's row), so the counts and the
// insert that follows happen with no other writer in between: concurrent
// creates are counted one after another and never exceed the quota.
func checkQuota(txApp core.App, userId string, req PollRequest) error {
	if req.Quota == (PollQuota{}) {
		return nil
	}
	found, err := collections.LockCircle(txApp, req.Circle)
	if err != nil {
		return err
	}
	if !found {
		return ErrNotMember
	}
	now := time.Now()
	if req.Quota.PerDay > 0 {
		n, err := collections.CountPollsSince(txApp, req.Circle, userId, now.Add(-QuotaWindow))
		if err != nil {
			return err
		}
		if n >= req.Quota.PerDay {
			return ErrPollsPerDay
		}
	}
	if req.Quota.OpenMax > 0 {
		n, err := collections.CountOpenPolls(txApp, req.Circle, now)
		if err != nil {
			return err
		}
		if n >= req.Quota.OpenMax {
			return ErrOpenPollsMax
		}
	}
	return nil
}

// createOptions saves one option per member, in the given order, with no
// votes.
func createOptions(txApp core.App, pollId string, members []*collections.Member) error {
	for i, m := range members {
		o, err := collections.NewOption(txApp)
		if err != nil {
			return err
		}
		o.Id = collections.PollLocalId(pollId) // next to the poll's votes (vote_place.go)
		o.SetPoll(pollId)
		o.SetMember(m.Id)
		o.SetNickname(m.Nickname())
		o.SetOrder(i)
		o.SetVoteCount(0)
		o.SetTally(0)
		if err := txApp.Save(o); err != nil {
			return err
		}
	}
	return nil
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

// createPollKey stores a fresh random salt for a poll's vote key.
func createPollKey(app core.App, pollId string) error {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	return collections.InsertPollKey(app, pollId, salt)
}
