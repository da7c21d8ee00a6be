package polls_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/cron"

	"circly/circlytest"
	"circly/polls"
	"circly/store"
)

// TestScrubEmptiesTheWAL: without a replicator the minute job ends by
// emptying the WAL, which holds each page as it was after each commit (the
// cells in arrival order) until then.
func TestScrubEmptiesTheWAL(t *testing.T) {
	t.Parallel()
	p := newAtkOrderPoll(t)
	svc := circlytest.Circly(t, p.app).Polls
	svc.StopMinuteJob(p.app) // PocketBase's cron could empty it first
	p.mustVote(t, atkOrderVoters, 0)
	wal := filepath.Join(p.app.DataDir(), "data.db-wal")
	before, err := os.Stat(wal)
	if err != nil || before.Size() == 0 {
		t.Fatalf("setup: the votes left no WAL to empty (%v)", err)
	}
	if err := svc.ScrubArrivalOrder(p.app); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(wal)
	if err == nil && after.Size() > 0 {
		t.Fatalf("the WAL holds %d bytes after the minute job (%d before), want none", after.Size(), before.Size())
	}
}

// TestCleanStopSparesTheNextStart: a server that stops cleanly runs the
// minute job one last time and leaves a mark, so its next start does not
// re-lay out every open poll (in a large database, minutes of work); a
// start without the mark (first start, crash, restore) still does. A stop
// before the first run, or a command that never served, leaves no mark.
func TestCleanStopSparesTheNextStart(t *testing.T) {
	t.Parallel()
	p := newAtkOrderPoll(t)
	svc := circlytest.Circly(t, p.app).Polls
	// the minute job runs only when this test says (PocketBase's cron
	// would run it at the next minute)
	svc.StopMinuteJob(p.app)
	marked := func(app core.App) bool {
		_, err := os.Stat(filepath.Join(app.DataDir(), polls.CleanStopMark))
		return err == nil
	}
	pending := func(stage string, wantPolls int, wantAll bool) {
		t.Helper()
		if n, all := svc.ScrubPending(); n != wantPolls || all != wantAll {
			t.Fatalf("%s: the next scrub covers %d noted polls, all open polls %v; want %d, %v", stage, n, all, wantPolls, wantAll)
		}
	}

	// a command: its app never served (no serve hooks ran), even with
	// nothing left to scrub
	cmd := circlytest.NewTestApp(t)
	cmdSvc := circlytest.Circly(t, cmd).Polls
	cmdSvc.StopMinuteJob(cmd)
	if err := cmdSvc.ScrubArrivalOrder(cmd); err != nil {
		t.Fatal(err)
	}
	cmdSvc.StopServing(cmd)
	if marked(cmd) {
		t.Fatal("an app that never served left the clean-stop mark")
	}

	svc.StartServing(p.app)
	if _, all := svc.ScrubPending(); !all {
		t.Fatal("first start: the first scrub does not cover every open poll")
	}
	svc.StopServing(p.app) // stopped before the first run
	if marked(p.app) {
		t.Fatal("a stop before the first run left the clean-stop mark")
	}

	svc.StartServing(p.app)
	if err := svc.ScrubArrivalOrder(p.app); err != nil {
		t.Fatal(err)
	}
	p.mustVote(t, atkOrderVoters, 0)
	pending("a vote after the first run", 1, false)
	svc.StopServing(p.app)
	if !marked(p.app) {
		t.Fatal("a clean stop left no mark")
	}
	pending("after a clean stop", 0, false)
	if fi, err := os.Stat(filepath.Join(p.app.DataDir(), "data.db-wal")); err == nil && fi.Size() > 0 {
		t.Fatalf("the WAL holds %d bytes after a clean stop", fi.Size())
	}

	svc.StartServing(p.app)
	if marked(p.app) {
		t.Fatal("the mark survived the start: a crash now would skip the full scrub")
	}
	pending("start after a clean stop", 0, false)

	svc.StartServing(p.app) // a start after a crash: no mark
	pending("start after a crash", 0, true)
}

// TestScrubUnderReplication: with a replicator taking the WAL truncations
// (store.SetWALTruncater), the minute job still re-lays out the poll's
// rows in the database file, but leaves the WAL to the replicator (a
// truncation through Litestream takes a full snapshot); the closes of one
// dispatcher run truncate through it once.
func TestScrubUnderReplication(t *testing.T) {
	t.Parallel()
	p := newAtkOrderPoll(t)
	truncations := 0
	store.SetWALTruncater(p.app, func() error { truncations++; return nil })
	svc := circlytest.Circly(t, p.app).Polls
	if err := svc.ScrubArrivalOrder(p.app); err != nil {
		t.Fatal(err)
	}
	if truncations != 0 {
		t.Fatalf("the minute job truncated the WAL %d times under replication, want 0", truncations)
	}
	p.checkPageLayout(t, "open, replicated")

	// a second poll of the circle; both close in one dispatcher run, with
	// one truncation (under replication each is a full snapshot)
	status, body := circlytest.Call(t, p.handler, "POST", "/api/collections/polls/records", p.tokens[1], map[string]any{
		"circle": p.circle.Id, "template": circlytest.FirstTemplate(t, p.app).Id, "deadline": dt(time.Hour),
	})
	if status != 200 {
		t.Fatalf("second poll: %d %v", status, body)
	}
	closed, err := svc.CloseDuePolls(p.app, time.Now().Add(2*time.Hour))
	if err != nil || len(closed) != 2 {
		t.Fatalf("CloseDuePolls = %v, %v; want both polls", closed, err)
	}
	if truncations != 1 {
		t.Fatalf("closing two polls truncated the WAL %d times, want once", truncations)
	}
}

// TestScrubJobAfterTerminate: a run of the minute job that fires while the
// app terminates (the cron fires on its own goroutine) must wait for, or
// skip, the closed database instead of reading it.
func TestScrubJobAfterTerminate(t *testing.T) {
	p := newAtkOrderPoll(t)
	var job func()
	for _, j := range p.app.Cron().Jobs() {
		if j.Id() == polls.ScrubArrivalOrderCron {
			job = j.Run
		}
	}
	if job == nil {
		t.Fatal("the minute job is not registered")
	}
	p.app.Cleanup()
	job() // a panic or a race here fails the test
	if slices.ContainsFunc(p.app.Cron().Jobs(), func(j *cron.Job) bool { return j.Id() == polls.ScrubArrivalOrderCron }) {
		t.Fatal("the minute job is still scheduled after the app terminated")
	}
}
