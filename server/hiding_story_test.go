package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"circly/circlytest"
	"circly/collections"
	"circly/expo/expotest"
	"circly/notify"
)

// hidingStory is a circle of five (users[0] made it) whose last member,
// users[4], is the one reported, with an avatar; the circle has an image.
// A non-anonymous poll P1 closed with its counts revealed: users 1–3 voted
// for users[4], users[4] voted for users[1].
type hidingStory struct {
	t        *testing.T
	app      core.App
	h        http.Handler
	n        *notify.Notifier
	expo     *expotest.Server
	circle   *collections.Circle
	users    []*core.Record
	members  []*core.Record
	tokens   []string
	su       string
	p1       string
	name     string // the circle's real name
	nickname string // users[4]'s real nickname
	polls    int
}

func newHidingStory(t *testing.T) *hidingStory {
	srv := expotest.NewServer()
	t.Cleanup(srv.Close)
	cfg := circlytest.TestConfig()
	cfg.ExpoBaseURL = srv.URL
	cfg.ExpoRate = 0
	app, svc := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false
	settings := notify.SettingsFrom(cfg)
	settings.Interval = 0
	settings.Expo.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	s := &hidingStory{t: t, app: app, h: circlytest.Handler(t, app), n: notify.Register(app, svc.Polls, settings), expo: srv,
		name: "우리반 단톡", nickname: "진짜닉네임"}

	circle, users, members := circlytest.CircleWithMembers(t, app, 5)
	s.circle, s.users, s.members = collections.AsCircle(circle), users, members
	s.circle.SetName(s.name)
	s.circle.SetImage(pngFile(t))
	target := collections.AsMember(members[4])
	target.SetNickname(s.nickname)
	target.SetNicknameKey(s.nickname)
	target.SetAvatar(pngFile(t))
	for _, r := range []core.Model{s.circle, target} {
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	for i, u := range users {
		collections.AsUser(u).SetPushToken("ExponentPushToken[story-" + string(rune('a'+i)) + "]")
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
		s.tokens = append(s.tokens, circlytest.Token(t, u))
	}
	s.su = circlytest.SuperuserHeader(t, app)["Authorization"]

	// P1: made by users[0], options members 1..4
	s.p1 = s.newPoll(0, false)
	opts, _ := collections.PollOptions(app, s.p1)
	optionOf := map[string]string{}
	for _, o := range opts {
		optionOf[o.Member()] = o.Id
	}
	for voter, choice := range map[int]int{1: 4, 2: 4, 3: 4, 4: 1} {
		if st, b := call(t, s.h, "POST", "/api/collections/votes/records", s.tokens[voter],
			map[string]any{"poll": s.p1, "option": optionOf[members[choice].Id]}); st != 200 {
			t.Fatalf("vote %d: %d %v", voter, st, b)
		}
	}
	p, _ := app.FindRecordById(collections.Polls, s.p1)
	p.Set(collections.FieldPollDeadline, time.Now().Add(-time.Minute).UTC())
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.n.RunOnce(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if p, _ := collections.FindPoll(app, s.p1); !p.IsClosed() {
		t.Fatal("P1 did not close")
	}
	return s
}

// newPoll has users[i] start a poll through the API and returns its id.
func (s *hidingStory) newPoll(i int, anonymous bool) string {
	s.t.Helper()
	s.polls++
	st, b := call(s.t, s.h, "POST", "/api/collections/polls/records", s.tokens[i], map[string]any{
		"circle": s.circle.Id, "template": circlytest.FirstTemplate(s.t, s.app).Id, "deadline": dt(time.Hour), "is_anonymous": anonymous,
	})
	if st != 200 {
		s.t.Fatalf("poll: %d %v", st, b)
	}
	return b["id"].(string)
}

func (s *hidingStory) report(i int, targetType, target string) string {
	s.t.Helper()
	st, b := call(s.t, s.h, "POST", "/api/collections/reports/records", s.tokens[i],
		map[string]any{"target_type": targetType, "target": target, "reason": "hate"})
	if st != 200 {
		s.t.Fatalf("report: %d %v", st, b)
	}
	return b["id"].(string)
}

func (s *hidingStory) resolve(id, status string) {
	s.t.Helper()
	if st, b := call(s.t, s.h, "PATCH", "/api/collections/reports/records/"+id, s.su, map[string]any{"status": status}); st != 200 {
		s.t.Fatalf("resolve: %d %v", st, b)
	}
}

// get is a GET as token that must answer 200.
func (s *hidingStory) get(url, token string) map[string]any {
	s.t.Helper()
	st, b := call(s.t, s.h, "GET", url, token, nil)
	if st != 200 {
		s.t.Fatalf("GET %s: %d %v", url, st, b)
	}
	return b
}

func items(b map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range b["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// check asserts, in every place that shows the member's nickname and
// avatar or the circle's name and image, the hidden form (hidden) or the
// real one. stage names the step in failures.
func (s *hidingStory) check(stage string, hidden bool) {
	t := s.t
	t.Helper()
	nick, name := s.nickname, s.name
	if hidden {
		nick, name = collections.HiddenMemberNickname, collections.HiddenCircleName
	}
	target := s.members[4].Id
	expectMember := func(where string, m map[string]any) {
		t.Helper()
		if m["nickname"] != nick || m["hidden"] != hidden || (m["avatar"] == "") != hidden {
			t.Errorf("%s: %s: member %v", stage, where, m)
		}
	}
	expectCircle := func(where string, c map[string]any) {
		t.Helper()
		if c["name"] != name || c["hidden"] != hidden || (c["image"] == "") != hidden {
			t.Errorf("%s: %s: circle %v", stage, where, c)
		}
	}
	expectName := func(where string, got any, gotHidden any) {
		t.Helper()
		if got != name || gotHidden != hidden {
			t.Errorf("%s: %s: circle_name %v, hidden %v", stage, where, got, gotHidden)
		}
	}

	// members: list and view, by another member and by the member itself
	for _, it := range items(s.get("/api/collections/members/records?filter="+circlytest.Q(`circle="`+s.circle.Id+`"`), s.tokens[1])) {
		if it["id"] == target {
			expectMember("members list", it)
		}
	}
	expectMember("members view by itself", s.get("/api/collections/members/records/"+target, s.tokens[4]))
	// circles view, and the circle expanded from a members record
	expectCircle("circles view", s.get("/api/collections/circles/records/"+s.circle.Id, s.tokens[1]))
	exp := s.get("/api/collections/members/records/"+s.members[1].Id+"?expand=circle", s.tokens[1])
	expectCircle("members expand=circle", exp["expand"].(map[string]any)["circle"].(map[string]any))
	// superusers always see the real values
	su := s.get("/api/collections/members/records/"+target, s.su)
	if su["nickname"] != s.nickname || su["avatar"] == "" || su["hidden"] != hidden {
		t.Errorf("%s: superuser sees %v", stage, su)
	}

	// options, also with the member expanded
	for _, it := range items(s.get("/api/collections/options/records?expand=member&filter="+circlytest.Q(`poll="`+s.p1+`"`), s.tokens[1])) {
		if it["member"] == target {
			if it["nickname"] != nick || it["hidden"] != hidden {
				t.Errorf("%s: option %v", stage, it)
			}
			expectMember("options expand=member", it["expand"].(map[string]any)["member"].(map[string]any))
		} else if it["hidden"] != false {
			t.Errorf("%s: another option hidden: %v", stage, it)
		}
	}

	// results: the option and the voter lists
	res := s.get("/api/circly/polls/"+s.p1+"/results", s.tokens[1])
	sawVoter := false
	for _, o := range res["options"].([]any) {
		o := o.(map[string]any)
		if o["member"] == target && (o["nickname"] != nick || o["hidden"] != hidden) {
			t.Errorf("%s: results option %v", stage, o)
		}
		if o["member"] == s.members[1].Id {
			for _, v := range o["voters"].([]any) {
				sawVoter = sawVoter || v == nick
			}
		}
	}
	if !sawVoter {
		t.Errorf("%s: results voters do not show %q: %v", stage, nick, res)
	}

	// feed and picks
	for _, it := range items(s.get("/api/circly/feed", s.tokens[1])) {
		expectName("feed", it["circle_name"], it["circle_hidden"])
	}
	picks := items(s.get("/api/circly/me/picks", s.tokens[4]))
	if len(picks) != 1 {
		t.Fatalf("%s: picks %v", stage, picks)
	}
	expectName("picks", picks[0]["circle_name"], picks[0]["circle_hidden"])

	// invite preview (what the landing page shows) and the landing page
	preview := s.get("/api/circly/invites/"+s.circle.InviteLinkId(), "")
	expectName("preview", preview["circle_name"], preview["hidden"])
	rec := circlytest.Do(s.h, circlytest.Request{Method: "GET", URL: "/join/" + s.circle.InviteLinkId()})
	if rec.Code != 200 || strings.Contains(rec.Body.String(), s.name) {
		t.Errorf("%s: landing page %d", stage, rec.Code)
	}

	// push copy of a new poll's poll_started, in the outbox and as sent
	poll := s.newPoll(1+s.polls%3, true)
	row, err := s.app.FindFirstRecordByFilter(collections.Notifications, "poll = {:p} && kind = {:k}",
		dbx.Params{"p": poll, "k": collections.KindPollStarted})
	if err != nil {
		t.Fatal(err)
	}
	if title := collections.AsNotification(row).Title(); !strings.Contains(title, name) || (hidden && strings.Contains(title, s.name)) {
		t.Errorf("%s: poll_started title %q", stage, title)
	}
	if _, err := s.n.RunOnce(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, m := range s.expo.Messages() {
		if m.Data["poll"] == poll {
			sent++
			if !strings.Contains(m.Title, name) || (hidden && strings.Contains(m.Title+m.Body, s.name)) {
				t.Errorf("%s: push %q / %q", stage, m.Title, m.Body)
			}
		}
	}
	if sent == 0 {
		t.Errorf("%s: no poll_started push sent", stage)
	}

	// realtime: an event of the member and of the circle
	s.checkRealtime(stage, nick, name)
}

// checkRealtime subscribes users[1] to the member and the circle, saves
// both, and checks the events show nick and name.
func (s *hidingStory) checkRealtime(stage, nick, name string) {
	t := s.t
	t.Helper()
	cl := subscriptions.NewDefaultClient()
	cl.Set(apis.RealtimeClientAuthKey, s.users[1])
	cl.Subscribe(collections.Members+"/"+s.members[4].Id, collections.Circles+"/"+s.circle.Id)
	s.app.SubscriptionsBroker().Register(cl)
	defer s.app.SubscriptionsBroker().Unregister(cl.Id())

	ids := map[string]string{collections.Members: s.members[4].Id, collections.Circles: s.circle.Id}
	for c, id := range ids {
		fresh, err := s.app.FindRecordById(c, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.app.SaveNoValidate(fresh); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for len(seen) < len(ids) {
		var msg subscriptions.Message
		select {
		case msg = <-cl.Channel():
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: realtime events seen: %v", stage, seen)
		}
		var ev struct {
			Record map[string]any `json:"record"`
		}
		if err := json.Unmarshal(msg.Data, &ev); err != nil {
			t.Fatal(err)
		}
		c, _, _ := strings.Cut(msg.Name, "/")
		seen[c] = true
		want, key := nick, "nickname"
		if c == collections.Circles {
			want, key = name, "name"
		}
		if ev.Record[key] != want {
			t.Errorf("%s: realtime %s event %v", stage, c, ev.Record)
		}
	}
}

// pngFile is a small PNG upload.
func pngFile(t testing.TB) *filesystem.File {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	f, err := filesystem.NewFileFromBytes(buf.Bytes(), "a.png")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestHidingStory: hiding appears in every listed place and disappears when
// resolved (API.md §10).
func TestHidingStory(t *testing.T) {
	t.Parallel()
	s := newHidingStory(t)
	target := s.members[4].Id
	s.check("no reports", false)

	var reports []string
	for i := range 2 {
		reports = append(reports, s.report(i, "member", target), s.report(i, "circle", s.circle.Id))
	}
	s.check("two reporters", false)

	reports = append(reports, s.report(2, "member", target), s.report(2, "circle", s.circle.Id))
	s.check("three reporters", true)

	// the superuser dismisses one report of each: two remain open
	s.resolve(reports[4], collections.ReportDismissed)
	s.resolve(reports[5], collections.ReportDismissed)
	s.check("dismissed", false)

	// actioned: hidden again, and it stays hidden with no open report left
	s.resolve(reports[0], collections.ReportActioned)
	s.resolve(reports[1], collections.ReportActioned)
	for _, r := range reports[2:4] {
		s.resolve(r, collections.ReportDismissed)
	}
	s.check("actioned", true)
}
