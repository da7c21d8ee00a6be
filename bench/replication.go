package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// ---------------------------------------------------------------------------
// 9. Votes with replication on against the same server with it off

// replicationVotesPerRound is the least votes per round of scenario 9:
// about five seconds of votes, five sync intervals of one second.
const replicationVotesPerRound = 6000

type replicationResult struct {
	off, on  voteSide
	ratios   []float64 // per round: rate with replication / rate without
	perRound int
	workers  int
}

func (r replicationResult) ratio() float64 { return median(r.ratios) }

// benchReplication starts two circly servers from the same binary on two
// fresh data dirs, one replicating to a file replica (CIRCLY_REPLICA_URL,
// the default sync interval), and runs interleaved rounds of votes against
// each, one server at a time, which goes first rotating.
func benchReplication(bin, tmp string, pool, circleSets, rounds, perRound, workers int) (replicationResult, error) {
	res := replicationResult{perRound: perRound, workers: workers}
	type side struct {
		s       *server
		circles []*circle
		client  *http.Client
	}
	var sides [2]*side // off, on
	for i, name := range []string{"repl_off", "repl_on"} {
		env := benchEnv()
		if i == 1 {
			env = append(env, "CIRCLY_REPLICA_URL=file://"+filepath.Join(tmp, "repl_replica"))
		}
		s, err := newServer(bin, filepath.Join(tmp, name), env...)
		if err != nil {
			return res, err
		}
		defer s.Stop(stopTimeout)
		users, err := s.newUsers(pool)
		if err != nil {
			return res, err
		}
		var sizes []int
		for range circleSets {
			sizes = append(sizes, circleSizes...)
		}
		circles, err := s.newCircles(users, sizes)
		if err != nil {
			return res, err
		}
		sides[i] = &side{s: s, circles: circles, client: newClient(workers)}
		// warm-up: connections, statement caches, the replica's first sync
		warm, _, err := s.votesFromNewPolls(circles, min(300, perRound/4))
		if err != nil {
			return res, err
		}
		runLoad(sides[i].client, "POST", s.URL+"/api/collections/votes/records", warm, workers)
	}
	time.Sleep(2 * time.Second) // let the first snapshot settle

	for r := range rounds {
		var loads [2]loadResult
		var cpus [2]time.Duration
		for k := range 2 {
			i := (r + k) % 2
			sd := sides[i]
			jobs, _, err := sd.s.votesFromNewPolls(sd.circles, perRound)
			if err != nil {
				return res, err
			}
			c0 := cpuTime(sd.s.PID())
			loads[i] = runLoad(sd.client, "POST", sd.s.URL+"/api/collections/votes/records", jobs[:perRound], workers)
			cpus[i] = cpuTime(sd.s.PID()) - c0
		}
		res.off.add(loads[0], cpus[0])
		res.on.add(loads[1], cpus[1])
		res.ratios = append(res.ratios, loads[1].rate()/loads[0].rate())
		logf("  round %d: replication off %.0f/s p50 %s p99 %s cpu %.0f µs/vote (failures %d) | on %.0f/s p50 %s p99 %s cpu %.0f µs/vote (failures %d)",
			r+1, loads[0].rate(), ms(durStats(loads[0].lat).p50), ms(durStats(loads[0].lat).p99), res.off.cpu[r], loads[0].failures,
			loads[1].rate(), ms(durStats(loads[1].lat).p50), ms(durStats(loads[1].lat).p99), res.on.cpu[r], loads[1].failures)
	}
	if res.off.failures > 0 || res.on.failures > 0 {
		return res, fmt.Errorf("vote failures: replication off %d (%s), on %d (%s)",
			res.off.failures, res.off.firstErr, res.on.failures, res.on.firstErr)
	}
	return res, nil
}

func (r replicationResult) print(p func(format string, args ...any)) {
	p("### 9. Votes with replication on and off, %d concurrent voters (%d rounds × %d votes, interleaved; medians of rounds)", r.workers, len(r.ratios), r.perRound)
	p("")
	p("Two circly servers from the same binary, one replicating to a file replica (`CIRCLY_REPLICA_URL=file://…`, sync interval 1 s), voted on one at a time.")
	p("")
	p("| | rate | p50 | p99 | server CPU per vote |")
	p("|---|---:|---:|---:|---:|")
	p("| replication off | %.0f /s | %s | %s | %.0f µs |", median(r.off.rate), ms(medOf(r.off.p50)), ms(medOf(r.off.p99)), median(r.off.cpu))
	p("| replication on | %.0f /s | %s | %s | %.0f µs |", median(r.on.rate), ms(medOf(r.on.p50)), ms(medOf(r.on.p99)), median(r.on.cpu))
	p("")
	p("Rate on/off per round: %s → median **%.2f** (goal ≥ 0.90: %s).", floats(r.ratios), r.ratio(), verdict(r.ratio() >= 0.9))
	p("")
}
