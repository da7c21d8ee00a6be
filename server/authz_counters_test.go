package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"circly/circlytest"
	"circly/collections"
)

// TestAuthorizationMatrixRealtimeCounters: the counters votes change
// (a poll's total_votes, its options' published counts) are broadcast by
// the polls announcer, which decides who may receive them from the poll's
// readers instead of PocketBase's rule query per subscriber. Every role
// subscribed to the poll and to its options gets them exactly when the
// matrix lets it view polls and options.
func TestAuthorizationMatrixRealtimeCounters(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	su, _ := w.app.FindAuthRecordByToken(w.tokens[roleSuperuser])
	clients := w.subscribeRoles(su, "polls/"+w.poll.Id, "polls/*", "options/*")

	// member2 voted when the world was made; two more votes reach the
	// results threshold (3), so the options' counts are published too
	h := circlytest.Handler(t, w.app)
	for voter, option := range map[string]string{roleCreator: roleMember, roleMember: "member2"} {
		status, body := call(t, h, "POST", "/api/collections/votes/records", circlytest.Token(t, w.users[voter]),
			map[string]any{"poll": w.poll.Id, "option": w.options[option].Id})
		if status != 200 {
			t.Fatalf("%s votes: %d %v", voter, status, body)
		}
	}

	// the announcer sends after the votes are answered
	time.Sleep(300 * time.Millisecond)
	for _, role := range allRoles {
		got := map[string]int{}
	drain:
		for {
			select {
			case m := <-clients[role].Channel():
				collection, _, _ := strings.Cut(m.Name, "/")
				got[collection]++
			default:
				break drain
			}
		}
		for _, name := range []string{collections.Polls, collections.Options} {
			want := slices.Contains(matrix[name].view, role)
			if (got[name] > 0) != want {
				t.Errorf("%s counter events as %s: %d, want events=%v", name, role, got[name], want)
			}
		}
		w.app.SubscriptionsBroker().Unregister(clients[role].Id())
	}
}
