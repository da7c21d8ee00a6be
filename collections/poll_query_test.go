package collections_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// pollFixture is an open poll of the circle fixture started by u1, with
// options for m2 and m4.
type pollFixture struct {
	*circleFixture
	poll   *collections.Poll
	o2, o4 *collections.Option
}

func newPollFixture(t *testing.T, anonymous bool) *pollFixture {
	f := &pollFixture{circleFixture: newCircleFixture(t)}
	tp := makeTemplate(t, f.app)
	f.poll = makePoll(t, f.app, f.circle.Id, collections.PollOpen, time.Now().Add(time.Hour))
	f.poll.SetCreator(f.u1.Id)
	f.poll.SetTemplate(tp.Id)
	f.poll.SetAnonymous(anonymous)
	must(t, f.app.Save(f.poll))
	f.o2 = makeOption(t, f.app, f.poll.Id, f.m2, 0)
	f.o4 = makeOption(t, f.app, f.poll.Id, f.m4, 1)
	return f
}

func TestPollRoundTrip(t *testing.T) {
	f := newPollFixture(t, true)
	p, err := collections.FindPoll(f.app, f.poll.Id)
	must(t, err)
	if p.Circle() != f.circle.Id || p.Creator() != f.u1.Id || p.Template() != f.poll.Template() ||
		p.QuestionText() != "Who?" || !p.IsAnonymous() || p.Status() != collections.PollOpen ||
		!p.IsOpen() || p.IsClosed() || p.TotalVotes() != 0 ||
		p.Deadline().String() != f.poll.Deadline().String() || p.Created().IsZero() {
		t.Fatalf("poll read back as %v", p.FieldsData())
	}

	for want := 1; want <= 2; want++ {
		total, err := collections.IncrementTotalVotes(f.app, p.Id)
		must(t, err)
		if total != want {
			t.Fatalf("IncrementTotalVotes = %d, want %d", total, want)
		}
	}
	p, err = collections.FindPoll(f.app, p.Id)
	must(t, err)
	if p.TotalVotes() != 2 {
		t.Fatalf("TotalVotes = %d after two increments", p.TotalVotes())
	}

	p.SetStatus(collections.PollClosed)
	must(t, f.app.Save(p))
	if p.IsOpen() || !p.IsClosed() {
		t.Fatal("a closed poll reads as open")
	}
}

func TestOpenPollsDueBy(t *testing.T) {
	f := newCircleFixture(t)
	now := time.Now()
	late := makePoll(t, f.app, f.circle.Id, collections.PollOpen, now.Add(-time.Minute))
	later := makePoll(t, f.app, f.circle.Id, collections.PollOpen, now)
	makePoll(t, f.app, f.circle.Id, collections.PollOpen, now.Add(time.Hour))
	makePoll(t, f.app, f.circle.Id, collections.PollClosed, now.Add(-2*time.Minute))

	due, err := collections.OpenPollsDueBy(f.app, now)
	must(t, err)
	if want := []string{late.Id, later.Id}; !slices.Equal(due, want) {
		t.Fatalf("OpenPollsDueBy = %v, want %v (open, deadline reached, earliest first)", due, want)
	}
}

func TestElectorate(t *testing.T) {
	f := newPollFixture(t, true)
	must(t, collections.InsertElectorate(f.app, f.poll.Id, f.circle.Id))
	// joins after the poll started are not in its electorate
	late := makeUser(t, f.app, "", true)
	makeMember(t, f.app, f.circle.Id, late.Id, "late", true, time.Now())

	for _, c := range []struct {
		user *collections.User
		want bool
	}{{f.u1, true}, {f.u2, true}, {f.u3, false}, {f.u4, true}, {late, false}} {
		in, err := collections.IsElector(f.app, f.poll.Id, c.user.Id)
		must(t, err)
		if in != c.want {
			t.Errorf("IsElector(%s) = %v, want %v", c.user.Id, in, c.want)
		}
	}

	r, err := f.app.FindFirstRecordByFilter(collections.Electors, "user = {:u}", dbx.Params{"u": f.u2.Id})
	must(t, err)
	if e := collections.AsElector(r); e.Poll() != f.poll.Id || e.User() != f.u2.Id {
		t.Fatalf("elector read back as %v", r.FieldsData())
	}
	e, err := collections.NewElector(f.app)
	must(t, err)
	e.SetPoll(f.poll.Id)
	e.SetUser(late.Id)
	must(t, f.app.Save(e))
	if in, err := collections.IsElector(f.app, f.poll.Id, late.Id); err != nil || !in {
		t.Fatalf("IsElector after a single insert = %v, %v", in, err)
	}
}

func TestLoadVoteCheck(t *testing.T) {
	f := newPollFixture(t, false)
	must(t, collections.InsertElectorate(f.app, f.poll.Id, f.circle.Id))

	c, err := collections.LoadVoteCheck(f.app, f.poll.Id, f.u2.Id, f.o4.Id)
	must(t, err)
	if c == nil || c.Circle != f.circle.Id || c.Status != collections.PollOpen || c.IsAnonymous ||
		c.Deadline.String() != f.poll.Deadline().String() || !c.Elector || c.Member.String != f.m2.Id ||
		c.OptionPoll.String != f.poll.Id || c.OptionMember.String != f.m4.Id || c.OptionUser.String != f.u4.Id {
		t.Fatalf("LoadVoteCheck = %+v", c)
	}

	// an outsider naming an unknown option: nothing but the poll is known
	c, err = collections.LoadVoteCheck(f.app, f.poll.Id, f.u3.Id, "missing")
	must(t, err)
	if c == nil || c.Elector || c.Member.Valid || c.OptionPoll.Valid || c.OptionMember.Valid || c.OptionUser.Valid {
		t.Fatalf("LoadVoteCheck(outsider, unknown option) = %+v", c)
	}

	if c, err := collections.LoadVoteCheck(f.app, "missing", f.u2.Id, f.o4.Id); c != nil || err != nil {
		t.Fatalf("LoadVoteCheck(unknown poll) = %+v, %v; want nil, nil", c, err)
	}

	// inside a transaction (the statement prepared on the read pool cannot
	// be used there) it reads the transaction's own writes
	must(t, f.app.RunInTransaction(func(txApp core.App) error {
		f.m2.Set(collections.FieldMemberIsActive, false)
		must(t, txApp.Save(f.m2))
		c, err := collections.LoadVoteCheck(txApp, f.poll.Id, f.u2.Id, f.o4.Id)
		must(t, err)
		if c == nil || c.Member.Valid || !c.Elector || c.OptionUser.String != f.u4.Id {
			t.Fatalf("LoadVoteCheck in a transaction after the member left = %+v", c)
		}
		return nil
	}))
	// and the statement prepared once sees the committed change
	c, err = collections.LoadVoteCheck(f.app, f.poll.Id, f.u2.Id, f.o4.Id)
	must(t, err)
	if c == nil || c.Member.Valid {
		t.Fatalf("LoadVoteCheck after the member left = %+v", c)
	}
}

func TestPollKeys(t *testing.T) {
	f := newPollFixture(t, true)
	salt := []byte("0123456789abcdef0123456789abcdef")
	must(t, collections.InsertPollKey(f.app, f.poll.Id, salt))
	if err := collections.InsertPollKey(f.app, f.poll.Id, salt); err == nil {
		t.Fatal("a second salt for the same poll was stored")
	}

	got, ok, err := collections.PollKeySalt(f.app, f.poll.Id)
	must(t, err)
	if !ok || string(got) != string(salt) {
		t.Fatalf("PollKeySalt = %q, %v", got, ok)
	}
	must(t, collections.DeletePollKey(f.app, f.poll.Id))
	got, ok, err = collections.PollKeySalt(f.app, f.poll.Id)
	if got != nil || ok || err != nil {
		t.Fatalf("PollKeySalt after delete = %q, %v, %v; want nothing", got, ok, err)
	}
}

func TestParticipation(t *testing.T) {
	f := newPollFixture(t, true)
	must(t, collections.InsertParticipation(f.app, f.poll.Id, "p-two"))
	must(t, collections.InsertParticipation(f.app, f.poll.Id, "p-four"))

	for voter, want := range map[string]bool{"p-two": true, "p-four": true, "p-one": false} {
		has, err := collections.HasParticipation(f.app, f.poll.Id, voter)
		must(t, err)
		if has != want {
			t.Errorf("HasParticipation(%s) = %v, want %v", voter, has, want)
		}
	}
	voters, err := collections.ParticipationVoters(f.app, f.poll.Id)
	must(t, err)
	slices.Sort(voters)
	if want := []string{"p-four", "p-two"}; !slices.Equal(voters, want) {
		t.Fatalf("ParticipationVoters = %v, want %v", voters, want)
	}
	must(t, collections.DeleteParticipation(f.app, f.poll.Id))
	voters, err = collections.ParticipationVoters(f.app, f.poll.Id)
	must(t, err)
	if len(voters) != 0 {
		t.Fatalf("ParticipationVoters after delete = %v", voters)
	}
}

// inTx runs fn in a transaction, as the vote path does.
func inTx(t *testing.T, app core.App, fn func(txApp core.App)) {
	t.Helper()
	must(t, app.RunInTransaction(func(txApp core.App) error {
		fn(txApp)
		return nil
	}))
}

func TestMembersWithPublishedVotes(t *testing.T) {
	app := newTestApp(t)
	u := makeUser(t, app, "", true)
	c := makeCircle(t, app, u.Id)
	poll := makePoll(t, app, c.Id, collections.PollClosed, time.Now())
	var opts []*collections.Option
	for i, name := range []string{"a", "b", "c", "d"} {
		m := makeMember(t, app, c.Id, makeUser(t, app, "", true).Id, name, true, time.Now().Add(time.Duration(i)*time.Minute))
		opts = append(opts, makeOption(t, app, poll.Id, m, i))
	}
	// published counts 2, 0, 1 and a hidden tally of 3 never published
	for o, published := range map[*collections.Option]int{opts[0]: 2, opts[2]: 1} {
		o.SetVoteCount(published)
		o.SetTally(published)
		must(t, app.Save(o))
	}
	opts[3].SetTally(3)
	must(t, app.Save(opts[3]))

	got, err := collections.MembersWithPublishedVotes(app, poll.Id)
	must(t, err)
	if want := []string{opts[0].Member(), opts[2].Member()}; !slices.Equal(got, want) {
		t.Fatalf("MembersWithPublishedVotes = %v, want %v", got, want)
	}
	none, err := collections.MembersWithPublishedVotes(app, "nosuchpoll12345")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("of no poll: %v", none)
	}
}
