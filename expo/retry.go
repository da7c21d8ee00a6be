package expo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// do posts body to url until it succeeds, fails for good, runs out of
// attempts or ctx ends. notifications > 0 paces each attempt. use receives
// the data of a successful (2xx, no "errors") response; its error fails the
// request without retry.
func (c *Client) do(ctx context.Context, endpoint, url string, body []byte, notifications int, use func(json.RawMessage) error) error {
	gzipped := false
	if len(body) > gzipThreshold {
		body, gzipped = gzipBytes(body), true
	}
	var last *RequestError
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return stopped(endpoint, err, last)
		}
		if notifications > 0 && c.pacer != nil {
			if err := c.sleep(ctx, c.pacer.reserve(c.now(), notifications)); err != nil {
				return stopped(endpoint, err, last)
			}
		}
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return stopped(endpoint, ctx.Err(), last)
		}
		rerr := c.attempt(ctx, endpoint, url, body, gzipped, use)
		<-c.slots
		if rerr == nil {
			return nil
		}
		rerr.Attempts = attempt
		if rerr.HTTPStatus == 0 && ctx.Err() != nil {
			// The transport failed because ctx ended.
			return stopped(endpoint, ctx.Err(), last)
		}
		if !rerr.Retryable() || attempt >= c.maxAttempts {
			return rerr
		}
		wait := c.backoff(attempt)
		if rerr.RetryAfter > 0 {
			if rerr.RetryAfter > c.maxBackoff {
				return rerr
			}
			wait = rerr.RetryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return rerr // it would end during the wait anyway
		}
		last = rerr
		if err := c.sleep(ctx, wait); err != nil {
			return stopped(endpoint, err, last)
		}
	}
}

// stopped is the error of a request abandoned because ctx ended; it wraps
// both the context's error and the last attempt's error, if any.
func stopped(endpoint string, ctxErr error, last *RequestError) error {
	if last == nil {
		return fmt.Errorf("expo: %s: %w", endpoint, ctxErr)
	}
	return fmt.Errorf("expo: %s: %w (last error: %w)", endpoint, ctxErr, last)
}

// backoff returns the wait before retry number attempt (1-based): full
// jitter over min(maxBackoff, baseBackoff·2^(attempt-1)).
func (c *Client) backoff(attempt int) time.Duration {
	upTo := c.baseBackoff
	for i := 1; i < attempt && upTo < c.maxBackoff; i++ {
		upTo *= 2
	}
	return c.jitter(min(upTo, c.maxBackoff))
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 if absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func fullJitter(upTo time.Duration) time.Duration {
	if upTo <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(upTo) + 1))
}
