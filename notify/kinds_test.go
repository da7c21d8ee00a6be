package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

func TestPollStarted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5, 3) // user 3 has no push token
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)

	// the create hook filled the outbox, without sending anything
	wantStatus := map[string]string{
		collections.KindPollStarted: collections.NotificationPending,
		collections.KindReminder1h:  collections.NotificationScheduled,
		collections.KindReminder10m: collections.NotificationScheduled,
		collections.KindResults:     collections.NotificationScheduled,
		collections.KindPicked:      collections.NotificationScheduled,
	}
	for kind, want := range wantStatus {
		if got := row(t, h.app, poll.Id, kind).GetString("status"); got != want {
			t.Fatalf("%s: status %q, want %q", kind, got, want)
		}
	}
	if n := h.expo.SendRequests(); n != 0 {
		t.Fatalf("the create hook sent %d requests", n)
	}

	rep := h.run(now)
	if rep.Sent != 3 || rep.Claimed != 3 {
		t.Fatalf("report %+v, want 3 sent", rep)
	}
	for i, tok := range f.push {
		want := 1
		if i == 0 || i == 3 { // the creator; no token
			want = 0
		}
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindPollStarted); got != want {
			t.Fatalf("user %d got %d poll_started, want %d", i, got, want)
		}
	}
	if n := len(h.expo.Messages()); n != 3 {
		t.Fatalf("%d messages in all, want 3", n)
	}

	m := h.expo.MessagesTo(f.push[1])[0]
	circleName := f.circle.GetString("name")
	question := poll.GetString("question_text")
	if !strings.Contains(m.Title, circleName) || !strings.Contains(m.Title, "새 질문") || m.Body != question {
		t.Fatalf("copy: title %q body %q", m.Title, m.Body)
	}
	if m.Data["kind"] != collections.KindPollStarted || m.Data["poll"] != poll.Id || m.Data["circle"] != f.circle.Id || len(m.Data) != 3 {
		t.Fatalf("data %v", m.Data)
	}
	if m.TTL == nil || *m.TTL < 3600 || *m.TTL > 7300 {
		t.Fatalf("ttl %v, want about 2 h", m.TTL)
	}

	ds := deliveries(t, h.app, poll.Id, collections.KindPollStarted)
	if _, ok := ds[f.users[0].Id]; ok || len(ds) != 4 {
		t.Fatalf("deliveries %v: want the 4 members but the creator", ds)
	}
	if d := ds[f.users[3].Id]; d.State != collections.DeliverySkipped || d.Error == "" {
		t.Fatalf("user without token: %+v", d)
	}
	for _, i := range []int{1, 2, 4} {
		d := ds[f.users[i].Id]
		if d.State != collections.DeliverySent || d.TicketID == "" || d.Attempts != 1 || d.Token != f.push[i] || d.SentAt.IsZero() {
			t.Fatalf("user %d: %+v", i, d)
		}
	}
	if got := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); got != collections.NotificationSent {
		t.Fatalf("status %q after sending, want sent", got)
	}

	// nothing is sent twice
	if rep := h.run(now.Add(time.Minute)); rep.Claimed != 0 {
		t.Fatalf("second run claimed %d", rep.Claimed)
	}

	// receipts after ReceiptDelay settle the row
	rep = h.run(now.Add(16 * time.Minute))
	if rep.Receipts != 3 || rep.Claimed != 0 {
		t.Fatalf("receipt run: %+v", rep)
	}
	ds = deliveries(t, h.app, poll.Id, collections.KindPollStarted)
	for _, i := range []int{1, 2, 4} {
		if d := ds[f.users[i].Id]; d.Receipt != collections.ReceiptOK || d.State != collections.DeliverySent {
			t.Fatalf("user %d after receipts: %+v", i, d)
		}
	}
	if got := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); got != collections.NotificationDone {
		t.Fatalf("status %q after receipts, want done", got)
	}
	if n := len(h.expo.Messages()); n != 3 {
		t.Fatalf("%d messages in all, want 3", n)
	}
}

func TestRemindersGoToMembersWhoHaveNotVoted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5, 4) // user 4 has no push token
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)

	h.vote(f, poll, 0) // the creator votes too
	h.vote(f, poll, 1)

	// not yet: an hour and a bit before the deadline
	if rep := h.run(now.Add(50 * time.Minute)); rep.Resolved != 0 || rep.Claimed != 0 {
		t.Fatalf("early run: %+v", rep)
	}

	rep := h.run(now.Add(61 * time.Minute))
	if rep.Resolved != 1 || rep.Sent != 2 {
		t.Fatalf("1 h run: %+v", rep)
	}
	ds := deliveries(t, h.app, poll.Id, collections.KindReminder1h)
	if len(ds) != 3 {
		t.Fatalf("reminder_1h recipients %v, want users 2, 3, 4", ds)
	}
	if d := ds[f.users[4].Id]; d.State != collections.DeliverySkipped {
		t.Fatalf("user without token: %+v", d)
	}
	for i, tok := range f.push {
		want := map[int]int{2: 1, 3: 1}[i]
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindReminder1h); got != want {
			t.Fatalf("user %d got %d reminder_1h, want %d", i, got, want)
		}
	}
	m := h.expo.MessagesTo(f.push[2])
	last := m[len(m)-1]
	if !strings.Contains(last.Title, "1시간") || !strings.Contains(last.Body, f.circle.GetString("name")) ||
		!strings.Contains(last.Body, poll.GetString("question_text")) || last.Priority != "high" {
		t.Fatalf("reminder copy: %q / %q (%s)", last.Title, last.Body, last.Priority)
	}

	// who votes in between is left out of the next reminder
	h.vote(f, poll, 2)
	rep = h.run(now.Add(111 * time.Minute))
	if rep.Resolved != 1 || rep.Sent != 1 {
		t.Fatalf("10 min run: %+v", rep)
	}
	for i, tok := range f.push {
		want := map[int]int{3: 1}[i]
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindReminder10m); got != want {
			t.Fatalf("user %d got %d reminder_10m, want %d", i, got, want)
		}
	}
	ds = deliveries(t, h.app, poll.Id, collections.KindReminder10m)
	if _, ok := ds[f.users[2].Id]; ok || len(ds) != 2 {
		t.Fatalf("reminder_10m recipients %v, want users 3 and 4", ds)
	}
}

func TestRemindersSkippedWhenTheirMomentHadPassed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	short := h.createPoll(f, 0, 5*time.Minute)   // both moments before creation
	medium := h.createPoll(f, 1, 30*time.Minute) // only the 1 h one
	long := h.createPoll(f, 2, 2*time.Hour)      // both, but the dispatcher is late

	for _, c := range []struct {
		poll   string
		kind   string
		status string
	}{
		{short.Id, collections.KindReminder1h, collections.NotificationSkipped},
		{short.Id, collections.KindReminder10m, collections.NotificationSkipped},
		{medium.Id, collections.KindReminder1h, collections.NotificationSkipped},
		{medium.Id, collections.KindReminder10m, collections.NotificationScheduled},
	} {
		r := row(t, h.app, c.poll, c.kind)
		if r.GetString("status") != c.status {
			t.Fatalf("%s: status %q, want %q", c.kind, r.GetString("status"), c.status)
		}
		if c.status == collections.NotificationSkipped && r.GetString("note") == "" {
			t.Fatalf("%s: skipped without a note", c.kind)
		}
	}

	h.run(now)
	h.run(now.Add(21 * time.Minute)) // the medium poll's 10 min reminder
	for i, tok := range f.push {
		if n := countTo(t, h.expo, tok, short.Id, collections.KindReminder1h) +
			countTo(t, h.expo, tok, short.Id, collections.KindReminder10m) +
			countTo(t, h.expo, tok, medium.Id, collections.KindReminder1h); n != 0 {
			t.Fatalf("user %d got %d skipped reminders", i, n)
		}
		if n := countTo(t, h.expo, tok, medium.Id, collections.KindReminder10m); n != 1 {
			t.Fatalf("user %d got %d reminder_10m, want 1", i, n)
		}
	}

	// a dispatcher that wakes up 5 minutes before the deadline sends the
	// 10-minute reminder only
	h.run(now.Add(115 * time.Minute))
	if r := row(t, h.app, long.Id, collections.KindReminder1h); r.GetString("status") != collections.NotificationSkipped {
		t.Fatalf("late 1 h reminder: %q", r.GetString("status"))
	}
	for i, tok := range f.push {
		if n := countTo(t, h.expo, tok, long.Id, collections.KindReminder1h); n != 0 {
			t.Fatalf("user %d got a late 1 h reminder", i)
		}
		if n := countTo(t, h.expo, tok, long.Id, collections.KindReminder10m); n != 1 {
			t.Fatalf("user %d got %d reminder_10m, want 1", i, n)
		}
	}
}

func TestResultsWhenThePollCloses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(4, 2)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)
	h.vote(f, poll, 1)

	if rep := h.run(now.Add(time.Minute)); rep.ClosedPolls != 0 || rep.Resolved != 0 {
		t.Fatalf("before the deadline: %+v", rep)
	}

	h.setDeadline(poll, now.Add(-time.Second))
	rep := h.run(now.Add(time.Minute))
	if rep.ClosedPolls != 1 || rep.Sent != 3 {
		t.Fatalf("at the deadline: %+v", rep)
	}
	closed, err := h.app.FindRecordById(collections.Polls, poll.Id)
	if err != nil || closed.GetString("status") != collections.PollClosed {
		t.Fatalf("poll not closed: %v", err)
	}
	for i, tok := range f.push {
		want := 1
		if i == 2 {
			want = 0
		}
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindResults); got != want {
			t.Fatalf("user %d got %d results, want %d", i, got, want)
		}
	}
	ds := deliveries(t, h.app, poll.Id, collections.KindResults)
	if len(ds) != 4 || ds[f.users[2].Id].State != collections.DeliverySkipped || ds[f.users[0].Id].State != collections.DeliverySent {
		t.Fatalf("results deliveries %v: want all 4 members, creator included", ds)
	}
	m := h.expo.MessagesTo(f.push[0])[0]
	if !strings.Contains(m.Title, "결과") || !strings.Contains(m.Body, poll.GetString("question_text")) || m.Data["kind"] != collections.KindResults {
		t.Fatalf("results message %+v", m)
	}

	// the reminders of a closed poll never go out
	for _, kind := range []string{collections.KindReminder1h, collections.KindReminder10m} {
		if s := row(t, h.app, poll.Id, kind).GetString("status"); s != collections.NotificationSkipped {
			t.Fatalf("%s: status %q, want skipped", kind, s)
		}
	}
	if rep := h.run(now.Add(2 * time.Minute)); rep.Claimed != 0 {
		t.Fatalf("run after results claimed %d", rep.Claimed)
	}
}

func TestAnnouncementDroppedWhenThePollClosedFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.setDeadline(poll, now.Add(-time.Second)) // the dispatcher never ran while it was open

	rep := h.run(now)
	if rep.Skipped != 2 || rep.Sent != 3 {
		t.Fatalf("report %+v: want poll_started dropped, results sent", rep)
	}
	for _, d := range deliveries(t, h.app, poll.Id, collections.KindPollStarted) {
		if d.State != collections.DeliverySkipped {
			t.Fatalf("poll_started delivery %+v, want skipped", d)
		}
	}
	if s := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("status"); s != collections.NotificationSkipped {
		t.Fatalf("poll_started status %q", s)
	}
}

// TestManyPolls is a smoke test of chunking (the client's job): 3 polls in a
// circle of 50 make 147 announcements, sent in requests of at most 100.
func TestManyPolls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(50)
	now := time.Now()
	var polls []string
	for i := range 3 {
		polls = append(polls, h.createPoll(f, i, time.Hour).Id)
	}
	rep := h.run(now)
	if rep.Sent != 147 {
		t.Fatalf("report %+v, want 147 sent", rep)
	}
	for _, r := range h.expo.Requests() {
		if len(r.Messages) > 100 {
			t.Fatalf("a request carried %d messages", len(r.Messages))
		}
	}
	if n := h.expo.SendRequests(); n != 2 {
		t.Fatalf("%d send requests, want 2", n)
	}
	for p, poll := range polls {
		for i, tok := range f.push {
			want := 1
			if i == p {
				want = 0
			}
			if got := countTo(t, h.expo, tok, poll, collections.KindPollStarted); got != want {
				t.Fatalf("poll %d, user %d: %d messages, want %d", p, i, got, want)
			}
		}
	}
}

func TestRecipientsSkippedWithAReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5)
	disabled := f.users[1]
	disabled.Set("is_active", false)
	shared := f.users[3] // the same phone as user 2
	shared.Set("push_token", f.push[2])
	for _, u := range []*core.Record{disabled, shared} {
		if err := h.app.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	poll := h.createPoll(f, 0, 15*time.Minute)
	h.run(now)

	ds := deliveries(t, h.app, poll.Id, collections.KindPollStarted)
	if d := ds[disabled.Id]; d.State != collections.DeliverySkipped || d.Error != "account disabled" {
		t.Fatalf("disabled user: %+v", d)
	}
	if d := ds[shared.Id]; d.State != collections.DeliverySkipped || d.Error != "same device as another recipient" {
		t.Fatalf("second user of a phone: %+v", d)
	}
	if got := countTo(t, h.expo, f.push[2], poll.Id, collections.KindPollStarted); got != 1 {
		t.Fatalf("the shared phone got %d copies", got)
	}
	if got := countTo(t, h.expo, f.push[1], poll.Id, collections.KindPollStarted); got != 0 {
		t.Fatalf("the disabled user got %d", got)
	}

	// everyone votes: the 10-minute reminder has nobody to remind
	for i := range f.users {
		if i != 1 { // a disabled account cannot sign in to vote
			h.vote(f, poll, i)
		}
	}
	disabled.Set("is_active", true)
	if err := h.app.Save(disabled); err != nil {
		t.Fatal(err)
	}
	h.vote(f, poll, 1)
	rep := h.run(now.Add(6 * time.Minute))
	if rep.Resolved != 1 || rep.Claimed != 0 {
		t.Fatalf("reminder run: %+v", rep)
	}
	r := row(t, h.app, poll.Id, collections.KindReminder10m)
	if r.GetString("status") != collections.NotificationSkipped || r.GetString("note") == "" {
		t.Fatalf("reminder_10m: status %q note %q", r.GetString("status"), r.GetString("note"))
	}
}
