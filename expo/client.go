package expo

import (
	"context"
	"net/http"
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

// chunksOf splits s into consecutive pieces of at most n elements; the pieces
// share s's backing array.
func chunksOf[T any](s []T, n int) [][]T {
	var chunks [][]T
	for len(s) > 0 {
		k := min(len(s), n)
		chunks = append(chunks, s[:k])
		s = s[k:]
	}
	return chunks
}
