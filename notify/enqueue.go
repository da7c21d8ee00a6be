package notify

import (
	"database/sql"
	"errors"
	"slices"
	"time"

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
		poll, err := collections.FindPoll(txApp, pollId)
		if err != nil {
			return err
		}
		have, err := collections.NotificationKindsOf(txApp, pollId)
		if err != nil {
			return err
		}
		if len(have) == len(Kinds) {
			return nil
		}
		circle, err := collections.FindCircle(txApp, poll.Circle())
		if err != nil {
			return err
		}
		for _, kind := range Kinds {
			if slices.Contains(have, kind) {
				continue
			}
			row, err := collections.NewNotification(txApp)
			if err != nil {
				return err
			}
			row.SetPoll(pollId)
			row.SetKind(kind)
			row.SetAttempts(0)
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
func (n *Notifier) plan(app core.App, row *collections.Notification, poll *collections.Poll, circle *collections.Circle) error {
	kind := row.Kind()
	createdAt := poll.Created().Time()
	deadline := poll.Deadline().Time()
	switch kind {
	case collections.KindPollStarted:
		row.SetDueAt(dt(createdAt))
		return n.resolve(app, row, poll, circle)
	case collections.KindReminder1h, collections.KindReminder10m:
		moment := deadline.Add(-reminderLead(kind))
		row.SetDueAt(dt(moment))
		if !moment.After(createdAt) {
			skipRow(row, noteTooShort)
			return nil
		}
	case collections.KindResults:
		row.SetDueAt(dt(deadline))
	}
	row.SetStatus(collections.NotificationScheduled)
	row.SetDeliveries([]collections.Delivery{})
	return nil
}

// skipRow settles row as skipped, with note saying why.
//
// Note: a row whose deliveries were never set reads as "null", not "", so
// the branch below does not run for a new row: a reminder skipped at
// creation is stored with deliveries NULL, not []. Kept as it was written
// against the raw field; readers treat both as no deliveries.
func skipRow(row *collections.Notification, note string) {
	row.SetStatus(collections.NotificationSkipped)
	row.SetNote(note)
	if row.DeliveriesJSON() == "" {
		row.SetDeliveries([]collections.Delivery{})
	}
}

func setCopy(row *collections.Notification, circle *collections.Circle, poll *collections.Poll) {
	title, body := Copy(row.Kind(), circle.Name(), poll.QuestionText())
	row.SetTitle(truncate(title, 500))
	row.SetBody(truncate(body, 2000))
}

// enqueueMissing creates the rows missing for open polls, e.g. when the
// process died between a poll's commit and its create hook. Closed polls
// are left alone: their rows may have been pruned on purpose.
func (n *Notifier) enqueueMissing(app core.App) (int, error) {
	ids, err := collections.OpenPollsMissingNotifications(app, len(Kinds))
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
	rows, err := collections.ScheduledNotifications(app)
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
func (n *Notifier) resolveDueRow(app core.App, row *collections.Notification, now time.Time) (bool, error) {
	poll, err := collections.FindPoll(app, row.Poll())
	if errors.Is(err, sql.ErrNoRows) {
		skipRow(row, notePollGone)
		return true, app.Save(row)
	}
	if err != nil {
		return false, err
	}
	kind := row.Kind()
	deadline := poll.Deadline().Time()
	closed := poll.IsClosed()

	wait := func(due time.Time) (bool, error) {
		if d := dt(due); !row.DueAt().Equal(d) {
			row.SetDueAt(d)
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

	circle, err := collections.FindCircle(app, poll.Circle())
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !circle.IsActive()) {
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
func (n *Notifier) resolve(app core.App, row *collections.Notification, poll *collections.Poll, circle *collections.Circle) error {
	kind := row.Kind()
	members, err := collections.CircleRecipients(app, circle.Id)
	if err != nil {
		return err
	}

	ds := make([]collections.Delivery, 0, len(members))
	tokens := make(map[string]bool, len(members))
	for _, m := range members {
		switch kind {
		case collections.KindPollStarted:
			if m.User == poll.Creator() {
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
		d := collections.Delivery{User: m.User, Token: m.Token, State: collections.DeliveryPending}
		switch {
		case !m.Active:
			d.State, d.Error = collections.DeliverySkipped, errUserDisabled
		case m.Token == "":
			d.State, d.Error = collections.DeliverySkipped, errNoToken
		case tokens[m.Token]:
			d.State, d.Error = collections.DeliverySkipped, errSameDevice
		default:
			tokens[m.Token] = true
		}
		ds = append(ds, d)
	}
	setDeliveries(row, ds)
	switch {
	case len(ds) == 0:
		row.SetNote(noteNobody)
	case row.Status() == collections.NotificationSkipped:
		row.SetNote(noteNoTokens)
	}
	return nil
}
