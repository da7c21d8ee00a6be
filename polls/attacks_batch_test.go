package polls_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
)

// TestAttackVoteInBatchStallsWriter: a vote sent inside a batch would wait
// for the batch's own transaction (SQLite's only writer) and hold every
// other vote up until the batch times out. It must be refused before the
// transaction, not counted, and not delay a vote sent at the same time.
func TestAttackVoteInBatchStallsWriter(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	svc := circlytest.Circly(t, app).Polls
	f := newPollFixture(t, app, 6, true) // users 0..5, options members 1..5
	app.Settings().Batch = core.BatchConfig{Enabled: true, MaxRequests: 10, Timeout: 3}
	c := atkClient{h: f.handler}

	voteReq := func(path string, j int) map[string]any {
		return map[string]any{"method": "POST", "url": path, "body": map[string]any{"poll": f.poll, "option": f.options[j]}}
	}
	checkRefused := func(status int, raw []byte, index string) {
		t.Helper()
		var body map[string]any
		json.Unmarshal(raw, &body)
		if status != 400 || atkFieldCode(body, "requests", index) != "validation_vote_in_batch" {
			t.Fatalf("batch with a vote at %s: %d %s", index, status, raw)
		}
	}

	status, raw := c.do("POST", "/api/batch", f.tokens[0], map[string]any{"requests": []any{voteReq("/api/collections/votes/records", 0)}})
	checkRefused(status, raw, "0")
	if total, rows, _ := f.counts(t); total != 0 || rows != 0 {
		t.Fatalf("the batched vote was counted: total %d rows %d", total, rows)
	}
	f.mustVote(t, 1, 1)
	if total, rows, _ := f.counts(t); total != 1 || rows != 1 {
		t.Fatalf("after a single vote: total %d rows %d", total, rows)
	}

	// batches (the vote behind a harmless request, under other spellings,
	// as an upsert) sent while members vote normally
	batches := [][]any{
		{map[string]any{"method": "PATCH", "url": "/api/collections/users/records/" + f.users[2].Id, "body": map[string]any{"push_token": ""}},
			voteReq("/api/collections/votes/records", 1)},
		{voteReq("/api/collections/VOTES/records?expand=poll", 2)},
		{voteReq("/api/collections/circly_votes/records", 3)},
		{map[string]any{"method": "PUT", "url": "/api/collections/votes/records", "body": map[string]any{"poll": f.poll, "option": f.options[4]}}},
	}
	var wg sync.WaitGroup
	batchStatus := make([]int, len(batches))
	batchRaw := make([][]byte, len(batches))
	for i, reqs := range batches {
		wg.Go(func() {
			batchStatus[i], batchRaw[i] = c.do("POST", "/api/batch", f.tokens[2], map[string]any{"requests": reqs})
		})
	}
	voters := []int{3, 4, 5}
	voteStatus := make([]int, len(voters))
	voteRaw := make([][]byte, len(voters))
	for n, i := range voters {
		wg.Go(func() {
			voteStatus[n], voteRaw[n] = c.do("POST", "/api/collections/votes/records", f.tokens[i], map[string]any{"poll": f.poll, "option": f.options[(i+1)%5]})
		})
	}
	wg.Wait()
	for i := range batches {
		index := "0"
		if i == 0 {
			index = "1"
		}
		checkRefused(batchStatus[i], batchRaw[i], index)
	}
	for n := range voters {
		if voteStatus[n] != 200 {
			t.Fatalf("a vote sent next to the batches: %d %s", voteStatus[n], voteRaw[n])
		}
	}
	if total, rows, _ := f.counts(t); total != 4 || rows != 4 {
		t.Fatalf("total %d rows %d, want 4 (the single votes only)", total, rows)
	}
	if voted, err := svc.HasVoted(app, f.poll, f.users[2].Id); err != nil || voted {
		t.Fatalf("the batch sender counts as a voter: %v %v", voted, err)
	}
}
