package notify_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"circly/collections"
	"circly/expo"
	"circly/expo/expotest"
	"circly/notify"
)

func pushTokenOf(t testing.TB, h *harness, f *circleFixture, i int) string {
	t.Helper()
	u, err := h.app.FindRecordById(collections.Users, f.users[i].Id)
	if err != nil {
		t.Fatal(err)
	}
	return u.GetString("push_token")
}

func TestDeviceNotRegisteredInTicketClearsToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(4)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	h.expo.MarkDeviceNotRegistered(f.push[1], f.push[2])

	// user 2 registers a new token after the announcement was built: the
	// old one fails, the new one must survive
	u2, _ := h.app.FindRecordById(collections.Users, f.users[2].Id)
	u2.Set("push_token", "ExponentPushToken[fresh-token]")
	if err := h.app.Save(u2); err != nil {
		t.Fatal(err)
	}

	rep := h.run(now)
	if rep.Sent != 1 || rep.Failed != 2 || rep.TokensCleared != 1 {
		t.Fatalf("report %+v", rep)
	}
	if got := pushTokenOf(t, h, f, 1); got != "" {
		t.Fatalf("user 1 keeps dead token %q", got)
	}
	if got := pushTokenOf(t, h, f, 2); got != "ExponentPushToken[fresh-token]" {
		t.Fatalf("user 2's new token became %q", got)
	}
	if got := pushTokenOf(t, h, f, 3); got != f.push[3] {
		t.Fatalf("user 3's token became %q", got)
	}
	d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[1].Id]
	if d.State != collections.DeliveryFailed || !strings.Contains(d.Error, expo.CodeDeviceNotRegistered) {
		t.Fatalf("delivery %+v", d)
	}
	if !strings.Contains(row(t, h.app, poll.Id, collections.KindPollStarted).GetString("last_error"), expo.CodeDeviceNotRegistered) {
		t.Fatal("last_error does not say DeviceNotRegistered")
	}
	if rep := h.run(now.Add(5 * time.Minute)); rep.Claimed != 0 {
		t.Fatalf("failed deliveries were resent: %+v", rep)
	}
}

func TestDeviceNotRegisteredInReceiptClearsToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	h.expo.SetReceiptError(f.push[1], expo.CodeDeviceNotRegistered)

	if rep := h.run(now); rep.Sent != 2 {
		t.Fatalf("report %+v", rep)
	}
	if got := pushTokenOf(t, h, f, 1); got != f.push[1] {
		t.Fatal("token cleared before its receipt")
	}
	rep := h.run(now.Add(16 * time.Minute))
	if rep.Receipts != 2 || rep.TokensCleared != 1 || rep.Failed != 1 {
		t.Fatalf("receipt run: %+v", rep)
	}
	if got := pushTokenOf(t, h, f, 1); got != "" {
		t.Fatalf("user 1 keeps dead token %q", got)
	}
	ds := deliveries(t, h.app, poll.Id, collections.KindPollStarted)
	if d := ds[f.users[1].Id]; d.State != collections.DeliveryFailed || d.Receipt != expo.CodeDeviceNotRegistered {
		t.Fatalf("delivery %+v", d)
	}
	if d := ds[f.users[2].Id]; d.State != collections.DeliverySent || d.Receipt != collections.ReceiptOK {
		t.Fatalf("delivery %+v", d)
	}
	if s := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); s != collections.NotificationDone {
		t.Fatalf("status %q, want done", s)
	}
}

func TestRetryableReceiptErrorIsResent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	h.expo.SetReceiptError(f.push[1], expo.CodeMessageRateExceeded)

	h.run(now)
	rep := h.run(now.Add(16 * time.Minute))
	if rep.Retrying != 1 || rep.Claimed != 0 {
		t.Fatalf("receipt run: %+v", rep)
	}
	d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[1].Id]
	if d.State != collections.DeliveryPending || d.RetryAt.IsZero() {
		t.Fatalf("delivery %+v, want pending with a retry time", d)
	}
	if s := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); s != collections.NotificationPending {
		t.Fatalf("status %q, want pending", s)
	}

	h.expo.ClearToken(f.push[1])
	if rep := h.run(now.Add(18 * time.Minute)); rep.Sent != 1 {
		t.Fatalf("resend run: %+v", rep)
	}
	h.run(now.Add(35 * time.Minute))
	if got := countTo(t, h.expo, f.push[1], poll.Id, collections.KindPollStarted); got != 2 {
		t.Fatalf("user 1 got %d messages, want 2 (the first was refused)", got)
	}
	if got := countTo(t, h.expo, f.push[2], poll.Id, collections.KindPollStarted); got != 1 {
		t.Fatalf("user 2 got %d messages, want 1", got)
	}
	d = deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[1].Id]
	if d.State != collections.DeliverySent || d.Receipt != collections.ReceiptOK || d.Attempts != 2 {
		t.Fatalf("delivery %+v", d)
	}
	if s := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); s != collections.NotificationDone {
		t.Fatalf("status %q, want done", s)
	}
}

func TestTransientFailuresDeliverOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range []expotest.FaultKind{
		expotest.FaultTooManyRequests,
		expotest.FaultInternalError,
		expotest.FaultBadGateway,
		expotest.FaultHangUp,
	} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			f := h.newCircle(3)
			now := time.Now()
			poll := h.createPoll(f, 0, time.Hour)
			h.expo.FailNext(1, expotest.Fault{Kind: kind})

			if rep := h.run(now); rep.Sent != 2 || rep.Retrying != 0 {
				t.Fatalf("report %+v", rep)
			}
			if n := h.expo.SendRequests(); n != 2 {
				t.Fatalf("%d send requests, want 2", n)
			}
			for i := 1; i < 3; i++ {
				if got := countTo(t, h.expo, f.push[i], poll.Id, collections.KindPollStarted); got != 1 {
					t.Fatalf("user %d got %d messages", i, got)
				}
			}
		})
	}
}

// Expo accepts a batch but its answer is lost: the retry is a second copy
// with the same collapse key, and the outbox records one send.
func TestAcceptedButLostIsRetriedWithTheSameCollapseKey(t *testing.T) {
	t.Parallel()

	t.Run("retried by the client", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		f := h.newCircle(3)
		now := time.Now()
		poll := h.createPoll(f, 0, time.Hour)
		h.expo.FailNext(1, expotest.Fault{Kind: expotest.FaultInternalError, Deliver: true})

		if rep := h.run(now); rep.Sent != 2 {
			t.Fatalf("report %+v", rep)
		}
		for i := 1; i < 3; i++ {
			if got := countTo(t, h.expo, f.push[i], poll.Id, collections.KindPollStarted); got != 2 {
				t.Fatalf("user %d got %d copies, want 2", i, got)
			}
			d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[i].Id]
			if d.State != collections.DeliverySent || d.Attempts != 1 || d.TicketID == "" {
				t.Fatalf("delivery %+v", d)
			}
		}
		if rep := h.run(now.Add(5 * time.Minute)); rep.Claimed != 0 {
			t.Fatalf("third copy: %+v", rep)
		}
	})

	t.Run("retried by the next run", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, func(s *notify.Settings) { s.Expo.MaxAttempts = 1 })
		f := h.newCircle(3)
		now := time.Now()
		poll := h.createPoll(f, 0, time.Hour)
		h.expo.FailNext(1, expotest.Fault{Kind: expotest.FaultGatewayTimeout, Deliver: true})

		if rep := h.run(now); rep.Retrying != 2 || rep.Sent != 0 {
			t.Fatalf("first run: %+v", rep)
		}
		d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[1].Id]
		if d.State != collections.DeliveryPending || !strings.Contains(d.Error, "504") {
			t.Fatalf("after the lost answer: %+v", d)
		}
		if rep := h.run(now.Add(30 * time.Second)); rep.Claimed != 0 {
			t.Fatalf("resent before its backoff: %+v", rep)
		}
		if rep := h.run(now.Add(2 * time.Minute)); rep.Sent != 2 {
			t.Fatalf("second run: %+v", rep)
		}
		for i := 1; i < 3; i++ {
			if got := countTo(t, h.expo, f.push[i], poll.Id, collections.KindPollStarted); got != 2 {
				t.Fatalf("user %d got %d copies, want 2", i, got)
			}
			d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[i].Id]
			if d.State != collections.DeliverySent || d.Attempts != 2 {
				t.Fatalf("delivery %+v", d)
			}
		}
		if got := row(t, h.app, poll.Id, collections.KindPollStarted).GetInt("attempts"); got != 2 {
			t.Fatalf("row attempts %d, want 2", got)
		}
	})
}

func TestPermanentErrorsAreRecordedNotRetried(t *testing.T) {
	t.Parallel()

	t.Run("error ticket", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		f := h.newCircle(3)
		now := time.Now()
		poll := h.createPoll(f, 0, time.Hour)
		h.expo.SetTicketError(f.push[1], expo.CodeMessageTooBig)

		if rep := h.run(now); rep.Failed != 1 || rep.Sent != 1 {
			t.Fatalf("report %+v", rep)
		}
		d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[1].Id]
		if d.State != collections.DeliveryFailed || !strings.Contains(d.Error, expo.CodeMessageTooBig) {
			t.Fatalf("delivery %+v", d)
		}
		if pushTokenOf(t, h, f, 1) != f.push[1] {
			t.Fatal("a permanent error cleared the token")
		}
		if rep := h.run(now.Add(5 * time.Minute)); rep.Claimed != 0 {
			t.Fatalf("retried: %+v", rep)
		}
	})

	t.Run("rejected request", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, nil)
		f := h.newCircle(3)
		now := time.Now()
		poll := h.createPoll(f, 0, time.Hour)
		h.expo.FailNext(1, expotest.ErrorFault(http.StatusBadRequest, expotest.CodeValidationError, `"[0].to" is required`, false))

		if rep := h.run(now); rep.Failed != 2 {
			t.Fatalf("report %+v", rep)
		}
		r := row(t, h.app, poll.Id, collections.KindPollStarted)
		if r.GetString("status") != collections.NotificationDone || !strings.Contains(r.GetString("last_error"), expotest.CodeValidationError) {
			t.Fatalf("row status %q, last_error %q", r.GetString("status"), r.GetString("last_error"))
		}
		if rep := h.run(now.Add(5 * time.Minute)); rep.Claimed != 0 {
			t.Fatalf("retried: %+v", rep)
		}
	})
}

func TestRetryLaterErrorsGiveUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(s *notify.Settings) { s.MaxAttempts = 3 })
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	h.expo.SetTicketError(f.push[1], expo.CodeMessageRateExceeded)

	// waits of 1 and 2 minutes between attempts
	for _, at := range []time.Duration{0, 90 * time.Second, 4 * time.Minute, 30 * time.Minute} {
		h.run(now.Add(at))
	}
	if got := countTo(t, h.expo, f.push[1], poll.Id, collections.KindPollStarted); got != 3 {
		t.Fatalf("%d attempts reached Expo, want 3", got)
	}
	d := deliveries(t, h.app, poll.Id, collections.KindPollStarted)[f.users[1].Id]
	if d.State != collections.DeliveryFailed || d.Attempts != 3 || !strings.Contains(d.Error, "gave up after 3 attempts") {
		t.Fatalf("delivery %+v", d)
	}
}

func TestReceiptsGivenUpAfterTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	h.expo.SetReceiptDelay(72 * time.Hour) // Expo never has them

	h.run(now)
	if rep := h.run(now.Add(16 * time.Minute)); rep.Receipts != 0 {
		t.Fatalf("receipts settled early: %+v", rep)
	}
	if h.expo.ReceiptRequests() != 1 {
		t.Fatalf("%d receipt requests, want 1", h.expo.ReceiptRequests())
	}
	if rep := h.run(now.Add(25 * time.Hour)); rep.Receipts != 2 {
		t.Fatalf("after a day: %+v", rep)
	}
	for _, d := range deliveries(t, h.app, poll.Id, collections.KindPollStarted) {
		if d.State != collections.DeliverySent || d.Receipt != collections.ReceiptUnknown {
			t.Fatalf("delivery %+v", d)
		}
	}
	if s := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); s != collections.NotificationDone {
		t.Fatalf("status %q, want done", s)
	}
}

func TestMissingRowsAreCreatedByTheNextRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)
	// as if the process died between the poll's commit and its create hook
	if _, err := h.app.DB().Delete(collections.Notifications, dbx.HashExp{"poll": poll.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	rep := h.run(now)
	if rep.Enqueued != len(notify.Kinds) || rep.Sent != 2 {
		t.Fatalf("report %+v", rep)
	}
	for i := 1; i < 3; i++ {
		if got := countTo(t, h.expo, f.push[i], poll.Id, collections.KindPollStarted); got != 1 {
			t.Fatalf("user %d got %d", i, got)
		}
	}
	if rep := h.run(now.Add(time.Minute)); rep.Enqueued != 0 || rep.Claimed != 0 {
		t.Fatalf("second run: %+v", rep)
	}
}

func TestFinishedRowsArePruned(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	closing := h.createPoll(f, 0, time.Hour)
	open := h.createPoll(f, 1, time.Hour)
	h.setDeadline(open, now.Add(40*24*time.Hour)) // still open when the other is pruned

	h.run(now)
	h.run(now.Add(2 * time.Hour)) // closes the first poll, sends its results
	h.run(now.Add(3 * time.Hour)) // receipts
	before := len(h.expo.Messages())
	rep := h.run(now.Add(31 * 24 * time.Hour))
	if rep.Pruned != len(notify.Kinds) {
		t.Fatalf("pruned %d rows, want the closed poll's %d", rep.Pruned, len(notify.Kinds))
	}
	if n, _ := h.app.CountRecords(collections.Notifications, dbx.HashExp{"poll": closing.Id}); n != 0 {
		t.Fatalf("%d rows left for the closed poll", n)
	}
	if n, _ := h.app.CountRecords(collections.Notifications, dbx.HashExp{"poll": open.Id}); int(n) != len(notify.Kinds) {
		t.Fatalf("%d rows left for the open poll, want %d", n, len(notify.Kinds))
	}
	if rep := h.run(now.Add(31*24*time.Hour + time.Minute)); rep.Enqueued != 0 || rep.Claimed != 0 {
		t.Fatalf("pruned rows came back: %+v", rep)
	}
	if after := len(h.expo.Messages()); after != before {
		t.Fatalf("%d messages sent after pruning", after-before)
	}
}
