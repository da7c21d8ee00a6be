// Command bench measures Circly end to end: it builds the real binary
// (-trimpath -ldflags "-s -w"), starts it on loopback with a fresh data dir
// (serve --http 127.0.0.1:PORT --dir TMP --dev=false), loads it over HTTP
// from this process and prints a markdown table.
//
//	make bench        # everything (about 3 minutes), table on stdout
//	make bench-quick  # votes, device login, results in under a minute;
//	                  # the last line is ratio=0.NN (vote rate / bare PocketBase
//	                  # create rate; raw_ratio= before it: against the circly server)
//	go run ./bench -h # flags
//
// Scenarios: (1) 64 concurrent voters against raw PocketBase creates of a
// comparable record (collection bench_raw) on the same server; (2) device
// login against PocketBase's authWithPassword; (3) results at 10, 1,000
// and 100,000 votes (seeded into the stopped server's SQLite file);
// (4) realtime fan-out to 1,000 SSE subscribers; (5) the notify package's
// 10,000-recipient dispatch benchmarks; (6) footprint; (7) growth with
// 1k/10k/100k seeded polls; (8) the app's home: feed and inbox of a user in
// 10 circles with 200 polls against a plain polls list, also with 10,000
// more polls of other circles in the database; (9) votes on a server
// replicating to a file replica against the same server without.
//
// Fairness: everything that is compared runs side by side in the same run,
// in interleaved rounds (circly, raw, circly, raw, …); absolute figures are
// medians over rounds. With taskset available the program re-executes
// itself pinned to CPU 0 (so the Go runtime sizes GOMAXPROCS to 1) and
// pins the server to CPU 1, so the load generator cannot starve the
// server; without it the generator runs with GOMAXPROCS=1.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"circly/circlytest/realbin"
)

// pin says how processes are placed on CPUs.
var pin struct {
	enabled                     bool
	loadCPU, serverCPU, allCPUs string
}

var logOut io.Writer = os.Stderr

func logf(format string, args ...any) {
	fmt.Fprintf(logOut, "[%s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

type options struct {
	quick   bool
	repo    string
	keep    bool
	noPin   bool
	tags    string
	only    string
	workers int
	rounds  int
	votes   int
	bin     string
	replica bool
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "scenarios 1-3 only, small (under a minute); last line ratio=0.NN")
	flag.StringVar(&o.repo, "repo", ".", "repository root to build circly from")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary data dirs")
	flag.BoolVar(&o.noPin, "no-pin", false, "do not pin the server and the load generator to CPUs")
	flag.StringVar(&o.tags, "tags", "", "build tags for the server binary (e.g. pprof)")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run (1-9); default all")
	flag.IntVar(&o.workers, "workers", 64, "concurrent voters in scenario 1")
	flag.StringVar(&o.bin, "bin", "", "use this circly binary instead of building one")
	flag.IntVar(&o.rounds, "rounds", 0, "rounds of scenarios 1 and 9 (0: default)")
	flag.IntVar(&o.votes, "votes", 0, "votes per round of scenario 1 (0: default)")
	flag.BoolVar(&o.replica, "replica", false, "the main server replicates to a file replica (CIRCLY_REPLICA_URL)")
	flag.Parse()

	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	repo, err := filepath.Abs(o.repo)
	if err != nil {
		return err
	}
	child := os.Getenv("CIRCLY_BENCH_CHILD") == "1"
	bin := os.Getenv("CIRCLY_BENCH_BIN")
	tmp := os.Getenv("CIRCLY_BENCH_TMP")
	bareBin = os.Getenv("CIRCLY_BENCH_BARE")

	if !child {
		if bin, tmp, err = prepare(o, repo); err != nil {
			return err
		}
	}
	if n, err := strconv.Atoi(os.Getenv("CIRCLY_BENCH_GOMAXPROCS")); err == nil && n > 0 {
		runtime.GOMAXPROCS(n) // for experiments on the generator itself
	}
	pin.enabled = os.Getenv("CIRCLY_BENCH_PINNED") == "1"
	pin.loadCPU, pin.serverCPU, pin.allCPUs = "0", "1", fmt.Sprintf("0-%d", runtime.NumCPU()-1)
	if !o.keep {
		defer os.RemoveAll(tmp)
	}
	defer realbin.KillAll() // whatever a failed scenario left running

	rep := &report{quick: o.quick, bin: bin, workers: o.workers}
	rep.placement = "load generator and server share all CPUs; generator GOMAXPROCS=1"
	if pin.enabled {
		rep.placement = fmt.Sprintf("server pinned to CPU %s (taskset), load generator to CPU %s (GOMAXPROCS=%d)", pin.serverCPU, pin.loadCPU, runtime.GOMAXPROCS(0))
	}
	rep.loadBefore = loadAvg()
	started := time.Now()

	if err := runScenarios(o, repo, bin, tmp, rep); err != nil {
		return err
	}
	rep.loadAfter = loadAvg()
	rep.elapsed = time.Since(started)
	rep.print(os.Stdout)
	return nil
}

func want(o options, n int) bool {
	if o.only == "" {
		return !o.quick || n <= 3
	}
	for _, f := range strings.Split(o.only, ",") {
		if strings.TrimSpace(f) == fmt.Sprint(n) {
			return true
		}
	}
	return false
}

// sizes of the circles of scenario 1: 10 to 50 members
var circleSizes = []int{10, 20, 30, 40, 50}

func runScenarios(o options, repo, bin, tmp string, rep *report) error {
	// scale
	var (
		pool, circleSets                = 400, 6
		voteRounds, votesPerRound       = 5, 3000
		replicaRounds                   = 7
		authRounds, authN, authSlowN    = 3, 300, 40
		resultsRounds, resultsN         = 3, 300
		resultSizes                     = []int{10, 1000, 100000}
		fanoutN, fanoutVotes            = 1000, 20
		growth                          = []int{0, 1000, 10000, 100000}
		growthRounds, growthVotesPerRnd = 7, 3000 // rounds of 1,500 votes lasted half a second: their medians moved ±15 % between runs
	)
	// Rounds: single rounds on this shared machine vary by ±40 % (either
	// side), so a median of three can land anywhere in that spread.
	if o.quick {
		pool, circleSets = 150, 2
		voteRounds, votesPerRound = 3, 800
		replicaRounds = 3
		authRounds, authN, authSlowN = 3, 100, 10
		resultsRounds, resultsN = 3, 100
	}

	if o.rounds > 0 {
		voteRounds, replicaRounds = o.rounds, o.rounds
	}
	if o.votes > 0 {
		votesPerRound = o.votes
	}

	if info, err := os.Stat(bin); err == nil {
		rep.binaryBytes = info.Size()
	}

	// 6. cold start on fresh data dirs (before anything else loads the
	// machine's page cache with a big database)
	if want(o, 6) {
		logf("cold start ×3")
		starts, idle, err := coldStarts(bin, tmp, 3)
		if err != nil {
			return err
		}
		rep.coldStarts, rep.idleRSSFresh = starts, idle
	}

	dataDir := filepath.Join(tmp, "pb_data")
	env := benchEnv()
	if o.replica {
		env = append(env, "CIRCLY_REPLICA_URL=file://"+filepath.Join(tmp, "replica"))
		logf("replication on: file replica in %s", filepath.Join(tmp, "replica"))
	}
	logf("starting server (data %s)", dataDir)
	s, err := newServer(bin, dataDir, env...)
	if err != nil {
		return err
	}
	defer s.Stop(stopTimeout)
	time.Sleep(time.Second)
	rep.idleRSS = rssKB(s.PID(), "VmRSS")

	need1 := want(o, 1) || want(o, 3) || want(o, 7)
	var circles []*circle
	if need1 {
		logf("setup: %d users, %d circles of 10–50 members", pool, circleSets*len(circleSizes))
		users, err := s.newUsers(pool)
		if err != nil {
			return err
		}
		var sizes []int
		for range circleSets {
			sizes = append(sizes, circleSizes...)
		}
		if circles, err = s.newCircles(users, sizes); err != nil {
			return err
		}
		if err := s.createRawCollection(); err != nil {
			return err
		}
	}

	// the bare PocketBase: the same raw collection, one users record (and
	// token) for each circly user
	var bare *bareServer
	if want(o, 1) || want(o, 7) {
		logf("starting bare PocketBase (data %s)", filepath.Join(tmp, "bare_data"))
		if bare, err = newBareServer(filepath.Join(tmp, "bare_data"), circles); err != nil {
			return err
		}
		defer bare.Stop(stopTimeout)
	}

	if want(o, 1) || want(o, 7) {
		logf("scenario 1: votes vs raw creates, %d workers, %d rounds × %d", o.workers, voteRounds, votesPerRound)
		r, err := benchVotes(s, bare, circles, voteRounds, votesPerRound, o.workers, true, sideGap(o.quick))
		if err != nil {
			return err
		}
		rep.votes = &r
	}

	if want(o, 2) {
		logf("scenario 2: device login vs authWithPassword")
		r, err := benchAuth(s, authRounds, authN, authSlowN)
		if err != nil {
			return err
		}
		rep.auth = &r
	}

	var rpolls []*resultsPoll
	if want(o, 3) || want(o, 7) {
		logf("scenario 3: results at %v votes", resultSizes)
		var fifty []*circle
		for _, c := range circles {
			if len(c.members) == 50 {
				fifty = append(fifty, c)
			}
		}
		if rpolls, err = prepareResultsPolls(s, fifty, resultSizes); err != nil {
			return err
		}
		s.Stop(stopTimeout)
		t0 := time.Now()
		if err := seedResultsPolls(dataDir, rpolls); err != nil {
			return err
		}
		logf("  seeded in %s", time.Since(t0).Round(time.Millisecond))
		if err := s.Restart(stopTimeout); err != nil {
			return err
		}
		if err := benchResults(s, rpolls, resultsRounds, resultsN); err != nil {
			return err
		}
		rep.results = cloneResults(rpolls)
	}

	if want(o, 4) {
		logf("scenario 4: realtime fan-out to %d subscribers", fanoutN)
		r, err := benchFanout(s, fanoutN, fanoutVotes, 300*time.Millisecond)
		if err != nil {
			return err
		}
		rep.fanout = &r
	}

	if want(o, 8) {
		if rep.home, err = runHome(s, resultsN); err != nil {
			return err
		}
	}

	if want(o, 7) {
		var tens []seedCircle
		for _, c := range circles {
			if len(c.members) != 10 {
				continue
			}
			sc := seedCircle{id: c.id, creatorUser: c.members[0].id}
			for k, u := range c.members {
				sc.members = append(sc.members, u.member(c.id))
				sc.nicknames = append(sc.nicknames, fmt.Sprintf("m%d", k))
			}
			tens = append(tens, sc)
		}
		tpl, err := s.templateId(circles[0].members[0].token)
		if err != nil {
			return err
		}
		seeded := 0
		for _, level := range growth {
			logf("scenario 7: growth to %d seeded polls", level)
			s.Stop(stopTimeout)
			t0 := time.Now()
			if level > seeded {
				if _, err := seedClosedPolls(dataDir, tens, tpl, "성장 측정용 질문", level-seeded); err != nil {
					return err
				}
			}
			seeded = level
			g := growthRow{seededPolls: level, seedTime: time.Since(t0)}
			if g.polls, g.votes, err = countRows(dataDir); err != nil {
				return err
			}
			if err := s.Restart(stopTimeout); err != nil {
				return err
			}
			// the bare server starts cold too, so that both sides' caches
			// and heaps start alike at every level
			if err := bare.Restart(stopTimeout); err != nil {
				return err
			}
			if g.vote, err = benchVotes(s, bare, circles, growthRounds, growthVotesPerRnd, o.workers, false, 0); err != nil {
				return err
			}
			// results polls gained votes from nobody: their totals stand
			if err := benchResults(s, rpolls, growthRounds, resultsN/2); err != nil {
				return err
			}
			g.results = cloneResults(rpolls)
			rep.growth = append(rep.growth, g)
		}
	}

	if want(o, 1) || want(o, 7) {
		// correctness under load: counters equal rows everywhere
		s.Stop(stopTimeout)
		badPolls, badOptions, err := checkCounts(dataDir)
		if err != nil {
			return err
		}
		rep.countCheck = fmt.Sprintf("%d polls / %d options with counters ≠ rows", badPolls, badOptions)
		if badPolls+badOptions > 0 {
			return fmt.Errorf("counters disagree with rows: %s", rep.countCheck)
		}
		if _, err := s.Start(); err != nil {
			return err
		}
	}
	s.Stop(stopTimeout)

	if want(o, 9) {
		// rounds of several sync intervals, so each holds syncs and checkpoints
		n := max(votesPerRound, replicationVotesPerRound)
		logf("scenario 9: votes with replication on and off, %d rounds × %d", replicaRounds, n)
		r, err := benchReplication(bin, tmp, pool, circleSets, replicaRounds, n, o.workers)
		if err != nil {
			return err
		}
		rep.replica = &r
	}

	if want(o, 5) {
		logf("scenario 5: notification dispatch (notify benchmarks)")
		r, err := benchDispatch(repo, tmp)
		if err != nil {
			return err
		}
		rep.dispatch = &r
	}
	return nil
}

func cloneResults(in []*resultsPoll) []resultsPoll {
	out := make([]resultsPoll, len(in))
	for i, rp := range in {
		out[i] = *rp
	}
	return out
}
