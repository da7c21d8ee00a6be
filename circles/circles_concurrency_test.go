package circles_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"circly/circles"
	"circly/circlytest"
	"circly/collections"

	"github.com/pocketbase/dbx"
)

// jsonHeader marks fire's bodies as JSON.
var jsonHeader = map[string]string{"Content-Type": "application/json"}

// fire sends one request with a JSON body (already encoded) through
// handler and returns the status and body.
func fire(handler http.Handler, method, path, token, body string) (int, string) {
	rec := circlytest.Do(handler, circlytest.Request{Method: method, URL: path, Token: token, Body: []byte(body), Header: jsonHeader})
	return rec.Code, rec.Body.String()
}

// fireAll sends the requests at once (released together) and returns the
// statuses in request order.
func fireAll(handler http.Handler, method, path string, tokens, bodies []string) []int {
	statuses := make([]int, len(tokens))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range tokens {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			statuses[i], _ = fire(handler, method, path, tokens[i], bodies[i])
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return statuses
}

func countStatuses(statuses []int) map[int]int {
	out := map[int]int{}
	for _, s := range statuses {
		out[s]++
	}
	return out
}

// 15 users join a circle with 5 free seats at the same moment: exactly 5
// get in, the others get 409, nobody gets a 5xx.
func TestJoinCapacityUnderConcurrency(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false

	creator := circlytest.CreateUser(t, app)
	circle, _ := circlytest.CreateCircle(t, app, creator, "Host")
	circle.Set("max_members", 6)
	if err := app.Save(circle); err != nil {
		t.Fatal(err)
	}

	const joiners = 15
	tokens := make([]string, joiners)
	bodies := make([]string, joiners)
	for i := range joiners {
		tokens[i] = circlytest.Token(t, circlytest.CreateUser(t, app))
		bodies[i] = fmt.Sprintf(`{"invite_code":%q,"nickname":"joiner%d"}`, circle.GetString("invite_code"), i)
	}

	handler := circlytest.Handler(t, app)
	statuses := fireAll(handler, "POST", circles.JoinCirclePath, tokens, bodies)
	got := countStatuses(statuses)
	t.Logf("15 concurrent joins on 5 free seats: %v", got)

	if got[200] != 5 || got[409] != 10 || len(got) != 2 {
		t.Fatalf("statuses = %v, want 5×200 and 10×409", got)
	}
	if n := activeMembers(t, app, circle.Id); n != 6 {
		t.Fatalf("active members = %d, want 6 (max_members)", n)
	}
}

// Two users take the same nickname (in different case) at the same moment:
// one gets it, the other gets 409.
func TestJoinSameNicknameUnderConcurrency(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false

	creator := circlytest.CreateUser(t, app)
	circle, _ := circlytest.CreateCircle(t, app, creator, "Host")
	code := circle.GetString("invite_code")

	tokens := []string{
		circlytest.Token(t, circlytest.CreateUser(t, app)),
		circlytest.Token(t, circlytest.CreateUser(t, app)),
	}
	bodies := []string{
		`{"invite_code":"` + code + `","nickname":"Twin"}`,
		`{"invite_code":"` + strings.ToLower(code) + `","nickname":"tWIN"}`,
	}
	handler := circlytest.Handler(t, app)
	for round := range 5 {
		if round > 0 {
			// start again: both leave, the circle keeps only its creator
			for _, token := range tokens {
				fire(handler, "POST", "/api/circly/circles/"+circle.Id+"/leave", token, "")
			}
		}
		got := countStatuses(fireAll(handler, "POST", circles.JoinCirclePath, tokens, bodies))
		if got[200] != 1 || got[409] != 1 {
			t.Fatalf("round %d: statuses = %v, want one 200 and one 409", round, got)
		}
		if n := activeMembers(t, app, circle.Id); n != 2 {
			t.Fatalf("round %d: active members = %d", round, n)
		}
	}
}

// Two members rename themselves to the same nickname at the same moment;
// the unique index decides and the loser gets 409, not a 5xx.
func TestRenameSameNicknameUnderConcurrency(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false

	_, users, members := circlytest.CircleWithMembers(t, app, 3)
	handler := circlytest.Handler(t, app)
	for round := range 5 {
		name := fmt.Sprintf("Same%d", round)
		tokens := []string{circlytest.Token(t, users[1]), circlytest.Token(t, users[2])}
		var paths []string
		for _, m := range members[1:] {
			paths = append(paths, "/api/collections/members/records/"+m.Id)
		}
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := `{"nickname":"` + name + `"}`
				if i == 1 {
					body = `{"nickname":"` + strings.ToUpper(name) + `"}`
				}
				statuses[i], _ = fire(handler, "PATCH", paths[i], tokens[i], body)
			}()
		}
		wg.Wait()
		got := countStatuses(statuses)
		if got[200] != 1 || got[409] != 1 {
			t.Fatalf("round %d: statuses = %v, want one 200 and one 409", round, got)
		}
	}
}

// The per-user join limit answers 429 in PocketBase's error shape once a
// user has used its attempts for the minute, whatever the outcome of them.
func TestJoinPerUserRateLimit(t *testing.T) {
	t.Parallel()
	cfg := circlytest.TestConfig()
	cfg.JoinPerUserLimit = 3
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false

	circle, _ := circlytest.CreateCircle(t, app, circlytest.CreateUser(t, app), "Host")
	guesser := circlytest.Token(t, circlytest.CreateUser(t, app))
	other := circlytest.Token(t, circlytest.CreateUser(t, app))
	handler := circlytest.Handler(t, app)

	for i, code := range []string{"AAAAAA", "BBBBBB", "CCCCCC"} {
		if status, body := fire(handler, "POST", circles.JoinCirclePath, guesser, `{"invite_code":"`+code+`","nickname":"g"}`); status != 404 {
			t.Fatalf("attempt %d: %d %s", i, status, body)
		}
	}
	rec := circlytest.Do(handler, circlytest.Request{Method: "POST", URL: circles.JoinCirclePath, Token: guesser,
		Body: []byte(`{"invite_code":"` + circle.GetString("invite_code") + `","nickname":"g"}`), Header: jsonHeader})
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d %s", rec.Code, rec.Body)
	}
	var apiErr struct {
		Status  int            `json:"status"`
		Message string         `json:"message"`
		Data    map[string]any `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &apiErr); err != nil || apiErr.Status != 429 || apiErr.Message == "" || apiErr.Data == nil {
		t.Fatalf("not PocketBase's error shape: %s", rec.Body)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After header")
	}

	// another user is not affected
	if status, body := fire(handler, "POST", circles.JoinCirclePath, other, `{"invite_code":"`+circle.GetString("invite_code")+`","nickname":"o"}`); status != 200 {
		t.Fatalf("another user: %d %s", status, body)
	}
}

func TestCircleCreateThroughHandler(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	handler := circlytest.Handler(t, app)
	user := circlytest.CreateUser(t, app)

	// many creates in a row each get their own invite
	seen := map[string]bool{}
	for i := range 20 {
		status, body := fire(handler, "POST", "/api/collections/circles/records", circlytest.Token(t, user),
			fmt.Sprintf(`{"name":"c%d","nickname":"me"}`, i))
		if status != 200 {
			t.Fatalf("create %d: %d %s", i, status, body)
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			t.Fatal(err)
		}
		code := c["invite_code"].(string)
		if seen[code] {
			t.Fatalf("invite code %s given twice", code)
		}
		seen[code] = true
	}
}

// TestRaceJoinAgainstNewInvite: a join with the old code racing a new
// invite either joins (before the swap) or gets 404 — never a 5xx, never a
// member beyond capacity.
func TestRaceJoinAgainstNewInvite(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	h := circlytest.Handler(t, app)
	for round := range 8 {
		circle, users, _ := circlytest.CircleWithMembers(t, app, 1)
		code := circle.GetString("invite_code")
		joiners := make([]string, 6)
		for i := range joiners {
			joiners[i] = circlytest.Token(t, circlytest.CreateUser(t, app))
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(joiners))
		for i, tok := range joiners {
			wg.Go(func() {
				statuses[i], _ = circlytest.Call(t, h, "POST", "/api/circly/circles/join", tok, map[string]any{"invite_code": code, "nickname": "j" + string(rune('a'+i))})
			})
		}
		wg.Go(func() {
			status, _ := circlytest.Call(t, h, "POST", "/api/circly/circles/"+circle.Id+"/invite", circlytest.Token(t, users[0]), nil)
			if status != 200 {
				t.Errorf("new invite: %d", status)
			}
		})
		wg.Wait()
		joined := 0
		for _, s := range statuses {
			switch s {
			case 200:
				joined++
			case 404:
			default:
				t.Fatalf("round %d: join status %d", round, s)
			}
		}
		n, _ := app.CountRecords(collections.Members, dbx.HashExp{"circle": circle.Id, "is_active": true})
		if int(n) != joined+1 {
			t.Fatalf("round %d: %d joins answered 200, %d members", round, joined, n)
		}
		// the old code is dead now
		status, _ := circlytest.Call(t, h, "POST", "/api/circly/circles/join", circlytest.Token(t, circlytest.CreateUser(t, app)), map[string]any{"invite_code": code, "nickname": "late"})
		if status != 404 {
			t.Fatalf("round %d: old code after the new invite: %d", round, status)
		}
	}
}
