package notify

import (
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
	collections.KindPicked,
}

// atClose reports whether a kind goes out when the poll has closed
// (results, picked) rather than while it is open (announcements,
// reminders, which are worthless after the close).
func atClose(kind string) bool {
	return kind == collections.KindResults || kind == collections.KindPicked
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
	noteAllSkipped    = "every recipient was skipped (no push token, account disabled or circle muted)"
	noteNotRevealed   = "the poll closed below the results threshold, so nobody is told they were picked"
	errMuted          = "muted the circle"
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
			if err := n.setCopy(txApp, row, circle, poll); err != nil {
				return err
			}
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
	case collections.KindResults, collections.KindPicked:
		row.SetDueAt(dt(deadline))
	}
	row.SetStatus(collections.NotificationScheduled)
	row.SetDeliveries([]collections.Delivery{})
	return nil
}

// skipRow settles row as skipped, with note saying why. Its deliveries
// stay as they are: [] for a row whose recipients were never chosen
// (collections.NewNotification starts every row with []).
func skipRow(row *collections.Notification, note string) {
	row.SetStatus(collections.NotificationSkipped)
	row.SetNote(note)
}

// addNote adds note to the row's note (which may name push copy that
// did not resolve).
func addNote(row *collections.Notification, note string) {
	if old := row.Note(); old != "" {
		note = old + "; " + note
	}
	row.SetNote(truncate(note, 500))
}

// revealed reports whether a poll has closed with its per-option counts
// shown; the rule is the polls domain's (notify.Polls).
func (n *Notifier) revealed(poll *collections.Poll) bool {
	return poll.IsClosed() && n.polls.CountsRevealed(poll)
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

// resolve chooses a row's recipients among the circle's active members,
// with the push tokens and mute switches they have now: everyone but the
// creator for poll_started, those who have not voted for reminders,
// everyone for results, the members whose option got votes for picked.
// A member who muted the circle, has no token or a disabled account is
// listed as skipped, with the reason.
func (n *Notifier) resolve(app core.App, row *collections.Notification, poll *collections.Poll, circle *collections.Circle) error {
	members, err := collections.CircleRecipients(app, circle.Id)
	if err != nil {
		return err
	}
	members, err = n.recipientsOf(app, row.Kind(), poll, members)
	if err != nil {
		return err
	}

	ds := make([]collections.Delivery, 0, len(members))
	tokens := make(map[string]bool, len(members))
	for _, m := range members {
		ds = append(ds, delivery(m, tokens))
	}
	setDeliveries(row, ds)
	switch {
	case len(ds) == 0:
		addNote(row, noteNobody)
	case row.Status() == collections.NotificationSkipped:
		addNote(row, noteAllSkipped)
	}
	return nil
}

// recipientsOf keeps the members a notification of kind goes to.
//
// picked goes to the members whose option got at least one published vote:
// the counts every member of the circle reads once the poll closed with
// them revealed (never the hidden tally).
//
// Whatever the kind, a member who has blocked the poll's creator (API.md
// §10) is left out: not listed, so the outbox row does not even show a
// skipped delivery to it.
func (n *Notifier) recipientsOf(app core.App, kind string, poll *collections.Poll, members []collections.Recipient) ([]collections.Recipient, error) {
	blockers, err := collections.BlockersOf(app, poll.Creator())
	if err != nil {
		return nil, err
	}
	var picked []string
	if kind == collections.KindPicked {
		if picked, err = collections.MembersWithPublishedVotes(app, poll.Id); err != nil {
			return nil, err
		}
	}
	out := make([]collections.Recipient, 0, len(members))
	for _, m := range members {
		if slices.Contains(blockers, m.User) {
			continue
		}
		switch kind {
		case collections.KindPollStarted:
			if m.User == poll.Creator() {
				continue
			}
		case collections.KindReminder1h, collections.KindReminder10m:
			voted, err := n.polls.HasVoted(app, poll.Id, m.User)
			if err != nil {
				return nil, err
			}
			if voted {
				continue
			}
		case collections.KindPicked:
			if !slices.Contains(picked, m.Member) {
				continue
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// delivery is a recipient's entry: pending, or skipped with the reason. A
// token already taken by an earlier recipient (one phone, two accounts) is
// skipped, and a token is taken only by a delivery that will be sent.
func delivery(m collections.Recipient, tokens map[string]bool) collections.Delivery {
	d := collections.Delivery{User: m.User, Token: m.Token, Locale: m.Locale, State: collections.DeliveryPending}
	switch {
	case m.Muted:
		d.State, d.Error = collections.DeliverySkipped, errMuted
	case !m.Active:
		d.State, d.Error = collections.DeliverySkipped, errUserDisabled
	case m.Token == "":
		d.State, d.Error = collections.DeliverySkipped, errNoToken
	case tokens[m.Token]:
		d.State, d.Error = collections.DeliverySkipped, errSameDevice
	default:
		tokens[m.Token] = true
	}
	return d
}
