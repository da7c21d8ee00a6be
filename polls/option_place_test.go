package polls_test

import (
	"testing"

	"circly/circlytest"
	"circly/collections"
)

// A poll's options get ids in the poll's range (collections.PollLocalId):
// their votes' index entries then share pages. The ids stay unique and of
// PocketBase's shape.
func TestOptionIdsAreInThePollsRange(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 6, true)
	prefix := collections.PollLocalId(f.poll)[:3]
	seen := map[string]bool{}
	for _, id := range f.options {
		if len(id) != 15 || id[:3] != prefix || seen[id] {
			t.Fatalf("option ids %v: want 15 characters, unique, starting with %q", f.options, prefix)
		}
		seen[id] = true
	}
	if len(seen) != 5 {
		t.Fatalf("%d options, want 5", len(seen))
	}
	f.mustVote(t, 1, 1) // and they are voted for
}
