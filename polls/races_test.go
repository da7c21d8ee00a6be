package polls_test

import (
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"circly/circlytest"
)

// assertConsistent checks that a poll's counters equal its rows.
func assertConsistent(t testing.TB, f *pollFixture) int {
	t.Helper()
	total, rows, tallies := f.counts(t)
	sum := 0
	for _, v := range tallies {
		sum += v
	}
	var participants int
	f.app.DB().Select("count(*)").From("_circly_participation").Where(dbx.HashExp{"poll": f.poll}).Row(&participants)
	if total != rows || sum != rows || participants != rows {
		t.Fatalf("total=%d rows=%d tally=%d participants=%d", total, rows, sum, participants)
	}
	return rows
}

// TestRaceVoteAgainstClose: votes racing the poll's close are either
// counted before it or refused with 400; counts stay equal to rows.
func TestRaceVoteAgainstClose(t *testing.T) {
	t.Parallel()
	app, circly := circlytest.NewTestAppWithConfig(t, circlytest.TestConfig())
	svc := circly.Polls
	for round := range 5 {
		f := newPollFixture(t, app, 12, true)
		var wg sync.WaitGroup
		statuses := make([]int, 12)
		for i := range 12 {
			wg.Go(func() { statuses[i], _ = f.vote(t, i, i%len(f.options)) })
		}
		wg.Go(func() {
			if _, err := svc.ClosePoll(app, f.poll); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		wg.Wait()
		accepted := 0
		for _, s := range statuses {
			switch s {
			case 200:
				accepted++
			case 400:
			default:
				t.Fatalf("round %d: status %d", round, s)
			}
		}
		if rows := assertConsistent(t, f); rows != accepted {
			t.Fatalf("round %d: %d accepted, %d stored", round, accepted, rows)
		}
		if status, _ := f.vote(t, 0, 1); status != 400 {
			t.Fatalf("round %d: a vote after the close got %d", round, status)
		}
	}
}

// TestRaceLeaveAgainstVote: a member leaving while voting ends with the
// vote either counted or refused, never half-written.
func TestRaceLeaveAgainstVote(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	for round := range 5 {
		f := newPollFixture(t, app, 6, true)
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := 1; i < 6; i++ {
			wg.Go(func() { statuses[i], _ = f.vote(t, i, i%len(f.options)) })
			wg.Go(func() {
				status, _ := circlytest.Call(t, f.handler, "POST", "/api/circly/circles/"+f.circle.Id+"/leave", f.tokens[i], nil)
				if status != 204 {
					t.Errorf("leave: %d", status)
				}
			})
		}
		wg.Wait()
		accepted := 0
		for i := 1; i < 6; i++ {
			switch statuses[i] {
			case 200:
				accepted++
			case 403:
			default:
				t.Fatalf("round %d: vote status %d", round, statuses[i])
			}
		}
		if rows := assertConsistent(t, f); rows != accepted {
			t.Fatalf("round %d: %d accepted, %d stored", round, accepted, rows)
		}
	}
}

// TestArrivingCountReturnsToZero: the ballot box waits (briefly) for votes
// still on their way before it commits; every vote, accepted or refused
// at any step, leaves that count, or each later commit would wait for
// nothing.
func TestArrivingCountReturnsToZero(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	svc := circlytest.Circly(t, app).Polls
	f.mustVote(t, 0, 0)
	for _, v := range []struct{ voter, option int }{
		{0, 1}, // already voted: refused by the ballot box
		{1, 0}, // own option: refused by its check
		{2, 2}, // accepted
	} {
		f.vote(t, v.voter, v.option)
	}
	if status, _ := circlytest.Call(t, f.handler, "POST", "/api/collections/votes/records", f.tokens[3], map[string]any{
		"poll": f.poll, "option": "nosuchoption",
	}); status != 400 {
		t.Fatalf("unknown option: %d", status)
	}
	if n := svc.Arriving(); n != 0 {
		t.Fatalf("%d votes still counted as arriving after every answer", n)
	}
}
