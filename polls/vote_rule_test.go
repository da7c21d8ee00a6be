package polls_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
)

// The votes create rule is empty (collections.ApplyVoteCreateRule): the
// votes create hook alone refuses whoever the old rule refused. Each
// attacker tries every spelling of the route; no vote row may appear.
func TestVoteRefusedWithoutTheRule(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	votes, err := app.FindCollectionByNameOrId(collections.Votes)
	if err != nil {
		t.Fatal(err)
	}
	if votes.CreateRule == nil || *votes.CreateRule != "" {
		t.Fatalf("votes create rule %v, want the empty rule", votes.CreateRule)
	}

	// a member who was disabled by an operator
	disabled := f.users[3]
	disabledToken := f.tokens[3]
	disabled.Set(collections.FieldUserIsActive, false)
	if err := app.Save(disabled); err != nil {
		t.Fatal(err)
	}
	su, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, "superuser@circly.test")
	if err != nil {
		t.Fatal(err)
	}

	attackers := []struct {
		name, token string
		want        int
	}{
		{"guest", "", http.StatusUnauthorized},
		{"disabled member", disabledToken, http.StatusForbidden},
		{"superuser", circlytest.Token(t, su), http.StatusForbidden},
		{"garbage token", "not-a-token", http.StatusUnauthorized},
	}
	paths := []string{
		"/api/collections/votes/records",
		"/api/collections/VOTES/records",
		"/api/collections/" + collections.VotesId + "/records",
	}
	for _, a := range attackers {
		for _, p := range paths {
			status, body := circlytest.Call(t, f.handler, http.MethodPost, p, a.token, map[string]any{"poll": f.poll, "option": f.options[0]})
			if status != a.want {
				t.Errorf("%s POST %s: %d %v, want %d", a.name, p, status, body, a.want)
			}
		}
	}
	if total, rows, _ := f.counts(t); total != 0 || rows != 0 {
		t.Fatalf("after the attacks: total_votes %d, %d vote rows, want none", total, rows)
	}
	f.mustVote(t, 1, 1) // a member still votes
}
