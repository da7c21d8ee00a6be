package circles_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circlytest"
	"circly/collections"
)

// joinRaw sends a join and returns the status and the answer's bytes.
func joinRaw(t testing.TB, app core.App, user *core.Record, body map[string]any) (int, []byte) {
	t.Helper()
	rec := circlytest.Do(circlytest.Handler(t, app), circlytest.Request{
		Method: "POST", URL: "/api/circly/circles/join", Token: circlytest.Token(t, user), Body: body,
	})
	return rec.Code, rec.Body.Bytes()
}

// API.md §10: a user blocked by a circle's creator cannot join it; the
// answer is byte for byte the one of an unknown invite, by code or link,
// also after the blocked member left, and also when the invite expired
// (which would otherwise answer 410).
func TestBlockedUserCannotJoinTheBlockersCircles(t *testing.T) {
	t.Parallel()
	cfg := circlytest.TestConfig()
	cfg.JoinPerUserLimit = 1000
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	app.Settings().RateLimits.Enabled = false
	h := circlytest.Handler(t, app)

	blocker := circlytest.CreateUser(t, app)
	target := circlytest.CreateUser(t, app)
	friend := circlytest.CreateUser(t, app)
	circle, _ := circlytest.CreateCircle(t, app, blocker, "blocker")
	code, link := circle.GetString("invite_code"), circle.GetString("invite_link_id")

	// target joins, is blocked by the creator, and leaves
	if status, body := joinRaw(t, app, target, map[string]any{"invite_code": code, "nickname": "target"}); status != 200 {
		t.Fatalf("first join: %d %s", status, body)
	}
	membership, err := collections.FindMembership(app, circle.Id, target.Id)
	if err != nil || membership == nil {
		t.Fatal(err)
	}
	status, block := circlytest.Call(t, h, "POST", "/api/collections/blocks/records", circlytest.Token(t, blocker),
		map[string]any{"blocked_member": membership.Id})
	if status != 200 {
		t.Fatalf("block: %d %v", status, block)
	}

	// still a member: joining again is the idempotent 200 it always was
	if status, body := joinRaw(t, app, target, map[string]any{"invite_code": code, "nickname": "target"}); status != 200 {
		t.Fatalf("join while a member: %d %s", status, body)
	}

	if status, body := circlytest.Call(t, h, "POST", "/api/circly/circles/"+circle.Id+"/leave", circlytest.Token(t, target), nil); status != 204 && status != 200 {
		t.Fatalf("leave: %d %v", status, body)
	}

	unknownCodeStatus, unknownCode := joinRaw(t, app, target, map[string]any{"invite_code": "ZZZZZZ", "nickname": "target"})
	unknownLinkStatus, unknownLink := joinRaw(t, app, target, map[string]any{"invite_link_id": "unknownunknownunknown123", "nickname": "target"})
	if unknownCodeStatus != 404 || unknownLinkStatus != 404 {
		t.Fatalf("unknown invites: %d %d", unknownCodeStatus, unknownLinkStatus)
	}

	check := func(label string, body map[string]any, want []byte) {
		t.Helper()
		status, got := joinRaw(t, app, target, body)
		if status != 404 || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d %s, want 404 %s", label, status, got, want)
		}
	}
	check("by code", map[string]any{"invite_code": code, "nickname": "target"}, unknownCode)
	check("by lower-case code", map[string]any{"invite_code": "  " + toLower(code), "nickname": "target"}, unknownCode)
	check("by link", map[string]any{"invite_link_id": link, "nickname": "target"}, unknownLink)
	check("by code, another nickname", map[string]any{"invite_code": code, "nickname": "someone new"}, unknownCode)
	if m, _ := collections.FindMembership(app, circle.Id, target.Id); m == nil || m.IsActive() {
		t.Fatalf("membership after refused joins: %v", m)
	}

	// a new invite changes nothing; an expired one still looks unknown
	status, fresh := circlytest.Call(t, h, "POST", "/api/circly/circles/"+circle.Id+"/invite", circlytest.Token(t, blocker), nil)
	if status != 200 {
		t.Fatalf("new invite: %d %v", status, fresh)
	}
	c, _ := collections.FindCircle(app, circle.Id)
	check("by the new code", map[string]any{"invite_code": c.InviteCode(), "nickname": "target"}, unknownCode)
	past, _ := types.ParseDateTime(time.Now().Add(-time.Hour))
	c.SetInviteExpiresAt(past)
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	check("by an expired code", map[string]any{"invite_code": c.InviteCode(), "nickname": "target"}, unknownCode)
	if status, _ := joinRaw(t, app, friend, map[string]any{"invite_code": c.InviteCode(), "nickname": "friend"}); status != 410 {
		t.Fatalf("a user who is not blocked gets %d for the expired invite, want 410", status)
	}
	c.SetInviteExpiresAt(types.NowDateTime().Add(time.Hour))
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}

	// others still join; the blocked user joins circles others made
	if status, body := joinRaw(t, app, friend, map[string]any{"invite_code": c.InviteCode(), "nickname": "friend"}); status != 200 {
		t.Fatalf("friend: %d %s", status, body)
	}
	friendsCircle, _ := circlytest.CreateCircle(t, app, friend, "friend")
	if status, body := joinRaw(t, app, target, map[string]any{"invite_code": friendsCircle.GetString("invite_code"), "nickname": "target"}); status != 200 {
		t.Fatalf("join of a circle the blocker did not make: %d %s", status, body)
	}

	// another circle of the blocker, never shared with the blocked user
	second, _ := circlytest.CreateCircle(t, app, blocker, "blocker")
	check("another circle of the blocker", map[string]any{"invite_link_id": second.GetString("invite_link_id"), "nickname": "target"}, unknownLink)

	// unblocked: the same invite lets the user back in
	if status, _ := circlytest.Call(t, h, "DELETE", "/api/collections/blocks/records/"+block["id"].(string), circlytest.Token(t, blocker), nil); status != 204 {
		t.Fatalf("unblock: %d", status)
	}
	if status, body := joinRaw(t, app, target, map[string]any{"invite_code": c.InviteCode(), "nickname": "target"}); status != 200 {
		t.Fatalf("join after the block was lifted: %d %s", status, body)
	}
}

func toLower(s string) string { return string(bytes.ToLower([]byte(s))) }
