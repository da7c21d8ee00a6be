package circles_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/circles"
	"circly/circlytest"
	"circly/collections"
)

// memberCountsHold fails the test when any circle's member_count differs
// from its number of active members.
func memberCountsHold(t testing.TB, app core.App) {
	t.Helper()
	wrong, err := collections.MemberCountMismatches(app)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrong) > 0 {
		t.Fatalf("member_count differs from the active members in circles %v", wrong)
	}
}

// storedMemberCount reads a circle's member_count as stored.
func storedMemberCount(t testing.TB, app core.App, circleId string) int {
	t.Helper()
	c, err := collections.FindCircle(app, circleId)
	if err != nil {
		t.Fatal(err)
	}
	return c.MemberCount()
}

// 15 users join a circle of 5 seats (its creator holds one) at the same
// moment: the count follows every join that got in, and nothing else.
func TestMemberCountUnderConcurrentJoins(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false

	circle, _ := circlytest.CreateCircle(t, app, circlytest.CreateUser(t, app), "Host")
	circle.Set("max_members", 5)
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
	got := countStatuses(fireAll(circlytest.Handler(t, app), "POST", circles.JoinCirclePath, tokens, bodies))
	if got[200] != 4 || got[409] != 11 {
		t.Fatalf("statuses = %v, want 4×200 and 11×409", got)
	}
	rows, count := activeMembers(t, app, circle.Id), storedMemberCount(t, app, circle.Id)
	if rows != 5 || count != 5 {
		t.Fatalf("%d active rows, member_count %d; want 5 and 5", rows, count)
	}
	memberCountsHold(t, app)
}

// Members leave while others join, all at once: the count still equals the
// rows.
func TestMemberCountUnderConcurrentJoinsAndLeaves(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	circle, users, _ := circlytest.CircleWithMembers(t, app, 8)
	h := circlytest.Handler(t, app)

	var tokens, paths, bodies []string
	for _, u := range users[1:] {
		tokens = append(tokens, circlytest.Token(t, u))
		paths = append(paths, "/api/circly/circles/"+circle.Id+"/leave")
		bodies = append(bodies, "")
	}
	for i := range 7 {
		tokens = append(tokens, circlytest.Token(t, circlytest.CreateUser(t, app)))
		paths = append(paths, circles.JoinCirclePath)
		bodies = append(bodies, fmt.Sprintf(`{"invite_code":%q,"nickname":"new%d"}`, circle.GetString("invite_code"), i))
	}
	statuses := make([]int, len(tokens))
	done := make(chan struct{})
	for i := range tokens {
		go func() {
			statuses[i], _ = fire(h, "POST", paths[i], tokens[i], bodies[i])
			done <- struct{}{}
		}()
	}
	for range tokens {
		<-done
	}
	for i, s := range statuses {
		if s != http.StatusOK && s != http.StatusNoContent {
			t.Fatalf("request %d (%s): %d", i, paths[i], s)
		}
	}
	if rows, count := activeMembers(t, app, circle.Id), storedMemberCount(t, app, circle.Id); rows != 8 || count != 8 {
		t.Fatalf("%d active rows, member_count %d; want 8 and 8", rows, count)
	}
	memberCountsHold(t, app)
}

// Saves outside the routes (the dashboard, Go code) keep the count too:
// a superuser ending, restoring and deleting memberships, and a superuser's
// attempt to set the count.
func TestMemberCountOnOtherPaths(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	circle, _, members := circlytest.CircleWithMembers(t, app, 4)
	h := circlytest.Handler(t, app)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]
	memberURL := func(m *core.Record) string { return "/api/collections/members/records/" + m.Id }

	steps := []struct {
		name, method, url string
		body              any
		want              int
	}{
		{"a superuser ends a membership", "PATCH", memberURL(members[1]), map[string]any{"is_active": false}, 3},
		{"a superuser restores it", "PATCH", memberURL(members[1]), map[string]any{"is_active": true}, 4},
		{"a superuser deletes a membership", "DELETE", memberURL(members[2]), nil, 3},
		{"a superuser cannot set the count", "PATCH", "/api/collections/circles/records/" + circle.Id, map[string]any{"member_count": 40}, 3},
	}
	for _, s := range steps {
		if status, body := circlytest.Call(t, h, s.method, s.url, su, s.body); status >= 300 {
			t.Fatalf("%s: %d %v", s.name, status, body)
		}
		if got := storedMemberCount(t, app, circle.Id); got != s.want {
			t.Fatalf("%s: member_count %d, want %d", s.name, got, s.want)
		}
	}

	// Go code saving a stale circle record cannot write an old count back
	circle.Set("name", "renamed")
	if err := app.Save(circle); err != nil {
		t.Fatal(err)
	}
	if circle.GetInt("member_count") != 3 || storedMemberCount(t, app, circle.Id) != 3 {
		t.Fatalf("a stale circle saved member_count %d", storedMemberCount(t, app, circle.Id))
	}
	members[3].Set("is_active", false)
	if err := app.Save(members[3]); err != nil {
		t.Fatal(err)
	}
	if got := storedMemberCount(t, app, circle.Id); got != 2 {
		t.Fatalf("after a Go save ended a membership: member_count %d, want 2", got)
	}

	// a superuser's hard delete of the circle takes its memberships along
	if status, body := circlytest.Call(t, h, "DELETE", "/api/collections/circles/records/"+circle.Id, su, nil); status != http.StatusNoContent {
		t.Fatalf("hard delete: %d %v", status, body)
	}
	memberCountsHold(t, app)
}

// memberCountWorld is the state the random walk below keeps in step with
// the server: users and, per circle, who is in it.
type memberCountWorld struct {
	t       *testing.T
	app     core.App
	h       http.Handler
	rnd     *rand.Rand
	users   []*core.Record
	tokens  []string
	circles []*core.Record
	gone    map[int]bool // deleted users
	seq     int
}

func (w *memberCountWorld) call(method, url string, user int, body any) (int, map[string]any) {
	w.t.Helper()
	return circlytest.Call(w.t, w.h, method, url, w.tokens[user], body)
}

// aliveUser picks a user that still exists.
func (w *memberCountWorld) aliveUser() int {
	for {
		if u := w.rnd.IntN(len(w.users)); !w.gone[u] {
			return u
		}
	}
}

// step does one random thing a user can do that changes memberships; the
// answer may be a refusal (full, not a member…), never a 5xx.
func (w *memberCountWorld) step() string {
	w.seq++
	u := w.aliveUser()
	c := w.circles[w.rnd.IntN(len(w.circles))]
	cur, err := collections.FindCircle(w.app, c.Id)
	if err != nil {
		w.t.Fatal(err)
	}
	var status int
	var what string
	switch op := w.rnd.IntN(20); {
	case op < 9:
		what = "join"
		status, _ = w.call("POST", circles.JoinCirclePath, u, map[string]any{"invite_code": cur.InviteCode(), "nickname": fmt.Sprintf("n%d", w.seq)})
	case op < 13:
		what = "leave"
		if active, _ := collections.ActiveMembers(w.app, c.Id); len(active) > 0 && w.rnd.IntN(4) > 0 {
			if i := w.userIndex(active[w.rnd.IntN(len(active))].User()); i >= 0 {
				u = i // mostly a member; sometimes anyone (404)
			}
		}
		status, _ = w.call("POST", "/api/circly/circles/"+c.Id+"/leave", u, nil)
	case op < 16:
		what = "remove"
		victims, _ := collections.ActiveMembers(w.app, c.Id)
		if len(victims) == 0 {
			return "remove (nobody)"
		}
		creator := w.userIndex(cur.Creator())
		if creator < 0 {
			return "remove (no creator)"
		}
		status, _ = w.call("POST", "/api/circly/circles/"+c.Id+"/remove", creator, map[string]any{"member": victims[w.rnd.IntN(len(victims))].Id})
	case op < 17:
		what = "delete circle"
		if creator := w.userIndex(cur.Creator()); creator >= 0 && w.rnd.IntN(3) > 0 {
			u = creator // mostly the creator; sometimes anyone (404)
		}
		status, _ = w.call("DELETE", "/api/collections/circles/records/"+c.Id, u, nil)
	case op < 18:
		what = "delete user"
		status, _ = w.call("DELETE", "/api/collections/users/records/"+w.users[u].Id, u, nil)
		if status == http.StatusNoContent {
			w.gone[u] = true
			// a newcomer takes the deleted user's place: with every user
			// gone, aliveUser would never return
			nu := circlytest.CreateUser(w.t, w.app)
			w.users = append(w.users, nu)
			w.tokens = append(w.tokens, circlytest.Token(w.t, nu))
		}
	default:
		what = "create circle"
		var body map[string]any
		status, body = w.call("POST", "/api/collections/circles/records", u, map[string]any{"name": fmt.Sprintf("c%d", w.seq), "nickname": "founder", "max_members": 2 + w.rnd.IntN(5)})
		if status == http.StatusOK {
			w.circles = append(w.circles, w.circle(body["id"].(string)))
		}
	}
	if status >= 500 {
		w.t.Fatalf("step %d (%s): %d", w.seq, what, status)
	}
	return fmt.Sprintf("%s %d", what, status)
}

func (w *memberCountWorld) circle(id string) *core.Record {
	w.t.Helper()
	c, err := w.app.FindRecordById(collections.Circles, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *memberCountWorld) userIndex(id string) int {
	for i, u := range w.users {
		if u.Id == id && !w.gone[i] {
			return i
		}
	}
	return -1
}

// After a random sequence of joins, leaves, removals, circle and user
// deletes and creates, every circle's member_count equals its active rows
// (checked after every step, and through the API at the end).
func TestMemberCountAfterRandomChanges(t *testing.T) {
	t.Parallel()
	cfg := circlytest.TestConfig()
	cfg.JoinPerUserLimit = 1000
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	w := &memberCountWorld{t: t, app: app, h: circlytest.Handler(t, app), rnd: rand.New(rand.NewPCG(seed, 13)), gone: map[int]bool{}}
	for range 16 {
		u := circlytest.CreateUser(t, app)
		w.users = append(w.users, u)
		w.tokens = append(w.tokens, circlytest.Token(t, u))
	}
	for i := range 4 {
		_, body := w.call("POST", "/api/collections/circles/records", i, map[string]any{"name": fmt.Sprintf("start%d", i), "nickname": "founder", "max_members": 4 + i})
		w.circles = append(w.circles, w.circle(body["id"].(string)))
	}

	for range 150 {
		what := w.step()
		if wrong, err := collections.MemberCountMismatches(app); err != nil || len(wrong) > 0 {
			t.Fatalf("after step %d (%s): circles %v count wrong (%v)", w.seq, what, wrong, err)
		}
	}

	all, err := app.FindAllRecords(collections.Circles)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if got, want := c.GetInt("member_count"), activeMembers(t, app, c.Id); got != want {
			t.Fatalf("circle %s: member_count %d, active rows %d", c.Id, got, want)
		}
		creator := w.userIndex(c.GetString("creator"))
		if !c.GetBool("is_active") || creator < 0 {
			continue
		}
		// what members read
		status, body := w.call("GET", "/api/collections/circles/records/"+c.Id, creator, nil)
		if status != http.StatusOK || body["member_count"] != float64(activeMembers(t, app, c.Id)) {
			t.Fatalf("circle %s read by its creator: %d %v", c.Id, status, body["member_count"])
		}
	}
}
