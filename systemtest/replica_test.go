package systemtest

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// replicaSync is the sync interval the replica tests run with.
const replicaSync = 250 * time.Millisecond

// replicaEnv is what turns replication on for a test server.
type replicaEnv struct {
	url string
	env []string
}

func fileReplica(t *testing.T) replicaEnv {
	return replicaEnv{url: "file://" + filepath.Join(t.TempDir(), "replica")}
}

// s3Replica starts an in-process S3-compatible server with one bucket.
func s3Replica(t *testing.T) replicaEnv {
	backend := s3mem.New()
	if err := backend.CreateBucket("circly"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	return replicaEnv{url: "s3://circly/prod", env: []string{
		"CIRCLY_REPLICA_S3_ENDPOINT=" + ts.URL,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test-secret", "AWS_REGION=us-east-1",
		// Litestream's S3 client brings its own HTTP client, to which the
		// AWS SDK cannot add a CA bundle: a set AWS_CA_BUNDLE fails it
		"AWS_CA_BUNDLE=",
	}}
}

func (r replicaEnv) serverEnv() []string {
	return append([]string{"CIRCLY_REPLICA_URL=" + r.url, "CIRCLY_REPLICA_SYNC_INTERVAL=" + replicaSync.String()}, r.env...)
}

// restore runs `circly restore` into dir.
func (r replicaEnv) restore(t testing.TB, dir string) {
	t.Helper()
	cmd := exec.Command(binary, "restore", "--replica", r.url, "--dir", dir)
	cmd.Env = append(os.Environ(), r.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("circly restore: %v\n%s", err, out)
	}
}

// ackedVote is one acknowledged vote and when its answer came.
type ackedVote struct {
	key string
	at  time.Time
}

// voteLoad has 8 workers vote through the fixtures (users from..to-1, each
// once; a worker pauses after each vote so that the load lasts) until stop
// is closed or every user voted; it returns the acknowledged votes.
func voteLoad(s *server, fixtures []*circleFixture, stop <-chan struct{}, from, to int) []ackedVote {
	var mu sync.Mutex
	var acked []ackedVote
	jobs := make(chan [2]int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				key, status, _ := s.vote(fixtures[j[0]], j[1])
				if status == 200 {
					mu.Lock()
					acked = append(acked, ackedVote{key, time.Now()})
					mu.Unlock()
				}
				time.Sleep(30 * time.Millisecond)
			}
		})
	}
feed:
	for i := from; i < to; i++ {
		for f := range fixtures {
			select {
			case jobs <- [2]int{f, i}:
			case <-stop:
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	return acked
}

// TestReplicaRestoreAfterLosingTheDisk: a server replicating to a file
// replica and to an S3-compatible server is killed with SIGKILL under vote
// load, its data dir is deleted except circly.key, `circly restore` fills
// it again and the server starts: every vote acknowledged more than one
// sync interval before the kill is there, counts equal rows, and users log
// in with their old device credentials.
func TestReplicaRestoreAfterLosingTheDisk(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) replicaEnv{"file": fileReplica, "s3": s3Replica} {
		t.Run(name, func(t *testing.T) {
			rep := mk(t)
			s := newServer(t, rep.serverEnv()...)
			var fixtures []*circleFixture
			var polls []string
			for range 6 {
				f := s.newCircle(48)
				fixtures = append(fixtures, f)
				polls = append(polls, f.poll)
			}

			// phase 1: votes, then the load goes on while more than one sync
			// interval passes; the kill comes in the middle of phase 2
			early := voteLoad(s, fixtures, nil, 0, 8)
			stop := make(chan struct{})
			var late []ackedVote
			var killedAt atomic.Value
			done := make(chan struct{})
			go func() {
				late = voteLoad(s, fixtures, stop, 8, 48)
				close(done)
			}()
			time.Sleep(3 * replicaSync)
			killedAt.Store(time.Now())
			s.Signal(syscall.SIGKILL)
			close(stop)
			<-done
			s.Wait()
			kill := killedAt.Load().(time.Time)
			if len(late) == 0 || late[len(late)-1].at.Before(kill.Add(-replicaSync)) {
				t.Fatal("the vote load was over before the kill")
			}

			// lose the disk but for circly.key, restore, start
			keep, err := os.ReadFile(filepath.Join(s.DataDir, "circly.key"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(s.DataDir); err != nil {
				t.Fatal(err)
			}
			os.MkdirAll(s.DataDir, 0o755)
			os.WriteFile(filepath.Join(s.DataDir, "circly.key"), keep, 0o600)
			rep.restore(t, s.DataDir)
			if _, err := s.Start(); err != nil {
				t.Fatal(err)
			}
			for _, f := range fixtures {
				for _, u := range []user{f.users[0], f.users[len(f.users)-1]} {
					var res struct {
						Record struct {
							Id string `json:"id"`
						} `json:"record"`
					}
					s.mustDo("POST", "/api/circly/auth/device", "", map[string]any{
						"device_id": u.device, "device_secret": u.secret,
					}, 200, &res)
					if res.Record.Id != u.id {
						t.Fatalf("device login after restore: user %q, want %q", res.Record.Id, u.id)
					}
				}
			}
			s.Kill()

			counts, stored := readCounts(t, s.DataDir, polls)
			want := map[string]int{}
			olderThanSync := 0
			for _, v := range slices.Concat(early, late) {
				if kill.Sub(v.at) > replicaSync {
					want[v.key]++
					olderThanSync++
				}
			}
			for key, n := range want {
				if stored[key] < n {
					t.Fatalf("%s: %d votes stored after restore, %d acknowledged more than %s before the kill", key, stored[key], n, replicaSync)
				}
			}
			restored := 0
			for p, c := range counts {
				if c.total != c.rows || c.tally != c.rows || c.participants != c.rows {
					t.Fatalf("poll %s: total=%d rows=%d tally=%d participants=%d", p, c.total, c.rows, c.tally, c.participants)
				}
				restored += c.rows
			}
			t.Logf("%d votes acknowledged (%d more than %s before the kill); %d restored", len(early)+len(late), olderThanSync, replicaSync, restored)
		})
	}
}
