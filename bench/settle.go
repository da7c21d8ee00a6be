package main

import "time"

// Each measured side of scenario 1 starts on quiet servers. The circly
// server and the bare PocketBase share one CPU, so whatever one of them
// still does after its side ends runs during the next side's first
// requests: a bare PocketBase writes its request log in batches of 200 on
// goroutines of their own and the rest of it 3 s after the last request
// (core.BaseApp's logger); Circly does the same for the requests of the
// poll set-up, and its WAL copier makes its last copy. Measured on the
// bare PocketBase: 16–45 ms of CPU in the 200 ms after its side and ~10 ms
// three seconds later; the votes that followed it had a first wave of
// 78–101 ms against 28–63 ms after Circly's own set-up (median latency).
//
// Scenario 1 also waits logFlushAfter after the previous side, for the
// log's 3 s flush. The growth levels, which compare rates and not tails,
// wait only for quiet (seven rounds of three sides at four levels would
// add five minutes), and so does -quick (under a minute).
const (
	logFlushAfter = 3500 * time.Millisecond
	settleWindow  = 300 * time.Millisecond
	settleCPU     = 10 * time.Millisecond // one clock tick per window, all servers together
	settleMax     = 15 * time.Second
)

// settle waits until the time from, then until the processes pids
// together used at most settleCPU over a settleWindow, for at most limit;
// it reports whether they were quiet.
func settle(from time.Time, limit time.Duration, pids ...int) bool {
	time.Sleep(time.Until(from))
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		c0 := cpuOf(pids)
		time.Sleep(settleWindow)
		if cpuOf(pids)-c0 <= settleCPU {
			return true
		}
	}
	return false
}

// sideGap is how long scenario 1 waits after the previous side before it
// looks for quiet: past the log's flush, but not in -quick runs.
func sideGap(quick bool) time.Duration {
	if quick {
		return 0
	}
	return logFlushAfter
}

func cpuOf(pids []int) time.Duration {
	var total time.Duration
	for _, p := range pids {
		total += cpuTime(p)
	}
	return total
}
