package request

import (
	"sync"
	"time"
)

// KeyRateLimiter is an in-memory fixed-window limiter keyed by any string
// (a user id, the keyed hash of a code): at most limit calls per window.
// A limit ≤ 0 allows everything. It is per process, like PocketBase's own
// limiter.
type KeyRateLimiter struct {
	limit  int
	window time.Duration

	mu        sync.Mutex
	windows   map[string]*rateWindow
	lastPrune time.Time
}

type rateWindow struct {
	start time.Time
	count int
}

// NewKeyRateLimiter returns a limiter of limit calls per window.
func NewKeyRateLimiter(limit int, window time.Duration) *KeyRateLimiter {
	return &KeyRateLimiter{limit: limit, window: window, windows: map[string]*rateWindow{}}
}

// Allow counts a call of key and reports whether it is within the limit;
// when it is not, retryAfter says when the window resets.
func (l *KeyRateLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := time.Now()

	l.mu.Lock()
	defer l.mu.Unlock()

	// forget finished windows now and then, so the map stays small
	if now.Sub(l.lastPrune) > l.window {
		for k, w := range l.windows {
			if now.Sub(w.start) >= l.window {
				delete(l.windows, k)
			}
		}
		l.lastPrune = now
	}

	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &rateWindow{start: now}
		l.windows[key] = w
	}
	if w.count >= l.limit {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.count++
	return true, 0
}
