package polls_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"circly/circlytest"
	"circly/collections"
)

// TestSmallCountThreshold: below CIRCLY_RESULTS_MIN_VOTES (3) no read path
// shows a per-option count; at 3 every path does.
func TestSmallCountThreshold(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 5, true) // options: members 1..4
	f.mustVote(t, 0, 0)
	f.mustVote(t, 1, 1)

	optionsList := "/api/collections/options/records?filter=" + url.QueryEscape(`poll="`+f.poll+`"`)
	assertHidden := func(stage string) {
		status, body := circlytest.Call(t, f.handler, "GET", optionsList, f.tokens[3], nil)
		if status != 200 {
			t.Fatalf("%s: list %d", stage, status)
		}
		for _, it := range body["items"].([]any) {
			o := it.(map[string]any)
			if o["vote_count"].(float64) != 0 {
				t.Fatalf("%s: list shows vote_count %v", stage, o["vote_count"])
			}
			if _, ok := o["tally"]; ok {
				t.Fatalf("%s: list shows the tally", stage)
			}
		}
		status, body = circlytest.Call(t, f.handler, "GET", "/api/collections/options/records/"+f.options[0], f.tokens[3], nil)
		if status != 200 || body["vote_count"].(float64) != 0 {
			t.Fatalf("%s: view %d %v", stage, status, body)
		}
		// the hidden tally cannot be probed through filters or sorting
		for _, q := range []string{
			"?filter=" + url.QueryEscape(`tally > 0`),
			"?filter=" + url.QueryEscape(`poll="`+f.poll+`" && tally > 0`),
			"?sort=-tally",
		} {
			status, body = circlytest.Call(t, f.handler, "GET", "/api/collections/options/records"+q, f.tokens[3], nil)
			if status == 200 && int(body["totalItems"].(float64)) > 0 && strings.Contains(q, "tally") && !strings.Contains(q, "sort") {
				t.Fatalf("%s: filter %s answered %v items", stage, q, body["totalItems"])
			}
			if status >= 500 {
				t.Fatalf("%s: %s → %d", stage, q, status)
			}
		}
		status, body = results(t, f, 3)
		if status != 200 || body["total_votes"].(float64) != 2 || body["revealed"] != false {
			t.Fatalf("%s: results %d %v", stage, status, body)
		}
		for _, it := range body["options"].([]any) {
			o := it.(map[string]any)
			if o["votes"] != nil || o["percent"] != nil {
				t.Fatalf("%s: results show %v", stage, o)
			}
		}
	}
	assertHidden("2 votes")

	f.mustVote(t, 2, 0)
	status, body := results(t, f, 2)
	if status != 200 || body["revealed"] != true {
		t.Fatalf("3 votes: %d %v", status, body)
	}
	got := map[string]float64{}
	for _, it := range body["options"].([]any) {
		o := it.(map[string]any)
		got[o["id"].(string)] = o["votes"].(float64)
	}
	if got[f.options[0]] != 2 || got[f.options[1]] != 1 || got[f.options[2]] != 0 || got[f.options[3]] != 0 {
		t.Fatalf("3 votes: %v", got)
	}
	_, body = circlytest.Call(t, f.handler, "GET", "/api/collections/options/records/"+f.options[0], f.tokens[3], nil)
	if body["vote_count"].(float64) != 2 {
		t.Fatalf("3 votes: option view %v", body)
	}
}

// TestResults checks shape, order, percentages, voted and access.
func TestResults(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 6, true) // options: members 1..5 (order 0..4)
	stranger := circlytest.Token(t, circlytest.CreateUser(t, app))
	// votes: option 2 ×3, option 4 ×1, option 0 ×1  (total 5)
	f.mustVote(t, 0, 2)
	f.mustVote(t, 1, 2)
	f.mustVote(t, 2, 4)
	f.mustVote(t, 4, 2)
	f.mustVote(t, 5, 0)

	status, body := results(t, f, 1)
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	if body["poll"] != f.poll || body["status"] != "open" || body["total_votes"].(float64) != 5 || body["voted"] != true || body["question_text"] == "" || body["deadline"] == "" {
		t.Fatalf("header: %v", body)
	}
	type opt struct {
		Id       string   `json:"id"`
		Member   string   `json:"member"`
		Nickname string   `json:"nickname"`
		Order    int      `json:"order"`
		Votes    *int     `json:"votes"`
		Percent  *float64 `json:"percent"`
	}
	check := func(body map[string]any, wantOrder, wantVotes []int, wantPct []float64) {
		t.Helper()
		var opts []opt
		raw, _ := json.Marshal(body["options"])
		json.Unmarshal(raw, &opts)
		if len(opts) != 5 {
			t.Fatalf("%d options", len(opts))
		}
		for i, o := range opts {
			if o.Order != wantOrder[i] || *o.Votes != wantVotes[i] || *o.Percent != wantPct[i] {
				t.Fatalf("option %d = order %d votes %d percent %v", i, o.Order, *o.Votes, *o.Percent)
			}
			if o.Member != f.members[o.Order+1].Id || o.Nickname != f.members[o.Order+1].GetString("nickname") {
				t.Fatalf("option %d names the wrong member", i)
			}
		}
	}
	// open, 5 votes: the counts published at the step of 3 (option 2 ×2,
	// option 4 ×1), percentages of those; votes desc, then order
	check(body, []int{2, 4, 0, 1, 3}, []int{2, 1, 0, 0, 0}, []float64{66.7, 33.3, 0, 0, 0})
	// closed: the final counts
	if _, err := circlytest.Circly(t, app).Polls.ClosePoll(app, f.poll); err != nil {
		t.Fatal(err)
	}
	_, body = results(t, f, 1)
	check(body, []int{2, 0, 4, 1, 3}, []int{3, 1, 1, 0, 0}, []float64{60, 20, 20, 0, 0})
	if _, body := results(t, f, 3); body["voted"] != false {
		t.Fatal("a non-voter reads voted=true")
	}
	if status, _ := circlytest.Call(t, f.handler, "GET", "/api/circly/polls/"+f.poll+"/results", stranger, nil); status != 404 {
		t.Fatalf("stranger: %d", status)
	}
	if status, _ := circlytest.Call(t, f.handler, "GET", "/api/circly/polls/"+f.poll+"/results", "", nil); status != 401 {
		t.Fatalf("anonymous: %d", status)
	}
	if status, _ := circlytest.Call(t, f.handler, "GET", "/api/circly/polls/nosuchpoll12345/results", f.tokens[0], nil); status != 404 {
		t.Fatalf("unknown poll: %d", status)
	}
}

// TestResultsPercentRounding: thirds round to one decimal.
func TestResultsPercentRounding(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	f.mustVote(t, 0, 0)
	f.mustVote(t, 1, 1)
	f.mustVote(t, 2, 0)
	_, body := results(t, f, 0)
	pct := []float64{}
	for _, it := range body["options"].([]any) {
		pct = append(pct, it.(map[string]any)["percent"].(float64))
	}
	if fmt.Sprint(pct) != "[66.7 33.3 0]" {
		t.Fatalf("percent = %v", pct)
	}
}

// TestResultsNonAnonymous lists voters' nicknames per option.
func TestResultsNonAnonymous(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, false)
	f.mustVote(t, 0, 1)
	f.mustVote(t, 1, 1)
	f.mustVote(t, 2, 0)
	_, body := results(t, f, 0)
	first := body["options"].([]any)[0].(map[string]any)
	voters := fmt.Sprint(first["voters"])
	if first["id"] != f.options[1] || !strings.Contains(voters, f.members[0].GetString("nickname")) || !strings.Contains(voters, f.members[1].GetString("nickname")) {
		t.Fatalf("first option %v", first)
	}
}

// TestRealtimeMembersOnly: a member's subscription sees total_votes and, from
// the threshold on, vote_count changes; a non-member's sees nothing; below the
// threshold no option event is sent at all.
func TestRealtimeMembersOnly(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 7, true)
	stranger := circlytest.CreateUser(t, app)

	subscribe := func(user any) *subscriptions.DefaultClient {
		c := subscriptions.NewDefaultClient()
		c.Set(apis.RealtimeClientAuthKey, user)
		filter := url.QueryEscape(`{"query":{"filter":"poll='` + f.poll + `'"}}`)
		c.Subscribe("options/*?options="+filter, "polls/"+f.poll)
		app.SubscriptionsBroker().Register(c)
		return c
	}
	member := subscribe(f.users[4])
	outsider := subscribe(stranger)

	drain := func(c *subscriptions.DefaultClient) []string {
		var got []string
		timeout := time.After(400 * time.Millisecond)
		for {
			select {
			case m := <-c.Channel():
				got = append(got, m.Name+" "+string(m.Data))
			case <-timeout:
				return got
			}
		}
	}

	f.mustVote(t, 0, 0)
	f.mustVote(t, 1, 1)
	events := drain(member)
	if len(events) != 2 {
		t.Fatalf("member got %d events below the threshold: %v", len(events), events)
	}
	for _, ev := range events {
		if !strings.HasPrefix(ev, "polls/") || !strings.Contains(ev, `"total_votes"`) {
			t.Fatalf("below the threshold: %s", ev)
		}
	}

	f.mustVote(t, 2, 0)
	events = drain(member)
	var optionEvents, pollEvents int
	for _, ev := range events {
		switch {
		case strings.HasPrefix(ev, "options/"):
			optionEvents++
			if strings.Contains(ev, "tally") {
				t.Fatalf("an event carries the tally: %s", ev)
			}
		case strings.HasPrefix(ev, "polls/"):
			pollEvents++
		}
	}
	if optionEvents != 2 || pollEvents != 1 {
		t.Fatalf("at the threshold: %d option and %d poll events: %v", optionEvents, pollEvents, events)
	}
	// after the threshold the per-option counts move in steps of 3: votes 4
	// and 5 change only the total, vote 6 publishes
	f.mustVote(t, 3, 3)
	f.mustVote(t, 4, 0)
	events = drain(member)
	if len(events) != 2 || strings.Contains(strings.Join(events, ""), "options/") {
		t.Fatalf("between steps: %v", events)
	}
	f.mustVote(t, 5, 1)
	events = drain(member)
	optionEvents, pollEvents = 0, 0
	for _, ev := range events {
		switch {
		case strings.HasPrefix(ev, "options/"):
			optionEvents++
		case strings.HasPrefix(ev, "polls/"):
			pollEvents++
		}
	}
	// options 0 (2→3), 1 (1→2) and 3 (0→1) moved since the first step
	if optionEvents != 3 || pollEvents != 1 {
		t.Fatalf("at the second step: %d option and %d poll events: %v", optionEvents, pollEvents, events)
	}

	if got := drain(outsider); len(got) != 0 {
		t.Fatalf("a non-member received %v", got)
	}
}

// TestVoteRequestsAreNotLogged turns request logging on (with IPs and auth
// ids) and checks that accepted and refused vote requests leave no log row
// while other requests still do.
func TestVoteRequestsAreNotLogged(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	app.Settings().Logs.MaxDays = 7
	app.Settings().Logs.LogIP = true
	app.Settings().Logs.LogAuthId = true

	f.mustVote(t, 0, 0)                                                                                         // accepted
	f.vote(t, 0, 1)                                                                                             // refused: already voted
	f.vote(t, 1, 0)                                                                                             // refused: own option
	circlytest.Call(t, f.handler, "POST", "/api/collections/votes/records", "", map[string]any{"poll": f.poll}) // refused: anonymous
	marker := "/api/collections/polls/records?marker=1"
	circlytest.Call(t, f.handler, "GET", marker, f.tokens[2], nil) // logged control request

	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		app.LogQuery().Select("count(*)").AndWhere(dbx.Like("data", "marker=1")).Row(&n)
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the control request was never logged: the test cannot see logs")
		}
		time.Sleep(100 * time.Millisecond)
	}

	var rows []struct {
		Message string `db:"message"`
		Data    string `db:"data"`
	}
	if err := app.LogQuery().Select("message", "data").All(&rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		line := r.Message + " " + r.Data
		if strings.Contains(line, "votes") || strings.Contains(line, collections.VotesId) {
			t.Fatalf("a vote request was logged: %s", line)
		}
		for i := range 2 {
			if strings.Contains(line, f.users[i].Id) {
				t.Fatalf("a voter's id was logged: %s", line)
			}
		}
	}
}
