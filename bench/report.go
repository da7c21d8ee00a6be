package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type growthRow struct {
	seededPolls  int
	polls, votes int
	seedTime     time.Duration
	vote         voteResult
	results      []resultsPoll
}

type report struct {
	quick      bool
	bin        string
	workers    int
	placement  string
	loadBefore string
	loadAfter  string
	elapsed    time.Duration

	binaryBytes  int64
	coldStarts   []time.Duration
	idleRSSFresh []int
	idleRSS      int

	votes      *voteResult
	auth       *authResult
	results    []resultsPoll
	fanout     *fanoutResult
	dispatch   *dispatchResult
	growth     []growthRow
	home       []homeLevel
	replica    *replicationResult
	countCheck string
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func mb(kb int) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func medOf(d []time.Duration) time.Duration { return medianDur(d) }

func (r *report) print(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	title := "Circly benchmarks"
	if r.quick {
		title += " (quick)"
	}
	p("## %s", title)
	p("")
	p("Placement: %s. Load average before/after: %s / %s. Run took %s.", r.placement, r.loadBefore, r.loadAfter, r.elapsed.Round(time.Second))
	p("")

	if v := r.votes; v != nil {
		rounds := len(v.ratios)
		p("### 1. Votes, %d concurrent voters (%d rounds × %d requests, interleaved; medians of rounds)", r.workers, rounds, v.perRound)
		p("")
		p("| | rate | p50 | p99 | server CPU per request |")
		p("|---|---:|---:|---:|---:|")
		p("| circly vote (`votes` create) | %.0f /s | %s | %s | %.0f µs |", median(v.votes.rate), ms(medOf(v.votes.p50)), ms(medOf(v.votes.p99)), median(v.votes.cpu))
		p("| bare PocketBase create (`bench/barepb`, `bench_raw`) | %.0f /s | %s | %s | %.0f µs |", median(v.bare.rate), ms(medOf(v.bare.p50)), ms(medOf(v.bare.p99)), median(v.bare.cpu))
		p("| raw create on the circly server (`bench_raw`) | %.0f /s | %s | %s | %.0f µs |", median(v.raw.rate), ms(medOf(v.raw.p50)), ms(medOf(v.raw.p99)), median(v.raw.cpu))
		p("")
		voteP99, bareP50 := medOf(v.votes.p99), medOf(v.bare.p50)
		p("Rate ratio vote/bare create per round: %s → median **%.2f** (goal ≥ 1.0: %s); CPU per vote %.0f µs vs %.0f µs per bare create (goal ≤: %s). "+
			"Vote p99 %s = %.2f× the bare create's p50 %s (goal ≤ 1.5×: %s). Vote/raw create on the circly server: %s → median %.2f.",
			floats(v.ratios), v.ratio(), verdict(v.ratio() >= 1.0), median(v.votes.cpu), median(v.bare.cpu), verdict(median(v.votes.cpu) <= median(v.bare.cpu)),
			ms(voteP99), float64(voteP99)/float64(bareP50), ms(bareP50), verdict(float64(voteP99) <= 1.5*float64(bareP50)),
			floats(v.rawRatios), v.rawRatio())
		p("Each side began on quiet servers (bench/settle.go): %d of %d sides did not settle within %s.", v.unsettled, 3*rounds, settleMax)
		if r.countCheck != "" {
			p("Counters checked against rows after the run: %s.", r.countCheck)
		}
		p("")
	}

	if a := r.auth; a != nil && len(a.sides) > 0 {
		p("### 2. Login, one request at a time (interleaved rounds; medians of rounds)")
		p("")
		p("| | p50 | p99 |")
		p("|---|---:|---:|")
		for _, s := range a.sides {
			p("| %s | %s | %s |", s.name, ms(medOf(s.p50)), ms(medOf(s.p99)))
		}
		dev := medOf(a.sides[0].p50)
		p("")
		p("Device login p50 %s (goal < 5 ms: %s).", ms(dev), verdict(dev < 5*time.Millisecond))
		p("")
	}

	if len(r.results) > 0 {
		p("### 3. Results read, one request at a time (polls read in turn each round; medians of rounds)")
		p("")
		p("| votes on the poll | p50 | p99 |")
		p("|---:|---:|---:|")
		for _, rp := range r.results {
			p("| %d | %s | %s |", rp.votes, ms(medOf(rp.p50)), ms(medOf(rp.p99)))
		}
		small, large := medOf(r.results[0].p50), medOf(r.results[len(r.results)-1].p50)
		p("")
		p("Largest/smallest p50: %.2f× (goal ≤ 1.5×: %s).", float64(large)/float64(small), verdict(float64(large) <= 1.5*float64(small)))
		p("")
	}

	if f := r.fanout; f != nil {
		p("### 4. Realtime fan-out: %d SSE subscribers of one poll, %d votes one at a time", f.subscribers, f.votes)
		p("")
		p("| | p50 | p99 | max |")
		p("|---|---:|---:|---:|")
		p("| event after the vote's response | %s | %s | %s |", ms(f.fromResp.p50), ms(f.fromResp.p99), ms(f.fromResp.max))
		p("| event after the vote was sent | %s | %s | %s |", ms(f.fromSend.p50), ms(f.fromSend.p99), ms(f.fromSend.max))
		p("| vote request (with %d subscribers) | %s | %s | %s |", f.subscribers, ms(f.voteLatency.p50), ms(f.voteLatency.p99), ms(f.voteLatency.max))
		p("| vote request, same run, on a poll of the circle nobody subscribes to | %s | %s | %s |", ms(f.voteLatencyAlone.p50), ms(f.voteLatencyAlone.p99), ms(f.voteLatencyAlone.max))
		p("")
		p("Vote p50 with subscribers / without: %.2f× (goal ≤ 1.5×: %s).", float64(f.voteLatency.p50)/float64(f.voteLatencyAlone.p50),
			verdict(float64(f.voteLatency.p50) <= 1.5*float64(f.voteLatencyAlone.p50)))
		p("")
		p("Events delivered: %d of %d. Subscribing all took %s. p99 after the response %s (goal < 250 ms: %s); "+
			"counted from when the vote was sent, which includes the vote itself, p99 %s (< 250 ms: %s). "+
			"The broadcast runs after the vote is answered (polls/announce.go); a negative figure would mean an event arrived before the vote's response.",
			f.delivered, f.expected, f.connected.Round(time.Millisecond), ms(f.fromResp.p99),
			verdict(f.fromResp.p99 < 250*time.Millisecond && f.delivered == f.expected),
			ms(f.fromSend.p99), verdict(f.fromSend.p99 < 250*time.Millisecond && f.delivered == f.expected))
		p("")
	}

	if d := r.dispatch; d != nil {
		p("### 5. Push dispatch, 10,000 recipients to a local fake Expo (notify benchmarks, 1 run each)")
		p("")
		p("| | total | requests | goal |")
		p("|---|---:|---:|---|")
		p("| pacing off | %.2f s | %.0f | < 5 s: %s |", d.unpacedSeconds, d.unpacedRequests, verdict(d.unpacedSeconds < 5))
		p("| pacing 600/s | %.2f s (%.3f× the ideal %.1f s) | %.0f | within 10%%: %s |", d.pacedSeconds, d.pacedX, d.pacedIdeal, d.pacedRequests,
			verdict(d.pacedX >= 0.9 && d.pacedX <= 1.1))
		p("")
	}

	if r.binaryBytes > 0 || r.idleRSS > 0 || len(r.coldStarts) > 0 {
		p("### 6. Footprint")
		p("")
		p("| | value | goal |")
		p("|---|---:|---|")
		if r.binaryBytes > 0 {
			p("| binary size (-trimpath -ldflags \"-s -w\") | %.1f MB | < 60 MB: %s |", float64(r.binaryBytes)/1e6, verdict(r.binaryBytes < 60e6))
		}
		if len(r.coldStarts) > 0 {
			p("| cold start to healthy, fresh data dir (median of %d: %s) | %s | |", len(r.coldStarts), durs(r.coldStarts), ms(medOf(r.coldStarts)))
			var kb []float64
			for _, k := range r.idleRSSFresh {
				kb = append(kb, float64(k))
			}
			p("| idle RSS 2 s after a cold start (median) | %s | < 50 MB: %s |", mb(int(median(kb))), verdict(median(kb) < 50*1024))
		}
		if r.idleRSS > 0 {
			p("| idle RSS, benchmark server before load | %s | < 50 MB: %s |", mb(r.idleRSS), verdict(r.idleRSS < 50*1024))
		}
		if r.votes != nil && r.votes.rssMaxKB > 0 {
			p("| RSS under scenario 1 (max sampled every 20 ms) | %s | |", mb(r.votes.rssMaxKB))
		}
		p("")
	}

	if len(r.growth) > 0 {
		p("### 7. Growth: scenarios 1 and 3 with more rows in the database")
		p("")
		p("Seeded: closed anonymous polls in circles of 10 (9 options, 10 votes each), written into the stopped server's file.")
		p("")
		p("Each level: the circly server is stopped, rows are added, it is started again (the bare PocketBase is restarted too, so both start cold), then %d interleaved rounds of %d votes, as many raw creates and as many bare PocketBase creates (64 concurrent; the bare database is not seeded) and the results reads of scenario 3.", len(r.growth[0].vote.ratios), r.growth[0].vote.perRound)
		p("")
		p("| seeded polls | polls / votes in db | votes/s | bare/s | ratio | vote p99 | CPU per vote / bare create | results p50 @10 | @1,000 | @100,000 |")
		p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, g := range r.growth {
			p("| %d | %d / %d | %.0f | %.0f | %.2f | %s | %.0f / %.0f µs | %s |", g.seededPolls, g.polls, g.votes,
				median(g.vote.votes.rate), median(g.vote.bare.rate), g.vote.ratio(), ms(medOf(g.vote.votes.p99)),
				median(g.vote.votes.cpu), median(g.vote.bare.cpu), resultsCells(g.results))
		}
		p("")
	}

	r.printHome(p)
	if r.replica != nil {
		r.replica.print(p)
	}

	if r.votes != nil {
		p("raw_ratio=%.2f", r.votes.rawRatio())
		p("ratio=%.2f", r.votes.ratio())
	}
}

// printHome prints scenario 8.
func (r *report) printHome(p func(format string, args ...any)) {
	if len(r.home) == 0 {
		return
	}
	h := r.home[0]
	p("### 8. The app's home: a user in %d circles with %d polls, one request at a time (%d rounds × %d requests per kind, interleaved; medians of rounds)",
		homeCircles, homeOpenPolls+homeClosedPolls, h.round, h.perRound)
	p("")
	p("Feed `GET /api/circly/feed?page=1&perPage=20` (%d polls), inbox `GET /api/circly/me/picks?page=1&perPage=20` (%d picks), "+
		"against `pb.collection('polls').getList(1, 20)` by the same user (%d polls).", h.feedN, h.picksN, h.listN)
	p("")
	p("| other polls in the db | polls in db | feed p50 | feed p99 | picks p50 | picks p99 | polls list p50 | polls list p99 | feed / list p50 | picks / list p50 |")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, l := range r.home {
		list := float64(medOf(l.list.p50))
		feed, picks := float64(medOf(l.feed.p50))/list, float64(medOf(l.picks.p50))/list
		p("| %d | %d | %s | %s | %s | %s | %s | %s | %.2f× (≤ 2×: %s) | %.2f× (≤ 2×: %s) |", l.background, l.polls,
			ms(medOf(l.feed.p50)), ms(medOf(l.feed.p99)), ms(medOf(l.picks.p50)), ms(medOf(l.picks.p99)),
			ms(medOf(l.list.p50)), ms(medOf(l.list.p99)), feed, verdict(feed <= 2), picks, verdict(picks <= 2))
	}
	p("")
}

func resultsCells(rs []resultsPoll) string {
	out := ""
	for i, rp := range rs {
		if i > 0 {
			out += " | "
		}
		out += ms(medOf(rp.p50))
	}
	return out
}

func floats(v []float64) string {
	out := ""
	for i, f := range v {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%.2f", f)
	}
	return out
}

func durs(v []time.Duration) string {
	out := ""
	for i, d := range v {
		if i > 0 {
			out += ", "
		}
		out += ms(d)
	}
	return out
}

// loadAvg is the 1, 5 and 15 minute load average ("?" if unknown).
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
