package collections_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

func makeNotification(t *testing.T, app core.App, pollId, kind, status string, due time.Time, ds []collections.Delivery) *collections.Notification {
	t.Helper()
	n, err := collections.NewNotification(app)
	must(t, err)
	n.SetPoll(pollId)
	n.SetKind(kind)
	n.SetStatus(status)
	n.SetDueAt(dt(t, due))
	n.SetTitle("title")
	n.SetBody("body")
	n.SetDeliveries(ds)
	must(t, app.Save(n))
	return n
}

func TestNotificationRoundTrip(t *testing.T) {
	f := newPollFixture(t, true)
	sent := dt(t, time.Now())
	ds := []collections.Delivery{
		{User: f.u2.Id, Token: "ExponentPushToken[u2]", State: collections.DeliverySent, Attempts: 1, TicketID: "t1", SentAt: sent},
		{User: f.u1.Id, State: collections.DeliverySkipped, Error: "no push token"},
	}
	n := makeNotification(t, f.app, f.poll.Id, collections.KindPollStarted, collections.NotificationSent, time.Now(), ds)
	n.SetAttempts(1)
	n.SetLastError("boom")
	n.SetNote("note")
	must(t, f.app.Save(n))

	got, err := collections.FindNotification(f.app, n.Id)
	must(t, err)
	if got.Poll() != f.poll.Id || got.Kind() != collections.KindPollStarted || got.Status() != collections.NotificationSent ||
		got.Title() != "title" || got.Body() != "body" || got.Attempts() != 1 || got.LastError() != "boom" ||
		got.Note() != "note" || got.DueAt().String() != n.DueAt().String() || got.Created().IsZero() || got.Updated().IsZero() {
		t.Fatalf("notification read back as %v", got.FieldsData())
	}
	back, err := got.Deliveries()
	must(t, err)
	if len(back) != 2 || back[0].SentAt.String() != sent.String() {
		t.Fatalf("deliveries read back as %+v", back)
	}
	back[0].SentAt = sent
	if !slices.Equal(back, ds) {
		t.Fatalf("deliveries read back as %+v, want %+v", back, ds)
	}
	if !back[0].AwaitingReceipt() || back[1].AwaitingReceipt() {
		t.Fatal("AwaitingReceipt: want only the sent delivery without a receipt")
	}
	back[0].Receipt = collections.ReceiptOK
	if back[0].AwaitingReceipt() {
		t.Fatal("a delivery with a receipt still awaits one")
	}
}

// A new row's deliveries are [] (never null), also after a save, and also
// for a raw record saved through the proxy.
func TestDeliveriesAreNeverNull(t *testing.T) {
	f := newPollFixture(t, true)
	app := f.app
	n, err := collections.NewNotification(app)
	must(t, err)
	if n.DeliveriesJSON() != "[]" {
		t.Fatalf("new row's deliveries = %q, want []", n.DeliveriesJSON())
	}
	if ds, err := n.Deliveries(); ds == nil || len(ds) != 0 || err != nil {
		t.Fatalf("Deliveries() of a new row = %#v, %v; want an empty list", ds, err)
	}

	col, err := app.FindCollectionByNameOrId(collections.Notifications)
	must(t, err)
	raw := collections.AsNotification(core.NewRecord(col))
	raw.SetPoll(f.poll.Id)
	raw.SetKind(collections.KindResults)
	raw.SetStatus(collections.NotificationScheduled)
	raw.SetDueAt(types.NowDateTime())
	if raw.DeliveriesJSON() != "null" {
		t.Fatalf("raw record's deliveries = %q before the save", raw.DeliveriesJSON())
	}
	must(t, app.Save(raw))
	back, err := collections.FindNotification(app, raw.Id)
	must(t, err)
	if back.DeliveriesJSON() != "[]" {
		t.Fatalf("stored deliveries = %q, want []", back.DeliveriesJSON())
	}
}

// SetDeliveries keeps the counts and last_error in step with the
// deliveries: last_error is emptied once every delivery has a final
// outcome and none failed.
func TestSetDeliveriesDerivesCountsAndLastError(t *testing.T) {
	app := newTestApp(t)
	n, err := collections.NewNotification(app)
	must(t, err)
	sent := collections.Delivery{User: "a", State: collections.DeliverySent, TicketID: "t1"}
	skipped := collections.Delivery{User: "b", State: collections.DeliverySkipped, Error: "no push token"}
	retry := collections.Delivery{User: "c", State: collections.DeliveryPending, Error: "rate limited"}
	failed := collections.Delivery{User: "d", State: collections.DeliveryFailed, Error: "InvalidCredentials"}

	check := func(step string, ds []collections.Delivery, wantSent, wantFailed, wantSkipped int, wantErr string) {
		t.Helper()
		n.SetDeliveries(ds)
		if n.Sent() != wantSent || n.Failed() != wantFailed || n.Skipped() != wantSkipped || n.LastError() != wantErr {
			t.Fatalf("%s: sent %d failed %d skipped %d last_error %q; want %d %d %d %q", step,
				n.Sent(), n.Failed(), n.Skipped(), n.LastError(), wantSent, wantFailed, wantSkipped, wantErr)
		}
	}
	n.SetLastError("rate limited")
	check("retry pending", []collections.Delivery{sent, skipped, retry}, 1, 0, 1, "rate limited")
	retry.State, retry.TicketID, retry.Error = collections.DeliverySent, "t2", ""
	check("receipts awaited", []collections.Delivery{sent, skipped, retry}, 2, 0, 1, "rate limited")
	sent.Receipt, retry.Receipt = collections.ReceiptOK, collections.ReceiptUnknown
	check("all final, no failure", []collections.Delivery{sent, skipped, retry}, 2, 0, 1, "")
	n.SetLastError("InvalidCredentials")
	check("a failure stays", []collections.Delivery{sent, skipped, failed}, 1, 1, 1, "InvalidCredentials")
	check("nobody", nil, 0, 0, 0, "")
}

func TestOutboxQueries(t *testing.T) {
	f := newPollFixture(t, true)
	app, now := f.app, time.Now()
	pending := makeNotification(t, app, f.poll.Id, collections.KindPollStarted, collections.NotificationPending, now, nil)
	scheduled := makeNotification(t, app, f.poll.Id, collections.KindReminder1h, collections.NotificationScheduled, now.Add(time.Minute), nil)
	sent := makeNotification(t, app, f.poll.Id, collections.KindReminder10m, collections.NotificationSent, now, nil)

	kinds, err := collections.NotificationKindsOf(app, f.poll.Id)
	must(t, err)
	slices.Sort(kinds)
	if want := []string{collections.KindPollStarted, collections.KindReminder10m, collections.KindReminder1h}; !slices.Equal(kinds, want) {
		t.Errorf("NotificationKindsOf = %v, want %v", kinds, want)
	}
	states, err := collections.ScheduledStates(app)
	must(t, err)
	if len(states) != 1 {
		t.Fatalf("ScheduledStates = %+v, want the one scheduled row", states)
	}
	if s := states[0]; s.Id != scheduled.Id || s.Kind != collections.KindReminder1h ||
		s.DueAt.String() != scheduled.DueAt().String() || s.PollStatus != collections.PollOpen || s.Deadline.String() != f.poll.Deadline().String() {
		t.Errorf("ScheduledStates = %+v, want row %s (reminder_1h, due %s) of the open poll due %s",
			s, scheduled.Id, scheduled.DueAt(), f.poll.Deadline())
	}
	pendingIds, err := collections.PendingNotificationIds(app)
	must(t, err)
	if !slices.Equal(pendingIds, []string{pending.Id}) {
		t.Errorf("PendingNotificationIds = %v, want [%s]", pendingIds, pending.Id)
	}
	rows, err := collections.SentOrPendingNotifications(app)
	must(t, err)
	got, want := ids(rows), []string{pending.Id, sent.Id}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("SentOrPendingNotifications = %v, want %v", got, want)
	}

	for kinds, want := range map[int][]string{4: {f.poll.Id}, 3: nil} {
		missing, err := collections.OpenPollsMissingNotifications(app, kinds)
		must(t, err)
		if !slices.Equal(missing, want) {
			t.Errorf("OpenPollsMissingNotifications(%d) = %v, want %v", kinds, missing, want)
		}
	}
}

func TestPruneNotifications(t *testing.T) {
	f := newPollFixture(t, true)
	app, now := f.app, time.Now()
	old := makePoll(t, app, f.circle.Id, collections.PollClosed, now.Add(-48*time.Hour))
	doomed := makeNotification(t, app, old.Id, collections.KindResults, collections.NotificationDone, now, nil)
	unsent := makeNotification(t, app, old.Id, collections.KindReminder1h, collections.NotificationPending, now, nil)
	open := makeNotification(t, app, f.poll.Id, collections.KindReminder1h, collections.NotificationSkipped, now, nil)

	if k, err := collections.PruneNotifications(app, dt(t, now.Add(-time.Hour))); err != nil || k != 0 {
		t.Fatalf("PruneNotifications(an hour ago) = %d, %v; want 0 (rows are newer)", k, err)
	}
	k, err := collections.PruneNotifications(app, dt(t, now.Add(time.Hour)))
	must(t, err)
	if k != 1 {
		t.Fatalf("PruneNotifications deleted %d rows, want 1", k)
	}
	if _, err := collections.FindNotification(app, doomed.Id); err == nil {
		t.Error("the finished row of the closed poll is still there")
	}
	for _, n := range []*collections.Notification{unsent, open} {
		if _, err := collections.FindNotification(app, n.Id); err != nil {
			t.Errorf("row %s (%s) was pruned: %v", n.Id, n.Status(), err)
		}
	}
}

func TestPickedKindAndDeleteNotificationsOfKind(t *testing.T) {
	f := newPollFixture(t, true)
	app, now := f.app, time.Now()
	picked := makeNotification(t, app, f.poll.Id, collections.KindPicked, collections.NotificationScheduled, now, nil)
	results := makeNotification(t, app, f.poll.Id, collections.KindResults, collections.NotificationScheduled, now, nil)

	must(t, collections.DeleteNotificationsOfKind(app, collections.KindPicked))
	if _, err := collections.FindNotification(app, picked.Id); err == nil {
		t.Fatal("the picked row is still there")
	}
	if _, err := collections.FindNotification(app, results.Id); err != nil {
		t.Fatalf("the results row went too: %v", err)
	}
}

// SyncFields and DropFields, as the migrations use them: a field is added
// once, replaced in place by name, and removed.
func TestSyncAndDropFields(t *testing.T) {
	app := newTestApp(t)
	must(t, collections.DropFields(app, collections.Members, collections.FieldMemberMuted))
	stored, err := app.FindCollectionByNameOrId(collections.Members)
	must(t, err)
	if stored.Fields.GetByName(collections.FieldMemberMuted) != nil {
		t.Fatal("muted not dropped")
	}
	for range 2 {
		must(t, collections.SyncFields(app, collections.NewMembers(), collections.FieldMemberMuted))
	}
	stored, err = app.FindCollectionByNameOrId(collections.Members)
	must(t, err)
	n := 0
	for _, f := range stored.Fields {
		if f.GetName() == collections.FieldMemberMuted {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d muted fields after two syncs, want 1", n)
	}
	if err := collections.SyncFields(app, collections.NewMembers(), "no_such_field"); err == nil {
		t.Fatal("syncing an undefined field did not fail")
	}
}
