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
