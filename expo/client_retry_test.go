package expo

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"circly/expo/expotest"
)

func TestSendRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name      string
		fault     expotest.Fault
		wantWaits []time.Duration
	}{
		{"429", expotest.Fault{Kind: expotest.FaultTooManyRequests}, []time.Duration{time.Second}},
		{"429 with Retry-After", expotest.Fault{Kind: expotest.FaultTooManyRequests, RetryAfter: "3"}, []time.Duration{3 * time.Second}},
		{"500", expotest.Fault{Kind: expotest.FaultInternalError}, []time.Duration{time.Second}},
		{"502 HTML", expotest.Fault{Kind: expotest.FaultBadGateway}, []time.Duration{time.Second}},
		{"503 text", expotest.Fault{Kind: expotest.FaultServiceUnavailable}, []time.Duration{time.Second}},
		{"504 HTML", expotest.Fault{Kind: expotest.FaultGatewayTimeout}, []time.Duration{time.Second}},
		{"connection dropped", expotest.Fault{Kind: expotest.FaultHangUp}, []time.Duration{time.Second}},
		{"errors in a 200", expotest.Fault{Kind: expotest.FaultErrorsIn200}, []time.Duration{time.Second}},
		{"transient 400", expotest.ErrorFault(400, "SOMETHING_NEW", "try again", true), []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.FailNext(1, tt.fault)
			c, s := newTestClient(srv, Config{})
			ticketIDs(t, c.Send(context.Background(), messages(5)))
			if got := srv.SendRequests(); got != 2 {
				t.Errorf("%d requests, want 2", got)
			}
			if got := s.all(); !slices.Equal(got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", got, tt.wantWaits)
			}
			if got := len(srv.Messages()); got != 5 {
				t.Errorf("fake delivered %d messages, want 5", got)
			}
		})
	}
}

func TestSendTimeoutIsRetried(t *testing.T) {
	srv := newServer(t)
	srv.FailNext(1, expotest.Fault{Kind: expotest.FaultDelay, Delay: 5 * time.Second})
	c, _ := newTestClient(srv, Config{HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
	start := time.Now()
	ticketIDs(t, c.Send(context.Background(), messages(3)))
	// Normally 2; a slow machine may time out a normal request too.
	if got := srv.SendRequests(); got < 2 {
		t.Errorf("%d requests, want 2", got)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestSendBackoffAndGivingUp(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		wantErr     bool
		wantWaits   []time.Duration
	}{
		{"gives up after MaxAttempts", 4, true, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
		{"succeeds on the last attempt", 5, false, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"no retries", 1, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.FailNext(4, expotest.Fault{Kind: expotest.FaultInternalError})
			c, s := newTestClient(srv, Config{MaxAttempts: tt.maxAttempts, BaseBackoff: time.Second, MaxBackoff: 3 * time.Second})
			results := c.Send(context.Background(), messages(10))
			if !tt.wantErr {
				ticketIDs(t, results)
			} else {
				for i, r := range results {
					var re *RequestError
					if !errors.As(r.Err, &re) || re.HTTPStatus != 500 || re.Code != "INTERNAL_SERVER_ERROR" ||
						!re.IsTransient || re.RequestID == "" || re.Attempts != tt.maxAttempts {
						t.Fatalf("result %d: err = %#v", i, r.Err)
					}
				}
			}
			if got := s.all(); !slices.Equal(got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", got, tt.wantWaits)
			}
			if got, want := srv.SendRequests(), min(tt.maxAttempts, 5); got != want {
				t.Errorf("%d requests, want %d", got, want)
			}
		})
	}
}

func TestSendDoesNotRetryPermanentFailures(t *testing.T) {
	tests := []struct {
		name       string
		serverTok  string // auth mode
		clientTok  string
		fault      *expotest.Fault
		script     func(*expotest.Server)
		msgs       []Message
		wantStatus int
		wantCode   string
		wantIs     error
		delivered  int
		retryable  bool // by nature, though not retried here
	}{
		{
			name:       "400 VALIDATION_ERROR",
			fault:      new(expotest.ErrorFault(400, "VALIDATION_ERROR", `"[0].to" is required`, false)),
			wantStatus: 400, wantCode: "VALIDATION_ERROR",
		},
		{
			name:       "400 PUSH_TOO_MANY_NOTIFICATIONS",
			fault:      new(expotest.ErrorFault(400, "PUSH_TOO_MANY_NOTIFICATIONS", "maximum of 100 notifications per request (received 115)", false)),
			wantStatus: 400, wantCode: "PUSH_TOO_MANY_NOTIFICATIONS",
		},
		{
			name:       "400 PUSH_TOO_MANY_EXPERIENCE_IDS from the fake",
			script:     func(s *expotest.Server) { s.SetProject("@other/app", token(2)) },
			wantStatus: 400, wantCode: "PUSH_TOO_MANY_EXPERIENCE_IDS",
		},
		{
			name:       "401 missing token",
			serverTok:  "right",
			wantStatus: 401, wantCode: "UNAUTHORIZED", wantIs: ErrUnauthorized,
		},
		{
			name:       "401 wrong token (OAuth body)",
			serverTok:  "right",
			clientTok:  "wrong",
			wantStatus: 401, wantCode: "invalid_token", wantIs: ErrUnauthorized,
		},
		{
			name:       "errors in a 200",
			fault:      new(expotest.ErrorFault(200, "VALIDATION_ERROR", "bad", false)),
			wantStatus: 200, wantCode: "VALIDATION_ERROR",
		},
		{
			name:       "malformed JSON in a 200",
			fault:      &expotest.Fault{Kind: expotest.FaultMalformedJSON},
			wantStatus: 200, wantIs: ErrMalformedResponse, delivered: 5,
		},
		{
			name:       "wrong ticket count",
			fault:      &expotest.Fault{Kind: expotest.FaultWrongTicketCount},
			wantStatus: 200, wantIs: ErrTicketCountMismatch, delivered: 5,
		},
		{
			name:       "413 from a proxy",
			fault:      &expotest.Fault{Kind: expotest.FaultCustom, Status: 413, Body: "<html>too large</html>", ContentType: "text/html"},
			wantStatus: 413,
		},
		{
			name:       "Retry-After beyond MaxBackoff",
			fault:      &expotest.Fault{Kind: expotest.FaultTooManyRequests, RetryAfter: "120"},
			wantStatus: 429, wantCode: "TOO_MANY_REQUESTS", retryable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, expotest.WithAccessToken(tt.serverTok))
			if tt.fault != nil {
				srv.FailNext(1, *tt.fault)
			}
			if tt.script != nil {
				tt.script(srv)
			}
			c, s := newTestClient(srv, Config{AccessToken: tt.clientTok})
			results := c.Send(context.Background(), messages(5))
			first := results[0].Err
			for i, r := range results {
				if r.Err == nil || r.Err != first {
					t.Fatalf("result %d: err = %v, want the chunk's error", i, r.Err)
				}
			}
			var re *RequestError
			if !errors.As(first, &re) {
				t.Fatalf("err %T %v is not a *RequestError", first, first)
			}
			if re.HTTPStatus != tt.wantStatus || re.Code != tt.wantCode || re.Retryable() != tt.retryable || re.Attempts != 1 {
				t.Errorf("err = %+v", re)
			}
			if tt.wantIs != nil && !errors.Is(first, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", first, tt.wantIs)
			}
			if got := srv.SendRequests(); got != 1 {
				t.Errorf("%d requests, want exactly 1", got)
			}
			if got := s.all(); len(got) != 0 {
				t.Errorf("waited %v", got)
			}
			if got := len(srv.Messages()); got != tt.delivered {
				t.Errorf("fake delivered %d, want %d", got, tt.delivered)
			}
			if tt.wantCode == "PUSH_TOO_MANY_EXPERIENCE_IDS" && !strings.Contains(string(re.Details), "@other/app") {
				t.Errorf("details = %s", re.Details)
			}
			if tt.name == "Retry-After beyond MaxBackoff" && re.RetryAfter != 2*time.Minute {
				t.Errorf("RetryAfter = %v", re.RetryAfter)
			}
			if tt.wantStatus == 413 && !strings.Contains(re.Message, "too large") {
				t.Errorf("message = %q", re.Message)
			}
		})
	}
}

func TestSendNonJSONErrorBodies(t *testing.T) {
	for _, f := range []expotest.Fault{
		{Kind: expotest.FaultBadGateway},
		{Kind: expotest.FaultServiceUnavailable},
		{Kind: expotest.FaultGatewayTimeout},
		{Kind: expotest.FaultCustom, Status: 500, Body: "", ContentType: "text/plain"},
	} {
		srv := newServer(t)
		srv.FailNext(5, f)
		c, _ := newTestClient(srv, Config{MaxAttempts: 2})
		results := c.Send(context.Background(), messages(1))
		var re *RequestError
		if !errors.As(results[0].Err, &re) || re.HTTPStatus < 500 || re.Message == "" || re.Attempts != 2 {
			t.Errorf("fault %v: err = %#v", f.Kind, results[0].Err)
		}
	}
}

func TestSendContextCancellation(t *testing.T) {
	t.Run("during backoff", func(t *testing.T) {
		srv := newServer(t)
		srv.FailNext(1, expotest.Fault{Kind: expotest.FaultInternalError})
		c := New(Config{BaseURL: srv.URL, BaseBackoff: 10 * time.Second, MaxBackoff: 10 * time.Second, NotificationsPerSecond: PacingOff})
		c.jitter = func(d time.Duration) time.Duration { return d }
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		results := c.Send(ctx, messages(3))
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Send returned after %v", el)
		}
		var re *RequestError
		if !errors.Is(results[0].Err, context.Canceled) || !errors.As(results[0].Err, &re) || re.HTTPStatus != 500 {
			t.Errorf("err = %v", results[0].Err)
		}
		if got := srv.SendRequests(); got != 1 {
			t.Errorf("%d requests", got)
		}
	})
	t.Run("deadline shorter than the backoff", func(t *testing.T) {
		srv := newServer(t)
		srv.FailNext(1, expotest.Fault{Kind: expotest.FaultInternalError})
		c := New(Config{BaseURL: srv.URL, BaseBackoff: 10 * time.Second, MaxBackoff: 10 * time.Second, NotificationsPerSecond: PacingOff})
		c.jitter = func(d time.Duration) time.Duration { return d }
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		results := c.Send(ctx, messages(3))
		var re *RequestError
		if !errors.As(results[0].Err, &re) || re.HTTPStatus != 500 {
			t.Errorf("err = %v", results[0].Err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("waited %v for a retry that could not happen", el)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		srv := newServer(t)
		c, _ := newTestClient(srv, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for i, r := range c.Send(ctx, messages(250)) {
			if !errors.Is(r.Err, context.Canceled) {
				t.Fatalf("result %d: err = %v", i, r.Err)
			}
		}
		if got := srv.SendRequests(); got != 0 {
			t.Errorf("%d requests", got)
		}
	})
	t.Run("during a stalled request", func(t *testing.T) {
		srv := newServer(t)
		srv.FailNext(1, expotest.Fault{Kind: expotest.FaultDelay, Delay: 10 * time.Second})
		c, _ := newTestClient(srv, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		results := c.Send(ctx, messages(1))
		if !errors.Is(results[0].Err, context.Canceled) {
			t.Errorf("err = %v", results[0].Err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Send returned after %v", el)
		}
	})
}
