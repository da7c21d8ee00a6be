package polls_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
	"circly/polls"
)

// TestLiveReaderGateDecidesAsTheRules: the counters' realtime broadcast
// decides who receives a poll or option event from the poll's readers
// instead of running the read rule once per subscriber. For every kind of
// subscriber an attacker could be (left member in or out of the
// electorate, a disabled account, a stranger, a guest, a member of
// another circle, a newcomer), under the view and the list rule, its
// answer is the one the rule gives through PocketBase's own check, and the
// one the contract says (API.md §6). After an operator edits the rule, the
// new rule decides.
func TestLiveReaderGateDecidesAsTheRules(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 5, true)
	circle := f.circle

	setActive := func(r *core.Record, field string, active bool) {
		r.Set(field, active)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	// users[1] left after the poll started: in the electorate
	setActive(f.members[1], collections.FieldMemberIsActive, false)
	// users[2] was disabled by an operator
	setActive(f.users[2], collections.FieldUserIsActive, false)
	// a newcomer joined after the poll started: an active member
	newcomer := circlytest.CreateUser(t, app)
	circlytest.AddMember(t, app, circle, newcomer, "newcomer")
	// one who joined after the poll started and left again
	passer := circlytest.CreateUser(t, app)
	setActive(circlytest.AddMember(t, app, circle, passer, "passer"), collections.FieldMemberIsActive, false)
	// a member of another circle only, and a stranger
	_, others, _ := circlytest.CircleWithMembers(t, app, 2)
	stranger := circlytest.CreateUser(t, app)

	subscribers := []struct {
		name string
		auth *core.Record
		want bool
	}{
		{"creator", f.users[0], true},
		{"left, in the electorate", f.users[1], true},
		{"disabled", f.users[2], false},
		{"member", f.users[3], true},
		{"newcomer", newcomer, true},
		{"joined after and left", passer, false},
		{"member of another circle", others[1], false},
		{"stranger", stranger, false},
		{"guest", nil, false},
	}
	poll, err := app.FindRecordById(collections.Polls, f.poll)
	if err != nil {
		t.Fatal(err)
	}
	option, err := app.FindRecordById(collections.Options, f.options[0])
	if err != nil {
		t.Fatal(err)
	}
	check := func(stage string, record *core.Record, want func(i int) bool) {
		c := record.Collection()
		for _, rule := range []struct {
			name string
			rule *string
		}{{"view", c.ViewRule}, {"list", c.ListRule}} {
			for i, s := range subscribers {
				info := &core.RequestInfo{Context: core.RequestInfoContextRealtime, Method: "GET", Auth: s.auth}
				got, err := polls.CanReceiveLive(app, record, info, rule.rule)
				if err != nil {
					t.Fatal(err)
				}
				byRule, err := app.CanAccessRecord(record, info, rule.rule)
				if err != nil {
					t.Fatal(err)
				}
				where := fmt.Sprintf("%s: %s of %s, %s rule", stage, s.name, c.Name, rule.name)
				if got != byRule {
					t.Errorf("%s: broadcast says %v, the rule says %v", where, got, byRule)
				}
				if got != want(i) {
					t.Errorf("%s: broadcast says %v, want %v", where, got, want(i))
				}
			}
		}
	}
	for _, record := range []*core.Record{poll, option} {
		check("Circly's rules", record, func(i int) bool { return subscribers[i].want })
	}

	// an operator narrows the polls view rule to one user: that rule decides
	c := poll.Collection()
	edited := `@request.auth.id = "` + f.users[3].Id + `"`
	c.ViewRule = &edited
	c.ListRule = &edited
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	poll, err = app.FindRecordById(collections.Polls, f.poll)
	if err != nil {
		t.Fatal(err)
	}
	check("edited rule", poll, func(i int) bool { return subscribers[i].auth == f.users[3] })
}
