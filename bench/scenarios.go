package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ---------------------------------------------------------------------------
// 1. Vote throughput and latency against a raw PocketBase create

type voteSide struct {
	rate     []float64
	cpu      []float64 // server CPU µs per request
	p50, p99 []time.Duration
	failures int
	firstErr string
}

func (v *voteSide) add(r loadResult, cpu time.Duration) {
	v.rate = append(v.rate, r.rate())
	v.cpu = append(v.cpu, float64(cpu.Microseconds())/float64(len(r.lat)))
	st := durStats(r.lat)
	v.p50 = append(v.p50, st.p50)
	v.p99 = append(v.p99, st.p99)
	v.failures += r.failures
	if v.firstErr == "" {
		v.firstErr = r.firstErr
	}
}

type voteResult struct {
	votes, raw, bare voteSide
	ratios           []float64 // per round: vote rate / bare PocketBase create rate
	rawRatios        []float64 // per round: vote rate / raw create rate on the circly server
	perRound         int
	rssMaxKB         int
	unsettled        int // sides that began before the servers were quiet (settle)
}

// ratio is the median of the rounds' vote rate / bare PocketBase create rate.
func (r voteResult) ratio() float64 { return median(r.ratios) }

// rawRatio is the median of the rounds' vote rate / raw create rate on the
// circly server itself.
func (r voteResult) rawRatio() float64 { return median(r.rawRatios) }

// benchVotes runs `rounds` interleaved rounds of perRound requests with
// `workers` concurrent clients: circly votes, raw creates of the same shape
// by the same users on the circly server, and the same raw creates on the
// bare PocketBase (one after the other, never at the same time; which side
// goes first rotates). Each round votes in polls started for it.
func benchVotes(s *server, bare *bareServer, circles []*circle, rounds, perRound, workers int, sampleRSS bool, after time.Duration) (voteResult, error) {
	res := voteResult{perRound: perRound}
	client := newClient(workers)
	bareClient := newClient(workers)
	voteURL := s.URL + "/api/collections/votes/records"
	rawURL := s.URL + "/api/collections/bench_raw/records"
	bareURL := bare.URL + "/api/collections/bench_raw/records"

	// warm-up: connections, statement caches, every path
	warm, _, err := s.votesFromNewPolls(circles, min(300, perRound/4))
	if err != nil {
		return res, err
	}
	runLoad(client, "POST", voteURL, warm, workers)
	runLoad(client, "POST", rawURL, rawJobs(warm, "w"+randomHex(4)), workers)
	runLoad(bareClient, "POST", bareURL, bare.jobs(rawJobs(warm, "w"+randomHex(4))), workers)

	var stopRSS chan struct{}
	var rssWG sync.WaitGroup
	if sampleRSS {
		stopRSS = make(chan struct{})
		rssWG.Go(func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				if kb := rssKB(s.PID(), "VmRSS"); kb > res.rssMaxKB {
					res.rssMaxKB = kb
				}
				select {
				case <-stopRSS:
					return
				case <-t.C:
				}
			}
		})
	}

	for r := range rounds {
		jobs, _, err := s.votesFromNewPolls(circles, perRound)
		if err != nil {
			return res, err
		}
		ended := time.Now()
		jobs = jobs[:perRound]
		raw := rawJobs(jobs, fmt.Sprintf("r%d%s", r, randomHex(4)))
		bareJobs := bare.jobs(rawJobs(jobs, fmt.Sprintf("b%d%s", r, randomHex(4))))
		var v, w, b loadResult
		var vCPU, wCPU, bCPU time.Duration
		measured := func(c *http.Client, pid int, url string, jobs []job, cpu *time.Duration) loadResult {
			if !settle(ended.Add(after), settleMax, s.PID(), bare.PID()) {
				res.unsettled++
			}
			defer func() { ended = time.Now() }()
			c0 := cpuTime(pid)
			stop := profileVotes(url == voteURL, r+1)
			r := runLoad(c, "POST", url, jobs, workers)
			*cpu = cpuTime(pid) - c0
			stop()
			return r
		}
		sides := []func(){
			func() { v = measured(client, s.PID(), voteURL, jobs, &vCPU) },
			func() { w = measured(client, s.PID(), rawURL, raw, &wCPU) },
			func() { b = measured(bareClient, bare.PID(), bareURL, bareJobs, &bCPU) },
		}
		// rotate which side goes first so none always follows another
		for k := range sides {
			sides[(r+k)%len(sides)]()
		}
		res.votes.add(v, vCPU)
		res.raw.add(w, wCPU)
		res.bare.add(b, bCPU)
		res.ratios = append(res.ratios, v.rate()/b.rate())
		res.rawRatios = append(res.rawRatios, v.rate()/w.rate())
		logf("  round %d: votes %.0f/s p50 %s p99 %s cpu %.0f µs/req (failures %d) | bare %.0f/s p50 %s p99 %s cpu %.0f µs/req (failures %d) | circly raw %.0f/s p50 %s p99 %s cpu %.0f µs/req (failures %d)",
			r+1, v.rate(), ms(durStats(v.lat).p50), ms(durStats(v.lat).p99), res.votes.cpu[r], v.failures,
			b.rate(), ms(durStats(b.lat).p50), ms(durStats(b.lat).p99), res.bare.cpu[r], b.failures,
			w.rate(), ms(durStats(w.lat).p50), ms(durStats(w.lat).p99), res.raw.cpu[r], w.failures)
	}
	if sampleRSS {
		close(stopRSS)
		rssWG.Wait()
	}
	if res.votes.failures > 0 || res.raw.failures > 0 || res.bare.failures > 0 {
		return res, fmt.Errorf("vote failures %d (%s), raw failures %d (%s), bare failures %d (%s)",
			res.votes.failures, res.votes.firstErr, res.raw.failures, res.raw.firstErr, res.bare.failures, res.bare.firstErr)
	}
	return res, nil
}

// ---------------------------------------------------------------------------
// 2. Device login against PocketBase's authWithPassword

type authSide struct {
	name     string
	p50, p99 []time.Duration
}

type authResult struct {
	sides []*authSide
}

// benchAuth logs in known devices and password users one request at a
// time, interleaving the kinds each round.
func benchAuth(s *server, rounds, perRound, perRoundSlow int) (authResult, error) {
	var res authResult
	devices, err := s.newUsers(50)
	if err != nil {
		return res, err
	}
	type kind struct {
		side *authSide
		url  string
		jobs []job
		n    int
	}
	var kinds []*kind
	devJobs := make([]job, len(devices))
	for i, d := range devices {
		devJobs[i] = job{"", fmt.Appendf(nil, `{"device_id":%q,"device_secret":%q}`, d.deviceId, d.secret)}
	}
	kinds = append(kinds, &kind{&authSide{name: "circly device login (HMAC-SHA256 secret)"}, s.URL + "/api/circly/auth/device", devJobs, perRound})

	for _, c := range []struct {
		name string
		cost int
		n    int
	}{{"bench_auth4", 4, perRound}, {"bench_auth10", 0, perRoundSlow}} {
		if err := s.createAuthCollection(c.name, c.cost); err != nil {
			return res, err
		}
		var jobs []job
		for i := range 20 {
			email := fmt.Sprintf("u%d@bench.example.com", i)
			if err := s.createAuthUser(c.name, email, "bench-password-123"); err != nil {
				return res, err
			}
			jobs = append(jobs, job{"", fmt.Appendf(nil, `{"identity":%q,"password":"bench-password-123"}`, email)})
		}
		cost := c.cost
		if cost == 0 {
			cost = 10
		}
		kinds = append(kinds, &kind{&authSide{name: fmt.Sprintf("PocketBase authWithPassword, bcrypt cost %d", cost)},
			s.URL + "/api/collections/" + c.name + "/auth-with-password", jobs, c.n})
	}

	client := newClient(4)
	expand := func(jobs []job, n int) []job {
		out := make([]job, n)
		for i := range out {
			out[i] = jobs[i%len(jobs)]
		}
		return out
	}
	for _, k := range kinds { // warm-up
		if r := runLoad(client, "POST", k.url, expand(k.jobs, 10), 1); r.failures > 0 {
			return res, fmt.Errorf("%s: %s", k.side.name, r.firstErr)
		}
	}
	for range rounds {
		for _, k := range kinds {
			r := runLoad(client, "POST", k.url, expand(k.jobs, k.n), 1)
			if r.failures > 0 {
				return res, fmt.Errorf("%s: %s", k.side.name, r.firstErr)
			}
			st := durStats(r.lat)
			k.side.p50 = append(k.side.p50, st.p50)
			k.side.p99 = append(k.side.p99, st.p99)
		}
	}
	for _, k := range kinds {
		res.sides = append(res.sides, k.side)
	}
	return res, nil
}

// ---------------------------------------------------------------------------
// 3. Results read at 10, 1,000 and 100,000 votes

type resultsPoll struct {
	votes  int
	poll   *poll
	tokens []string
	p50    []time.Duration
	p99    []time.Duration
}

// prepareResultsPolls starts one poll per size in circles of 50 and casts
// 10 real votes in each through the API. The rest is seeded later.
func prepareResultsPolls(s *server, circles []*circle, sizes []int) ([]*resultsPoll, error) {
	var out []*resultsPoll
	client := newClient(8)
	for i, n := range sizes {
		c := circles[i%len(circles)]
		p, err := s.newPoll(c, 6*time.Hour)
		if err != nil {
			return nil, err
		}
		jobs := voteJobs(p)[:10]
		if r := runLoad(client, "POST", s.URL+"/api/collections/votes/records", jobs, 4); r.failures > 0 {
			return nil, fmt.Errorf("results votes: %s", r.firstErr)
		}
		rp := &resultsPoll{votes: n, poll: p}
		for _, u := range c.members {
			rp.tokens = append(rp.tokens, u.token)
		}
		out = append(out, rp)
	}
	return out, nil
}

// seedResultsPolls brings each poll from its 10 API votes to its size
// (the server must be stopped).
func seedResultsPolls(dataDir string, polls []*resultsPoll) error {
	for _, rp := range polls {
		if rp.votes > 10 {
			if err := seedVotes(dataDir, rp.poll.id, rp.votes-10); err != nil {
				return err
			}
		}
	}
	return nil
}

// benchResults reads the results of each poll one request at a time,
// interleaving the polls each round; members take turns.
func benchResults(s *server, polls []*resultsPoll, rounds, perRound int) error {
	client := newClient(4)
	jobsOf := func(rp *resultsPoll, n int) []job {
		out := make([]job, n)
		for i := range out {
			out[i] = job{rp.tokens[i%len(rp.tokens)], nil}
		}
		return out
	}
	for _, rp := range polls {
		rp.p50, rp.p99 = nil, nil
		url := s.URL + "/api/circly/polls/" + rp.poll.id + "/results"
		if r := runLoad(client, "GET", url, jobsOf(rp, 20), 1); r.failures > 0 {
			return fmt.Errorf("results: %s", r.firstErr)
		}
		// the counters must be what was seeded
		var body struct {
			TotalVotes int `json:"total_votes"`
		}
		if err := s.call("GET", "/api/circly/polls/"+rp.poll.id+"/results", rp.tokens[0], nil, &body); err != nil {
			return err
		}
		if body.TotalVotes != rp.votes {
			return fmt.Errorf("poll %s: total_votes %d, want %d", rp.poll.id, body.TotalVotes, rp.votes)
		}
	}
	for range rounds {
		for _, rp := range polls {
			url := s.URL + "/api/circly/polls/" + rp.poll.id + "/results"
			r := runLoad(client, "GET", url, jobsOf(rp, perRound), 1)
			if r.failures > 0 {
				return fmt.Errorf("results: %s", r.firstErr)
			}
			st := durStats(r.lat)
			rp.p50 = append(rp.p50, st.p50)
			rp.p99 = append(rp.p99, st.p99)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// 5. Notification dispatch (the notify package's benchmarks)

type dispatchResult struct {
	unpacedSeconds, unpacedRequests float64
	pacedSeconds, pacedRequests     float64
	pacedIdeal, pacedX              float64
	raw                             string
}

var benchLine = regexp.MustCompile(`^(BenchmarkDispatch10k\S*)\s+\d+\s+(.*)$`)

// benchDispatch builds the notify benchmarks and runs the two 10,000
// recipient ones once each, the test binary pinned to the server CPU.
func benchDispatch(repo, tmp string) (dispatchResult, error) {
	var res dispatchResult
	testBin := filepath.Join(tmp, "notify.test")
	build := exec.Command("go", "test", "-c", "-o", testBin, "./notify/")
	build.Dir = repo
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if pin.enabled {
		build = exec.Command("taskset", append([]string{"-c", pin.allCPUs}, build.Args...)...)
		build.Dir = repo
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
	}
	if err := build.Run(); err != nil {
		return res, fmt.Errorf("build notify benchmarks: %w", err)
	}
	cmd := serverCommand(testBin, "-test.run", "^$", "-test.bench", "Dispatch10k", "-test.benchtime", "1x")
	cmd.Dir = filepath.Join(repo, "notify")
	out, err := cmd.CombinedOutput()
	res.raw = string(out)
	if err != nil {
		return res, fmt.Errorf("notify benchmarks: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		metrics := map[string]float64{}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				metrics[f[i+1]] = v
			}
		}
		if strings.Contains(m[1], "Paced") {
			res.pacedSeconds = metrics["s/run"]
			res.pacedRequests = metrics["requests/op"]
			res.pacedIdeal = metrics["ideal-s/run"]
			res.pacedX = metrics["x-ideal"]
		} else {
			res.unpacedSeconds = metrics["ns/op"] / 1e9
			res.unpacedRequests = metrics["requests/op"]
		}
	}
	if res.unpacedSeconds == 0 || res.pacedSeconds == 0 {
		return res, fmt.Errorf("notify benchmarks: no figures in\n%s", out)
	}
	return res, nil
}
