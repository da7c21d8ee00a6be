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

func readCounts(t testing.TB, dataDir string, polls []string) (map[string]pollCounts, map[string]bool) {
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
	ids := map[string]bool{}
	var all []string
	db.Select("id").From("votes").Column(&all)
	for _, id := range all {
		ids[id] = true
	}
	return out, ids
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

	type job struct{ f, i int }
	jobs := make(chan job)
	var acked sync.Map // vote id → true
	var ackedCount atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for j := range jobs {
				id, status, _ := s.vote(fixtures[j.f], j.i)
				if status == 200 && id != "" {
					acked.Store(id, true)
					ackedCount.Add(1)
				}
			}
		})
	}
	killed := make(chan struct{})
	go func() {
		for ackedCount.Load() < 20 {
			time.Sleep(time.Millisecond)
		}
		s.cmd.Process.Signal(syscall.SIGKILL)
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
	<-killed
	<-s.exited
	if ackedCount.Load() == 0 {
		t.Fatal("no vote was acknowledged before the kill")
	}

	// restart on the same data dir: it must come up healthy
	s.start()
	s.kill()

	counts, ids := readCounts(t, s.dataDir, polls)
	missing := 0
	acked.Range(func(k, _ any) bool {
		if !ids[k.(string)] {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Fatalf("%d acknowledged votes are missing after the crash", missing)
	}
	for p, c := range counts {
		if c.total != c.rows || c.tally != c.rows || c.participants != c.rows {
			t.Fatalf("poll %s: total=%d rows=%d tally=%d participants=%d", p, c.total, c.rows, c.tally, c.participants)
		}
		if c.rows >= 3 && c.published != c.rows {
			t.Fatalf("poll %s: published %d of %d votes", p, c.published, c.rows)
		}
	}
	t.Logf("acknowledged %d votes before SIGKILL; all present, counters consistent", ackedCount.Load())
}
