package polls_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/polls"
)

type feedBody struct {
	Page       int `json:"page"`
	PerPage    int `json:"perPage"`
	TotalItems int `json:"totalItems"`
	Items      []struct {
		Poll       map[string]any `json:"poll"`
		CircleName string         `json:"circle_name"`
		Voted      bool           `json:"voted"`
		CanVote    bool           `json:"can_vote"`
	} `json:"items"`
}

// row is one feed item as "poll id, voted, can_vote".
func (b feedBody) rows() []string {
	out := make([]string, len(b.Items))
	for i, it := range b.Items {
		out[i] = fmt.Sprintf("%s voted=%v can_vote=%v", it.Poll["id"], it.Voted, it.CanVote)
	}
	return out
}

func feedRow(poll string, voted, canVote bool) string {
	return fmt.Sprintf("%s voted=%v can_vote=%v", poll, voted, canVote)
}

// feedCase is one user's feed with one query: the rows and total it shows.
type feedCase struct {
	name  string
	user  int
	query string
	want  []string
	total int
}

func feedCases(w *homeWorld) []feedCase {
	return []feedCase{
		{"a member of two circles: open by deadline, then closed by deadline descending", hVoter, "", []string{
			feedRow(w.pOther, false, true),
			feedRow(w.pOpenSoon, true, false),
			feedRow(w.pOpenLate, false, true),
			feedRow(w.pAfter, false, true),
			feedRow(w.pClosedNew, true, false),
			feedRow(w.pClosedLow, true, false),
			feedRow(w.pClosedOld, true, false),
		}, 7},
		{"open only", hVoter, "?status=open", []string{
			feedRow(w.pOther, false, true),
			feedRow(w.pOpenSoon, true, false),
			feedRow(w.pOpenLate, false, true),
			feedRow(w.pAfter, false, true),
		}, 4},
		{"closed only", hVoter, "?status=closed", []string{
			feedRow(w.pClosedNew, true, false),
			feedRow(w.pClosedLow, true, false),
			feedRow(w.pClosedOld, true, false),
		}, 3},
		{"second page of 2", hVoter, "?page=2&perPage=2", []string{
			feedRow(w.pOpenLate, false, true),
			feedRow(w.pAfter, false, true),
		}, 7},
		{"a page past the end", hVoter, "?page=5&perPage=2", []string{}, 7},
		{"a former member reads the polls of its electorates, cannot vote, sees nothing newer", hFormer, "", []string{
			feedRow(w.pOpenSoon, false, false),
			feedRow(w.pOpenLate, false, false),
			feedRow(w.pClosedNew, false, false),
			feedRow(w.pClosedLow, false, false),
			feedRow(w.pClosedOld, false, false),
		}, 5},
		{"a later joiner reads every poll, votes only in the one made after it joined", hLate, "", []string{
			feedRow(w.pOpenSoon, false, false),
			feedRow(w.pOpenLate, false, false),
			feedRow(w.pAfter, false, true),
			feedRow(w.pClosedNew, false, false),
			feedRow(w.pClosedLow, false, false),
			feedRow(w.pClosedOld, false, false),
		}, 6},
		{"the creator voted in two polls", hCreator, "?status=closed", []string{
			feedRow(w.pClosedNew, true, false),
			feedRow(w.pClosedLow, false, false),
			feedRow(w.pClosedOld, true, false),
		}, 3},
		{"a stranger has an empty feed", hStranger, "", []string{}, 0},
	}
}

func TestFeed(t *testing.T) {
	t.Parallel()
	w := newHomeWorld(t, newHomeApp(t))

	for _, c := range feedCases(w) {
		t.Run(c.name, func(t *testing.T) {
			var got feedBody
			if status := w.get(t, c.user, polls.FeedPath+c.query, &got); status != 200 {
				t.Fatalf("status %d", status)
			}
			if got.Items == nil {
				t.Fatal("items is null, want a list")
			}
			if !slices.Equal(got.rows(), c.want) || got.TotalItems != c.total {
				t.Fatalf("feed = %d items\n%v\nwant %d\n%v", got.TotalItems, got.rows(), c.total, c.want)
			}
		})
	}

	// the page echoes its paging; circle names are each poll's circle's
	var first feedBody
	w.get(t, hVoter, polls.FeedPath, &first)
	if first.Page != 1 || first.PerPage != polls.DefaultPerPage {
		t.Fatalf("page %d perPage %d, want 1 and %d", first.Page, first.PerPage, polls.DefaultPerPage)
	}
	for _, it := range first.Items {
		want := w.circle.GetString("name")
		if it.Poll["id"] == w.pOther {
			want = w.other.GetString("name")
		}
		if it.CircleName != want {
			t.Errorf("poll %s: circle_name %q, want %q", it.Poll["id"], it.CircleName, want)
		}
	}
}

// TestFeedPollIsTheCollectionRecord: each item's poll is exactly what the
// polls collection API shows the same caller.
func TestFeedPollIsTheCollectionRecord(t *testing.T) {
	t.Parallel()
	w := newHomeWorld(t, newHomeApp(t))
	for _, user := range []int{hVoter, hFormer} {
		var feed feedBody
		w.get(t, user, polls.FeedPath, &feed)
		for _, it := range feed.Items {
			var viewed map[string]any
			if status := w.get(t, user, "/api/collections/polls/records/"+it.Poll["id"].(string), &viewed); status != 200 {
				t.Fatalf("user %d views %s: %d", user, it.Poll["id"], status)
			}
			if !reflect.DeepEqual(it.Poll, viewed) {
				a, _ := json.Marshal(it.Poll)
				b, _ := json.Marshal(viewed)
				t.Fatalf("feed poll\n%s\ncollection API\n%s", a, b)
			}
		}
	}
	// expand works as on the collection API (the caller may view the circle)
	var expanded feedBody
	w.get(t, hVoter, polls.FeedPath+"?expand=circle&perPage=1", &expanded)
	circle, _ := expanded.Items[0].Poll["expand"].(map[string]any)["circle"].(map[string]any)
	if circle["id"] != w.other.Id {
		t.Fatalf("expand=circle: %v", expanded.Items[0].Poll["expand"])
	}
}

func TestFeedAndPicksRefusals(t *testing.T) {
	t.Parallel()
	var user string
	var su map[string]string
	setup := func(t testing.TB, app *tests.TestApp) {
		user = circlytest.Token(t, circlytest.CreateUser(t, app))
		su = circlytest.SuperuserHeader(t, app)
	}
	auth := func(t testing.TB, s *tests.ApiScenario) { s.Headers = map[string]string{"Authorization": user} }
	none := func(t testing.TB, s *tests.ApiScenario) {}
	superuser := func(t testing.TB, s *tests.ApiScenario) { s.Headers = su }
	var scenarios []*tests.ApiScenario
	for _, path := range []string{polls.FeedPath, polls.PicksPath} {
		scenarios = append(scenarios,
			lazy(tests.ApiScenario{Name: path + " anonymous", Method: "GET", URL: path,
				ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}}, setup, none),
			lazy(tests.ApiScenario{Name: path + " empty", Method: "GET", URL: path,
				ExpectedStatus: 200, ExpectedContent: []string{`"page":1`, `"perPage":20`, `"totalItems":0`, `"items":[]`}}, setup, auth),
		)
		for _, bad := range []struct{ query, param, code string }{
			{"page=0", "page", "validation_min_number_constraint"},
			{"page=-1", "page", "validation_min_number_constraint"},
			{"page=abc", "page", "validation_only_int_constraint"},
			{"page=1.5", "page", "validation_only_int_constraint"},
			{"perPage=0", "perPage", "validation_min_number_constraint"},
			{"perPage=101", "perPage", "validation_max_number_constraint"},
			{"perPage=99999999999999999999", "perPage", "validation_only_int_constraint"},
		} {
			scenarios = append(scenarios, lazy(tests.ApiScenario{Name: path + " " + bad.query, Method: "GET", URL: path + "?" + bad.query,
				ExpectedStatus: 400, ExpectedContent: []string{`"status":400`, `"` + bad.param + `":{"code":"` + bad.code + `"`}}, setup, auth))
		}
	}
	scenarios = append(scenarios,
		lazy(tests.ApiScenario{Name: "feed status=maybe", Method: "GET", URL: polls.FeedPath + "?status=maybe",
			ExpectedStatus: 400, ExpectedContent: []string{`"status":{"code":"validation_invalid_value"`}}, setup, auth),
		lazy(tests.ApiScenario{Name: "feed status=OPEN (values are lower-case)", Method: "GET", URL: polls.FeedPath + "?status=OPEN",
			ExpectedStatus: 400, ExpectedContent: []string{`"status":{"code":"validation_invalid_value"`}}, setup, auth),
		lazy(tests.ApiScenario{Name: "feed status= (empty: both)", Method: "GET", URL: polls.FeedPath + "?status=&page=&perPage=",
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`, `"perPage":20`}}, setup, auth),
		lazy(tests.ApiScenario{Name: "feed perPage=100 (the maximum)", Method: "GET", URL: polls.FeedPath + "?perPage=100",
			ExpectedStatus: 200, ExpectedContent: []string{`"perPage":100`}}, setup, auth),
	)
	for _, path := range []string{polls.FeedPath, polls.PicksPath} {
		scenarios = append(scenarios, lazy(tests.ApiScenario{Name: path + " superuser (not an app user)", Method: "GET", URL: path,
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}}, setup, superuser))
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
