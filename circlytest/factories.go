package circlytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// CreateCircle saves an active circle made by creator, with creator as its
// first member (nickname), bypassing the request hooks. It returns the
// circle and the creator's membership.
func CreateCircle(t testing.TB, app core.App, creator *core.Record, nickname string) (circle, member *core.Record) {
	t.Helper()
	col, err := app.FindCachedCollectionByNameOrId(collections.Circles)
	if err != nil {
		t.Fatal(err)
	}
	circle = core.NewRecord(col)
	c := collections.AsCircle(circle)
	c.SetName("circle " + security.RandomString(5))
	c.SetInviteCode(security.RandomStringWithAlphabet(6, collections.InviteCodeAlphabet))
	c.SetInviteLinkId(security.RandomStringWithAlphabet(24, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"))
	expires, _ := types.ParseDateTime(time.Now().Add(24 * time.Hour))
	c.SetInviteExpiresAt(expires)
	c.SetMaxMembers(50)
	c.SetCreator(creator.Id)
	c.SetActive(true)
	if err := app.Save(circle); err != nil {
		t.Fatal(err)
	}
	member = AddMember(t, app, circle, creator, nickname)
	return circle, member
}

// AddMember saves an active membership, bypassing the join route.
func AddMember(t testing.TB, app core.App, circle, user *core.Record, nickname string) *core.Record {
	t.Helper()
	col, err := app.FindCachedCollectionByNameOrId(collections.Members)
	if err != nil {
		t.Fatal(err)
	}
	m := core.NewRecord(col)
	mm := collections.AsMember(m)
	mm.SetCircle(circle.Id)
	mm.SetUser(user.Id)
	mm.SetNickname(nickname)
	mm.SetNicknameKey(nickname)
	mm.SetActive(true)
	// distinct, increasing join times keep option order deterministic
	joined, _ := types.ParseDateTime(time.Now())
	mm.SetJoined(joined)
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	return m
}

// CircleWithMembers creates a circle whose creator is the first of n new
// users; it returns the users and their memberships in join order.
func CircleWithMembers(t testing.TB, app core.App, n int) (circle *core.Record, users, members []*core.Record) {
	t.Helper()
	for i := range n {
		u := CreateUser(t, app)
		users = append(users, u)
		if i == 0 {
			var m *core.Record
			circle, m = CreateCircle(t, app, u, "member0")
			members = append(members, m)
			continue
		}
		// the index in two digits keeps the nicknames' look-alike keys
		// apart (random letters alone met now and then: 'O' and '0', 'I'
		// and 'l' share a key)
		members = append(members, AddMember(t, app, circle, u, fmt.Sprintf("member%02d%s", i, security.RandomString(3))))
	}
	return circle, users, members
}

// FirstTemplate returns an active seeded template.
func FirstTemplate(t testing.TB, app core.App) *core.Record {
	t.Helper()
	r, err := app.FindFirstRecordByFilter(collections.Templates, collections.FieldTemplateIsActive+" = true")
	if err != nil {
		t.Fatal(err)
	}
	return r
}
