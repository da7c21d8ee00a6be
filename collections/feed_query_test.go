package collections_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// feedFixture is the circle fixture with four polls in it and one in
// another circle:
//   - pOpenLate (deadline +2h) and pOpenSoon (+1h), open; pClosedNew (-1h)
//     and pClosedOld (-2h), closed; each with the electorate of its start
//     (u1, u2, u4: u3's membership is inactive);
//   - u3 was also an elector of pClosedNew (it left after that poll);
//   - late joined after every poll: a member, in no electorate;
//   - ghost is an elector of pClosedOld without a members row there;
//   - pElsewhere is a poll of another circle (of stranger).
type feedFixture struct {
	*circleFixture
	late, stranger, ghost                        *collections.User
	pOpenLate, pOpenSoon, pClosedNew, pClosedOld *collections.Poll
	pElsewhere                                   *collections.Poll
	other                                        *collections.Circle
}

func newFeedFixture(t *testing.T) *feedFixture {
	f := &feedFixture{circleFixture: newCircleFixture(t)}
	app, now := f.app, time.Now()
	poll := func(circle, status string, deadline time.Duration) *collections.Poll {
		p := makePoll(t, app, circle, status, now.Add(deadline))
		must(t, collections.InsertElectorate(app, p.Id, circle))
		return p
	}
	f.pOpenLate = poll(f.circle.Id, collections.PollOpen, 2*time.Hour)
	f.pOpenSoon = poll(f.circle.Id, collections.PollOpen, time.Hour)
	f.pClosedNew = poll(f.circle.Id, collections.PollClosed, -time.Hour)
	f.pClosedOld = poll(f.circle.Id, collections.PollClosed, -2*time.Hour)
	addElector(t, app, f.pClosedNew.Id, f.u3.Id)

	f.late = makeUser(t, app, "", true)
	makeMember(t, app, f.circle.Id, f.late.Id, "late", true, now)
	f.ghost = makeUser(t, app, "", true)
	addElector(t, app, f.pClosedOld.Id, f.ghost.Id)

	f.stranger = makeUser(t, app, "", true)
	f.other = makeCircle(t, app, f.stranger.Id)
	makeMember(t, app, f.other.Id, f.stranger.Id, "s", true, now)
	f.pElsewhere = poll(f.other.Id, collections.PollOpen, 30*time.Minute)
	return f
}

func addElector(t *testing.T, app core.App, pollId, userId string) {
	t.Helper()
	e, err := collections.NewElector(app)
	must(t, err)
	e.SetPoll(pollId)
	e.SetUser(userId)
	must(t, app.Save(e))
}

// feedIds returns the poll ids of a feed page and the feed's total.
func feedIds(t *testing.T, app core.App, u *collections.User, status string, limit, offset int) ([]string, int) {
	t.Helper()
	rows, total, err := collections.FeedPage(app, u.Id, status, limit, offset)
	must(t, err)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Poll
	}
	return out, total
}

func TestFeedReadablePollsAndOrder(t *testing.T) {
	f := newFeedFixture(t)
	all := []string{f.pOpenSoon.Id, f.pOpenLate.Id, f.pClosedNew.Id, f.pClosedOld.Id}
	for _, c := range []struct {
		name   string
		user   *collections.User
		status string
		want   []string
	}{
		{"member", f.u2, "", all},
		{"member, open", f.u2, collections.PollOpen, all[:2]},
		{"member, closed", f.u2, collections.PollClosed, all[2:]},
		{"former member in one electorate", f.u3, "", []string{f.pClosedNew.Id}},
		{"later joiner", f.late, "", all},
		{"elector without a members row", f.ghost, "", nil},
		{"member of another circle", f.stranger, "", []string{f.pElsewhere.Id}},
		{"member of another circle, closed", f.stranger, collections.PollClosed, nil},
	} {
		got, total := feedIds(t, f.app, c.user, c.status, 100, 0)
		if !slices.Equal(got, c.want) || total != len(c.want) {
			t.Errorf("%s: FeedPage = %v (total %d), want %v", c.name, got, total, c.want)
		}
		n, err := collections.CountFeed(f.app, c.user.Id, c.status)
		must(t, err)
		if n != len(c.want) {
			t.Errorf("%s: CountFeed = %d, want %d", c.name, n, len(c.want))
		}
	}

	// pages of 2: no overlap, nothing skipped, the total on each, and an
	// empty page past the end that still knows the total
	var paged []string
	for offset := 0; offset <= 4; offset += 2 {
		page, total := feedIds(t, f.app, f.u2, "", 2, offset)
		if total != len(all) {
			t.Errorf("page at %d: total %d, want %d", offset, total, len(all))
		}
		paged = append(paged, page...)
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("pages of 2 = %v, want %v", paged, all)
	}
}

// TestFeedMatchesTheReadRules: the feed's set and IsPollReader agree with
// PocketBase's evaluation of the polls view rule in force (the migrations
// applied ApplyPollReaders), for every user and poll.
func TestFeedMatchesTheReadRules(t *testing.T) {
	f := newFeedFixture(t)
	polls, err := f.app.FindCollectionByNameOrId(collections.Polls)
	must(t, err)
	everyPoll := []*collections.Poll{f.pOpenLate, f.pOpenSoon, f.pClosedNew, f.pClosedOld, f.pElsewhere}
	// u4's account is disabled: the rules refuse it, the routes never see it
	for _, u := range []*collections.User{f.u1, f.u2, f.u3, f.late, f.ghost, f.stranger} {
		feed, _ := feedIds(t, f.app, u, "", 100, 0)
		for _, p := range everyPoll {
			byRule, err := f.app.CanAccessRecord(p.Record, &core.RequestInfo{Auth: u.Record}, polls.ViewRule)
			must(t, err)
			reader, err := collections.IsPollReader(f.app, p.Id, u.Id)
			must(t, err)
			inFeed := slices.Contains(feed, p.Id)
			if reader != byRule || inFeed != byRule {
				t.Errorf("user %s, poll %s: rule %v, IsPollReader %v, in feed %v", u.Id, p.Id, byRule, reader, inFeed)
			}
		}
	}
	if ok, err := collections.IsPollReader(f.app, "missing", f.u1.Id); ok || err != nil {
		t.Fatalf("IsPollReader(unknown poll) = %v, %v", ok, err)
	}
}

func TestFeedRowDetails(t *testing.T) {
	f := newFeedFixture(t)
	name, other := f.circle.Name(), f.other.Name()
	for _, c := range []struct {
		name string
		user *collections.User
		want []collections.FeedRow
	}{
		{"member and elector", f.u2, []collections.FeedRow{
			{Poll: f.pOpenSoon.Id, CircleName: name, Eligible: true},
			{Poll: f.pOpenLate.Id, CircleName: name, Eligible: true},
			{Poll: f.pClosedNew.Id, CircleName: name, Eligible: true},
			{Poll: f.pClosedOld.Id, CircleName: name, Eligible: true},
		}},
		{"elector who left", f.u3, []collections.FeedRow{
			{Poll: f.pClosedNew.Id, CircleName: name},
		}},
		{"later joiner", f.late, []collections.FeedRow{
			{Poll: f.pOpenSoon.Id, CircleName: name},
			{Poll: f.pOpenLate.Id, CircleName: name},
			{Poll: f.pClosedNew.Id, CircleName: name},
			{Poll: f.pClosedOld.Id, CircleName: name},
		}},
		{"another circle", f.stranger, []collections.FeedRow{
			{Poll: f.pElsewhere.Id, CircleName: other, Eligible: true},
		}},
	} {
		rows, _, err := collections.FeedPage(f.app, c.user.Id, "", 100, 0)
		must(t, err)
		for i := range rows {
			rows[i].Total = 0
		}
		if !slices.Equal(rows, c.want) {
			t.Errorf("%s: FeedPage =\n%+v\nwant\n%+v", c.name, rows, c.want)
		}
	}
}

func TestFindPolls(t *testing.T) {
	f := newFeedFixture(t)
	want := []string{f.pClosedOld.Id, f.pOpenSoon.Id, f.pElsewhere.Id}
	got, err := collections.FindPolls(f.app, []string{want[0], "missing", want[1], want[2]})
	must(t, err)
	if !slices.Equal(ids(got), want) {
		t.Fatalf("FindPolls = %v, want %v (in the order asked, unknown left out)", ids(got), want)
	}
}

func TestParticipated(t *testing.T) {
	f := newFeedFixture(t)
	a, b, c := f.pOpenLate.Id, f.pOpenSoon.Id, f.pClosedNew.Id
	must(t, collections.InsertParticipation(f.app, a, "h-a"))
	// b holds the hash asked for c: another (poll, user), not a match
	must(t, collections.InsertParticipation(f.app, b, "h-c"))

	got, err := collections.Participated(f.app, map[string]string{a: "h-a", b: "h-b", c: "h-c"})
	must(t, err)
	if len(got) != 1 || !got[a] {
		t.Fatalf("Participated = %v, want only %s", got, a)
	}
	if got, err := collections.Participated(f.app, nil); err != nil || len(got) != 0 {
		t.Fatalf("Participated(nothing) = %v, %v", got, err)
	}
}
