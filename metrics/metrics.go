// Package metrics holds Circly's operational metrics: counters and gauges
// kept in memory with atomics, rendered in Prometheus' text exposition
// format (text.go), and the bearer token a scraper uses (token.go).
//
// It is a leaf: the domains (polls, notify) increment what they own, and
// server renders the lot at GET /api/circly/metrics together with the
// gauges that are facts of the database (open polls, the outbox backlog),
// read at scrape time.
//
// Counters live in memory and start from zero when the process starts,
// as Prometheus counters may: rate() and increase() treat a drop as a
// restart. circly_start_time_seconds says when that happened.
//
// Privacy: no metric has a label naming a user, a circle or a poll. The
// only label, "class" of circly_expo_errors_total, takes values from a
// fixed list (ExpoErrorClasses); anything else is counted as "other".
package metrics

import (
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/tools/store"
)

// Counter is a monotonically increasing count.
type Counter struct{ v atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds n; negative n is ignored (a counter never goes down).
func (c *Counter) Add(n int) {
	if n > 0 {
		c.v.Add(uint64(n))
	}
}

// Value returns the count.
func (c *Counter) Value() uint64 { return c.v.Load() }

// GaugeFunc is a gauge read when scraped, from a function its owner sets.
type GaugeFunc struct {
	f atomic.Pointer[func() float64]
}

// Set makes f the gauge's source; f must be safe to call from any goroutine.
func (g *GaugeFunc) Set(f func() float64) { g.f.Store(&f) }

// Value calls the source; ok is false while none is set.
func (g *GaugeFunc) Value() (v float64, ok bool) {
	f := g.f.Load()
	if f == nil {
		return 0, false
	}
	return (*f)(), true
}

// Values of the "class" label of circly_expo_errors_total: what Expo's
// answer means for the notification, never who or what it was about.
const (
	ExpoDeviceNotRegistered = "device_not_registered" // the token is dead (ticket or receipt)
	ExpoRetryLater          = "retry_later"           // a transient ticket or receipt error (rate exceeded, ExpoError, ProviderError)
	ExpoPermanent           = "permanent"             // a ticket or receipt error resending will not fix (MessageTooBig, credentials, …)
	ExpoUnauthorized        = "unauthorized"          // the request was refused for the access token
	ExpoRequestTransient    = "request_transient"     // the request failed for now: network, 429, 5xx
	ExpoRequestFailed       = "request_failed"        // the request failed otherwise: other 4xx, an unusable answer
	ExpoOther               = "other"                 // a class not in this list (should not happen)
)

// ExpoErrorClasses lists the values of the class label, in output order.
var ExpoErrorClasses = []string{
	ExpoDeviceNotRegistered, ExpoRetryLater, ExpoPermanent,
	ExpoUnauthorized, ExpoRequestTransient, ExpoRequestFailed, ExpoOther,
}

// ClassCounter counts by a label whose values are fixed in advance.
type ClassCounter struct {
	classes []string
	counts  []Counter
}

func newClassCounter(classes []string) *ClassCounter {
	return &ClassCounter{classes: classes, counts: make([]Counter, len(classes))}
}

// Inc counts one of class; a class not in the list counts as the last one.
func (c *ClassCounter) Inc(class string) {
	for i, k := range c.classes {
		if k == class {
			c.counts[i].Inc()
			return
		}
	}
	c.counts[len(c.counts)-1].Inc()
}

// Value returns the count of class (0 for a class not in the list).
func (c *ClassCounter) Value(class string) uint64 {
	for i, k := range c.classes {
		if k == class {
			return c.counts[i].Value()
		}
	}
	return 0
}

// Runs keeps the durations of repeated runs: how many, how long in all,
// how many failed, and the last one.
type Runs struct {
	count            atomic.Uint64
	failed           Counter
	totalNanos       atomic.Uint64
	lastNanos        atomic.Int64
	lastEndUnixMilli atomic.Int64
}

// Observe records one run that took d and ended at end; failed says it
// returned an error.
func (r *Runs) Observe(d time.Duration, end time.Time, failed bool) {
	d = max(d, 0)
	r.totalNanos.Add(uint64(d))
	r.lastNanos.Store(int64(d))
	r.lastEndUnixMilli.Store(end.UnixMilli())
	if failed {
		r.failed.Inc()
	}
	r.count.Add(1) // last: a scrape never sees a count without its time
}

// Count returns how many runs were observed.
func (r *Runs) Count() uint64 { return r.count.Load() }

// Set is one app's metrics.
type Set struct {
	// polls (API.md §5)
	Votes         Counter   // votes written (committed)
	BallotCommits Counter   // transactions committed by the ballot box
	BallotQueue   GaugeFunc // ballots waiting for the ballot box's writer

	// notify (API.md §7), tallied per dispatcher run after its commits
	PushSent          Counter // deliveries Expo accepted (an ok ticket)
	PushFailed        Counter // deliveries that failed for good
	PushRetried       Counter // deliveries sent back to wait for a retry
	PushSkipped       Counter // deliveries dropped unsent (their poll closed first)
	PushReceipts      Counter // receipts settled
	PushTokensCleared Counter // push tokens cleared after DeviceNotRegistered
	ExpoErrors        *ClassCounter
	Dispatch          Runs

	started time.Time
}

// New returns an empty Set started now.
func New() *Set {
	return &Set{ExpoErrors: newClassCounter(ExpoErrorClasses), started: time.Now()}
}

// Started returns when the Set was made (the process start, for the app's).
func (s *Set) Started() time.Time { return s.started }

// storeKey is where Of keeps an app's Set.
const storeKey = "circly.metrics"

// Of returns the Set of app (any core.App), making it on first use: one
// per app, so that test apps running side by side count apart.
func Of(app interface {
	Store() *store.Store[string, any]
}) *Set {
	return app.Store().GetOrSet(storeKey, func() any { return New() }).(*Set)
}
