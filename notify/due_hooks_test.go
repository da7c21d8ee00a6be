package notify_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/notify"
)

// pollAfterASweep returns a harness with a circle of four, a poll of
// three hours by its first member, and the time of a first run, which read
// every scheduled row (nothing due but the announcement).
func pollAfterASweep(t *testing.T) (*harness, *circleFixture, *core.Record, time.Time) {
	t.Helper()
	h := newHarness(t, nil)
	f := h.newCircle(4)
	now := time.Now()
	poll := h.createPoll(f, 0, 3*time.Hour)
	h.run(now)
	return h, f, poll, now
}

// A deadline moved earlier (an operator in the dashboard) brings the 1 h
// reminder forward at the next run, though its old due time is hours away:
// the poll's save tells the dispatcher to read that poll's rows.
func TestReminderFollowsADeadlineMovedEarlier(t *testing.T) {
	t.Parallel()
	h, f, poll, now := pollAfterASweep(t)
	h.vote(f, poll, 1)

	h.setDeadline(poll, now.Add(30*time.Minute))
	rep := h.run(now)
	if rep.Resolved != 1 {
		t.Fatalf("run after the move: %+v, want the 1 h reminder resolved", rep)
	}
	ds := deliveries(t, h.app, poll.Id, collections.KindReminder1h)
	if _, voted := ds[f.users[1].Id]; voted || len(ds) != 3 {
		t.Fatalf("reminder_1h recipients %v, want users 0, 2 and 3 (1 voted)", ds)
	}
}

// A change the hooks cannot see (another process writing the database)
// waits for the next run that reads every row, at most sweepEvery later.
func TestChangeBehindTheHooksWaitsForASweep(t *testing.T) {
	t.Parallel()
	h, _, poll, now := pollAfterASweep(t)

	deadline := now.Add(30 * time.Minute).UTC().Format("2006-01-02 15:04:05.000Z")
	if _, err := h.app.DB().NewQuery("UPDATE polls SET deadline = {:d} WHERE id = {:id}").
		Bind(map[string]any{"d": deadline, "id": poll.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if rep := h.run(now); rep.Resolved != 0 {
		t.Fatalf("run before a sweep: %+v, want nothing resolved", rep)
	}
	notify.ForgetLastSweep(h.n)
	if rep := h.run(now); rep.Resolved != 1 {
		t.Fatalf("sweep: %+v, want the 1 h reminder resolved", rep)
	}
}
