// Package gcpace paces Go's garbage collector to the server's allocation
// rate.
//
// Go collects when the heap has grown by GOGC percent (100) of the live
// heap. Circly's live Go heap is small (about 5 MB: SQLite's page caches are
// not Go memory), while a vote request leaves some 30 KB of garbage, mostly
// in PocketBase's request handling. Under a stream of votes the collector
// therefore started every ~35 ms and marked for 6–17 ms each time, on a
// server whose CPU the requests were waiting for (BENCHMARKS.md, "The
// collector paced to the allocation rate").
//
// While the server allocates fast, the pacer raises GOGC so that a
// collection comes about once per [Spacing] at the allocation rate just
// measured, with at most [MaxExtra] bytes of garbage beyond the live heap.
// When the rate falls back it restores GOGC=100 and collects once, so an
// idle server holds what it held before. A GOGC or GOMEMLIMIT set in the
// environment leaves the collector to the operator.
package gcpace

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

const (
	// Spacing is the time between collections the pacer aims for under load.
	Spacing = 250 * time.Millisecond
	// MaxExtra bounds the garbage the pacer lets the heap hold beyond its
	// live bytes (GOGC=100 alone allows the live heap's size).
	MaxExtra = 64 << 20
	// Tick is how often the pacer measures the allocation rate.
	Tick = 100 * time.Millisecond

	// defaultPercent is Go's own GOGC.
	defaultPercent = 100
	// minLive is the live heap the pacer assumes at least (Go's own heap
	// minimum at GOGC=100 is 4 MB), so a tiny live heap does not make a
	// huge percentage.
	minLive = 4 << 20
)

// Percent is the GOGC that spaces collections [Spacing] apart for a live
// heap of live bytes allocating rate bytes per second: never below Go's 100,
// never more than [MaxExtra] of garbage.
func Percent(live uint64, rate float64) int {
	live = max(live, minLive)
	extra := min(rate*Spacing.Seconds(), MaxExtra)
	return max(defaultPercent, int(extra*100/float64(live)))
}

// Start paces the collector until the returned stop is called (which
// restores GOGC=100). With GOGC or GOMEMLIMIT in the environment it does
// nothing.
func Start() (stop func()) {
	p := start(os.Getenv, Tick)
	if p == nil {
		return func() {}
	}
	return p.stop
}

// pacer measures the allocation rate every tick and sets GOGC from it. Only
// its own goroutine (run) steps it; stop waits for that goroutine to end.
type pacer struct {
	once    sync.Once
	done    chan struct{}
	exited  chan struct{}
	samples []metrics.Sample
	allocs  uint64 // bytes allocated so far at the last tick
	at      time.Time
	percent int // the GOGC the pacer last set
}

func start(getenv func(string) string, tick time.Duration) *pacer {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return nil
	}
	p := &pacer{
		done: make(chan struct{}), exited: make(chan struct{}), percent: defaultPercent,
		samples: []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"}},
	}
	p.allocs, _ = p.read()
	p.at = time.Now()
	go p.run(tick)
	return p
}

func (p *pacer) run(tick time.Duration) {
	defer close(p.exited)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case now := <-t.C:
			p.step(now)
		}
	}
}

// read returns the bytes allocated since the process started and the live
// heap of the last collection.
func (p *pacer) read() (allocs, live uint64) {
	metrics.Read(p.samples)
	return p.samples[0].Value.Uint64(), p.samples[1].Value.Uint64()
}

// step sets GOGC from the rate since the last step. Going back to 100 from
// a raised GOGC, it collects once: the heap may hold up to MaxExtra of
// garbage, and an idle server allocates too little to start a collection
// soon.
func (p *pacer) step(now time.Time) {
	allocs, live := p.read()
	elapsed := now.Sub(p.at).Seconds()
	if elapsed <= 0 {
		return
	}
	rate := float64(allocs-p.allocs) / elapsed
	p.allocs, p.at = allocs, now
	want := Percent(live, rate)
	switch {
	case want == p.percent:
	case want == defaultPercent:
		p.set(want)
		runtime.GC()
	case want > p.percent || want < p.percent*3/4:
		// small drops are noise between ticks; rises apply at once
		p.set(want)
	}
}

func (p *pacer) set(percent int) {
	debug.SetGCPercent(percent)
	p.percent = percent
}

// stop ends pacing and restores GOGC=100; later calls do nothing.
func (p *pacer) stop() {
	p.once.Do(func() {
		close(p.done)
		<-p.exited
		p.set(defaultPercent)
	})
}
