package circles_test

import (
	"errors"
	"testing"

	"circly/circles"
	"circly/circlytest"
)

func TestLeave(t *testing.T) {
	t.Parallel()

	leave := func(name string, auth func(*circleFixture) map[string]string, status int) scenario {
		return scenario{name: name, method: "POST", url: routeURL("leave"), auth: auth, status: status}
	}

	member := leave("a member leaves", asMember, 204)
	// the membership ends, and the circle is saved with its new member_count
	member.events = map[string]int{
		"*":                          0,
		"OnModelUpdate":              2,
		"OnModelUpdateExecute":       2,
		"OnModelAfterUpdateSuccess":  2,
		"OnModelValidate":            2,
		"OnRecordUpdate":             2,
		"OnRecordUpdateExecute":      2,
		"OnRecordAfterUpdateSuccess": 2,
		"OnRecordValidate":           2,
	}
	member.after = func(t testing.TB, f *circleFixture, _ map[string]any) {
		if f.reload(t, f.memberM).GetBool("is_active") {
			t.Fatal("still active")
		}
		c := f.reload(t, f.circle)
		if !c.GetBool("is_active") || c.GetString("creator") != f.creator.Id {
			t.Fatal("circle changed")
		}
		if c.GetInt("member_count") != 1 {
			t.Fatalf("member_count = %d after the leave, want 1", c.GetInt("member_count"))
		}
		memberCountsHold(t, f.app)
	}

	creator := leave("when the creator leaves, the earliest-joined member becomes creator", asCreator, 204)
	creator.setup = func(t testing.TB, f *circleFixture) {
		// a later member must not win over the earlier one
		circlytest.AddMember(t, f.app, f.circle, circlytest.CreateUser(t, f.app), "Later")
	}
	creator.after = func(t testing.TB, f *circleFixture, _ map[string]any) {
		c := f.reload(t, f.circle)
		if c.GetString("creator") != f.member.Id || !c.GetBool("is_active") {
			t.Fatalf("creator = %q (want the member), active = %v", c.GetString("creator"), c.GetBool("is_active"))
		}
		if f.reload(t, f.creatorM).GetBool("is_active") {
			t.Fatal("creator still active")
		}
	}

	last := leave("when the last member leaves, the circle becomes inactive", asCreator, 204)
	last.setup = func(t testing.TB, f *circleFixture) {
		f.memberM.Set("is_active", false)
		if err := f.app.Save(f.memberM); err != nil {
			t.Fatal(err)
		}
	}
	last.after = func(t testing.TB, f *circleFixture, _ map[string]any) {
		c := f.reload(t, f.circle)
		if c.GetBool("is_active") || c.GetInt("member_count") != 0 {
			t.Fatalf("circle active = %v, member_count = %d; want an inactive, empty circle", c.GetBool("is_active"), c.GetInt("member_count"))
		}
	}

	runScenarios(t, []scenario{
		member, creator, last,
		leave("anonymous is refused", anonymous, 401),
		leave("a stranger gets 404", asStranger, 404),
		leave("a former member gets 404", asFormer, 404),
		{name: "an unknown circle is 404", method: "POST", url: fixedURL("/api/circly/circles/nosuchcircle123/leave"), auth: asMember, status: 404},
	})
}

func TestRemove(t *testing.T) {
	t.Parallel()

	remove := func(name string, auth func(*circleFixture) map[string]string, b func(*circleFixture) string, status int, contains ...string) scenario {
		return scenario{name: name, method: "POST", url: routeURL("remove"), auth: auth, body: b, status: status, contains: contains}
	}
	removeMember := func(f *circleFixture) string { return `{"member":"` + f.memberM.Id + `"}` }
	untouched := func(t testing.TB, f *circleFixture, _ map[string]any) {
		if !f.reload(t, f.memberM).GetBool("is_active") {
			t.Fatal("the member was removed")
		}
		if f.reload(t, f.circle).GetString("invite_code") != f.circle.GetString("invite_code") {
			t.Fatal("the invite changed")
		}
	}

	ok := remove("the creator removes a member and the invite is replaced", asCreator, removeMember, 200, `"invite_code":"`)
	ok.after = func(t testing.TB, f *circleFixture, b map[string]any) {
		if f.reload(t, f.memberM).GetBool("is_active") {
			t.Fatal("still active")
		}
		c := f.reload(t, f.circle)
		if c.GetString("invite_code") == f.circle.GetString("invite_code") || c.GetString("invite_link_id") == f.circle.GetString("invite_link_id") {
			t.Fatal("the invite was not replaced")
		}
		if b["invite_code"] != c.GetString("invite_code") {
			t.Fatal("the response does not show the new invite")
		}
		if b["member_count"] != float64(1) || c.GetInt("member_count") != 1 {
			t.Fatalf("member_count after the removal: answer %v, stored %d; want 1", b["member_count"], c.GetInt("member_count"))
		}
		// the removed member cannot walk back in with what it knew
		for _, req := range []circles.JoinRequest{
			{InviteCode: f.circle.GetString("invite_code"), Nickname: "Back"},
			{InviteLinkId: f.circle.GetString("invite_link_id"), Nickname: "Back"},
		} {
			if _, _, err := circles.JoinCircle(f.app, f.member.Id, req); !errors.Is(err, circles.ErrInviteNotFound) {
				t.Fatalf("old invite %+v: %v", req, err)
			}
		}
		// with the new invite it can
		back, m, err := circles.JoinCircle(f.app, f.member.Id, circles.JoinRequest{InviteCode: c.GetString("invite_code"), Nickname: "Back"})
		if err != nil || m.Id != f.memberM.Id {
			t.Fatalf("rejoin with the new invite: %v", err)
		}
		if back.MemberCount() != 2 {
			t.Fatalf("member_count after the rejoin = %d, want 2", back.MemberCount())
		}
		memberCountsHold(t, f.app)
	}

	refused := []scenario{
		remove("anonymous is refused", anonymous, removeMember, 401),
		remove("a stranger gets 404", asStranger, removeMember, 404),
		remove("a former member gets 404", asFormer, removeMember, 404),
		remove("a member who is not the creator gets 403", asMember, func(f *circleFixture) string {
			return `{"member":"` + f.creatorM.Id + `"}`
		}, 403),
		remove("the creator cannot remove itself", asCreator, func(f *circleFixture) string {
			return `{"member":"` + f.creatorM.Id + `"}`
		}, 400, `"member":{"code":"validation_cannot_remove_self"`),
		remove("member is required", asCreator, body(`{}`), 400, `"member":{"code":"validation_required"`),
		remove("a membership of another circle is 404", asCreator, func(f *circleFixture) string {
			return `{"member":"` + f.strangerM.Id + `"}`
		}, 404),
		remove("a former member is 409", asCreator, func(f *circleFixture) string {
			return `{"member":"` + f.formerM.Id + `"}`
		}, 409, `"message":"This member has already left the circle or was removed."`),
		remove("an unknown membership is 404", asCreator, body(`{"member":"nosuchmember123"}`), 404),
	}
	for i := range refused {
		refused[i].after = untouched
	}
	runScenarios(t, append([]scenario{ok}, refused...))
}

func TestUserDeleteEndsMemberships(t *testing.T) {
	t.Parallel()

	runScenarios(t, []scenario{
		{name: "a creator deleting itself passes the circle on", method: "DELETE",
			url:  func(f *circleFixture) string { return "/api/collections/users/records/" + f.creator.Id },
			auth: asCreator, status: 204,
			after: func(t testing.TB, f *circleFixture, _ map[string]any) {
				c := f.reload(t, f.circle)
				if c.GetString("creator") != f.member.Id || !c.GetBool("is_active") {
					t.Fatalf("creator = %q active = %v", c.GetString("creator"), c.GetBool("is_active"))
				}
				m := f.reload(t, f.creatorM)
				if m.GetBool("is_active") || m.GetString("user") != "" {
					t.Fatalf("the deleted user's row: %v", m.FieldsData())
				}
				if activeMembers(t, f.app, f.circle.Id) != 1 || c.GetInt("member_count") != 1 {
					t.Fatalf("member count: %d rows, member_count %d", activeMembers(t, f.app, f.circle.Id), c.GetInt("member_count"))
				}
				memberCountsHold(t, f.app)
			}},
		{name: "the last member deleting itself leaves an inactive circle", method: "DELETE",
			url:  func(f *circleFixture) string { return "/api/collections/users/records/" + f.stranger.Id },
			auth: asStranger, status: 204,
			after: func(t testing.TB, f *circleFixture, _ map[string]any) {
				if c := f.reload(t, f.otherCircle); c.GetBool("is_active") || c.GetInt("member_count") != 0 {
					t.Fatal("the emptied circle is still active, or counts members")
				}
				memberCountsHold(t, f.app)
			}},
	})
}
