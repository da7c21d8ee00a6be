package expo

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults and limits.
const (
	// DefaultBaseURL is Expo's production API base.
	DefaultBaseURL = "https://exp.host/--/api/v2"
	// DefaultMaxConcurrentRequests is the default Config.MaxConcurrentRequests.
	DefaultMaxConcurrentRequests = 6
	// DefaultNotificationsPerSecond is Expo's per-project rate limit.
	DefaultNotificationsPerSecond = 600
	// DefaultMaxAttempts is the default Config.MaxAttempts.
	DefaultMaxAttempts = 5
	// DefaultBaseBackoff is the default Config.BaseBackoff.
	DefaultBaseBackoff = time.Second
	// DefaultMaxBackoff is the default Config.MaxBackoff.
	DefaultMaxBackoff = 30 * time.Second
	// DefaultTimeout bounds each attempt when Config.HTTPClient is nil.
	DefaultTimeout = 30 * time.Second
	// DefaultUserAgent is the default Config.UserAgent.
	DefaultUserAgent = "circly-expo/1.0"
	// PacingOff, as Config.NotificationsPerSecond, disables pacing.
	PacingOff = -1
	// MaxNotificationsPerRequest is Expo's limit of notifications (counted
	// per recipient) in one send request.
	MaxNotificationsPerRequest = 100
	// MaxReceiptIDsPerRequest is Expo's limit of ids in one receipts request.
	MaxReceiptIDsPerRequest = 1000
)

// gzipThreshold: bodies whose JSON is longer are gzip-compressed, as in
// Expo's Node SDK.
const gzipThreshold = 1024

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 8 << 20

// Config configures a Client. Zero values select the defaults.
type Config struct {
	// BaseURL is the API base without a trailing slash; default
	// DefaultBaseURL. Requests go to BaseURL+"/push/send" and
	// BaseURL+"/push/getReceipts".
	BaseURL string
	// AccessToken, if set, is sent as "Authorization: Bearer <token>"; it
	// is needed when enhanced push security is on.
	AccessToken string
	// HTTPClient sends the requests. Default: a client with a
	// DefaultTimeout timeout per attempt. Its transport must decompress
	// gzip responses itself (net/http's default transport does).
	HTTPClient *http.Client
	// MaxConcurrentRequests bounds the requests in flight across all calls
	// on the Client; default 6.
	MaxConcurrentRequests int
	// NotificationsPerSecond paces sends (retries included); default 600,
	// Expo's limit. Zero selects the default; a negative value (PacingOff)
	// disables pacing.
	NotificationsPerSecond int
	// MaxAttempts is the number of attempts per request, first one
	// included; default 5. 1 disables retries.
	MaxAttempts int
	// BaseBackoff is the first retry's maximum wait; default 1 s. Each
	// further retry doubles it, up to MaxBackoff.
	BaseBackoff time.Duration
	// MaxBackoff caps a retry's wait; default 30 s. A Retry-After asking for
	// more stops the retries.
	MaxBackoff time.Duration
	// UserAgent is the User-Agent header; default DefaultUserAgent.
	UserAgent string
}

// Client sends push notifications and fetches receipts. It is safe for
// concurrent use; the concurrency limit and the pacing are shared by all
// calls.
type Client struct {
	sendURL     string
	receiptsURL string
	accessToken string
	userAgent   string
	httpClient  *http.Client
	maxAttempts int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	maxWorkers  int
	slots       chan struct{}
	pacer       *pacer // nil when pacing is off

	// Hooks replaced by tests.
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(max time.Duration) time.Duration
}

// New returns a Client for cfg, with defaults filled in.
func New(cfg Config) *Client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	conc := cfg.MaxConcurrentRequests
	if conc <= 0 {
		conc = DefaultMaxConcurrentRequests
	}
	c := &Client{
		sendURL:     base + "/push/send",
		receiptsURL: base + "/push/getReceipts",
		accessToken: cfg.AccessToken,
		userAgent:   orDefault(cfg.UserAgent, DefaultUserAgent),
		httpClient:  cfg.HTTPClient,
		maxAttempts: cmpPositive(cfg.MaxAttempts, DefaultMaxAttempts),
		baseBackoff: cmpPositive(cfg.BaseBackoff, DefaultBaseBackoff),
		maxBackoff:  cmpPositive(cfg.MaxBackoff, DefaultMaxBackoff),
		maxWorkers:  conc,
		slots:       make(chan struct{}, conc),
		now:         time.Now,
		sleep:       sleepContext,
		jitter:      fullJitter,
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: DefaultTimeout, Transport: defaultTransport(conc)}
	}
	switch rate := cfg.NotificationsPerSecond; {
	case rate == 0:
		c.pacer = newPacer(DefaultNotificationsPerSecond)
	case rate > 0:
		c.pacer = newPacer(rate)
	}
	return c
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func cmpPositive[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// defaultTransport keeps enough idle connections for conc parallel requests
// over HTTP/1.1 (the default keeps 2 per host).
func defaultTransport(conc int) http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = max(conc, t.MaxIdleConnsPerHost)
	return t
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

// SendResult is the outcome of one Message: a Ticket when Err is nil.
type SendResult struct {
	// Ticket is Expo's ticket for the message; valid only when Err is nil.
	// It may itself be an error ticket.
	Ticket Ticket
	// Err is set when the message got no ticket: ErrNoRecipient, an
	// encoding error, a [*RequestError] (the request failed for good, ran
	// out of attempts, its answer was unusable, or ctx's deadline would
	// pass before the next attempt), or, when ctx ended, an error wrapping
	// ctx.Err() and the last RequestError, if any. All messages of a
	// failed chunk share the same error value.
	Err error
}

type encodedMessage struct {
	index int
	json  []byte
}

// Send sends msgs and returns one SendResult per message, in order. It
// returns when every message has a result; a cancelled ctx makes the
// remaining messages fail with the context's error. See the package
// documentation for chunking, pacing and retries.
func (c *Client) Send(ctx context.Context, msgs []Message) []SendResult {
	results := make([]SendResult, len(msgs))
	pending := make([]encodedMessage, 0, len(msgs))
	for i := range msgs {
		if msgs[i].To == "" {
			results[i].Err = ErrNoRecipient
			continue
		}
		// Encoded one by one so that a bad Data value fails only its
		// own message.
		b, err := json.Marshal(&msgs[i])
		if err != nil {
			results[i].Err = fmt.Errorf("expo: encoding message %d: %w", i, err)
			continue
		}
		pending = append(pending, encodedMessage{index: i, json: b})
	}
	var chunks [][]encodedMessage
	for len(pending) > 0 {
		n := min(len(pending), MaxNotificationsPerRequest)
		chunks = append(chunks, pending[:n])
		pending = pending[n:]
	}
	c.forEach(len(chunks), func(k int) { c.sendChunk(ctx, chunks[k], results) })
	return results
}

// forEach runs fn(0..n-1) on up to maxWorkers goroutines, in order of k.
func (c *Client) forEach(n int, fn func(k int)) {
	if n == 1 {
		fn(0)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, c.maxWorkers) {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				fn(k)
			}
		})
	}
	wg.Wait()
}

func (c *Client) sendChunk(ctx context.Context, chunk []encodedMessage, results []SendResult) {
	size := 1 + len(chunk)
	for _, m := range chunk {
		size += len(m.json)
	}
	body := make([]byte, 0, size)
	body = append(body, '[')
	for i, m := range chunk {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, m.json...)
	}
	body = append(body, ']')

	var tickets []json.RawMessage
	err := c.do(ctx, EndpointSend, c.sendURL, body, len(chunk), func(data json.RawMessage) error {
		ts, err := splitTickets(data)
		if err != nil {
			return err
		}
		if len(ts) != len(chunk) {
			return fmt.Errorf("%w: sent %d, got %d", ErrTicketCountMismatch, len(chunk), len(ts))
		}
		tickets = ts
		return nil
	})
	if err != nil {
		for _, m := range chunk {
			results[m.index].Err = err
		}
		return
	}
	for i, m := range chunk {
		var t Ticket
		if err := json.Unmarshal(tickets[i], &t); err != nil {
			results[m.index].Err = &RequestError{Endpoint: EndpointSend, HTTPStatus: http.StatusOK,
				Err: fmt.Errorf("%w: ticket %d: %v", ErrMalformedResponse, i, err)}
			continue
		}
		results[m.index].Ticket = t
	}
}

// splitTickets accepts data as an array of tickets or as a single ticket.
func splitTickets(data json.RawMessage) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '[':
		var ts []json.RawMessage
		if err := json.Unmarshal(data, &ts); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		return ts, nil
	case len(data) > 0 && data[0] == '{':
		return []json.RawMessage{data}, nil
	}
	return nil, fmt.Errorf("%w: data is neither a ticket array nor a ticket", ErrMalformedResponse)
}

// GetReceipts fetches the receipts of the given receipt ids (ticket IDs).
// Ids without a receipt (not ready, expired or unknown) are absent from the
// map. Empty and duplicate ids are ignored. If some chunks fail, the map
// holds the receipts of the others and the error joins the failures.
func (c *Client) GetReceipts(ctx context.Context, ids []string) (map[string]Receipt, error) {
	seen := make(map[string]struct{}, len(ids))
	unique := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; id == "" || dup {
			continue
		}
		seen[id] = struct{}{}
		unique = append(unique, id)
	}
	var chunks [][]string
	for len(unique) > 0 {
		n := min(len(unique), MaxReceiptIDsPerRequest)
		chunks = append(chunks, unique[:n])
		unique = unique[n:]
	}

	out := make(map[string]Receipt, len(seen))
	var mu sync.Mutex
	var errs []error
	c.forEach(len(chunks), func(k int) {
		body, err := json.Marshal(struct {
			IDs []string `json:"ids"`
		}{chunks[k]})
		if err != nil { // cannot happen with strings
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			return
		}
		var got map[string]Receipt
		err = c.do(ctx, EndpointReceipts, c.receiptsURL, body, 0, func(data json.RawMessage) error {
			data = bytes.TrimSpace(data)
			if len(data) == 0 || data[0] != '{' {
				return fmt.Errorf("%w: data is not an object", ErrMalformedResponse)
			}
			if err := json.Unmarshal(data, &got); err != nil {
				return fmt.Errorf("%w: %v", ErrMalformedResponse, err)
			}
			return nil
		})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, id := range chunks[k] {
			if r, ok := got[id]; ok {
				out[id] = r
			}
		}
	})
	return out, errors.Join(errs...)
}

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

// attempt makes one request; nil means use accepted the response.
func (c *Client) attempt(ctx context.Context, endpoint, url string, body []byte, gzipped bool, use func(json.RawMessage) error) *RequestError {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		// A bad BaseURL: not a network error, so not retryable.
		return &RequestError{Endpoint: endpoint, Err: err, permanent: true}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if c.accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.accessToken)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return &RequestError{Endpoint: endpoint, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		if resp.StatusCode/100 == 2 {
			// The answer was cut off, but Expo has accepted the request:
			// not retried, like any unusable 200.
			return &RequestError{Endpoint: endpoint, HTTPStatus: resp.StatusCode,
				Err: fmt.Errorf("%w: reading body: %v", ErrMalformedResponse, err)}
		}
		raw = nil // an error status is enough to decide
	}

	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Code        string          `json:"code"`
			Message     string          `json:"message"`
			Type        string          `json:"type"`
			IsTransient bool            `json:"isTransient"`
			RequestID   string          `json:"requestId"`
			Details     json.RawMessage `json:"details"`
		} `json:"errors"`
		OAuthError       string `json:"error"`
		OAuthDescription string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(raw, &env)
	rerr := &RequestError{Endpoint: endpoint, HTTPStatus: resp.StatusCode}
	switch {
	case jsonErr == nil && len(env.Errors) > 0:
		e := env.Errors[0]
		rerr.Code, rerr.Message, rerr.Type = e.Code, e.Message, e.Type
		rerr.IsTransient, rerr.RequestID, rerr.Details = e.IsTransient, e.RequestID, e.Details
	case resp.StatusCode/100 == 2 && jsonErr != nil:
		rerr.Err = fmt.Errorf("%w: %v", ErrMalformedResponse, jsonErr)
		rerr.Message = snippet(raw)
	case resp.StatusCode/100 == 2:
		if err := use(env.Data); err != nil {
			rerr.Err = err
			return rerr
		}
		return nil
	case jsonErr == nil && env.OAuthError != "":
		rerr.Code, rerr.Message = env.OAuthError, env.OAuthDescription
	default:
		rerr.Message = snippet(raw)
		if rerr.Message == "" {
			rerr.Message = http.StatusText(resp.StatusCode)
		}
	}
	rerr.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	return rerr
}

// snippet returns the start of a body that is not usable JSON (an HTML
// gateway page, plain text), on one line.
func snippet(b []byte) string {
	const limit = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b[:min(len(b), 4*limit)]), "")), " ")
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
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

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	// Writing to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	gzipWriters.Put(w)
	return buf.Bytes()
}
