package circles_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circles"
	"circly/collections"
)

func joinURL(*circleFixture) string { return "/api/circly/circles/join" }

func routeURL(action string) func(*circleFixture) string {
	return func(f *circleFixture) string { return "/api/circly/circles/" + f.circle.Id + "/" + action }
}

func previewURL(f *circleFixture) string {
	return "/api/circly/invites/" + f.circle.GetString("invite_link_id")
}

// joinWithCode returns a join body with the circle's code and a nickname.
func joinWithCode(nickname string) func(*circleFixture) string {
	return func(f *circleFixture) string {
		return `{"invite_code":"` + f.circle.GetString("invite_code") + `","nickname":"` + nickname + `"}`
	}
}

// setCircle changes stored fields of the fixture's circle.
func setCircle(values map[string]any) func(testing.TB, *circleFixture) {
	return func(t testing.TB, f *circleFixture) {
		for k, v := range values {
			f.circle.Set(k, v)
		}
		if err := f.app.Save(f.circle); err != nil {
			t.Fatal(err)
		}
	}
}

func expireInvite(t testing.TB, f *circleFixture) {
	past, _ := types.ParseDateTime(time.Now().Add(-time.Minute))
	setCircle(map[string]any{"invite_expires_at": past})(t, f)
}

// membershipOf returns the members row of (circle, user) or nil.
func membershipOf(t testing.TB, app core.App, circleId, userId string) *core.Record {
	t.Helper()
	m, err := app.FindFirstRecordByFilter(collections.Members, "circle = {:c} && user = {:u}", dbx.Params{"c": circleId, "u": userId})
	if err != nil {
		return nil
	}
	return m
}

func TestJoin(t *testing.T) {
	t.Parallel()

	join := func(name string, auth func(*circleFixture) map[string]string, b func(*circleFixture) string, status int, contains ...string) scenario {
		return scenario{name: name, method: "POST", url: joinURL, auth: auth, body: b, status: status, contains: contains}
	}
	strangerNotIn := func(t testing.TB, f *circleFixture, _ map[string]any) {
		if m := membershipOf(t, f.app, f.circle.Id, f.stranger.Id); m != nil {
			t.Fatalf("the stranger has a membership: %v", m.FieldsData())
		}
	}
	// the membership is created, and the circle saved with its new member_count
	joinEvents := map[string]int{
		"*":                          0,
		"OnModelCreate":              1,
		"OnModelCreateExecute":       1,
		"OnModelAfterCreateSuccess":  1,
		"OnRecordCreate":             1,
		"OnRecordCreateExecute":      1,
		"OnRecordAfterCreateSuccess": 1,
		"OnModelUpdate":              1,
		"OnModelUpdateExecute":       1,
		"OnModelAfterUpdateSuccess":  1,
		"OnRecordUpdate":             1,
		"OnRecordUpdateExecute":      1,
		"OnRecordAfterUpdateSuccess": 1,
		"OnModelValidate":            1,
		"OnRecordValidate":           1,
		"OnRecordEnrich":             2,
	}

	ok := join("a signed-in user joins with the code", asStranger, joinWithCode("Newbie"), 200,
		`"circle":{`, `"member":{`, `"nickname":"Newbie"`, `"is_active":true`)
	ok.notContains = []string{"nickname_key"}
	ok.events = joinEvents
	ok.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		circle := b["circle"].(map[string]any)
		member := b["member"].(map[string]any)
		if circle["id"] != f.circle.Id || member["circle"] != f.circle.Id || member["user"] != f.stranger.Id {
			t.Fatalf("response %v", b)
		}
		m := membershipOf(t, f.app, f.circle.Id, f.stranger.Id)
		if m == nil || !m.GetBool("is_active") || m.GetString("nickname_key") != circles.NicknameKey("newbie") || m.GetDateTime("joined").IsZero() {
			t.Fatal("membership not stored as expected")
		}
		if activeMembers(t, f.app, f.circle.Id) != 3 {
			t.Fatal("member count")
		}
		if circle["member_count"] != float64(3) {
			t.Fatalf("the answer's member_count = %v, want 3", circle["member_count"])
		}
		memberCountsHold(t, f.app)
	}

	cases := []scenario{
		ok,
		join("the code is case-insensitive and trimmed", asStranger, func(f *circleFixture) string {
			return `{"invite_code":"  ` + strings.ToLower(f.circle.GetString("invite_code")) + ` ","nickname":"Lower"}`
		}, 200, `"nickname":"Lower"`),
		join("a user joins with the link id", asStranger, func(f *circleFixture) string {
			return `{"invite_link_id":"` + f.circle.GetString("invite_link_id") + `","nickname":"Linked"}`
		}, 200, `"nickname":"Linked"`),
		join("the nickname is normalised", asStranger, joinWithCode("  Ｎｅｗ   ｂｉｅ "), 200, `"nickname":"New bie"`),
		join("anonymous is refused", anonymous, joinWithCode("Anon"), 401),
		join("a superuser cannot join", asSuperuser, joinWithCode("Admin"), 403),
		join("missing code and link", asStranger, body(`{"nickname":"x"}`), 400, `"invite_code":{"code":"validation_required"`),
		join("both code and link", asStranger, func(f *circleFixture) string {
			return `{"invite_code":"` + f.circle.GetString("invite_code") + `","invite_link_id":"` + f.circle.GetString("invite_link_id") + `","nickname":"x"}`
		}, 400, `"invite_link_id":{"code":"validation_one_of"`),
		join("missing nickname", asStranger, func(f *circleFixture) string {
			return `{"invite_code":"` + f.circle.GetString("invite_code") + `"}`
		}, 400, `"nickname":{"code":"validation_required"`),
		join("invalid nickname", asStranger, joinWithCode(`bad\u200bname`), 400, `"nickname":{"code":"validation_invalid_nickname"`),
		join("malformed JSON", asStranger, body(`{"invite_code":`), 400),
		join("an unknown code", asStranger, body(`{"invite_code":"ZZZZZZ","nickname":"x"}`), 404, `"status":404`),
		join("a malformed code", asStranger, body(`{"invite_code":"0OI1!?","nickname":"x"}`), 404),
		join("an unknown link id", asStranger, body(`{"invite_link_id":"`+strings.Repeat("Z", 24)+`","nickname":"x"}`), 404),
		join("a malformed link id", asStranger, body(`{"invite_link_id":"../../etc","nickname":"x"}`), 404),
		join("a nickname taken in another case", asStranger, joinWithCode("mEmBeR"), 409,
			`"status":409`, `"nickname":{"code":"validation_nickname_taken"`),
		join("a full-width copy of a taken nickname", asStranger, joinWithCode("Ｍｅｍｂｅｒ"), 409),
		join("a former member's nickname is free", asStranger, joinWithCode("former"), 200),
		join("the stranger's own circle is joined idempotently", asStranger, func(f *circleFixture) string {
			return `{"invite_code":"` + f.otherCircle.GetString("invite_code") + `","nickname":"Renamed"}`
		}, 200, `"nickname":"Stranger"`),
	}
	for i := range cases {
		if cases[i].status != 200 && cases[i].after == nil {
			cases[i].after = strangerNotIn
		}
	}

	expired := join("an expired invite", asStranger, joinWithCode("Late"), 410, `"status":410`)
	expired.setup = expireInvite
	expired.after = strangerNotIn
	cases = append(cases, expired)

	inactive := join("an inactive circle", asStranger, joinWithCode("Late"), 404)
	inactive.setup = setCircle(map[string]any{"is_active": false})
	inactive.after = strangerNotIn
	cases = append(cases, inactive)

	full := join("a full circle", asStranger, joinWithCode("NoRoom"), 409, `"message":"This circle is full."`)
	full.setup = setCircle(map[string]any{"max_members": 2})
	full.after = strangerNotIn
	cases = append(cases, full)

	idem := join("an active member gets its membership back, unchanged", asMember, joinWithCode("Other"), 200,
		`"nickname":"Member"`)
	idem.events = map[string]int{"*": 0, "OnRecordEnrich": 2}
	idem.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		if b["member"].(map[string]any)["id"] != f.memberM.Id {
			t.Fatal("a second membership was made")
		}
		if f.reload(t, f.memberM).GetString("nickname") != "Member" {
			t.Fatal("nickname changed")
		}
	}
	cases = append(cases, idem)

	idemFull := join("an active member of a full circle with an expired invite still gets 200", asMember, joinWithCode("Other"), 200)
	idemFull.setup = func(t testing.TB, f *circleFixture) {
		setCircle(map[string]any{"max_members": 2})(t, f)
		expireInvite(t, f)
	}
	cases = append(cases, idemFull)

	rejoin := join("a former member rejoins on its old row with a new nickname", asFormer, joinWithCode("Returned"), 200,
		`"nickname":"Returned"`, `"is_active":true`)
	rejoin.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		if b["member"].(map[string]any)["id"] != f.formerM.Id {
			t.Fatal("a new row was made instead of reactivating the old one")
		}
		m := f.reload(t, f.formerM)
		if !m.GetBool("is_active") || !m.GetDateTime("joined").Time().After(f.formerM.GetDateTime("joined").Time()) {
			t.Fatalf("not reactivated with a new join time: %v", m.FieldsData())
		}
		if n := b["circle"].(map[string]any)["member_count"]; n != float64(3) {
			t.Fatalf("member_count after the rejoin = %v, want 3", n)
		}
		memberCountsHold(t, f.app)
	}
	cases = append(cases, rejoin)

	// the check inside the join passes, then the index refuses: still 409
	race := join("a nickname taken between the check and the write is a 409", asStranger, joinWithCode("Clash"), 409,
		`"nickname":{"code":"validation_nickname_taken"`)
	race.setup = func(t testing.TB, f *circleFixture) {
		f.app.OnRecordCreateExecute(collections.Members).BindFunc(func(e *core.RecordEvent) error {
			other, err := e.App.FindRecordById(collections.Members, f.memberM.Id)
			if err != nil {
				return err
			}
			other.Set("nickname", "clash")
			if err := e.App.Save(other); err != nil {
				return err
			}
			return e.Next()
		})
	}
	race.after = strangerNotIn
	cases = append(cases, race)

	runScenarios(t, cases)
}

func TestNewInvite(t *testing.T) {
	t.Parallel()

	invite := func(name string, auth func(*circleFixture) map[string]string, status int, contains ...string) scenario {
		return scenario{name: name, method: "POST", url: routeURL("invite"), auth: auth, status: status, contains: contains}
	}
	same := func(t testing.TB, f *circleFixture, _ map[string]any) {
		c := f.reload(t, f.circle)
		if c.GetString("invite_code") != f.circle.GetString("invite_code") {
			t.Fatal("the invite changed")
		}
	}

	fresh := invite("the creator makes a new invite", asCreator, 200, `"invite_code":"`, `"invite_link_id":"`)
	fresh.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		c := f.reload(t, f.circle)
		if c.GetString("invite_code") == f.circle.GetString("invite_code") ||
			c.GetString("invite_link_id") == f.circle.GetString("invite_link_id") {
			t.Fatal("the invite did not change")
		}
		if b["invite_code"] != c.GetString("invite_code") || b["id"] != f.circle.Id {
			t.Fatalf("response %v", b)
		}
		if !c.GetDateTime("invite_expires_at").Time().After(time.Now().Add(23 * time.Hour)) {
			t.Fatal("expiry not renewed")
		}
		// the old code and link stop working at once
		_, _, err := circles.JoinCircle(f.app, f.stranger.Id, circles.JoinRequest{InviteCode: f.circle.GetString("invite_code"), Nickname: "Late"})
		if !errors.Is(err, circles.ErrInviteNotFound) {
			t.Fatalf("old code: %v", err)
		}
		_, _, err = circles.JoinCircle(f.app, f.stranger.Id, circles.JoinRequest{InviteLinkId: f.circle.GetString("invite_link_id"), Nickname: "Late"})
		if !errors.Is(err, circles.ErrInviteNotFound) {
			t.Fatalf("old link: %v", err)
		}
		if _, err := circles.PreviewInvite(f.app, f.circle.GetString("invite_link_id")); !errors.Is(err, circles.ErrInviteNotFound) {
			t.Fatalf("old link preview: %v", err)
		}
		if _, _, err := circles.JoinCircle(f.app, f.stranger.Id, circles.JoinRequest{InviteCode: c.GetString("invite_code"), Nickname: "OnTime"}); err != nil {
			t.Fatalf("new code: %v", err)
		}
	}

	expiredRenewed := invite("a new invite revives an expired one", asCreator, 200)
	expiredRenewed.setup = expireInvite
	expiredRenewed.after = func(t testing.TB, f *circleFixture, _ map[string]any) {
		if _, err := circles.PreviewInvite(f.app, f.reload(t, f.circle).GetString("invite_link_id")); err != nil {
			t.Fatal(err)
		}
	}

	runScenarios(t, []scenario{
		fresh,
		expiredRenewed,
		{name: "anonymous is refused", method: "POST", url: routeURL("invite"), auth: anonymous, status: 401, after: same},
		{name: "a stranger gets 404", method: "POST", url: routeURL("invite"), auth: asStranger, status: 404, after: same},
		{name: "a former member gets 404", method: "POST", url: routeURL("invite"), auth: asFormer, status: 404, after: same},
		{name: "a member who is not the creator gets 403", method: "POST", url: routeURL("invite"), auth: asMember, status: 403, after: same},
		{name: "an unknown circle is 404", method: "POST", url: fixedURL("/api/circly/circles/nosuchcircle123/invite"), auth: asCreator, status: 404},
		{name: "a malformed body is refused before the invite changes", method: "POST", url: routeURL("invite"), auth: asCreator,
			body: body(`{bad`), status: 400, after: same},
	})
}

func TestInvitePreview(t *testing.T) {
	t.Parallel()

	preview := func(name string, u func(*circleFixture) string, status int, contains ...string) scenario {
		return scenario{name: name, method: "GET", url: u, auth: anonymous, status: status, contains: contains}
	}

	ok := preview("anyone sees the preview, and nothing else", previewURL, 200,
		`"member_count":2`, `"max_members":50`, `"invite_expires_at":"`)
	ok.events = map[string]int{"*": 0}
	ok.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		if len(b) != 5 || b["circle_name"] != f.circle.GetString("name") || b["hidden"] != false {
			t.Fatalf("preview = %v", b)
		}
		for _, secret := range []string{f.circle.Id, f.circle.GetString("invite_code"), f.creator.Id} {
			for _, v := range b {
				if s, _ := v.(string); strings.Contains(s, secret) {
					t.Fatalf("preview shows %q", secret)
				}
			}
		}
	}

	expired := preview("an expired invite is 410", previewURL, 410, `"status":410`)
	expired.setup = expireInvite
	inactive := preview("an inactive circle is 404", previewURL, 404)
	inactive.setup = setCircle(map[string]any{"is_active": false})

	malformed := preview("a malformed id is 404 without a query", fixedURL("/api/circly/invites/short"), 404)
	malformed.events = map[string]int{"*": 0}

	runScenarios(t, []scenario{
		ok, expired, inactive, malformed,
		preview("an unknown id is 404", fixedURL("/api/circly/invites/"+strings.Repeat("Q", 24)), 404),
		preview("an id with characters outside the alphabet is 404", fixedURL("/api/circly/invites/"+strings.Repeat("%C3%A9", 22)), 404),
	})
}
