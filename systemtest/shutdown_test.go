package systemtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestGracefulShutdown sends SIGTERM while votes are in flight: the server
// answers them, exits 0, and every acknowledged vote is stored.
func TestGracefulShutdown(t *testing.T) {
	s := newServer(t)
	f := s.newCircle(30)

	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]int{}
	broken := 0
	start := make(chan struct{})
	for i := range 30 {
		wg.Go(func() {
			<-start
			key, status, err := s.vote(f, i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status == 200:
				acked[key]++
			case err != nil && status == 0:
				broken++ // refused connection after the listener closed is fine
			}
		})
	}
	close(start)
	time.Sleep(5 * time.Millisecond)
	if err := s.Stop(15 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.Output())
	}
	wg.Wait()
	// stopped before its first minute scrub: the next start must scrub
	// every open poll, so no clean-stop mark (polls.TestCleanStopSparesTheNextStart)
	if _, err := os.Stat(filepath.Join(s.DataDir, "circly_votes_scrubbed")); err == nil {
		t.Fatal("a stop before the first minute scrub left the clean-stop mark")
	}

	counts, stored := readCounts(t, s.DataDir, []string{f.poll})
	for key, n := range acked {
		if stored[key] < n {
			t.Fatalf("%s: %d votes acknowledged, %d stored", key, n, stored[key])
		}
	}
	c := counts[f.poll]
	if c.total != c.rows || c.tally != c.rows {
		t.Fatalf("total=%d rows=%d tally=%d", c.total, c.rows, c.tally)
	}
	t.Logf("votes acknowledged for %d options, %d connections refused after shutdown began", len(acked), broken)
}
