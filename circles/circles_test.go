package circles_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/circles"
	"circly/circlytest"
	"circly/collections"
)

func TestCirclesCollectionRead(t *testing.T) {
	t.Parallel()

	runScenarios(t, []scenario{
		{name: "anonymous lists no circles", method: "GET", url: circlesURL, auth: anonymous,
			status: 200, contains: []string{`"totalItems":0`}},
		{name: "a stranger lists only its own circle", method: "GET", url: circlesURL, auth: asStranger,
			status: 200, contains: []string{`"totalItems":1`},
			after: func(t testing.TB, f *circleFixture, b map[string]any) {
				items := b["items"].([]any)
				if items[0].(map[string]any)["id"] != f.otherCircle.Id {
					t.Fatalf("stranger sees %v", items)
				}
			}},
		{name: "a member lists the circle", method: "GET", url: circlesURL, auth: asMember,
			status: 200, contains: []string{`"totalItems":1`}},
		{name: "the creator lists the circle", method: "GET", url: circlesURL, auth: asCreator,
			status: 200, contains: []string{`"totalItems":1`}},
		{name: "a former member lists nothing", method: "GET", url: circlesURL, auth: asFormer,
			status: 200, contains: []string{`"totalItems":0`}},
		{name: "anonymous cannot view", method: "GET", url: circleURL, auth: anonymous, status: 404},
		{name: "a stranger cannot view", method: "GET", url: circleURL, auth: asStranger, status: 404},
		{name: "a former member cannot view", method: "GET", url: circleURL, auth: asFormer, status: 404},
		{name: "a member views the circle and its invite", method: "GET", url: circleURL, auth: asMember,
			status: 200, contains: []string{`"invite_code":"`, `"invite_link_id":"`, `"invite_expires_at":"`, `"max_members":50`},
			events: map[string]int{"*": 0, "OnRecordViewRequest": 1, "OnRecordEnrich": 1}},
		{name: "the creator views the circle", method: "GET", url: circleURL, auth: asCreator, status: 200},
		{name: "an inactive circle is hidden from its members", method: "GET", url: circleURL, auth: asMember,
			setup: func(t testing.TB, f *circleFixture) {
				f.circle.Set("is_active", false)
				if err := f.app.Save(f.circle); err != nil {
					t.Fatal(err)
				}
			}, status: 404},
	})
}

func TestCirclesCreate(t *testing.T) {
	t.Parallel()

	create := func(b string) scenario {
		return scenario{method: "POST", url: circlesURL, auth: asStranger, body: body(b)}
	}
	circlesOf := func(t testing.TB, app core.App, userId string) []*core.Record {
		t.Helper()
		rs, err := app.FindAllRecords(collections.Circles, dbx.HashExp{"creator": userId})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}

	cases := []scenario{
		{name: "anonymous cannot create", method: "POST", url: circlesURL, auth: anonymous,
			body: body(`{"name":"x","nickname":"me"}`), status: 401,
			after: func(t testing.TB, f *circleFixture, _ map[string]any) {
				if n, _ := f.app.CountRecords(collections.Circles); n != 2 {
					t.Fatalf("circles = %d", n)
				}
			}},
	}

	c := create(`{"name":"Weekend crew","nickname":"  Ｍｉｎｊｉ  ","member_count":7,"invite_code":"AAAAAA","invite_link_id":"` + strings.Repeat("a", 24) + `","creator":"someone","is_active":false,"invite_expires_at":"2099-01-01 00:00:00.000Z"}`)
	c.name = "a signed-in user creates a circle and becomes its first member"
	c.status = 200
	c.contains = []string{`"name":"Weekend crew"`, `"max_members":50`, `"is_active":true`}
	c.notContains = []string{`"invite_code":"AAAAAA"`, `"nickname"`, strings.Repeat("a", 24), "2099-01-01"}
	c.events = map[string]int{
		"*":                          0,
		"OnRecordCreateRequest":      1,
		"OnRecordEnrich":             1,
		"OnModelCreate":              2,
		"OnModelCreateExecute":       2,
		"OnModelAfterCreateSuccess":  2,
		"OnModelValidate":            2,
		"OnRecordCreate":             2,
		"OnRecordCreateExecute":      2,
		"OnRecordAfterCreateSuccess": 2,
		"OnRecordValidate":           2,
	}
	c.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		id, _ := b["id"].(string)
		circle, err := f.app.FindRecordById(collections.Circles, id)
		if err != nil {
			t.Fatal(err)
		}
		if circle.GetString("creator") != f.stranger.Id {
			t.Fatalf("creator = %q, want the requester", circle.GetString("creator"))
		}
		if b["creator"] != f.stranger.Id {
			t.Fatalf("response creator = %v", b["creator"])
		}
		code := circle.GetString("invite_code")
		if len(code) != 6 || code == "AAAAAA" || strings.ContainsAny(code, "0O1I") {
			t.Fatalf("invite_code = %q", code)
		}
		if len(circle.GetString("invite_link_id")) != 24 {
			t.Fatalf("invite_link_id = %q", circle.GetString("invite_link_id"))
		}
		expires := circle.GetDateTime("invite_expires_at").Time()
		if d := time.Until(expires); d < 23*time.Hour || d > 25*time.Hour {
			t.Fatalf("invite expires in %v, want 24h", d)
		}
		m, err := f.app.FindFirstRecordByFilter(collections.Members, "circle = {:c}", dbx.Params{"c": id})
		if err != nil {
			t.Fatal(err)
		}
		if m.GetString("user") != f.stranger.Id || !m.GetBool("is_active") || m.GetDateTime("joined").IsZero() {
			t.Fatalf("creator membership = %v", m.FieldsData())
		}
		if m.GetString("nickname") != "Minji" || m.GetString("nickname_key") != circles.NicknameKey("minji") {
			t.Fatalf("nickname = %q key = %q, want Minji/minji", m.GetString("nickname"), m.GetString("nickname_key"))
		}
		if b["member_count"] != float64(1) || circle.GetInt("member_count") != 1 {
			t.Fatalf("member_count: answer %v, stored %d; want 1 (the creator)", b["member_count"], circle.GetInt("member_count"))
		}
		memberCountsHold(t, f.app)
	}
	cases = append(cases, c)

	c = create(`{"name":"Small","nickname":"me","max_members":10}`)
	c.name = "max_members can be chosen"
	c.status = 200
	c.contains = []string{`"max_members":10`}
	cases = append(cases, c)

	for _, bad := range []struct{ name, body, field string }{
		{"missing nickname", `{"name":"No nick"}`, `"nickname":{"code":"validation_required"`},
		{"blank nickname", `{"name":"No nick","nickname":"   "}`, `"nickname":{"code":"validation_required"`},
		{"nickname with a zero-width space", `{"name":"x","nickname":"a\u200bb"}`, `"nickname":{"code":"validation_invalid_nickname"`},
		{"nickname too long", `{"name":"x","nickname":"` + strings.Repeat("가", 21) + `"}`, `"nickname":{"code":"validation_length_out_of_range"`},
		{"max_members below 2", `{"name":"x","nickname":"me","max_members":1}`, `"max_members":{"code":"validation_min_number_constraint"`},
		{"max_members above 50", `{"name":"x","nickname":"me","max_members":51}`, `"max_members":{"code":"validation_max_number_constraint"`},
		{"missing name", `{"nickname":"me"}`, `"name":{"code":"validation_required"`},
		{"name too long", `{"name":"` + strings.Repeat("n", 101) + `","nickname":"me"}`, `"name":{"code":"validation_max_text_constraint"`},
	} {
		c := create(bad.body)
		c.name = "refused: " + bad.name
		c.status = 400
		c.contains = []string{bad.field}
		c.after = func(t testing.TB, f *circleFixture, _ map[string]any) {
			if rs := circlesOf(t, f.app, f.stranger.Id); len(rs) != 1 {
				t.Fatalf("a refused create left a circle behind: %d circles", len(rs))
			}
			if n := activeMembers(t, f.app, f.otherCircle.Id); n != 1 {
				t.Fatalf("members of the stranger's circle = %d", n)
			}
		}
		cases = append(cases, c)
	}

	c = create(`{"name":"Doomed","nickname":"me"}`)
	c.name = "a failing membership leaves no circle behind"
	c.setup = func(t testing.TB, f *circleFixture) {
		f.app.OnRecordCreate(collections.Members).BindFunc(func(e *core.RecordEvent) error {
			return errors.New("membership store failed")
		})
	}
	c.status = 500
	c.notContains = []string{"membership store failed"}
	c.after = func(t testing.TB, f *circleFixture, _ map[string]any) {
		if rs, _ := f.app.FindAllRecords(collections.Circles, dbx.HashExp{"name": "Doomed"}); len(rs) != 0 {
			t.Fatal("the circle was kept without its creator's membership")
		}
	}
	cases = append(cases, c)

	cases = append(cases, scenario{
		name: "a circle is created with an image as multipart form data", method: "POST", url: circlesURL, auth: asStranger,
		multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
			return multipartFile(t, "image", "group.png", "image/png", pngFile(t),
				[2]string{"name", "With picture"}, [2]string{"nickname", "007"}, [2]string{"max_members", "12"})
		},
		status: 200, contains: []string{`"name":"With picture"`, `"image":"group_`, `"max_members":12`},
		after: func(t testing.TB, f *circleFixture, b map[string]any) {
			m := membershipOf(t, f.app, b["id"].(string), f.stranger.Id)
			if m == nil || m.GetString("nickname") != "007" {
				t.Fatal("the creator's membership or its nickname is wrong")
			}
		},
	})

	cases = append(cases, scenario{
		name: "a superuser creates a circle in the dashboard without a membership", method: "POST", url: circlesURL,
		auth: asSuperuser, body: body(`{"name":"Admin circle","is_active":true}`), status: 200,
		contains: []string{`"name":"Admin circle"`, `"max_members":50`},
		after: func(t testing.TB, f *circleFixture, b map[string]any) {
			if code, _ := b["invite_code"].(string); len(code) != 6 {
				t.Fatalf("invite_code = %v", b["invite_code"])
			}
			if n := activeMembers(t, f.app, b["id"].(string)); n != 0 {
				t.Fatalf("members = %d", n)
			}
		},
	})

	runScenarios(t, cases)
}

func TestCirclesUpdate(t *testing.T) {
	t.Parallel()

	patch := func(name string, auth func(*circleFixture) map[string]string, b string, status int, contains ...string) scenario {
		return scenario{name: name, method: "PATCH", url: circleURL, auth: auth, body: body(b), status: status, contains: contains}
	}
	unchanged := func(t testing.TB, f *circleFixture, _ map[string]any) {
		c := f.reload(t, f.circle)
		if c.GetInt("member_count") != activeMembers(t, f.app, f.circle.Id) {
			t.Fatalf("member_count = %d", c.GetInt("member_count"))
		}
		if c.GetString("name") != f.circle.GetString("name") || c.GetInt("max_members") != 50 ||
			c.GetString("invite_code") != f.circle.GetString("invite_code") || c.GetString("creator") != f.creator.Id {
			t.Fatalf("circle changed: %v", c.FieldsData())
		}
	}

	cases := []scenario{
		patch("anonymous cannot update", anonymous, `{"name":"x"}`, 404),
		patch("a stranger cannot update", asStranger, `{"name":"x"}`, 404),
		patch("a member who is not the creator cannot update", asMember, `{"name":"x"}`, 403,
			`"message":"Only the circle's creator can change the circle's name, max_members or image."`),
		patch("a former member cannot update", asFormer, `{"name":"x"}`, 404),
		patch("the creator renames the circle", asCreator, `{"name":"Renamed"}`, 200, `"name":"Renamed"`),
		patch("the creator lowers max_members to the member count", asCreator, `{"max_members":2}`, 200, `"max_members":2`),
		patch("max_members below the member count is refused", asCreator, `{"max_members":1}`, 400, `"max_members":{"code":"validation_max_members_below_count"`),
		patch("the creator raises max_members", asCreator, `{"name":"Big","max_members":40}`, 200, `"max_members":40`),
		patch("invite_code is not writable", asCreator, `{"invite_code":"ABCDEF"}`, 400, `"invite_code":{"code":"validation_field_not_writable"`),
		patch("invite_link_id is not writable", asCreator, `{"invite_link_id":"`+strings.Repeat("b", 24)+`"}`, 400, `"invite_link_id":{"code":"validation_field_not_writable"`),
		patch("invite_expires_at is not writable", asCreator, `{"invite_expires_at":"2099-01-01 00:00:00.000Z"}`, 400, `"invite_expires_at":{"code":"validation_field_not_writable"`),
		patch("creator is not writable", asCreator, `{"creator":"`+"x"+`"}`, 400, `"creator":{"code":"validation_field_not_writable"`),
		patch("is_active is not writable", asCreator, `{"is_active":false}`, 400, `"is_active":{"code":"validation_field_not_writable"`),
		patch("member_count is not writable", asCreator, `{"member_count":9}`, 400, `"member_count":{"code":"validation_field_not_writable"`),
	}
	for i := range cases {
		if cases[i].status != 200 {
			cases[i].after = unchanged
		}
	}

	// a third active member makes the count 3: max_members 2 is then too low
	third := patch("max_members below the active member count is refused with the count", asCreator, `{"max_members":2}`, 400,
		`"max_members":{"code":"validation_max_members_below_count","message":"Must be at least 3, the current member count."`)
	third.setup = func(t testing.TB, f *circleFixture) {
		circlytest.AddMember(t, f.app, f.circle, circlytest.CreateUser(t, f.app), "Third")
	}
	third.after = unchanged
	cases = append(cases, third)

	cases = append(cases,
		scenario{name: "the creator uploads a png image", method: "PATCH", url: circleURL, auth: asCreator,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "image", "circle.png", "image/png", pngFile(t))
			},
			status: 200, contains: []string{`"image":"circle_`}},
		scenario{name: "a text file is refused as image", method: "PATCH", url: circleURL, auth: asCreator,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "image", "notes.txt", "text/plain", []byte("just text"))
			},
			status: 400, contains: []string{`"image":{"code":"validation_invalid_mime_type"`}},
	)

	runScenarios(t, cases)
}

func TestCirclesDelete(t *testing.T) {
	t.Parallel()

	kept := func(t testing.TB, f *circleFixture, _ map[string]any) {
		c := f.reload(t, f.circle)
		if !c.GetBool("is_active") || activeMembers(t, f.app, f.circle.Id) != 2 {
			t.Fatal("the circle or its memberships changed")
		}
	}
	runScenarios(t, []scenario{
		{name: "anonymous cannot delete", method: "DELETE", url: circleURL, auth: anonymous, status: 404, after: kept},
		{name: "a stranger cannot delete", method: "DELETE", url: circleURL, auth: asStranger, status: 404, after: kept},
		{name: "a member cannot delete", method: "DELETE", url: circleURL, auth: asMember, status: 403, after: kept,
			contains: []string{`"message":"Only the circle's creator can delete the circle."`}},
		{name: "a former member cannot delete", method: "DELETE", url: circleURL, auth: asFormer, status: 404, after: kept},
		{name: "the creator's delete makes the circle inactive and ends every membership", method: "DELETE", url: circleURL,
			auth: asCreator, status: 204,
			after: func(t testing.TB, f *circleFixture, _ map[string]any) {
				c := f.reload(t, f.circle)
				if c.GetBool("is_active") {
					t.Fatal("circle still active")
				}
				if n := activeMembers(t, f.app, f.circle.Id); n != 0 {
					t.Fatalf("active members = %d", n)
				}
				if n, _ := f.app.CountRecords(collections.Members, dbx.HashExp{"circle": f.circle.Id}); n != 3 {
					t.Fatalf("member rows = %d, want them kept", n)
				}
				if c.GetInt("member_count") != 0 {
					t.Fatalf("member_count = %d after the delete, want 0", c.GetInt("member_count"))
				}
				memberCountsHold(t, f.app)
			}},
		{name: "a superuser deletes for real, with the memberships", method: "DELETE", url: circleURL,
			auth: asSuperuser, status: 204,
			after: func(t testing.TB, f *circleFixture, _ map[string]any) {
				if _, err := f.app.FindRecordById(collections.Circles, f.circle.Id); err == nil {
					t.Fatal("circle still stored")
				}
				if n, _ := f.app.CountRecords(collections.Members, dbx.HashExp{"circle": f.circle.Id}); n != 0 {
					t.Fatalf("member rows = %d", n)
				}
				memberCountsHold(t, f.app)
			}},
	})
}
