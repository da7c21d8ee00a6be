package polls_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circlytest"
	"circly/collections"
)

func TestVoteChecks(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	other := newPollFixture(t, app, 3, true)
	stranger := circlytest.Token(t, circlytest.CreateUser(t, app))

	type check struct {
		name    string
		token   string
		body    map[string]any
		status  int
		message string
	}
	// options: [0]=members[1], [1]=members[2], [2]=members[3]
	checks := []check{
		{"anonymous caller", "", map[string]any{"poll": f.poll, "option": f.options[0]}, 401, "Sign in"},
		{"stranger", stranger, map[string]any{"poll": f.poll, "option": f.options[0]}, 403, "when the poll started"},
		{"missing poll", f.tokens[0], map[string]any{"option": f.options[0]}, 400, "Choose a poll"},
		{"missing option", f.tokens[0], map[string]any{"poll": f.poll}, 400, "Choose an option"},
		{"unknown poll", f.tokens[0], map[string]any{"poll": "nosuchpoll12345", "option": f.options[0]}, 404, "was not found"},
		{"option of another poll", f.tokens[0], map[string]any{"poll": f.poll, "option": other.options[0]}, 400, "does not belong"},
		{"unknown option", f.tokens[0], map[string]any{"poll": f.poll, "option": "nosuchoption123"}, 400, "does not belong"},
		{"vote for oneself", f.tokens[1], map[string]any{"poll": f.poll, "option": f.options[0]}, 400, "cannot vote for yourself"},
		{"client sets the voter hash", f.tokens[0], map[string]any{"poll": f.poll, "option": f.options[0], "member": f.members[0].Id}, 400, "Only poll and option can be set."},
		{"wrong types", f.tokens[0], map[string]any{"poll": 12, "option": true}, 404, "was not found"},
		{"first vote", f.tokens[0], map[string]any{"poll": f.poll, "option": f.options[0]}, 200, ""},
		{"second vote of the same user", f.tokens[0], map[string]any{"poll": f.poll, "option": f.options[1]}, 400, "already voted"},
	}
	for _, c := range checks {
		status, body := circlytest.Call(t, f.handler, "POST", "/api/collections/votes/records", c.token, c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, body)
			continue
		}
		if c.message != "" && !strings.Contains(body["message"].(string), c.message) {
			t.Errorf("%s: message %q, want it to contain %q", c.name, body["message"], c.message)
		}
		if status == 200 {
			if body["poll"] != f.poll || body["option"] != f.options[0] || body["id"] != nil {
				t.Errorf("%s: body %v", c.name, body)
			}
			if _, leaked := body["voter_hash"]; leaked {
				t.Errorf("%s: voter_hash in the response", c.name)
			}
		}
	}
	total, rows, tallies := f.counts(t)
	if total != 1 || rows != 1 || tallies[f.options[0]] != 1 {
		t.Fatalf("total=%d rows=%d tallies=%v", total, rows, tallies)
	}
}

// TestVoteDeadlineBeforeClose: after the deadline a vote is refused even if
// nothing has closed the poll yet.
func TestVoteDeadlineBeforeClose(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	poll, _ := app.FindRecordById(collections.Polls, f.poll)
	past, _ := types.ParseDateTime(time.Now().Add(-time.Second))
	poll.Set("deadline", past)
	if err := app.Save(poll); err != nil {
		t.Fatal(err)
	}
	status, body := f.vote(t, 0, 0)
	if status != 400 || !strings.Contains(body["message"].(string), "closed") {
		t.Fatalf("got %d %v", status, body)
	}
	if _, rows, _ := f.counts(t); rows != 0 {
		t.Fatal("a late vote was stored")
	}
}

// TestVoteConcurrentDuplicates: 20 concurrent votes of one user → one row,
// counts 1, the losers a clean 400.
func TestVoteConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)

	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i], _ = f.vote(t, 0, i%3)
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 400:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	total, rows, tallies := f.counts(t)
	sum := 0
	for _, v := range tallies {
		sum += v
	}
	if ok != 1 || total != 1 || rows != 1 || sum != 1 {
		t.Fatalf("ok=%d total=%d rows=%d tally sum=%d", ok, total, rows, sum)
	}
}

// TestVoteConcurrentMany: many members voting at once leave counts equal to rows.
func TestVoteConcurrentMany(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 12, true)
	var wg sync.WaitGroup
	for i := 1; i < 12; i++ {
		for range 3 { // each voter also retries twice
			wg.Go(func() { f.vote(t, i, (i+1)%len(f.options)) })
		}
	}
	wg.Wait()
	total, rows, tallies := f.counts(t)
	sum := 0
	for _, v := range tallies {
		sum += v
	}
	if total != 11 || rows != 11 || sum != 11 {
		t.Fatalf("total=%d rows=%d tally sum=%d", total, rows, sum)
	}
}

// TestVoteAnonymityAtRest reads the stored rows after votes: no user or
// member id, no time, and the hash is keyed.
func TestVoteAnonymityAtRest(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	f.mustVote(t, 0, 0)
	f.mustVote(t, 1, 1)
	f.mustVote(t, 2, 2)

	var cols []struct {
		Name string `db:"name"`
	}
	if err := app.DB().NewQuery("SELECT name FROM pragma_table_info('votes')").All(&cols); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "id,member,option,poll,voter_hash" {
		t.Fatalf("votes columns = %v", names)
	}
	if err := app.DB().NewQuery("SELECT name FROM pragma_table_info('options')").All(&cols); err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		if c.Name == "updated" || c.Name == "created" {
			t.Fatalf("options has a %s timestamp", c.Name)
		}
	}

	var rows []struct {
		Id        string `db:"id"`
		Poll      string `db:"poll"`
		Option    string `db:"option"`
		VoterHash string `db:"voter_hash"`
		Member    string `db:"member"`
	}
	if err := app.DB().Select("*").From("votes").All(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d vote rows", len(rows))
	}
	for _, r := range rows {
		if r.Member != "" {
			t.Fatal("an anonymous vote records its member")
		}
		dump := r.Id + r.Poll + r.Option + r.VoterHash
		for i, u := range f.users {
			if strings.Contains(dump, u.Id) || strings.Contains(dump, f.members[i].Id) {
				t.Fatalf("vote row mentions user/member %d", i)
			}
			for _, unkeyed := range []string{u.Id + r.Poll, r.Poll + u.Id, r.Poll + ":" + u.Id, u.Id + ":" + r.Poll, r.Poll + "\x00" + u.Id} {
				sum := sha256.Sum256([]byte(unkeyed))
				if hex.EncodeToString(sum[:]) == r.VoterHash {
					t.Fatal("voter_hash is an unkeyed hash of (poll, user)")
				}
			}
		}
	}
}

// TestClosePoll: closing destroys the key, rewrites the hashes, keeps
// counts, refuses later votes and still knows who took part.
func TestClosePoll(t *testing.T) {
	t.Parallel()
	app, circly := circlytest.NewTestAppWithConfig(t, circlytest.TestConfig())
	svc := circly.Polls
	app.Settings().RateLimits.Enabled = false
	f := newPollFixture(t, app, 4, true)
	f.mustVote(t, 0, 0)
	f.mustVote(t, 1, 1)

	var before []string
	app.DB().Select("voter_hash").From("votes").Column(&before)

	closed, err := svc.ClosePoll(app, f.poll)
	if err != nil || !closed {
		t.Fatalf("close: %v %v", closed, err)
	}
	if again, err := svc.ClosePoll(app, f.poll); err != nil || again {
		t.Fatalf("second close: %v %v", again, err)
	}

	var keys int
	app.DB().Select("count(*)").From("_circly_poll_keys").Where(dbx.HashExp{"poll": f.poll}).Row(&keys)
	if keys != 0 {
		t.Fatal("the poll key survived the close")
	}
	var after []string
	app.DB().Select("voter_hash").From("votes").Column(&after)
	if len(after) != 2 {
		t.Fatalf("%d vote rows after close", len(after))
	}
	for _, h := range after {
		for _, b := range before {
			if h == b {
				t.Fatal("a voter hash survived the close")
			}
		}
	}
	total, rows, tallies := f.counts(t)
	if total != 2 || rows != 2 || tallies[f.options[0]] != 1 || tallies[f.options[1]] != 1 {
		t.Fatalf("total=%d rows=%d tallies=%v", total, rows, tallies)
	}
	// closed below the threshold: never revealed
	for _, id := range f.options {
		o, _ := app.FindRecordById(collections.Options, id)
		if o.GetInt("vote_count") != 0 {
			t.Fatal("a count was revealed below the threshold")
		}
	}
	if status, body := f.vote(t, 2, 2); status != 400 || !strings.Contains(body["message"].(string), "closed") {
		t.Fatalf("vote after close: %d %v", status, body)
	}
	for i, want := range []bool{true, true, false, false} {
		got, err := svc.HasVoted(app, f.poll, f.users[i].Id)
		if err != nil || got != want {
			t.Fatalf("HasVoted(user %d) = %v %v, want %v", i, got, err, want)
		}
	}
}

// TestCloseDuePolls closes exactly the polls whose deadline has passed.
func TestCloseDuePolls(t *testing.T) {
	t.Parallel()
	app, circly := circlytest.NewTestAppWithConfig(t, circlytest.TestConfig())
	svc := circly.Polls
	due := newPollFixture(t, app, 3, true)
	notDue := newPollFixture(t, app, 3, true)

	closed, err := svc.CloseDuePolls(app, time.Now().Add(30*time.Minute))
	if err != nil || len(closed) != 0 {
		t.Fatalf("closed %v, %v", closed, err)
	}
	poll, _ := app.FindRecordById(collections.Polls, due.poll)
	past, _ := types.ParseDateTime(time.Now().Add(-time.Minute))
	poll.Set("deadline", past)
	if err := app.Save(poll); err != nil {
		t.Fatal(err)
	}
	closed, err = svc.CloseDuePolls(app, time.Now())
	if err != nil || len(closed) != 1 || closed[0] != due.poll {
		t.Fatalf("closed %v, %v", closed, err)
	}
	p2, _ := app.FindRecordById(collections.Polls, notDue.poll)
	if p2.GetString("status") != collections.PollOpen {
		t.Fatal("a poll closed before its deadline")
	}
}
