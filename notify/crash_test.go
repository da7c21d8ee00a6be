package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
	"circly/expo/expotest"
	"circly/notify"
	"circly/server"
	"circly/store"
)

// errCrash stands for the process dying.
var errCrash = errors.New("simulated crash")

// crashOnce returns a crash point that panics the first time only.
func crashOnce() func() {
	var once sync.Once
	return func() { once.Do(func() { panic(errCrash) }) }
}

// runUntilCrash runs the dispatcher and expects the simulated crash.
func runUntilCrash(t testing.TB, n *notify.Notifier, now time.Time) {
	t.Helper()
	defer func() {
		if r := recover(); r != errCrash {
			t.Fatalf("run ended with %v, want the simulated crash", r)
		}
	}()
	_, _ = n.RunOnce(context.Background(), now)
}

// states counts the poll_started deliveries of poll by state.
func states(t testing.TB, app core.App, pollId string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, d := range deliveries(t, app, pollId, collections.KindPollStarted) {
		out[d.State]++
	}
	return out
}

// copiesByUser returns how many poll_started copies each recipient (users
// 1..) of f received.
func copiesByUser(t testing.TB, srv *expotest.Server, f *circleFixture, pollId string) []int {
	t.Helper()
	out := make([]int, len(f.push))
	for i, tok := range f.push {
		out[i] = countTo(t, srv, tok, pollId, collections.KindPollStarted)
	}
	return out
}

// A crash after the claim was committed but before the request left: the
// batch is found "sending" after the restart and sent, once.
func TestCrashAfterClaimLosesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(s *notify.Settings) { s.BatchSize = 2 })
	f := h.newCircle(6)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)

	notify.SetCrashPoints(h.n, crashOnce(), nil)
	runUntilCrash(t, h.n, now)
	if got := states(t, h.app, poll.Id); got[collections.DeliverySending] != 2 || got[collections.DeliveryPending] != 3 {
		t.Fatalf("after the crash: %v, want 2 sending and 3 pending", got)
	}
	if n := len(h.expo.Messages()); n != 0 {
		t.Fatalf("%d messages left before the crash", n)
	}

	app, n := reopen(t, h.app.DataDir(), h.cfg, h.settings)
	if rep := mustRun(t, n, now.Add(time.Minute)); rep.Sent != 5 {
		t.Fatalf("after the restart: %+v", rep)
	}
	if got := copiesByUser(t, h.expo, f, poll.Id); fmt.Sprint(got) != "[0 1 1 1 1 1]" {
		t.Fatalf("copies by user %v, want one each", got)
	}
	if rep := mustRun(t, n, now.Add(2*time.Minute)); rep.Claimed != 0 {
		t.Fatalf("third run claimed %d", rep.Claimed)
	}
	if got := states(t, app, poll.Id); got[collections.DeliverySent] != 5 {
		t.Fatalf("final states %v", got)
	}
}

// A crash after Expo answered but before the answer was recorded: the one
// ambiguous case. Only that batch is sent again, with the same collapse
// key; the rest goes out once.
func TestCrashBeforeRecordingResendsOnlyThatBatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(s *notify.Settings) { s.BatchSize = 2 })
	f := h.newCircle(6)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)

	notify.SetCrashPoints(h.n, nil, crashOnce())
	runUntilCrash(t, h.n, now)
	if got := states(t, h.app, poll.Id); got[collections.DeliverySending] != 2 || got[collections.DeliveryPending] != 3 {
		t.Fatalf("after the crash: %v, want 2 sending and 3 pending", got)
	}
	if n := len(h.expo.Messages()); n != 2 {
		t.Fatalf("%d messages before the crash, want the first batch of 2", n)
	}

	app, n := reopen(t, h.app.DataDir(), h.cfg, h.settings)
	if rep := mustRun(t, n, now.Add(time.Minute)); rep.Sent != 5 || rep.Claimed != 5 {
		t.Fatalf("after the restart: %+v", rep)
	}
	if got := copiesByUser(t, h.expo, f, poll.Id); fmt.Sprint(got) != "[0 2 2 1 1 1]" {
		t.Fatalf("copies by user %v, want 2 for the batch in flight, 1 for the others", got)
	}
	ds := deliveries(t, app, poll.Id, collections.KindPollStarted)
	for i := 1; i < 6; i++ {
		want := 1
		if i <= 2 {
			want = 2
		}
		if d := ds[f.users[i].Id]; d.State != collections.DeliverySent || d.Attempts != want {
			t.Fatalf("user %d: %+v, want sent after %d attempts", i, d, want)
		}
	}
	if rep := mustRun(t, n, now.Add(2*time.Minute)); rep.Claimed != 0 {
		t.Fatalf("third run claimed %d", rep.Claimed)
	}
}

// Env of the child process of TestKilledMidRequest.
const (
	childDirEnv  = "CIRCLY_NOTIFY_CHILD_DIR"
	childExpoEnv = "CIRCLY_NOTIFY_CHILD_EXPO"
	childBatch   = 2
)

// TestKilledMidRequest kills (SIGKILL) a real dispatcher process while its
// first request is at Expo, which has accepted it, then restarts on the same
// data dir.
func TestKilledMidRequest(t *testing.T) {
	t.Parallel()
	fake := expotest.NewHandler()
	arrived := make(chan struct{})
	var first sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isFirst := false
		if strings.HasSuffix(r.URL.Path, "/push/send") {
			first.Do(func() { isFirst = true })
		}
		if !isFirst {
			fake.ServeHTTP(w, r)
			return
		}
		// Expo takes the batch; its answer never reaches the dispatcher
		fake.ServeHTTP(httptest.NewRecorder(), r)
		close(arrived)
		<-r.Context().Done()
	}))
	t.Cleanup(func() {
		fake.Shutdown()
		srv.Close()
	})

	cfg := circlytest.TestConfig()
	cfg.ExpoBaseURL = srv.URL
	cfg.ExpoRate = 0
	app, svc := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false
	s := testSettings(cfg)
	s.BatchSize = childBatch
	h := &harness{t: t, app: app, svc: svc, n: notify.Register(app, svc.Polls, s), cfg: cfg, settings: s}
	f := h.newCircle(6)
	now := time.Now()
	poll := h.createPoll(f, 0, time.Hour)

	cmd := exec.Command(os.Args[0], "-test.run=^TestDispatcherChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+app.DataDir(), childExpoEnv+"="+srv.URL)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the child never reached Expo:\n%s", out)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup of any kind
		t.Fatal(err)
	}
	_ = cmd.Wait()

	if got := states(t, app, poll.Id); got[collections.DeliverySending] != childBatch || got[collections.DeliveryPending] != 5-childBatch {
		t.Fatalf("after kill -9: %v, want %d sending", got, childBatch)
	}

	_, n := reopen(t, app.DataDir(), cfg, s)
	if rep := mustRun(t, n, now.Add(time.Minute)); rep.Sent != 5 {
		t.Fatalf("after the restart: %+v", rep)
	}
	if rep := mustRun(t, n, now.Add(2*time.Minute)); rep.Claimed != 0 {
		t.Fatalf("third run claimed %d", rep.Claimed)
	}
	counts := make([]int, len(f.push))
	for i, tok := range f.push {
		for _, m := range fake.MessagesTo(tok) {
			if m.CollapseID != notify.CollapseKey(poll.Id, collections.KindPollStarted) {
				t.Fatalf("message without the collapse key: %+v", m)
			}
			counts[i]++
		}
	}
	if fmt.Sprint(counts) != "[0 2 2 1 1 1]" {
		t.Fatalf("copies by user %v, want 2 for the batch in flight, 1 for the others", counts)
	}
}

// TestDispatcherChildProcess is the process TestKilledMidRequest kills; it
// does nothing in a normal test run.
func TestDispatcherChildProcess(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		return
	}
	cfg := circlytest.TestConfig()
	cfg.ExpoBaseURL = os.Getenv(childExpoEnv)
	cfg.ExpoRate = 0
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: store.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	s := testSettings(cfg)
	s.BatchSize = childBatch
	n := notify.Register(app, server.Register(app, cfg, nil).Polls, s)
	_, err := n.RunOnce(context.Background(), time.Now())
	t.Fatalf("the run was meant to be killed, it returned %v", err) // never reached
}
