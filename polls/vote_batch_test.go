package polls_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"

	"circly/circlytest"
	"circly/collections"
	"circly/metrics"
	"circly/polls"
	"circly/store"
)

// TestRefusedBallotsLeaveTheirBatchAlone: the ballot box checks each
// ballot inside the batch's transaction; a ballot its check refuses (not
// in the electorate, a vote for oneself, another poll's option, a second
// vote) is answered with its refusal and writes nothing, and the others
// of the batch are written in that one commit: a refusal taken for a
// failure would roll the batch back and write each ballot in a commit of
// its own.
func TestRefusedBallotsLeaveTheirBatchAlone(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 5, true) // users 0..4; options are members 1..4
	other := newPollFixture(t, app, 3, true)
	svc := circlytest.Circly(t, app).Polls
	f.mustVote(t, 3, 0)

	commits := metrics.Of(app).BallotCommits.Value()
	errs := svc.WriteBallots(app, [][3]string{
		{f.users[0].Id, f.poll, f.options[0]},          // accepted
		{other.users[1].Id, f.poll, f.options[1]},      // not in the electorate
		{f.users[1].Id, f.poll, f.options[0]},          // option 0 is member 1: self vote
		{f.users[2].Id, f.poll, other.options[0]},      // another poll's option
		{f.users[3].Id, f.poll, f.options[3]},          // second vote
		{f.users[4].Id, "nosuchpoll123", f.options[0]}, // no such poll
		{f.users[4].Id, f.poll, f.options[0]},          // accepted
	})
	want := []error{nil, polls.ErrNotInElectorate, polls.ErrSelfVote, polls.ErrWrongOption, polls.ErrAlreadyVoted, polls.ErrPollNotFound, nil}
	for i := range want {
		if !errors.Is(errs[i], want[i]) || (want[i] == nil && errs[i] != nil) {
			t.Errorf("ballot %d: %v, want %v", i, errs[i], want[i])
		}
	}
	if n := metrics.Of(app).BallotCommits.Value() - commits; n != 1 {
		t.Errorf("the batch took %d commits, want 1", n)
	}
	total, rows, tallies := f.counts(t)
	if total != 3 || rows != 3 || tallies[f.options[0]] != 3 {
		t.Fatalf("after the batch: total %d, rows %d, tallies %v; want 3, 3, option 0 at 3", total, rows, tallies)
	}
	if total, rows, _ := other.counts(t); total != 0 || rows != 0 {
		t.Fatalf("the other poll: total %d, rows %d", total, rows)
	}
}

// TestAttackRefusedBallotsLeaveNoTrace: an operator who copies the data
// dir now and then must not learn from it that somebody tried to vote and
// was refused (a second try, a vote for oneself, an outsider's try):
// a batch of refused ballots commits no change, and SQLite writes no WAL
// frame for it, so the database and its WAL are byte for byte what they
// were.
func TestAttackRefusedBallotsLeaveNoTrace(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	svc := circlytest.Circly(t, app).Polls
	svc.StopMinuteJob(app) // its runs write, and empty the WAL
	f := newPollFixture(t, app, 5, true)
	other := newPollFixture(t, app, 3, true)
	f.mustVote(t, 3, 0)
	files := func() map[string][32]byte {
		t.Helper()
		out := map[string][32]byte{}
		for _, name := range []string{"data.db", "data.db-wal"} {
			b, err := os.ReadFile(filepath.Join(app.DataDir(), name))
			if err != nil {
				t.Fatal(err)
			}
			out[name] = sha256.Sum256(b)
		}
		return out
	}
	// every committed frame copied into the database file first, so the
	// WAL copier, which the refused batch's commit wakes, has none left
	// to copy
	if frames, copied, err := store.CheckpointPassive(app); err != nil || frames != copied || frames == 0 {
		t.Fatalf("setup: checkpoint copied %d of %d frames (%v)", copied, frames, err)
	}
	before := files()
	commits := metrics.Of(app).BallotCommits.Value()
	errs := svc.WriteBallots(app, [][3]string{
		{other.users[1].Id, f.poll, f.options[1]},      // not in the electorate
		{f.users[1].Id, f.poll, f.options[0]},          // self vote
		{f.users[2].Id, f.poll, other.options[0]},      // another poll's option
		{f.users[3].Id, f.poll, f.options[3]},          // second vote (the unique index)
		{f.users[4].Id, "nosuchpoll123", f.options[0]}, // no such poll
	})
	want := []error{polls.ErrNotInElectorate, polls.ErrSelfVote, polls.ErrWrongOption, polls.ErrAlreadyVoted, polls.ErrPollNotFound}
	for i := range want {
		if !errors.Is(errs[i], want[i]) {
			t.Fatalf("setup: ballot %d: %v, want %v", i, errs[i], want[i])
		}
	}
	if n := metrics.Of(app).BallotCommits.Value() - commits; n != 1 {
		t.Fatalf("setup: the refused batch took %d commits, want 1", n)
	}
	after := files()
	for name, sum := range before {
		if after[name] != sum {
			t.Errorf("%s changed with a batch of refused ballots", name)
		}
	}
}

// TestBallotsOfAPollWithoutItsKeyAreRefused: a vote is written only under
// its poll's key, which exists exactly while the poll is open. Should the
// salt be gone from an open poll, every ballot of that poll in a commit is
// refused as closed (the key is looked up once per poll and commit), and
// nothing is written for them, while a ballot of another poll in the same
// commit is written.
func TestBallotsOfAPollWithoutItsKeyAreRefused(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	other := newPollFixture(t, app, 3, true)
	svc := circlytest.Circly(t, app).Polls
	if err := collections.DeletePollKey(app, f.poll); err != nil {
		t.Fatal(err)
	}
	errs := svc.WriteBallots(app, [][3]string{
		{f.users[0].Id, f.poll, f.options[0]},
		{other.users[0].Id, other.poll, other.options[0]},
		{f.users[2].Id, f.poll, f.options[0]},
	})
	if !errors.Is(errs[0], polls.ErrPollClosed) || errs[1] != nil || !errors.Is(errs[2], polls.ErrPollClosed) {
		t.Fatalf("ballots: %v, want [%v <nil> %v]", errs, polls.ErrPollClosed, polls.ErrPollClosed)
	}
	if total, rows, _ := f.counts(t); total != 0 || rows != 0 {
		t.Fatalf("the poll without its key: total %d, rows %d; want 0, 0", total, rows)
	}
	if total, rows, _ := other.counts(t); total != 1 || rows != 1 {
		t.Fatalf("the other poll: total %d, rows %d; want 1, 1", total, rows)
	}
}

// TestVoterHashIsKeyedByItsPoll: a vote's voter_hash is HMAC-SHA256 under
// its own poll's key, which is derived from circly.key and that poll's
// salt (SECURITY.md), also when ballots of several polls share a commit
// and each poll's key is derived once for it.
func TestVoterHashIsKeyedByItsPoll(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	other := newPollFixture(t, app, 4, true)
	svc := circlytest.Circly(t, app).Polls
	errs := svc.WriteBallots(app, [][3]string{
		{f.users[0].Id, f.poll, f.options[0]},
		{other.users[0].Id, other.poll, other.options[1]},
		{f.users[2].Id, f.poll, f.options[0]},
		{other.users[3].Id, other.poll, other.options[0]},
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ballot %d: %v", i, err)
		}
	}
	for _, c := range []struct {
		fx     *pollFixture
		voters []int
	}{{f, []int{0, 2}}, {other, []int{0, 3}}} {
		salt, _, err := collections.PollKeySalt(app, c.fx.poll)
		if err != nil || len(salt) != 32 {
			t.Fatalf("salt: %x %v", salt, err)
		}
		key, err := svc.Secrets.VoteKey(c.fx.poll, salt)
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		if err := app.DB().Select("voter_hash").From("votes").Where(dbx.HashExp{"poll": c.fx.poll}).
			OrderBy("voter_hash").Column(&stored); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, i := range c.voters {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(c.fx.users[i].Id))
			want = append(want, hex.EncodeToString(m.Sum(nil)))
		}
		slices.Sort(want)
		if !slices.Equal(stored, want) {
			t.Fatalf("poll %s: stored voter hashes %v, want HMAC under its key %v", c.fx.poll, stored, want)
		}
	}
}
