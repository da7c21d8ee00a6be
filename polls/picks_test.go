package polls_test

import (
	"testing"

	"circly/circlytest"
	"circly/collections"
	"circly/polls"
)

type picksBody struct {
	Page       int              `json:"page"`
	PerPage    int              `json:"perPage"`
	TotalItems int              `json:"totalItems"`
	Items      []polls.PickItem `json:"items"`
}

func TestPicks(t *testing.T) {
	t.Parallel()
	w := newHomeWorld(t, newHomeApp(t))
	question := circlytest.FirstTemplate(t, w.app).GetString("question_text")
	circleName := w.circle.GetString("name")

	var got picksBody
	if status := w.get(t, hVoter, polls.PicksPath, &got); status != 200 {
		t.Fatalf("status %d", status)
	}
	// newest first; the poll that closed below the threshold is not there,
	// nor are open polls
	if got.Page != 1 || got.PerPage != polls.DefaultPerPage || got.TotalItems != 2 || len(got.Items) != 2 {
		t.Fatalf("picks = %+v", got)
	}
	for i, want := range []string{w.pClosedNew, w.pClosedOld} {
		it := got.Items[i]
		poll, _ := collections.FindPoll(w.app, want)
		if it.Poll != want || it.QuestionText != question || it.Circle != w.circle.Id || it.CircleName != circleName ||
			it.Deadline.String() != poll.Deadline().String() || it.Votes != 2 || it.TotalVotes != 3 {
			t.Errorf("pick %d = %+v, want poll %s with 2 of 3 votes", i, it, want)
		}
	}

	// pages of 1
	var second picksBody
	w.get(t, hVoter, polls.PicksPath+"?page=2&perPage=1", &second)
	if second.TotalItems != 2 || len(second.Items) != 1 || second.Items[0].Poll != w.pClosedOld || second.Page != 2 || second.PerPage != 1 {
		t.Fatalf("second page of 1 = %+v", second)
	}

	// hPicked got one vote in each; it leaves and keeps its inbox
	if status, body := circlytest.Call(t, w.h, "POST", "/api/circly/circles/"+w.circle.Id+"/leave", w.tokens[hPicked], nil); status != 204 {
		t.Fatalf("leave: %d %v", status, body)
	}
	var picked picksBody
	w.get(t, hPicked, polls.PicksPath, &picked)
	if picked.TotalItems != 2 || picked.Items[0].Poll != w.pClosedNew || picked.Items[0].Votes != 1 || picked.Items[1].Votes != 1 {
		t.Fatalf("picks after leaving = %+v", picked)
	}

	// nobody picked them, or they were never options
	for _, u := range []int{hCreator, hMember, hFormer, hLate, hStranger, hOther} {
		var none picksBody
		if status := w.get(t, u, polls.PicksPath, &none); status != 200 || none.TotalItems != 0 || none.Items == nil || len(none.Items) != 0 {
			t.Errorf("user %d: %d %+v, want an empty inbox", u, status, none)
		}
	}
}
