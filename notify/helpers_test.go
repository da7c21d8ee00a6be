package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/circlytest"
	"circly/collections"
	"circly/config"
	"circly/expo/expotest"
	"circly/notify"
	"circly/server"
	"circly/store"
)

// harness is a test app with the notifier registered (no scheduler) and a
// fake Expo behind it.
type harness struct {
	t        testing.TB
	app      *tests.TestApp
	svc      *server.Circly
	n        *notify.Notifier
	expo     *expotest.Server
	cfg      config.Config
	settings notify.Settings
}

// testSettings are fast settings: no pacing, millisecond client backoff,
// no scheduler; the clock is whatever the test passes to RunOnce.
func testSettings(cfg config.Config) notify.Settings {
	s := notify.SettingsFrom(cfg)
	s.Interval = 0
	s.Expo.BaseBackoff = time.Millisecond
	s.Expo.MaxBackoff = 5 * time.Millisecond
	s.Expo.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	s.ReceiptDelay = 15 * time.Minute
	s.RetryBackoff = time.Minute
	return s
}

func newHarness(t testing.TB, tweak func(*notify.Settings)) *harness {
	t.Helper()
	srv := expotest.NewServer()
	t.Cleanup(srv.Close)
	cfg := circlytest.TestConfig()
	cfg.ExpoBaseURL = srv.URL
	cfg.ExpoRate = 0
	app, svc := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false
	s := testSettings(cfg)
	if tweak != nil {
		tweak(&s)
	}
	return &harness{t: t, app: app, svc: svc, n: notify.Register(app, svc.Polls, s), expo: srv, cfg: cfg, settings: s}
}

// run is one dispatcher run at now that must not fail.
func (h *harness) run(now time.Time) notify.Report {
	h.t.Helper()
	return mustRun(h.t, h.n, now)
}

func mustRun(t testing.TB, n *notify.Notifier, now time.Time) notify.Report {
	t.Helper()
	rep, err := n.RunOnce(context.Background(), now)
	if err != nil {
		t.Fatalf("run at %s: %v", now.Format(time.TimeOnly), err)
	}
	return rep
}

// circleFixture is a circle whose users[0] made it.
type circleFixture struct {
	circle *core.Record
	users  []*core.Record
	push   []string // push tokens by user, "" for none
	auth   []string // auth tokens by user
}

// newCircle makes a circle of size users, each with a push token except
// those listed in withoutToken.
func (h *harness) newCircle(size int, withoutToken ...int) *circleFixture {
	h.t.Helper()
	f := &circleFixture{}
	f.circle, f.users, _ = circlytest.CircleWithMembers(h.t, h.app, size)
	f.circle.Set("name", "우리반 "+security.RandomString(4))
	if err := h.app.Save(f.circle); err != nil {
		h.t.Fatal(err)
	}
	for i, u := range f.users {
		tok := ""
		if !slices.Contains(withoutToken, i) {
			tok = fmt.Sprintf("ExponentPushToken[%s-%d]", security.RandomString(12), i)
			u.Set("push_token", tok)
			if err := h.app.Save(u); err != nil {
				h.t.Fatal(err)
			}
		}
		f.push = append(f.push, tok)
		f.auth = append(f.auth, circlytest.Token(h.t, u))
	}
	return f
}

// call sends one JSON request through the app's router.
func (h *harness) call(method, url, auth string, body any) (int, map[string]any) {
	h.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	req := httptest.NewRequest(method, url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	rec := httptest.NewRecorder()
	circlytest.Handler(h.t, h.app).ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// createPoll has user i of f start a poll through the API, closing in d.
func (h *harness) createPoll(f *circleFixture, i int, d time.Duration) *core.Record {
	h.t.Helper()
	status, body := h.call("POST", "/api/collections/polls/records", f.auth[i], map[string]any{
		"circle":   f.circle.Id,
		"template": circlytest.FirstTemplate(h.t, h.app).Id,
		"deadline": time.Now().Add(d).UTC().Format("2006-01-02 15:04:05.000Z"),
	})
	if status != http.StatusOK {
		h.t.Fatalf("create poll: %d %v", status, body)
	}
	poll, err := h.app.FindRecordById(collections.Polls, body["id"].(string))
	if err != nil {
		h.t.Fatal(err)
	}
	return poll
}

// vote has user i of f vote in poll, for someone else, through the API.
func (h *harness) vote(f *circleFixture, poll *core.Record, i int) {
	h.t.Helper()
	opts, err := h.app.FindRecordsByFilter(collections.Options, "poll = {:p}", "order", 0, 0, dbx.Params{"p": poll.Id})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, o := range opts {
		m, err := h.app.FindRecordById(collections.Members, o.GetString("member"))
		if err != nil {
			h.t.Fatal(err)
		}
		if m.GetString("user") == f.users[i].Id {
			continue
		}
		status, body := h.call("POST", "/api/collections/votes/records", f.auth[i], map[string]any{"poll": poll.Id, "option": o.Id})
		if status != http.StatusOK {
			h.t.Fatalf("vote of user %d: %d %v", i, status, body)
		}
		return
	}
	h.t.Fatalf("user %d has nobody to vote for", i)
}

// setDeadline moves a poll's deadline, as an operator could in the
// dashboard.
func (h *harness) setDeadline(poll *core.Record, deadline time.Time) {
	h.t.Helper()
	poll, err := h.app.FindRecordById(collections.Polls, poll.Id)
	if err != nil {
		h.t.Fatal(err)
	}
	poll.Set("deadline", deadline.UTC())
	if err := h.app.Save(poll); err != nil {
		h.t.Fatal(err)
	}
}

// row returns the outbox row of (poll, kind).
func row(t testing.TB, app core.App, pollId, kind string) *core.Record {
	t.Helper()
	r, err := app.FindFirstRecordByFilter(collections.Notifications, "poll = {:p} && kind = {:k}",
		dbx.Params{"p": pollId, "k": kind})
	if err != nil {
		t.Fatalf("row %s/%s: %v", pollId, kind, err)
	}
	return r
}

// deliveries returns the deliveries of (poll, kind) by user id.
func deliveries(t testing.TB, app core.App, pollId, kind string) map[string]collections.Delivery {
	t.Helper()
	ds, err := collections.AsNotification(row(t, app, pollId, kind)).Deliveries()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]collections.Delivery, len(ds))
	for _, d := range ds {
		if _, dup := out[d.User]; dup {
			t.Fatalf("user %s listed twice in %s/%s", d.User, pollId, kind)
		}
		out[d.User] = d
	}
	return out
}

// countTo returns how many messages the fake got for token about (poll,
// kind), and checks each carries the data and collapse keys.
func countTo(t testing.TB, srv *expotest.Server, token, pollId, kind string) int {
	t.Helper()
	if token == "" {
		return 0
	}
	n := 0
	for _, m := range srv.MessagesTo(token) {
		if m.Data["poll"] != pollId || m.Data["kind"] != kind {
			continue
		}
		n++
		key := notify.CollapseKey(pollId, kind)
		if m.CollapseID != key || m.Tag != key || m.ThreadID != key {
			t.Fatalf("message to %s: collapse keys %q/%q/%q, want %q", token, m.CollapseID, m.Tag, m.ThreadID, key)
		}
	}
	return n
}

// reopen opens a new app on dir, as a restarted process would, with
// Circly's hooks and a notifier using s; it is closed when the test ends.
func reopen(t testing.TB, dir string, cfg config.Config, s notify.Settings) (core.App, *notify.Notifier) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: store.Connect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.ClearBootstrap() })
	return app, notify.Register(app, server.Register(app, cfg, nil).Polls, s)
}
