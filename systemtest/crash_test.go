package systemtest

import (
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// pollCounts reads one poll's counters straight from the stopped server's
// database.
type pollCounts struct {
	total, rows, tally, participants, published int
}

// readCounts reads each poll's counters and rows, and the stored votes per
// "poll/option" (see votedFor).
func readCounts(t testing.TB, dataDir string, polls []string) (map[string]pollCounts, map[string]int) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ClearBootstrap()
	db := app.DB()
	out := map[string]pollCounts{}
	for _, p := range polls {
		var c pollCounts
		db.Select("total_votes").From("polls").Where(dbx.HashExp{"id": p}).Row(&c.total)
		db.Select("count(*)").From("votes").Where(dbx.HashExp{"poll": p}).Row(&c.rows)
		db.Select("coalesce(sum(tally),0)").From("options").Where(dbx.HashExp{"poll": p}).Row(&c.tally)
		db.Select("coalesce(sum(vote_count),0)").From("options").Where(dbx.HashExp{"poll": p}).Row(&c.published)
		db.Select("count(*)").From("_circly_participation").Where(dbx.HashExp{"poll": p}).Row(&c.participants)
		out[p] = c
	}
	stored := map[string]int{}
	var rows []struct {
		Poll   string `db:"poll"`
		Option string `db:"option"`
		N      int    `db:"n"`
	}
	db.Select("poll", "option", "count(*) AS n").From("votes").GroupBy("poll", "option").All(&rows)
	for _, r := range rows {
		stored[votedFor(r.Poll, r.Option)] = r.N
	}
	return out, stored
}

// voteUntilKilled has 16 workers cast 20 votes in each fixture and kills
// the server with SIGKILL after `after` acknowledged votes (or once the
// load is over); it returns the acknowledged votes per "poll/option" once
// the process is gone.
func voteUntilKilled(s *server, fixtures []*circleFixture, after int64) map[string]int {
	type job struct{ f, i int }
	jobs := make(chan job)
	var mu sync.Mutex
	acked := map[string]int{}
	var ackedCount atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for j := range jobs {
				key, status, _ := s.vote(fixtures[j.f], j.i)
				if status == 200 {
					mu.Lock()
					acked[key]++
					mu.Unlock()
					ackedCount.Add(1)
				}
			}
		})
	}
	killed, loadDone := make(chan struct{}), make(chan struct{})
	go func() {
	wait:
		for ackedCount.Load() < after {
			select {
			case <-loadDone:
				break wait
			case <-time.After(time.Millisecond):
			}
		}
		s.Signal(syscall.SIGKILL)
		close(killed)
	}()
	func() {
		for i := range 20 {
			for f := range fixtures {
				select {
				case jobs <- job{f, i}:
				case <-killed:
					return
				}
			}
		}
	}()
	close(jobs)
	wg.Wait()
	close(loadDone)
	<-killed
	s.Wait()
	return acked
}

// TestCrashDuringVoteLoad kills the server with SIGKILL while votes are
// being cast, restarts it on the same data dir and checks that every
// acknowledged vote is there and every poll's counters equal its rows.
func TestCrashDuringVoteLoad(t *testing.T) {
	s := newServer(t)
	var fixtures []*circleFixture
	var polls []string
	for range 3 {
		f := s.newCircle(20)
		fixtures = append(fixtures, f)
		polls = append(polls, f.poll)
	}
	acked := voteUntilKilled(s, fixtures, 20)
	if len(acked) == 0 {
		t.Fatal("no vote was acknowledged before the kill")
	}

	// restart on the same data dir: it must come up healthy
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Kill()

	counts, stored := readCounts(t, s.DataDir, polls)
	missing := 0
	for key, n := range acked {
		if stored[key] < n {
			missing += n - stored[key]
		}
	}
	if missing > 0 {
		t.Fatalf("%d acknowledged votes are missing after the crash", missing)
	}
	for p, c := range counts {
		if c.total != c.rows || c.tally != c.rows || c.participants != c.rows {
			t.Fatalf("poll %s: total=%d rows=%d tally=%d participants=%d", p, c.total, c.rows, c.tally, c.participants)
		}
		// counts are published in steps of k = 3 (the default): an open
		// poll shows the total of its last step
		if want := c.rows - c.rows%3; c.published != want {
			t.Fatalf("poll %s: published %d of %d votes, want %d", p, c.published, c.rows, want)
		}
	}
	t.Logf("acknowledged votes for %d options before SIGKILL; all present, counters consistent", len(acked))
}
