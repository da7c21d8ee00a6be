package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one load run: per-request latencies and the wall time.
type loadResult struct {
	lat      []time.Duration
	start    []time.Duration // when each request was sent, from the run's start
	wall     time.Duration
	failures int
	firstErr string
}

func (r loadResult) rate() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

// runLoad sends every job as `method url` with `workers` concurrent
// clients, each on its own kept-alive connection, and measures each request
// from send to the end of the response body.
func runLoad(client *http.Client, method, url string, jobs []job, workers int) loadResult {
	res := loadResult{lat: make([]time.Duration, len(jobs)), start: make([]time.Duration, len(jobs))}
	var (
		next     atomic.Int64
		failures atomic.Int64
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				req, _ := http.NewRequest(method, url, bytes.NewReader(jobs[i].body))
				req.Header.Set("Content-Type", "application/json")
				if jobs[i].token != "" {
					req.Header.Set("Authorization", jobs[i].token)
				}
				t0 := time.Now()
				res.start[i] = t0.Sub(start)
				r, err := client.Do(req)
				if err == nil {
					body, _ := io.ReadAll(r.Body)
					r.Body.Close()
					if r.StatusCode != 200 {
						err = fmt.Errorf("%d %s", r.StatusCode, body)
					}
				}
				res.lat[i] = time.Since(t0)
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { res.firstErr = err.Error() })
				}
			}
		})
	}
	wg.Wait()
	res.wall = time.Since(start)
	if dir := os.Getenv("CIRCLY_BENCH_TRACE_DIR"); dir != "" {
		dumpTimeline(dir, url, res)
	}
	res.failures = int(failures.Load())
	return res
}

// stats of a sample of durations.
type stats struct {
	p50, p99, max time.Duration
	n             int
}

func durStats(d []time.Duration) stats {
	if len(d) == 0 {
		return stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return stats{p50: pct(s, 0.50), p99: pct(s, 0.99), max: s[len(s)-1], n: len(s)}
}

// pct of a sorted sample (nearest rank).
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianDur(v []time.Duration) time.Duration {
	f := make([]float64, len(v))
	for i, d := range v {
		f[i] = float64(d)
	}
	return time.Duration(median(f))
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 0:
		return fmt.Sprintf("%.1f ms", v)
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

// dumpTimeline writes "start_ms latency_ms" per request of a run, for
// looking at stalls (CIRCLY_BENCH_TRACE_DIR).
func dumpTimeline(dir, url string, r loadResult) {
	name := filepath.Join(dir, fmt.Sprintf("%d-%s.txt", time.Now().UnixNano(), filepath.Base(filepath.Dir(url))))
	var b bytes.Buffer
	for i := range r.lat {
		fmt.Fprintf(&b, "%.3f %.3f\n", float64(r.start[i])/1e6, float64(r.lat[i])/1e6)
	}
	os.WriteFile(name, b.Bytes(), 0o644)
}
