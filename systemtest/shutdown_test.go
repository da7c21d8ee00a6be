package systemtest

import (
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
	acked := map[string]bool{}
	broken := 0
	start := make(chan struct{})
	for i := range 30 {
		wg.Go(func() {
			<-start
			id, status, err := s.vote(f, i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case status == 200:
				acked[id] = true
			case err != nil && status == 0:
				broken++ // refused connection after the listener closed is fine
			}
		})
	}
	close(start)
	time.Sleep(5 * time.Millisecond)
	if err := s.terminate(15 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.output)
	}
	wg.Wait()

	counts, ids := readCounts(t, s.dataDir, []string{f.poll})
	for id := range acked {
		if !ids[id] {
			t.Fatalf("acknowledged vote %s is missing", id)
		}
	}
	c := counts[f.poll]
	if c.total != c.rows || c.tally != c.rows {
		t.Fatalf("total=%d rows=%d tally=%d", c.total, c.rows, c.tally)
	}
	t.Logf("%d votes acknowledged, %d connections refused after shutdown began", len(acked), broken)
}
