package expo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"circly/expo/expotest"
)

// recordingSleeper replaces Client.sleep: it records each wait and returns at
// once (or with ctx's error), so backoff and pacing cost no real time.
type recordingSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *recordingSleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *recordingSleeper) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

// newTestClient returns a client for srv with pacing off (unless cfg sets
// it), no-jitter backoff and a recording sleeper.
func newTestClient(srv *expotest.Server, cfg Config) (*Client, *recordingSleeper) {
	cfg.BaseURL = srv.URL
	if cfg.NotificationsPerSecond == 0 {
		cfg.NotificationsPerSecond = PacingOff
	}
	c := New(cfg)
	s := &recordingSleeper{}
	c.sleep = s.sleep
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c, s
}

func newServer(t *testing.T, opts ...expotest.Option) *expotest.Server {
	t.Helper()
	srv := expotest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func token(i int) string { return fmt.Sprintf("ExponentPushToken[tok%05d]", i) }

func messages(n int) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i] = Message{To: token(i), Title: "Poll", Body: fmt.Sprintf("message %d", i),
			Data: map[string]any{"kind": "poll_started", "i": i}}
	}
	return msgs
}

// ticketIDs checks that every result is an ok ticket and returns the ids.
func ticketIDs(t *testing.T, results []SendResult) []string {
	t.Helper()
	ids := make([]string, len(results))
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("result %d: %v", i, r.Err)
		}
		if !r.Ticket.OK() || r.Ticket.ID == "" {
			t.Fatalf("result %d: ticket %+v", i, r.Ticket)
		}
		ids[i] = r.Ticket.ID
	}
	return ids
}

func TestSendChunksAndAlignsResults(t *testing.T) {
	tests := []struct {
		n          int
		wantChunks []int
	}{
		{1, []int{1}},
		{100, []int{100}},
		{101, []int{100, 1}},
		{250, []int{100, 100, 50}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			srv := newServer(t)
			c, _ := newTestClient(srv, Config{})
			msgs := messages(tt.n)
			results := c.Send(context.Background(), msgs)
			if len(results) != tt.n {
				t.Fatalf("%d results, want %d", len(results), tt.n)
			}
			ids := ticketIDs(t, results)

			var sizes []int
			for _, r := range srv.Requests() {
				if r.Status != http.StatusOK {
					t.Errorf("request answered %d", r.Status)
				}
				sizes = append(sizes, len(r.Messages))
			}
			slices.Sort(sizes)
			want := slices.Clone(tt.wantChunks)
			slices.Sort(want)
			if !slices.Equal(sizes, want) {
				t.Errorf("chunk sizes %v, want %v", sizes, want)
			}

			// Each result carries the ticket the fake issued for that
			// message's token.
			byToken := map[string]string{}
			for _, n := range srv.Notifications() {
				byToken[n.Token] = n.TicketID
			}
			for i, m := range msgs {
				if ids[i] != byToken[m.To] {
					t.Fatalf("result %d has ticket %s, fake issued %s for %s", i, ids[i], byToken[m.To], m.To)
				}
			}
			if got := len(srv.Messages()); got != tt.n {
				t.Errorf("fake got %d messages, want %d", got, tt.n)
			}
		})
	}
}

func TestSendHeadersAndGzip(t *testing.T) {
	// A message padded so that the JSON array of one message is exactly
	// size bytes long.
	sized := func(size int) Message {
		m := Message{To: token(1), Body: ""}
		b, _ := json.Marshal([]Message{m})
		m.Body = strings.Repeat("x", size-len(b)-len(`,"body":""`))
		if b, _ := json.Marshal([]Message{m}); len(b) != size {
			panic(fmt.Sprintf("sized(%d) is %d bytes", size, len(b)))
		}
		return m
	}
	tests := []struct {
		name     string
		msgs     []Message
		token    string
		wantGzip bool
	}{
		{"small body plain", messages(1), "", false},
		{"exactly 1024 bytes plain", []Message{sized(1024)}, "", false},
		{"1025 bytes gzipped", []Message{sized(1025)}, "", true},
		{"100 messages gzipped, with token", messages(100), "secret-token", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []expotest.Option
			if tt.token != "" {
				opts = append(opts, expotest.WithAccessToken(tt.token))
			}
			srv := newServer(t, opts...)
			c, _ := newTestClient(srv, Config{AccessToken: tt.token, UserAgent: "circly-test/1"})
			ticketIDs(t, c.Send(context.Background(), tt.msgs))

			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Gzipped != tt.wantGzip {
				t.Errorf("gzipped = %v, want %v", r.Gzipped, tt.wantGzip)
			}
			if got := r.Header.Get("Content-Encoding"); (got == "gzip") != tt.wantGzip {
				t.Errorf("Content-Encoding = %q", got)
			}
			wantAuth := ""
			if tt.token != "" {
				wantAuth = "Bearer " + tt.token
			}
			if _, present := r.Header["Authorization"]; present != (tt.token != "") || r.Header.Get("Authorization") != wantAuth {
				t.Errorf("Authorization = %q (present %v), want %q", r.Header.Get("Authorization"), present, wantAuth)
			}
			for h, want := range map[string]string{
				"Accept":          "application/json",
				"Content-Type":    "application/json",
				"User-Agent":      "circly-test/1",
				"Accept-Encoding": "gzip", // added by net/http, so it also gunzips the answer
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if !strings.HasPrefix(strings.TrimSpace(string(r.Body)), "[") {
				t.Errorf("body is not an array: %.40s", r.Body)
			}
			if len(r.Messages) != len(tt.msgs) || r.Messages[0].To[0] != tt.msgs[0].To || r.Messages[0].Body != tt.msgs[0].Body {
				t.Errorf("fake decoded %d messages, first %+v", len(r.Messages), r.Messages[0])
			}
		})
	}
}

func TestSendMessageFieldsReachExpo(t *testing.T) {
	srv := newServer(t)
	c, _ := newTestClient(srv, Config{})
	msg := Message{To: token(7), Title: "제목", Body: "본문", Badge: new(0), Sound: "default",
		ChannelID: "polls", Priority: PriorityHigh, Data: map[string]any{"poll": "p1", "circle": "c1"}}
	ticketIDs(t, c.Send(context.Background(), []Message{msg}))
	got := srv.MessagesTo(token(7))
	if len(got) != 1 {
		t.Fatalf("%d messages to token, want 1", len(got))
	}
	m := got[0]
	if m.Badge == nil || *m.Badge != 0 {
		t.Errorf("badge = %v, want 0", m.Badge)
	}
	if m.Title != "제목" || m.Body != "본문" || m.Sound != "default" || m.ChannelID != "polls" || m.Priority != "high" {
		t.Errorf("fields lost: %+v", m)
	}
	if m.Data["poll"] != "p1" || m.Data["circle"] != "c1" {
		t.Errorf("data = %v", m.Data)
	}
	if strings.Contains(string(m.Raw), "subtitle") || strings.Contains(string(m.Raw), "ttl") {
		t.Errorf("empty fields sent: %s", m.Raw)
	}
}

func TestSendBadMessagesFailAlone(t *testing.T) {
	srv := newServer(t)
	c, _ := newTestClient(srv, Config{})
	msgs := []Message{
		{To: token(1), Body: "fine"},
		{To: "", Body: "no recipient"},
		{To: token(2), Data: map[string]any{"bad": make(chan int)}},
		{To: token(3), Body: "fine too"},
	}
	results := c.Send(context.Background(), msgs)
	if !errors.Is(results[1].Err, ErrNoRecipient) {
		t.Errorf("empty To: err = %v", results[1].Err)
	}
	var ute *json.UnsupportedTypeError
	if !errors.As(results[2].Err, &ute) {
		t.Errorf("bad data: err = %v", results[2].Err)
	}
	ticketIDs(t, []SendResult{results[0], results[3]})
	if got := len(srv.Messages()); got != 2 {
		t.Errorf("fake got %d messages, want 2", got)
	}
	if results := c.Send(context.Background(), nil); len(results) != 0 || srv.SendRequests() != 1 {
		t.Errorf("empty Send: %d results, %d requests", len(results), srv.SendRequests())
	}
}

func TestSendConcurrencyLimit(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		sends  int // concurrent Send calls on one client
		msgs   int // per Send
		wantLo int
	}{
		{"one at a time", 1, 1, 500, 1},
		{"three", 3, 1, 1000, 2},
		{"shared by concurrent Sends", 2, 3, 300, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.SetLatency(20 * time.Millisecond)
			c, _ := newTestClient(srv, Config{MaxConcurrentRequests: tt.limit})
			var wg sync.WaitGroup
			for range tt.sends {
				wg.Go(func() { ticketIDs(t, c.Send(context.Background(), messages(tt.msgs))) })
			}
			wg.Wait()
			if got := srv.MaxInFlight(); got > tt.limit || got < tt.wantLo {
				t.Errorf("max in flight %d, want between %d and %d", got, tt.wantLo, tt.limit)
			}
			if got, want := srv.SendRequests(), tt.sends*((tt.msgs+99)/100); got != want {
				t.Errorf("%d requests, want %d", got, want)
			}
		})
	}
}

func TestSendPacingIsSharedAndCoversRetries(t *testing.T) {
	srv := newServer(t)
	c, s := newTestClient(srv, Config{NotificationsPerSecond: 600})
	frozen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return frozen } // no refill: waits add up exactly

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { ticketIDs(t, c.Send(context.Background(), messages(500))) })
	}
	wg.Wait()
	got := s.all()
	slices.Sort(got)
	var want []time.Duration
	for k := range 10 { // 10 chunks of 100 at 600/s, one chunk of burst
		want = append(want, time.Duration(float64(k)*100/600*float64(time.Second)))
	}
	if len(got) != len(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("wait %d = %v, want %v", i, got[i], want[i])
		}
	}

	// A retry is paced again.
	srv.FailNext(1, expotest.Fault{Kind: expotest.FaultInternalError})
	s.waits = nil
	ticketIDs(t, c.Send(context.Background(), messages(100)))
	if got := s.all(); len(got) != 3 || got[1] != time.Second || got[2] <= got[0] {
		t.Errorf("waits with one retry = %v, want pace, 1s backoff, longer pace", got)
	}
}

func TestSendPacingRealTime(t *testing.T) {
	srv := newServer(t)
	c := New(Config{BaseURL: srv.URL, NotificationsPerSecond: 1000})
	start := time.Now()
	ticketIDs(t, c.Send(context.Background(), messages(300)))
	// One chunk goes at once, then 100 per 100 ms: about 200 ms.
	if el := time.Since(start); el < 180*time.Millisecond || el > 3*time.Second {
		t.Errorf("300 messages at 1000/s took %v, want about 200ms", el)
	}
}

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

func TestSendErrorTickets(t *testing.T) {
	srv := newServer(t)
	dead, limited, laterDead := token(1), token(2), token(3)
	srv.MarkDeviceNotRegistered(dead)
	srv.SetTicketError(limited, CodeMessageRateExceeded)
	srv.SetReceiptError(laterDead, CodeDeviceNotRegistered)
	c, _ := newTestClient(srv, Config{})
	msgs := []Message{{To: token(0)}, {To: dead}, {To: limited}, {To: "not-a-token"}, {To: laterDead}}
	results := c.Send(context.Background(), msgs)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("result %d: %v", i, r.Err)
		}
	}
	tests := []struct {
		i         int
		wantOK    bool
		wantClass Class
		wantToken string
	}{
		{0, true, ClassOK, ""},
		{1, false, ClassDeviceNotRegistered, dead},
		{2, false, ClassRetryLater, limited},
		{3, false, ClassDeviceNotRegistered, "not-a-token"},
		{4, true, ClassOK, ""},
	}
	for _, tt := range tests {
		tk := results[tt.i].Ticket
		if tk.OK() != tt.wantOK || tk.Class() != tt.wantClass || tk.Details.ExpoPushToken != tt.wantToken {
			t.Errorf("ticket %d = %+v", tt.i, tk)
		}
		if !tt.wantOK && (tk.ID != "" || tk.Message == "") {
			t.Errorf("error ticket %d = %+v", tt.i, tk)
		}
	}
	if !errors.Is(results[1].Ticket.Err(), ErrDeviceNotRegistered) {
		t.Errorf("ticket 1 err = %v", results[1].Ticket.Err())
	}

	rs, err := c.GetReceipts(context.Background(), []string{results[0].Ticket.ID, results[4].Ticket.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[results[0].Ticket.ID]; !r.OK() {
		t.Errorf("receipt 0 = %+v", r)
	}
	if r := rs[results[4].Ticket.ID]; !r.DeviceNotRegistered() || r.Details.ExpoPushToken != laterDead {
		t.Errorf("receipt 4 = %+v", r)
	}
}

func TestSendAcceptsSingleTicketObject(t *testing.T) {
	srv := newServer(t)
	srv.FailNext(1, expotest.Fault{Kind: expotest.FaultTicketObject})
	c, _ := newTestClient(srv, Config{})
	ids := ticketIDs(t, c.Send(context.Background(), messages(1)))
	if got := srv.Notifications()[0].TicketID; ids[0] != got {
		t.Errorf("ticket id %s, fake issued %s", ids[0], got)
	}
	if got := srv.Requests()[0].Fault; got != expotest.FaultTicketObject {
		t.Errorf("fault not applied: %v", got)
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

func TestGetReceipts(t *testing.T) {
	srv := newServer(t)
	c, _ := newTestClient(srv, Config{})
	srv.SetReceiptError(token(5), CodeMessageTooBig)
	ids := ticketIDs(t, c.Send(context.Background(), messages(2500)))
	srv.Reset()

	unknown := []string{"0194d1a4-0000-7000-8000-000000000001", "0194d1a4-0000-7000-8000-000000000002"}
	ask := append(slices.Clone(ids), unknown...)
	ask = append(ask, ids[0], "") // duplicates and empties are dropped
	rs, err := c.GetReceipts(context.Background(), ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(ids) {
		t.Errorf("%d receipts, want %d", len(rs), len(ids))
	}
	for _, id := range unknown {
		if _, ok := rs[id]; ok {
			t.Errorf("unknown id %s has a receipt", id)
		}
	}
	for i, id := range ids {
		r, ok := rs[id]
		switch {
		case !ok:
			t.Fatalf("receipt %d missing", i)
		case i == 5 && (r.OK() || r.Details.Error != CodeMessageTooBig || r.Class() != ClassPermanent):
			t.Errorf("receipt 5 = %+v", r)
		case i != 5 && !r.OK():
			t.Errorf("receipt %d = %+v", i, r)
		}
	}
	var sizes []int
	for _, r := range srv.Requests() {
		sizes = append(sizes, len(r.ReceiptIDs))
		if !r.Gzipped {
			t.Error("large receipts request not gzipped")
		}
	}
	slices.Sort(sizes)
	if want := []int{502, 1000, 1000}; !slices.Equal(sizes, want) {
		t.Errorf("chunk sizes %v, want %v", sizes, want)
	}

	if rs, err := c.GetReceipts(context.Background(), nil); err != nil || len(rs) != 0 {
		t.Errorf("no ids: %v, %v", rs, err)
	}
}

func TestGetReceiptsReadiness(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := newServer(t, expotest.WithClock(clock))
	srv.SetReceiptDelay(15 * time.Minute)
	c, _ := newTestClient(srv, Config{})
	ids := ticketIDs(t, c.Send(context.Background(), messages(3)))

	rs, err := c.GetReceipts(context.Background(), ids)
	if err != nil || len(rs) != 0 {
		t.Fatalf("before ready: %v, %v", rs, err)
	}
	mu.Lock()
	now = now.Add(15 * time.Minute)
	mu.Unlock()
	rs, err = c.GetReceipts(context.Background(), ids)
	if err != nil || len(rs) != 3 {
		t.Fatalf("after ready: %v, %v", rs, err)
	}
}

func TestGetReceiptsFailures(t *testing.T) {
	tests := []struct {
		name         string
		fault        expotest.Fault
		n            int
		wantRequests int
		wantErr      error // nil: success after retry
	}{
		{"503 retried", expotest.Fault{Kind: expotest.FaultServiceUnavailable}, 1, 2, nil},
		{"429 retried", expotest.Fault{Kind: expotest.FaultTooManyRequests}, 2, 3, nil},
		{"data not an object", expotest.Fault{Kind: expotest.FaultWrongTicketCount}, 1, 1, ErrMalformedResponse},
		{"malformed JSON", expotest.Fault{Kind: expotest.FaultMalformedJSON}, 1, 1, ErrMalformedResponse},
		{"too many receipts", expotest.ErrorFault(400, "PUSH_TOO_MANY_RECEIPTS", "You can request a maximum of 1000 receipts per request (received 1001); divide your requests.", false), 1, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			c, _ := newTestClient(srv, Config{})
			ids := ticketIDs(t, c.Send(context.Background(), messages(2)))
			srv.FailNextReceipts(tt.n, tt.fault)
			rs, err := c.GetReceipts(context.Background(), ids)
			if got := srv.ReceiptRequests(); got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
			if tt.wantRequests > 1 {
				if err != nil || len(rs) != 2 {
					t.Errorf("got %v, %v", rs, err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || re.Retryable() || len(rs) != 0 {
				t.Fatalf("got %v, %v", rs, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}

	t.Run("one chunk of two fails: partial result", func(t *testing.T) {
		srv := newServer(t)
		c, _ := newTestClient(srv, Config{MaxConcurrentRequests: 1})
		ids := ticketIDs(t, c.Send(context.Background(), messages(1500)))
		srv.FailNextReceipts(1, expotest.Fault{Kind: expotest.FaultWrongTicketCount})
		rs, err := c.GetReceipts(context.Background(), ids)
		if !errors.Is(err, ErrMalformedResponse) || len(rs) != 500 {
			t.Errorf("got %d receipts, %v", len(rs), err)
		}
	})
}

func TestFakeRejectsOversizedRequests(t *testing.T) {
	// The client never builds such requests; check that the fake would
	// have caught them, so the chunking tests mean something.
	srv := newServer(t)
	post := func(path, body string) (int, string) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env struct {
			Errors []struct{ Code string } `json:"errors"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&env)
		if len(env.Errors) == 0 {
			return resp.StatusCode, ""
		}
		return resp.StatusCode, env.Errors[0].Code
	}
	b, _ := json.Marshal(messages(101))
	if st, code := post("/push/send", string(b)); st != 400 || code != "PUSH_TOO_MANY_NOTIFICATIONS" {
		t.Errorf("101 messages: %d %s", st, code)
	}
	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	b, _ = json.Marshal(map[string]any{"ids": ids})
	if st, code := post("/push/getReceipts", string(b)); st != 400 || code != "PUSH_TOO_MANY_RECEIPTS" {
		t.Errorf("1001 ids: %d %s", st, code)
	}
}

func BenchmarkSend10k(b *testing.B) {
	srv := expotest.NewServer()
	defer srv.Close()
	c := New(Config{BaseURL: srv.URL, NotificationsPerSecond: PacingOff})
	msgs := messages(10000)
	for b.Loop() {
		for i, r := range c.Send(context.Background(), msgs) {
			if r.Err != nil || !r.Ticket.OK() {
				b.Fatalf("result %d: %+v", i, r)
			}
		}
		srv.Reset()
	}
}
