package notify_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"circly/collections"
	"circly/expo"
)

// storedDeliveries is the deliveries column of (poll, kind) as stored.
func storedDeliveries(t *testing.T, h *harness, pollId, kind string) string {
	t.Helper()
	var raw *string
	err := h.app.DB().Select("deliveries").From(collections.Notifications).
		Where(dbx.HashExp{"poll": pollId, "kind": kind}).Row(&raw)
	if err != nil {
		t.Fatal(err)
	}
	if raw == nil {
		return "NULL"
	}
	return *raw
}

// checkOutcomes checks the counts and last_error of (poll, kind).
func checkOutcomes(t *testing.T, h *harness, step, pollId, kind string, sent, failed, skipped int, lastError string) {
	t.Helper()
	n := collections.AsNotification(row(t, h.app, pollId, kind))
	if n.Sent() != sent || n.Failed() != failed || n.Skipped() != skipped || n.LastError() != lastError {
		t.Fatalf("%s: sent %d failed %d skipped %d last_error %q; want %d %d %d %q", step,
			n.Sent(), n.Failed(), n.Skipped(), n.LastError(), sent, failed, skipped, lastError)
	}
}

// The outbox row's sent/failed/skipped counts follow its deliveries through
// sends, receipts and retries, and last_error is emptied once every
// recipient has a final outcome without error (a retry that succeeded),
// but stays while one is being retried or has failed.
func TestOutboxCountsAndLastErrorFollowDeliveries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5, 4) // user 4 has no push token
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	kind := collections.KindPollStarted
	h.expo.SetReceiptError(f.push[1], expo.CodeMessageRateExceeded)
	h.expo.MarkDeviceNotRegistered(f.push[3])

	checkOutcomes(t, h, "enqueued", poll.Id, kind, 0, 0, 1, "")
	h.run(now)
	notRegistered := row(t, h.app, poll.Id, kind).GetString("last_error")
	if notRegistered == "" {
		t.Fatal("no last_error after a DeviceNotRegistered ticket")
	}
	checkOutcomes(t, h, "sent", poll.Id, kind, 2, 1, 1, notRegistered)

	h.run(now.Add(16 * time.Minute)) // user 1's receipt asks for a retry
	retryErr := row(t, h.app, poll.Id, kind).GetString("last_error")
	checkOutcomes(t, h, "receipt error", poll.Id, kind, 1, 1, 1, retryErr)

	h.expo.ClearToken(f.push[1])
	h.run(now.Add(18 * time.Minute)) // resent
	checkOutcomes(t, h, "resent", poll.Id, kind, 2, 1, 1, retryErr)
	h.run(now.Add(35 * time.Minute)) // its receipt is ok; user 3 failed for good
	checkOutcomes(t, h, "settled with a failure", poll.Id, kind, 2, 1, 1, retryErr)
}

func TestLastErrorIsEmptiedWhenTheRetrySucceeds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	kind := collections.KindPollStarted
	h.expo.SetReceiptError(f.push[1], expo.CodeMessageRateExceeded)

	h.run(now)
	h.run(now.Add(16 * time.Minute))
	if row(t, h.app, poll.Id, kind).GetString("last_error") == "" {
		t.Fatal("no last_error while a recipient is retried")
	}
	h.expo.ClearToken(f.push[1])
	h.run(now.Add(18 * time.Minute))
	if row(t, h.app, poll.Id, kind).GetString("last_error") == "" {
		t.Fatal("last_error emptied before the retry's receipt came")
	}
	h.run(now.Add(35 * time.Minute))
	checkOutcomes(t, h, "retry delivered", poll.Id, kind, 2, 0, 0, "")
	if s := row(t, h.app, poll.Id, kind).GetString("status"); s != collections.NotificationDone {
		t.Fatalf("status %q, want done", s)
	}
}

// Every row's deliveries are a JSON array, never null: rows waiting for
// their moment, rows skipped when they were made and rows skipped later.
func TestOutboxDeliveriesAreNeverNull(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	// 30 minutes: the 1-hour reminder is skipped when the poll is made
	poll := h.createPoll(f, 0, 30*time.Minute)
	for _, kind := range collections.NotificationKinds {
		if got := storedDeliveries(t, h, poll.Id, kind); got[0] != '[' {
			t.Errorf("%s at creation: deliveries %s", kind, got)
		}
	}
	if s := row(t, h.app, poll.Id, collections.KindReminder1h).GetString("status"); s != collections.NotificationSkipped {
		t.Fatalf("1-hour reminder %q, want skipped", s)
	}
	h.run(now)
	h.run(now.Add(2 * time.Hour)) // closed: reminders skipped, results sent
	for _, kind := range collections.NotificationKinds {
		if got := storedDeliveries(t, h, poll.Id, kind); got[0] != '[' {
			t.Errorf("%s after the close: deliveries %s", kind, got)
		}
	}
	checkOutcomes(t, h, "results", poll.Id, collections.KindResults, 3, 0, 0, "")
}
