package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// call sends one JSON request through handler (see circlytest.Call).
func call(t testing.TB, h http.Handler, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	return circlytest.Call(t, h, method, url, token, body)
}

// lazy returns a scenario whose URL, headers and body are filled in by build
// after setup has created the records they refer to (ApiScenario builds its
// request after calling the factory).
func lazy(s tests.ApiScenario, setup func(t testing.TB, app *tests.TestApp), build func(t testing.TB, s *tests.ApiScenario)) *tests.ApiScenario {
	sp := &s
	factory := circlytest.Factory(setup)
	sp.TestAppFactory = func(t testing.TB) *tests.TestApp {
		app := factory(t)
		build(t, sp)
		return app
	}
	return sp
}

// pollFixture is a circle of four (creator + three) with one open poll made
// by the creator through the API, whose options are the other three.
type pollFixture struct {
	app     *tests.TestApp
	handler http.Handler
	circle  *core.Record
	users   []*core.Record
	members []*core.Record
	tokens  []string
	poll    string
	options []string // option ids by order (members[1..3])
}

func newPollFixture(t testing.TB, app *tests.TestApp, size int, anonymous bool) *pollFixture {
	t.Helper()
	app.Settings().RateLimits.Enabled = false
	f := &pollFixture{app: app, handler: circlytest.Handler(t, app)}
	f.circle, f.users, f.members = circlytest.CircleWithMembers(t, app, size)
	for _, u := range f.users {
		f.tokens = append(f.tokens, circlytest.Token(t, u))
	}
	tpl := circlytest.FirstTemplate(t, app)
	status, body := call(t, f.handler, "POST", "/api/collections/polls/records", f.tokens[0], map[string]any{
		"circle":       f.circle.Id,
		"template":     tpl.Id,
		"deadline":     time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z"),
		"is_anonymous": anonymous,
	})
	if status != 200 {
		t.Fatalf("create poll: %d %v", status, body)
	}
	f.poll = body["id"].(string)
	opts, err := app.FindRecordsByFilter(collections.Options, "poll = {:p}", "order", 0, 0, dbx.Params{"p": f.poll})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		f.options = append(f.options, o.Id)
	}
	return f
}

// vote makes user i vote for option j and returns the status and body.
func (f *pollFixture) vote(t testing.TB, i, j int) (int, map[string]any) {
	t.Helper()
	return call(t, f.handler, "POST", "/api/collections/votes/records", f.tokens[i], map[string]any{
		"poll": f.poll, "option": f.options[j],
	})
}

// mustVote is vote that fails the test on a non-200.
func (f *pollFixture) mustVote(t testing.TB, i, j int) {
	t.Helper()
	if status, body := f.vote(t, i, j); status != 200 {
		t.Fatalf("user %d vote for option %d: %d %v", i, j, status, body)
	}
}

// counts returns the poll's total_votes, the vote rows and per-option tallies.
func (f *pollFixture) counts(t testing.TB) (total, rows int, tallies map[string]int) {
	t.Helper()
	poll, err := f.app.FindRecordById(collections.Polls, f.poll)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.app.CountRecords(collections.Votes, dbx.HashExp{"poll": f.poll})
	if err != nil {
		t.Fatal(err)
	}
	tallies = map[string]int{}
	for _, id := range f.options {
		o, err := f.app.FindRecordById(collections.Options, id)
		if err != nil {
			t.Fatal(err)
		}
		tallies[id] = o.GetInt("tally")
	}
	return poll.GetInt("total_votes"), int(n), tallies
}

func urlq(s string) string { return circlytest.Q(s) }

func dt(d time.Duration) string {
	return time.Now().Add(d).UTC().Format("2006-01-02 15:04:05.000Z")
}
