package circles_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/circles"
	"circly/circlytest"
	"circly/collections"
)

func memberURL(m func(*circleFixture) *core.Record) func(*circleFixture) string {
	return func(f *circleFixture) string { return "/api/collections/members/records/" + m(f).Id }
}

func creatorM(f *circleFixture) *core.Record { return f.creatorM }
func memberM(f *circleFixture) *core.Record  { return f.memberM }
func formerM(f *circleFixture) *core.Record  { return f.formerM }

func TestMembersCollectionRules(t *testing.T) {
	t.Parallel()

	runScenarios(t, []scenario{
		{name: "anonymous lists no members", method: "GET", url: membersOfCircleURL, auth: anonymous,
			status: 200, contains: []string{`"totalItems":0`}},
		{name: "a stranger lists no members of the circle", method: "GET", url: membersOfCircleURL, auth: asStranger,
			status: 200, contains: []string{`"totalItems":0`}},
		{name: "a former member lists no members", method: "GET", url: membersOfCircleURL, auth: asFormer,
			status: 200, contains: []string{`"totalItems":0`}},
		{name: "a member lists the circle's member rows, without nickname keys", method: "GET",
			url: func(f *circleFixture) string {
				return membersOfCircleURL(f) + urlQueryEscape(` && is_active=true`) + "&sort=joined"
			},
			auth: asMember, status: 200,
			contains:    []string{`"totalItems":2`, `"nickname":"Creator"`, `"nickname":"Member"`},
			notContains: []string{`nickname_key`, `"nickname":"Former"`}},
		{name: "members cannot filter by the hidden nickname key", method: "GET",
			url: func(f *circleFixture) string {
				return membersOfCircleURL(f) + urlQueryEscape(` && nickname_key="member"`)
			},
			auth: asMember, status: 400},
		{name: "the creator lists the circle's members", method: "GET", url: membersOfCircleURL, auth: asCreator,
			status: 200, contains: []string{`"totalItems":3`}, notContains: []string{"nickname_key"}},
		{name: "the creator views a member", method: "GET", url: memberURL(memberM), auth: asCreator,
			status: 200, contains: []string{`"nickname":"Member"`}},
		{name: "a member views another member, muted included", method: "GET", url: memberURL(creatorM), auth: asMember,
			status: 200, contains: []string{`"nickname":"Creator"`, `"muted":false`}, notContains: []string{"nickname_key"}},
		{name: "a stranger cannot view a member", method: "GET", url: memberURL(creatorM), auth: asStranger, status: 404},
		{name: "anonymous cannot view a member", method: "GET", url: memberURL(creatorM), auth: anonymous, status: 404},
		{name: "a former member cannot view its old row", method: "GET", url: memberURL(formerM), auth: asFormer, status: 404},
		{name: "nobody creates members through the API", method: "POST", url: fixedURL("/api/collections/members/records"),
			auth: asStranger,
			body: func(f *circleFixture) string {
				return `{"circle":"` + f.circle.Id + `","user":"` + f.stranger.Id + `","nickname":"Sneak","is_active":true}`
			},
			status: 403,
			after: func(t testing.TB, f *circleFixture, _ map[string]any) {
				if n := activeMembers(t, f.app, f.circle.Id); n != 2 {
					t.Fatalf("active members = %d", n)
				}
			}},
		{name: "a member cannot create members either", method: "POST", url: fixedURL("/api/collections/members/records"),
			auth: asMember,
			body: func(f *circleFixture) string {
				return `{"circle":"` + f.circle.Id + `","user":"` + f.stranger.Id + `","nickname":"Friend","is_active":true}`
			},
			status: 403},
		{name: "anonymous cannot delete a membership", method: "DELETE", url: memberURL(memberM),
			auth: anonymous, status: 403},
		{name: "a stranger cannot delete a membership", method: "DELETE", url: memberURL(memberM),
			auth: asStranger, status: 403},
		{name: "a member cannot delete its membership through the API", method: "DELETE", url: memberURL(memberM),
			auth: asMember, status: 403},
		{name: "the creator cannot delete a membership through the API", method: "DELETE", url: memberURL(memberM),
			auth: asCreator, status: 403},
	})
}

func TestMembersUpdate(t *testing.T) {
	t.Parallel()

	patch := func(name string, auth func(*circleFixture) map[string]string, target func(*circleFixture) *core.Record, b string, status int, contains ...string) scenario {
		return scenario{name: name, method: "PATCH", url: memberURL(target), auth: auth, body: body(b), status: status, contains: contains}
	}
	nicknameIs := func(target func(*circleFixture) *core.Record, want, wantKey string) func(testing.TB, *circleFixture, map[string]any) {
		return func(t testing.TB, f *circleFixture, _ map[string]any) {
			m := f.reload(t, target(f))
			if m.GetString("nickname") != want || m.GetString("nickname_key") != circles.NicknameKey(wantKey) {
				t.Fatalf("nickname = %q key = %q, want %q/%q", m.GetString("nickname"), m.GetString("nickname_key"), want, wantKey)
			}
		}
	}

	cases := []scenario{
		patch("anonymous cannot rename a member", anonymous, memberM, `{"nickname":"x"}`, 404),
		patch("a stranger cannot rename a member", asStranger, memberM, `{"nickname":"x"}`, 404),
		patch("a member cannot rename another member", asMember, creatorM, `{"nickname":"x"}`, 403,
			`"message":"Only the member itself can change its nickname, avatar or muted."`),
		patch("the creator cannot rename another member", asCreator, memberM, `{"nickname":"x"}`, 403),
		patch("a former member cannot rename its old row", asFormer, formerM, `{"nickname":"Back"}`, 404),
		patch("a member renames itself, normalised", asMember, memberM, `{"nickname":"  Ｍｉｎｊｉ   Kim "}`, 200, `"nickname":"Minji Kim"`),
		patch("a member changes only the case of its own nickname", asMember, memberM, `{"nickname":"MEMBER"}`, 200, `"nickname":"MEMBER"`),
		patch("a nickname another member holds is taken, whatever the case", asMember, memberM, `{"nickname":"cReAtOr"}`, 409,
			`"status":409`, `"nickname":{"code":"validation_nickname_taken"`),
		patch("a full-width copy of another nickname is taken", asMember, memberM, `{"nickname":"Ｃｒｅａｔｏｒ"}`, 409),
		patch("a former member's nickname is free again", asMember, memberM, `{"nickname":"former"}`, 200, `"nickname":"former"`),
		patch("an empty nickname is refused", asMember, memberM, `{"nickname":""}`, 400, `"nickname":{"code":"validation_required"`),
		patch("a nickname with control characters is refused", asMember, memberM, `{"nickname":"a\nb"}`, 400, `"nickname":{"code":"validation_invalid_nickname"`),
		patch("a 21-character nickname is refused", asMember, memberM, `{"nickname":"`+strings.Repeat("x", 21)+`"}`, 400, `"nickname":{"code":"validation_length_out_of_range"`),
		patch("is_active is not writable", asMember, memberM, `{"is_active":false}`, 400, `"is_active":{"code":"validation_field_not_writable"`),
		patch("circle is not writable", asMember, memberM, `{"circle":"x"}`, 400, `"circle":{"code":"validation_field_not_writable"`),
		patch("user is not writable", asMember, memberM, `{"user":"x"}`, 400, `"user":{"code":"validation_field_not_writable"`),
		patch("joined is not writable", asMember, memberM, `{"joined":"2020-01-01 00:00:00.000Z"}`, 400, `"joined":{"code":"validation_field_not_writable"`),
	}
	cases[5].after = nicknameIs(memberM, "Minji Kim", "minji kim")
	cases[6].after = nicknameIs(memberM, "MEMBER", "member")
	for i := range cases {
		if cases[i].status != 200 {
			cases[i].after = nicknameIs(memberM, "Member", "member")
		}
	}
	cases[4].after = nicknameIs(formerM, "Former", "former")
	cases[3].after = nicknameIs(memberM, "Member", "member")

	cases = append(cases,
		scenario{name: "a member uploads a png avatar", method: "PATCH", url: memberURL(memberM), auth: asMember,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "avatar", "me.png", "image/png", pngFile(t))
			},
			status: 200, contains: []string{`"avatar":"me`, `.png"`},
			after: func(t testing.TB, f *circleFixture, b map[string]any) {
				if f.reload(t, f.memberM).GetString("avatar") == "" {
					t.Fatal("avatar not stored")
				}
			}},
		scenario{name: "a text file is refused as avatar", method: "PATCH", url: memberURL(memberM), auth: asMember,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "avatar", "me.txt", "text/plain", []byte("hello, I am not a picture"))
			},
			status: 400, contains: []string{`"avatar":{"code":"validation_invalid_mime_type"`},
			after: func(t testing.TB, f *circleFixture, b map[string]any) {
				if f.reload(t, f.memberM).GetString("avatar") != "" {
					t.Fatal("avatar stored")
				}
			}},
		scenario{name: "a text file named .png is refused too", method: "PATCH", url: memberURL(memberM), auth: asMember,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "avatar", "me.png", "image/png", []byte("hello, I am not a picture"))
			},
			status: 400, contains: []string{`"avatar":{"code":"validation_invalid_mime_type"`}},
		scenario{name: "another member cannot set my avatar", method: "PATCH", url: memberURL(memberM), auth: asCreator,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "avatar", "me.png", "image/png", pngFile(t))
			},
			status: 403},
	)

	mutedIs := func(target func(*circleFixture) *core.Record, want bool) func(testing.TB, *circleFixture, map[string]any) {
		return func(t testing.TB, f *circleFixture, _ map[string]any) {
			if got := f.reload(t, target(f)).GetBool("muted"); got != want {
				t.Fatalf("muted = %v, want %v", got, want)
			}
		}
	}
	mute := func(name string, auth func(*circleFixture) map[string]string, target func(*circleFixture) *core.Record, b string, status int, want bool, contains ...string) scenario {
		c := patch(name, auth, target, b, status, contains...)
		c.after = mutedIs(target, want)
		return c
	}
	cases = append(cases,
		mute("a member mutes the circle for itself", asMember, memberM, `{"muted":true}`, 200, true, `"muted":true`),
		mute("the creator mutes its own membership", asCreator, creatorM, `{"muted":true}`, 200, true, `"muted":true`),
		mute("a member mutes and renames itself at once", asMember, memberM, `{"muted":true,"nickname":"Quiet"}`, 200, true, `"muted":true`, `"nickname":"Quiet"`),
		mute("the creator cannot mute another member", asCreator, memberM, `{"muted":true}`, 403, false),
		mute("a member cannot mute another member", asMember, creatorM, `{"muted":true}`, 403, false),
		mute("a stranger cannot mute a member", asStranger, memberM, `{"muted":true}`, 404, false),
		mute("a former member cannot mute its old row", asFormer, formerM, `{"muted":true}`, 404, false),
		mute("muted must be true or false", asMember, memberM, `{"muted":"maybe"}`, 400, false, `"muted":{"code":"validation_invalid_bool"`),
		mute("muted cannot be null", asMember, memberM, `{"muted":null}`, 400, false, `"muted":{"code":"validation_invalid_bool"`),
		mute("muted cannot be a number", asMember, memberM, `{"muted":1}`, 400, false, `"muted":{"code":"validation_invalid_bool"`),
		scenario{name: "muted as multipart text", method: "PATCH", url: memberURL(memberM), auth: asMember,
			multipart: func(t testing.TB, f *circleFixture) (string, []byte) {
				return multipartFile(t, "avatar", "me.png", "image/png", pngFile(t), [2]string{"muted", "true"})
			},
			status: 200, contains: []string{`"muted":true`}, after: mutedIs(memberM, true)},
	)
	unmute := mute("a member unmutes", asMember, memberM, `{"muted":false}`, 200, false, `"muted":false`)
	unmute.setup = func(t testing.TB, f *circleFixture) {
		f.memberM.Set("muted", true)
		if err := f.app.Save(f.memberM); err != nil {
			t.Fatal(err)
		}
	}
	cases = append(cases, unmute)

	// the pre-check passes, then another member takes the name just before
	// the write: the unique index decides and the answer is still 409
	race := patch("a nickname taken between the check and the write is a 409", asMember, memberM, `{"nickname":"Clash"}`, 409,
		`"nickname":{"code":"validation_nickname_taken"`)
	race.setup = func(t testing.TB, f *circleFixture) {
		f.app.OnRecordUpdateExecute(collections.Members).BindFunc(func(e *core.RecordEvent) error {
			if e.Record.Id == f.memberM.Id {
				other := f.reload(t, f.creatorM)
				other.Set("nickname", "CLASH")
				if err := e.App.Save(other); err != nil {
					return err
				}
			}
			return e.Next()
		})
	}
	race.after = nicknameIs(memberM, "Member", "member")
	cases = append(cases, race)

	runScenarios(t, cases)
}

// The nickname key follows the nickname whatever saves it.
func TestMembersNicknameKeyOnEverySave(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newCircleFixture(t, app)

	f.memberM.Set("nickname", "Ｎｅｗ  Name")
	f.memberM.Set("nickname_key", "forged")
	if err := app.Save(f.memberM); err != nil {
		t.Fatal(err)
	}
	m := f.reload(t, f.memberM)
	if m.GetString("nickname") != "New Name" || m.GetString("nickname_key") != circles.NicknameKey("new name") {
		t.Fatalf("nickname %q key %q", m.GetString("nickname"), m.GetString("nickname_key"))
	}

	// the dashboard path validates too
	f.memberM.Set("nickname", "bad\u200bname")
	if err := app.Save(f.memberM); err == nil || !strings.Contains(err.Error(), "nickname") {
		t.Fatalf("an invisible character was saved (err %v)", err)
	}

	// the unique index holds for saves that skip the request hooks
	dup := f.reload(t, f.creatorM)
	dup.Set("nickname", "NEW NAME")
	if err := app.Save(dup); err == nil {
		t.Fatal("two active members share a nickname key")
	}

	// inactive rows do not hold their nickname
	n, err := app.CountRecords(collections.Members, dbx.HashExp{"circle": f.circle.Id, "nickname_key": circles.NicknameKey("former")})
	if err != nil || n != 1 {
		t.Fatalf("former row: %d %v", n, err)
	}
	circlytest.AddMember(t, app, f.circle, circlytest.CreateUser(t, app), "FORMER")
}
