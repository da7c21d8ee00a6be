package systemtest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"circly/replica"
)

// TestReplicaLag measures how long a vote takes from its answer to its
// presence in a file replica (found by restoring the replica until the
// vote is there) and logs p50/p99. It asserts only that every vote
// arrives.
func TestReplicaLag(t *testing.T) {
	rep := fileReplica(t)
	s := newServer(t, rep.serverEnv()...)
	f := s.newCircle(41)
	var lags []time.Duration
	for i := range 40 {
		if _, status, err := s.vote(f, i); status != 200 {
			t.Fatalf("vote %d: %d %v", i, status, err)
		}
		acked := time.Now()
		for replicaVotes(t, rep.url, f.poll) <= i {
			if time.Since(acked) > time.Minute { // a hang guard, not a figure
				t.Fatalf("vote %d did not reach the replica in a minute", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lags = append(lags, time.Since(acked))
	}
	slices.Sort(lags)
	pct := func(p float64) time.Duration { return lags[int(p*float64(len(lags)-1))] }
	t.Logf("replication lag, vote answer to presence in the replica (sync interval %s, %d votes): p50 %s, p99 %s, max %s",
		replicaSync, len(lags), pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
}

// replicaVotes restores the replica into a fresh dir and counts a poll's votes there.
func replicaVotes(t testing.TB, url, poll string) int {
	dir := filepath.Join(t.TempDir(), "probe")
	if err := replica.Restore(context.Background(), url, "", dir); err != nil {
		return -1 // nothing replicated yet
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, replica.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM votes WHERE poll = ?`, poll).Scan(&n); err != nil {
		t.Fatal(fmt.Errorf("count votes in the restored replica: %w", err))
	}
	return n
}
