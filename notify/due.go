package notify

import (
	"database/sql"
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// dueStep is what a dispatcher run does with a scheduled row.
type dueStep int

const (
	stepWait    dueStep = iota // nothing: its moment has not come
	stepMoveDue                // its due_at follows the poll's deadline
	stepSkip                   // it is settled as skipped, with a note
	stepResolve                // its recipients are chosen now
)

// nextStep decides what happens to a scheduled row of kind, due at dueAt,
// at time now, given its poll's state (gone, closed, deadline). The moment
// is read from the poll as it is now: a results row waits for the poll to
// be closed, a reminder for its lead time before the current deadline. For
// stepMoveDue it returns the new due time, for stepSkip the note.
func nextStep(kind string, dueAt time.Time, pollGone, closed bool, deadline, now time.Time) (step dueStep, due time.Time, note string) {
	if pollGone {
		return stepSkip, time.Time{}, notePollGone
	}
	wait := func(due time.Time) (dueStep, time.Time, string) {
		if dueAt.Equal(due) {
			return stepWait, time.Time{}, ""
		}
		return stepMoveDue, due, ""
	}
	switch kind {
	case collections.KindResults, collections.KindPicked:
		if !closed {
			return wait(deadline)
		}
	case collections.KindReminder1h, collections.KindReminder10m:
		moment := deadline.Add(-reminderLead(kind))
		switch {
		case closed || !now.Before(deadline):
			return stepSkip, time.Time{}, noteClosedFirst
		case now.Before(moment):
			return wait(moment)
		case kind == collections.KindReminder1h && !now.Before(deadline.Add(-Reminder10mLead)):
			return stepSkip, time.Time{}, noteSuperseded
		}
	default:
		return stepWait, time.Time{}, ""
	}
	return stepResolve, time.Time{}, ""
}

// sweepEvery is how often a run reads every scheduled row rather than those
// due and those of polls that changed: the bound on how long a change the
// hooks cannot see (another process writing the database) waits.
const sweepEvery = 10 * time.Minute

// onPollChanged notes a saved or deleted poll: the next run reads its
// scheduled rows whatever their due time (a close, a moved deadline).
func (n *Notifier) onPollChanged(e *core.RecordEvent) error {
	n.notePollsChanged(e.Record.Id)
	return e.Next()
}

func (n *Notifier) notePollsChanged(ids ...string) {
	n.changedMu.Lock()
	defer n.changedMu.Unlock()
	if n.changed == nil {
		n.changed = map[string]struct{}{}
	}
	for _, id := range ids {
		n.changed[id] = struct{}{}
	}
}

func (n *Notifier) takeChangedPolls() []string {
	n.changedMu.Lock()
	defer n.changedMu.Unlock()
	ids := make([]string, 0, len(n.changed))
	for id := range n.changed {
		ids = append(ids, id)
	}
	n.changed = nil
	return ids
}

// scheduledStates returns the scheduled rows a run must decide on: those
// due by now and those of polls saved or deleted since the last run, or
// every one on a run's first call and every sweepEvery after it. A row
// left out is one whose poll did not change and whose due time has not
// come: nextStep would say wait.
func (n *Notifier) scheduledStates(app core.App, now time.Time) ([]collections.ScheduledState, error) {
	changed := n.takeChangedPolls()
	states, err := n.readScheduledStates(app, now, changed)
	if err != nil {
		n.notePollsChanged(changed...) // read again by the next run
	}
	return states, err
}

func (n *Notifier) readScheduledStates(app core.App, now time.Time, changed []string) ([]collections.ScheduledState, error) {
	if n.lastSweep.IsZero() || time.Since(n.lastSweep) >= sweepEvery {
		states, err := collections.ScheduledStates(app)
		if err == nil {
			n.lastSweep = time.Now()
		}
		return states, err
	}
	states, err := collections.ScheduledStatesDueBy(app, dt(now))
	if err != nil {
		return nil, err
	}
	more, err := collections.ScheduledStatesOfPolls(app, changed)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(states))
	for _, s := range states {
		seen[s.Id] = true
	}
	for _, s := range more {
		if !seen[s.Id] {
			states = append(states, s)
		}
	}
	return states, nil
}

// resolveDueRows chooses the recipients of scheduled rows whose moment has
// come, or skips them, and returns how many it settled.
//
// Why the pre-read: every open poll has three or four scheduled rows, and
// nearly all of them wait. Loading each row and its poll as records took
// 140 ms of CPU per run beside 500 open polls (BenchmarkIdleRun500OpenPolls),
// every interval, on the CPU that answers votes. One query of the rows and
// their polls' states finds the few with something to do; only those are
// loaded, and decided again on what they hold then. Between sweeps that
// query reads only the rows due and those of polls that changed
// (scheduledStates): reading all of them, from pages the read connection
// no longer had, still took 0.36 s per run beside some 3,000 open polls.
func (n *Notifier) resolveDueRows(app core.App, now time.Time) (int, error) {
	states, err := n.scheduledStates(app, now)
	if err != nil {
		return 0, err
	}
	settled := 0
	var errs []error
	for _, s := range states {
		step, _, _ := nextStep(s.Kind, s.DueAt.Time(), s.PollStatus == "", s.PollStatus == collections.PollClosed, s.Deadline.Time(), now)
		if step == stepWait {
			continue
		}
		row, err := collections.FindNotification(app, s.Id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // deleted since (its poll's circle was)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if row.Status() != collections.NotificationScheduled {
			continue
		}
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

// resolveDueRow settles one scheduled row if its moment has come (see
// nextStep) and reports whether it did.
func (n *Notifier) resolveDueRow(app core.App, row *collections.Notification, now time.Time) (bool, error) {
	poll, err := collections.FindPoll(app, row.Poll())
	gone := errors.Is(err, sql.ErrNoRows)
	if err != nil && !gone {
		return false, err
	}
	var closed bool
	var deadline time.Time
	if !gone {
		closed, deadline = poll.IsClosed(), poll.Deadline().Time()
	}
	step, due, note := nextStep(row.Kind(), row.DueAt().Time(), gone, closed, deadline, now)
	switch step {
	case stepWait:
		return false, nil
	case stepMoveDue:
		row.SetDueAt(dt(due))
		return false, app.Save(row)
	case stepSkip:
		skipRow(row, note)
		return true, app.Save(row)
	}
	if row.Kind() == collections.KindPicked && !n.revealed(poll) {
		skipRow(row, noteNotRevealed)
		return true, app.Save(row)
	}

	circle, err := collections.FindCircle(app, poll.Circle())
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !circle.IsActive()) {
		skipRow(row, noteCircleClosed)
		return true, app.Save(row)
	}
	if err != nil {
		return false, err
	}
	if err := n.setCopy(app, row, circle, poll); err != nil {
		return false, err
	}
	if err := n.resolve(app, row, poll, circle); err != nil {
		return false, err
	}
	return true, app.Save(row)
}
