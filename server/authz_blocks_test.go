package server_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"circly/circlytest"
	"circly/collections"
)

// API.md §10: the blocked user cannot tell. In the matrix world, member
// blocks member2: every record member2 reads reads the same before and
// after, member2 gets no realtime event (subscribed to blocks, members and
// circles), and only the blocker hears of its new block. No other role sees
// the block either.
func TestBlockedUserCannotTell(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	h := circlytest.Handler(t, w.app)
	blocked := circlytest.Token(t, w.users["member2"])

	// what member2 reads, byte for byte
	reads := []string{
		"/api/collections/members/records/" + w.members["member2"].Id,
		"/api/collections/members/records/" + w.members[roleMember].Id,
		"/api/collections/members/records?perPage=100&sort=id",
		"/api/collections/circles/records/" + w.circle.Id,
		"/api/collections/blocks/records?perPage=100",
		"/api/collections/polls/records/" + w.poll.Id,
		"/api/collections/options/records?perPage=100&sort=id",
		"/api/circly/invites/" + w.circle.GetString("invite_link_id"),
		"/api/circly/feed",
	}
	snapshot := func() [][]byte {
		out := make([][]byte, len(reads))
		for i, u := range reads {
			rec := circlytest.Do(h, circlytest.Request{Method: "GET", URL: u, Token: blocked})
			if rec.Code != 200 {
				t.Fatalf("GET %s as the blocked user: %d %s", u, rec.Code, rec.Body)
			}
			out[i] = bytes.Clone(rec.Body.Bytes())
		}
		return out
	}
	before := snapshot()

	// realtime clients: the blocked user on every topic it may have, the
	// blocker (which must hear of its block) and the other roles
	topics := []string{collections.Blocks + "/*", collections.Members + "/*", collections.Members + "/" + w.members["member2"].Id, collections.Circles + "/*"}
	clients := map[string]*subscriptions.DefaultClient{}
	for _, who := range []string{"member2", roleMember, roleCreator, roleStranger, roleOtherMember, roleFormer} {
		cl := subscriptions.NewDefaultClient()
		cl.Set(apis.RealtimeClientAuthKey, w.users[who])
		cl.Subscribe(topics...)
		w.app.SubscriptionsBroker().Register(cl)
		clients[who] = cl
		defer w.app.SubscriptionsBroker().Unregister(cl.Id())
	}

	status, block := call(t, h, "POST", "/api/collections/blocks/records", w.tokens[roleMember],
		map[string]any{"blocked_member": w.members["member2"].Id})
	if status != 200 {
		t.Fatalf("block: %d %v", status, block)
	}

	// the blocker's event is the sign the broadcast has happened
	select {
	case msg := <-clients[roleMember].Channel():
		if !bytes.Contains(msg.Data, []byte(block["id"].(string))) {
			t.Fatalf("the blocker's event is not its block: %s", msg.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the blocker heard nothing of its block")
	}
	for who, cl := range clients {
		select {
		case msg := <-cl.Channel():
			t.Errorf("%s got an event: %s %s", who, msg.Name, msg.Data)
		default:
		}
	}

	after := snapshot()
	for i := range reads {
		if !bytes.Equal(before[i], after[i]) {
			t.Errorf("GET %s changed for the blocked user:\n%s\n%s", reads[i], before[i], after[i])
		}
	}

	// no role but the blocker (and superusers) sees the block
	for _, role := range allRoles {
		status, body := call(t, h, "GET", "/api/collections/blocks/records/"+block["id"].(string), w.tokens[role], nil)
		want := role == roleMember || role == roleSuperuser
		if (status == 200) != want {
			t.Errorf("view of the block as %s: %d %v", role, status, body)
		}
		if _, leaked := body[collections.FieldBlockBlockedUser]; leaked && role != roleSuperuser {
			t.Errorf("%s reads blocked_user", role)
		}
	}
	status, body := call(t, h, "GET", "/api/collections/blocks/records/"+block["id"].(string), blocked, nil)
	if status != 404 {
		t.Errorf("view of the block as the blocked user: %d %v", status, body)
	}
}

// Block routes through every role: who may create a block of member2's
// membership, and what each gets.
func TestBlockCreateByRole(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	h := circlytest.Handler(t, w.app)
	want := map[string]int{
		roleAnonymous:   401,
		roleStranger:    404,
		roleOtherMember: 404,
		roleMember:      200,
		roleCreator:     200,
		roleFormer:      404, // left the circle
		roleDisabled:    403,
		roleSuperuser:   400, // the dashboard must name the blocker
	}
	for _, role := range allRoles {
		status, body := call(t, h, "POST", "/api/collections/blocks/records", w.tokens[role],
			map[string]any{"blocked_member": w.members["member2"].Id})
		if status != want[role] {
			t.Errorf("block as %s: %d %v, want %d", role, status, body, want[role])
		}
	}
	// member2 blocking itself
	status, body := call(t, h, "POST", "/api/collections/blocks/records", circlytest.Token(t, w.users["member2"]),
		map[string]any{"blocked_member": w.members["member2"].Id})
	if status != 400 {
		t.Errorf("self block: %d %v", status, body)
	}
	var n int
	if err := w.app.DB().Select("count(*)").From(collections.Blocks).Row(&n); err != nil || n != 2 {
		t.Fatalf("%d blocks (%v), want member's and creator's", n, err)
	}
	blockers, err := collections.BlockersOf(w.app, w.users["member2"].Id)
	slices.Sort(blockers)
	wantBlockers := []string{w.users[roleMember].Id, w.users[roleCreator].Id}
	slices.Sort(wantBlockers)
	if err != nil || !slices.Equal(blockers, wantBlockers) {
		t.Fatalf("blockers %v (%v), want %v", blockers, err, wantBlockers)
	}
}
