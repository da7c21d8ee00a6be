package polls_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// voteJob is one vote to cast: a token and a request body.
type voteJob struct {
	token string
	body  string
}

// benchVoteSetup makes polls in circles of `size` members until there are n
// distinct (voter, poll) pairs, and returns one vote job per pair.
func benchVoteSetup(b *testing.B, app *tests.TestApp, n, size int) []voteJob {
	b.Helper()
	app.Settings().RateLimits.Enabled = false
	tpl := circlytest.FirstTemplate(b, app)
	h := circlytest.Handler(b, app)
	var jobs []voteJob
	for len(jobs) < n {
		circle, users, _ := circlytest.CircleWithMembers(b, app, size)
		token0 := circlytest.Token(b, users[0])
		status, body := circlytest.Call(b, h, "POST", "/api/collections/polls/records", token0, map[string]any{
			"circle": circle.Id, "template": tpl.Id,
			"deadline": dt(time.Hour),
		})
		if status != 200 {
			b.Fatalf("poll: %d %v", status, body)
		}
		pollId := body["id"].(string)
		opts, _ := collections.PollOptions(app, pollId)
		for i, u := range users {
			// option k names member k+1, so option i is never user i's own
			o := opts[i%len(opts)]
			jobs = append(jobs, voteJob{circlytest.Token(b, u), `{"poll":"` + pollId + `","option":"` + o.Id + `"}`})
		}
	}
	return jobs[:n]
}

// runConcurrent sends every job through handler with `workers` goroutines
// and returns the per-request latencies and the wall time.
func runConcurrent(b *testing.B, handler http.Handler, url string, jobs []voteJob, workers int) ([]time.Duration, time.Duration) {
	b.Helper()
	lat := make([]time.Duration, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var failed sync.Once
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				rec := circlytest.Do(handler, circlytest.Request{Method: http.MethodPost, URL: url, Token: jobs[i].token, Body: []byte(jobs[i].body),
					Header: map[string]string{"Content-Type": "application/json"}})
				lat[i] = time.Since(t0)
				if rec.Code != 200 {
					failed.Do(func() { b.Errorf("%s: %d %s", url, rec.Code, rec.Body.String()) })
				}
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return lat, time.Since(start)
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[int(float64(len(s)-1)*p)].Microseconds()) / 1000
}

// BenchmarkVote64 casts votes from 64 concurrent voters across many polls in
// circles of 30, then the same number of raw PocketBase creates of a
// comparable record (poll, option, hash; open create rule) on the same app,
// and reports votes/s, raw creates/s, their ratio and latencies.
//
//	go test -run '^$' -bench Vote64 -benchtime 1x ./polls
func BenchmarkVote64(b *testing.B) {
	const votes, workers, circleSize = 3000, 64, 30
	for b.Loop() {
		b.StopTimer()
		app := circlytest.NewTestApp(b)
		jobs := benchVoteSetup(b, app, votes, circleSize)

		raw := core.NewBaseCollection("bench_raw")
		raw.Fields.Add(&core.TextField{Name: "poll"}, &core.TextField{Name: "option"}, &core.TextField{Name: "voter_hash"})
		raw.CreateRule = new(`@request.auth.id != ""`)
		raw.AddIndex("idx_bench_raw", true, "poll, voter_hash", "")
		if err := app.Save(raw); err != nil {
			b.Fatal(err)
		}
		rawJobs := make([]voteJob, len(jobs))
		for i, j := range jobs {
			rawJobs[i] = voteJob{j.token, strings.TrimSuffix(j.body, "}") + fmt.Sprintf(`,"voter_hash":"h%06d"}`, i)}
		}
		h := circlytest.Handler(b, app)
		b.StartTimer()

		voteLat, voteWall := runConcurrent(b, h, "/api/collections/votes/records", jobs, workers)
		rawLat, rawWall := runConcurrent(b, h, "/api/collections/bench_raw/records", rawJobs, workers)

		voteRate := float64(len(jobs)) / voteWall.Seconds()
		rawRate := float64(len(jobs)) / rawWall.Seconds()
		b.ReportMetric(voteRate, "votes/s")
		b.ReportMetric(rawRate, "raw-creates/s")
		b.ReportMetric(voteRate/rawRate, "ratio")
		b.ReportMetric(percentile(voteLat, 0.5), "vote-p50-ms")
		b.ReportMetric(percentile(voteLat, 0.99), "vote-p99-ms")
		b.ReportMetric(percentile(rawLat, 0.5), "raw-p50-ms")
		b.ReportMetric(percentile(rawLat, 0.99), "raw-p99-ms")
	}
}
