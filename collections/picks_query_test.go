package collections_test

import (
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// setCounts sets a poll's status and total and one option's published count.
func setCounts(t *testing.T, f *feedFixture, p *collections.Poll, status string, total int, o *collections.Option, votes int) {
	t.Helper()
	p.SetStatus(status)
	p.SetTotalVotes(total)
	must(t, f.app.Save(p))
	o.SetVoteCount(votes)
	must(t, f.app.Save(o))
}

// k is the results threshold of the picks tests.
const k = 3

// newPicksFixture is the feed fixture where u2 (m2) is an option in every
// poll of the circle and u3 (m3, left) in pClosedNew: u2 got 2 of 4 votes
// in pClosedNew and 1 of 5 in pClosedOld, u3 1 in pClosedNew, and u2 1
// in the open pOpenSoon. It returns u2's options by poll.
func newPicksFixture(t *testing.T) (*feedFixture, map[string]*collections.Option) {
	f := newFeedFixture(t)
	o2 := map[string]*collections.Option{}
	for i, p := range []*collections.Poll{f.pOpenLate, f.pOpenSoon, f.pClosedNew, f.pClosedOld} {
		o2[p.Id] = makeOption(t, f.app, p.Id, f.m2, i)
	}
	o3 := makeOption(t, f.app, f.pClosedNew.Id, f.m3, 1)

	setCounts(t, f, f.pClosedNew, collections.PollClosed, 4, o2[f.pClosedNew.Id], 2)
	setCounts(t, f, f.pClosedNew, collections.PollClosed, 4, o3, 1)
	setCounts(t, f, f.pClosedOld, collections.PollClosed, 5, o2[f.pClosedOld.Id], 1)
	// open polls are not in the inbox, whatever their published counts
	setCounts(t, f, f.pOpenSoon, collections.PollOpen, 3, o2[f.pOpenSoon.Id], 1)
	return f, o2
}

// countPicks fails the test unless user has want picks.
func countPicks(t *testing.T, f *feedFixture, u *collections.User, want int) {
	t.Helper()
	n, err := collections.CountPicks(f.app, u.Id, k)
	must(t, err)
	if n != want {
		t.Errorf("CountPicks(%s) = %d, want %d", u.Id, n, want)
	}
}

func TestPicksPage(t *testing.T) {
	f, _ := newPicksFixture(t)
	app := f.app
	picks, total, err := collections.PicksPage(app, f.u2.Id, k, 10, 0)
	must(t, err)
	if total != 2 {
		t.Errorf("PicksPage total = %d, want 2", total)
	}
	want := []collections.Pick{
		{Poll: f.pClosedNew.Id, QuestionText: "Who?", Circle: f.circle.Id, CircleName: f.circle.Name(), Deadline: f.pClosedNew.Deadline(), Votes: 2, TotalVotes: 4},
		{Poll: f.pClosedOld.Id, QuestionText: "Who?", Circle: f.circle.Id, CircleName: f.circle.Name(), Deadline: f.pClosedOld.Deadline(), Votes: 1, TotalVotes: 5},
	}
	// deadlines compare as text (the same instant may differ in location)
	for i := range min(len(picks), len(want)) {
		if picks[i].Deadline.String() != want[i].Deadline.String() {
			t.Errorf("pick %d: deadline %s, want %s", i, picks[i].Deadline, want[i].Deadline)
		}
		picks[i].Deadline, want[i].Deadline = types.DateTime{}, types.DateTime{}
	}
	if !slices.Equal(picks, want) {
		t.Fatalf("PicksPage(u2) =\n%+v\nwant (newest first)\n%+v", picks, want)
	}
	countPicks(t, f, f.u2, 2)

	// pages of 1
	second, total, err := collections.PicksPage(app, f.u2.Id, k, 1, 1)
	must(t, err)
	if len(second) != 1 || second[0].Poll != f.pClosedOld.Id || total != 2 {
		t.Fatalf("second page of 1 = %+v (total %d)", second, total)
	}
	if past, total, err := collections.PicksPage(app, f.u2.Id, k, 10, 2); err != nil || past == nil || len(past) != 0 || total != 2 {
		t.Fatalf("a page past the end = %+v, total %d, %v (want empty, not nil, and the total)", past, total, err)
	}

	// a former membership keeps its picks
	former, _, err := collections.PicksPage(app, f.u3.Id, k, 10, 0)
	must(t, err)
	if len(former) != 1 || former[0].Poll != f.pClosedNew.Id || former[0].Votes != 1 {
		t.Fatalf("PicksPage(u3, left) = %+v", former)
	}
	countPicks(t, f, f.u3, 1)
}

func TestPicksNeedRevealedVotes(t *testing.T) {
	f, o2 := newPicksFixture(t)
	countPicks(t, f, f.u2, 2)
	// below the threshold a closed poll never revealed its counts
	setCounts(t, f, f.pClosedOld, collections.PollClosed, k-1, o2[f.pClosedOld.Id], 1)
	countPicks(t, f, f.u2, 1)
	// nor is an option with no published vote a pick
	setCounts(t, f, f.pClosedNew, collections.PollClosed, 4, o2[f.pClosedNew.Id], 0)
	countPicks(t, f, f.u2, 0)
	// nobody picked them, or they were never options
	countPicks(t, f, f.u1, 0)
	countPicks(t, f, f.late, 0)
	countPicks(t, f, f.stranger, 0)
}
