package collections_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/collections"
)

// circleFixture is a circle with members in known states: m1 (u1, no push
// token), m2 (u2, token), m3 (u3, inactive membership), m4 (u4, disabled
// account) and m5 (a deleted user's row), joined in that order.
type circleFixture struct {
	app                *tests.TestApp
	circle             *collections.Circle
	u1, u2, u3, u4     *collections.User
	m1, m2, m3, m4, m5 *collections.Member
}

func newCircleFixture(t *testing.T) *circleFixture {
	f := &circleFixture{app: newTestApp(t)}
	app := f.app
	f.u1 = makeUser(t, app, "", true)
	f.u2 = makeUser(t, app, "ExponentPushToken[u2]", true)
	f.u3 = makeUser(t, app, "ExponentPushToken[u3]", true)
	f.u4 = makeUser(t, app, "ExponentPushToken[u4]", false)
	f.circle = makeCircle(t, app, f.u1.Id)
	t0 := time.Now().Add(-time.Hour)
	f.m1 = makeMember(t, app, f.circle.Id, f.u1.Id, "one", true, t0)
	f.m2 = makeMember(t, app, f.circle.Id, f.u2.Id, "two", true, t0.Add(time.Minute))
	f.m3 = makeMember(t, app, f.circle.Id, f.u3.Id, "three", false, t0.Add(2*time.Minute))
	f.m4 = makeMember(t, app, f.circle.Id, f.u4.Id, "four", true, t0.Add(3*time.Minute))
	f.m5 = makeMember(t, app, f.circle.Id, "", "five", true, t0.Add(4*time.Minute))
	return f
}

func ids[T interface{ ProxyRecord() *core.Record }](list []T) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.ProxyRecord().Id
	}
	return out
}

func TestCircleQueries(t *testing.T) {
	f := newCircleFixture(t)
	app, c := f.app, f.circle

	got, err := collections.FindCircle(app, c.Id)
	must(t, err)
	if got.Name() != c.Name() || got.Creator() != f.u1.Id || !got.IsActive() || got.MaxMembers() != 50 ||
		got.InviteExpiresAt().String() != c.InviteExpiresAt().String() || got.Image() != "" {
		t.Fatalf("circle read back as %v", got.FieldsData())
	}
	byCode, err := collections.FindCircleByInviteCode(app, c.InviteCode())
	must(t, err)
	byLink, err := collections.FindCircleByInviteLinkId(app, c.InviteLinkId())
	must(t, err)
	if byCode == nil || byCode.Id != c.Id || byLink == nil || byLink.Id != c.Id {
		t.Fatalf("by invite: %v, %v; want %s", byCode, byLink, c.Id)
	}
	if none, err := collections.FindCircleByInviteCode(app, "ZZZZZZ"); none != nil || err != nil {
		t.Fatalf("unknown code: %v, %v; want nil, nil", none, err)
	}

	inUse, err := collections.InviteCodeInUse(app, c.InviteCode())
	must(t, err)
	free, err := collections.InviteLinkIdInUse(app, "no-such-link-id-at-all")
	must(t, err)
	if !inUse || free {
		t.Fatalf("InviteCodeInUse = %v, InviteLinkIdInUse(unknown) = %v", inUse, free)
	}

	must(t, app.RunInTransaction(func(txApp core.App) error {
		found, err := collections.LockCircle(txApp, c.Id)
		must(t, err)
		missing, err := collections.LockCircle(txApp, "missing")
		must(t, err)
		if !found || missing {
			t.Errorf("LockCircle: existing %v, missing %v", found, missing)
		}
		return nil
	}))
}

func TestMembershipFinders(t *testing.T) {
	f := newCircleFixture(t)
	app, c := f.app, f.circle

	m, err := collections.FindMembership(app, c.Id, f.u3.Id)
	must(t, err)
	if m == nil || m.Id != f.m3.Id || m.IsActive() {
		t.Fatalf("FindMembership(u3) = %v, want inactive %s", m, f.m3.Id)
	}
	for _, tc := range []struct{ circle, user, want string }{
		{c.Id, f.u1.Id, f.m1.Id},
		{c.Id, f.u3.Id, ""}, // inactive
		{"", f.u1.Id, ""},
		{c.Id, "", ""}, // a deleted user's row must not match
	} {
		m, err := collections.FindActiveMember(app, tc.circle, tc.user)
		must(t, err)
		got := ""
		if m != nil {
			got = m.Id
		}
		if got != tc.want {
			t.Errorf("FindActiveMember(%q, %q) = %q, want %q", tc.circle, tc.user, got, tc.want)
		}
	}

	byId, err := collections.FindMember(app, f.m2.Id)
	must(t, err)
	if byId.Circle() != c.Id || byId.User() != f.u2.Id || byId.Nickname() != "two" ||
		byId.NicknameKey() != "key:two" || byId.Avatar() != "" || byId.Joined().String() != f.m2.Joined().String() {
		t.Fatalf("member read back as %v", byId.FieldsData())
	}
}

func TestActiveMemberLists(t *testing.T) {
	f := newCircleFixture(t)
	app, c := f.app, f.circle

	others, err := collections.ActiveMembersExcept(app, c.Id, f.m1.Id)
	must(t, err)
	if got, want := ids(others), []string{f.m2.Id, f.m4.Id, f.m5.Id}; !slices.Equal(got, want) {
		t.Errorf("ActiveMembersExcept = %v, want %v (by join time)", got, want)
	}
	first, err := collections.EarliestActiveMember(app, c.Id)
	must(t, err)
	if first == nil || first.Id != f.m1.Id {
		t.Errorf("EarliestActiveMember = %v, want %s", first, f.m1.Id)
	}
	if none, err := collections.EarliestActiveMember(app, "missing"); none != nil || err != nil {
		t.Errorf("EarliestActiveMember(missing) = %v, %v; want nil, nil", none, err)
	}

	active, err := collections.ActiveMembers(app, c.Id)
	must(t, err)
	got := ids(active)
	slices.Sort(got)
	want := []string{f.m1.Id, f.m2.Id, f.m4.Id, f.m5.Id}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ActiveMembers = %v, want %v", got, want)
	}
	n, err := collections.CountActiveMembers(app, c.Id)
	must(t, err)
	if n != 4 {
		t.Errorf("CountActiveMembers = %d, want 4", n)
	}
	mine, err := collections.ActiveMembershipsOfUser(app, f.u3.Id)
	must(t, err)
	if len(mine) != 0 {
		t.Errorf("ActiveMembershipsOfUser(u3) = %v, want none (inactive)", ids(mine))
	}
}

func TestNicknameTaken(t *testing.T) {
	f := newCircleFixture(t)
	for _, c := range []struct {
		key, except string
		want        bool
	}{
		{"key:two", "", true},
		{"key:two", f.m2.Id, false}, // its own nickname
		{"key:three", "", false},    // held by an inactive member
		{"key:nobody", f.m1.Id, false},
	} {
		taken, err := collections.NicknameTaken(f.app, f.circle.Id, c.key, c.except)
		must(t, err)
		if taken != c.want {
			t.Errorf("NicknameTaken(%q, except %q) = %v, want %v", c.key, c.except, taken, c.want)
		}
	}
}

func TestCircleRecipients(t *testing.T) {
	f := newCircleFixture(t)
	f.m2.SetMuted(true)
	must(t, f.app.Save(f.m2))
	f.u2.Set(collections.FieldUserLocale, collections.LocaleEn)
	must(t, f.app.Save(f.u2))
	got, err := collections.CircleRecipients(f.app, f.circle.Id)
	must(t, err)
	// a user who set no locale reads as the default
	want := []collections.Recipient{
		{Member: f.m1.Id, User: f.u1.Id, Token: "", Active: true, Locale: collections.LocaleKo},
		{Member: f.m2.Id, User: f.u2.Id, Token: "ExponentPushToken[u2]", Active: true, Muted: true, Locale: collections.LocaleEn},
		{Member: f.m4.Id, User: f.u4.Id, Token: "ExponentPushToken[u4]", Active: false, Locale: collections.LocaleKo},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("CircleRecipients = %+v, want %+v", got, want)
	}
}

// No hooks run in these apps, so the stored member_count moves only when
// the recount functions run.
func TestMemberCountQueries(t *testing.T) {
	f := newCircleFixture(t)
	app := f.app
	other := makeCircle(t, app, f.u2.Id)
	makeMember(t, app, other.Id, f.u2.Id, "solo", true, time.Now())
	empty := makeCircle(t, app, f.u3.Id)

	wrong, err := collections.MemberCountMismatches(app)
	must(t, err)
	if want := []string{f.circle.Id, other.Id}; !slices.Equal(wrong, sorted(want)) {
		t.Fatalf("MemberCountMismatches = %v, want %v (the empty circle's 0 is right)", wrong, sorted(want))
	}

	n, err := collections.RecountMembers(app, f.circle.Id)
	must(t, err)
	stored, err := collections.FindCircle(app, f.circle.Id)
	must(t, err)
	if n != 4 || stored.MemberCount() != 4 || stored.Updated().String() != f.circle.Updated().String() {
		t.Fatalf("RecountMembers = %d, stored %d, updated %s (was %s); want 4, 4, unchanged",
			n, stored.MemberCount(), stored.Updated(), f.circle.Updated())
	}
	if n, err := collections.RecountMembers(app, "nosuchcircle123"); n != 0 || err != nil {
		t.Fatalf("RecountMembers of no circle = %d, %v; want 0, nil", n, err)
	}

	must(t, collections.RecountAllMembers(app))
	wrong, err = collections.MemberCountMismatches(app)
	must(t, err)
	if len(wrong) != 0 {
		t.Fatalf("after RecountAllMembers: %v", wrong)
	}
	for id, want := range map[string]int{f.circle.Id: 4, other.Id: 1, empty.Id: 0} {
		c, err := collections.FindCircle(app, id)
		must(t, err)
		if c.MemberCount() != want {
			t.Errorf("circle %s: member_count %d, want %d", id, c.MemberCount(), want)
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
