package notify_test

import (
	"net/http"
	"testing"
	"time"

	"circly/collections"
)

// block has user i of f block user j (through j's membership), through the
// API.
func (h *harness) block(f *circleFixture, i, j int) {
	h.t.Helper()
	status, body := h.call("POST", "/api/collections/blocks/records", f.auth[i], map[string]any{"blocked_member": h.membership(f, j).Id})
	if status != http.StatusOK {
		h.t.Fatalf("block of user %d by user %d: %d %v", j, i, status, body)
	}
}

// API.md §10: a user who blocked a poll's creator gets no push of any kind
// about that poll, and is not even listed in the outbox; everyone else
// gets theirs, the blocker still hears about others' polls, and the
// blocked user still hears about the blocker's polls (it cannot tell).
func TestBlockerGetsNoPushAboutTheBlockedUsersPolls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5)
	h.block(f, 2, 0)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)

	// 4 votes (revealed): user 2 picked three times, user 1 once; user 2
	// does not vote, so both reminders would be for it alone
	for _, voter := range []int{0, 1, 3} {
		h.voteFor(f, poll, voter, 2)
	}
	h.voteFor(f, poll, 4, 1)
	h.run(now.Add(61 * time.Minute))
	h.run(now.Add(111 * time.Minute))
	h.closePoll(poll, now.Add(2*time.Hour))

	for _, kind := range allKinds {
		if n := countTo(t, h.expo, f.push[2], poll.Id, kind); n != 0 {
			t.Errorf("the blocker got %d %s", n, kind)
		}
		if d, listed := deliveries(t, h.app, poll.Id, kind)[f.users[2].Id]; listed {
			t.Errorf("%s: the blocker is listed: %+v", kind, d)
		}
	}
	for kind, users := range map[string][]int{
		collections.KindPollStarted: {1, 3, 4},
		collections.KindResults:     {0, 1, 3, 4},
		collections.KindPicked:      {1},
	} {
		for _, i := range users {
			if n := countTo(t, h.expo, f.push[i], poll.Id, kind); n != 1 {
				t.Errorf("user %d got %d %s, want 1", i, n, kind)
			}
		}
	}
	for _, kind := range []string{collections.KindReminder1h, collections.KindReminder10m} {
		if got := row(t, h.app, poll.Id, kind).GetString("status"); got != collections.NotificationSkipped {
			t.Errorf("%s: status %q, want skipped (nobody left to remind)", kind, got)
		}
	}

	// someone else's poll reaches the blocker; the blocker's poll reaches
	// the user it blocked
	later := time.Now()
	byOther := h.createPoll(f, 1, 2*time.Hour)
	byBlocker := h.createPoll(f, 2, 2*time.Hour)
	h.run(later)
	if n := countTo(t, h.expo, f.push[2], byOther.Id, collections.KindPollStarted); n != 1 {
		t.Errorf("the blocker got %d poll_started of another member's poll, want 1", n)
	}
	if n := countTo(t, h.expo, f.push[0], byBlocker.Id, collections.KindPollStarted); n != 1 {
		t.Errorf("the blocked user got %d poll_started of the blocker's poll, want 1", n)
	}
}
