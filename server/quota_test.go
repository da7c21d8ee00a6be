package server_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// pollBody is a poll create of the first template in circle.
func pollBody(t testing.TB, w *quotaWorld) map[string]any {
	return map[string]any{"circle": w.circle, "template": w.template, "deadline": dt(time.Hour)}
}

type quotaWorld struct {
	app              *tests.TestApp
	h                http.Handler
	circle, template string
	tokens           []string
}

func newQuotaWorld(t testing.TB, perDay, openMax, size int) (*quotaWorld, func(string) int) {
	t.Helper()
	cfg := circlytest.TestConfig()
	cfg.PollsPerDay, cfg.OpenPollsMax = perDay, openMax
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false
	circle, users, _ := circlytest.CircleWithMembers(t, app, size)
	w := &quotaWorld{app: app, h: circlytest.Handler(t, app), circle: circle.Id, template: circlytest.FirstTemplate(t, app).Id}
	for _, u := range users {
		w.tokens = append(w.tokens, circlytest.Token(t, u))
	}
	count := func(creator string) int {
		exp := dbx.HashExp{"circle": circle.Id}
		if creator != "" {
			exp["creator"] = creator
		}
		n, err := app.CountRecords(collections.Polls, exp)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	return w, count
}

// burst sends n poll creates at once as the users of tokens (round robin)
// and returns the statuses and one body per status.
func burst(t *testing.T, w *quotaWorld, n int, tokens []string) (map[int]int, map[int]string) {
	t.Helper()
	var mu sync.Mutex
	statuses, bodies := map[int]int{}, map[int]string{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := circlytest.Do(w.h, circlytest.Request{Method: "POST", URL: "/api/collections/polls/records",
				Token: tokens[i%len(tokens)], Body: pollBody(t, w)})
			mu.Lock()
			statuses[rec.Code]++
			bodies[rec.Code] = rec.Body.String()
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return statuses, bodies
}

// 20 rapid polls by one member of one circle: 5 are accepted (the default
// CIRCLY_POLLS_PER_DAY), the rest are 429 with a message and a code, and
// the rows are exactly the accepted ones.
func TestQuotaPollsPerDayUnderConcurrency(t *testing.T) {
	t.Parallel()
	w, count := newQuotaWorld(t, circlytest.TestConfig().PollsPerDay, 100, 4)
	if circlytest.TestConfig().PollsPerDay != 5 {
		t.Fatalf("PollsPerDay default %d; API.md's default is 5", circlytest.TestConfig().PollsPerDay)
	}
	statuses, bodies := burst(t, w, 20, w.tokens[:1])
	if statuses[200] != 5 || statuses[429] != 15 || len(statuses) != 2 {
		t.Fatalf("statuses %v (bodies %v)", statuses, bodies)
	}
	if n := count(""); n != 5 {
		t.Fatalf("%d poll rows, %d accepted", n, statuses[200])
	}
	if b := bodies[429]; !strings.Contains(b, `"status":429`) || !strings.Contains(b, "Try again later") || !strings.Contains(b, `"code":"validation_polls_per_day"`) {
		t.Fatalf("429 body %s", b)
	}

	// the quota is per user: another member still starts polls
	status, body := call(t, w.h, "POST", "/api/collections/polls/records", w.tokens[1], pollBody(t, w))
	if status != 200 {
		t.Fatalf("another member: %d %v", status, body)
	}
}

// Many members at once against the open-polls cap: exactly OpenPollsMax
// are accepted, the rest are 409.
func TestQuotaOpenPollsUnderConcurrency(t *testing.T) {
	t.Parallel()
	if circlytest.TestConfig().OpenPollsMax != 10 {
		t.Fatalf("OpenPollsMax default %d; API.md's default is 10", circlytest.TestConfig().OpenPollsMax)
	}
	w, count := newQuotaWorld(t, 100, circlytest.TestConfig().OpenPollsMax, 8)
	statuses, bodies := burst(t, w, 24, w.tokens)
	if statuses[200] != 10 || statuses[409] != 14 || len(statuses) != 2 {
		t.Fatalf("statuses %v (bodies %v)", statuses, bodies)
	}
	if n := count(""); n != 10 {
		t.Fatalf("%d poll rows, %d accepted", n, statuses[200])
	}
	if b := bodies[409]; !strings.Contains(b, `"code":"validation_open_polls_max"`) {
		t.Fatalf("409 body %s", b)
	}
}

// The day is rolling and counts only the user's polls in that circle; the
// open-polls cap counts polls still open before their deadline.
func TestQuotaWindowAndClosedPolls(t *testing.T) {
	t.Parallel()
	w, _ := newQuotaWorld(t, 2, 3, 4)
	create := func(token string) (int, map[string]any) {
		return call(t, w.h, "POST", "/api/collections/polls/records", token, pollBody(t, w))
	}
	var ids []string
	for range 2 {
		status, body := create(w.tokens[0])
		if status != 200 {
			t.Fatalf("%d %v", status, body)
		}
		ids = append(ids, body["id"].(string))
	}
	if status, _ := create(w.tokens[0]); status != 429 {
		t.Fatalf("third poll of the day: %d", status)
	}
	// the first poll was made 25 hours ago: one poll left in the window
	if _, err := w.app.DB().Update(collections.Polls, dbx.Params{"created": "2000-01-01 00:00:00.000Z"},
		dbx.HashExp{"id": ids[0]}).Execute(); err != nil {
		t.Fatal(err)
	}
	if status, body := create(w.tokens[0]); status != 200 {
		t.Fatalf("after the window moved: %d %v", status, body)
	}
	// three open polls now: the circle is full of them
	if status, body := create(w.tokens[1]); status != 409 {
		t.Fatalf("fourth open poll: %d %v", status, body)
	}
	// one closes: room again
	if _, err := w.app.DB().Update(collections.Polls, dbx.Params{"status": collections.PollClosed},
		dbx.HashExp{"id": ids[1]}).Execute(); err != nil {
		t.Fatal(err)
	}
	if status, body := create(w.tokens[1]); status != 200 {
		t.Fatalf("after a poll closed: %d %v", status, body)
	}
}
