package polls_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circlytest"
	"circly/collections"
	"circly/polls"
)

// Roles of the home world (indexes into homeWorld.users).
const (
	hCreator  = 0 // made circle C and its polls
	hVoter    = 1 // also in circle D
	hPicked   = 2
	hMember   = 3
	hFormer   = 4 // left C after the first five polls: in their electorates
	hLate     = 5 // joined C after that: in the electorate of pAfter only
	hStranger = 6 // in no circle
	hOther    = 7 // made circle D
	hOther2   = 8
)

// homeWorld is circle C (users 0–4, options: users 1–4 by join order) with
// six polls made through the API, and circle D (users 7, 1, 8) with one:
//
//	pOther     D, open, deadline +30 min
//	pOpenSoon  C, open, +1 h; hVoter voted
//	pOpenLate  C, open, +2 h
//	pAfter     C, open, +3 h, made after hFormer left and hLate joined
//	pClosedNew C, closed at -1 h: 3 votes (hVoter's option 2, hPicked's 1)
//	pClosedLow C, closed at -2 h: 1 vote (below the threshold)
//	pClosedOld C, closed at -3 h: 3 votes (hVoter's option 2, hPicked's 1)
//
// hVoter voted in pOpenSoon, pClosedNew, pClosedLow and pClosedOld.
type homeWorld struct {
	app     *tests.TestApp
	h       http.Handler
	svc     *polls.Service
	circle  *core.Record
	other   *core.Record
	users   []*core.Record
	tokens  []string
	options map[string][]string // poll → option ids by order

	pOther, pOpenSoon, pOpenLate, pAfter, pClosedNew, pClosedLow, pClosedOld string
}

// newHomeApp is a test app whose poll quota lets the home world's creator
// start its seven polls in one circle.
func newHomeApp(t testing.TB) *tests.TestApp {
	cfg := circlytest.TestConfig()
	cfg.PollsPerDay = 20
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	return app
}

func newHomeWorld(t testing.TB, app *tests.TestApp) *homeWorld {
	t.Helper()
	app.Settings().RateLimits.Enabled = false
	w := &homeWorld{app: app, h: circlytest.Handler(t, app), svc: circlytest.Circly(t, app).Polls, options: map[string][]string{}}
	w.circle, w.users, _ = circlytest.CircleWithMembers(t, app, 5)
	for range 4 {
		w.users = append(w.users, circlytest.CreateUser(t, app))
	}
	for _, u := range w.users {
		w.tokens = append(w.tokens, circlytest.Token(t, u))
	}
	w.other, _ = circlytest.CreateCircle(t, app, w.users[hOther], "other")
	circlytest.AddMember(t, app, w.other, w.users[hVoter], "voter")
	circlytest.AddMember(t, app, w.other, w.users[hOther2], "other2")

	w.pOther = w.poll(t, hOther, w.other, 30*time.Minute)
	w.pOpenSoon = w.poll(t, hCreator, w.circle, time.Hour)
	w.pOpenLate = w.poll(t, hCreator, w.circle, 2*time.Hour)
	w.pClosedNew = w.poll(t, hCreator, w.circle, time.Hour)
	w.pClosedLow = w.poll(t, hCreator, w.circle, time.Hour)
	w.pClosedOld = w.poll(t, hCreator, w.circle, time.Hour)

	// options of C's polls: 0 = hVoter, 1 = hPicked, 2 = hMember, 3 = hFormer
	w.vote(t, hVoter, w.pOpenSoon, 1)
	for _, p := range []string{w.pClosedNew, w.pClosedOld} {
		w.vote(t, hCreator, p, 0)
		w.vote(t, hPicked, p, 0)
		w.vote(t, hVoter, p, 1)
	}
	w.vote(t, hVoter, w.pClosedLow, 1)
	w.close(t, w.pClosedNew, -time.Hour)
	w.close(t, w.pClosedLow, -2*time.Hour)
	w.close(t, w.pClosedOld, -3*time.Hour)

	if status, body := circlytest.Call(t, w.h, "POST", "/api/circly/circles/"+w.circle.Id+"/leave", w.tokens[hFormer], nil); status != 204 {
		t.Fatalf("leave: %d %v", status, body)
	}
	circlytest.AddMember(t, app, w.circle, w.users[hLate], "late")
	w.pAfter = w.poll(t, hCreator, w.circle, 3*time.Hour)
	return w
}

// poll starts a poll as user i in circle, through the API.
func (w *homeWorld) poll(t testing.TB, i int, circle *core.Record, deadline time.Duration) string {
	t.Helper()
	status, body := circlytest.Call(t, w.h, "POST", "/api/collections/polls/records", w.tokens[i], map[string]any{
		"circle": circle.Id, "template": circlytest.FirstTemplate(t, w.app).Id, "deadline": dt(deadline),
	})
	if status != 200 {
		t.Fatalf("create poll: %d %v", status, body)
	}
	id := body["id"].(string)
	opts, err := collections.PollOptions(w.app, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		w.options[id] = append(w.options[id], o.Id)
	}
	return id
}

// vote makes user i vote for option j of poll, through the API.
func (w *homeWorld) vote(t testing.TB, i int, poll string, j int) {
	t.Helper()
	status, body := circlytest.Call(t, w.h, "POST", "/api/collections/votes/records", w.tokens[i], map[string]any{
		"poll": poll, "option": w.options[poll][j],
	})
	if status != 200 {
		t.Fatalf("user %d vote in %s: %d %v", i, poll, status, body)
	}
}

// close moves a poll's deadline to `at` from now and closes it, as the
// scheduler would.
func (w *homeWorld) close(t testing.TB, poll string, at time.Duration) {
	t.Helper()
	p, err := collections.FindPoll(w.app, poll)
	if err != nil {
		t.Fatal(err)
	}
	deadline, _ := types.ParseDateTime(time.Now().Add(at))
	p.SetDeadline(deadline)
	if err := w.app.Save(p); err != nil {
		t.Fatal(err)
	}
	if closed, err := w.svc.ClosePoll(w.app, poll); err != nil || !closed {
		t.Fatalf("close %s: %v %v", poll, closed, err)
	}
}

// get sends GET url as user i (-1: no auth) and decodes the JSON answer.
func (w *homeWorld) get(t testing.TB, i int, url string, out any) int {
	t.Helper()
	token := ""
	if i >= 0 {
		token = w.tokens[i]
	}
	rec := circlytest.Do(w.h, circlytest.Request{Method: "GET", URL: url, Token: token})
	if out != nil && rec.Code == 200 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, rec.Body.String())
		}
	}
	return rec.Code
}
