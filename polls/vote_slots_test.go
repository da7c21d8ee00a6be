package polls_test

import (
	"testing"
	"time"

	"circly/circlytest"
	"circly/polls"
)

func TestVoteCheckSlotsScaleWithCPUs(t *testing.T) {
	for _, c := range []struct{ procs, want int }{{1, 8}, {2, 8}, {3, 12}, {16, 64}} {
		if got := polls.VoteCheckSlots(c.procs); got != c.want {
			t.Errorf("voteCheckSlots(%d) = %d, want %d", c.procs, got, c.want)
		}
	}
}

// TestVoteWaitsForACheckSlot: while every check slot is taken, a vote is
// not checked (nor written); it is once a slot is free.
func TestVoteWaitsForACheckSlot(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 3, true)
	svc := circlytest.Circly(t, app).Polls

	release := svc.TakeAllCheckSlots()
	done := make(chan int, 1)
	go func() {
		status, _ := f.vote(t, 1, 1)
		done <- status
	}()
	// the vote came in (it counts as being checked from its first step)
	for deadline := time.Now().Add(10 * time.Second); svc.Checking() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the vote never started")
		}
	}
	select {
	case status := <-done:
		t.Fatalf("a vote was answered (%d) while every check slot was taken", status)
	case <-time.After(300 * time.Millisecond):
	}
	if _, rows, _ := f.counts(t); rows != 0 {
		t.Fatalf("%d vote rows written while every check slot was taken", rows)
	}

	release()
	if status := <-done; status != 200 {
		t.Fatalf("vote after the slots were freed: %d", status)
	}
	if total, rows, _ := f.counts(t); total != 1 || rows != 1 {
		t.Fatalf("after the vote: total %d, rows %d", total, rows)
	}
}

// TestRefusedVotesGiveTheirCheckSlotBack: every vote, refused at its
// check or by the ballot box, frees its slot; a leaked slot would, after
// as many refusals as there are slots, stop every vote.
func TestRefusedVotesGiveTheirCheckSlotBack(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 3, true)
	svc := circlytest.Circly(t, app).Polls
	f.mustVote(t, 0, 0)
	for range polls.VoteCheckSlots(16) + 1 {
		if status, _ := f.vote(t, 1, 0); status != 400 { // own option: refused by the check
			t.Fatalf("vote for own option: %d", status)
		}
		if status, _ := f.vote(t, 0, 1); status != 400 { // second vote: refused by the ballot box
			t.Fatalf("second vote: %d", status)
		}
		if n := svc.CheckSlotsTaken(); n != 0 {
			t.Fatalf("%d check slots still taken after every vote was answered", n)
		}
	}
	f.mustVote(t, 2, 0)
}
