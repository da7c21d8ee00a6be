package collections_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// counts reads an option's (tally, vote_count).
func counts(t *testing.T, app core.App, id string) [2]int {
	t.Helper()
	o, err := collections.FindOption(app, id)
	must(t, err)
	return [2]int{o.Tally(), o.VoteCount()}
}

func TestTallies(t *testing.T) {
	f := newPollFixture(t, true)
	app, o2, o4 := f.app, f.o2.Id, f.o4.Id

	must(t, collections.AddTally(app, o4))
	if got := counts(t, app, o4); got != [2]int{1, 0} {
		t.Fatalf("after AddTally: (tally, vote_count) = %v, want [1 0] (nothing published)", got)
	}

	var changed []string
	inTx(t, app, func(txApp core.App) {
		published, err := collections.AddTallyAndPublish(txApp, f.poll.Id, o2)
		must(t, err)
		for _, c := range published {
			if c.VoteCount != 1 {
				t.Fatalf("AddTallyAndPublish: %s published %d, want 1", c.Id, c.VoteCount)
			}
			changed = append(changed, c.Id)
		}
	})
	slices.Sort(changed)
	want := []string{o2, o4}
	slices.Sort(want)
	if !slices.Equal(changed, want) {
		t.Fatalf("AddTallyAndPublish changed %v, want %v", changed, want)
	}
	if a, b := counts(t, app, o2), counts(t, app, o4); a != [2]int{1, 1} || b != [2]int{1, 1} {
		t.Fatalf("after publishing: o2 %v, o4 %v; want [1 1] each", a, b)
	}

	must(t, collections.AddTally(app, o2))
	changed, err := collections.PublishFinalCounts(app, f.poll.Id)
	must(t, err)
	if !slices.Equal(changed, []string{o2}) || counts(t, app, o2) != [2]int{2, 2} {
		t.Fatalf("PublishFinalCounts changed %v, o2 %v", changed, counts(t, app, o2))
	}
	if changed, err := collections.PublishFinalCounts(app, f.poll.Id); err != nil || len(changed) != 0 {
		t.Fatalf("second PublishFinalCounts = %v, %v; want nothing changed", changed, err)
	}

	options, err := collections.PollOptions(app, f.poll.Id)
	must(t, err)
	if got := ids(options); !slices.Equal(got, []string{o2, o4}) {
		t.Fatalf("PollOptions = %v, want by order", got)
	}
	if o := options[1]; o.Poll() != f.poll.Id || o.Member() != f.m4.Id || o.Nickname() != "four" || o.Order() != 1 {
		t.Fatalf("option read back as %v", o.FieldsData())
	}
}

func TestInsertVote(t *testing.T) {
	f := newPollFixture(t, false)
	app := f.app
	inTx(t, app, func(txApp core.App) {
		must(t, collections.InsertVote(txApp, f.poll.Id, f.o4.Id, "hash-two", f.m2.Id))
		must(t, collections.InsertVote(txApp, f.poll.Id, f.o2.Id, "hash-four", f.m4.Id))
		err := collections.InsertVote(txApp, f.poll.Id, f.o2.Id, "hash-two", f.m2.Id)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique constraint failed") ||
			!strings.Contains(err.Error(), ".voter_hash") {
			t.Errorf("second vote with the same hash: %v, want a unique violation on voter_hash", err)
		}
	})

	voters, err := collections.VotersByOption(app, f.poll.Id)
	must(t, err)
	if len(voters) != 2 || !slices.Equal(voters[f.o4.Id], []string{"two"}) || !slices.Equal(voters[f.o2.Id], []string{"four"}) {
		t.Fatalf("VotersByOption = %v", voters)
	}

	rs, err := app.FindAllRecords(collections.Votes, dbx.HashExp{"voter_hash": "hash-two"})
	must(t, err)
	if len(rs) != 1 {
		t.Fatalf("%d rows with hash-two", len(rs))
	}
	v := collections.AsVote(rs[0])
	if v.Poll() != f.poll.Id || v.Option() != f.o4.Id || v.VoterHash() != "hash-two" || v.Member() != f.m2.Id {
		t.Fatalf("vote read back as %v", v.FieldsData())
	}
}

// The reshuffle of an anonymous poll's close: read the options, delete the
// rows, insert scrubbed ones.
func TestScrubVotes(t *testing.T) {
	f := newPollFixture(t, true)
	app := f.app
	must(t, collections.InsertVote(app, f.poll.Id, f.o4.Id, "hash-two", ""))
	must(t, collections.InsertVote(app, f.poll.Id, f.o2.Id, "hash-four", ""))

	options, err := collections.PollVoteOptions(app, f.poll.Id)
	must(t, err)
	slices.Sort(options)
	want := []string{f.o2.Id, f.o4.Id}
	slices.Sort(want)
	if !slices.Equal(options, want) {
		t.Fatalf("PollVoteOptions = %v, want %v", options, want)
	}

	inTx(t, app, func(txApp core.App) {
		must(t, collections.DeletePollVotes(txApp, f.poll.Id))
		for _, o := range options {
			must(t, collections.InsertScrubbedVote(txApp, f.poll.Id, o))
		}
	})

	rs, err := app.FindAllRecords(collections.Votes, dbx.HashExp{"poll": f.poll.Id})
	must(t, err)
	if len(rs) != 2 {
		t.Fatalf("%d votes after the scrub, want 2", len(rs))
	}
	for _, r := range rs {
		v := collections.AsVote(r)
		if len(v.VoterHash()) != 64 || strings.HasPrefix(v.VoterHash(), "hash-") || v.Member() != "" {
			t.Fatalf("scrubbed vote %v still says something about its voter", v.FieldsData())
		}
	}
}

// The relayout of an open poll after a commit: read the rows, delete them,
// insert them again with their content and new rowids.
func TestRelayoutVotes(t *testing.T) {
	f := newPollFixture(t, false)
	app := f.app
	must(t, collections.InsertVote(app, f.poll.Id, f.o4.Id, "hash-two", f.m2.Id))
	must(t, collections.InsertVote(app, f.poll.Id, f.o2.Id, "hash-four", f.m4.Id))

	rowids := func() []int64 {
		var ids []int64
		must(t, app.DB().NewQuery("SELECT [[rowid]] FROM {{votes}} ORDER BY [[rowid]]").Column(&ids))
		return ids
	}
	before, beforeRowids := readVoteRows(t, app, f.poll.Id), rowids()
	if len(before) != 2 || before["hash-two"] != (collections.VoteRow{Id: before["hash-two"].Id, Option: f.o4.Id, VoterHash: "hash-two", Member: f.m2.Id}) {
		t.Fatalf("PollVoteRows = %v", before)
	}

	inTx(t, app, func(txApp core.App) {
		rows, err := collections.PollVoteRows(txApp, f.poll.Id)
		must(t, err)
		must(t, collections.DeletePollVotes(txApp, f.poll.Id))
		for _, r := range rows {
			must(t, collections.InsertVoteRow(txApp, f.poll.Id, r))
		}
	})

	if after := readVoteRows(t, app, f.poll.Id); len(after) != 2 || after["hash-two"] != before["hash-two"] || after["hash-four"] != before["hash-four"] {
		t.Fatalf("rows after the relayout %v, before %v", after, before)
	}
	if after := rowids(); slices.Equal(after, beforeRowids) {
		t.Fatalf("the relayout kept the rowids %v", after)
	}
}

// readVoteRows returns a poll's vote rows by voter hash.
func readVoteRows(t *testing.T, app core.App, pollId string) map[string]collections.VoteRow {
	t.Helper()
	rows, err := collections.PollVoteRows(app, pollId)
	must(t, err)
	out := map[string]collections.VoteRow{}
	for _, r := range rows {
		out[r.VoterHash] = r
	}
	return out
}

func TestVoteRecordSetters(t *testing.T) {
	f := newPollFixture(t, false)
	col, err := f.app.FindCachedCollectionByNameOrId(collections.Votes)
	must(t, err)
	v := collections.AsVote(core.NewRecord(col))
	v.SetPoll(f.poll.Id)
	v.SetOption(f.o2.Id)
	v.SetVoterHash("h")
	v.SetMember(f.m4.Id)
	must(t, f.app.Save(v))

	r, err := f.app.FindRecordById(collections.Votes, v.Id)
	must(t, err)
	if got := collections.AsVote(r); got.Poll() != f.poll.Id || got.Option() != f.o2.Id || got.VoterHash() != "h" || got.Member() != f.m4.Id {
		t.Fatalf("vote read back as %v", r.FieldsData())
	}
}

func TestRandomRowid(t *testing.T) {
	seen := map[int64]bool{}
	for range 1000 {
		r := collections.RandomRowid()
		if r <= 0 || r > 1<<62 || seen[r] {
			t.Fatalf("RandomRowid gave %d (seen before: %v)", r, seen[r])
		}
		seen[r] = true
	}
}
