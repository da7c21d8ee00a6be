package notify_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/expo/expotest"
	"circly/notify"
)

// allKinds are the kinds a recipient can get about one poll.
var allKinds = []string{
	collections.KindPollStarted, collections.KindReminder1h, collections.KindReminder10m,
	collections.KindResults, collections.KindPicked,
}

// voteFor has user voter of f vote for the option naming user target.
func (h *harness) voteFor(f *circleFixture, poll *core.Record, voter, target int) {
	h.t.Helper()
	m, err := h.app.FindFirstRecordByFilter(collections.Members, "circle = {:c} && user = {:u}",
		dbx.Params{"c": f.circle.Id, "u": f.users[target].Id})
	if err != nil {
		h.t.Fatal(err)
	}
	o, err := h.app.FindFirstRecordByFilter(collections.Options, "poll = {:p} && member = {:m}",
		dbx.Params{"p": poll.Id, "m": m.Id})
	if err != nil {
		h.t.Fatal(err)
	}
	status, body := h.call("POST", "/api/collections/votes/records", f.auth[voter], map[string]any{"poll": poll.Id, "option": o.Id})
	if status != http.StatusOK {
		h.t.Fatalf("vote of user %d for %d: %d %v", voter, target, status, body)
	}
}

// membership returns user i's membership of f's circle.
func (h *harness) membership(f *circleFixture, i int) *core.Record {
	h.t.Helper()
	m, err := h.app.FindFirstRecordByFilter(collections.Members, "circle = {:c} && user = {:u}",
		dbx.Params{"c": f.circle.Id, "u": f.users[i].Id})
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// mute has user i of f mute the circle through the API.
func (h *harness) mute(f *circleFixture, i int) {
	h.t.Helper()
	status, body := h.call("PATCH", "/api/collections/members/records/"+h.membership(f, i).Id, f.auth[i], map[string]any{"muted": true})
	if status != http.StatusOK || body["muted"] != true {
		h.t.Fatalf("mute of user %d: %d %v", i, status, body)
	}
}

// closePoll moves the poll's deadline into the past and runs the
// dispatcher at now, which closes it and sends what goes out at the close.
func (h *harness) closePoll(poll *core.Record, now time.Time) notify.Report {
	h.t.Helper()
	h.setDeadline(poll, now.Add(-time.Second))
	rep := h.run(now)
	if rep.ClosedPolls != 1 {
		h.t.Fatalf("the poll did not close: %+v", rep)
	}
	return rep
}

// A member who muted the circle gets no push of any kind about it: each
// kind lists it as skipped, with the reason, while the others get theirs.
func TestMutedMemberGetsNoPushOfAnyKind(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5)
	h.mute(f, 2)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)

	// 4 votes (revealed): user 2 picked three times, user 1 once; user 2
	// does not vote, so both reminders are for it alone
	for _, voter := range []int{0, 1, 3} {
		h.voteFor(f, poll, voter, 2)
	}
	h.voteFor(f, poll, 4, 1)
	h.run(now.Add(61 * time.Minute))
	h.run(now.Add(111 * time.Minute))
	h.closePoll(poll, now.Add(2*time.Hour))

	for _, kind := range allKinds {
		if n := countTo(t, h.expo, f.push[2], poll.Id, kind); n != 0 {
			t.Errorf("the muted member got %d %s", n, kind)
		}
		d, listed := deliveries(t, h.app, poll.Id, kind)[f.users[2].Id]
		if !listed || d.State != collections.DeliverySkipped || d.Error != "muted the circle" {
			t.Errorf("%s: the muted member's delivery %+v (listed %v), want skipped as muted", kind, d, listed)
		}
	}
	// the others are not affected
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
		r := row(t, h.app, poll.Id, kind)
		if r.GetString("status") != collections.NotificationSkipped || !strings.Contains(r.GetString("note"), "muted") {
			t.Errorf("%s: status %q note %q, want skipped, saying why", kind, r.GetString("status"), r.GetString("note"))
		}
	}

	// unmuted, the next poll reaches it again
	status, _ := h.call("PATCH", "/api/collections/members/records/"+h.membership(f, 2).Id, f.auth[2], map[string]any{"muted": false})
	if status != http.StatusOK {
		t.Fatalf("unmute: %d", status)
	}
	next := h.createPoll(f, 0, 2*time.Hour)
	h.run(time.Now())
	if n := countTo(t, h.expo, f.push[2], next.Id, collections.KindPollStarted); n != 1 {
		t.Fatalf("after unmuting: %d poll_started, want 1", n)
	}
}

// Muting one circle leaves the member's other circles alone.
func TestMuteIsPerCircle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	g := h.newCircle(3)
	// user 1 of f is also in g, with the same phone
	status, body := h.call("POST", "/api/circly/circles/join", f.auth[1], map[string]any{"invite_code": g.circle.GetString("invite_code"), "nickname": "visitor"})
	if status != http.StatusOK {
		t.Fatalf("join: %d %v", status, body)
	}
	h.mute(f, 1)
	now := time.Now()
	inF := h.createPoll(f, 0, time.Hour)
	inG := h.createPoll(g, 0, time.Hour)
	h.run(now)
	if n := countTo(t, h.expo, f.push[1], inF.Id, collections.KindPollStarted); n != 0 {
		t.Fatalf("muted circle: %d announcements", n)
	}
	if n := countTo(t, h.expo, f.push[1], inG.Id, collections.KindPollStarted); n != 1 {
		t.Fatalf("other circle: %d announcements, want 1", n)
	}
}

// picked goes, once the poll closed with its counts revealed, to the active
// members whose option got votes: not to those without, not to one who
// left, and without the count.
func TestPickedGoesToMembersWithVotes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(6)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)
	// user 1: 2 votes, user 2: 1 vote, user 5: 1 vote but leaves; users
	// 0, 3, 4 none
	h.voteFor(f, poll, 0, 1)
	h.voteFor(f, poll, 3, 1)
	h.voteFor(f, poll, 4, 2)
	h.voteFor(f, poll, 1, 5)
	if status, _ := h.call("POST", "/api/circly/circles/"+f.circle.Id+"/leave", f.auth[5], nil); status != http.StatusNoContent {
		t.Fatalf("leave: %d", status)
	}
	h.closePoll(poll, now.Add(time.Minute))

	for i, tok := range f.push {
		want := map[int]int{1: 1, 2: 1}[i]
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindPicked); got != want {
			t.Errorf("user %d got %d picked, want %d", i, got, want)
		}
	}
	if ds := deliveries(t, h.app, poll.Id, collections.KindPicked); len(ds) != 2 {
		t.Fatalf("picked deliveries %v, want users 1 and 2 only", ds)
	}

	m := lastTo(t, h, f.push[1], poll.Id, collections.KindPicked)
	wantTitle, wantBody := notify.Copy(collections.KindPicked, f.circle.GetString("name"), poll.GetString("question_text"))
	if m.Title != wantTitle || m.Body != wantBody || !strings.Contains(m.Title, "골랐") ||
		!strings.Contains(m.Body, f.circle.GetString("name")) || !strings.Contains(m.Body, poll.GetString("question_text")) {
		t.Fatalf("picked copy %q / %q", m.Title, m.Body)
	}
	if strings.ContainsAny(m.Title, "0123456789") || m.Subtitle != "" || m.Badge != nil {
		t.Fatalf("the picked push tells a count: %+v", m)
	}
	if fmt.Sprint(m.Data) != fmt.Sprint(map[string]any{"kind": collections.KindPicked, "poll": poll.Id, "circle": f.circle.Id}) {
		t.Fatalf("picked data %v", m.Data)
	}
	if m.TTL != nil {
		t.Fatalf("picked expires (ttl %d): it goes out after the deadline", *m.TTL)
	}

	// the results of a revealed poll keep their copy and say revealed
	r := lastTo(t, h, f.push[0], poll.Id, collections.KindResults)
	if r.Title != "🎉 결과가 나왔어요" || r.Data["revealed"] != true || len(r.Data) != 4 {
		t.Fatalf("revealed results: %q %v", r.Title, r.Data)
	}

	// nothing more, ever
	if rep := h.run(now.Add(10 * time.Minute)); rep.Claimed != 0 {
		t.Fatalf("a later run claimed %d", rep.Claimed)
	}
}

// lastTo returns the last message to token about (poll, kind).
func lastTo(t testing.TB, h *harness, token, pollId, kind string) expotest.Message {
	t.Helper()
	var m *expotest.Message
	for _, x := range h.expo.MessagesTo(token) {
		if x.Data["poll"] == pollId && x.Data["kind"] == kind {
			m = &x
		}
	}
	if m == nil {
		t.Fatalf("no %s message to %s", kind, token)
	}
	return *m
}

// A poll that closed below the threshold: its results say there were too
// few votes (revealed false), and nobody is told they were picked.
func TestBelowThresholdResultsAndNoPicked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(4)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)
	h.voteFor(f, poll, 0, 1)
	h.voteFor(f, poll, 2, 1) // 2 votes, k = 3
	h.closePoll(poll, now.Add(time.Minute))

	for i, tok := range f.push {
		if n := countTo(t, h.expo, tok, poll.Id, collections.KindResults); n != 1 {
			t.Fatalf("user %d got %d results", i, n)
		}
		if n := countTo(t, h.expo, tok, poll.Id, collections.KindPicked); n != 0 {
			t.Fatalf("user %d got %d picked below the threshold", i, n)
		}
	}
	m := lastTo(t, h, f.push[1], poll.Id, collections.KindResults)
	wantTitle, wantBody := notify.HiddenResultsCopy(f.circle.GetString("name"), poll.GetString("question_text"))
	if m.Title != wantTitle || m.Body != wantBody || !strings.Contains(m.Title, "투표가 너무 적어서") {
		t.Fatalf("results copy %q / %q", m.Title, m.Body)
	}
	if m.Data["revealed"] != false || m.Data["kind"] != collections.KindResults || m.Data["circle"] != f.circle.Id {
		t.Fatalf("results data %v", m.Data)
	}
	r := row(t, h.app, poll.Id, collections.KindPicked)
	if r.GetString("status") != collections.NotificationSkipped || !strings.Contains(r.GetString("note"), "threshold") {
		t.Fatalf("picked row: status %q note %q", r.GetString("status"), r.GetString("note"))
	}
	if r := row(t, h.app, poll.Id, collections.KindResults); r.GetString("title") != wantTitle {
		t.Fatalf("the outbox row keeps %q", r.GetString("title"))
	}
}

// The picked row exists once per poll, also for polls made before the kind
// existed (their row is created by the next run), and a crash after the
// claim sends each picked push exactly once after the restart.
func TestPickedOncePerRecipientAcrossACrash(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(5)
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	// as if the poll predated the picked kind
	if _, err := h.app.DB().Delete(collections.Notifications, dbx.HashExp{"poll": poll.Id, "kind": collections.KindPicked}).Execute(); err != nil {
		t.Fatal(err)
	}
	if rep := h.run(now); rep.Enqueued != 1 {
		t.Fatalf("the missing picked row was not made: %+v", rep)
	}
	for _, voter := range []int{0, 2, 3, 4} {
		h.voteFor(f, poll, voter, 1)
	}
	h.voteFor(f, poll, 1, 2)

	h.setDeadline(poll, now.Add(-time.Second))
	notify.SetCrashPoints(h.n, crashOnce(), nil)
	runUntilCrash(t, h.n, now.Add(time.Minute))
	if n := len(h.expo.Messages()) - 4; n != 0 { // the 4 announcements went out before
		t.Fatalf("%d messages left before the crash", n)
	}

	app, n := reopen(t, h.app.DataDir(), h.cfg, h.settings)
	mustRun(t, n, now.Add(2*time.Minute))
	mustRun(t, n, now.Add(3*time.Minute))
	for i, tok := range f.push {
		want := map[int]int{1: 1, 2: 1}[i]
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindPicked); got != want {
			t.Errorf("user %d got %d picked, want %d", i, got, want)
		}
		if got := countTo(t, h.expo, tok, poll.Id, collections.KindResults); got != 1 {
			t.Errorf("user %d got %d results, want 1", i, got)
		}
	}
	rows, err := app.CountRecords(collections.Notifications, dbx.HashExp{"poll": poll.Id, "kind": collections.KindPicked})
	if err != nil || rows != 1 {
		t.Fatalf("%d picked rows (%v), want 1", rows, err)
	}
}
