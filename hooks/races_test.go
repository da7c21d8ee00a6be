package hooks_test

import (
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"circly/circlytest"
	"circly/collections"
)

// TestRaceJoinAgainstNewInvite: a join with the old code racing a new
// invite either joins (before the swap) or gets 404 — never a 5xx, never a
// member beyond capacity.
func TestRaceJoinAgainstNewInvite(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	h := circlytest.Handler(t, app)
	for round := range 8 {
		circle, users, _ := circlytest.CircleWithMembers(t, app, 1)
		code := circle.GetString("invite_code")
		joiners := make([]string, 6)
		for i := range joiners {
			joiners[i] = circlytest.Token(t, circlytest.CreateUser(t, app))
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(joiners))
		for i, tok := range joiners {
			wg.Go(func() {
				statuses[i], _ = call(t, h, "POST", "/api/circly/circles/join", tok, map[string]any{"invite_code": code, "nickname": "j" + string(rune('a'+i))})
			})
		}
		wg.Go(func() {
			status, _ := call(t, h, "POST", "/api/circly/circles/"+circle.Id+"/invite", circlytest.Token(t, users[0]), nil)
			if status != 200 {
				t.Errorf("new invite: %d", status)
			}
		})
		wg.Wait()
		joined := 0
		for _, s := range statuses {
			switch s {
			case 200:
				joined++
			case 404:
			default:
				t.Fatalf("round %d: join status %d", round, s)
			}
		}
		n, _ := app.CountRecords(collections.Members, dbx.HashExp{"circle": circle.Id, "is_active": true})
		if int(n) != joined+1 {
			t.Fatalf("round %d: %d joins answered 200, %d members", round, joined, n)
		}
		// the old code is dead now
		status, _ := call(t, h, "POST", "/api/circly/circles/join", circlytest.Token(t, circlytest.CreateUser(t, app)), map[string]any{"invite_code": code, "nickname": "late"})
		if status != 404 {
			t.Fatalf("round %d: old code after the new invite: %d", round, status)
		}
	}
}
