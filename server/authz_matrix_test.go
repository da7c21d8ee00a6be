package server_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circlytest"
	"circly/collections"
)

// The roles of the authorization matrix.
const (
	roleAnonymous   = "anonymous"
	roleStranger    = "stranger"     // signed in, in no circle
	roleOtherMember = "other-member" // member of another circle
	roleMember      = "member"
	roleCreator     = "creator"
	roleFormer      = "former" // left the circle after the poll started: in its electorate
	roleDisabled    = "disabled"
	roleSuperuser   = "superuser"
)

var allRoles = []string{roleAnonymous, roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleDisabled, roleSuperuser}

// matrixWorld is the data every matrix check runs against: circle C made by
// creator with member, member2 and disabled (a member whose account was
// disabled after joining) and former (left); circle D of otherMember; an
// open poll P in C; member2's vote; one outbox row.
type matrixWorld struct {
	app     *tests.TestApp
	users   map[string]*core.Record // by role (+ "member2")
	tokens  map[string]string       // by role
	members map[string]*core.Record // memberships in C by role (+ "member2")

	circle, otherCircle, poll, template, vote, elector, notification *core.Record
	options                                                          map[string]*core.Record // option naming each role's membership
}

func newMatrixWorld(t testing.TB) *matrixWorld {
	t.Helper()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	w := &matrixWorld{app: app, users: map[string]*core.Record{}, tokens: map[string]string{}, members: map[string]*core.Record{}, options: map[string]*core.Record{}}
	for _, r := range []string{roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleDisabled, "member2"} {
		w.users[r] = circlytest.CreateUser(t, app)
	}
	w.circle, w.members[roleCreator] = circlytest.CreateCircle(t, app, w.users[roleCreator], "creator")
	for _, r := range []string{roleMember, "member2", roleDisabled, roleFormer} {
		w.members[r] = circlytest.AddMember(t, app, w.circle, w.users[r], r)
	}
	w.otherCircle, _ = circlytest.CreateCircle(t, app, w.users[roleOtherMember], "other")

	w.template = circlytest.FirstTemplate(t, app)
	h := circlytest.Handler(t, app)
	status, body := call(t, h, "POST", "/api/collections/polls/records", circlytest.Token(t, w.users[roleCreator]), map[string]any{
		"circle": w.circle.Id, "template": w.template.Id, "deadline": dt(time.Hour),
	})
	if status != 200 {
		t.Fatalf("poll: %d %v", status, body)
	}
	w.poll, _ = app.FindRecordById(collections.Polls, body["id"].(string))
	opts, _ := app.FindRecordsByFilter(collections.Options, "poll = {:p}", "order", 0, 0, dbx.Params{"p": w.poll.Id})
	for _, o := range opts {
		for r, m := range w.members {
			if o.GetString("member") == m.Id {
				w.options[r] = o
			}
		}
	}
	status, body = call(t, h, "POST", "/api/collections/votes/records", circlytest.Token(t, w.users["member2"]), map[string]any{
		"poll": w.poll.Id, "option": w.options[roleMember].Id,
	})
	if status != 200 {
		t.Fatalf("vote: %d %v", status, body)
	}
	if _, ok := body["id"]; ok {
		t.Fatalf("the vote answer hands out a handle to the stored row: %v", body)
	}
	w.vote, _ = app.FindFirstRecordByFilter(collections.Votes, "poll = {:p}", dbx.Params{"p": w.poll.Id})
	w.elector, _ = app.FindFirstRecordByFilter(collections.Electors, "poll = {:p} && user = {:u}", dbx.Params{"p": w.poll.Id, "u": w.users[roleMember].Id})
	if w.vote == nil || w.elector == nil {
		t.Fatal("matrix world: no vote or elector row")
	}

	// former leaves after the poll started; disabled is disabled by an operator
	w.members[roleFormer].Set("is_active", false)
	if err := app.Save(w.members[roleFormer]); err != nil {
		t.Fatal(err)
	}
	w.users[roleDisabled].Set("is_active", false)
	if err := app.Save(w.users[roleDisabled]); err != nil {
		t.Fatal(err)
	}

	notifications, _ := app.FindCollectionByNameOrId(collections.Notifications)
	w.notification = core.NewRecord(notifications)
	w.notification.Load(map[string]any{"poll": w.poll.Id, "kind": collections.KindPollStarted, "status": collections.NotificationPending, "due_at": types.NowDateTime()})
	if err := app.Save(w.notification); err != nil {
		t.Fatal(err)
	}

	for r, u := range w.users {
		w.tokens[r] = circlytest.Token(t, u)
	}
	w.tokens[roleSuperuser] = circlytest.SuperuserHeader(t, app)["Authorization"]
	w.tokens[roleAnonymous] = ""
	return w
}

// TestAuthorizationMatrixCoversEveryCollection fails when a collection is
// added without rows in the matrix.
func TestAuthorizationMatrixCoversEveryCollection(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	all, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		if c.System || strings.HasPrefix(c.Name, "_") {
			continue
		}
		if _, ok := matrix[c.Name]; !ok {
			t.Errorf("collection %q has no row in the authorization matrix", c.Name)
		}
	}
	for name := range matrix {
		if !slices.Contains(collections.All, name) {
			t.Errorf("matrix row %q is not a Circly collection", name)
		}
	}
}

// TestAuthorizationMatrix checks every role against every operation of
// every collection: list, view, create, update, delete and realtime.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	read := newMatrixWorld(t)
	h := circlytest.Handler(t, read.app)

	for _, name := range collections.All {
		c := matrix[name]
		target := c.target(read)
		base := "/api/collections/" + name + "/records"
		for _, role := range allRoles {
			token := read.tokens[role]
			// list: allowed roles see the target; the others see nothing of it
			status, body := call(t, h, "GET", base+"?perPage=500&filter="+url.QueryEscape(`id="`+target.Id+`"`), token, nil)
			sees := status == 200 && body["totalItems"].(float64) == 1
			if sees != slices.Contains(c.list, role) {
				t.Errorf("%s list as %s: status %d, sees=%v", name, role, status, sees)
			}
			if status >= 500 {
				t.Errorf("%s list as %s: %d", name, role, status)
			}
			status, _ = call(t, h, "GET", base+"/"+target.Id, token, nil)
			if (status == 200) != slices.Contains(c.view, role) || status >= 500 {
				t.Errorf("%s view as %s: status %d", name, role, status)
			}
		}
	}

	// writes: the roles that must be refused share one world per collection
	// and operation (a refusal changes nothing); each role allowed to delete
	// gets a fresh world, so one deletion does not decide another's outcome
	for _, name := range collections.All {
		c := matrix[name]
		for _, op := range []string{"create", "update", "delete"} {
			t.Run(name+"/"+op, func(t *testing.T) {
				shared := newMatrixWorld(t)
				for _, role := range allRoles {
					w := shared
					if op == "delete" && slices.Contains(c.del, role) {
						w = newMatrixWorld(t)
					}
					wh := circlytest.Handler(t, w.app)
					target := c.target(w)
					base := "/api/collections/" + name + "/records"
					var status int
					var body map[string]any
					var allowed []string
					switch op {
					case "create":
						status, body = call(t, wh, "POST", base, w.tokens[role], c.createBody(w, role))
						allowed = c.create
					case "update":
						status, body = call(t, wh, "PATCH", base+"/"+target.Id, w.tokens[role], c.updateBody(w))
						allowed = c.update
					case "delete":
						status, body = call(t, wh, "DELETE", base+"/"+target.Id, w.tokens[role], nil)
						allowed = c.del
					}
					ok := status >= 200 && status < 300
					if ok != slices.Contains(allowed, role) || status >= 500 {
						t.Errorf("%s %s as %s: status %d %v", name, op, role, status, body)
					}
				}
			})
		}
	}
}

// subscribeRoles registers one realtime client per role (signed in as
// that role's user, su for the superuser, nobody for anonymous),
// subscribed to topics.
func (w *matrixWorld) subscribeRoles(su *core.Record, topics ...string) map[string]*subscriptions.DefaultClient {
	clients := map[string]*subscriptions.DefaultClient{}
	for _, role := range allRoles {
		cl := subscriptions.NewDefaultClient()
		switch role {
		case roleAnonymous:
		case roleSuperuser:
			cl.Set(apis.RealtimeClientAuthKey, su)
		default:
			cl.Set(apis.RealtimeClientAuthKey, w.users[role])
		}
		cl.Subscribe(topics...)
		w.app.SubscriptionsBroker().Register(cl)
		clients[role] = cl
	}
	return clients
}

// TestAuthorizationMatrixRealtime: a change to each collection's target
// reaches exactly the roles that may view it.
func TestAuthorizationMatrixRealtime(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	su, _ := w.app.FindAuthRecordByToken(w.tokens[roleSuperuser])

	for _, name := range collections.All {
		c := matrix[name]
		target := c.target(w)
		clients := w.subscribeRoles(su, name+"/*", name+"/"+target.Id)

		fresh, err := w.app.FindRecordById(name, target.Id)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.app.SaveNoValidate(fresh); err != nil {
			t.Fatal(err)
		}

		// events are sent right after the save; give them one short window
		time.Sleep(150 * time.Millisecond)
		for role, cl := range clients {
			got := 0
		drain:
			for {
				select {
				case <-cl.Channel():
					got++
				default:
					break drain
				}
			}
			want := slices.Contains(c.view, role)
			if (got > 0) != want {
				t.Errorf("%s realtime as %s: %d events, want events=%v", name, role, got, want)
			}
			w.app.SubscriptionsBroker().Unregister(cl.Id())
		}
	}
}

// routeCheck is one custom route called by one role.
type routeCheck struct {
	name, method string
	path         func(w *matrixWorld) string
	body         func(w *matrixWorld, role string) map[string]any
	allowed      []string
}

// TestAuthorizationMatrixRoutes checks every custom route for every role.
func TestAuthorizationMatrixRoutes(t *testing.T) {
	t.Parallel()
	everyoneButDisabled := roles(roleAnonymous, roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleSuperuser)
	signedInUsers := roles(roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer)
	checks := []routeCheck{
		{"device login", "POST", func(w *matrixWorld) string { return "/api/circly/auth/device" },
			func(w *matrixWorld, role string) map[string]any {
				return map[string]any{"device_id": "route-device-" + fmt.Sprint(time.Now().UnixNano()), "device_secret": strings.Repeat("s", 40)}
			}, everyoneButDisabled},
		{"join", "POST", func(w *matrixWorld) string { return "/api/circly/circles/join" },
			func(w *matrixWorld, role string) map[string]any {
				return map[string]any{"invite_code": w.circle.GetString("invite_code"), "nickname": "joiner " + role}
			}, roles(roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer)},
		{"new invite", "POST", func(w *matrixWorld) string { return "/api/circly/circles/" + w.circle.Id + "/invite" }, nil, roles(roleCreator)},
		{"leave", "POST", func(w *matrixWorld) string { return "/api/circly/circles/" + w.circle.Id + "/leave" }, nil, roles(roleMember, roleCreator)},
		{"remove", "POST", func(w *matrixWorld) string { return "/api/circly/circles/" + w.circle.Id + "/remove" },
			func(w *matrixWorld, role string) map[string]any {
				return map[string]any{"member": w.members["member2"].Id}
			}, roles(roleCreator)},
		{"results", "GET", func(w *matrixWorld) string { return "/api/circly/polls/" + w.poll.Id + "/results" }, nil, roles(roleMember, roleCreator, roleFormer)},
		// every app user has a feed and an inbox (empty for a stranger)
		{"feed", "GET", func(w *matrixWorld) string { return "/api/circly/feed" }, nil, signedInUsers},
		{"picks", "GET", func(w *matrixWorld) string { return "/api/circly/me/picks" }, nil, signedInUsers},
		{"invite preview", "GET", func(w *matrixWorld) string { return "/api/circly/invites/" + w.circle.GetString("invite_link_id") }, nil, everyoneButDisabled},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			// refused roles first, then the allowed ones, in one world: the
			// allowed calls of each route do not interfere with one another
			w := newMatrixWorld(t)
			h := circlytest.Handler(t, w.app)
			ordered := slices.Clone(allRoles)
			slices.SortStableFunc(ordered, func(a, b string) int {
				return boolInt(slices.Contains(c.allowed, a)) - boolInt(slices.Contains(c.allowed, b))
			})
			for _, role := range ordered {
				var body map[string]any
				if c.body != nil {
					body = c.body(w, role)
				}
				status, res := call(t, h, c.method, c.path(w), w.tokens[role], body)
				ok := status >= 200 && status < 300
				if ok != slices.Contains(c.allowed, role) || status >= 500 {
					t.Errorf("%s as %s: status %d %v", c.name, role, status, res)
				}
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
