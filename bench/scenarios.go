package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	votes, raw voteSide
	ratios     []float64 // per round: vote rate / raw rate
	perRound   int
	rssMaxKB   int
}

func (r voteResult) ratio() float64 { return median(r.ratios) }

// benchVotes runs `rounds` interleaved rounds (circly votes, then raw
// creates of the same shape by the same users) of perRound requests with
// `workers` concurrent clients. Each round votes in polls started for it.
func benchVotes(s *server, circles []*circle, rounds, perRound, workers int, sampleRSS bool) (voteResult, error) {
	res := voteResult{perRound: perRound}
	client := newClient(workers)
	voteURL := s.url + "/api/collections/votes/records"
	rawURL := s.url + "/api/collections/bench_raw/records"

	// warm-up: connections, statement caches, both paths
	warm, _, err := s.votesFromNewPolls(circles, min(300, perRound/4))
	if err != nil {
		return res, err
	}
	runLoad(client, "POST", voteURL, warm, workers)
	runLoad(client, "POST", rawURL, rawJobs(warm, "w"+randomHex(4)), workers)

	var stopRSS chan struct{}
	var rssWG sync.WaitGroup
	if sampleRSS {
		stopRSS = make(chan struct{})
		rssWG.Go(func() {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				if kb := rssKB(s.pid(), "VmRSS"); kb > res.rssMaxKB {
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
		jobs = jobs[:perRound]
		raw := rawJobs(jobs, fmt.Sprintf("r%d%s", r, randomHex(4)))
		// alternate which side goes first so neither always follows the other
		var v, w loadResult
		var vCPU, wCPU time.Duration
		measured := func(url string, jobs []job, cpu *time.Duration) loadResult {
			c0 := cpuTime(s.pid())
			r := runLoad(client, "POST", url, jobs, workers)
			*cpu = cpuTime(s.pid()) - c0
			return r
		}
		if r%2 == 0 {
			v = measured(voteURL, jobs, &vCPU)
			w = measured(rawURL, raw, &wCPU)
		} else {
			w = measured(rawURL, raw, &wCPU)
			v = measured(voteURL, jobs, &vCPU)
		}
		res.votes.add(v, vCPU)
		res.raw.add(w, wCPU)
		res.ratios = append(res.ratios, v.rate()/w.rate())
		logf("  round %d: votes %.0f/s p50 %s p99 %s cpu %.0f µs/req (failures %d) | raw %.0f/s p50 %s p99 %s cpu %.0f µs/req (failures %d)",
			r+1, v.rate(), ms(durStats(v.lat).p50), ms(durStats(v.lat).p99), res.votes.cpu[r], v.failures,
			w.rate(), ms(durStats(w.lat).p50), ms(durStats(w.lat).p99), res.raw.cpu[r], w.failures)
	}
	if sampleRSS {
		close(stopRSS)
		rssWG.Wait()
	}
	if res.votes.failures > 0 || res.raw.failures > 0 {
		return res, fmt.Errorf("vote failures %d (%s), raw failures %d (%s)",
			res.votes.failures, res.votes.firstErr, res.raw.failures, res.raw.firstErr)
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
	kinds = append(kinds, &kind{&authSide{name: "circly device login (HMAC-SHA256 secret)"}, s.url + "/api/circly/auth/device", devJobs, perRound})

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
			s.url + "/api/collections/" + c.name + "/auth-with-password", jobs, c.n})
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
		if r := runLoad(client, "POST", s.url+"/api/collections/votes/records", jobs, 4); r.failures > 0 {
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
		url := s.url + "/api/circly/polls/" + rp.poll.id + "/results"
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
			url := s.url + "/api/circly/polls/" + rp.poll.id + "/results"
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
// 4. Realtime fan-out

type fanoutResult struct {
	subscribers, votes  int
	delivered, expected int
	fromResp, fromSend  stats
	voteLatency         stats
	connected           time.Duration
}

// sseEvent is one received realtime message of a subscriber.
type sseEvent struct {
	total int
	at    time.Time
}

// benchFanout subscribes n members of one large synthetic circle to its
// poll over PocketBase's realtime protocol, casts votes one at a time and
// measures when each subscriber sees each new total.
func benchFanout(s *server, n, votes int, gap time.Duration) (fanoutResult, error) {
	res := fanoutResult{subscribers: n, votes: votes}
	users, err := s.newUsers(n)
	if err != nil {
		return res, err
	}
	// a real circle of 3 (creator + 2 joins) and its poll …
	c, err := s.newCircle(users[:3])
	if err != nil {
		return res, err
	}
	p, err := s.newPoll(c, 2*time.Hour)
	if err != nil {
		return res, err
	}
	// … then the other members, added by the superuser (beyond the
	// 50-member limit of the app: a synthetic setup)
	err = parallel(n-3, 4, func(i int) error {
		u := users[i+3]
		var m struct {
			Id string `json:"id"`
		}
		if err := s.call("POST", "/api/collections/members/records", s.suToken, map[string]any{
			"circle": c.id, "user": u.id, "nickname": fmt.Sprintf("s%d", i+3), "is_active": true,
			"joined": pbTime(time.Now()),
		}, &m); err != nil {
			return err
		}
		u.setMember(c.id, m.Id)
		return nil
	})
	if err != nil {
		return res, err
	}
	c.members = users

	// subscribe everyone
	sseClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n + 10, DisableCompression: true}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make([][]sseEvent, n)
	var evMu sync.Mutex
	var ready sync.WaitGroup
	var subErr atomic.Value
	t0 := time.Now()
	ready.Add(n)
	for i := range n {
		go func() {
			once := sync.OnceFunc(ready.Done)
			defer once()
			if err := subscribe(ctx, sseClient, s.url, users[i].token, "polls/"+p.id, once, func(ev sseEvent) {
				evMu.Lock()
				events[i] = append(events[i], ev)
				evMu.Unlock()
			}); err != nil && ctx.Err() == nil {
				subErr.CompareAndSwap(nil, err.Error())
			}
		}()
		if i%50 == 49 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	ready.Wait()
	res.connected = time.Since(t0)
	if e := subErr.Load(); e != nil {
		return res, fmt.Errorf("subscribe: %s", e)
	}
	time.Sleep(500 * time.Millisecond)

	// vote one at a time; voter k votes for an option that is not its own
	voteClient := newClient(2)
	type sent struct{ send, resp time.Time }
	var times []sent
	var voteLat []time.Duration
	voters := voteJobs(p)
	// the creator and the two joined members hold the options: use others
	for k := range votes {
		j := voters[3+k]
		t1 := time.Now()
		r := runLoad(voteClient, "POST", s.url+"/api/collections/votes/records", []job{j}, 1)
		t2 := time.Now()
		if r.failures > 0 {
			return res, fmt.Errorf("fan-out vote: %s", r.firstErr)
		}
		times = append(times, sent{t1, t2})
		voteLat = append(voteLat, t2.Sub(t1))
		time.Sleep(gap)
	}
	time.Sleep(time.Second)
	cancel()

	evMu.Lock()
	defer evMu.Unlock()
	var fromResp, fromSend []time.Duration
	perVote := make([][]time.Duration, votes)
	for _, evs := range events {
		for _, ev := range evs {
			k := ev.total - 1
			if k < 0 || k >= votes {
				continue
			}
			fromResp = append(fromResp, ev.at.Sub(times[k].resp))
			fromSend = append(fromSend, ev.at.Sub(times[k].send))
			perVote[k] = append(perVote[k], ev.at.Sub(times[k].resp))
			res.delivered++
		}
	}
	res.expected = n * votes
	res.fromResp = durStats(fromResp)
	res.fromSend = durStats(fromSend)
	res.voteLatency = durStats(voteLat)
	return res, nil
}

// subscribe opens an SSE connection, subscribes the client to topic with
// the user's token once PB_CONNECT names it, calls subscribed, then reports
// every message of the topic until ctx ends.
func subscribe(ctx context.Context, client *http.Client, base, token, topic string, subscribed func(), onEvent func(sseEvent)) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/realtime", nil)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("realtime connect: %d", res.StatusCode)
	}
	rd := bufio.NewReader(res.Body)
	var event string
	var data []byte
	for {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			if err == io.EOF || ctx.Err() != nil {
				return nil
			}
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(line[len("event:"):])
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data[:0], line[len("data:"):]...)
		case len(line) == 0:
			at := time.Now()
			switch event {
			case "PB_CONNECT":
				var c struct {
					ClientId string `json:"clientId"`
				}
				if err := json.Unmarshal(data, &c); err != nil {
					return err
				}
				body, _ := json.Marshal(map[string]any{"clientId": c.ClientId, "subscriptions": []string{topic}})
				sreq, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/realtime", bytes.NewReader(body))
				sreq.Header.Set("Content-Type", "application/json")
				sreq.Header.Set("Authorization", token)
				sres, err := setupClient.Do(sreq)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, sres.Body)
				sres.Body.Close()
				if sres.StatusCode != 204 {
					return fmt.Errorf("realtime subscribe: %d", sres.StatusCode)
				}
				subscribed()
			case topic:
				var m struct {
					Record struct {
						TotalVotes int `json:"total_votes"`
					} `json:"record"`
				}
				if json.Unmarshal(data, &m) == nil {
					onEvent(sseEvent{m.Record.TotalVotes, at})
				}
			}
			event, data = "", data[:0]
		}
	}
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

// ---------------------------------------------------------------------------
// 6. Footprint: cold start

// coldStarts starts the binary on n fresh data dirs (migrations and the
// template seed included) and returns each time to the first healthy answer
// and the idle RSS a few seconds later.
func coldStarts(bin, tmp string, n int) ([]time.Duration, []int, error) {
	var starts []time.Duration
	var rss []int
	for i := range n {
		s := &server{bin: bin, dataDir: filepath.Join(tmp, fmt.Sprintf("cold%d", i))}
		d, err := s.start()
		if err != nil {
			return nil, nil, err
		}
		time.Sleep(2 * time.Second)
		rss = append(rss, rssKB(s.pid(), "VmRSS"))
		starts = append(starts, d)
		s.stop()
		os.RemoveAll(s.dataDir)
	}
	return starts, rss, nil
}
