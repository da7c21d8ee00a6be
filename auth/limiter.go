package auth

import (
	"sync"
	"time"
)

// keyRateLimiter is an in-memory fixed-window limiter keyed by any string
// (here: the keyed hash of a transfer or recovery code): at most limit
// calls per window. A limit ≤ 0 allows everything. It is per process, like
// PocketBase's own limiter. (The same limiter as the circles package's
// per-user join limit; domain packages do not share code.)
type keyRateLimiter struct {
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

func newKeyRateLimiter(limit int, window time.Duration) *keyRateLimiter {
	return &keyRateLimiter{limit: limit, window: window, windows: map[string]*rateWindow{}}
}

// Allow counts a call of key and reports whether it is within the limit;
// when it is not, retryAfter says when the window resets.
func (l *keyRateLimiter) Allow(key string) (ok bool, retryAfter time.Duration) {
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
