package polls_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// pollCreateSetup builds a circle of `size` members plus a stranger, and
// remembers what the scenarios need.
type pollCreateSetup struct {
	circle           *core.Record
	users, members   []*core.Record
	stranger         *core.Record
	template         *core.Record
	inactiveTemplate *core.Record
	usageBefore      int
}

func (p *pollCreateSetup) setup(size int) func(t testing.TB, app *tests.TestApp) {
	return func(t testing.TB, app *tests.TestApp) {
		p.circle, p.users, p.members = circlytest.CircleWithMembers(t, app, size)
		p.stranger = circlytest.CreateUser(t, app)
		p.template = circlytest.FirstTemplate(t, app)
		p.usageBefore = p.template.GetInt("usage_count")
		off, err := app.FindFirstRecordByFilter(collections.Templates, "id != {:id}", dbx.Params{"id": p.template.Id})
		if err != nil {
			t.Fatal(err)
		}
		off.Set("is_active", false)
		if err := app.Save(off); err != nil {
			t.Fatal(err)
		}
		p.inactiveTemplate = off
	}
}

func TestPollCreate(t *testing.T) {
	t.Parallel()

	var p pollCreateSetup
	body := func(circle, template, deadline string, extra string) *strings.Reader {
		return strings.NewReader(`{"circle":"` + circle + `","template":"` + template + `","deadline":"` + deadline + `"` + extra + `}`)
	}

	nothingCreated := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		for _, c := range []string{collections.Polls, collections.Options} {
			if n, _ := app.CountRecords(c); n != 0 {
				t.Fatalf("expected no %s, got %d", c, n)
			}
		}
		tpl, _ := app.FindRecordById(collections.Templates, p.template.Id)
		if tpl.GetInt("usage_count") != p.usageBefore {
			t.Fatal("usage_count changed")
		}
	}

	scenarios := []*tests.ApiScenario{
		lazy(tests.ApiScenario{
			Name: "a member creates a poll", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"status":"open"`, `"total_votes":0`, `"is_anonymous":true`, `"question_text":"`},
			NotExpectedContent: []string{`"question_text":""`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				poll, err := app.FindFirstRecordByFilter(collections.Polls, "circle = {:c}", dbx.Params{"c": p.circle.Id})
				if err != nil {
					t.Fatal(err)
				}
				if poll.GetString("creator") != p.users[0].Id {
					t.Fatalf("creator = %q", poll.GetString("creator"))
				}
				if poll.GetString("question_text") != p.template.GetString("question_text") {
					t.Fatal("question_text not copied")
				}
				opts, _ := app.FindRecordsByFilter(collections.Options, "poll = {:p}", "order", 0, 0, dbx.Params{"p": poll.Id})
				if len(opts) != 3 {
					t.Fatalf("expected 3 options, got %d", len(opts))
				}
				for i, o := range opts {
					m := p.members[i+1]
					if o.GetString("member") != m.Id || o.GetString("nickname") != m.GetString("nickname") || o.GetInt("order") != i {
						t.Fatalf("option %d = member %s nickname %s order %d; want member %s", i, o.GetString("member"), o.GetString("nickname"), o.GetInt("order"), m.Id)
					}
				}
				tpl, _ := app.FindRecordById(collections.Templates, p.template.Id)
				if tpl.GetInt("usage_count") != p.usageBefore+1 {
					t.Fatalf("usage_count = %d, want %d", tpl.GetInt("usage_count"), p.usageBefore+1)
				}
			},
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "a non-anonymous poll", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 200, ExpectedContent: []string{`"is_anonymous":false`},
		}, p.setup(3), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[1])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), `,"is_anonymous":false`)
		}),
		lazy(tests.ApiScenario{
			Name: "a null is_anonymous means the default (anonymous)", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 200, ExpectedContent: []string{`"is_anonymous":true`},
		}, p.setup(3), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[1])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), `,"is_anonymous":null`)
		}),
		lazy(tests.ApiScenario{
			Name: "a garbage is_anonymous is refused, not read as false", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"is_anonymous":{"code":"validation_invalid_bool"`}, AfterTestFunc: nothingCreated,
		}, p.setup(3), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[1])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), `,"is_anonymous":"maybe"`)
		}),
		lazy(tests.ApiScenario{
			Name: "a stranger is refused", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.stranger)
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "anonymous is refused", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "a former member is refused", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, AfterTestFunc: nothingCreated,
		}, func(t testing.TB, app *tests.TestApp) {
			p.setup(4)(t, app)
			p.members[3].Set("is_active", false)
			if err := app.Save(p.members[3]); err != nil {
				t.Fatal(err)
			}
		}, func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[3])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "an inactive template is not found", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.inactiveTemplate.Id, dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "an unknown template is not found", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, "nosuchtemplate1", dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "a deadline under a minute", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"deadline":{"code":"validation_deadline_out_of_range"`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, dt(50*time.Second), "")
		}),
		lazy(tests.ApiScenario{
			Name: "a deadline in the past", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"deadline":{"code":"validation_deadline_out_of_range"`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, dt(-time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "a deadline over 7 days", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"deadline":{"code":"validation_deadline_out_of_range"`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, dt(7*24*time.Hour+time.Minute), "")
		}),
		lazy(tests.ApiScenario{
			Name: "a malformed deadline", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"status":400`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, "next tuesday", "")
		}),
		lazy(tests.ApiScenario{
			Name: "a missing circle", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"circle":{"code":"validation_required"`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = strings.NewReader(`{"template":"` + p.template.Id + `","deadline":"` + dt(time.Hour) + `"}`)
		}),
		lazy(tests.ApiScenario{
			Name: "fewer than two options creates nothing", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"circle":{"code":"validation_not_enough_members"`}, AfterTestFunc: nothingCreated,
		}, p.setup(2), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), "")
		}),
		lazy(tests.ApiScenario{
			Name: "the client cannot choose the creator or the counts", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 400, ExpectedContent: []string{`"creator":{"code":"validation_field_not_writable"`, `"total_votes":{"code":"validation_field_not_writable"`},
			AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = body(p.circle.Id, p.template.Id, dt(time.Hour), `,"creator":"`+p.users[1].Id+`","total_votes":5`)
		}),
		lazy(tests.ApiScenario{
			// PocketBase coerces the array to its last id, which names no
			// circle the caller belongs to
			Name: "wrong types", Method: "POST", URL: "/api/collections/polls/records",
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, AfterTestFunc: nothingCreated,
		}, p.setup(4), func(t testing.TB, s *tests.ApiScenario) {
			s.Headers = circlytest.AuthHeader(t, p.users[0])
			s.Body = strings.NewReader(`{"circle":["a","b"],"template":12,"deadline":true}`)
		}),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestPollAndOptionRules: members of the circle read polls and options;
// nobody else does, and nobody writes them through the API.
func TestPollAndOptionRules(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	stranger := circlytest.CreateUser(t, app)
	strangerToken := circlytest.Token(t, stranger)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]

	type check struct {
		name, method, url, token string
		body                     any
		status                   int
		items                    int // for lists: expected totalItems (-1: not a list)
	}
	pollURL := "/api/collections/polls/records/" + f.poll
	optURL := "/api/collections/options/records/" + f.options[0]
	checks := []check{
		{"member lists polls", "GET", "/api/collections/polls/records", f.tokens[1], nil, 200, 1},
		{"stranger lists no polls", "GET", "/api/collections/polls/records", strangerToken, nil, 200, 0},
		{"anonymous lists no polls", "GET", "/api/collections/polls/records", "", nil, 200, 0},
		{"member views the poll", "GET", pollURL, f.tokens[2], nil, 200, -1},
		{"stranger cannot view the poll", "GET", pollURL, strangerToken, nil, 404, -1},
		{"member cannot update the poll", "PATCH", pollURL, f.tokens[0], map[string]any{"status": "closed"}, 403, -1},
		{"member cannot delete the poll", "DELETE", pollURL, f.tokens[0], nil, 403, -1},
		{"member lists options", "GET", "/api/collections/options/records?filter=" + circlytest.Q(`poll="`+f.poll+`"`), f.tokens[1], nil, 200, 3},
		{"stranger lists no options", "GET", "/api/collections/options/records", strangerToken, nil, 200, 0},
		{"member views an option", "GET", optURL, f.tokens[3], nil, 200, -1},
		{"stranger cannot view an option", "GET", optURL, strangerToken, nil, 404, -1},
		{"member cannot create an option", "POST", "/api/collections/options/records", f.tokens[0], map[string]any{"poll": f.poll, "nickname": "x"}, 403, -1},
		{"member cannot update an option", "PATCH", optURL, f.tokens[0], map[string]any{"vote_count": 9}, 403, -1},
		{"member cannot delete an option", "DELETE", optURL, f.tokens[0], nil, 403, -1},
		{"members cannot list votes", "GET", "/api/collections/votes/records", f.tokens[0], nil, 403, -1},
		{"superuser lists votes", "GET", "/api/collections/votes/records", su, nil, 200, 0},
	}
	for _, c := range checks {
		status, body := circlytest.Call(t, f.handler, c.method, c.url, c.token, c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, body)
			continue
		}
		if c.items >= 0 {
			if got := int(body["totalItems"].(float64)); got != c.items {
				t.Errorf("%s: %d items, want %d", c.name, got, c.items)
			}
		}
	}
}
