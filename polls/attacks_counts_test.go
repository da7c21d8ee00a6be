package polls_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"circly/circlytest"
)

// atkLiveEvent is one realtime message: its collection and record.
type atkLiveEvent struct {
	collection string
	record     map[string]any
}

// atkWatcher is a member's realtime subscription to a poll and its options.
type atkWatcher struct {
	t      *testing.T
	client *subscriptions.DefaultClient
}

func newAtkWatcher(t *testing.T, f *pollFixture, user any) *atkWatcher {
	c := subscriptions.NewDefaultClient()
	c.Set(apis.RealtimeClientAuthKey, user)
	filter := url.QueryEscape(`{"query":{"filter":"poll='` + f.poll + `'"}}`)
	c.Subscribe("options/*?options="+filter, "polls/"+f.poll)
	// not unregistered at the end: discarding a client races with PocketBase's
	// fire-and-forget sends still under way; the app goes away anyway
	f.app.SubscriptionsBroker().Register(c)
	return &atkWatcher{t: t, client: c}
}

// next returns the next event, or false when none comes within wait.
func (w *atkWatcher) next(wait time.Duration) (atkLiveEvent, bool) {
	w.t.Helper()
	select {
	case m := <-w.client.Channel():
		var data struct {
			Record map[string]any `json:"record"`
		}
		if err := json.Unmarshal(m.Data, &data); err != nil {
			w.t.Fatalf("event %s: %v", m.Name, err)
		}
		collection, _, _ := strings.Cut(m.Name, "/")
		return atkLiveEvent{collection, data.Record}, true
	case <-time.After(wait):
		return atkLiveEvent{}, false
	}
}

// until reads events until the poll event for which done is true; it
// returns the option events read before it.
func (w *atkWatcher) until(what string, done func(poll map[string]any) bool) []atkLiveEvent {
	w.t.Helper()
	var options []atkLiveEvent
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ev, ok := w.next(100 * time.Millisecond)
		switch {
		case !ok:
		case ev.collection == "options":
			options = append(options, ev)
		case ev.collection == "polls" && done(ev.record):
			return options
		}
	}
	w.t.Fatalf("no poll event for %s", what)
	return nil
}

// moreOptions reads option events until there are want of them in all.
func (w *atkWatcher) moreOptions(what string, got []atkLiveEvent, want int) []atkLiveEvent {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		if ev, ok := w.next(100 * time.Millisecond); ok {
			if ev.collection != "options" {
				w.t.Fatalf("%s: unexpected poll event %v", what, ev.record)
			}
			got = append(got, ev)
		}
	}
	return got
}

// atkPublished reads the options' vote_count as member i sees them (by order).
func atkPublished(t testing.TB, f *pollFixture, i int) []int {
	t.Helper()
	status, body := circlytest.Call(t, f.handler, "GET", "/api/collections/options/records?sort=order&filter="+circlytest.Q(`poll="`+f.poll+`"`), f.tokens[i], nil)
	if status != 200 {
		t.Fatalf("options list: %d %v", status, body)
	}
	var out []int
	for _, it := range body["items"].([]any) {
		out = append(out, int(it.(map[string]any)["vote_count"].(float64)))
	}
	return out
}

// TestAttackLiveCountsPinOneVote: a member watches the options' counts (by
// reading them after every vote and over realtime) to see which option a
// single vote moved. Per-option counts may change only when the total
// reaches 3 and 6 (k = 3) and at close; total_votes follows every vote.
func TestAttackLiveCountsPinOneVote(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t) // CIRCLY_RESULTS_MIN_VOTES = 3
	svc := circlytest.Circly(t, app).Polls
	f := newPollFixture(t, app, 9, true) // 8 options: members 1..8
	const watching = 8                   // member 8 never votes
	w := newAtkWatcher(t, f, f.users[watching])

	choices := []int{2, 2, 0, 5, 2, 0, 1} // voter i → option choices[i] (never itself)
	tally := make([]int, len(f.options))
	published := make([]int, len(f.options))

	// checkStep compares what the watcher sees with what may be published,
	// and the realtime option events with the counts that changed.
	checkStep := func(stage string, step bool, events []atkLiveEvent) {
		t.Helper()
		want := published
		if step {
			want = slices.Clone(tally)
		}
		changed := map[string]int{}
		for j := range want {
			if want[j] != published[j] {
				changed[f.options[j]] = want[j]
			}
		}
		if step {
			events = w.moreOptions(stage, events, len(changed))
		}
		seen := map[string]bool{}
		for _, ev := range events {
			id, _ := ev.record["id"].(string)
			count, _ := ev.record["vote_count"].(float64)
			v, ok := changed[id]
			if !ok || seen[id] || int(count) != v {
				t.Fatalf("%s: an option event pins a vote: %v (counts that may change: %v)", stage, ev.record, changed)
			}
			if _, leaked := ev.record["tally"]; leaked {
				t.Fatalf("%s: an option event carries the tally", stage)
			}
			seen[id] = true
		}
		if len(seen) != len(changed) {
			t.Fatalf("%s: %d option events, want %d (%v)", stage, len(seen), len(changed), changed)
		}
		if got := atkPublished(t, f, watching); !slices.Equal(got, want) {
			t.Fatalf("%s: the watcher reads vote_count %v, want %v (true tallies %v)", stage, got, want, tally)
		}
		published = want
	}

	for i, j := range choices {
		n := i + 1
		f.mustVote(t, i, j)
		tally[j]++
		stage := fmt.Sprintf("after vote %d", n)
		events := w.until(stage, func(p map[string]any) bool { return p["total_votes"] == float64(n) })
		checkStep(stage, n%3 == 0, events)

		// total_votes is live everywhere, per-option results only from k on
		status, poll := circlytest.Call(t, f.handler, "GET", "/api/collections/polls/records/"+f.poll, f.tokens[watching], nil)
		if status != 200 || poll["total_votes"] != float64(n) {
			t.Fatalf("%s: the poll reads %d %v", stage, status, poll)
		}
		_, res := results(t, f, watching)
		if res["total_votes"] != float64(n) {
			t.Fatalf("%s: results total %v", stage, res["total_votes"])
		}
		for _, it := range res["options"].([]any) {
			o := it.(map[string]any)
			at := slices.Index(f.options, o["id"].(string))
			if n < 3 && o["votes"] != nil {
				t.Fatalf("%s: results show %v", stage, o)
			}
			if n >= 3 && o["votes"] != float64(published[at]) {
				t.Fatalf("%s: results show %v for option %d, published %d", stage, o["votes"], at, published[at])
			}
		}
	}
	if slices.Equal(published, tally) {
		t.Fatal("the scenario should end between steps")
	}

	if closed, err := svc.ClosePoll(app, f.poll); err != nil || !closed {
		t.Fatalf("close: %v %v", closed, err)
	}
	events := w.until("the close", func(p map[string]any) bool { return p["status"] == "closed" })
	checkStep("at close", true, events)

	// nothing else arrives afterwards
	if ev, ok := w.next(300 * time.Millisecond); ok {
		t.Fatalf("an extra event after the close: %s %v", ev.collection, ev.record)
	}
}
