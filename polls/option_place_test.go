package polls_test

import (
	"testing"
	"time"

	"circly/circlytest"
	"circly/collections"
)

// A poll's options get ids in the poll's range (collections.PollLocalId:
// the minute the poll started, then two characters of a hash of the poll's id): their votes'
// index entries then share pages. The ids stay unique and of PocketBase's
// shape.
func TestOptionIdsAreInThePollsRange(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 6, true)
	prefix := collections.PollLocalId(f.poll)[:7]
	if prefix[:5] != f.poll[:5] {
		t.Fatalf("option prefix %q is not in poll %q's minute", prefix, f.poll)
	}
	seen := map[string]bool{}
	for _, id := range f.options {
		if len(id) != 15 || id[:7] != prefix || seen[id] {
			t.Fatalf("option ids %v: want 15 characters, unique, starting with %q", f.options, prefix)
		}
		seen[id] = true
	}
	if len(seen) != 5 {
		t.Fatalf("%d options, want 5", len(seen))
	}
	f.mustVote(t, 1, 1) // and they are voted for
}

// A poll's id begins with the minute it was started in (as its created field
// says), so the open polls' rows sit together in every index keyed by
// poll.
func TestPollIdNamesTheMinuteItStarted(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	before := time.Now()
	f := newPollFixture(t, app, 3, true)
	poll, err := collections.FindPoll(app, f.poll)
	if err != nil {
		t.Fatal(err)
	}
	created := poll.GetDateTime("created").Time()
	// the id is made just before the save sets created: either's minute
	if f.poll[:5] != collections.NewPollId(created)[:5] && f.poll[:5] != collections.NewPollId(before)[:5] {
		t.Fatalf("poll %q created %v: its id does not begin with that minute (%q)", f.poll, created, collections.NewPollId(created)[:5])
	}
}
