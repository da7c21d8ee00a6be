package polls_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/polls"
)

// queryLog records the SQL statements an app's data database runs while
// it is on. It hooks dbx's log functions (as PocketBase's own tests count
// queries), installed before the app does anything concurrently.
type queryLog struct {
	on  atomic.Bool
	mu  sync.Mutex
	sql []string
}

func newQueryLog(app *tests.TestApp) *queryLog {
	l := &queryLog{}
	record := func(s string) {
		// the WAL copier's checkpoints (store.WALCopier, after the votes
		// of the setup) run beside the request; they are not its statements
		if l.on.Load() && !strings.HasPrefix(s, "PRAGMA wal_checkpoint") {
			l.mu.Lock()
			l.sql = append(l.sql, s)
			l.mu.Unlock()
		}
	}
	for _, b := range []dbx.Builder{app.ConcurrentDB(), app.NonconcurrentDB()} {
		db := b.(*dbx.DB)
		db.QueryLogFunc = func(_ context.Context, _ time.Duration, s string, _ *sql.Rows, _ error) { record(s) }
		db.ExecLogFunc = func(_ context.Context, _ time.Duration, s string, _ sql.Result, _ error) { record(s) }
	}
	return l
}

// during returns the statements run by fn.
func (l *queryLog) during(fn func()) []string {
	l.mu.Lock()
	l.sql = nil
	l.mu.Unlock()
	l.on.Store(true)
	fn()
	l.on.Store(false)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sql
}

// inCircles makes a user in n circles of 3 (creator, the user, one more),
// each with an open poll the user voted in and a closed poll in which the
// user was picked twice; it returns the app's query log, the world (its
// app and handler) and the user's token.
func inCircles(t *testing.T, n int) (*queryLog, *homeWorld, string) {
	app := circlytest.NewTestApp(t)
	log := newQueryLog(app)
	app.Settings().RateLimits.Enabled = false
	w := &homeWorld{app: app, h: circlytest.Handler(t, app), svc: circlytest.Circly(t, app).Polls, options: map[string][]string{}}
	user := circlytest.CreateUser(t, app)
	for range n {
		creator, other := circlytest.CreateUser(t, app), circlytest.CreateUser(t, app)
		circle, _ := circlytest.CreateCircle(t, app, creator, "creator")
		circlytest.AddMember(t, app, circle, user, "user")
		circlytest.AddMember(t, app, circle, other, "other")
		w.users = []*core.Record{creator, user, other}
		w.tokens = []string{circlytest.Token(t, creator), circlytest.Token(t, user), circlytest.Token(t, other)}
		open := w.poll(t, 0, circle, time.Hour)
		w.vote(t, 1, open, 1)
		closed := w.poll(t, 0, circle, time.Hour)
		w.vote(t, 0, closed, 0)
		w.vote(t, 2, closed, 0)
		w.vote(t, 1, closed, 1)
		w.close(t, closed, -time.Hour)
	}
	return log, w, circlytest.Token(t, user)
}

// TestHomeRoutesQueryCount: the feed and the inbox run the same number of
// SQL statements for a user in 1 circle as for a user in 10 (2 and 20
// polls, 1 and 10 picks), whole pages each time: one request, whatever the
// number of circles (API.md §9).
func TestHomeRoutesQueryCount(t *testing.T) {
	t.Parallel()
	type measure struct {
		items int
		sql   []string
	}
	run := func(n int, path string) measure {
		log, w, token := inCircles(t, n)
		var m measure
		m.sql = log.during(func() {
			var body struct {
				Items []any `json:"items"`
			}
			rec := circlytest.Do(w.h, circlytest.Request{Method: "GET", URL: path, Token: token})
			if rec.Code != 200 {
				t.Fatalf("%s in %d circles: %d %s", path, n, rec.Code, rec.Body.String())
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			m.items = len(body.Items)
		})
		return m
	}
	for _, c := range []struct {
		path            string
		items1, items10 int
		max             int // auth record + the route's own statements
	}{
		{polls.FeedPath + "?perPage=20", 2, 20, 1 + 3},
		{polls.PicksPath + "?perPage=20", 1, 10, 1 + 1},
	} {
		one, ten := run(1, c.path), run(10, c.path)
		if one.items != c.items1 || ten.items != c.items10 {
			t.Fatalf("%s: %d and %d items, want %d and %d", c.path, one.items, ten.items, c.items1, c.items10)
		}
		if len(one.sql) != len(ten.sql) || len(ten.sql) > c.max {
			t.Errorf("%s: %d statements in 1 circle, %d in 10 (at most %d):\n1: %s\n10: %s", c.path,
				len(one.sql), len(ten.sql), c.max, strings.Join(one.sql, "\n   "), strings.Join(ten.sql, "\n   "))
		}
		t.Logf("%s: %d statements for 1 and for 10 circles", c.path, len(ten.sql))
	}
}
