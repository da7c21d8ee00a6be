package blocks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// fixture: circle C made by creator, with blocker, target and other as
// members and former (left); circle E elsewhere of outsider; blocker has
// already blocked target. stranger is in no circle.
type fixture struct {
	app                                                       *tests.TestApp
	creator, blocker, target, other, former, stranger, outsid *core.Record
	circle, elsewhere                                         *core.Record
	mCreator, mBlocker, mTarget, mOther, mFormer, mOutsider   *core.Record
	block                                                     *core.Record
}

func newFixture(t testing.TB, app *tests.TestApp) *fixture {
	t.Helper()
	f := &fixture{app: app}
	f.creator = circlytest.CreateUser(t, app)
	f.blocker = circlytest.CreateUser(t, app)
	f.target = circlytest.CreateUser(t, app)
	f.other = circlytest.CreateUser(t, app)
	f.former = circlytest.CreateUser(t, app)
	f.stranger = circlytest.CreateUser(t, app)
	f.outsid = circlytest.CreateUser(t, app)
	f.circle, f.mCreator = circlytest.CreateCircle(t, app, f.creator, "creator")
	f.mBlocker = circlytest.AddMember(t, app, f.circle, f.blocker, "blocker")
	f.mTarget = circlytest.AddMember(t, app, f.circle, f.target, "target")
	f.mOther = circlytest.AddMember(t, app, f.circle, f.other, "other")
	f.mFormer = circlytest.AddMember(t, app, f.circle, f.former, "former")
	f.mFormer.Set(collections.FieldMemberIsActive, false)
	if err := app.Save(f.mFormer); err != nil {
		t.Fatal(err)
	}
	f.elsewhere, f.mOutsider = circlytest.CreateCircle(t, app, f.outsid, "outsider")
	f.block = saveBlock(t, app, f.blocker, f.mTarget)
	return f
}

// saveBlock stores a block as the create hook would (blocked_user is
// filled by the model hook).
func saveBlock(t testing.TB, app core.App, blocker, member *core.Record) *core.Record {
	t.Helper()
	col, err := app.FindCachedCollectionByNameOrId(collections.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	b := collections.AsBlock(core.NewRecord(col))
	b.SetBlocker(blocker.Id)
	b.SetBlockedMember(member.Id)
	if err := app.Save(b); err != nil {
		t.Fatal(err)
	}
	return b.Record
}

func countBlocks(t testing.TB, app core.App, blocker string) int {
	t.Helper()
	n, err := app.CountRecords(collections.Blocks, dbx.HashExp{collections.FieldBlockBlocker: blocker})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

type scenario struct {
	name, method string
	url          func(f *fixture) string
	as           func(f *fixture) *core.Record // nil: anonymous
	superuser    bool
	body         func(f *fixture) string
	status       int
	contains     []string
	notContains  []string
	after        func(t testing.TB, f *fixture, body map[string]any)
}

const blocksURL = "/api/collections/blocks/records"

func fixed(s string) func(*fixture) string { return func(*fixture) string { return s } }
func blockURL(f *fixture) string           { return blocksURL + "/" + f.block.Id }
func listURL(f *fixture) string            { return blocksURL + "?perPage=100" }
func memberBody(m func(*fixture) *core.Record) func(*fixture) string {
	return func(f *fixture) string { return `{"blocked_member":"` + m(f).Id + `"}` }
}

func asBlocker(f *fixture) *core.Record  { return f.blocker }
func asTarget(f *fixture) *core.Record   { return f.target }
func asOther(f *fixture) *core.Record    { return f.other }
func asCreator(f *fixture) *core.Record  { return f.creator }
func asStranger(f *fixture) *core.Record { return f.stranger }
func asFormer(f *fixture) *core.Record   { return f.former }

func (c scenario) run(t *testing.T) {
	var f *fixture
	s := &tests.ApiScenario{
		Name:               c.name,
		Method:             c.method,
		ExpectedStatus:     c.status,
		ExpectedContent:    c.contains,
		NotExpectedContent: c.notContains,
	}
	if c.status != http.StatusNoContent && len(c.contains) == 0 {
		s.ExpectedContent = []string{`"`}
	}
	s.TestAppFactory = func(t testing.TB) *tests.TestApp {
		app := circlytest.NewTestApp(t)
		app.Settings().RateLimits.Enabled = false
		f = newFixture(t, app)
		s.URL = c.url(f)
		s.Headers = map[string]string{"Content-Type": "application/json"}
		switch {
		case c.superuser:
			s.Headers["Authorization"] = circlytest.SuperuserHeader(t, app)["Authorization"]
		case c.as != nil:
			s.Headers["Authorization"] = circlytest.Token(t, c.as(f))
		}
		if c.body != nil {
			s.Body = strings.NewReader(c.body(f))
		}
		return app
	}
	s.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if c.after == nil {
			return
		}
		var body map[string]any
		raw, _ := io.ReadAll(res.Body)
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("response is not a JSON object: %v\n%s", err, raw)
			}
		}
		c.after(t, f, body)
	}
	s.Test(t)
}

func TestBlocksCollection(t *testing.T) {
	t.Parallel()
	scenarios := []scenario{
		// reading: the blocker only, never the hidden blocked_user
		{name: "the blocker lists its block", method: "GET", url: listURL, as: asBlocker, status: 200,
			contains: []string{`"totalItems":1`, `"blocked_member":"`}, notContains: []string{"blocked_user"},
			after: func(t testing.TB, f *fixture, body map[string]any) {
				item := body["items"].([]any)[0].(map[string]any)
				if item["id"] != f.block.Id || item["blocker"] != f.blocker.Id || item["blocked_member"] != f.mTarget.Id {
					t.Fatalf("item %v", item)
				}
			}},
		{name: "the blocker views its block", method: "GET", url: blockURL, as: asBlocker, status: 200,
			contains: []string{`"blocker":"`}, notContains: []string{"blocked_user"}},
		{name: "the blocked user lists nothing", method: "GET", url: listURL, as: asTarget, status: 200,
			contains: []string{`"totalItems":0`}},
		{name: "the blocked user cannot view the block", method: "GET", url: blockURL, as: asTarget, status: 404},
		{name: "nobody but superusers filters by the hidden blocked_user", method: "GET",
			url: func(f *fixture) string {
				return blocksURL + "?filter=" + circlytest.Q(`blocked_user="`+f.target.Id+`"`)
			}, as: asTarget, status: 400},
		{name: "another member lists nothing", method: "GET", url: listURL, as: asOther, status: 200,
			contains: []string{`"totalItems":0`}},
		{name: "another member cannot view the block", method: "GET", url: blockURL, as: asOther, status: 404},
		{name: "the circle's creator cannot view the block", method: "GET", url: blockURL, as: asCreator, status: 404},
		{name: "a stranger lists nothing", method: "GET", url: listURL, as: asStranger, status: 200,
			contains: []string{`"totalItems":0`}},
		{name: "a stranger cannot view the block", method: "GET", url: blockURL, as: asStranger, status: 404},
		{name: "anonymous lists nothing", method: "GET", url: listURL, status: 200, contains: []string{`"totalItems":0`}},
		{name: "anonymous cannot view the block", method: "GET", url: blockURL, status: 404},
		{name: "a superuser sees blocked_user", method: "GET", url: blockURL, superuser: true, status: 200,
			contains: []string{`"blocked_user":"`}},

		// creating
		{name: "a member blocks another member", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: memberBody(func(f *fixture) *core.Record { return f.mOther }), status: 200,
			contains: []string{`"blocked_member":"`}, notContains: []string{"blocked_user"},
			after: func(t testing.TB, f *fixture, body map[string]any) {
				if body["blocker"] != f.blocker.Id || body["blocked_member"] != f.mOther.Id {
					t.Fatalf("answer %v", body)
				}
				b, err := collections.FindBlock(f.app, f.blocker.Id, f.mOther.Id)
				if err != nil || b == nil || b.BlockedUser() != f.other.Id || b.Id != body["id"] {
					t.Fatalf("stored block %v, %v", b, err)
				}
			}},
		{name: "blocking the same member again answers the existing block", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: memberBody(func(f *fixture) *core.Record { return f.mTarget }), status: 200,
			notContains: []string{"blocked_user"},
			after: func(t testing.TB, f *fixture, body map[string]any) {
				if body["id"] != f.block.Id {
					t.Fatalf("answer %v, want the existing block %s", body["id"], f.block.Id)
				}
				if n := countBlocks(t, f.app, f.blocker.Id); n != 1 {
					t.Fatalf("%d blocks", n)
				}
			}},
		{name: "a member who left can be blocked (kept from rejoining)", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: memberBody(func(f *fixture) *core.Record { return f.mFormer }), status: 200},
		{name: "blocking oneself is refused", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: memberBody(func(f *fixture) *core.Record { return f.mBlocker }), status: 400,
			contains: []string{`"validation_cannot_block_self"`}},
		{name: "a membership of a circle the caller is not in is not found", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: memberBody(func(f *fixture) *core.Record { return f.mOutsider }), status: 404,
			after: func(t testing.TB, f *fixture, _ map[string]any) {
				if n := countBlocks(t, f.app, f.blocker.Id); n != 1 {
					t.Fatalf("%d blocks", n)
				}
			}},
		{name: "an unknown membership is not found", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: fixed(`{"blocked_member":"nosuchmember123"}`), status: 404},
		{name: "a former member cannot block in its old circle", method: "POST", url: fixed(blocksURL), as: asFormer,
			body: memberBody(func(f *fixture) *core.Record { return f.mTarget }), status: 404},
		{name: "a stranger cannot block a member", method: "POST", url: fixed(blocksURL), as: asStranger,
			body: memberBody(func(f *fixture) *core.Record { return f.mTarget }), status: 404},
		{name: "blocked_member is required", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: fixed(`{}`), status: 400, contains: []string{`"blocked_member"`, `"validation_required"`}},
		{name: "the blocker is the server's", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: func(f *fixture) string {
				return `{"blocked_member":"` + f.mOther.Id + `","blocker":"` + f.other.Id + `"}`
			}, status: 400, contains: []string{`"blocker"`, `"validation_field_not_writable"`},
			after: func(t testing.TB, f *fixture, _ map[string]any) {
				if n := countBlocks(t, f.app, f.other.Id); n != 0 {
					t.Fatalf("%d blocks made for someone else", n)
				}
			}},
		// PocketBase drops hidden fields from a user's body; the server sets it
		{name: "a sent blocked_user is ignored", method: "POST", url: fixed(blocksURL), as: asBlocker,
			body: func(f *fixture) string {
				return `{"blocked_member":"` + f.mOther.Id + `","blocked_user":"` + f.creator.Id + `"}`
			}, status: 200, notContains: []string{"blocked_user"},
			after: func(t testing.TB, f *fixture, body map[string]any) {
				b, err := collections.FindBlock(f.app, f.blocker.Id, f.mOther.Id)
				if err != nil || b == nil || b.BlockedUser() != f.other.Id {
					t.Fatalf("stored block %v, %v", b, err)
				}
			}},
		{name: "anonymous cannot block", method: "POST", url: fixed(blocksURL),
			body: memberBody(func(f *fixture) *core.Record { return f.mTarget }), status: 401},

		// updating: nobody
		{name: "the blocker cannot update its block", method: "PATCH", url: blockURL, as: asBlocker,
			body: memberBody(func(f *fixture) *core.Record { return f.mOther }), status: 403},
		{name: "the blocked user cannot update the block", method: "PATCH", url: blockURL, as: asTarget,
			body: memberBody(func(f *fixture) *core.Record { return f.mOther }), status: 403},

		// deleting: the blocker
		{name: "the blocker deletes its block", method: "DELETE", url: blockURL, as: asBlocker, status: 204,
			after: func(t testing.TB, f *fixture, _ map[string]any) {
				if n := countBlocks(t, f.app, f.blocker.Id); n != 0 {
					t.Fatalf("%d blocks left", n)
				}
			}},
		{name: "the blocked user cannot delete the block", method: "DELETE", url: blockURL, as: asTarget, status: 404,
			after: func(t testing.TB, f *fixture, _ map[string]any) {
				if n := countBlocks(t, f.app, f.blocker.Id); n != 1 {
					t.Fatalf("%d blocks left", n)
				}
			}},
		{name: "another member cannot delete the block", method: "DELETE", url: blockURL, as: asOther, status: 404},
		{name: "a stranger cannot delete the block", method: "DELETE", url: blockURL, as: asStranger, status: 404},
		{name: "anonymous cannot delete the block", method: "DELETE", url: blockURL, status: 404},
	}
	for _, c := range scenarios {
		c.run(t)
	}
}

// Two clients (one phone double-tapping) block the same member at the
// same moment: both get 200 with one and the same block.
func TestBlockTwiceConcurrently(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	f := newFixture(t, app)
	h := circlytest.Handler(t, app)
	token := circlytest.Token(t, f.blocker)

	const n = 8
	ids := make([]string, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: blocksURL, Token: token,
				Body: map[string]any{"blocked_member": f.mOther.Id}})
			statuses[i] = rec.Code
			var body map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			ids[i], _ = body["id"].(string)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if statuses[i] != 200 || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("request %d: %d %q (first %q)", i, statuses[i], ids[i], ids[0])
		}
	}
	if n, err := app.CountRecords(collections.Blocks, dbx.HashExp{
		collections.FieldBlockBlocker: f.blocker.Id, collections.FieldBlockBlockedMember: f.mOther.Id,
	}); err != nil || n != 1 {
		t.Fatalf("%d rows, %v", n, err)
	}
}

// The block follows the person: deleting the blocked membership's row (a
// superuser in the dashboard) empties blocked_member and keeps the block;
// deleting the blocked account deletes it; so does deleting the blocker.
func TestBlockSurvivesItsMembershipRow(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newFixture(t, app)

	if err := app.Delete(f.mTarget); err != nil {
		t.Fatal(err)
	}
	b, err := app.FindRecordById(collections.Blocks, f.block.Id)
	if err != nil {
		t.Fatal(err)
	}
	if blk := collections.AsBlock(b); blk.BlockedMember() != "" || blk.BlockedUser() != f.target.Id {
		t.Fatalf("block after the membership's deletion: member %q user %q", blk.BlockedMember(), blk.BlockedUser())
	}
	if ok, err := collections.HasBlocked(app, f.blocker.Id, f.target.Id); err != nil || !ok {
		t.Fatalf("HasBlocked = %v, %v", ok, err)
	}

	if err := app.Delete(f.target); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, app, f.blocker.Id); n != 0 {
		t.Fatalf("%d blocks of a deleted account", n)
	}

	saveBlock(t, app, f.blocker, f.mOther)
	if err := app.Delete(f.blocker); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, app, f.blocker.Id); n != 0 {
		t.Fatalf("%d blocks of a deleted blocker", n)
	}
}

// The race made certain: another request's block is committed between
// this request's check and its insert (stood in for by a request hook
// bound after the blocks package's, which saves it first). The unique index refuses the second row and the answer
// is the block that won, with 200.
func TestBlockRaceAnswersTheWinner(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newFixture(t, app)
	h := circlytest.Handler(t, app)

	var once sync.Once
	var winner *core.Record
	app.OnRecordCreateRequest(collections.Blocks).BindFunc(func(e *core.RecordRequestEvent) error {
		once.Do(func() { winner = saveBlock(t, e.App, f.blocker, f.mOther) })
		return e.Next()
	})

	status, body := circlytest.Call(t, h, "POST", blocksURL, circlytest.Token(t, f.blocker), map[string]any{"blocked_member": f.mOther.Id})
	if status != 200 || winner == nil || body["id"] != winner.Id {
		t.Fatalf("%d %v, want the winner's block", status, body)
	}
	if n := countBlocks(t, app, f.blocker.Id); n != 2 { // the target's and the winner
		t.Fatalf("%d blocks", n)
	}
}
