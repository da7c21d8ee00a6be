package notify

import (
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// Kinds lists the notification kinds of a poll, in the order they go out.
var Kinds = []string{
	collections.KindPollStarted,
	collections.KindReminder1h,
	collections.KindReminder10m,
	collections.KindResults,
}

// Lead times of the reminders before the deadline.
const (
	Reminder1hLead  = time.Hour
	Reminder10mLead = 10 * time.Minute
)

func reminderLead(kind string) time.Duration {
	if kind == collections.KindReminder1h {
		return Reminder1hLead
	}
	return Reminder10mLead
}

// Reasons recorded in "note" (rows) and "error" (deliveries) when nothing is
// sent.
const (
	noteTooShort      = "the poll was created after this reminder's moment"
	noteClosedFirst   = "the poll closed before this was due"
	noteSuperseded    = "the 10-minute reminder was due as well"
	noteCircleClosed  = "the circle is no longer active"
	notePollGone      = "the poll no longer exists"
	noteNobody        = "no one to notify"
	noteNoTokens      = "no recipient with a push token"
	errNoToken        = "no push token"
	errUserDisabled   = "account disabled"
	errSameDevice     = "same device as another recipient"
	errClosedUnsent   = "the poll closed before this was sent"
	errGaveUpTemplate = "gave up after %d attempts: %s"
)

func dt(t time.Time) types.DateTime {
	d, _ := types.ParseDateTime(t.UTC())
	return d
}

// enqueuePoll creates, in one transaction, the rows of a poll that do not
// exist yet and returns how many it created. poll_started gets its
// recipients at once; reminders and results wait for their moment, or are
// skipped when that moment was already past when the poll was created.
func (n *Notifier) enqueuePoll(app core.App, pollId string) (int, error) {
	created := 0
	err := app.RunInTransaction(func(txApp core.App) error {
		created = 0
		poll, err := txApp.FindRecordById(collections.Polls, pollId)
		if err != nil {
			return err
		}
		var have []string
		err = txApp.DB().Select("kind").From(collections.Notifications).
			Where(dbx.HashExp{"poll": pollId}).Column(&have)
		if err != nil {
			return err
		}
		if len(have) == len(Kinds) {
			return nil
		}
		col, err := txApp.FindCachedCollectionByNameOrId(collections.Notifications)
		if err != nil {
			return err
		}
		circle, err := txApp.FindRecordById(collections.Circles, poll.GetString("circle"))
		if err != nil {
			return err
		}
		for _, kind := range Kinds {
			if slices.Contains(have, kind) {
				continue
			}
			row := core.NewRecord(col)
			row.Set("poll", pollId)
			row.Set("kind", kind)
			row.Set("attempts", 0)
			setCopy(row, circle, poll)
			if err := n.plan(txApp, row, poll, circle); err != nil {
				return err
			}
			if err := txApp.Save(row); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}

// plan sets a new row's due_at, status and, for poll_started, deliveries.
func (n *Notifier) plan(app core.App, row, poll, circle *core.Record) error {
	kind := row.GetString("kind")
	createdAt := poll.GetDateTime("created").Time()
	deadline := poll.GetDateTime("deadline").Time()
	switch kind {
	case collections.KindPollStarted:
		row.Set("due_at", dt(createdAt))
		return n.resolve(app, row, poll, circle)
	case collections.KindReminder1h, collections.KindReminder10m:
		moment := deadline.Add(-reminderLead(kind))
		row.Set("due_at", dt(moment))
		if !moment.After(createdAt) {
			skipRow(row, noteTooShort)
			return nil
		}
	case collections.KindResults:
		row.Set("due_at", dt(deadline))
	}
	row.Set("status", collections.NotificationScheduled)
	row.Set("deliveries", []Delivery{})
	return nil
}

func skipRow(row *core.Record, note string) {
	row.Set("status", collections.NotificationSkipped)
	row.Set("note", note)
	if row.GetString("deliveries") == "" {
		row.Set("deliveries", []Delivery{})
	}
}

func setCopy(row, circle, poll *core.Record) {
	title, body := Copy(row.GetString("kind"), circle.GetString("name"), poll.GetString("question_text"))
	row.Set("title", truncate(title, 500))
	row.Set("body", truncate(body, 2000))
}

// enqueueMissing creates the rows missing for open polls, e.g. when the
// process died between a poll's commit and its create hook. Closed polls
// are left alone: their rows may have been pruned on purpose.
func (n *Notifier) enqueueMissing(app core.App) (int, error) {
	var ids []string
	err := app.DB().NewQuery(
		"SELECT p.[[id]] FROM {{" + collections.Polls + "}} p WHERE p.[[status]] = {:open} AND " +
			"(SELECT COUNT(*) FROM {{" + collections.Notifications + "}} n WHERE n.[[poll]] = p.[[id]]) < {:kinds} " +
			"ORDER BY p.[[created]]").
		Bind(dbx.Params{"open": collections.PollOpen, "kinds": len(Kinds)}).Column(&ids)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, id := range ids {
		k, err := n.enqueuePoll(app, id)
		total += k
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// resolveDueRows chooses the recipients of scheduled rows whose moment has
// come, or skips them, and returns how many it settled.
func (n *Notifier) resolveDueRows(app core.App, now time.Time) (int, error) {
	rows, err := app.FindRecordsByFilter(collections.Notifications, "status = {:s}", "due_at", 0, 0,
		dbx.Params{"s": collections.NotificationScheduled})
	if err != nil {
		return 0, err
	}
	settled := 0
	var errs []error
	for _, row := range rows {
		ok, err := n.resolveDueRow(app, row, now)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			settled++
		}
	}
	return settled, errors.Join(errs...)
}

// resolveDueRow settles one scheduled row if its moment has come. The
// moment is read from the poll as it is now: a results row waits for the
// poll to be closed, a reminder for its lead time before the current
// deadline (due_at follows if the deadline moved).
func (n *Notifier) resolveDueRow(app core.App, row *core.Record, now time.Time) (bool, error) {
	poll, err := app.FindRecordById(collections.Polls, row.GetString("poll"))
	if errors.Is(err, sql.ErrNoRows) {
		skipRow(row, notePollGone)
		return true, app.Save(row)
	}
	if err != nil {
		return false, err
	}
	kind := row.GetString("kind")
	deadline := poll.GetDateTime("deadline").Time()
	closed := poll.GetString("status") == collections.PollClosed

	wait := func(due time.Time) (bool, error) {
		if d := dt(due); !row.GetDateTime("due_at").Equal(d) {
			row.Set("due_at", d)
			return false, app.Save(row)
		}
		return false, nil
	}
	skip := func(note string) (bool, error) {
		skipRow(row, note)
		return true, app.Save(row)
	}

	switch kind {
	case collections.KindResults:
		if !closed {
			return wait(deadline)
		}
	case collections.KindReminder1h, collections.KindReminder10m:
		moment := deadline.Add(-reminderLead(kind))
		switch {
		case closed || !now.Before(deadline):
			return skip(noteClosedFirst)
		case now.Before(moment):
			return wait(moment)
		case kind == collections.KindReminder1h && !now.Before(deadline.Add(-Reminder10mLead)):
			return skip(noteSuperseded)
		}
	default:
		return false, nil
	}

	circle, err := app.FindRecordById(collections.Circles, poll.GetString("circle"))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !circle.GetBool("is_active")) {
		return skip(noteCircleClosed)
	}
	if err != nil {
		return false, err
	}
	setCopy(row, circle, poll)
	if err := n.resolve(app, row, poll, circle); err != nil {
		return false, err
	}
	return true, app.Save(row)
}

// resolve chooses a row's recipients among the circle's active members,
// with the push tokens they have now: everyone but the creator for
// poll_started, those who have not voted for reminders, everyone for
// results.
func (n *Notifier) resolve(app core.App, row, poll, circle *core.Record) error {
	kind := row.GetString("kind")
	var members []struct {
		User   string `db:"user"`
		Token  string `db:"token"`
		Active bool   `db:"active"`
	}
	err := app.DB().NewQuery(
		"SELECT m.[[user]] AS [[user]], COALESCE(u.[[push_token]], '') AS [[token]], COALESCE(u.[[is_active]], FALSE) AS [[active]] " +
			"FROM {{" + collections.Members + "}} m LEFT JOIN {{" + collections.Users + "}} u ON u.[[id]] = m.[[user]] " +
			"WHERE m.[[circle]] = {:circle} AND m.[[is_active]] = TRUE AND m.[[user]] != '' " +
			"ORDER BY m.[[joined]], m.[[id]]").
		Bind(dbx.Params{"circle": circle.Id}).All(&members)
	if err != nil {
		return err
	}

	ds := make([]Delivery, 0, len(members))
	tokens := make(map[string]bool, len(members))
	for _, m := range members {
		switch kind {
		case collections.KindPollStarted:
			if m.User == poll.GetString("creator") {
				continue
			}
		case collections.KindReminder1h, collections.KindReminder10m:
			voted, err := n.polls.HasVoted(app, poll.Id, m.User)
			if err != nil {
				return err
			}
			if voted {
				continue
			}
		}
		d := Delivery{User: m.User, Token: m.Token, State: DeliveryPending}
		switch {
		case !m.Active:
			d.State, d.Error = DeliverySkipped, errUserDisabled
		case m.Token == "":
			d.State, d.Error = DeliverySkipped, errNoToken
		case tokens[m.Token]:
			d.State, d.Error = DeliverySkipped, errSameDevice
		default:
			tokens[m.Token] = true
		}
		ds = append(ds, d)
	}
	setDeliveries(row, ds)
	switch {
	case len(ds) == 0:
		row.Set("note", noteNobody)
	case row.GetString("status") == collections.NotificationSkipped:
		row.Set("note", noteNoTokens)
	}
	return nil
}
