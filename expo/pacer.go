package expo

import (
	"sync"
	"time"
)

// pacer is a token bucket over notifications, shared by every request of a
// Client. A request for n notifications takes n tokens at once, even if
// that drives the bucket negative; the caller then waits until the debt is
// repaid. So the sustained rate never exceeds the configured one, and a
// request larger than the bucket (rate < 100/s) still goes through.
type pacer struct {
	mu     sync.Mutex
	rate   float64 // tokens per second, > 0
	burst  float64 // bucket size
	tokens float64
	last   time.Time
}

func newPacer(perSecond int) *pacer {
	rate := float64(perSecond)
	// One full request may go out at once; more would let a burst of
	// several chunks overshoot Expo's per-second limit.
	burst := min(rate, MaxNotificationsPerRequest)
	return &pacer{rate: rate, burst: burst, tokens: burst}
}

// reserve takes n tokens at time now and returns how long the caller must
// wait before sending.
func (p *pacer) reserve(now time.Time, n int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last.IsZero() {
		p.last = now
	}
	if now.After(p.last) {
		p.tokens = min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
		p.last = now
	}
	p.tokens -= float64(n)
	if p.tokens >= 0 {
		return 0
	}
	return time.Duration(-p.tokens / p.rate * float64(time.Second))
}
